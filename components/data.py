"""Data layer: PostgreSQL on RDS, Redis on ElastiCache, and S3 buckets by purpose.

Every store sits in the isolated tier behind a security group that admits only the application tier, is
encrypted with the data key, and hands the compute layer one connection-info output: endpoint, port and the
ARN of the secret that holds its credentials.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.keys_and_secrets import store_secret
from components.providers import Placement
from finplatform.blueprints import Postgres as PostgresSpec
from finplatform.blueprints import PostgresSize, RedisSize, TimeSeriesSize
from finplatform.blueprints import TimeSeries as TimeSeriesSpec
from finplatform.profiles import Profile

POSTGRES_PORT = 5432
REDIS_PORT = 6379
RDS_CA = "rds-ca-rsa2048-g1"
ENHANCED_MONITORING_POLICY = "arn:{partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
# Performance Insights is not offered on the smallest burstable classes.
NO_PERFORMANCE_INSIGHTS = (".micro", ".small")


@dataclass(frozen=True)
class ConnectionInfo:
    """What the compute layer needs to reach a store."""

    endpoint: pulumi.Output[str]
    port: int
    secret_arn: pulumi.Output[str]


@dataclass(frozen=True)
class StoreNetwork:
    """Where a store lives: its VPC, subnet group and the application tier's security group."""

    vpc_id: pulumi.Input[str]
    subnet_group_name: pulumi.Input[str]
    app_security_group_id: pulumi.Input[str]


def store_group_args(port: int, network: StoreNetwork) -> aws.ec2.SecurityGroupArgs:
    """A security group that admits the application tier on one port and allows no egress at all."""
    return aws.ec2.SecurityGroupArgs(
        vpc_id=network.vpc_id,
        description=f"Admits only the application tier on {port}.",
        ingress=[
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp",
                from_port=port,
                to_port=port,
                security_groups=[network.app_security_group_id],
                description="application tier",
            )
        ],
        egress=[],
        tags={"tier": "data"},
    )


def admit_app_tier(name: str, port: int, network: StoreNetwork, parent: pulumi.Resource) -> aws.ec2.SecurityGroup:
    return aws.ec2.SecurityGroup(name, store_group_args(port, network), opts=pulumi.ResourceOptions(parent=parent))


def encrypted_log_group(
    name: str, log_name: str | None, key_arn: pulumi.Input[str], days: int, *, parent: pulumi.Resource, protect: bool
) -> aws.cloudwatch.LogGroup:
    """A log group encrypted with the logs key; declared before the service that writes to it."""
    return aws.cloudwatch.LogGroup(
        name,
        aws.cloudwatch.LogGroupArgs(name=log_name, retention_in_days=days, kms_key_id=key_arn),
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )


def postgres_parameters() -> list[aws.rds.ParameterGroupParameterArgs]:
    """TLS only, and enough logging to investigate slow or failed connections."""
    return [
        aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1"),
        aws.rds.ParameterGroupParameterArgs(name="log_connections", value="1"),
        aws.rds.ParameterGroupParameterArgs(name="log_min_duration_statement", value="1000"),
    ]


