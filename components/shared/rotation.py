"""Secret rotation (SecretsManager.1 and .4): who rotates each secret, and the rotation function that rotates the
generated ones.

Every Secrets Manager secret the platform declares carries three tags saying how it is rotated, which the AWS
Config rules of the audit layer read: ``rotation`` (``automatic``: the stack's rotation function, or RDS for its
own master secret; ``manual``: a person), ``rotation-days`` and ``rotated-by``.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from components.providers import Placement
from components.shared.iam import role_with_policy
from components.shared.logs import encrypted_log_group
from finplatform.blueprints import Blueprint, Secret

RotationMode = Literal["automatic", "manual"]
ROTATION_TAG = "rotation"
# Generated values rotate monthly; people rotate what they hold at least every 90 days (FSBP SecretsManager.4's
# default, and what the Config rule reports past).
AUTOMATIC_ROTATION_DAYS = 30
MANUAL_ROTATION_DAYS = 90
ROTATION_FUNCTION = "rotation-function"
HANDLER_FILE = Path(__file__).with_name("rotation_handler.py")
RUNTIME = "python3.12"
# The function and its log group say what they are, so the cost model prices them by rotations, not by the
# traffic a workload's functions see.
PURPOSE_TAGS = {"purpose": "secret-rotation"}
TIMEOUT_SECONDS = 900  # a Redis token change waits for the replication group to be available again


def rotation_tags(mode: RotationMode, rotated_by: str) -> dict[str, str]:
    """The tags that say how a secret is rotated, by whom, and how often at least."""
    days = AUTOMATIC_ROTATION_DAYS if mode == "automatic" else MANUAL_ROTATION_DAYS
    return {ROTATION_TAG: mode, "rotation-days": str(days), "rotated-by": rotated_by}


def start_time_readers(blueprint: Blueprint) -> dict[str, list[str]]:
    """The services that read each application secret once, when they start (ECS and EKS inject it, EC2 reads
    it at boot); functions read it at use time and are not listed."""
    readers: dict[str, list[str]] = {}
    for service in blueprint.services:
        for item in service.access:
            if item.startswith("secret:"):
                readers.setdefault(item.removeprefix("secret:"), []).append(service.name)
    return readers


def secret_rotation(spec: Secret, readers_at_start: Sequence[str]) -> tuple[RotationMode, str]:
    """How an application secret is rotated, and by whom.

    A generated value rotates through the rotation function when nothing holds a copy taken at start: a service
    that injected the old value would go on signing or checking with it while its peers use the new one (a JWT
    signing key). Those, and every value an operator supplies, are rotated by people on a schedule, which the
    tags state and an AWS Config rule checks."""
    if spec.source == "operator":
        return "manual", "operator"
    if readers_at_start:
        return "manual", "service-owner"
    return "automatic", ROTATION_FUNCTION


def rotation_policy(
    secret_arns: Sequence[str], secrets_key_arn: str, log_group_arn: str, replication_group_arns: Sequence[str] = ()
) -> dict[str, Any]:
    """What the rotation function may do: read, stage and write versions of exactly these secrets, make random
    values, use the secrets key, write its own log group, and change the AUTH token of exactly these groups."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "RotateTheseSecrets",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            ],
            "Resource": list(secret_arns),
        },
        {
            # GetRandomPassword acts on no resource: IAM accepts only "*" for it.
            "Sid": "MakeRandomValues",
            "Effect": "Allow",
            "Action": "secretsmanager:GetRandomPassword",
            "Resource": "*",
        },
        {
            "Sid": "UseTheSecretsKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": secrets_key_arn,
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:log-stream:*",
        },
    ]
    if replication_group_arns:
        statements.append(
            {
                "Sid": "ChangeTheseAuthTokens",
                "Effect": "Allow",
                "Action": ["elasticache:ModifyReplicationGroup", "elasticache:DescribeReplicationGroups"],
                "Resource": list(replication_group_arns),
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


@dataclass(frozen=True)
class AuthTokenGroup:
    """A Redis replication group whose AUTH token is the rotated secret."""

    region: str
    """The group's region."""
    group_id: pulumi.Input[str]
    """Its replication group id."""
    arn: pulumi.Input[str]
    """Its ARN, which the function's policy names."""


@dataclass(frozen=True)
class SecretRotatorArgs:
    """Inputs of a rotation function and the rotation schedules of the secrets it rotates."""

    placement: Placement
    """Region, provider and account of the secrets and the function."""
    secrets: Mapping[str, pulumi.Input[str]]
    """The secrets it rotates: ARN by a short name (resource names use it)."""
    secrets_key_arn: pulumi.Input[str]
    """The key the secrets are encrypted with."""
    logs_key_arn: pulumi.Input[str]
    """The key of the function's log group."""
    log_retention_days: int = 30
    """Retention of the function's log group."""
    length: int = 64
    """Characters of each new value (letters and digits)."""
    auth_token_groups: Sequence[AuthTokenGroup] = ()
    """Redis replication groups whose AUTH token is the secret: each gets the new token with ROTATE."""
    days: int = AUTOMATIC_ROTATION_DAYS
    """Days between rotations."""
    protect_logs: bool = False
    """Pulumi protect on the function's log group, like every log group of the stack in prod."""


class SecretRotator(pulumi.ComponentResource):
    """A Lambda function that rotates its secrets to new random values (and the Redis groups that check them),
    with its role, log group and invoke permissions, and each secret's rotation schedule."""

    function_arn: pulumi.Output[str]
    """The rotation function's ARN."""

    def __init__(self, name: str, args: SecretRotatorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:keys:SecretRotator", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        logs = encrypted_log_group(
            f"{name}-logs",
            None,
            args.logs_key_arn,
            args.log_retention_days,
            parent=self,
            protect=args.protect_logs,
            tags=dict(PURPOSE_TAGS),
        )
        arns = list(args.secrets.values())
        groups = list(args.auth_token_groups)
        document = pulumi.Output.all(
            pulumi.Output.all(*arns), args.secrets_key_arn, logs.arn, pulumi.Output.all(*[g.arn for g in groups])
        ).apply(lambda v: json.dumps(rotation_policy(v[0], v[1], v[2], v[3])))
        role, policy = role_with_policy(
            f"{name}-role",
            f"{name}-policy",
            "lambda.amazonaws.com",
            args.placement,
            "Secret rotation function",
            document=document,
            parent=self,
        )
        function = aws.lambda_.Function(
            name,
            aws.lambda_.FunctionArgs(
                description="Rotates generated secrets to new random values",
                runtime=RUNTIME,
                handler="rotation_handler.handler",
                timeout=TIMEOUT_SECONDS,
                memory_size=128,
                role=role.arn,
                code=pulumi.AssetArchive({"rotation_handler.py": pulumi.StringAsset(HANDLER_FILE.read_text())}),
                tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
                environment=aws.lambda_.FunctionEnvironmentArgs(
                    variables={
                        "PASSWORD_LENGTH": str(args.length),
                        "REPLICATION_GROUPS": pulumi.Output.all(*[g.group_id for g in groups]).apply(
                            lambda ids: json.dumps([[g.region, i] for g, i in zip(groups, ids, strict=True)])
                        ),
                    }
                ),
                logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=logs.name),
                tags=dict(PURPOSE_TAGS),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, logs]),
        )
        for short, arn in args.secrets.items():
            invoke = aws.lambda_.Permission(
                f"{name}-{short}-invoke",
                aws.lambda_.PermissionArgs(
                    action="lambda:InvokeFunction",
                    function=function.name,
                    principal="secretsmanager.amazonaws.com",
                    source_arn=arn,
                    source_account=args.placement.account_id,
                ),
                opts=child,
            )
            aws.secretsmanager.SecretRotation(
                f"{name}-{short}-schedule",
                aws.secretsmanager.SecretRotationArgs(
                    secret_id=arn,
                    rotation_lambda_arn=function.arn,
                    # The first rotation comes with the schedule, not in the middle of the deploy that adds it.
                    rotate_immediately=False,
                    rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                        automatically_after_days=args.days
                    ),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[invoke]),
            )
        self.function_arn = function.arn
        self.register_outputs({"functionArn": function.arn})
