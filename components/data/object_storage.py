"""Every bucket of a stack: the blueprint's, a default audit bucket, an access-log bucket, and DR replicas of
the critical ones."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.data.stores import DrReplica
from components.providers import Placement
from components.shared.bucket import CRITICAL_PURPOSES, Bucket, BucketArgs
from components.shared.iam import role_with_policy

DEFAULT_AUDIT_BUCKET = "audit-trail"


def replication_policy(source_arn: str, destination_arn: str, source_key: str, destination_key: str) -> dict[str, Any]:
    """What S3 replication needs: read the source's versions, write replicas, use the two buckets' keys."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadSourceConfiguration",
                "Effect": "Allow",
                "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                "Resource": source_arn,
            },
            {
                "Sid": "ReadSourceVersions",
                "Effect": "Allow",
                "Action": [
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                    "s3:GetObjectRetention",
                    "s3:GetObjectLegalHold",
                ],
                "Resource": f"{source_arn}/*",
            },
            {
                "Sid": "WriteReplicas",
                "Effect": "Allow",
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                "Resource": f"{destination_arn}/*",
            },
            {"Sid": "DecryptSource", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": source_key},
            {
                "Sid": "EncryptReplica",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                "Resource": destination_key,
            },
        ],
    }


@dataclass(frozen=True)
class ObjectStorageArgs:
    """Inputs of the object-storage component."""

    placement: Placement
    """Primary region's provider, region and account."""
    data_key_arn: pulumi.Input[str]
    """KMS key of every bucket."""
    buckets: Sequence[tuple[str, str]] = ()
    """(name, purpose) of the blueprint's buckets; an audit bucket is added when none has that purpose."""
    protect: bool = False
    """Pulumi protect on every bucket."""
    audit_lock_days: int | None = None
    """Object Lock retention of the audit bucket (prod); none: no lock."""
    bucket_statements: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    """Extra policy statements per bucket name, from the layers that deliver to or read from it."""
    log_writers: Sequence[str] = ()
    """Service principals that deliver logs to the access-log bucket."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags of the critical (data, audit) buckets, such as the backup-plan selection tag."""
    dr: DrReplica | None = None
    """Where the critical buckets replicate to; none without DR."""
    replicated_assets: str | None = None
    """An assets bucket to replicate too, for the CDN's origin failover to its DR copy (a DR tier with a domain);
    its ``bucket_statements`` apply to the copy as well."""
    replication_time_control: bool = False
    """S3 Replication Time Control on the replication: 99.99% of objects within 15 minutes (an SLA), and its
    metrics; without it S3 publishes no bound (pilot light and up turn it on)."""


BUCKET_NAME_TAG = "bucket-name"
RTC_MINUTES = 15  # the only value S3 Replication Time Control accepts


def replication_timing(
    enabled: bool,
) -> tuple[
    aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs | None,
    aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs | None,
]:
    """RTC and its metrics (S3 requires both together), or neither."""
    if not enabled:
        return None, None
    return (
        aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
            status="Enabled",
            time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(minutes=RTC_MINUTES),
        ),
        aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs(
            status="Enabled",
            event_threshold=aws.s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(minutes=RTC_MINUTES),
        ),
    )


def bucket_set(blueprint_buckets: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The blueprint's buckets, plus an audit bucket if it has none (CloudTrail and Config deliver there)."""
    buckets = list(blueprint_buckets)
    if not any(purpose == "audit" for _, purpose in buckets):
        buckets.append((DEFAULT_AUDIT_BUCKET, "audit"))
    return buckets


def audit_bucket_name(blueprint_buckets: Sequence[tuple[str, str]]) -> str:
    """The name of the bucket CloudTrail and Config deliver to."""
    return next(name for name, purpose in bucket_set(blueprint_buckets) if purpose == "audit")


def access_log_statements(log_writers: Sequence[str]) -> list[dict[str, Any]]:
    """S3 server access logging, and each named service, may write this account's logs to the log bucket."""
    return [
        {
            "Sid": "S3ServerAccessLogs",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "{bucket}/*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "{account}"}},
        },
        *[
            {
                "Sid": f"LogDelivery{position}",
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "s3:PutObject",
                "Resource": "{bucket}/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": "{account}"}},
            }
            for position, service in enumerate(log_writers)
        ],
    ]


