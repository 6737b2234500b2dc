"""Audit layer: CloudTrail, AWS Config with managed rules that mirror the policy packs, GuardDuty and Security
Hub with the FSBP standard. Each account-level service can be switched off per stack, since one account may
host several stacks."""

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.providers import Placement
from components.shared.iam import attach_managed, inline_policy, role_with_policy, service_role
from components.shared.logs import encrypted_log_group

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
AUDIT_LOG_RETENTION_DAYS = 365
FSBP_STANDARD = "arn:{partition}:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0"


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


@dataclass(frozen=True)
class AuditArgs:
    """Inputs of the audit layer."""

    placement: Placement
    """Primary region's provider, region and account."""
    audit_bucket_name: pulumi.Input[str]
    """Bucket CloudTrail and Config deliver to."""
    audit_bucket_arn: pulumi.Input[str]
    """Its ARN, for Config's delivery policy."""
    logs_key_arn: pulumi.Input[str]
    """KMS key of the trail and its log group."""
    data_key_arn: pulumi.Input[str]
    """KMS key of the audit bucket, which Config writes with."""
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


def config_delivery_policy(bucket_arn: str, account_id: str, key_arn: str) -> dict[str, Any]:
    """AWS Config may write its snapshots and history to the audit bucket, encrypted with the data key."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/AWSLogs/{account_id}/Config/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
            {"Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": bucket_arn},
            {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key_arn},
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
            aws.guardduty.Detector(
                f"{name}-guardduty",
                aws.guardduty.DetectorArgs(enable=True, finding_publishing_frequency="FIFTEEN_MINUTES"),
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
        role = service_role(f"{name}-config-role", "config.amazonaws.com", placement, "AWS Config recorder", self)
        # AWS_ConfigRole grants the read-only Describe/List calls Config needs on every resource type it records;
        # those cannot be listed resource by resource.
        attach_managed(f"{name}-config-managed-policy", role, placement.partition, "service-role/AWS_ConfigRole", self)
        inline_policy(
            f"{name}-config-delivery",
            role,
            pulumi.Output.all(args.audit_bucket_arn, placement.account_id, args.data_key_arn).apply(
                lambda values: json.dumps(config_delivery_policy(*values))
            ),
            self,
        )
        recorder = aws.cfg.Recorder(
            f"{name}-config-recorder",
            aws.cfg.RecorderArgs(
                role_arn=role.arn,
                recording_group=aws.cfg.RecorderRecordingGroupArgs(
                    all_supported=True, include_global_resource_types=True
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
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