def service_trust(service: str, account_id: str) -> dict[str, Any]:
    """A trust policy for one AWS service, acting only for this account."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }


def service_role(
    name: str, service: str, placement: Placement, description: str, parent: pulumi.Resource
) -> aws.iam.Role:
    return aws.iam.Role(
        name,
        aws.iam.RoleArgs(
            description=description,
            assume_role_policy=pulumi.Output.from_input(placement.account_id).apply(
                lambda account: json.dumps(service_trust(service, account))
            ),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class DrReplica:
    """Where a cross-region replica goes."""

    placement: Placement
    network: StoreNetwork
    data_key_arn: pulumi.Input[str]


@dataclass(frozen=True)
class PostgresArgs:
    """Inputs of the PostgreSQL component."""

    spec: PostgresSpec
    size: PostgresSize
    profile: Profile
    identifier: str
    placement: Placement
    network: StoreNetwork
    data_key_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    parameter_path: str
    tags: Mapping[str, str] = field(default_factory=dict)
    dr: DrReplica | None = None


class Postgres(pulumi.ComponentResource):
    """PostgreSQL on RDS: Multi-AZ per profile, TLS forced, RDS-managed rotating master password, IAM
    authentication, Performance Insights, enhanced monitoring, log exports, read replicas and a DR replica."""

    connection: ConnectionInfo
    instance: aws.rds.Instance

    def __init__(self, name: str, args: PostgresArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:data:Postgres", name, None, opts)
        profile, size = args.profile, args.size
        stateful = pulumi.ResourceOptions(parent=self, protect=profile.protect_stateful_resources)
        major = args.spec.engine_version.split(".")[0]

        group = admit_app_tier(f"{name}-sg", POSTGRES_PORT, args.network, self)
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            aws.rds.ParameterGroupArgs(
                family=f"postgres{major}", description="TLS only", parameters=postgres_parameters()
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        logs = ["postgresql", "upgrade"]
        log_groups = [
            encrypted_log_group(
                f"{name}-{log}-logs",
                f"/aws/rds/instance/{args.identifier}/{log}",
                args.logs_key_arn,
                profile.log_retention_days,
                parent=self,
                protect=profile.protect_stateful_resources,
            )
            for log in logs
        ]
        monitoring = service_role(
            f"{name}-monitoring", "monitoring.rds.amazonaws.com", args.placement, "RDS enhanced monitoring", self
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-monitoring-policy",
            aws.iam.RolePolicyAttachmentArgs(
                role=monitoring.name,
                policy_arn=ENHANCED_MONITORING_POLICY.format(partition=args.placement.partition),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        insights = not size.instance_class.endswith(NO_PERFORMANCE_INSIGHTS)
        common: dict[str, Any] = {
            "instance_class": size.instance_class,
            "storage_encrypted": True,
            "kms_key_id": args.data_key_arn,
            "parameter_group_name": parameters.name,
            "vpc_security_group_ids": [group.id],
            "publicly_accessible": False,
            "performance_insights_enabled": insights,
            "performance_insights_kms_key_id": args.data_key_arn if insights else None,
            "performance_insights_retention_period": 7 if insights else None,
            "monitoring_interval": 15 if profile.detailed_monitoring else 60,
            "monitoring_role_arn": monitoring.arn,
            "iam_database_authentication_enabled": True,
            "ca_cert_identifier": RDS_CA,
            "auto_minor_version_upgrade": True,
            "copy_tags_to_snapshot": True,
            "deletion_protection": profile.deletion_protection,
            "tags": dict(args.tags),
        }
        self.instance = aws.rds.Instance(
            f"{name}-primary",
            aws.rds.InstanceArgs(
                identifier=args.identifier,
                engine="postgres",
                engine_version=args.spec.engine_version,
                db_name=args.spec.database_name,
                username="platform_admin",
                manage_master_user_password=True,
                master_user_secret_kms_key_id=args.secrets_key_arn,
                allocated_storage=size.allocated_storage_gb,
                max_allocated_storage=size.max_allocated_storage_gb,
                storage_type="gp3",
                multi_az=profile.multi_az,
                db_subnet_group_name=args.network.subnet_group_name,
                backup_retention_period=profile.backup_retention_days,
                backup_window="03:00-04:00",
                maintenance_window="sun:04:30-sun:05:30",
                enabled_cloudwatch_logs_exports=logs,
                skip_final_snapshot=not profile.final_snapshot,
                final_snapshot_identifier=f"{args.identifier}-final" if profile.final_snapshot else None,
                **common,
            ),
            opts=pulumi.ResourceOptions.merge(stateful, pulumi.ResourceOptions(depends_on=log_groups)),
        )
        for position in range(size.read_replicas):
            aws.rds.Instance(
                f"{name}-replica-{position + 1}",
                aws.rds.InstanceArgs(
                    identifier=f"{args.identifier}-replica-{position + 1}",
                    replicate_source_db=self.instance.identifier,
                    skip_final_snapshot=True,
                    **common,
                ),
                opts=stateful,
            )
        if args.dr is not None:
            self._dr_replica(name, args, common)

        secret_arn = self.instance.master_user_secrets.apply(lambda secrets: str(secrets[0].secret_arn))
        aws.ssm.Parameter(
            f"{name}-url",
            aws.ssm.ParameterArgs(
                name=f"{args.parameter_path}/url",
                type="SecureString",
                key_id=args.secrets_key_arn,
                description="Connection URL without credentials; the password is in the RDS-managed secret.",
                value=pulumi.Output.concat(
                    "postgresql://",
                    self.instance.address,
                    f":{POSTGRES_PORT}/{args.spec.database_name}",
                    "?sslmode=verify-full",
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.connection = ConnectionInfo(self.instance.address, POSTGRES_PORT, secret_arn)
        self.register_outputs({"endpoint": self.instance.address, "secretArn": secret_arn})

    def _dr_replica(self, name: str, args: PostgresArgs, common: dict[str, Any]) -> None:
        dr = args.dr
        assert dr is not None
        in_dr = pulumi.ResourceOptions(parent=self, provider=dr.placement.provider)
        group = aws.ec2.SecurityGroup(
            f"{name}-dr-sg",
            store_group_args(POSTGRES_PORT, dr.network),
            opts=in_dr,
        )
        major = args.spec.engine_version.split(".")[0]
        parameters = aws.rds.ParameterGroup(
            f"{name}-dr-params",
            aws.rds.ParameterGroupArgs(
                family=f"postgres{major}", description="TLS only", parameters=postgres_parameters()
            ),
            opts=in_dr,
        )
        dr_settings = {
            **common,
            "kms_key_id": dr.data_key_arn,
            "performance_insights_kms_key_id": dr.data_key_arn if common["performance_insights_enabled"] else None,
            "parameter_group_name": parameters.name,
            "vpc_security_group_ids": [group.id],
        }
        aws.rds.Instance(
            f"{name}-dr-replica",
            aws.rds.InstanceArgs(
                identifier=f"{args.identifier}-dr",
                replicate_source_db=self.instance.arn,
                db_subnet_group_name=dr.network.subnet_group_name,
                skip_final_snapshot=True,
                **dr_settings,
            ),
            opts=pulumi.ResourceOptions.merge(
                in_dr, pulumi.ResourceOptions(protect=args.profile.protect_stateful_resources)
            ),
        )


@dataclass(frozen=True)
class RedisArgs:
    """Inputs of the Redis component."""

    size: RedisSize
    engine_version: str
    profile: Profile
    placement: Placement
    network: StoreNetwork
    data_key_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    secret_path: str
    tags: Mapping[str, str] = field(default_factory=dict)


def redis_node_count(size: RedisSize) -> int:
    return size.shards * (1 + size.replicas_per_shard)


class Redis(pulumi.ComponentResource):
    """Redis on ElastiCache: encrypted at rest and in transit, AUTH token from Secrets Manager, automatic
    failover across AZs wherever there is more than one node, cluster mode when sharded, snapshots."""

    connection: ConnectionInfo

    def __init__(self, name: str, args: RedisArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:data:Redis", name, None, opts)
        profile, size = args.profile, args.size
        group = admit_app_tier(f"{name}-sg", REDIS_PORT, args.network, self)
        secret, token = store_secret(
            f"{name}-auth",
            f"{args.secret_path}/auth-token",
            "Redis AUTH token",
            args.secrets_key_arn,
            recovery_window_days=30 if profile.deletion_protection else 7,
            parent=self,
            protect=profile.protect_stateful_resources,
            generate=64,
        )
        assert token is not None
        slow_log = encrypted_log_group(
            f"{name}-slow-log",
            None,
            args.logs_key_arn,
            profile.log_retention_days,
            parent=self,
            protect=profile.protect_stateful_resources,
        )
        nodes = redis_node_count(size)
        clustered = size.shards > 1
        layout: dict[str, Any] = (
            {
                "num_node_groups": size.shards,
                "replicas_per_node_group": size.replicas_per_shard,
                "cluster_mode": "enabled",
                "parameter_group_name": "default.redis7.cluster.on",
            }
            if clustered
            else {"num_cache_clusters": nodes}
        )
        replicated = nodes > 1
        group_resource = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            aws.elasticache.ReplicationGroupArgs(
                description="Redis for sessions, cached results and task queues",
                engine="redis",
                engine_version=args.engine_version,
                node_type=size.node_type,
                port=REDIS_PORT,
                subnet_group_name=args.network.subnet_group_name,
                security_group_ids=[group.id],
                at_rest_encryption_enabled=True,
                kms_key_id=args.data_key_arn,
                transit_encryption_enabled=True,
                transit_encryption_mode="required",
                auth_token=token.result,
                automatic_failover_enabled=replicated,
                multi_az_enabled=replicated and profile.multi_az,
                snapshot_retention_limit=min(profile.backup_retention_days, 35),
                snapshot_window="02:00-03:00",
                maintenance_window="sun:05:30-sun:06:30",
                final_snapshot_identifier=f"{args.secret_path.replace('/', '-').strip('-')}-final"
                if profile.final_snapshot
                else None,
                auto_minor_version_upgrade=True,
                log_delivery_configurations=[
                    aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                        destination=slow_log.name,
                        destination_type="cloudwatch-logs",
                        log_format="json",
                        log_type="slow-log",
                    )
                ],
                tags=dict(args.tags),
                **layout,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=profile.protect_stateful_resources),
        )
        endpoint = (
            group_resource.configuration_endpoint_address if clustered else group_resource.primary_endpoint_address
        )
        aws.ssm.Parameter(
            f"{name}-url",
            aws.ssm.ParameterArgs(
                name=f"/{args.secret_path}/url",
                type="SecureString",
                key_id=args.secrets_key_arn,
                description="Connection URL without credentials; the AUTH token is in its own secret.",
                value=pulumi.Output.concat("rediss://", endpoint, f":{REDIS_PORT}"),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.connection = ConnectionInfo(endpoint, REDIS_PORT, secret.arn)
        self.register_outputs({"endpoint": endpoint, "secretArn": secret.arn})


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
    kms_key_arn: pulumi.Input[str]
    protect: bool
    account_id: pulumi.Input[str]
    log_bucket: pulumi.Input[str] | None = None
    lock_days: int | None = None
    extra_statements: Sequence[Mapping[str, Any]] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    # False only for load-balancer access logs: ELB writes only to buckets with S3-managed encryption (SSE-S3),
    # which S3 applies by default; the encryption pack exempts buckets tagged purpose=lb-logs for that reason.
    kms_encrypted: bool = True
    elb_account_arn: pulumi.Input[str] = ""


class Bucket(pulumi.ComponentResource):
    """An S3 bucket: SSE-KMS with a bucket key, public access blocked and ACLs disabled, TLS-only policy,
    versioning, lifecycle, access logging, and Object Lock in compliance mode where asked."""

    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    bucket: aws.s3.Bucket
    versioning: aws.s3.BucketVersioning

    def __init__(self, name: str, args: BucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:data:Bucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(
            name,
            aws.s3.BucketArgs(
                bucket_prefix=f"{name}-",
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
                aws.s3.BucketLoggingInitArgs(bucket=bucket_id, target_bucket=args.log_bucket, target_prefix=f"{name}/"),
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

    buckets: Sequence[tuple[str, str]]  # (name, purpose), the blueprint's buckets
    placement: Placement
    data_key_arn: pulumi.Input[str]
    protect: bool
    audit_lock_days: int | None
    audit_statements: Sequence[Mapping[str, Any]] = ()
    log_writers: Sequence[str] = ()  # service principals that deliver logs to the log bucket
    load_balancer_logs: bool = False
    elb_account_arn: pulumi.Input[str] = ""  # the region's ELB log-delivery account (older regions)
    tags: Mapping[str, str] = field(default_factory=dict)
    dr: DrReplica | None = None
    cdn_assets_bucket: str | None = None  # the blueprint bucket CloudFront serves through origin access control


def cdn_read_statement(partition: str) -> dict[str, Any]:
    """CloudFront (origin access control) may read objects, for this account's distributions only. The
    distribution is declared after the bucket, so its own ARN cannot be named; these are assets it serves
    to anyone anyway."""
    return {
        "Sid": "CloudFrontReadsAssets",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": "{bucket}/*",
        "Condition": {"StringLike": {"AWS:SourceArn": f"arn:{partition}:cloudfront::{{account}}:distribution/*"}},
    }


def _statements_for(bucket: str, purpose: str, args: "ObjectStorageArgs") -> Sequence[Mapping[str, Any]]:
    if purpose == "audit":
        return args.audit_statements
    if bucket == args.cdn_assets_bucket:
        return [cdn_read_statement(args.placement.partition)]
    return ()


def lb_log_statements() -> list[dict[str, Any]]:
    """ELB may write this account's load-balancer logs under alb/: through the region's ELB account (regions
    before August 2022) or the log-delivery service principal (later regions)."""
    resource = "{bucket}/alb/AWSLogs/{account}/*"
    return [
        {
            "Sid": "ElbLogDeliveryAccount",
            "Effect": "Allow",
            "Principal": {"AWS": "{elb}"},
            "Action": "s3:PutObject",
            "Resource": resource,
        },
        {
            "Sid": "ElbLogDeliveryService",
            "Effect": "Allow",
            "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": resource,
            "Condition": {"StringEquals": {"aws:SourceAccount": "{account}"}},
        },
    ]


def bucket_set(blueprint_buckets: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The blueprint's buckets, plus an audit bucket if it has none (CloudTrail and Config deliver there)."""
    buckets = list(blueprint_buckets)
    if not any(purpose == "audit" for _, purpose in buckets):
        buckets.append(("audit-trail", "audit"))
    return buckets


