"""One S3 bucket, configured the same way wherever the platform needs one (the data layer's buckets, the edge
layer's load-balancer logs). Its type token stays ``finplatform:data:Bucket``: every bucket of a deployed stack
was registered under it."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


def tls_only_statement(bucket_arn: str) -> dict[str, Any]:
    """Deny every request to the bucket that does not use TLS."""
    return {
        "Sid": "DenyWithoutTls",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


# Lifecycle per purpose: (transition after days, storage class) pairs, noncurrent-version expiry, expiry.
LIFECYCLE: dict[str, tuple[list[tuple[int, str]], int, int | None]] = {
    "data": ([(0, "INTELLIGENT_TIERING")], 90, None),
    "audit": ([(90, "GLACIER_IR"), (365, "DEEP_ARCHIVE")], 3650, None),
    "assets": ([], 30, None),
    "backups": ([(30, "STANDARD_IA"), (90, "GLACIER_IR")], 30, None),
    "artifacts": ([(30, "STANDARD_IA")], 30, None),
    "logs": ([(30, "STANDARD_IA")], 30, 365),
    "lb-logs": ([(30, "STANDARD_IA")], 30, 365),
}
CRITICAL_PURPOSES = ("data", "audit")


def lifecycle_rules(purpose: str, lock_days: int | None) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """Transitions, noncurrent-version expiry (never before an object lock ends) and multipart clean-up."""
    transitions, noncurrent_days, expiry_days = LIFECYCLE[purpose]
    if lock_days:
        noncurrent_days = max(noncurrent_days, lock_days + 1)
    return [
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id=f"{purpose}-lifecycle",
            status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
            transitions=[
                aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(days=d, storage_class=c) for d, c in transitions
            ]
            or None,
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=noncurrent_days
            ),
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=expiry_days) if expiry_days else None,
            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=7
            ),
        )
    ]


@dataclass(frozen=True)
class BucketArgs:
    """Inputs of one bucket; every bucket of the platform comes from this component."""

    purpose: str
    """Which lifecycle applies: data, audit, assets, backups, artifacts, logs or lb-logs."""
    account_id: pulumi.Input[str]
    """This account, for the policy's ``{account}`` placeholders."""
    kms_key_arn: pulumi.Input[str] = ""
    """Key for SSE-KMS; unused when ``kms_encrypted`` is off."""
    protect: bool = False
    """Pulumi protect on the bucket."""
    log_bucket: pulumi.Input[str] | None = None
    """Where server access logs go; none for the log bucket itself."""
    lock_days: int | None = None
    """Object Lock compliance-mode retention; none: no lock."""
    extra_statements: Sequence[Mapping[str, Any]] = ()
    """Policy statements beyond TLS-only, with ``{bucket}``, ``{account}`` and ``{elb}`` placeholders."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags beyond ``purpose``."""
    kms_encrypted: bool = True
    """False only for load-balancer access logs: ELB writes only to buckets with S3-managed encryption
    (SSE-S3), which S3 applies by default; the encryption pack exempts buckets tagged purpose=lb-logs."""
    elb_account_arn: pulumi.Input[str] = ""
    """The region's ELB log-delivery account, for the ``{elb}`` placeholder."""
    name_prefix: str | None = None
    """Prefix of the bucket's name and of its access-log folder; default: the component's name. Set only so a
    bucket that moved keeps both (a new name prefix would replace the bucket)."""


class Bucket(pulumi.ComponentResource):
    """An S3 bucket: SSE-KMS with a bucket key, public access blocked and ACLs disabled, TLS-only policy,
    versioning, lifecycle, access logging, and Object Lock in compliance mode where asked."""

    name: pulumi.Output[str]
    """The bucket's name."""
    arn: pulumi.Output[str]
    """The bucket's ARN."""
    bucket: aws.s3.Bucket
    """The bucket resource."""
    versioning: aws.s3.BucketVersioning
    """Its versioning configuration (replication and lifecycle depend on it)."""

    def __init__(self, name: str, args: BucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:data:Bucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(
            name,
            aws.s3.BucketArgs(
                bucket_prefix=f"{args.name_prefix or name}-",
                object_lock_enabled=True if args.lock_days else None,
                tags={"purpose": args.purpose, **args.tags},
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        bucket_id = self.bucket.id
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            aws.s3.BucketOwnershipControlsArgs(
                bucket=bucket_id,
                rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            ),
            opts=child,
        )
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            aws.s3.BucketPublicAccessBlockArgs(
                bucket=bucket_id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            ),
            opts=child,
        )
        if args.kms_encrypted:
            aws.s3.BucketServerSideEncryptionConfiguration(
                f"{name}-encryption",
                aws.s3.BucketServerSideEncryptionConfigurationInitArgs(
                    bucket=bucket_id,
                    rules=[
                        aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                            apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                                sse_algorithm="aws:kms",
                                kms_master_key_id=args.kms_key_arn,
                            ),
                            bucket_key_enabled=True,
                        )
                    ],
                ),
                opts=child,
            )
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            aws.s3.BucketVersioningInitArgs(
                bucket=bucket_id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            ),
            opts=child,
        )
        extra = [dict(s) for s in args.extra_statements]
        aws.s3.BucketPolicy(
            f"{name}-policy",
            aws.s3.BucketPolicyArgs(
                bucket=bucket_id,
                policy=pulumi.Output.all(self.bucket.arn, args.account_id, args.elb_account_arn).apply(
                    lambda values: json.dumps(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                tls_only_statement(values[0]),
                                *_resolve(extra, values[0], values[1], values[2]),
                            ],
                        }
                    )
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            aws.s3.BucketLifecycleConfigurationArgs(
                bucket=bucket_id, rules=lifecycle_rules(args.purpose, args.lock_days)
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]),
        )
        if args.log_bucket is not None:
            aws.s3.BucketLogging(
                f"{name}-logging",
                aws.s3.BucketLoggingInitArgs(
                    bucket=bucket_id, target_bucket=args.log_bucket, target_prefix=f"{args.name_prefix or name}/"
                ),
                opts=child,
            )
        if args.lock_days:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock",
                aws.s3.BucketObjectLockConfigurationInitArgs(
                    bucket=bucket_id,
                    rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                        default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                            mode="COMPLIANCE",
                            days=args.lock_days,
                        )
                    ),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]),
            )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.register_outputs({"name": self.name, "arn": self.arn})


def _resolve(statements: list[dict[str, Any]], bucket_arn: str, account_id: str, elb: str) -> list[dict[str, Any]]:
    """Statements written with ``{bucket}``, ``{account}`` and ``{elb}`` placeholders, filled in."""
    text = json.dumps(statements).replace("{bucket}", bucket_arn).replace("{account}", account_id)
    text = text.replace("{elb}", elb)
    return json.loads(text)  # type: ignore[no-any-return]
