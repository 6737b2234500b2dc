"""Secret rotation (SecretsManager.1 and .4): who rotates each secret, what the rotation function may do and does,
and what the engine receives for the rotated and the hand-rotated secrets."""

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from components.data.redis import token_rotation
from components.shared.rotation import rotation_policy, rotation_tags, secret_rotation, start_time_readers
from components.shared.rotation_handler import RotationError, rotate
from finplatform.blueprints import Secret
from finplatform.tooling.mocks import PlannedResource
from finplatform.tooling.plan import Plan

SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"


class _NotFoundError(Exception):
    pass


class FakeSecrets:
    """Secrets Manager as the function sees it: versions with stages, a generator, and a log of calls."""

    class exceptions:  # noqa: N801 - boto3's attribute name
        ResourceNotFoundException = _NotFoundError

    def __init__(self) -> None:
        self.values = {"v1": "old-value"}
        self.stages: dict[str, list[str]] = {"v1": ["AWSCURRENT"], "v2": ["AWSPENDING"]}
        self.calls: list[str] = []

    def describe_secret(self, SecretId: str) -> dict[str, Any]:  # noqa: N803
        return {"RotationEnabled": True, "VersionIdsToStages": self.stages}

    def get_secret_value(self, SecretId: str, VersionId: str, VersionStage: str) -> dict[str, Any]:  # noqa: N803
        if VersionId not in self.values:
            raise _NotFoundError(VersionId)
        return {"SecretString": self.values[VersionId]}

    def get_random_password(self, PasswordLength: int, ExcludePunctuation: bool) -> dict[str, Any]:  # noqa: N803
        assert ExcludePunctuation
        return {"RandomPassword": "n" * PasswordLength}

    def put_secret_value(self, **kwargs: Any) -> None:
        assert kwargs["VersionStages"] == ["AWSPENDING"]
        self.calls.append("put")
        self.values[kwargs["ClientRequestToken"]] = kwargs["SecretString"]

    def update_secret_version_stage(self, **kwargs: str) -> None:
        self.calls.append("stage")
        self.stages[kwargs["RemoveFromVersionId"]] = ["AWSPREVIOUS"]
        self.stages[kwargs["MoveToVersionId"]] = ["AWSCURRENT"]


class FakeElastiCache:
    def __init__(self, fail: bool = False) -> None:
        self.modified: list[dict[str, Any]] = []
        self.fail = fail

    def modify_replication_group(self, **kwargs: Any) -> None:
        if self.fail:
            raise RuntimeError("InvalidReplicationGroupState")
        self.modified.append(kwargs)

    def get_waiter(self, name: str) -> Any:
        assert name == "replication_group_available"
        return type("Waiter", (), {"wait": lambda self, **kwargs: None})()

    def describe_replication_groups(self, ReplicationGroupId: str) -> dict[str, Any]:  # noqa: N803
        return {"ReplicationGroups": [{"Status": "available"}]}


def _run(secrets: FakeSecrets, cache: FakeElastiCache | None, steps: tuple[str, ...]) -> None:
    groups = [("us-east-1", "redis-group")] if cache else []
    for step in steps:
        rotate(secrets, "arn:secret", "v2", step, length=64, groups=groups, elasticache=lambda region: cache)


def test_a_rotation_makes_a_new_value_hands_it_to_redis_with_rotate_and_only_then_makes_it_current() -> None:
    # GIVEN a secret whose current value is a Redis group's AUTH token, and a pending version
    secrets, cache = FakeSecrets(), FakeElastiCache()
    # WHEN Secrets Manager runs the four steps
    _run(secrets, cache, ("createSecret", "setSecret", "testSecret", "finishSecret"))
    # THEN a 64-character value was put as pending, given to the group with the ROTATE strategy at once,
    # and then made current, the old value staying as AWSPREVIOUS
    assert secrets.values["v2"] == "n" * 64
    assert cache.modified == [
        {
            "ReplicationGroupId": "redis-group",
            "AuthToken": "n" * 64,
            "AuthTokenUpdateStrategy": "ROTATE",
            "ApplyImmediately": True,
        }
    ]
    assert secrets.stages == {"v1": ["AWSPREVIOUS"], "v2": ["AWSCURRENT"]}