class ObjectStorage(pulumi.ComponentResource):
    """Every bucket of the stack, from the one Bucket component, with access logs to a log bucket and, where a
    DR region is configured, the critical buckets (data, audit) replicated to it."""

    by_name: dict[str, Bucket]
    """Every blueprint bucket (and the default audit bucket) by name."""
    audit: Bucket
    """The audit bucket: CloudTrail and Config deliver there."""
    logs: Bucket
    """The server-access-log bucket every other bucket logs to."""
    replicas: dict[str, Bucket]
    """The DR region's replica of each replicated bucket, by name."""
    dr_logs: Bucket | None
    """The DR region's server-access-log bucket the replicas log to (S3 logs only to a bucket in the source's
    region); none without replicas."""

    def __init__(self, name: str, args: ObjectStorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:data:ObjectStorage", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        logs = Bucket(
            f"{name}-access-logs",
            BucketArgs(
                purpose="logs",
                kms_key_arn=args.data_key_arn,
                protect=args.protect,
                account_id=args.placement.account_id,
                extra_statements=access_log_statements(args.log_writers),
            ),
            opts=child,
        )
        self.logs = logs
        self.by_name = {}
        self.replicas = {}
        self.dr_logs = None
        for bucket_name, purpose in bucket_set(args.buckets):
            locked = args.audit_lock_days if purpose == "audit" else None
            self.by_name[bucket_name] = Bucket(
                f"{name}-{bucket_name}",
                BucketArgs(
                    purpose=purpose,
                    kms_key_arn=args.data_key_arn,
                    protect=args.protect,
                    account_id=args.placement.account_id,
                    log_bucket=logs.name,
                    lock_days=locked,
                    extra_statements=args.bucket_statements.get(bucket_name, ()),
                    # The blueprint's name for the bucket lets the DR assessment name it as the blueprint does.
                    tags={BUCKET_NAME_TAG: bucket_name, **(args.tags if purpose in CRITICAL_PURPOSES else {})},
                ),
                opts=child,
            )
            if purpose == "audit":
                self.audit = self.by_name[bucket_name]
            if args.dr is not None and (purpose in CRITICAL_PURPOSES or bucket_name == args.replicated_assets):
                self.replicas[bucket_name] = self._replicate(
                    f"{name}-{bucket_name}", self.by_name[bucket_name], purpose, locked, args
                )
        self.register_outputs({f"{n}Bucket": b.name for n, b in self.by_name.items()})

    def _dr_log_bucket(self, args: ObjectStorageArgs, dr: DrReplica) -> Bucket:
        """The DR region's access-log bucket, declared with the first replica: replicas log too (S3.9), and
        S3 delivers server access logs only to a bucket in the logged bucket's region."""
        if self.dr_logs is None:
            self.dr_logs = Bucket(
                f"{self._name}-dr-access-logs",
                BucketArgs(
                    purpose="logs",
                    kms_key_arn=dr.data_key_arn,
                    protect=args.protect,
                    account_id=args.placement.account_id,
                    extra_statements=access_log_statements(()),
                ),
                opts=pulumi.ResourceOptions(parent=self, provider=dr.placement.provider),
            )
        return self.dr_logs

    def _replicate(
        self, name: str, source: Bucket, purpose: str, locked: int | None, args: ObjectStorageArgs
    ) -> Bucket:
        source_name = name.removeprefix(f"{self._name}-")
        dr = args.dr
        assert dr is not None
        replica = Bucket(
            f"{name}-dr",
            BucketArgs(
                purpose=purpose,
                kms_key_arn=dr.data_key_arn,
                protect=args.protect,
                account_id=args.placement.account_id,
                lock_days=locked,
                log_bucket=self._dr_log_bucket(args, dr).name,
                extra_statements=args.bucket_statements.get(source_name, ()) if purpose == "assets" else (),
            ),
            opts=pulumi.ResourceOptions(parent=self, provider=dr.placement.provider),
        )
        role, _ = role_with_policy(
            f"{name}-replication",
            f"{name}-replication-policy",
            "s3.amazonaws.com",
            args.placement,
            "S3 replication to DR",
            document=pulumi.Output.all(source.arn, replica.arn, args.data_key_arn, dr.data_key_arn).apply(
                lambda values: json.dumps(replication_policy(*values))
            ),
            parent=self,
        )
        timing, metrics = replication_timing(args.replication_time_control)
        aws.s3.BucketReplicationConfig(
            f"{name}-replication",
            aws.s3.BucketReplicationConfigArgs(
                bucket=source.bucket.id,
                role=role.arn,
                rules=[
                    aws.s3.BucketReplicationConfigRuleArgs(
                        id="to-dr-region",
                        status="Enabled",
                        filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
                        delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                            status="Enabled"
                        ),
                        source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                            sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                                status="Enabled"
                            ),
                        ),
                        destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                            bucket=replica.arn,
                            storage_class="STANDARD",
                            encryption_configuration=aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                                replica_kms_key_id=dr.data_key_arn
                            ),
                            replication_time=timing,
                            metrics=metrics,
                        ),
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[source.versioning, replica.versioning]),
        )
        return replica
