"""EC2 Auto Scaling target (seed 002's API servers and Celery workers, seed 001's monitoring host), under each
profile, with the policy packs run over what it declares."""

import json
from collections.abc import Callable, Mapping

import pulumi
import pulumi_aws as aws
import pytest

from components.compute.access import Grants
from components.compute.ec2 import Ec2Args, Ec2Services
from components.compute.registry import Registry, RegistryArgs
from components.compute.workplace import Workplace
from components.providers import Placement
from finplatform.blueprints import Service
from finplatform.profiles import PROFILES
from finplatform.tooling.plan import Plan
from tests.conftest import Analyzers, Engine

SIZES = {"dev": (1, 2), "staging": (2, 3), "prod": (2, 4)}


def _service(name: str, public: bool, **extra: object) -> Service:
    return Service.model_validate(
        {
            "name": name,
            "target": "ec2-autoscaling",
            "image": f"{name}:1.0",
            "port": 8000,
            "public": public,
            "sizes": {
                env: {"instanceType": "t3.small", "min": low, "desired": low, "max": high}
                for env, (low, high) in SIZES.items()
            },
            **extra,
        }
    )


SERVICES = [_service("api", True), _service("worker", False), _service("monitoring", False, volumeGb=100, port=9090)]


def _declare(environment: str, provider: Callable[[], aws.Provider]) -> None:
    placement = Placement(provider(), "us-east-1", "111122223333")
    registry = Registry(
        "registry",
        RegistryArgs(kms_key_arn="arn:data", repositories=["api", "worker", "monitoring"], prefix="finplatform-test"),
    )
    Ec2Services(
        "instances",
        Ec2Args(
            workplace=Workplace(
                placement=placement,
                private_subnet_ids=["subnet-a", "subnet-b"],
                logs_key_arn="arn:logs",
                environment=environment,  # type: ignore[arg-type]
                log_retention_days=PROFILES[environment].log_retention_days,  # type: ignore[index]
                protect_logs=PROFILES[environment].protect_stateful_resources,  # type: ignore[index]
            ),
            services=SERVICES,
            protect_volumes=PROFILES[environment].protect_stateful_resources,  # type: ignore[index]
            detailed_monitoring=PROFILES[environment].detailed_monitoring,  # type: ignore[index]
            first_az="us-east-1a",
            app_security_group_id="sg-app",
            repositories=registry.by_image(),
            grants=Grants(data_key_arn="arn:aws:kms:us-east-1:111122223333:key/data", secrets_key_arn="arn:secrets"),
            target_groups={"api": "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/api/1"},
        ),
        opts=pulumi.ResourceOptions(),
    )


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_instances_are_hardened_in_every_profile(
    engine: Engine, provider: Callable[[], aws.Provider], environment: str
) -> None:
    # GIVEN seed 002's API servers and workers and seed 001's monitoring host
    # WHEN they are declared under this profile
    engine.declare(lambda: _declare(environment, provider))
    # THEN every launch template requires IMDSv2, encrypts its disk with the data key and has no SSH key
    templates = engine.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert templates
    for template in templates:
        assert template.inputs["metadataOptions"]["httpTokens"] == "required"
        ebs = template.inputs["blockDeviceMappings"][0]["ebs"]
        assert (ebs["encrypted"], ebs["kmsKeyId"]) == ("true", "arn:aws:kms:us-east-1:111122223333:key/data")
        assert "keyName" not in template.inputs and template.inputs["vpcSecurityGroupIds"] == ["sg-app"]
        assert template.inputs["imageId"].startswith("ami-")
    # AND the API group keeps to the profile's bounds behind the load balancer's health checks, in both subnets,
    # and the monitoring host stays in its volume's AZ
    groups = {g.name: g for g in engine.of_type("aws:autoscaling/group:Group")}
    low, high = SIZES[environment]
    assert (groups["instances-api-group"].inputs["minSize"], groups["instances-api-group"].inputs["maxSize"]) == (
        low,
        high,
    )
    assert groups["instances-api-group"].inputs["vpcZoneIdentifiers"] == ["subnet-a", "subnet-b"]
    assert groups["instances-api-group"].inputs["healthCheckType"] == "ELB"
    assert groups["instances-monitoring-group"].inputs["vpcZoneIdentifiers"] == ["subnet-a"], "the volume's AZ"
    # AND every managed policy attached to an instance role is AmazonSSMManagedInstanceCore
    roles = [r for r in engine.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")]
    assert roles
    assert all(r.inputs["policyArn"].endswith("AmazonSSMManagedInstanceCore") for r in roles)


def _alarms(engine: Engine, service: str) -> Mapping[str, dict[str, object]]:
    return {
        a.name.removeprefix(f"instances-{service}-"): a.inputs
        for a in engine.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.name.startswith(f"instances-{service}-")
    }


def test_api_servers_scale_on_cpu_as_seed_002_says(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN the API servers, workers and monitoring host WHEN they are declared for prod
    engine.declare(lambda: _declare("prod", provider))
    # THEN the API servers scale out on CPU above 70% for 2 minutes and in below 50% for 5 periods
    alarms = _alarms(engine, "api")
    up, down = alarms["scale-out-alarm"], alarms["scale-in-alarm"]
    assert (up["metricName"], up["threshold"], up["evaluationPeriods"], up["period"]) == ("CPUUtilization", 70, 2, 60)
    assert (down["threshold"], down["evaluationPeriods"], down["comparisonOperator"]) == (50, 5, "LessThanThreshold")


def test_workers_scale_on_their_queue_backlog(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN the API servers, workers and monitoring host WHEN they are declared for prod
    engine.declare(lambda: _declare("prod", provider))
    # THEN the workers scale on their queue backlog: out above 50 for 3 periods, in below 10 for 10
    alarms = _alarms(engine, "worker")
    up, down = alarms["scale-out-alarm"], alarms["scale-in-alarm"]
    assert (up["namespace"], up["metricName"]) == ("finplatform/Workers", "QueueBacklog")
    assert (up["threshold"], up["evaluationPeriods"]) == (50, 3)
    assert (down["threshold"], down["evaluationPeriods"]) == (10, 10)


def test_monitoring_host_keeps_its_data_on_an_encrypted_volume_only_it_attaches(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN the monitoring host with a 100 GB data volume WHEN it is declared for prod
    engine.declare(lambda: _declare("prod", provider))
    # THEN the volume is encrypted, in the first AZ and protected
    volume = engine.one("aws:ebs/volume:Volume")
    assert (volume.inputs["encrypted"], volume.inputs["size"], volume.inputs["availabilityZone"]) == (
        True,
        100,
        "us-east-1a",
    )
    assert volume.protect
    # AND only the monitoring host's role may attach it
    (policy,) = [p for p in engine.of_type("aws:iam/rolePolicy:RolePolicy") if p.name.endswith("volume-policy")]
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Action"] == "ec2:AttachVolume" and volume.outputs["arn"] in statement["Resource"]


def test_packs_accept_the_ec2_target_in_prod(
    engine: Engine, provider: Callable[[], aws.Provider], analyzers: Callable[[str, Mapping[str, str]], Analyzers]
) -> None:
    # GIVEN what the EC2 target declares in prod, as the engine would show it to the packs
    engine.declare(lambda: _declare("prod", provider))
    view = Plan("test", engine.monitor.planned, {}, {}).engine_view()
    assert view
    # WHEN each pack analyzes it THEN no mandatory policy fails
    for pack in ("encryption", "least_privilege", "data_protection", "cost_guardrails"):
        failing = [
            v
            for v in analyzers("prod", {}).violations(pack, view)
            if v.level == "mandatory" and v.policy not in ("tags-standard", "stack-monthly-budget")
        ]
        assert failing == [], failing
