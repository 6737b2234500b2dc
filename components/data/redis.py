"""Redis on ElastiCache."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.data.stores import DrReplica, StoreNetwork, admit_app_tier, store_group_args
from components.providers import Placement
from components.shared.arns import in_region
from components.shared.connection import ConnectionInfo
from components.shared.logs import encrypted_log_group
from components.shared.rotation import (
    ROTATION_FUNCTION,
    AuthTokenGroup,
    RotationMode,
    SecretRotator,
    SecretRotatorArgs,
    rotation_tags,
)
from components.shared.secrets import store_secret

REDIS_PORT = 6379
MAX_SNAPSHOT_RETENTION_DAYS = 35  # ElastiCache's ceiling


def redis_node_count(shards: int, replicas_per_shard: int) -> int:
    return shards * (1 + replicas_per_shard)


def secondary_layout(shards: int, replicas_per_shard: int, cluster_mode: bool = False) -> dict[str, Any]:
    """A Global Datastore secondary's size: the primary's shards are inherited (ElastiCache refuses
    num_node_groups on a secondary), only its replicas are its own. At least one replica: the secondary
    inherits the primary's automatic failover, which needs two nodes per shard."""
    replicas = max(1, replicas_per_shard)
    if shards > 1 or cluster_mode:
        return {"replicas_per_node_group": replicas}
    return {"num_cache_clusters": 1 + replicas}


def token_rotation(rotator_placement: bool, global_datastore: bool) -> tuple[RotationMode, str]:
    """Who rotates the AUTH token. The rotation function does, giving the group the new token with ElastiCache's
    ROTATE strategy, so clients that read the previous one keep working. Not in a Global Datastore: the
    secondary checks the same token, and the platform does not change two groups' tokens as one step."""
    if rotator_placement and not global_datastore:
        return "automatic", ROTATION_FUNCTION
    return "manual", "operator"


def redis_layout(shards: int, replicas_per_shard: int, cluster_mode: bool = False) -> dict[str, Any]:
    """Cluster mode with node groups when sharded or asked for, else one primary with its replicas."""
    if shards > 1 or cluster_mode:
        return {
            "num_node_groups": shards,
            "replicas_per_node_group": replicas_per_shard,
            "cluster_mode": "enabled",
            "parameter_group_name": "default.redis7.cluster.on",
        }
    return {"num_cache_clusters": redis_node_count(shards, replicas_per_shard)}


@dataclass(frozen=True)
class RedisArgs:
    """Inputs of the Redis component."""

    network: StoreNetwork
    """VPC, isolated cache subnet group and the application tier's group."""
    data_key_arn: pulumi.Input[str]
    """KMS key for encryption at rest."""
    secrets_key_arn: pulumi.Input[str]
    """KMS key for the AUTH token secret and the URL parameter."""
    logs_key_arn: pulumi.Input[str]
    """KMS key for the slow-log group."""
    secret_path: str
    """Secrets Manager and SSM path of the store, e.g. finplatform/prod/redis."""
    node_type: str = "cache.t3.micro"
    """ElastiCache node type."""
    shards: int = 1
    """Node groups; more than one turns cluster mode on."""
    replicas_per_shard: int = 0
    """Replicas in each shard."""
    cluster_mode: bool = False
    """Cluster mode even with one shard."""
    engine_version: str = "7.1"
    """Redis engine version."""
    multi_az: bool = False
    """Spread replicas over AZs (with more than one node)."""
    final_snapshot: bool = True
    """Take a final snapshot on deletion."""
    protect: bool = False
    """Pulumi protect on the group, its token secret and its log group."""
    snapshot_retention_days: int = 7
    """Daily snapshot retention (ElastiCache keeps at most 35)."""
    log_retention_days: int = 30
    """Retention of the slow log."""
    secret_recovery_window_days: int = 30
    """Days the AUTH token secret stays restorable after deletion."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags of the replication group."""
    secret_replica: tuple[str, pulumi.Input[str]] | None = None
    """(region, KMS key) the AUTH token secret is replicated to; none without DR."""
    global_datastore: DrReplica | None = None
    """Warm standby: a Global Datastore with a secondary in this DR placement (the node type must be one the
    Global Datastore supports, which stack resolution checks)."""
    standby_replicas_per_shard: int = 1
    """Replicas per shard of the secondary."""
    placement: Placement | None = None
    """Region, provider and account of the group, for the token's rotation function; None: no function."""


