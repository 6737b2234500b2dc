"""Keys-and-secrets layer: a customer-managed KMS key per data domain (rotation, alias, tight key policy), and
the workload's application secrets in Secrets Manager."""

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.providers import Placement
from components.shared.arns import partition_for
from components.shared.rotation import SecretRotator, SecretRotatorArgs, rotation_tags, secret_rotation
from components.shared.secrets import store_secret
from finplatform.blueprints import Blueprint, Secret

KeyDomain = Literal["data", "logs", "secrets", "backups", "alerts"]
KEY_DOMAINS: tuple[KeyDomain, ...] = ("data", "logs", "secrets", "backups", "alerts")
# AWS services that publish alerts to the encrypted alert topics: SNS asks them to encrypt with the key.
ALERT_PUBLISHERS = (
    "cloudwatch.amazonaws.com",
    "events.amazonaws.com",
    "budgets.amazonaws.com",
    "costalerts.amazonaws.com",
    "events.rds.amazonaws.com",
)
# AWS Config delivers to the audit bucket, encrypted with the data key, as its service principal when the
# recorder uses the service-linked role (Config.1).
CONFIG_SERVICE = "config.amazonaws.com"

# Services that use each key on a caller's behalf (kms:ViaService). Calls made directly, outside
# these services, are refused, so a leaked role cannot decrypt a snapshot or a secret by hand.
VIA_SERVICES: dict[KeyDomain, tuple[str, ...]] = {
    "data": ("rds", "elasticache", "s3", "ec2", "ecr", "sqs", "sns", "lambda", "timestream-influxdb"),
    "logs": (),
    "secrets": ("secretsmanager", "ssm"),
    "backups": ("backup", "rds", "elasticache", "s3"),
    "alerts": ("sns",),
}

# Key administration only; no cryptographic use outside the services above.
ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
]
USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
# Secrets Manager and generated values use the same length.
GENERATED_LENGTH = 64
OPERATOR_PLACEHOLDER = "set-by-operator"  # a SecureString cannot be empty
GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]


def needs_secrets_key(blueprint: Blueprint) -> bool:
    """Whether anything of the workload is kept in Secrets Manager: its own secrets, or the credentials of
    PostgreSQL, Redis or InfluxDB."""
    influx = blueprint.time_series is not None and blueprint.time_series.engine == "influxdb"
    return bool(blueprint.secrets or blueprint.postgres or blueprint.redis or influx)


def key_domains(blueprint: Blueprint) -> list[KeyDomain]:
    """The domains a workload needs keys for. Logs, data, backups and alerts always: every stack has flow logs,
    an audit bucket, an access-log bucket, a backup vault and alert topics."""
    wanted = {"data": True, "logs": True, "secrets": needs_secrets_key(blueprint), "backups": True, "alerts": True}
    return [domain for domain in KEY_DOMAINS if wanted[domain]]