class ObjectStorage(pulumi.ComponentResource):
    """Every bucket of the stack, from the one Bucket component, with access logs to a log bucket and, where a
    DR region is configured, the critical buckets (data, audit) replicated to it."""

    by_name: dict[str, Bucket]
    audit: Bucket
    logs: Bucket
    lb_logs: Bucket | None

    def __init__(self, name: str, args: ObjectStorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:data:ObjectStorage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        logs = Bucket(
            f"{name}-access-logs",
            BucketArgs(
                purpose="logs",
                kms_key_arn=args.data_key_arn,
                protect=args.protect,
                account_id=args.placement.account_id,
                extra_statements=[
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
                        for position, service in enumerate(args.log_writers)
                    ],
                ],
            ),
            opts=child,
        )
        self.logs = logs
        self.lb_logs = (
            Bucket(
                f"{name}-lb-access-logs",
                BucketArgs(
                    purpose="lb-logs",
                    kms_encrypted=False,
                    kms_key_arn="",
                    protect=args.protect,
                    account_id=args.placement.account_id,
                    log_bucket=logs.name,
                    elb_account_arn=args.elb_account_arn,
                    tags={"purpose": "lb-logs"},
                    extra_statements=lb_log_statements(),
                ),
                opts=child,
            )
            if args.load_balancer_logs
            else None
        )
        self.by_name = {}
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
                    extra_statements=_statements_for(bucket_name, purpose, args),
                    tags=args.tags if purpose in CRITICAL_PURPOSES else {},
                ),
                opts=child,
            )
            if purpose == "audit":
                self.audit = self.by_name[bucket_name]
            if args.dr is not None and purpose in CRITICAL_PURPOSES:
                self._replicate(f"{name}-{bucket_name}", self.by_name[bucket_name], purpose, locked, args)
        self.register_outputs({f"{n}Bucket": b.name for n, b in self.by_name.items()})

    def _replicate(self, name: str, source: Bucket, purpose: str, locked: int | None, args: ObjectStorageArgs) -> None:
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
            ),
            opts=pulumi.ResourceOptions(parent=self, provider=dr.placement.provider),
        )
        role = service_role(f"{name}-replication", "s3.amazonaws.com", args.placement, "S3 replication to DR", self)
        aws.iam.RolePolicy(
            f"{name}-replication-policy",
            aws.iam.RolePolicyArgs(
                role=role.id,
                policy=pulumi.Output.all(source.arn, replica.arn, args.data_key_arn, dr.data_key_arn).apply(
                    lambda values: json.dumps(replication_policy(*values))
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
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
                        ),
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[source.versioning, replica.versioning]),
        )


