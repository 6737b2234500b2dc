"""The data layer: buckets, PostgreSQL, Redis and the time-series store, as the blueprint asks."""

from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import pulumi

from components.audit import cloudtrail_bucket_statements, config_bucket_statements
from components.build.foundation import Networks, stores_in
from components.context import Monitored, StackContext
from components.data.object_storage import ObjectStorage, ObjectStorageArgs, audit_bucket_name
from components.data.postgres import Postgres, PostgresArgs
from components.data.redis import Redis, RedisArgs
from components.data.stores import DrReplica
from components.data.time_series import InfluxCredentials, InfluxDb, InfluxDbArgs, LiveAnalytics, LiveAnalyticsArgs
from components.edge.cdn import cdn_read_statement
from components.recovery import backup_tag
from components.shared.arns import in_region
from components.shared.connection import ConnectionInfo
from finplatform.alerting import postgres_identifiers, redis_node_suffixes
from finplatform.resilience import at_least

INFLUXDB_LOG_WRITER = "timestream-influxdb.amazonaws.com"
# Handles of what the RDS event subscriptions name (Monitored.handles).
POSTGRES_INSTANCE = "postgres-instance"
POSTGRES_PARAMETER_GROUP = "postgres-parameter-group"
POSTGRES_DR_INSTANCE = "postgres-dr-instance"
POSTGRES_DR_PARAMETER_GROUP = "postgres-dr-parameter-group"


@dataclass
class DataLayer:
    """What the data layer hands compute, edge and audit."""

    storage: ObjectStorage
    connections: dict[str, ConnectionInfo] = field(default_factory=dict)
    postgres_resource_id: pulumi.Output[str] | None = None
    standby: dict[str, ConnectionInfo] = field(default_factory=dict)
    """The DR region's copy of each store, for the DR region's services: the database replica, the Global
    Datastore secondary, the standby InfluxDB."""
    standby_postgres_resource_id: pulumi.Output[str] | None = None


class StoreSite(NamedTuple):
    """What each store the data layer declares beyond the buckets and the database is declared from."""

    ctx: StackContext
    networks: Networks
    layer: DataLayer
    monitored: Monitored
    secret_replica: tuple[str, pulumi.Input[str]] | None
    """(DR region, its secrets key) the stores' credential secrets replicate to; None without DR."""


