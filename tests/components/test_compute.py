"""Compute layer: the registry and the ECS Fargate services, as the engine receives them."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from components.compute.access import execution_policy, task_policy
from components.compute.fargate import capacity_strategy
from components.compute.registry import image_repository
from finplatform.blueprints import Service
from finplatform.tooling.mocks import PlannedResource
from finplatform.tooling.plan import Plan
from tests.conftest import Engine


def _one(plan: Plan, type_: str, name: str) -> PlannedResource:
    (found,) = [r for r in plan.named(type_) if r.name == name]
    return found


def _containers(plan: Plan, service: str) -> list[dict[str, Any]]:
    task = _one(plan, "aws:ecs/taskDefinition:TaskDefinition", f"services-{service}-task")
    return json.loads(task.inputs["containerDefinitions"])  # type: ignore[no-any-return]


def test_repositories_are_immutable_scanned_encrypted_and_pruned(planned: Callable[[str], Plan]) -> None:
    plan = planned("prod")
    repos = {r.name: r for r in plan.named("aws:ecr/repository:Repository")}
    assert sorted(repos) == ["registry-analytics-engine", "registry-web-ui"]
    for repo in repos.values():
        assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
        assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo.inputs["encryptionConfigurations"] == [
            {"encryptionType": "KMS", "kmsKey": plan.outputs["keyArns"]["data"]}
        ]
    assert len(plan.named("aws:ecr/lifecyclePolicy:LifecyclePolicy")) == 2


@pytest.mark.parametrize(("stack", "cpu", "memory"), [("dev", "256", "512"), ("prod", "512", "1024")])
def test_task_size_follows_the_environment(planned: Callable[[str], Plan], stack: str, cpu: str, memory: str) -> None:
    task = _one(planned(stack), "aws:ecs/taskDefinition:TaskDefinition", "services-web-ui-task")
    assert (task.inputs["cpu"], task.inputs["memory"]) == (cpu, memory)
    assert task.inputs["requiresCompatibilities"] == ["FARGATE"] and task.inputs["networkMode"] == "awsvpc"


def test_container_runs_its_ecr_image_with_health_check_logs_and_injected_secrets(
    planned: Callable[[str], Plan],
) -> None:
    plan = planned("prod")
    (app, xray) = _containers(plan, "analytics-engine")
    assert app["image"] == "111122223333.dkr.ecr.us-east-1.amazonaws.com/finplatform-prod/analytics-engine:1.0.0"
    assert app["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert "/health" in app["healthCheck"]["command"][1]
    assert app["logConfiguration"]["logDriver"] == "awslogs"
    secrets = {s["name"]: s["valueFrom"] for s in app["secrets"]}
    assert set(secrets) == {"MARKET_DATA_API_KEY", "REDIS_AUTH_TOKEN"}
    assert all(arn.startswith("arn:aws:secretsmanager:us-east-1:") for arn in secrets.values())
    environment = {e["name"]: e["value"] for e in app["environment"]}
    assert environment["ETHEREUM_NETWORK"] == "mainnet" and environment["DB_USER"] == "analytics-engine"
    assert xray["name"] == "xray-daemon" and app["privileged"] is False


def test_tracing_sidecar_only_where_the_profile_traces(planned: Callable[[str], Plan]) -> None:
    assert [c["name"] for c in _containers(planned("dev"), "web-ui")] == ["web-ui"]
    assert [c["name"] for c in _containers(planned("staging"), "web-ui")] == ["web-ui", "xray-daemon"]


def test_service_runs_privately_in_the_application_tier_with_rollback(planned: Callable[[str], Plan]) -> None:
    plan = planned("prod")
    service = _one(plan, "aws:ecs/service:Service", "services-web-ui-service")
    network = service.inputs["networkConfiguration"]
    assert network["subnets"] == plan.outputs["privateSubnetIds"] and network["assignPublicIp"] is False
    assert network["securityGroups"] == [plan.outputs["appSecurityGroupId"]]
    assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service.options["ignoreChanges"] == ["desiredCount"]


@pytest.mark.parametrize(("stack", "bounds"), [("dev", (1, 2)), ("staging", (1, 2)), ("prod", (2, 4))])
def test_autoscaling_tracks_cpu_and_memory_within_the_environment_bounds(
    planned: Callable[[str], Plan], stack: str, bounds: tuple[int, int]
) -> None:
    plan = planned(stack)
    target = _one(plan, "aws:appautoscaling/target:Target", "services-web-ui-scaling")
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == bounds
    policies = {
        p.name: p.inputs["targetTrackingScalingPolicyConfiguration"]
        for p in plan.named("aws:appautoscaling/policy:Policy")
        if p.name.startswith("services-web-ui")
    }
    assert policies["services-web-ui-cpu"]["targetValue"] == 70
    assert policies["services-web-ui-memory"]["targetValue"] == 80
    assert {(c["scaleOutCooldown"], c["scaleInCooldown"]) for c in policies.values()} == {(60, 300)}


def test_task_role_policy_reaches_the_engine_resolved(planned: Callable[[str], Plan]) -> None:
    plan = planned("prod")
    policy = json.loads(
        _one(plan, "aws:iam/rolePolicy:RolePolicy", "services-analytics-engine-task-policy").inputs["policy"]
    )
    statements = {s["Sid"]: s for s in policy["Statement"]}
    db = _one(plan, "aws:rds/instance:Instance", "postgres-primary")
    assert statements["ConnectAsItsOwnDatabaseUser"]["Resource"].endswith(
        f":dbuser:{db.outputs['resourceId']}/analytics-engine"
    )
    assert [b.split(":::")[1].split("-")[0:3] for b in statements["ListBuckets"]["Resource"]] == [
        ["storage", "portfolio", "data"]
    ]


def test_execution_role_reaches_only_its_image_logs_and_secrets(planned: Callable[[str], Plan]) -> None:
    plan = planned("prod")
    policy = json.loads(
        _one(plan, "aws:iam/rolePolicy:RolePolicy", "services-web-ui-execution-policy").inputs["policy"]
    )
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["PullItsImage"]["Resource"].endswith(":repository/finplatform-prod/web-ui")
    assert statements["RegistryLogin"]["Resource"] == "*"  # the one action AWS scopes to nothing else
    assert len(statements["ReadItsSecrets"]["Resource"]) == 2


def test_task_role_reaches_only_the_buckets_and_database_user_it_names() -> None:
    resolved = {"buckets": {"portfolio-data": "arn:aws:s3:::data"}, "dataKey": "arn:key", "postgresResourceId": "db-1"}
    policy = task_policy(
        "analytics-engine",
        ["postgres", "bucket:portfolio-data"],
        resolved,
        partition="aws",
        region="us-east-1",
        account="111122223333",
    )
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["ReadWriteObjects"]["Resource"] == ["arn:aws:s3:::data/*"]
    assert (
        statements["ConnectAsItsOwnDatabaseUser"]["Resource"]
        == "arn:aws:rds-db:us-east-1:111122223333:dbuser:db-1/analytics-engine"
    )
    assert all(s["Resource"] != "*" for s in statements.values())


def test_execution_policy_without_secrets_grants_no_secret_access() -> None:
    policy = execution_policy("arn:repo", "arn:logs", [], "arn:key")
    assert [s["Sid"] for s in policy["Statement"]] == ["RegistryLogin", "PullItsImage", "WriteItsLogs"]


def test_interruptible_services_run_mostly_on_spot() -> None:
    service = Service.model_validate(
        {
            "name": "batch-optimiser",
            "image": "optimiser:2",
            "interruptible": True,
            "sizes": {e: {"cpu": 1024, "memory": 2048} for e in ("dev", "staging", "prod")},
        }
    )
    strategy = {s.capacity_provider: (s.base, s.weight) for s in capacity_strategy(service)}
    assert strategy == {"FARGATE": (1, 1), "FARGATE_SPOT": (None, 3)}


def test_images_are_referenced_by_tag_or_digest() -> None:
    assert image_repository("web-ui:1.4.2") == ("web-ui", ":1.4.2")
    assert image_repository("web-ui@sha256:abc") == ("web-ui", "@sha256:abc")


def test_function_runs_in_the_vpc_traced_with_reserved_concurrency_and_a_dlq(planned: Callable[[str], Plan]) -> None:
    plan = planned("prod")
    function = _one(plan, "aws:lambda/function:Function", "functions-blockchain-anchoring")
    assert function.inputs["vpcConfig"]["subnetIds"] == plan.outputs["privateSubnetIds"]
    assert function.inputs["vpcConfig"]["securityGroupIds"] == [plan.outputs["appSecurityGroupId"]]
    assert function.inputs["tracingConfig"] == {"mode": "Active"}
    assert function.inputs["reservedConcurrentExecutions"] == 10
    dlq = _one(plan, "aws:sqs/queue:Queue", "functions-blockchain-anchoring-dlq")
    assert function.inputs["deadLetterConfig"]["targetArn"] == dlq.outputs["arn"]
    assert function.inputs["kmsKeyArn"] == plan.outputs["keyArns"]["data"]
    variables = function.inputs["environment"]["variables"]
    assert variables["ETHEREUM_NETWORK"] == "mainnet"
    assert variables["ETHEREUM_SIGNING_KEY"].startswith("arn:aws:secretsmanager:"), "an ARN, never the key"
    assert (
        _one(planned("dev"), "aws:lambda/function:Function", "functions-blockchain-anchoring").inputs[
            "reservedConcurrentExecutions"
        ]
        == 2
    )


def test_http_api_logs_throttles_and_may_invoke_only_this_function(planned: Callable[[str], Plan]) -> None:
    plan = planned("prod")
    stage = _one(plan, "aws:apigatewayv2/stage:Stage", "functions-blockchain-anchoring-stage")
    assert stage.inputs["defaultRouteSettings"]["throttlingBurstLimit"] == 100
    assert stage.inputs["defaultRouteSettings"]["throttlingRateLimit"] == 50
    assert stage.inputs["accessLogSettings"]["destinationArn"].startswith("arn:aws:logs:us-east-1:")
    permission = _one(plan, "aws:lambda/permission:Permission", "functions-blockchain-anchoring-api-invoke")
    assert permission.inputs["principal"] == "apigateway.amazonaws.com"
    assert permission.inputs["sourceArn"].startswith("arn:aws:execute-api:us-east-1:111122223333:")


def test_queue_is_encrypted_and_redrives_to_the_dlq(planned: Callable[[str], Plan]) -> None:
    plan = planned("prod")
    queue = _one(plan, "aws:sqs/queue:Queue", "functions-blockchain-anchoring-queue")
    assert queue.inputs["kmsMasterKeyId"] == plan.outputs["keyArns"]["data"]
    redrive = json.loads(queue.inputs["redrivePolicy"])
    dlq = _one(plan, "aws:sqs/queue:Queue", "functions-blockchain-anchoring-dlq")
    assert redrive == {"deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 5}
    assert queue.inputs["visibilityTimeoutSeconds"] == 6 * 120
    mapping = _one(
        plan, "aws:lambda/eventSourceMapping:EventSourceMapping", "functions-blockchain-anchoring-queue-trigger"
    )
    assert mapping.inputs["eventSourceArn"] == queue.outputs["arn"]


def test_function_role_names_its_secrets_and_wildcards_only_x_ray(planned: Callable[[str], Plan]) -> None:
    plan = planned("prod")
    policy = json.loads(
        _one(plan, "aws:iam/rolePolicy:RolePolicy", "functions-blockchain-anchoring-policy").inputs["policy"]
    )
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert [s for s in statements.values() if s["Resource"] == "*"] == [statements["SendTraces"]]
    (secret,) = statements["ReadItsSecrets"]["Resource"]
    assert "ethereum-signing-key" in secret
    assert statements["ReadWriteObjects"]["Resource"][0].startswith("arn:aws:s3:::storage-audit-trail-")


def test_schedule_trigger_is_scoped_to_its_rule(engine: Engine, provider: Callable[[], object]) -> None:
    import pulumi

    from components.compute.access import Grants
    from components.compute.functions import Functions, FunctionsArgs
    from components.providers import Placement
    from finplatform.blueprints import Function

    function = Function.model_validate(
        {
            "name": "eod-report",
            "triggers": ["schedule"],
            "vpcAccess": False,
            "schedule": "cron(0 22 ? * MON-FRI *)",
            "reservedConcurrency": {"dev": 1, "staging": 1, "prod": 1},
        }
    )

    def declare() -> None:
        Functions(
            "functions",
            FunctionsArgs(
                functions=[function],
                environment="dev",
                placement=Placement(provider(), "us-east-1", "111122223333"),  # type: ignore[arg-type]
                prefix="finplatform-test",
                private_subnet_ids=[],
                app_security_group_id="sg-app",
                grants=Grants(data_key_arn="arn:data", secrets_key_arn="arn:secrets"),
                logs_key_arn="arn:logs",
            ),
            opts=pulumi.ResourceOptions(),
        )

    engine.declare(declare)
    rule = engine.one("aws:cloudwatch/eventRule:EventRule")
    assert rule.inputs["scheduleExpression"] == "cron(0 22 ? * MON-FRI *)"
    permission = engine.one("aws:lambda/permission:Permission")
    assert (permission.inputs["principal"], permission.inputs["sourceArn"]) == (
        "events.amazonaws.com",
        rule.outputs["arn"],
    )
    assert "vpcConfig" not in engine.one("aws:lambda/function:Function").inputs
