"""What a workload may reach: the grants the compute targets share, and the IAM documents written from a
blueprint's ``access`` list."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.shared.connection import ConnectionInfo


@dataclass(frozen=True)
class Grants:
    """The resources a workload may reach, by the names its blueprint ``access`` list uses."""

    data_key_arn: pulumi.Input[str]
    """The data key: buckets, queues, function environments and volumes use it."""
    secrets_key_arn: pulumi.Input[str] | None = None
    """The secrets key, where the workload keeps secrets: injected secrets are encrypted with it."""
    secret_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Application secrets by name (``secret:<name>``)."""
    bucket_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Buckets by name (``bucket:<name>``)."""
    stores: Mapping[str, ConnectionInfo] = field(default_factory=dict)
    """Data stores by access name: postgres, redis, timeSeries."""
    postgres_resource_id: pulumi.Input[str] | None = None
    """The database's resource id, for IAM database authentication."""


def injected_secrets(access: Sequence[str], grants: Grants) -> dict[str, pulumi.Input[str]]:
    """Container secrets (environment name -> secret ARN) for the stores and secrets a workload names."""
    secrets: dict[str, pulumi.Input[str]] = {}
    for item in access:
        if item.startswith("secret:"):
            name = item.removeprefix("secret:")
            secrets[name.upper().replace("-", "_")] = grants.secret_arns[name]
        elif item == "redis":
            secrets["REDIS_AUTH_TOKEN"] = grants.stores["redis"].secret_arn
        elif item == "timeSeries":
            secrets["INFLUXDB_PASSWORD"] = grants.stores["timeSeries"].secret_arn
    return secrets


def task_policy(
    workload: str, access: Sequence[str], resolved: Mapping[str, Any], *, partition: str, region: str, account: str
) -> dict[str, Any]:
    """The task role's policy: only what ``access`` names. ``resolved`` holds the ARNs, already known."""
    statements: list[dict[str, Any]] = []
    buckets = [resolved["buckets"][a.removeprefix("bucket:")] for a in access if a.startswith("bucket:")]
    if buckets:
        statements += [
            {"Sid": "ListBuckets", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": buckets},
            {
                "Sid": "ReadWriteObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": [f"{b}/*" for b in buckets],
            },
            {
                "Sid": "UseDataKeyThroughS3",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": resolved["dataKey"],
            },
        ]
    if "postgres" in access and resolved.get("postgresResourceId"):
        statements.append(
            {
                "Sid": "ConnectAsItsOwnDatabaseUser",
                "Effect": "Allow",
                "Action": "rds-db:connect",
                "Resource": f"arn:{partition}:rds-db:{region}:{account}:dbuser:"
                f"{resolved['postgresResourceId']}/{workload}",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def needs_task_policy(access: Sequence[str]) -> bool:
    """Secrets reach the task through injection, so only buckets and IAM database login need a task policy."""
    return "postgres" in access or any(a.startswith("bucket:") for a in access)


def execution_policy(
    repository_arn: str, log_group_arn: str, secret_arns: Sequence[str], secrets_key_arn: str
) -> dict[str, Any]:
    """What ECS needs to start the task: pull its image, write its logs, read the secrets it injects."""
    statements: list[dict[str, Any]] = [
        # GetAuthorizationToken has no resource-level permissions: AWS only accepts "*" here.
        {"Sid": "RegistryLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "PullItsImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            "Resource": repository_arn,
        },
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:log-stream:*",
        },
    ]
    statements += secret_read_statements(secret_arns, secrets_key_arn)
    return {"Version": "2012-10-17", "Statement": statements}


def secret_read_statements(secret_arns: Sequence[str], secrets_key_arn: str) -> list[dict[str, Any]]:
    """Read exactly these secrets, from Secrets Manager or Parameter Store, and decrypt them with their key."""
    in_manager = sorted(arn for arn in secret_arns if ":ssm:" not in arn)
    in_parameters = sorted(arn for arn in secret_arns if ":ssm:" in arn)
    statements: list[dict[str, Any]] = []
    if in_manager:
        statements.append(
            {
                "Sid": "ReadItsSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": in_manager,
            }
        )
    if in_parameters:
        statements.append(
            {
                "Sid": "ReadItsParameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                "Resource": in_parameters,
            }
        )
    if statements:
        statements.append(
            {"Sid": "DecryptItsSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": secrets_key_arn}
        )
    return statements


# The environment variable that carries each store's host name into a workload.
STORE_HOST_VARIABLES = {"postgres": "DB_HOST", "redis": "REDIS_HOST", "timeSeries": "INFLUXDB_HOST"}


def store_hosts(access: Sequence[str], grants: Grants) -> dict[str, pulumi.Output[str]]:
    """Host name variables for the stores a workload names."""
    return {
        variable: grants.stores[store].endpoint for store, variable in STORE_HOST_VARIABLES.items() if store in access
    }


def grant_references(grants: Grants, account_id: pulumi.Input[str]) -> dict[str, pulumi.Input[Any]]:
    """The ARNs and ids the access policies name, ready for ``pulumi.Output.all(**...)``."""
    return {
        "buckets": pulumi.Output.all(**dict(grants.bucket_arns)) if grants.bucket_arns else {},
        "dataKey": grants.data_key_arn,
        "postgresResourceId": grants.postgres_resource_id or "",
        "account": account_id,
    }