def data_layer(ctx: StackContext, networks: Networks, monitored: Monitored) -> DataLayer:
    stack, profile, blueprint, keys = ctx.stack, ctx.profile, ctx.stack.blueprint, ctx.keys
    network, environment = networks.primary, stack.environment
    dr_data_key = keys.dr_arn("data")
    dr_stores = (
        DrReplica(ctx.dr, stores_in(networks.dr, networks.dr.db_subnet_group_name), dr_data_key, keys.dr_arn("logs"))
        if ctx.dr and networks.dr and dr_data_key is not None
        else None
    )
    backed_up = backup_tag(stack.stack)
    buckets = [(b.name, b.purpose) for b in blueprint.buckets]
    statements: dict[str, list[dict[str, Any]]] = {
        audit_bucket_name(buckets): cloudtrail_bucket_statements(ctx.primary.partition)
        + (config_bucket_statements(ctx.primary.partition) if stack.config.enable_config else [])
    }
    assets = stack.cdn_assets_bucket
    if assets is not None:
        statements[assets] = [cdn_read_statement(ctx.primary.partition)]
    storage = ObjectStorage(
        "storage",
        ObjectStorageArgs(
            buckets=buckets,
            placement=ctx.primary,
            data_key_arn=keys("data"),
            protect=profile.protect_stateful_resources,
            audit_lock_days=stack.config.audit_lock_days if environment == "prod" else None,
            bucket_statements=statements,
            log_writers=[INFLUXDB_LOG_WRITER] if blueprint.time_series else [],
            tags=backed_up,
            dr=dr_stores,
            replication_time_control=stack.dr_tier is not None and at_least(stack.dr_tier, "pilot-light"),
            replicated_assets=assets if stack.dns_failover else None,
        ),
        opts=ctx.in_primary,
    )
    layer = DataLayer(storage)
    dr_secrets_key = keys.dr.arns.get("secrets") if keys.dr else None
    secret_replica = (ctx.dr.region, dr_secrets_key) if ctx.dr and dr_secrets_key is not None else None
    protect = profile.protect_stateful_resources
    if blueprint.postgres:
        db_size = blueprint.postgres.sizes.for_env(environment)
        replicated = blueprint.needs_cross_region_replica()
        restored = stack.config.dr_restore_snapshot_arn if stack.failed_over and not replicated else ""
        postgres = Postgres(
            "postgres",
            PostgresArgs(
                identifier=postgres_identifiers(stack)[0],
                placement=ctx.primary,
                network=stores_in(network, network.db_subnet_group_name),
                data_key_arn=keys("data"),
                secrets_key_arn=keys("secrets"),
                logs_key_arn=keys("logs"),
                parameter_path=f"/{ctx.path}/postgres",
                instance_class=db_size.instance_class,
                engine_version=blueprint.postgres.engine_version,
                database_name=blueprint.postgres.database_name,
                allocated_storage_gb=db_size.allocated_storage_gb,
                max_allocated_storage_gb=db_size.max_allocated_storage_gb,
                read_replicas=db_size.read_replicas,
                multi_az=profile.multi_az,
                deletion_protection=profile.deletion_protection,
                final_snapshot=profile.final_snapshot,
                backup_retention_days=profile.backup_retention_days,
                log_retention_days=profile.log_retention_days,
                monitoring_interval_seconds=15 if profile.detailed_monitoring else 60,
                tags=backed_up,
                dr=dr_stores if blueprint.needs_cross_region_replica() or restored else None,
                restore_snapshot_arn=restored,
                promote_dr_replica=stack.failed_over,
                protect=protect,
            ),
            opts=ctx.in_primary,
        )
        layer.connections["postgres"] = postgres.connection
        layer.postgres_resource_id = postgres.instance.resource_id
        # RDS event subscriptions (observability layer) name the instances and parameter groups they report on.
        for position, identifier in enumerate(postgres.instance_ids):
            monitored.handles[f"{POSTGRES_INSTANCE}:{position}"] = identifier
        monitored.handles[POSTGRES_PARAMETER_GROUP] = postgres.parameter_group_name
        if postgres.dr_instance_id is not None and postgres.dr_parameter_group_name is not None:
            monitored.handles[POSTGRES_DR_INSTANCE] = postgres.dr_instance_id
            monitored.handles[POSTGRES_DR_PARAMETER_GROUP] = postgres.dr_parameter_group_name
        if postgres.standby is not None:
            layer.standby["postgres"] = postgres.standby
            layer.standby_postgres_resource_id = postgres.standby_resource_id
    site = StoreSite(ctx, networks, layer, monitored, secret_replica)
    if blueprint.redis:
        _redis(site)
    if blueprint.time_series:
        _time_series(site)
    return layer


def _redis(site: StoreSite) -> None:
    """Redis, with a Global Datastore secondary for a warm standby, or an empty one in the DR region after a
    failover from a lower tier."""
    ctx, networks, layer, monitored, secret_replica = site
    stack, profile, blueprint, keys = ctx.stack, ctx.profile, ctx.stack.blueprint, ctx.keys
    network, protect = networks.primary, profile.protect_stateful_resources
    dr_data_key = keys.dr_arn("data")
    assert blueprint.redis is not None
    cache_size = blueprint.redis.sizes.for_env(stack.environment)
    cache_standby = (
        DrReplica(ctx.dr, stores_in(networks.dr, networks.dr.cache_subnet_group_name), dr_data_key)
        if stack.warm_standby and ctx.dr and networks.dr and dr_data_key is not None
        else None
    )
    cache = RedisArgs(
        network=stores_in(network, network.cache_subnet_group_name),
        data_key_arn=keys("data"),
        secrets_key_arn=keys("secrets"),
        logs_key_arn=keys("logs"),
        secret_path=f"{ctx.path}/redis",
        node_type=cache_size.node_type,
        shards=cache_size.shards,
        replicas_per_shard=cache_size.replicas_per_shard,
        cluster_mode=cache_size.cluster_mode,
        engine_version=blueprint.redis.engine_version,
        multi_az=profile.multi_az,
        final_snapshot=profile.final_snapshot,
        snapshot_retention_days=profile.backup_retention_days,
        log_retention_days=profile.log_retention_days,
        secret_recovery_window_days=profile.secret_recovery_window_days,
        protect=protect,
        secret_replica=secret_replica,
        global_datastore=cache_standby,
        placement=ctx.primary,
    )
    redis = Redis("redis", cache, opts=ctx.in_primary)
    layer.connections["redis"] = redis.connection
    if redis.standby is not None:
        layer.standby["redis"] = redis.standby
    elif stack.failed_over and ctx.dr and networks.dr and keys.dr is not None:
        # Below warm standby nothing replicates Redis: the failover starts an empty one in the DR region
        # (the blueprint accepts that gap), with its own token in the DR region.
        fresh = Redis(
            "dr-redis",
            replace(
                cache,
                network=stores_in(networks.dr, networks.dr.cache_subnet_group_name),
                data_key_arn=keys.dr.arn("data"),
                secrets_key_arn=keys.dr.arn("secrets"),
                logs_key_arn=keys.dr.arn("logs"),
                secret_path=f"{ctx.path}/dr-redis",
                secret_replica=None,
                global_datastore=None,
                placement=ctx.dr,
            ),
            opts=pulumi.ResourceOptions(provider=ctx.dr.provider),
        )
        layer.standby["redis"] = fresh.connection
    clustered = cache_size.cluster_mode or cache_size.shards > 1
    for suffix in redis_node_suffixes(cache_size.shards, cache_size.replicas_per_shard, clustered):
        monitored.handles[f"redis-node:{suffix}"] = pulumi.Output.concat(redis.group_id, f"-{suffix}")


