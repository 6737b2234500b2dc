"""``build``: a stack's layers, one function each, composed over a ``StackContext``.

Each function declares one layer from the context and what earlier layers hand it, and returns what later
layers need. The program (``__main__.py``) only loads the stack, calls ``build`` and exports what it returns.
"""

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.audit import Audit, AuditArgs, AuditSwitches, cloudtrail_bucket_statements
from components.compute.access import Grants
from components.compute.ec2 import Ec2Args, Ec2Services
from components.compute.eks import KubernetesArgs, KubernetesCluster
from components.compute.fargate import FargateArgs, FargateServices
from components.compute.functions import Functions, FunctionsArgs
from components.compute.registry import Registry, RegistryArgs, image_repository
from components.context import KeyRing, StackContext, name_prefix
from components.data.object_storage import ObjectStorage, ObjectStorageArgs, audit_bucket_name
from components.data.postgres import Postgres, PostgresArgs
from components.data.redis import Redis, RedisArgs
from components.data.stores import ConnectionInfo, DrReplica, StoreNetwork
from components.data.time_series import InfluxDb, InfluxDbArgs, LiveAnalytics, LiveAnalyticsArgs
from components.edge.cdn import Cdn, CdnArgs, cdn_read_statement
from components.edge.load_balancer import Edge, EdgeArgs, routed_target_groups
from components.keys_and_secrets import Keys, KeysArgs, Secrets, SecretsArgs, key_domains
from components.network import Network, NetworkArgs
from components.providers import Placement, declare_providers, edge_provider
from components.recovery import Recovery, RecoveryArgs, backup_tag
from finplatform.stack import ResolvedStack

INFLUXDB_LOG_WRITER = "timestream-influxdb.amazonaws.com"


@dataclass(frozen=True)
class Networks:
    """The primary network and, with DR, the standby one."""

    primary: Network
    dr: Network | None = None


@dataclass
class DataLayer:
    """What the data layer hands compute, edge and audit."""

    storage: ObjectStorage
    connections: dict[str, ConnectionInfo] = field(default_factory=dict)
    postgres_resource_id: pulumi.Output[str] | None = None


def cdn_assets_bucket(stack: ResolvedStack) -> str | None:
    """The bucket CloudFront serves static paths from: the blueprint's assets bucket, once the stack has a domain
    and a public service."""
    config, blueprint = stack.config, stack.blueprint
    if not (config.domain_name and config.hosted_zone_id and any(s.public for s in blueprint.services)):
        return None
    return next((b.name for b in blueprint.buckets if b.purpose == "assets"), None)


def keys_layer(stack: ResolvedStack, primary: Placement, dr: Placement | None) -> KeyRing:
    profile = stack.profile

    def keys(name: str, placement: Placement, alias_prefix: str, cloudfront_reads: bool) -> Keys:
        return Keys(
            name,
            KeysArgs(
                domains=key_domains(stack.blueprint),
                account_id=placement.account_id,
                region=placement.region,
                alias_prefix=alias_prefix,
                deletion_window_days=profile.key_deletion_window_days,
                protect=profile.protect_stateful_resources,
                cloudfront_reads_data=cloudfront_reads,
            ),
            opts=pulumi.ResourceOptions(provider=placement.provider),
        )

    prefix = name_prefix(stack.stack)
    primary_keys = keys("keys", primary, prefix, cdn_assets_bucket(stack) is not None)
    return KeyRing(primary_keys, keys("dr-keys", dr, f"{prefix}-dr", False) if dr else None)


def network_layer(ctx: StackContext) -> Networks:
    profile = ctx.profile

    def network(name: str, placement: Placement, logs_key: pulumi.Output[str], plan: Any, nat: Any) -> Network:
        return Network(
            name,
            NetworkArgs(
                plan=plan,
                placement=placement,
                nat_strategy=nat,
                flow_log_retention_days=profile.log_retention_days,
                logs_key_arn=logs_key,
                protect_logs=profile.protect_stateful_resources,
            ),
            opts=pulumi.ResourceOptions(provider=placement.provider),
        )

    primary = network("network", ctx.primary, ctx.keys("logs"), ctx.stack.network, profile.nat_strategy)
    dr_logs = ctx.keys.dr_arn("logs")
    # The DR network is a standby: no NAT gateways until a failover adds them.
    dr = (
        network("dr-network", ctx.dr, dr_logs, ctx.stack.dr_network, "none")
        if ctx.dr and dr_logs is not None and ctx.stack.dr_network
        else None
    )
    return Networks(primary, dr)


