"""``build()`` over synthetic stacks, without blueprint files: each compute target alone, each time-series
engine, a domain; and the deploy-time defects a review found (issue 9), each with the test that catches it."""

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import pytest

from components.build import build
from finplatform.blueprints import Blueprint
from finplatform.stack import ResolvedStack, resolve_stack
from finplatform.tooling.mocks import PlannedResource
from tests.conftest import Engine

CERTIFICATE = "arn:aws:acm:us-east-1:111122223333:certificate/0example"
SIZES_EC2 = {env: {"instanceType": "t3.small", "min": 2, "desired": 2, "max": 4} for env in ("dev", "staging", "prod")}
SIZES_EKS = {
    env: {"instanceType": "t3.medium", "min": 2, "desired": 2, "max": 10} for env in ("dev", "staging", "prod")
}
SIZES_FARGATE = {
    env: {"cpu": 512, "memory": 1024, "min": 1, "desired": 1, "max": 3} for env in ("dev", "staging", "prod")
}


def _stack(environment: str, blueprint: Mapping[str, Any], config: Mapping[str, str] | None = None) -> ResolvedStack:
    resolved = resolve_stack(environment, dict(config or {}))
    return dataclasses.replace(resolved, blueprint=Blueprint.model_validate({"name": "synthetic", **blueprint}))


def _build(engine: Engine, stack: ResolvedStack) -> list[PlannedResource]:
    return engine.declare(lambda: build(stack))


def _named(resources: list[PlannedResource], type_: str) -> dict[str, PlannedResource]:
    return {r.name: r for r in resources if r.type == type_}


EC2_ONLY = {
    "services": [
        {"name": "api", "target": "ec2-autoscaling", "image": "api:1.0", "port": 8000, "sizes": SIZES_EC2},
        {"name": "worker", "target": "ec2-autoscaling", "image": "worker:1.0", "public": False, "sizes": SIZES_EC2},
    ],
    "buckets": [{"name": "reports", "purpose": "data"}],
}


def test_ec2_services_register_with_instance_target_groups(engine: Engine) -> None:
    # GIVEN a blueprint whose public API runs on EC2 Auto Scaling, with HTTPS configured
    resources = _build(engine, _stack("dev", EC2_ONLY, {"finplatform:certificateArn": CERTIFICATE}))
    # WHEN the load balancer's target group and the group that registers with it reach the engine
    target_group = _named(resources, "aws:lb/targetGroup:TargetGroup")["edge-api"]
    group = _named(resources, "aws:autoscaling/group:Group")["instances-api-group"]
    # THEN Auto Scaling can register its instances: the target type is instance, not ip
    assert target_group.inputs["targetType"] == "instance"
    assert group.inputs["targetGroupArns"] == [target_group.outputs["arn"]]


def test_auto_scaling_groups_leave_the_running_count_to_scaling(engine: Engine) -> None:
    # GIVEN EC2 services that scale
    groups = list(_named(_build(engine, _stack("prod", EC2_ONLY)), "aws:autoscaling/group:Group").values())
    # THEN a deploy never resets the count scaling chose
    assert groups
    assert all("desiredCapacity" in g.options.get("ignoreChanges", []) for g in groups)


def test_no_ecs_cluster_without_fargate_services(engine: Engine) -> None:
    # GIVEN services on EC2 only
    resources = _build(engine, _stack("dev", EC2_ONLY))
    # THEN nothing of ECS is declared
    assert [r.name for r in resources if r.type.startswith("aws:ecs/")] == []
    assert [r.name for r in resources if r.type == "finplatform:compute:FargateServices"] == []