def _time_series(site: StoreSite) -> None:
    """The time-series store, with a standby InfluxDB for a warm standby, which the standby's own services feed."""
    ctx, networks, layer, monitored, secret_replica = site
    stack, profile, blueprint, keys = ctx.stack, ctx.profile, ctx.stack.blueprint, ctx.keys
    network, protect = networks.primary, profile.protect_stateful_resources
    storage = layer.storage
    spec = blueprint.time_series
    if spec and spec.engine == "liveanalytics":
        LiveAnalytics(
            "time-series",
            LiveAnalyticsArgs(
                data_key_arn=keys("data"),
                database=spec.database,
                memory_retention_hours=spec.memory_retention_hours,
                magnetic_retention_days=spec.magnetic_retention_days,
                protect=protect,
            ),
            opts=ctx.in_primary,
        )
    elif spec:
        influx_size = spec.sizes.for_env(stack.environment)
        standby_network = networks.dr if stack.warm_standby and ctx.dr else None
        settings = InfluxDbArgs(
            network=stores_in(network, network.db_subnet_group_name),
            isolated_subnet_ids=network.isolated_subnet_ids,
            secrets_key_arn=keys("secrets"),
            log_bucket=storage.logs.name,
            secret_path=f"{ctx.path}/time-series",
            bucket=spec.database,
            instance_type=influx_size.instance_type,
            allocated_storage_gb=influx_size.allocated_storage_gb,
            multi_az=profile.multi_az,
            secret_recovery_window_days=profile.secret_recovery_window_days,
            protect=protect,
            secret_replica=secret_replica if standby_network else None,
        )
        influx = InfluxDb("time-series", settings, opts=ctx.in_primary)
        layer.connections["timeSeries"] = influx.connection
        monitored.handles["influxdb"] = influx.instance_name
        if standby_network is not None and ctx.dr is not None:
            # No replication exists for Timestream for InfluxDB: a standby instance the DR region's services feed
            # (the blueprint's standbyIngestionSeconds), with the primary's password through the replica secret.
            dr_region = ctx.dr.region
            standby = InfluxDb(
                "dr-time-series",
                replace(
                    settings,
                    network=stores_in(standby_network, standby_network.db_subnet_group_name),
                    isolated_subnet_ids=standby_network.isolated_subnet_ids,
                    log_bucket=None,
                    secret_replica=None,
                    # A standby is scaled down: one AZ until a failover makes it the writer's store.
                    multi_az=False,
                    shared_credentials=InfluxCredentials(
                        influx.credentials.password,
                        influx.credentials.secret_arn.apply(lambda arn: in_region(arn, dr_region)),
                    ),
                ),
                opts=pulumi.ResourceOptions(provider=ctx.dr.provider),
            )
            layer.standby["timeSeries"] = standby.connection
