"""Delivery: the CodePipeline of seeds 000, 001 and 004, the blue/green and rolling settings of the services it
deploys, and the plain functions that decide them, as the engine receives them."""

import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.build.delivery import deploy_target, deploy_timeout, needs_pipeline
from components.delivery.buildspecs import (
    KANIKO_IMAGE,
    DeployTarget,
    ecs_deploy_script,
    image_buildspec,
    scan_gate_command,
)
from components.shared.deployment import (
    blue_green_services,
    rollback_alarms,
    shifted_paths,
    staging_stack,
)
from finplatform.alerting import alarm_catalogue, alarm_name
from finplatform.blueprints import Blueprint, Delivery, Service, read_blueprint_document
from finplatform.stack import ResolvedStack, resolve_stack
from finplatform.tooling.mocks import PlannedResource
from finplatform.tooling.plan import Plan, run_program
from finplatform.tooling.stack_files import read_stack_file

CERTIFICATE = "arn:aws:acm:us-east-1:111122223333:certificate/0example"
PIPELINE = "aws:codepipeline/pipeline:Pipeline"
PROJECT = "aws:codebuild/project:Project"
SERVICE = "aws:ecs/service:Service"
_PLANS: dict[str, Plan] = {}


def _with_certificate(stack: str) -> Plan:
    """``stack`` as an operator with a certificate plans it: HTTPS routes, so blue/green can shift them."""
    if stack not in _PLANS:
        raw, _ = read_stack_file(stack)
        _PLANS[stack] = run_program(stack, raw_config={**raw, "finplatform:certificateArn": CERTIFICATE})
    return _PLANS[stack]


def _resolved(stack: str) -> ResolvedStack:
    raw, _ = read_stack_file(stack)
    return resolve_stack(stack, raw)


def _one(plan: Plan, type_: str, name: str) -> PlannedResource:
    (found,) = [r for r in plan.named(type_) if r.name == name]
    return found