def _stores_in(network: Network, subnet_group: pulumi.Output[str]) -> StoreNetwork:
    return StoreNetwork(network.vpc_id, subnet_group, network.app_security_group_id)


def secrets_layer(ctx: StackContext) -> Secrets:
    profile = ctx.profile
    return Secrets(
        "secrets",
        SecretsArgs(
            secrets=ctx.stack.blueprint.secrets,
            kms_key_arn=ctx.keys("secrets"),
            path=ctx.path,
            recovery_window_days=profile.secret_recovery_window_days,
            protect=profile.protect_stateful_resources,
            replica_region=ctx.dr.region if ctx.dr else None,
            replica_kms_key_arn=ctx.keys.dr_arn("secrets"),
        ),
        opts=ctx.in_primary,
    )


def data_layer(ctx: StackContext, networks: Networks) -> DataLayer:
    stack, profile, blueprint, keys = ctx.stack, ctx.profile, ctx.stack.blueprint, ctx.keys
    network, environment = networks.primary, stack.environment
    dr_data_key = keys.dr_arn("data")
    dr_stores = (
        DrReplica(ctx.dr, _stores_in(networks.dr, networks.dr.db_subnet_group_name), dr_data_key)
        if ctx.dr and networks.dr and dr_data_key is not None
        else None
    )
    backed_up = backup_tag(stack.stack)
    buckets = [(b.name, b.purpose) for b in blueprint.buckets]
    statements: dict[str, list[dict[str, Any]]] = {
        audit_bucket_name(buckets): cloudtrail_bucket_statements(ctx.primary.partition)
    }
    assets = cdn_assets_bucket(stack)
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
    stateful = {"protect": profile.protect_stateful_resources}
    if blueprint.postgres:
        size = blueprint.postgres.sizes.for_env(environment)
        postgres = Postgres(
            "postgres",
            PostgresArgs(
                identifier=f"{ctx.prefix}-postgres",
                placement=ctx.primary,
                network=_stores_in(network, network.db_subnet_group_name),
                data_key_arn=keys("data"),
                secrets_key_arn=keys("secrets"),
                logs_key_arn=keys("logs"),
                parameter_path=f"/{ctx.path}/postgres",
                instance_class=size.instance_class,
                engine_version=blueprint.postgres.engine_version,
                database_name=blueprint.postgres.database_name,
                allocated_storage_gb=size.allocated_storage_gb,
                max_allocated_storage_gb=size.max_allocated_storage_gb,
                read_replicas=size.read_replicas,
                multi_az=profile.multi_az,
                deletion_protection=profile.deletion_protection,
                final_snapshot=profile.final_snapshot,
                backup_retention_days=profile.backup_retention_days,
                log_retention_days=profile.log_retention_days,
                monitoring_interval_seconds=15 if profile.detailed_monitoring else 60,
                tags=backed_up,
                dr=dr_stores if blueprint.needs_cross_region_replica() else None,
                **stateful,
            ),
            opts=ctx.in_primary,
        )
        layer.connections["postgres"] = postgres.connection
        layer.postgres_resource_id = postgres.instance.resource_id
    if blueprint.redis:
        size = blueprint.redis.sizes.for_env(environment)
        redis = Redis(
            "redis",
            RedisArgs(
                network=_stores_in(network, network.cache_subnet_group_name),
                data_key_arn=keys("data"),
                secrets_key_arn=keys("secrets"),
                logs_key_arn=keys("logs"),
                secret_path=f"{ctx.path}/redis",
                node_type=size.node_type,
                shards=size.shards,
                replicas_per_shard=size.replicas_per_shard,
                engine_version=blueprint.redis.engine_version,
                multi_az=profile.multi_az,
                final_snapshot=profile.final_snapshot,
                snapshot_retention_days=profile.backup_retention_days,
                log_retention_days=profile.log_retention_days,
                secret_recovery_window_days=profile.secret_recovery_window_days,
                **stateful,
            ),
            opts=ctx.in_primary,
        )
        layer.connections["redis"] = redis.connection
    spec = blueprint.time_series
    if spec and spec.engine == "liveanalytics":
        LiveAnalytics(
            "time-series",
            LiveAnalyticsArgs(
                data_key_arn=keys("data"),
                database=spec.database,
                memory_retention_hours=spec.memory_retention_hours,
                magnetic_retention_days=spec.magnetic_retention_days,
                **stateful,
            ),
            opts=ctx.in_primary,
        )
    elif spec:
        size = spec.sizes.for_env(environment)
        influx = InfluxDb(
            "time-series",
            InfluxDbArgs(
                network=_stores_in(network, network.db_subnet_group_name),
                isolated_subnet_ids=network.isolated_subnet_ids,
                secrets_key_arn=keys("secrets"),
                log_bucket=storage.logs.name,
                secret_path=f"{ctx.path}/time-series",
                bucket=spec.database,
                instance_type=size.instance_type,
                allocated_storage_gb=size.allocated_storage_gb,
                multi_az=profile.multi_az,
                secret_recovery_window_days=profile.secret_recovery_window_days,
                **stateful,
            ),
            opts=ctx.in_primary,
        )
        layer.connections["timeSeries"] = influx.connection
    return layer