INFLUX_PORT = 8086


@dataclass(frozen=True)
class TimeSeriesArgs:
    """Inputs of the time-series component."""

    spec: TimeSeriesSpec
    size: TimeSeriesSize
    profile: Profile
    network: StoreNetwork
    isolated_subnet_ids: pulumi.Input[Sequence[str]]
    data_key_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]
    log_bucket: pulumi.Input[str]
    secret_path: str


class TimeSeries(pulumi.ComponentResource):
    """Market data in a time-series store: Timestream for InfluxDB in the isolated tier (Multi-AZ standby where
    the profile says so, password generated into Secrets Manager, logs to the log bucket), or a
    Timestream LiveAnalytics database and table with the blueprint's retention, encrypted with the data key."""

    connection: ConnectionInfo | None

    def __init__(self, name: str, args: TimeSeriesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:data:TimeSeries", name, None, opts)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.profile.protect_stateful_resources)
        self.connection = None
        if args.spec.engine == "liveanalytics":
            database = aws.timestreamwrite.Database(
                f"{name}-database",
                aws.timestreamwrite.DatabaseArgs(database_name=args.spec.database, kms_key_id=args.data_key_arn),
                opts=stateful,
            )
            aws.timestreamwrite.Table(
                f"{name}-table",
                aws.timestreamwrite.TableArgs(
                    database_name=database.database_name,
                    table_name="ticks",
                    retention_properties=aws.timestreamwrite.TableRetentionPropertiesArgs(
                        memory_store_retention_period_in_hours=args.spec.memory_retention_hours,
                        magnetic_store_retention_period_in_days=args.spec.magnetic_retention_days,
                    ),
                ),
                opts=stateful,
            )
            self.register_outputs({})
            return
        group = admit_app_tier(f"{name}-sg", INFLUX_PORT, args.network, self)
        secret, password = store_secret(
            f"{name}-credentials",
            f"{args.secret_path}/credentials",
            "InfluxDB administrator password",
            args.secrets_key_arn,
            recovery_window_days=30 if args.profile.deletion_protection else 7,
            parent=self,
            protect=args.profile.protect_stateful_resources,
            generate=40,
        )
        assert password is not None
        instance = aws.timestreaminfluxdb.DbInstance(
            f"{name}-influxdb",
            aws.timestreaminfluxdb.DbInstanceArgs(
                db_instance_type=args.size.instance_type,
                allocated_storage=args.size.allocated_storage_gb,
                db_storage_type="InfluxIOIncludedT1",
                deployment_type="WITH_MULTIAZ_STANDBY" if args.profile.multi_az else "SINGLE_AZ",
                bucket=args.spec.database,
                organization="finplatform",
                username="platform_admin",
                password=password.result,
                vpc_subnet_ids=args.isolated_subnet_ids,
                vpc_security_group_ids=[group.id],
                publicly_accessible=False,
                log_delivery_configuration=aws.timestreaminfluxdb.DbInstanceLogDeliveryConfigurationArgs(
                    s3_configuration=aws.timestreaminfluxdb.DbInstanceLogDeliveryConfigurationS3ConfigurationArgs(
                        bucket_name=args.log_bucket,
                        enabled=True,
                    ),
                ),
            ),
            opts=stateful,
        )
        self.connection = ConnectionInfo(instance.endpoint, INFLUX_PORT, secret.arn)
        self.register_outputs({"endpoint": instance.endpoint, "secretArn": secret.arn})
