"""Compute layer: the registry and the ECS Fargate services, as the engine receives them."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from components.compute import capacity_strategy, execution_policy, image_repository, task_policy
from finplatform.blueprints import Service
from finplatform.mocks import PlannedResource
from finplatform.plan import Plan


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
