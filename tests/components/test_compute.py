"""Compute layer: the registry and the ECS Fargate services, as the engine receives them."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from components.compute.access import execution_policy, task_policy
from components.compute.fargate_settings import capacity_strategy
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
    # GIVEN the prod stack as planned WHEN its ECR repositories reach the engine
    plan = planned("prod")
    repos = {r.name: r for r in plan.named("aws:ecr/repository:Repository")}
    # THEN there is one per image, each immutable, scanned on push, encrypted with the data key and pruned by a
    # lifecycle policy
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
    # GIVEN the stack as planned WHEN the web UI's task definition reaches the engine
    task = _one(planned(stack), "aws:ecs/taskDefinition:TaskDefinition", "services-web-ui-task")
    # THEN it has the environment's CPU and memory and runs on Fargate with awsvpc networking
    assert (task.inputs["cpu"], task.inputs["memory"]) == (cpu, memory)
    assert task.inputs["requiresCompatibilities"] == ["FARGATE"] and task.inputs["networkMode"] == "awsvpc"


def test_container_runs_its_ecr_image_with_health_check_logs_and_injected_secrets(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN the prod stack as planned WHEN the analytics engine's container definitions reach the engine
    plan = planned("prod")
    (app, xray) = _containers(plan, "analytics-engine")
    # THEN the app runs its prod ECR image on port 8000 with a /health check, logging through awslogs
    assert app["image"] == "111122223333.dkr.ecr.us-east-1.amazonaws.com/finplatform-prod/analytics-engine:1.0.0"
    assert app["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert "/health" in app["healthCheck"]["command"][1]
    assert app["logConfiguration"]["logDriver"] == "awslogs"
    # AND its two secrets are injected as Secrets Manager ARNs, and its environment names the network and its
    # database user
    secrets = {s["name"]: s["valueFrom"] for s in app["secrets"]}
    assert set(secrets) == {"MARKET_DATA_API_KEY", "REDIS_AUTH_TOKEN"}
    assert all(arn.startswith("arn:aws:secretsmanager:us-east-1:") for arn in secrets.values())
    environment = {e["name"]: e["value"] for e in app["environment"]}
    assert environment["ETHEREUM_NETWORK"] == "mainnet" and environment["DB_USER"] == "analytics-engine"
    # AND the X-Ray daemon runs beside it, and the app is not privileged
    assert xray["name"] == "xray-daemon" and app["privileged"] is False


def test_tracing_sidecar_only_where_the_profile_traces(planned: Callable[[str], Plan]) -> None:
    # GIVEN the dev and staging stacks as planned WHEN the web UI's container definitions reach the engine
    # THEN only staging, whose profile traces, adds the X-Ray daemon
    assert [c["name"] for c in _containers(planned("dev"), "web-ui")] == ["web-ui"]
    assert [c["name"] for c in _containers(planned("staging"), "web-ui")] == ["web-ui", "xray-daemon"]


def test_service_runs_privately_in_the_application_tier_with_rollback(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the web UI's ECS service reaches the engine
    plan = planned("prod")
    service = _one(plan, "aws:ecs/service:Service", "services-web-ui-service")
    # THEN it runs in the private subnets with no public IP behind the app tier's group, rolls back failed
    # deployments and leaves the running count to scaling (and the running revision to the delivery pipeline)
    network = service.inputs["networkConfiguration"]
    assert network["subnets"] == plan.outputs["privateSubnetIds"] and network["assignPublicIp"] is False
    assert network["securityGroups"] == [plan.outputs["appSecurityGroupId"]]
    assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service.options["ignoreChanges"] == ["desiredCount", "taskDefinition"]


@pytest.mark.parametrize(("stack", "bounds"), [("dev", (1, 2)), ("staging", (1, 2)), ("prod", (2, 4))])
def test_autoscaling_tracks_cpu_and_memory_within_the_environment_bounds(
    planned: Callable[[str], Plan], stack: str, bounds: tuple[int, int]
) -> None:
    # GIVEN the stack as planned WHEN the web UI's scaling target and policies reach the engine
    plan = planned(stack)
    target = _one(plan, "aws:appautoscaling/target:Target", "services-web-ui-scaling")
    # THEN it scales within the environment's bounds, tracking 70% CPU and 80% memory with 60 s out and 300 s in
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
    # GIVEN the prod stack as planned WHEN the analytics engine's task role policy reaches the engine
    plan = planned("prod")
    policy = json.loads(
        _one(plan, "aws:iam/rolePolicy:RolePolicy", "services-analytics-engine-task-policy").inputs["policy"]
    )
    statements = {s["Sid"]: s for s in policy["Statement"]}
    # THEN its ARNs are resolved: its own database user on the primary's resource ID, and the portfolio-data
    # bucket
    db = _one(plan, "aws:rds/instance:Instance", "postgres-primary")
    assert statements["ConnectAsItsOwnDatabaseUser"]["Resource"].endswith(
        f":dbuser:{db.outputs['resourceId']}/analytics-engine"
    )
    assert [b.split(":::")[1].split("-")[0:3] for b in statements["ListBuckets"]["Resource"]] == [
        ["storage", "portfolio", "data"]
    ]


def test_execution_role_reaches_only_its_image_logs_and_secrets(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the web UI's execution role policy reaches the engine
    plan = planned("prod")
    policy = json.loads(
        _one(plan, "aws:iam/rolePolicy:RolePolicy", "services-web-ui-execution-policy").inputs["policy"]
    )
    # THEN it pulls only its own repository, logs in to the registry (the one wildcard), and reads its two secrets
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["PullItsImage"]["Resource"].endswith(":repository/finplatform-prod/web-ui")
    assert statements["RegistryLogin"]["Resource"] == "*"  # the one action AWS scopes to nothing else
    assert len(statements["ReadItsSecrets"]["Resource"]) == 2


def test_task_role_reaches_only_the_buckets_and_database_user_it_names() -> None:
    # GIVEN a service that uses PostgreSQL and one bucket, with their ARNs resolved
    resolved = {"buckets": {"portfolio-data": "arn:aws:s3:::data"}, "dataKey": "arn:key", "postgresResourceId": "db-1"}
    # WHEN its task policy is rendered
    policy = task_policy(
        "analytics-engine",
        ["postgres", "bucket:portfolio-data"],
        resolved,
        partition="aws",
        region="us-east-1",
        account="111122223333",
    )
    # THEN it reads and writes only that bucket's objects, connects only as its own database user, and no
    # statement names every resource
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["ReadWriteObjects"]["Resource"] == ["arn:aws:s3:::data/*"]
    assert (
        statements["ConnectAsItsOwnDatabaseUser"]["Resource"]
        == "arn:aws:rds-db:us-east-1:111122223333:dbuser:db-1/analytics-engine"
    )
    assert statements
    assert all(s["Resource"] != "*" for s in statements.values())


def test_execution_policy_without_secrets_grants_no_secret_access() -> None:
    # GIVEN an execution role with no secrets WHEN its policy is rendered
    policy = execution_policy("arn:repo", "arn:logs", [], "arn:key")
    # THEN it logs in, pulls its image and writes its logs, with no statement for secrets
    assert [s["Sid"] for s in policy["Statement"]] == ["RegistryLogin", "PullItsImage", "WriteItsLogs"]


def test_interruptible_services_run_mostly_on_spot() -> None:
    # GIVEN a service marked interruptible
    service = Service.model_validate(
        {
            "name": "batch-optimiser",
            "image": "optimiser:2",
            "interruptible": True,
            "sizes": {e: {"cpu": 1024, "memory": 2048} for e in ("dev", "staging", "prod")},
        }
    )
    # WHEN its Fargate capacity strategy is chosen
    strategy = {s.capacity_provider: (s.base, s.weight) for s in capacity_strategy(service)}
    # THEN one task stays on Fargate and the rest run three to one on Fargate Spot
    assert strategy == {"FARGATE": (1, 1), "FARGATE_SPOT": (None, 3)}


def test_images_are_referenced_by_tag_or_digest() -> None:
    # GIVEN an image by tag and one by digest WHEN the repository is taken from each
    # THEN the repository name and the tag or digest are split apart
    assert image_repository("web-ui:1.4.2") == ("web-ui", ":1.4.2")
    assert image_repository("web-ui@sha256:abc") == ("web-ui", "@sha256:abc")


def test_function_runs_in_the_vpc_traced_with_reserved_concurrency_and_a_dlq(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the blockchain anchoring function reaches the engine
    plan = planned("prod")
    function = _one(plan, "aws:lambda/function:Function", "functions-blockchain-anchoring")
    # THEN it runs in the private subnets behind the app tier's group, traced, with 10 reserved executions, a
    # dead-letter queue and the data key
    assert function.inputs["vpcConfig"]["subnetIds"] == plan.outputs["privateSubnetIds"]
    assert function.inputs["vpcConfig"]["securityGroupIds"] == [plan.outputs["appSecurityGroupId"]]
    assert function.inputs["tracingConfig"] == {"mode": "Active"}
    assert function.inputs["reservedConcurrentExecutions"] == 10
    dlq = _one(plan, "aws:sqs/queue:Queue", "functions-blockchain-anchoring-dlq")
    assert function.inputs["deadLetterConfig"]["targetArn"] == dlq.outputs["arn"]
    assert function.inputs["kmsKeyArn"] == plan.outputs["keyArns"]["data"]
    # AND its environment names the network and holds only the ARN of its signing key
    variables = function.inputs["environment"]["variables"]
    assert variables["ETHEREUM_NETWORK"] == "mainnet"
    assert variables["ETHEREUM_SIGNING_KEY"].startswith("arn:aws:secretsmanager:"), "an ARN, never the key"
    # AND dev reserves 2 executions
    assert (
        _one(planned("dev"), "aws:lambda/function:Function", "functions-blockchain-anchoring").inputs[
            "reservedConcurrentExecutions"
        ]
        == 2
    )


def test_http_api_logs_throttles_and_may_invoke_only_this_function(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the function's HTTP API stage and invoke permission reach the engine
    plan = planned("prod")
    stage = _one(plan, "aws:apigatewayv2/stage:Stage", "functions-blockchain-anchoring-stage")
    # THEN the stage throttles at 50 requests a second with bursts of 100 and logs to CloudWatch
    assert stage.inputs["defaultRouteSettings"]["throttlingBurstLimit"] == 100
    assert stage.inputs["defaultRouteSettings"]["throttlingRateLimit"] == 50
    assert stage.inputs["accessLogSettings"]["destinationArn"].startswith("arn:aws:logs:us-east-1:")
    # AND only API Gateway, from this account's APIs in the region, may invoke the function
    permission = _one(plan, "aws:lambda/permission:Permission", "functions-blockchain-anchoring-api-invoke")
    assert permission.inputs["principal"] == "apigateway.amazonaws.com"
    assert permission.inputs["sourceArn"].startswith("arn:aws:execute-api:us-east-1:111122223333:")


def test_queue_is_encrypted_and_redrives_to_the_dlq(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the function's queue and event source mapping reach the engine
    plan = planned("prod")
    queue = _one(plan, "aws:sqs/queue:Queue", "functions-blockchain-anchoring-queue")
    # THEN the queue uses the data key, redrives to the DLQ after five receives and stays invisible six times
    # the function's 120 s timeout
    assert queue.inputs["kmsMasterKeyId"] == plan.outputs["keyArns"]["data"]
    redrive = json.loads(queue.inputs["redrivePolicy"])
    dlq = _one(plan, "aws:sqs/queue:Queue", "functions-blockchain-anchoring-dlq")
    assert redrive == {"deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 5}
    assert queue.inputs["visibilityTimeoutSeconds"] == 6 * 120
    # AND the function is triggered by that queue
    mapping = _one(
        plan, "aws:lambda/eventSourceMapping:EventSourceMapping", "functions-blockchain-anchoring-queue-trigger"
    )
    assert mapping.inputs["eventSourceArn"] == queue.outputs["arn"]


def test_function_role_names_its_secrets_and_wildcards_only_x_ray(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the function's role policy reaches the engine
    plan = planned("prod")
    policy = json.loads(
        _one(plan, "aws:iam/rolePolicy:RolePolicy", "functions-blockchain-anchoring-policy").inputs["policy"]
    )
    statements = {s["Sid"]: s for s in policy["Statement"]}
    # THEN only sending traces uses a wildcard resource, it reads only its signing key, and it reads and writes
    # the audit-trail bucket
    assert [s for s in statements.values() if s["Resource"] == "*"] == [statements["SendTraces"]]
    (secret,) = statements["ReadItsSecrets"]["Resource"]
    assert "ethereum-signing-key" in secret
    assert statements["ReadWriteObjects"]["Resource"][0].startswith("arn:aws:s3:::storage-audit-trail-")


def test_schedule_trigger_is_scoped_to_its_rule(engine: Engine, provider: Callable[[], object]) -> None:
    import pulumi

    from components.compute.access import Grants
    from components.compute.functions import Functions, FunctionsArgs
    from components.compute.workplace import Workplace
    from components.providers import Placement
    from finplatform.blueprints import Function

    # GIVEN an out-of-VPC function on a weekday schedule
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
                workplace=Workplace(
                    placement=Placement(provider(), "us-east-1", "111122223333"),  # type: ignore[arg-type]
                    private_subnet_ids=[],
                    logs_key_arn="arn:logs",
                ),
                functions=[function],
                prefix="finplatform-test",
                app_security_group_id="sg-app",
                grants=Grants(data_key_arn="arn:data", secrets_key_arn="arn:secrets"),
            ),
            opts=pulumi.ResourceOptions(),
        )

    # WHEN it is declared
    engine.declare(declare)
    # THEN an EventBridge rule carries the schedule and only that rule may invoke the function
    rule = engine.one("aws:cloudwatch/eventRule:EventRule")
    assert rule.inputs["scheduleExpression"] == "cron(0 22 ? * MON-FRI *)"
    permission = engine.one("aws:lambda/permission:Permission")
    assert (permission.inputs["principal"], permission.inputs["sourceArn"]) == (
        "events.amazonaws.com",
        rule.outputs["arn"],
    )
    # AND the function has no VPC configuration
    assert "vpcConfig" not in engine.one("aws:lambda/function:Function").inputs