def test_instance_role_may_write_its_logs_to_its_own_log_group(engine: Engine) -> None:
    # GIVEN an EC2 service
    resources = _build(engine, _stack("dev", EC2_ONLY))
    logs = _named(resources, "aws:cloudwatch/logGroup:LogGroup")["instances-api-logs"]
    policy = json.loads(_named(resources, "aws:iam/rolePolicy:RolePolicy")["instances-api-policy"].inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    # THEN its instance role keeps the log statement, for the encrypted log group the boot script writes to
    assert statements["WriteItsLogs"]["Resource"] == f"{logs.outputs['arn']}:log-stream:*"
    assert logs.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    template = _named(resources, "aws:ec2/launchTemplate:LaunchTemplate")["instances-api-template"]
    assert template.inputs["userData"]  # the group-name reaches the script (base64), checked in test_compute_ec2


def test_fargate_services_keep_ip_target_groups_and_their_cluster(engine: Engine) -> None:
    # GIVEN a Fargate service behind the load balancer
    blueprint = {"services": [{"name": "web", "image": "web:1.0", "sizes": SIZES_FARGATE}]}
    resources = _build(engine, _stack("dev", blueprint, {"finplatform:certificateArn": CERTIFICATE}))
    # THEN tasks register by IP, and the cluster exists
    assert _named(resources, "aws:lb/targetGroup:TargetGroup")["edge-web"].inputs["targetType"] == "ip"
    assert list(_named(resources, "aws:ecs/cluster:Cluster")) == ["services-cluster"]


def test_eks_only_blueprint_gets_a_cluster_and_no_ecs(engine: Engine) -> None:
    # GIVEN a private service on EKS
    blueprint = {
        "services": [{"name": "chain", "target": "eks", "image": "chain:5.0", "public": False, "sizes": SIZES_EKS}]
    }
    resources = _build(engine, _stack("staging", blueprint))
    # THEN the cluster and its node group are declared, and neither ECS nor a load balancer
    assert len(_named(resources, "eks:index:Cluster")) == 1
    assert len(_named(resources, "eks:index:ManagedNodeGroup")) == 1
    assert [r.type for r in resources if r.type.startswith(("aws:ecs/", "aws:lb/"))] == []


@pytest.mark.parametrize(
    ("engine_name", "component", "stored"),
    [
        ("influxdb", "finplatform:data:InfluxDb", "aws:timestreaminfluxdb/dbInstance:DbInstance"),
        ("liveanalytics", "finplatform:data:LiveAnalytics", "aws:timestreamwrite/table:Table"),
    ],
)
def test_each_time_series_engine_is_its_own_component_aliased_to_the_former_one(
    engine: Engine, engine_name: str, component: str, stored: str
) -> None:
    # GIVEN a blueprint with a time-series store on either engine
    sizes = {env: {"instanceType": "db.influx.medium"} for env in ("dev", "staging", "prod")}
    blueprint = {"timeSeries": {"engine": engine_name, "sizes": sizes}}
    resources = _build(engine, _stack("prod", blueprint))
    # THEN its component is declared, answering to the former TimeSeries type, with the store inside it
    (store,) = [r for r in resources if r.type == component]
    assert store.options["aliases"] == [{"spec": {"type": "finplatform:data:TimeSeries", "parentUrn": ""}}]
    (child,) = [r for r in resources if r.type == stored]
    assert child.parent == store.urn and child.protect


def test_a_domain_brings_cloudfront_reading_the_assets_bucket(engine: Engine) -> None:
    # GIVEN a public service, an assets bucket and a domain with its hosted zone
    blueprint = {
        "services": [{"name": "web", "image": "web:1.0", "sizes": SIZES_FARGATE}],
        "buckets": [{"name": "site", "purpose": "assets"}, {"name": "uploads", "purpose": "assets"}],
    }
    domain = {"finplatform:domainName": "example.com", "finplatform:hostedZoneId": "Z0123456789ABCDEFGHIJ"}
    resources = _build(engine, _stack("dev", blueprint, domain))
    # THEN CloudFront is declared, and only the bucket it serves admits it
    assert len(_named(resources, "aws:cloudfront/distribution:Distribution")) == 1
    policies = _named(resources, "aws:s3/bucketPolicy:BucketPolicy")
    sids = {name: {s["Sid"] for s in json.loads(p.inputs["policy"])["Statement"]} for name, p in policies.items()}
    assert "CloudFrontReadsAssets" in sids["storage-site-policy"]
    assert "CloudFrontReadsAssets" not in sids["storage-uploads-policy"]
