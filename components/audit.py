"""Audit layer: CloudTrail, AWS Config with managed rules that mirror the policy packs, GuardDuty and Security
Hub with the FSBP standard. Each account-level service can be switched off per stack, since one account may
host several stacks."""

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.providers import Placement
from components.shared.iam import role_with_policy
from components.shared.logs import encrypted_log_group
from components.shared.rotation import AUTOMATIC_ROTATION_DAYS, MANUAL_ROTATION_DAYS, ROTATION_TAG

# AWS Config managed rules mirroring the packs' policies.
CONFIG_RULES = {
    "encrypted-volumes": "ENCRYPTED_VOLUMES",
    "rds-storage-encrypted": "RDS_STORAGE_ENCRYPTED",
    "rds-multi-az": "RDS_MULTI_AZ_SUPPORT",
    "rds-not-public": "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
    "rds-deletion-protection": "RDS_INSTANCE_DELETION_PROTECTION_ENABLED",
    "rds-backups": "DB_INSTANCE_BACKUP_ENABLED",
    "s3-tls-only": "S3_BUCKET_SSL_REQUESTS_ONLY",
    "s3-sse-kms": "S3_DEFAULT_ENCRYPTION_KMS",
    "s3-versioning": "S3_BUCKET_VERSIONING_ENABLED",
    "s3-public-access-blocked": "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
    "iam-no-admin": "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
    "iam-no-user-policies": "IAM_USER_NO_POLICIES_CHECK",
    "sg-no-open-admin-ports": "RESTRICTED_INCOMING_TRAFFIC",
    "default-sg-closed": "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
    "log-groups-encrypted": "CLOUDWATCH_LOG_GROUP_ENCRYPTED",
    "kms-rotation": "CMK_BACKING_KEY_ROTATION_ENABLED",
    "elasticache-encrypted": "ELASTICACHE_REPL_GRP_ENCRYPTED_AT_REST",
    "ec2-imdsv2": "EC2_IMDSV2_CHECK",
    "eks-secrets-encrypted": "EKS_SECRETS_ENCRYPTED",
    "cloudtrail-enabled": "CLOUD_TRAIL_ENABLED",
}
# Rotation (SecretsManager.1 and .4), read from the tags every secret carries (components.shared.rotation): the
# function-rotated ones must keep a schedule of at most 30 days; nobody's secret may stay unchanged past 90.
ROTATION_RULES: dict[str, tuple[str, dict[str, str], tuple[str, str] | None]] = {
    "secrets-rotation-scheduled": (
        "SECRETSMANAGER_ROTATION_ENABLED_CHECK",
        {"maximumAllowedRotationFrequency": str(AUTOMATIC_ROTATION_DAYS)},
        (ROTATION_TAG, "automatic"),
    ),
    "secrets-rotated-within-90-days": (
        "SECRETSMANAGER_SECRET_PERIODIC_ROTATION",
        {"maxDaysSinceRotation": str(MANUAL_ROTATION_DAYS)},
        None,
    ),
}
CONFIG_SERVICE_LINKED_ROLE = "aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
AUDIT_LOG_RETENTION_DAYS = 365
FSBP_STANDARD = "arn:{partition}:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0"


# GuardDuty's protection plans (FSBP GuardDuty.5-13), with the agents GuardDuty manages itself for runtime
# monitoring of EKS, ECS on Fargate and EC2, so that no workload has to carry the agent.
GUARDDUTY_PROTECTION_PLANS: dict[str, tuple[str, ...]] = {
    "S3_DATA_EVENTS": (),
    "EKS_AUDIT_LOGS": (),
    "EBS_MALWARE_PROTECTION": (),
    "RDS_LOGIN_EVENTS": (),
    "LAMBDA_NETWORK_LOGS": (),
    "RUNTIME_MONITORING": ("EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT"),
}