def edge_layer(
    ctx: StackContext, networks: Networks, data: DataLayer, providers: Any, exports: dict[str, Any]
) -> Edge | None:
    """The load balancer when a service is public, and CloudFront with DNS once the stack has a domain."""
    stack, config = ctx.stack, ctx.stack.config
    if not any(service.public for service in stack.blueprint.services):
        return None
    network = networks.primary
    edge = Edge(
        "edge",
        EdgeArgs(
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            app_security_group_id=network.app_security_group_id,
            account_id=ctx.primary.account_id,
            services=stack.blueprint.services,
            certificate_arn=config.certificate_arn,
            domain=config.domain_name,
            zone_id=config.hosted_zone_id,
            waf_rate_limit=config.waf_rate_limit,
            deletion_protection=ctx.profile.deletion_protection,
            protect_logs=ctx.profile.protect_stateful_resources,
            access_log_bucket=data.storage.logs.name,
            elb_account_arn=aws.elb.get_service_account_output(
                opts=pulumi.InvokeOutputOptions(provider=ctx.primary.provider)
            ).arn,
            log_bucket_former_parent=data.storage,
        ),
        opts=ctx.in_primary,
    )
    exports["loadBalancerDnsName"] = edge.dns_name
    if config.domain_name and config.hosted_zone_id:
        assets = cdn_assets_bucket(stack)
        cdn = Cdn(
            "cdn",
            CdnArgs(
                domain=config.domain_name,
                zone_id=config.hosted_zone_id,
                alb_dns_name=edge.dns_name,
                alb_zone_id=edge.zone_id,
                validation_record=edge.validation_fqdn,
                edge_provider=edge_provider(stack, providers),
                waf_rate_limit=config.waf_rate_limit,
                assets_bucket_domain=data.storage.by_name[assets].bucket.bucket_regional_domain_name
                if assets
                else None,
            ),
            opts=ctx.in_primary,
        )
        exports["cdnDomainName"] = cdn.domain_name
    return edge


def compute_layer(
    ctx: StackContext,
    networks: Networks,
    data: DataLayer,
    secrets: Secrets,
    edge: Edge | None,
    *,
    exports: dict[str, Any],
) -> None:
    """The registry and each compute target the blueprint's services and functions use."""
    stack, profile, blueprint, keys = ctx.stack, ctx.profile, ctx.stack.blueprint, ctx.keys
    network, environment = networks.primary, stack.environment
    grants = Grants(
        data_key_arn=keys("data"),
        secrets_key_arn=keys("secrets"),
        secret_arns=secrets.arns,
        bucket_arns={n: b.arn for n, b in data.storage.by_name.items()},
        stores=data.connections,
        postgres_resource_id=data.postgres_resource_id,
    )
    settings = blueprint.settings.for_env(environment) if blueprint.settings else {}
    targets = {t: [s for s in blueprint.services if s.target == t] for t in ("ecs-fargate", "ec2-autoscaling", "eks")}
    common = {
        "placement": ctx.primary,
        "private_subnet_ids": network.private_subnet_ids,
        "environment": environment,
        "log_retention_days": profile.log_retention_days,
    }
    if blueprint.services:
        registry = Registry(
            "registry",
            RegistryArgs(
                repositories=sorted({image_repository(s.image)[0] for s in blueprint.services}),
                prefix=ctx.prefix,
                kms_key_arn=keys("data"),
            ),
            opts=ctx.in_primary,
        )
        repositories = registry.by_image()
    if targets["ecs-fargate"]:
        FargateServices(
            "services",
            FargateArgs(
                services=targets["ecs-fargate"],
                app_security_group_id=network.app_security_group_id,
                repositories=repositories,
                grants=grants,
                logs_key_arn=keys("logs"),
                protect_logs=profile.protect_stateful_resources,
                tracing=profile.tracing,
                settings=settings,
                target_groups=routed_target_groups(edge),
                **common,
            ),
            opts=ctx.in_primary,
        )
    if targets["ec2-autoscaling"]:
        Ec2Services(
            "instances",
            Ec2Args(
                services=targets["ec2-autoscaling"],
                first_az=stack.network.availability_zones[0],
                app_security_group_id=network.app_security_group_id,
                repositories=repositories,
                grants=grants,
                logs_key_arn=keys("logs"),
                protect=profile.protect_stateful_resources,
                detailed_monitoring=profile.detailed_monitoring,
                target_groups=routed_target_groups(edge),
                **common,
            ),
            opts=ctx.in_primary,
        )
    if targets["eks"]:
        kubernetes = KubernetesCluster(
            "kubernetes",
            KubernetesArgs(
                services=targets["eks"],
                cluster_name=f"{ctx.prefix}-eks",
                vpc_id=network.vpc_id,
                data_key_arn=keys("data"),
                logs_key_arn=keys("logs"),
                protect_logs=profile.protect_stateful_resources,
                deletion_protection=profile.deletion_protection,
                public_endpoint=stack.config.eks_public_endpoint,
                admin_role_arn=stack.config.eks_admin_role_arn,
                **common,
            ),
            opts=ctx.in_primary,
        )
        exports["kubeconfig"] = kubernetes.kubeconfig
    if blueprint.functions:
        functions = Functions(
            "functions",
            FunctionsArgs(
                functions=blueprint.functions,
                prefix=ctx.prefix,
                app_security_group_id=network.app_security_group_id,
                grants=grants,
                logs_key_arn=keys("logs"),
                protect_logs=profile.protect_stateful_resources,
                settings=settings,
                **common,
            ),
            opts=ctx.in_primary,
        )
        exports["apiEndpoints"] = functions.api_endpoints