def key_policy(
    domain: KeyDomain, account_id: str, region: str, partition: str, cloudfront_reads: bool = False
) -> dict[str, Any]:
    """The key policy: the account root administers the key; only the domain's AWS services use it.

    With ``cloudfront_reads``, the data key also lets this account's CloudFront distributions decrypt, which
    origin access control needs to serve the SSE-KMS assets bucket; the bucket policy decides which objects."""
    root = f"arn:{partition}:iam::{account_id}:root"
    # In a key policy "Resource": "*" means "this key"; a key policy cannot name its own ARN.
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountRootAdministersKey",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": ADMIN_ACTIONS,
            "Resource": "*",
        }
    ]
    services = [f"{service}.{region}.amazonaws.com" for service in VIA_SERVICES[domain]]
    if services:
        via = {"kms:ViaService": services, "kms:CallerAccount": account_id}
        statements.append(
            {
                "Sid": "UseThroughDomainServices",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": USE_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": via},
            }
        )
        statements.append(
            {
                "Sid": "GrantsForAwsResourcesOnly",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": GRANT_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": via, "Bool": {"kms:GrantIsForAWSResource": "true"}},
            }
        )
    if domain == "data" and cloudfront_reads:
        statements.append(
            {
                "Sid": "CloudFrontDecryptsAssetsForThisAccountsDistributions",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "kms:Decrypt",
                "Resource": "*",
                # The distribution is declared after the key, so its own ARN cannot be named here.
                "Condition": {
                    "StringLike": {"AWS:SourceArn": f"arn:{partition}:cloudfront::{account_id}:distribution/*"}
                },
            }
        )
    if domain == "data":
        statements.append(
            {
                "Sid": "ConfigEncryptsDeliveriesForThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": CONFIG_SERVICE},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        )
    if domain == "alerts":
        statements.append(
            {
                "Sid": "AlertPublishersEncryptForThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": list(ALERT_PUBLISHERS)},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        )
    if domain == "logs":
        trail_arns = f"arn:{partition}:cloudtrail:*:{account_id}:trail/*"
        statements.append(
            {
                "Sid": "CloudTrailEncryptsThisAccountsTrails",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trail_arns},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            }
        )
        statements.append(
            {
                "Sid": "CloudTrailDescribesKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:DescribeKey",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        )
        statements.append(
            {
                "Sid": "CloudWatchLogsEncryptsAccountLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account_id}:log-group:*",
                    }
                },
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def _policy_renderer(domain: KeyDomain, args: "KeysArgs") -> Callable[[str], str]:
    def render(account_id: str) -> str:
        return json.dumps(key_policy(domain, account_id, args.region, args.partition, args.cloudfront_reads_data))

    return render


@dataclass(frozen=True)
class KeysArgs:
    """Inputs of the keys layer."""

    account_id: pulumi.Input[str]
    """The account whose root administers the keys."""
    region: str
    """Region of the keys (for kms:ViaService)."""
    domains: Sequence[KeyDomain] = KEY_DOMAINS
    """Data domains that get a key: data, logs, secrets, backups, alerts."""
    alias_prefix: str = "finplatform"
    """Aliases are alias/<prefix>-<domain>."""
    deletion_window_days: int = 30
    """Waiting period before a deleted key is destroyed (7-30)."""
    protect: bool = False
    """Pulumi protect on the keys."""
    cloudfront_reads_data: bool = False
    """The CDN serves the assets bucket, encrypted with the data key, so CloudFront may decrypt with it."""

    @property
    def partition(self) -> str:
        return partition_for(self.region)


class Keys(pulumi.ComponentResource):
    """Customer-managed KMS keys, one per data domain, each with rotation on and an alias."""

    keys: dict[KeyDomain, aws.kms.Key]
    """The keys by domain."""
    arns: dict[KeyDomain, pulumi.Output[str]]
    """Their ARNs by domain."""

    def __init__(self, name: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:keys:Keys", name, None, opts)
        self.keys = {}
        for domain in args.domains:
            policy = pulumi.Output.from_input(args.account_id).apply(_policy_renderer(domain, args))
            key = aws.kms.Key(
                f"{name}-{domain}",
                aws.kms.KeyArgs(
                    description=f"{args.alias_prefix} {domain} encryption key",
                    enable_key_rotation=True,
                    rotation_period_in_days=365,
                    deletion_window_in_days=args.deletion_window_days,
                    policy=policy,
                ),
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            aws.kms.Alias(
                f"{name}-{domain}-alias",
                aws.kms.AliasArgs(name=f"alias/{args.alias_prefix}-{domain}", target_key_id=key.key_id),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.keys[domain] = key
        self.arns = {domain: key.arn for domain, key in self.keys.items()}
        self.register_outputs({f"{domain}KeyArn": arn for domain, arn in self.arns.items()})

    def arn(self, domain: KeyDomain) -> pulumi.Output[str]:
        """ARN of the key for ``domain``; KeyError if the workload needs no such key."""
        return self.arns[domain]


@dataclass(frozen=True)
class SecretsArgs:
    """Inputs of the application-secrets component."""

    kms_key_arn: pulumi.Input[str]
    """The secrets key."""
    path: str
    """Secret names are <path>/<secret>."""
    secrets: Sequence[Secret] = ()
    """The blueprint's application secrets."""
    recovery_window_days: int = 30
    """Days a deleted secret stays restorable."""
    protect: bool = False
    """Pulumi protect on the secrets."""
    replica_region: str | None = None
    """Region each secret is replicated to; none without DR."""
    replica_kms_key_arn: pulumi.Input[str] | None = None
    """The secrets key of the replica region."""
    readers_at_start: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """The services that read each secret once at start (``start_time_readers``); a generated secret with any
    is rotated by its service owner, not by the rotation function."""
    placement: Placement | None = None
    """Region, provider and account of the rotation function; None: no function (nothing rotates)."""
    logs_key_arn: pulumi.Input[str] | None = None
    """The logs key of the rotation function's log group."""
    log_retention_days: int = 30
    """Retention of the rotation function's log group."""


class Secrets(pulumi.ComponentResource):
    """The workload's application secrets, encrypted with the secrets key and replicated to the DR region.

    A ``generated`` secret gets a random value made at deploy time (kept only as a Pulumi secret); an
    ``operator`` secret is created empty for an operator to fill. No value ever appears in code or config.
    A secret kept in Parameter Store is a SecureString under /<path>/<name>, encrypted with the same key; an
    operator's parameter starts with a placeholder that later deploys leave alone.
    """

    arns: dict[str, pulumi.Output[str]]
    """Secret (or SecureString parameter) ARNs by name."""

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:keys:Secrets", name, None, opts)
        replicas = (
            [aws.secretsmanager.SecretReplicaArgs(region=args.replica_region, kms_key_id=args.replica_kms_key_arn)]
            if args.replica_region
            else None
        )
        self.arns = {}
        rotated: dict[str, pulumi.Output[str]] = {}
        for spec in args.secrets:
            if spec.store == "parameterstore":
                self.arns[spec.name] = self._parameter(name, spec, args)
                continue
            mode, rotated_by = secret_rotation(spec, args.readers_at_start.get(spec.name, ()))
            if mode == "automatic" and (args.placement is None or args.logs_key_arn is None):
                mode, rotated_by = "manual", "operator"
            secret, _ = store_secret(
                f"{name}-{spec.name}",
                f"{args.path}/{spec.name}",
                spec.description or spec.name,
                args.kms_key_arn,
                recovery_window_days=args.recovery_window_days,
                parent=self,
                protect=args.protect,
                generate=GENERATED_LENGTH if spec.source == "generated" else None,
                replicas=replicas,
                tags=rotation_tags(mode, rotated_by),
            )
            self.arns[spec.name] = secret.arn
            if mode == "automatic":
                rotated[spec.name] = secret.arn
        if rotated and args.placement is not None and args.logs_key_arn is not None:
            SecretRotator(
                f"{name}-rotation",
                SecretRotatorArgs(
                    placement=args.placement,
                    secrets=rotated,
                    secrets_key_arn=args.kms_key_arn,
                    logs_key_arn=args.logs_key_arn,
                    log_retention_days=args.log_retention_days,
                    length=GENERATED_LENGTH,
                    protect_logs=args.protect,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"secretArns": self.arns})

    def _parameter(self, name: str, spec: Secret, args: SecretsArgs) -> pulumi.Output[str]:
        generated = (
            random.RandomPassword(
                f"{name}-{spec.name}-value",
                random.RandomPasswordArgs(length=GENERATED_LENGTH, special=False),
                opts=pulumi.ResourceOptions(parent=self),
            ).result
            if spec.source == "generated"
            else None
        )
        parameter = aws.ssm.Parameter(
            f"{name}-{spec.name}",
            aws.ssm.ParameterArgs(
                name=f"/{args.path}/{spec.name}",
                type="SecureString",
                key_id=args.kms_key_arn,
                description=spec.description or spec.name,
                value=generated if generated is not None else OPERATOR_PLACEHOLDER,
            ),
            # The operator sets the real value after the first deploy; later deploys must not reset it.
            opts=pulumi.ResourceOptions(
                parent=self, protect=args.protect, ignore_changes=["value"] if generated is None else None
            ),
        )
        return parameter.arn