@dataclass(frozen=True)
class AuditSwitches:
    """Which account-level services this stack declares."""

    cloudtrail: bool = True
    """A multi-region CloudTrail trail."""
    config: bool = True
    """The AWS Config recorder, delivery channel and rules."""
    guardduty: bool = True
    """A GuardDuty detector."""
    securityhub: bool = True
    """Security Hub with the FSBP standard."""
    config_service_linked_role: bool = True
    """Declare AWSServiceRoleForConfig, the role the recorder uses (Config.1). IAM holds one per account, so
    only one stack of an account declares it; the others set this off and use the existing role by its ARN."""


@dataclass(frozen=True)
class AuditArgs:
    """Inputs of the audit layer."""

    placement: Placement
    """Primary region's provider, region and account."""
    audit_bucket_name: pulumi.Input[str]
    """Bucket CloudTrail and Config deliver to."""
    logs_key_arn: pulumi.Input[str]
    """KMS key of the trail and its log group."""
    data_key_arn: pulumi.Input[str]
    """KMS key of the audit bucket, which Config writes with (the key policy admits Config for this account)."""
    switches: AuditSwitches = AuditSwitches()
    """Which account-level services this stack declares."""
    protect: bool = False
    """Pulumi protect on the trail and its log group."""
    log_retention_days: int = AUDIT_LOG_RETENTION_DAYS
    """Retention of the trail's log group (the environment's audit retention; a year in prod)."""


def cloudtrail_bucket_statements(partition: str) -> list[dict[str, Any]]:
    """Bucket-policy statements that let this account's trails, and only them, deliver to the audit bucket.
    ``{bucket}`` and ``{account}`` stand for the bucket's ARN and the account id."""
    source = {
        "StringEquals": {"aws:SourceAccount": "{account}"},
        "ArnLike": {"aws:SourceArn": f"arn:{partition}:cloudtrail:*:{{account}}:trail/*"},
    }
    return [
        {
            "Sid": "CloudTrailReadsAcl",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": "{bucket}",
            "Condition": source,
        },
        {
            "Sid": "CloudTrailWrites",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "{bucket}/AWSLogs/{account}/*",
            "Condition": {
                **source,
                "StringEquals": {**source["StringEquals"], "s3:x-amz-acl": "bucket-owner-full-control"},
            },
        },
    ]