def audit_layer(ctx: StackContext, data: DataLayer) -> Audit:
    config = ctx.stack.config
    return Audit(
        "audit",
        AuditArgs(
            placement=ctx.primary,
            switches=AuditSwitches(
                config.enable_cloudtrail, config.enable_config, config.enable_guardduty, config.enable_securityhub
            ),
            audit_bucket_name=data.storage.audit.name,
            audit_bucket_arn=data.storage.audit.arn,
            logs_key_arn=ctx.keys("logs"),
            data_key_arn=ctx.keys("data"),
            protect=ctx.profile.protect_stateful_resources,
        ),
        opts=ctx.in_primary,
    )


def recovery_layer(ctx: StackContext) -> Recovery:
    profile = ctx.profile
    return Recovery(
        "recovery",
        RecoveryArgs(
            stack=ctx.stack.stack,
            placement=ctx.primary,
            backups_key_arn=ctx.keys("backups"),
            retention_days=profile.backup_retention_days,
            locked=profile.protect_stateful_resources,
            protect=profile.protect_stateful_resources,
            dr_placement=ctx.dr,
            dr_backups_key_arn=ctx.keys.dr_arn("backups"),
        ),
        opts=ctx.in_primary,
    )


def build(stack: ResolvedStack) -> dict[str, Any]:
    """Declare every layer of ``stack``; returns the stack outputs every stack exports."""
    providers = declare_providers(stack)
    account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=providers.primary)).account_id
    primary = Placement(providers.primary, stack.region, account_id)
    dr = Placement(providers.dr, stack.dr_region, account_id) if providers.dr and stack.dr_region else None
    ctx = StackContext(stack, primary, dr, keys_layer(stack, primary, dr))
    exports: dict[str, Any] = {}
    networks = network_layer(ctx)
    secrets = secrets_layer(ctx)
    data = data_layer(ctx, networks)
    edge = edge_layer(ctx, networks, data, providers, exports)
    compute_layer(ctx, networks, data, secrets, edge, exports=exports)
    audit_layer(ctx, data)
    recovery_layer(ctx)
    network = networks.primary
    return exports | {
        "vpcId": network.vpc_id,
        "publicSubnetIds": network.public_subnet_ids,
        "privateSubnetIds": network.private_subnet_ids,
        "isolatedSubnetIds": network.isolated_subnet_ids,
        "appSecurityGroupId": network.app_security_group_id,
        "keyArns": ctx.keys.primary.arns,
        "secretArns": secrets.arns,
        "bucketNames": {name: bucket.name for name, bucket in data.storage.by_name.items()},
        "connections": {
            store: {"endpoint": info.endpoint, "port": info.port, "secretArn": info.secret_arn}
            for store, info in data.connections.items()
        },
    }