def test_a_failed_token_change_leaves_the_current_value_current() -> None:
    # GIVEN a Redis group that refuses the token change
    secrets, cache = FakeSecrets(), FakeElastiCache(fail=True)
    # WHEN the rotation reaches setSecret
    _run(secrets, cache, ("createSecret",))
    with pytest.raises(RuntimeError):
        _run(secrets, cache, ("setSecret",))
    # THEN the stages were never moved: consumers go on reading the value the group still accepts
    assert "stage" not in secrets.calls and secrets.stages["v1"] == ["AWSCURRENT"]


def test_a_retried_create_step_keeps_the_pending_value_and_unknown_steps_are_refused() -> None:
    # GIVEN a rotation whose createSecret ran once already
    secrets = FakeSecrets()
    _run(secrets, None, ("createSecret",))
    # WHEN Secrets Manager retries it, and when it names a step that does not exist
    _run(secrets, None, ("createSecret",))
    # THEN the value was put once, and the unknown step fails
    assert secrets.calls == ["put"]
    with pytest.raises(RotationError):
        _run(secrets, None, ("rollback",))


def test_the_function_may_touch_only_its_secrets_key_logs_and_groups() -> None:
    # GIVEN the rotation function's policy for one secret and one Redis group
    policy = rotation_policy(["arn:secret"], "arn:key", "arn:logs", ["arn:group"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    # THEN it reads and stages versions of that secret only, decrypts and encrypts with the secrets key only,
    # writes its own log group and changes that group's token; the one "*" is GetRandomPassword's
    assert statements["RotateTheseSecrets"]["Action"] == [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
    ]
    assert statements["RotateTheseSecrets"]["Resource"] == ["arn:secret"]
    assert statements["UseTheSecretsKey"] == {
        "Sid": "UseTheSecretsKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": "arn:key",
    }
    assert statements["ChangeTheseAuthTokens"]["Resource"] == ["arn:group"]
    wildcards = [s["Sid"] for s in policy["Statement"] if s["Resource"] == "*"]
    assert wildcards == ["MakeRandomValues"] and statements["MakeRandomValues"]["Action"] == (
        "secretsmanager:GetRandomPassword"
    )
    # AND without a group there is no ElastiCache statement
    assert "ChangeTheseAuthTokens" not in {s["Sid"] for s in rotation_policy(["a"], "k", "l")["Statement"]}


@pytest.mark.parametrize(
    ("source", "readers", "expected"),
    [
        ("operator", [], ("manual", "operator")),
        ("generated", ["web-ui"], ("manual", "service-owner")),
        ("generated", [], ("automatic", "rotation-function")),
    ],
)
def test_who_rotates_an_application_secret(source: str, readers: list[str], expected: tuple[str, str]) -> None:
    # GIVEN a secret of the given source read at start by the given services WHEN its rotation is decided
    decided = secret_rotation(Secret(name="api-key", source=source), readers)
    # THEN operators rotate theirs, service owners what a service injected at start, the function the rest
    assert decided == expected


def test_redis_tokens_rotate_automatically_except_in_a_global_datastore() -> None:
    # GIVEN a Redis with a rotation function's placement, with and without a Global Datastore secondary
    # THEN only the standalone group's token rotates automatically
    assert token_rotation(True, False) == ("automatic", "rotation-function")
    assert token_rotation(True, True) == ("manual", "operator")
    assert rotation_tags("manual", "operator") == {
        "rotation": "manual",
        "rotation-days": "90",
        "rotated-by": "operator",
    }


def _secret(plan: Plan, name: str) -> PlannedResource:
    (found,) = [r for r in plan.named(SECRET) if r.name == name]
    return found


def test_services_read_at_start_are_found_in_the_blueprint(planned: Callable[[str], Plan]) -> None:
    # GIVEN a blueprint whose web UI injects the signing key and whose function reads the provider key
    blueprint = SimpleNamespace(
        services=[
            SimpleNamespace(name="web-ui", access=["redis", "secret:jwt-signing-key"]),
            SimpleNamespace(name="engine", access=["postgres"]),
        ],
        functions=[SimpleNamespace(name="anchor", access=["secret:market-data-api-key"])],
    )
    # WHEN the secrets read at start are listed THEN only the services' are, by secret
    assert start_time_readers(blueprint) == {"jwt-signing-key": ["web-ui"]}  # type: ignore[arg-type]
    # AND the prod stack's signing key, which its web UI injects, is rotated by the service owner within 90 days
    tags = _secret(planned("prod"), "secrets-jwt-signing-key").inputs["tags"]
    assert (tags["rotation"], tags["rotated-by"], tags["rotation-days"]) == ("manual", "service-owner", "90")


def test_a_generated_secret_nobody_reads_at_start_rotates_every_30_days(planned: Callable[[str], Plan]) -> None:
    # GIVEN smart-0dte prod, whose signing key no service injects
    plan = planned("smart-0dte-prod")
    secret = _secret(plan, "secrets-jwt-signing-key")
    # WHEN its rotation reaches the engine
    (schedule,) = [r for r in plan.named(ROTATION) if r.name == "secrets-rotation-jwt-signing-key-schedule"]
    (function,) = [r for r in plan.named(FUNCTION) if r.name == "secrets-rotation"]
    (invoke,) = [r for r in plan.named(PERMISSION) if r.name == "secrets-rotation-jwt-signing-key-invoke"]
    # THEN it rotates through the stack's function every 30 days, and only Secrets Manager, for that secret,
    # may invoke the function
    assert schedule.inputs["secretId"] == invoke.inputs["sourceArn"] and "jwt-signing-key" in invoke.inputs["sourceArn"]
    assert schedule.inputs["rotationRules"]["automaticallyAfterDays"] == 30
    assert schedule.inputs["rotateImmediately"] is False
    assert invoke.inputs["principal"] == "secretsmanager.amazonaws.com"
    assert function.inputs["tracingConfig"] == {"mode": "Active"} and function.inputs["timeout"] == 900
    assert secret.inputs["tags"]["rotation"] == "automatic"
    # AND its operator-supplied keys are tagged for rotation by hand within 90 days
    broker = _secret(plan, "secrets-broker-api-key").inputs["tags"]
    assert (broker["rotation"], broker["rotated-by"], broker["rotation-days"]) == ("manual", "operator", "90")


def test_a_redis_token_rotates_in_the_group_with_the_rotate_strategy(planned: Callable[[str], Plan]) -> None:
    # GIVEN dex-mobile prod's Redis, not in a Global Datastore
    plan = planned("dex-mobile-prod")
    (group,) = [r for r in plan.named(CACHE) if r.name == "redis-group"]
    (policy,) = [r for r in plan.named(ROLE_POLICY) if r.name == "redis-auth-rotation-policy"]
    (function,) = [r for r in plan.named(FUNCTION) if r.name == "redis-auth-rotation"]
    # THEN the group takes token changes with ROTATE, the function knows the group and may change only its token
    assert group.inputs["authTokenUpdateStrategy"] == "ROTATE"
    assert json.loads(function.inputs["environment"]["variables"]["REPLICATION_GROUPS"])[0][0] == "us-east-1"
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    assert len(statements["ChangeTheseAuthTokens"]["Resource"]) == 1
    assert _secret(plan, "redis-auth").inputs["tags"]["rotation"] == "automatic"
    # AND smart-0dte's token, shared with a Global Datastore secondary, is rotated by hand
    smart = planned("smart-0dte-prod")
    assert _secret(smart, "redis-auth").inputs["tags"]["rotation"] == "manual"
    assert not [r for r in smart.named(FUNCTION) if r.name == "redis-auth-rotation"]
