"""The data layer: buckets, PostgreSQL, Redis and the time-series store, as the blueprint asks."""

from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.audit import cloudtrail_bucket_statements
from components.build.foundation import Networks, stores_in
from components.context import Monitored, StackContext
from components.data.object_storage import ObjectStorage, ObjectStorageArgs, audit_bucket_name
from components.data.postgres import Postgres, PostgresArgs
from components.data.redis import Redis, RedisArgs
from components.data.stores import DrReplica
from components.data.time_series import InfluxDb, InfluxDbArgs, LiveAnalytics, LiveAnalyticsArgs
from components.edge.cdn import cdn_read_statement
from components.recovery import backup_tag
from components.shared.connection import ConnectionInfo
from finplatform.alerting import postgres_identifiers, redis_node_suffixes

INFLUXDB_LOG_WRITER = "timestream-influxdb.amazonaws.com"


@dataclass
class DataLayer:
    """What the data layer hands compute, edge and audit."""

    storage: ObjectStorage
    connections: dict[str, ConnectionInfo] = field(default_factory=dict)
    postgres_resource_id: pulumi.Output[str] | None = None


def data_layer(ctx: StackContext, networks: Networks, monitored: Monitored) -> DataLayer:
    stack, profile, blueprint, keys = ctx.stack, ctx.profile, ctx.stack.blueprint, ctx.keys
    network, environment = networks.primary, stack.environment
    dr_data_key = keys.dr_arn("data")
    dr_stores = (
        DrReplica(ctx.dr, stores_in(networks.dr, networks.dr.db_subnet_group_name), dr_data_key)
        if ctx.dr and networks.dr and dr_data_key is not None
        else None
    )
    backed_up = backup_tag(stack.stack)
    buckets = [(b.name, b.purpose) for b in blueprint.buckets]
    statements: dict[str, list[dict[str, Any]]] = {
        audit_bucket_name(buckets): cloudtrail_bucket_statements(ctx.primary.partition)
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
        ),
        opts=ctx.in_primary,
    )
    layer = DataLayer(storage)
    protect = profile.protect_stateful_resources
    if blueprint.postgres:
        db_size = blueprint.postgres.sizes.for_env(environment)
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
                dr=dr_stores if blueprint.needs_cross_region_replica() else None,
                protect=protect,
            ),
            opts=ctx.in_primary,
        )
        layer.connections["postgres"] = postgres.connection
        layer.postgres_resource_id = postgres.instance.resource_id
    if blueprint.redis:
        cache_size = blueprint.redis.sizes.for_env(environment)
        redis = Redis(
            "redis",
            RedisArgs(
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
            ),
            opts=ctx.in_primary,
        )
        layer.connections["redis"] = redis.connection
        clustered = cache_size.cluster_mode or cache_size.shards > 1
        for suffix in redis_node_suffixes(cache_size.shards, cache_size.replicas_per_shard, clustered):
            monitored.handles[f"redis-node:{suffix}"] = pulumi.Output.concat(redis.group_id, f"-{suffix}")
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
        influx_size = spec.sizes.for_env(environment)
        influx = InfluxDb(
            "time-series",
            InfluxDbArgs(
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
            ),
            opts=ctx.in_primary,
        )
        layer.connections["timeSeries"] = influx.connection
        monitored.handles["influxdb"] = influx.instance_name
    return layer
