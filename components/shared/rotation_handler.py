"""The secret-rotation function's code, shipped as the Lambda's only file (the program never imports boto3).

Secrets Manager calls it four times per rotation (createSecret, setSecret, testSecret, finishSecret). It makes a
new random value with Secrets Manager's own generator, hands it to the store that checks it where there is one
(a Redis replication group, with ElastiCache's ROTATE strategy, which keeps the previous token valid next to the
new one), and only then makes it AWSCURRENT; the previous value stays readable as AWSPREVIOUS. A failure before
finishSecret leaves AWSCURRENT where it was.

Environment: ``PASSWORD_LENGTH`` (characters of the new value), ``REPLICATION_GROUPS`` (JSON list of
``[region, replication group id]`` whose AUTH token is the secret; empty for a value nobody else checks).
"""

import json
import os
from collections.abc import Callable, Sequence
from typing import Any

CURRENT, PENDING = "AWSCURRENT", "AWSPENDING"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
# ElastiCache finishes a token change in minutes; the function has 15 (its timeout) to see the group available.
WAIT_DELAY_SECONDS, WAIT_ATTEMPTS = 15, 55


class RotationError(Exception):
    """A rotation that must not go on: Secrets Manager records the failure and keeps AWSCURRENT."""


def rotate(
    secrets: Any,
    secret_id: str,
    token: str,
    step: str,
    *,
    length: int,
    groups: Sequence[tuple[str, str]] = (),
    elasticache: Callable[[str], Any] | None = None,
) -> None:
    """One step of a rotation of ``secret_id`` to the version ``token``."""
    if step not in STEPS:
        raise RotationError(f"unknown step {step}")
    described = secrets.describe_secret(SecretId=secret_id)
    if not described.get("RotationEnabled"):
        raise RotationError(f"rotation is not enabled for {secret_id}")
    stages = described.get("VersionIdsToStages", {})
    if token not in stages:
        raise RotationError(f"version {token} is not a version of {secret_id}")
    if CURRENT in stages[token]:
        return  # already finished
    if PENDING not in stages[token]:
        raise RotationError(f"version {token} of {secret_id} is not pending")
    if step == "createSecret":
        _create(secrets, secret_id, token, length)
    elif step == "setSecret":
        pending = _pending(secrets, secret_id, token)
        for region, group in groups:
            assert elasticache is not None
            _set_auth_token(elasticache(region), group, pending)
    elif step == "testSecret":
        _pending(secrets, secret_id, token)
        for region, group in groups:
            assert elasticache is not None
            _require_available(elasticache(region), group)
    else:
        current = next((v for v, s in stages.items() if CURRENT in s), None)
        secrets.update_secret_version_stage(
            SecretId=secret_id, VersionStage=CURRENT, MoveToVersionId=token, RemoveFromVersionId=current
        )


def _create(secrets: Any, secret_id: str, token: str, length: int) -> None:
    try:
        secrets.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)
        return  # a retried step: the pending value exists already
    except secrets.exceptions.ResourceNotFoundException:
        pass
    value = secrets.get_random_password(PasswordLength=length, ExcludePunctuation=True)["RandomPassword"]
    secrets.put_secret_value(SecretId=secret_id, ClientRequestToken=token, SecretString=value, VersionStages=[PENDING])


def _pending(secrets: Any, secret_id: str, token: str) -> str:
    return str(secrets.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)["SecretString"])


def _set_auth_token(client: Any, group: str, token: str) -> None:
    """The new token next to the current one (ROTATE), so connections made with either keep working."""
    client.modify_replication_group(
        ReplicationGroupId=group, AuthToken=token, AuthTokenUpdateStrategy="ROTATE", ApplyImmediately=True
    )
    client.get_waiter("replication_group_available").wait(
        ReplicationGroupId=group, WaiterConfig={"Delay": WAIT_DELAY_SECONDS, "MaxAttempts": WAIT_ATTEMPTS}
    )


def _require_available(client: Any, group: str) -> None:
    (found,) = client.describe_replication_groups(ReplicationGroupId=group)["ReplicationGroups"]
    if found.get("Status") != "available":
        raise RotationError(f"replication group {group} is {found.get('Status')}, not available")


def handler(event: dict[str, str], context: object) -> None:
    """The Lambda entry point."""
    import boto3  # type: ignore[import-not-found]  # the Lambda runtime provides it; the program never imports this

    groups = [(str(region), str(group)) for region, group in json.loads(os.environ.get("REPLICATION_GROUPS", "[]"))]
    rotate(
        boto3.client("secretsmanager"),
        event["SecretId"],
        event["ClientRequestToken"],
        event["Step"],
        length=int(os.environ.get("PASSWORD_LENGTH", "64")),
        groups=groups,
        elasticache=lambda region: boto3.client("elasticache", region_name=region),
    )