def _policy(plan: Plan, name: str) -> list[dict[str, Any]]:
    document = json.loads(_one(plan, "aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])
    return document["Statement"]  # type: ignore[no-any-return]


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _buildspec(plan: Plan, project: str) -> str:
    return str(_one(plan, PROJECT, project).inputs["source"]["buildspec"])


def test_the_pipeline_runs_source_build_staging_approval_prod(planned: Callable[[str], Plan]) -> None:
    """GIVEN the prod stack of seed 000 (pipeline: codepipeline) as planned
    WHEN its pipeline reaches the engine
    THEN its stages are Source, Build (tests, image, scan gate), Deploy to staging, a manual approval and Deploy to
    prod, the source is the CodeStar connection to the blueprint's repository, and every action but the approval
    runs with its own stage's role."""
    plan = planned("prod")
    pipeline = _one(plan, PIPELINE, "delivery-pipeline")
    stages = pipeline.inputs["stages"]
    assert [s["name"] for s in stages] == ["Source", "Build", "Deploy-staging", "Approve-prod", "Deploy-prod"]
    assert [a["name"] for a in stages[1]["actions"]] == ["Test", "Image", "ScanGate"]
    assert [a["runOrder"] for a in stages[1]["actions"]] == [1, 2, 3]
    (source,) = stages[0]["actions"]
    connection = _one(plan, "aws:codestarconnections/connection:Connection", "delivery-github")
    assert connection.inputs["providerType"] == "GitHub"
    assert source["provider"] == "CodeStarSourceConnection"
    assert source["configuration"]["ConnectionArn"] == connection.outputs["arn"]
    assert source["configuration"]["FullRepositoryId"] == "acme-fin/portfolio-analytics"
    assert source["configuration"]["BranchName"] == "main"
    (approval,) = stages[3]["actions"]
    assert (approval["category"], approval["provider"]) == ("Approval", "Manual")
    roles = {r.name: r.outputs["arn"] for r in plan.named("aws:iam/role:Role") if r.name.startswith("delivery-")}
    actions = [a for s in stages for a in s["actions"] if a["category"] != "Approval"]
    assert actions
    assert source["roleArn"] == roles["delivery-source-role"]
    assert {a["roleArn"] for a in stages[1]["actions"]} == {roles["delivery-build-role"]}
    assert {a["roleArn"] for s in stages if s["name"].startswith("Deploy") for a in s["actions"]} == {
        roles["delivery-deploy-role"]
    }
    assert pipeline.inputs["roleArn"] == roles["delivery-pipeline-role"]


def test_artifacts_go_to_the_artifacts_bucket_encrypted_with_the_data_key(planned: Callable[[str], Plan]) -> None:
    """GIVEN the prod stack as planned WHEN the pipeline's artifact store reaches the engine
    THEN it is the blueprint's artifacts bucket, encrypted with the stack's data key."""
    plan = planned("prod")
    (store,) = _one(plan, PIPELINE, "delivery-pipeline").inputs["artifactStores"]
    assert store["location"] == plan.outputs["bucketNames"]["build-artifacts"]
    assert store["encryptionKey"] == {"id": plan.outputs["keyArns"]["data"], "type": "KMS"}


def test_build_projects_are_unprivileged_encrypted_and_log_to_an_encrypted_group(
    planned: Callable[[str], Plan],
) -> None:
    """GIVEN the prod stack as planned WHEN its CodeBuild projects reach the engine
    THEN there is one per build step and one deploy project per stack, each unprivileged (the image is built
    with kaniko), encrypted with the data key, logging to the delivery log group (logs key) and not to S3, with
    no environment variables of its own."""
    plan = planned("prod")
    projects = {r.name: r for r in plan.named(PROJECT)}
    assert sorted(projects) == [
        "delivery-deploy-prod",
        "delivery-deploy-staging",
        "delivery-image",
        "delivery-scan",
        "delivery-test",
    ]
    logs = _one(plan, "aws:cloudwatch/logGroup:LogGroup", "delivery-logs")
    assert logs.inputs["kmsKeyId"] == plan.outputs["keyArns"]["logs"]
    for project in projects.values():
        environment = project.inputs["environment"]
        assert environment["privilegedMode"] is False
        assert "environmentVariables" not in environment
        assert project.inputs["encryptionKey"] == plan.outputs["keyArns"]["data"]
        assert project.inputs["logsConfig"]["cloudwatchLogs"]["groupName"] == logs.outputs["name"]
        assert project.inputs["logsConfig"]["s3Logs"] == {"status": "DISABLED"}
        assert project.inputs["source"]["type"] == "CODEPIPELINE"
    assert projects["delivery-image"].inputs["environment"]["image"] == KANIKO_IMAGE


def test_images_are_pushed_by_commit_to_both_stacks_and_gated_on_the_scan(planned: Callable[[str], Plan]) -> None:
    """GIVEN the prod stack as planned WHEN the image and scan projects' buildspecs reach the engine
    THEN each image is pushed by the commit id to the staging and the prod repository, and the scan gate waits
    for ECR's scan of each and fails on CRITICAL or HIGH findings."""
    plan = planned("prod")
    image = _buildspec(plan, "delivery-image")
    for stack in ("staging", "prod"):
        for repository in ("web-ui", "analytics-engine"):
            assert f"/finplatform-{stack}/{repository}:$IMAGE_TAG" in image
    scan = _buildspec(plan, "delivery-scan")
    for repository in ("finplatform-staging/web-ui", "finplatform-prod/analytics-engine"):
        assert f"aws ecr wait image-scan-complete --repository-name {repository}" in scan
    assert "findingSeverityCounts.CRITICAL" in scan and "findingSeverityCounts.HIGH" in scan
    tag = json.loads(
        _one(plan, PIPELINE, "delivery-pipeline").inputs["stages"][1]["actions"][1]["configuration"][
            "EnvironmentVariables"
        ]
    )
    assert tag == [{"name": "IMAGE_TAG", "value": "#{SourceVariables.CommitId}", "type": "PLAINTEXT"}]


def test_each_stage_role_may_do_only_its_stages_work(planned: Callable[[str], Plan]) -> None:
    """GIVEN the prod stack as planned WHEN the four roles' policies reach the engine
    THEN the source role uses the connection, the build role pushes to the two stacks' repositories, the deploy
    role rolls the staging and prod services by their physical names, and the pipeline role only hands stages
    to them; "*" appears only for actions AWS grants on no narrower resource."""
    plan = planned("prod")
    source, build, deploy, pipeline = (
        _policy(plan, f"delivery-{stage}-policy") for stage in ("source", "build", "deploy", "pipeline")
    )
    connection = _one(plan, "aws:codestarconnections/connection:Connection", "delivery-github").outputs["arn"]
    assert source[0]["Resource"] == connection
    push = next(s for s in build if s["Sid"] == "PushImages")
    assert sorted(push["Resource"]) == sorted(
        f"arn:aws:ecr:us-east-1:111122223333:repository/finplatform-{stack}/{repository}"
        for stack in ("staging", "prod")
        for repository in ("web-ui", "analytics-engine")
    )
    roll = next(s for s in deploy if s["Sid"] == "RollTheServices")
    assert sorted(roll["Resource"]) == sorted(
        f"arn:aws:ecs:us-east-1:111122223333:service/finplatform-{stack}-cluster/{service}"
        for stack in ("staging", "prod")
        for service in ("web-ui", "analytics-engine")
    )
    assert {s["Sid"] for s in pipeline} == {"AssumeStageRoles", "PipelineArtifacts", "ArtifactBucket", "ArtifactKey"}
    wildcards = sorted(s["Sid"] for doc in (source, build, deploy, pipeline) for s in doc if s["Resource"] == "*")
    assert wildcards == ["RegisterRevisions", "RegistryLogin"]
    actions = [a for doc in (source, build, deploy, pipeline) for s in doc for a in _as_list(s["Action"])]
    assert actions and not any(a.endswith(":*") for a in actions)


def test_the_pipeline_deploys_the_staging_stacks_services_by_the_names_staging_gives_them(
    planned: Callable[[str], Plan],
) -> None:
    """GIVEN the staging and prod stacks of seed 000 as planned
    WHEN staging's cluster and services reach the engine
    THEN staging declares no pipeline, and its cluster, services and task families carry the physical names the
    prod pipeline's staging deploy addresses."""
    staging, prod = planned("staging"), planned("prod")
    assert staging.named(PIPELINE) == []
    cluster = _one(staging, "aws:ecs/cluster:Cluster", "services-cluster").inputs["name"]
    services = {r.inputs["name"] for r in staging.named(SERVICE)}
    families = {r.inputs["family"] for r in staging.named("aws:ecs/taskDefinition:TaskDefinition")}
    assert (cluster, services) == ("finplatform-staging-cluster", {"web-ui", "analytics-engine"})
    assert families == {"finplatform-staging-web-ui", "finplatform-staging-analytics-engine"}
    spec = _buildspec(prod, "delivery-deploy-staging")
    for service in services:
        assert f"--cluster {cluster} --service {service}" in spec
        assert f"--task-definition finplatform-staging-{service}" in spec


def test_without_a_certificate_services_roll_with_the_circuit_breaker_and_their_alarms(
    planned: Callable[[str], Plan],
) -> None:
    """GIVEN the prod stack without a certificate (the load balancer routes nothing, so no listener rule can be
    shifted) WHEN its ECS services reach the engine
    THEN they deploy ROLLING with the circuit breaker, roll back when their alarms fire, the alarms are declared
    under those names, and the pipeline owns the running task definition."""
    plan = planned("prod")
    declared = {r.inputs["name"] for r in plan.named("aws:cloudwatch/metricAlarm:MetricAlarm")}
    services = plan.named(SERVICE)
    assert services
    for service in services:
        assert service.inputs["deploymentConfiguration"] == {"strategy": "ROLLING"}
        assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        alarms = service.inputs["alarms"]
        assert alarms["enable"] is True and alarms["rollback"] is True
        assert alarms["alarmNames"] and set(alarms["alarmNames"]) <= declared
        assert "taskDefinition" in service.options["ignoreChanges"]
    assert plan.named("aws:lb/listenerRule:ListenerRule") == []


def test_with_a_certificate_ecs_services_deploy_blue_green_with_a_bake_time() -> None:
    """GIVEN the prod stack with a certificate WHEN its ECS services and routes reach the engine
    THEN each service deploys BLUE_GREEN with the blueprint's bake time, naming an alternate target group, its
    production listener rule and the role ECS shifts traffic with; the rule forwards 100/0 to the two groups and
    leaves the weights to ECS; the listener's default action no longer names a group ECS may empty."""
    plan = _with_certificate("prod")
    role = _one(plan, "aws:iam/role:Role", "services-blue-green")
    rules = {r.name: r for r in plan.named("aws:lb/listenerRule:ListenerRule")}
    services = plan.named(SERVICE)
    assert services
    for service in services:
        name = service.inputs["name"]
        assert service.inputs["deploymentConfiguration"] == {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "10"}
        (attachment,) = service.inputs["loadBalancers"]
        primary = _one(plan, "aws:lb/targetGroup:TargetGroup", f"edge-{name}").outputs["arn"]
        alternate = _one(plan, "aws:lb/targetGroup:TargetGroup", f"edge-{name}-alternate").outputs["arn"]
        rule = rules[f"edge-{name}-route"]
        assert attachment["targetGroupArn"] == primary
        assert attachment["advancedConfiguration"] == {
            "alternateTargetGroupArn": alternate,
            "productionListenerRule": rule.outputs["arn"],
            "roleArn": role.outputs["arn"],
        }
        (action,) = rule.inputs["actions"]
        assert action["forward"]["targetGroups"] == [
            {"arn": primary, "weight": 100},
            {"arn": alternate, "weight": 0},
        ]
        assert rule.options["ignoreChanges"] == ["actions"]
    (default,) = _one(plan, "aws:lb/listener:Listener", "edge-https").inputs["defaultActions"]
    assert default["type"] == "fixed-response" and default["fixedResponse"]["statusCode"] == "404"
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "ecs.amazonaws.com"}
    shift = {s["Sid"]: s for s in _policy(plan, "services-blue-green-policy")}
    assert sorted(shift["ShiftTheProductionRules"]["Resource"]) == sorted(r.outputs["arn"] for r in rules.values())


def test_a_websocket_service_keeps_one_shifted_rule_with_its_health_path() -> None:
    """GIVEN smart-0dte prod with a certificate (its backend serves /api/* and /ws/*, and is the listener's
    default, which a DNS health check reaches through /health) WHEN its listener rules reach the engine
    THEN the backend has one rule, for all three paths, which ECS shifts."""
    plan = _with_certificate("smart-0dte-prod")
    (rule,) = [r for r in plan.named("aws:lb/listenerRule:ListenerRule") if r.name.startswith("edge-")]
    assert rule.name == "edge-backend-route"
    assert rule.inputs["conditions"][0]["pathPattern"]["values"] == ["/api/*", "/ws/*", "/health"]
    service = _one(plan, SERVICE, "services-backend-service")
    assert service.inputs["deploymentConfiguration"] == {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "15"}


def test_dex_mobile_builds_every_image_deploys_ec2_by_refresh_and_leaves_eks_alone(
    planned: Callable[[str], Plan],
) -> None:
    """GIVEN dex-mobile prod (ECS services, an EC2 monitoring host and an EKS service) as planned
    WHEN its pipeline's projects and the monitoring host's group reach the engine
    THEN the EKS service's image is built and pushed, but only the ECS and EC2 services are deployed; the EC2
    service is refreshed keeping 90% healthy, stopped by its alarms, and its instances read the release their
    role may read."""
    plan = planned("dex-mobile-prod")
    assert "finplatform-dex-mobile-prod/blockchain-service:$IMAGE_TAG" in _buildspec(plan, "delivery-image")
    deploy = _buildspec(plan, "delivery-deploy-dex-mobile-prod")
    assert "blockchain-service" not in deploy
    assert "--service kyc-service" in deploy
    group = _one(plan, "aws:autoscaling/group:Group", "instances-monitoring-service-group")
    assert group.inputs["name"] == "finplatform-dex-mobile-prod-monitoring-service"
    preferences = group.inputs["instanceRefresh"]["preferences"]
    assert preferences["minHealthyPercentage"] == 90
    assert preferences["alarmSpecification"]["alarms"] == [
        "finplatform-dex-mobile-prod-warning-monitoring-service-logged-errors"
    ]
    assert "--auto-scaling-group-name finplatform-dex-mobile-prod-monitoring-service" in deploy
    assert '"MinHealthyPercentage":90' in deploy
    parameter = _one(plan, "aws:ssm/parameter:Parameter", "instances-monitoring-service-release")
    assert parameter.inputs["name"] == "/finplatform/dex-mobile-prod/release/monitoring-service"
    assert parameter.options["ignoreChanges"] == ["value"]
    release = next(s for s in _policy(plan, "instances-monitoring-service-policy") if s["Sid"] == "ReadItsRelease")
    assert release["Resource"] == parameter.outputs["arn"]


def test_seed_003_keeps_its_github_actions_role_and_no_pipeline(planned: Callable[[str], Plan]) -> None:
    """GIVEN data-pipeline prod (delivery: github-actions) as planned
    WHEN its resources reach the engine
    THEN it declares the GitHub OIDC deploy role and no CodePipeline, CodeBuild or connection."""
    plan = planned("data-pipeline-prod")
    assert _one(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github-deploy-oidc")
    assert plan.named(PIPELINE) == plan.named(PROJECT) == []
    assert "githubDeployRoleArn" in plan.outputs


# Plain functions.


@pytest.mark.parametrize(
    ("stack", "expected"),
    [("prod", "staging"), ("smart-0dte-prod", "smart-0dte-staging"), ("dex-mobile-prod", "dex-mobile-staging")],
)
def test_the_staging_stack_is_the_prod_stack_with_prod_replaced(stack: str, expected: str) -> None:
    """GIVEN a prod stack WHEN the staging stack's name is derived THEN prod is replaced by staging."""
    assert staging_stack(_resolved(stack)) == expected


def test_a_configured_staging_stack_wins_and_a_name_without_prod_is_refused() -> None:
    """GIVEN prod with delivery.stagingStack set, and a stack whose name has no prod in it
    WHEN the staging stack's name is derived THEN the configured name wins, and the other is refused."""
    raw, _ = read_stack_file("prod")
    configured = resolve_stack("prod", {**raw, "finplatform:overrides": '["delivery.stagingStack=pre-prod"]'})
    assert staging_stack(configured) == "pre-prod"
    with pytest.raises(ValueError, match="stagingStack"):
        staging_stack(_resolved("dev"))


def test_rollback_alarms_come_from_the_catalogue() -> None:
    """GIVEN the prod stack WHEN the web UI's rollback alarms are chosen
    THEN they are the catalogue's release signals for it, named as the observability layer names them."""
    stack = _resolved("prod")
    expected = [
        alarm_name(stack.prefix, spec)
        for spec in alarm_catalogue(stack)
        if spec.subject == "web-ui" and not spec.key.endswith(("-cpu", "-memory"))
    ]
    assert expected
    assert rollback_alarms(stack)["web-ui"] == expected
    assert all(
        name.startswith("finplatform-staging-") for name in rollback_alarms(stack, "finplatform-staging")["web-ui"]
    )


def test_the_staging_target_names_staging_alarms_and_leaves_eks_out() -> None:
    """GIVEN dex-mobile prod WHEN the staging deploy target is worked out
    THEN it names staging's ECS and EC2 services, not the EKS one, and staging's alarm for the EC2 refresh."""
    target = deploy_target(_resolved("dex-mobile-prod"), "dex-mobile-staging")
    assert sorted(target.ecs_services) == ["aml-service", "chart-api-service", "kyc-service"]
    assert list(target.ec2_services) == ["monitoring-service"]
    assert target.refresh_alarms["monitoring-service"] == [
        "finplatform-dex-mobile-staging-warning-monitoring-service-logged-errors"
    ]


def test_only_prod_stacks_of_pipeline_blueprints_declare_a_pipeline() -> None:
    """GIVEN stacks of pipeline and non-pipeline blueprints WHEN asked whether they declare the pipeline
    THEN only the prod stacks of codepipeline blueprints do."""
    assert [
        s for s in ("prod", "staging", "dev", "accunode-prod", "data-pipeline-prod") if needs_pipeline(_resolved(s))
    ] == ["prod"]


def test_deploy_timeout_covers_every_bake_time() -> None:
    """GIVEN a target with three ECS services and one EC2 service WHEN the deploy timeout is worked out
    THEN it allows each ECS service its bake time and every service its rollout."""
    target = DeployTarget("s", "finplatform-s", {"a": "a", "b": "b", "c": "c"}, {"d": "d"})
    assert deploy_timeout(target, 10) == 3 * 10 + 4 * 20 + 20


def test_only_services_whose_paths_fit_one_rule_deploy_blue_green() -> None:
    """GIVEN a pipeline blueprint with a routed service, one with six paths and an EC2 service
    WHEN the blue/green services are chosen THEN only the routed ECS service that fits one rule is."""
    sizes = {e: {"cpu": 256, "memory": 512, "min": 1, "desired": 1, "max": 2} for e in ("dev", "staging", "prod")}
    blueprint = Blueprint.model_validate(
        {
            "name": "shop",
            "buckets": [{"name": "build", "purpose": "artifacts"}],
            "delivery": {"pipeline": "codepipeline", "repository": "acme/shop"},
            "services": [
                {"name": "api", "image": "api:1", "pathPatterns": ["/api/*"], "sizes": sizes},
                {"name": "many", "image": "many:1", "pathPatterns": [f"/p{i}/*" for i in range(6)], "sizes": sizes},
                {
                    "name": "host",
                    "image": "host:1",
                    "target": "ec2-autoscaling",
                    "sizes": {e: {"instanceType": "t3.small", "min": 1, "desired": 1, "max": 1} for e in sizes},
                },
            ],
        }
    )
    assert blue_green_services(blueprint) == ["api"]
    api = blueprint.services[0]
    assert shifted_paths(api) == ["/api/*"] and shifted_paths(api, health_path=True) == ["/api/*", "/health"]


@pytest.mark.parametrize(
    ("delivery", "error"),
    [
        ({"pipeline": "codepipeline"}, "needs delivery.repository"),
        ({"pipeline": "github-actions", "repository": "acme/app"}, "needs delivery.deployService"),
        ({"pipeline": "codepipeline", "repository": "a/b", "buildContexts": {"x": "../up"}}, "without '..'"),
    ],
)
def test_a_delivery_section_that_cannot_work_is_refused(delivery: dict[str, Any], error: str) -> None:
    """GIVEN a delivery section missing what its pipeline needs WHEN it is validated THEN it is refused."""
    with pytest.raises(ValueError, match=error):
        Delivery.model_validate(delivery)


def test_a_codepipeline_blueprint_needs_an_artifacts_bucket() -> None:
    """GIVEN seed 000's blueprint without its artifacts bucket WHEN it is validated THEN it is refused."""
    document = read_blueprint_document("portfolio-analytics")
    document["buckets"] = [b for b in document["buckets"] if b["purpose"] != "artifacts"]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="purpose artifacts"):
        Blueprint.model_validate(document)


def _fake_aws(tmp_path: Path, counts: str) -> dict[str, str]:
    """A PATH whose ``aws`` answers the scan waiter and prints ``counts`` for the findings query."""
    script = tmp_path / "aws"
    script.write_text(
        f'#!/bin/sh\ncase "$2" in wait) exit 0 ;; describe-image-scan-findings) echo "{counts}" ;; esac\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "IMAGE_TAG": "abc123"}


@pytest.mark.parametrize(("counts", "passes"), [("None\tNone", True), ("None\t2", False), ("1\tNone", False)])
def test_the_scan_gate_fails_on_critical_or_high_findings(tmp_path: Path, counts: str, passes: bool) -> None:
    """GIVEN ECR reporting (CRITICAL, HIGH) finding counts for the pushed image
    WHEN the scan gate's command runs THEN it passes only when there are none of either."""
    result = subprocess.run(
        ["/bin/sh", "-c", scan_gate_command("finplatform-prod/web-ui")],
        env=_fake_aws(tmp_path, counts),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode == 0) is passes, result.stdout + result.stderr


def test_buildspecs_hold_no_credentials_and_name_the_commit() -> None:
    """GIVEN an image build and an ECS deploy WHEN their buildspec and script are generated
    THEN the image goes to each stack's repository by IMAGE_TAG through the ECR credential helper, and the deploy
    swaps only the service's container image and fails when ECS rolls the release back."""
    spec = image_buildspec("111.dkr.ecr.us-east-1.amazonaws.com", {"web-ui": "apps/web"}, ["p-staging", "p-prod"])
    assert '"credHelpers": {"111.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"}' in spec
    assert "dir://$CODEBUILD_SRC_DIR/apps/web" in spec
    assert "--destination 111.dkr.ecr.us-east-1.amazonaws.com/p-staging/web-ui:$IMAGE_TAG" in spec
    script = ecs_deploy_script("c", "web-ui", "fam", "reg/p-prod/web-ui")
    assert "if .name == $NAME then .image = $IMAGE" in script and '"reg/p-prod/web-ui:$IMAGE_TAG"' in script
    assert "FAILED|None)" in script and "exit 1" in script
    assert not any(word in (spec + script).lower() for word in ("password", "secret", "aws_access_key"))


def test_an_unrouted_service_is_not_blue_green() -> None:
    """GIVEN an internal (not public) ECS service of a pipeline blueprint WHEN blue/green services are chosen
    THEN it is not one: there is no listener rule to shift."""
    sizes = {e: {"cpu": 256, "memory": 512, "min": 1, "desired": 1, "max": 2} for e in ("dev", "staging", "prod")}
    worker = Service.model_validate({"name": "worker", "image": "w:1", "public": False, "sizes": sizes})
    blueprint = Blueprint.model_validate(
        {
            "name": "jobs",
            "buckets": [{"name": "build", "purpose": "artifacts"}],
            "delivery": {"pipeline": "codepipeline", "repository": "acme/jobs"},
            "services": [worker.model_dump(by_alias=True)],
        }
    )
    assert blue_green_services(blueprint) == []