def config_bucket_statements(partition: str) -> list[dict[str, Any]]:
    """Bucket-policy statements that let AWS Config, recording for this account, deliver to the audit bucket:
    with the service-linked role Config writes as its service principal. ``{bucket}`` and ``{account}`` stand
    for the bucket's ARN and the account id."""
    source = {"StringEquals": {"aws:SourceAccount": "{account}"}}
    return [
        {
            "Sid": "ConfigReadsAclAndLists",
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
            "Resource": "{bucket}",
            "Condition": source,
        },
        {
            "Sid": "ConfigWrites",
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "{bucket}/AWSLogs/{account}/Config/*",
            "Condition": {"StringEquals": {**source["StringEquals"], "s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    ]


def config_role_arn(partition: str, account_id: str) -> str:
    """The ARN of the account's AWS Config service-linked role (IAM names it; it is the same in every account)."""
    return f"arn:{partition}:iam::{account_id}:role/{CONFIG_SERVICE_LINKED_ROLE}"


def delivery_policy(log_group_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:log-stream:*",
            }
        ],
    }


class Audit(pulumi.ComponentResource):
    """Account-level detective controls for the stack's region."""

    def __init__(self, name: str, args: AuditArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:audit:Audit", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        placement = args.placement
        if args.switches.cloudtrail:
            group = encrypted_log_group(
                f"{name}-trail-logs",
                None,
                args.logs_key_arn,
                args.log_retention_days,
                parent=self,
                protect=args.protect,
            )
            role, _ = role_with_policy(
                f"{name}-trail-role",
                f"{name}-trail-delivery",
                "cloudtrail.amazonaws.com",
                placement,
                "CloudTrail delivery to CloudWatch Logs",
                document=group.arn.apply(lambda arn: json.dumps(delivery_policy(arn))),
                parent=self,
            )
            aws.cloudtrail.Trail(
                f"{name}-trail",
                aws.cloudtrail.TrailArgs(
                    s3_bucket_name=args.audit_bucket_name,
                    is_multi_region_trail=True,
                    include_global_service_events=True,
                    enable_log_file_validation=True,
                    kms_key_id=args.logs_key_arn,
                    cloud_watch_logs_group_arn=group.arn.apply(lambda arn: f"{arn}:*"),
                    cloud_watch_logs_role_arn=role.arn,
                ),
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
        if args.switches.config:
            self._config(name, args)
        if args.switches.guardduty:
            detector = aws.guardduty.Detector(
                f"{name}-guardduty",
                aws.guardduty.DetectorArgs(enable=True, finding_publishing_frequency="FIFTEEN_MINUTES"),
                opts=child,
            )
            for feature, agents in GUARDDUTY_PROTECTION_PLANS.items():
                aws.guardduty.DetectorFeature(
                    f"{name}-guardduty-{feature.lower().replace('_', '-')}",
                    aws.guardduty.DetectorFeatureArgs(
                        detector_id=detector.id,
                        name=feature,
                        status="ENABLED",
                        additional_configurations=[
                            aws.guardduty.DetectorFeatureAdditionalConfigurationArgs(name=agent, status="ENABLED")
                            for agent in agents
                        ]
                        or None,
                    ),
                    opts=child,
                )
        if args.switches.securityhub:
            hub = aws.securityhub.Account(
                f"{name}-securityhub", aws.securityhub.AccountArgs(enable_default_standards=False), opts=child
            )
            aws.securityhub.StandardsSubscription(
                f"{name}-fsbp",
                aws.securityhub.StandardsSubscriptionArgs(
                    standards_arn=FSBP_STANDARD.format(partition=placement.partition, region=placement.region)
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[hub]),
            )
        self.register_outputs({})

    def _config(self, name: str, args: AuditArgs) -> None:
        placement = args.placement
        # The service-linked role (Config.1): AWS keeps its permissions current for every resource type Config
        # records, and Config delivers to the audit bucket as its service principal (the bucket policy and the
        # data key admit it for this account).
        depends: list[pulumi.Resource] = []
        if args.switches.config_service_linked_role:
            depends.append(
                aws.iam.ServiceLinkedRole(
                    f"{name}-config-service-role",
                    aws.iam.ServiceLinkedRoleArgs(aws_service_name="config.amazonaws.com"),
                    opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
                )
            )
        role_arn = pulumi.Output.from_input(placement.account_id).apply(
            lambda account: config_role_arn(placement.partition, account)
        )
        recorder = aws.cfg.Recorder(
            f"{name}-config-recorder",
            aws.cfg.RecorderArgs(
                role_arn=role_arn,
                recording_group=aws.cfg.RecorderRecordingGroupArgs(
                    all_supported=True, include_global_resource_types=True
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
        channel = aws.cfg.DeliveryChannel(
            f"{name}-config-delivery-channel",
            aws.cfg.DeliveryChannelArgs(s3_bucket_name=args.audit_bucket_name, s3_kms_key_arn=args.data_key_arn),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[recorder]),
        )
        aws.cfg.RecorderStatus(
            f"{name}-config-recorder-status",
            aws.cfg.RecorderStatusArgs(name=recorder.name, is_enabled=True),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[channel]),
        )
        for rule_name, identifier in CONFIG_RULES.items():
            aws.cfg.Rule(
                f"{name}-rule-{rule_name}",
                aws.cfg.RuleArgs(source=aws.cfg.RuleSourceArgs(owner="AWS", source_identifier=identifier)),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[recorder]),
            )
        for rule_name, (identifier, parameters, tag) in ROTATION_RULES.items():
            aws.cfg.Rule(
                f"{name}-rule-{rule_name}",
                aws.cfg.RuleArgs(
                    source=aws.cfg.RuleSourceArgs(owner="AWS", source_identifier=identifier),
                    input_parameters=json.dumps(parameters),
                    scope=aws.cfg.RuleScopeArgs(tag_key=tag[0], tag_value=tag[1]) if tag else None,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[recorder]),
            )