class Redis(pulumi.ComponentResource):
    """Redis on ElastiCache: encrypted at rest and in transit, AUTH token from Secrets Manager, automatic
    failover across AZs wherever there is more than one node, cluster mode when sharded, snapshots."""

    connection: ConnectionInfo
    """Endpoint (configuration endpoint in cluster mode), port and the AUTH token's secret ARN."""
    group_id: pulumi.Output[str]
    """The replication group's id; its member clusters are <id>-001.. (or <id>-0001-001.. with shards)."""
    standby: ConnectionInfo | None
    """The Global Datastore secondary's endpoint and the AUTH token's replica secret; none without one."""

    def __init__(self, name: str, args: RedisArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:data:Redis", name, None, opts)
        group = admit_app_tier(f"{name}-sg", REDIS_PORT, args.network, self)
        rotation, rotated_by = token_rotation(args.placement is not None, args.global_datastore is not None)
        secret, token = store_secret(
            f"{name}-auth",
            f"{args.secret_path}/auth-token",
            "Redis AUTH token",
            args.secrets_key_arn,
            recovery_window_days=args.secret_recovery_window_days,
            parent=self,
            protect=args.protect,
            generate=64,
            replicas=[
                aws.secretsmanager.SecretReplicaArgs(region=args.secret_replica[0], kms_key_id=args.secret_replica[1])
            ]
            if args.secret_replica
            else None,
            tags=rotation_tags(rotation, rotated_by),
        )
        assert token is not None
        slow_log = encrypted_log_group(
            f"{name}-slow-log", None, args.logs_key_arn, args.log_retention_days, parent=self, protect=args.protect
        )
        clustered = args.shards > 1 or args.cluster_mode
        replicated = redis_node_count(args.shards, args.replicas_per_shard) > 1
        group_resource = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            aws.elasticache.ReplicationGroupArgs(
                description="Redis for sessions, cached results and task queues",
                engine="redis",
                engine_version=args.engine_version,
                node_type=args.node_type,
                port=REDIS_PORT,
                subnet_group_name=args.network.subnet_group_name,
                security_group_ids=[group.id],
                at_rest_encryption_enabled=True,
                kms_key_id=args.data_key_arn,
                transit_encryption_enabled=True,
                transit_encryption_mode="required",
                auth_token=token.result,
                # A token change keeps the previous token valid beside the new one, for clients that read it.
                auth_token_update_strategy="ROTATE",
                automatic_failover_enabled=replicated,
                multi_az_enabled=replicated and args.multi_az,
                snapshot_retention_limit=min(args.snapshot_retention_days, MAX_SNAPSHOT_RETENTION_DAYS),
                snapshot_window="02:00-03:00",
                maintenance_window="sun:05:30-sun:06:30",
                final_snapshot_identifier=f"{args.secret_path.replace('/', '-').strip('-')}-final"
                if args.final_snapshot
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
                **redis_layout(args.shards, args.replicas_per_shard, args.cluster_mode),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
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
        if rotation == "automatic" and args.placement is not None:
            SecretRotator(
                f"{name}-auth-rotation",
                SecretRotatorArgs(
                    placement=args.placement,
                    secrets={"auth-token": secret.arn},
                    secrets_key_arn=args.secrets_key_arn,
                    logs_key_arn=args.logs_key_arn,
                    log_retention_days=args.log_retention_days,
                    length=64,
                    protect_logs=args.protect,
                    auth_token_groups=[AuthTokenGroup(args.placement.region, group_resource.id, group_resource.arn)],
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.connection = ConnectionInfo(endpoint, REDIS_PORT, secret.arn)
        self.group_id = group_resource.id
        self.standby = None
        if args.global_datastore is not None:
            self.standby = self._secondary(
                name, args, args.global_datastore, group_resource, token=token.result, secret_arn=secret.arn
            )
        self.register_outputs({"endpoint": endpoint, "secretArn": secret.arn})

    def _secondary(
        self,
        name: str,
        args: RedisArgs,
        dr: DrReplica,
        primary: aws.elasticache.ReplicationGroup,
        *,
        token: pulumi.Output[str],
        secret_arn: pulumi.Output[str],
    ) -> ConnectionInfo:
        """The Global Datastore and its secondary in the DR region. Promotion is not an argument of the AWS
        provider: the runbook promotes with the ElastiCache API, and the datastore ignores which group is primary
        so that the refresh after it does not replace the datastore."""
        datastore = aws.elasticache.GlobalReplicationGroup(
            f"{name}-global",
            aws.elasticache.GlobalReplicationGroupArgs(
                global_replication_group_id_suffix=f"{args.secret_path.replace('/', '-').strip('-')}",
                primary_replication_group_id=primary.id,
                global_replication_group_description="Warm standby of the stack's Redis in the DR region",
            ),
            opts=pulumi.ResourceOptions(
                parent=self, protect=args.protect, ignore_changes=["primaryReplicationGroupId"]
            ),
        )
        in_dr = pulumi.ResourceOptions(parent=self, provider=dr.placement.provider)
        group = aws.ec2.SecurityGroup(f"{name}-dr-sg", store_group_args(REDIS_PORT, dr.network), opts=in_dr)
        secondary = aws.elasticache.ReplicationGroup(
            f"{name}-dr-group",
            aws.elasticache.ReplicationGroupArgs(
                description="Global Datastore secondary: the warm standby of the stack's Redis",
                global_replication_group_id=datastore.global_replication_group_id,
                port=REDIS_PORT,
                subnet_group_name=dr.network.subnet_group_name,
                security_group_ids=[group.id],
                at_rest_encryption_enabled=True,
                kms_key_id=dr.data_key_arn,
                transit_encryption_enabled=True,
                auth_token=token,
                auth_token_update_strategy="ROTATE",
                automatic_failover_enabled=True,
                multi_az_enabled=args.multi_az,
                snapshot_retention_limit=min(args.snapshot_retention_days, MAX_SNAPSHOT_RETENTION_DAYS),
                snapshot_window="02:00-03:00",
                tags=dict(args.tags),
                **secondary_layout(args.shards, args.standby_replicas_per_shard, args.cluster_mode),
            ),
            opts=pulumi.ResourceOptions.merge(in_dr, pulumi.ResourceOptions(protect=args.protect)),
        )
        clustered = args.shards > 1 or args.cluster_mode
        endpoint = secondary.configuration_endpoint_address if clustered else secondary.primary_endpoint_address
        return ConnectionInfo(endpoint, REDIS_PORT, secret_arn.apply(lambda arn: in_region(arn, dr.placement.region)))
