"""finplatform: one stack of the platform, built from the stack's typed config and its blueprint."""

import pulumi
import pulumi_aws as aws

from components.audit import Audit, AuditArgs, AuditSwitches, cloudtrail_bucket_statements
from components.compute import (
    Ec2Args,
    Ec2Services,
    FargateArgs,
    FargateServices,
    Functions,
    FunctionsArgs,
    Grants,
    KubernetesArgs,
    KubernetesCluster,
    Registry,
    RegistryArgs,
    image_repository,
)
from components.data import (
    DrReplica,
    ObjectStorage,
    ObjectStorageArgs,
    Postgres,
    PostgresArgs,
    Redis,
    RedisArgs,
    StoreNetwork,
    TimeSeries,
    TimeSeriesArgs,
)
from components.edge import Cdn, CdnArgs, Edge, EdgeArgs, routed_target_groups
from components.keys_and_secrets import Keys, KeysArgs, Secrets, SecretsArgs, key_domains
from components.network import Network, NetworkArgs
from components.providers import Placement, declare_providers, edge_provider
from components.recovery import Recovery, RecoveryArgs, backup_tag
from finplatform import PROJECT
from finplatform.config import ConfigError, raw_config_from_runtime
from finplatform.stack import resolve_stack

try:
    stack = resolve_stack(pulumi.get_stack(), raw_config_from_runtime())
except ConfigError as error:
    # RunError ends the program with the message alone, no traceback.
    raise pulumi.RunError(str(error)) from None

config, profile, blueprint = stack.config, stack.profile, stack.blueprint
providers = declare_providers(stack)
account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=providers.primary)).account_id
primary = Placement(providers.primary, stack.region, account_id)
dr = Placement(providers.dr, stack.dr_region, account_id) if providers.dr and stack.dr_region else None
prefix = f"{PROJECT}-{stack.stack}"
protect = profile.protect_stateful_resources
# CloudFront fronts the public services once the stack has a domain; it serves the assets bucket, if any.
cdn_enabled = bool(config.domain_name and config.hosted_zone_id) and any(s.public for s in blueprint.services)
assets_bucket = next((b.name for b in blueprint.buckets if b.purpose == "assets"), None) if cdn_enabled else None


def keys_for(name: str, placement: Placement) -> Keys:
    return Keys(
        name,
        KeysArgs(
            domains=key_domains(blueprint),
            account_id=account_id,
            region=placement.region,
            partition=placement.partition,
            alias_prefix=prefix if placement is primary else f"{prefix}-dr",
            deletion_window_days=profile.key_deletion_window_days,
            protect=protect,
            cloudfront_reads_data=placement is primary and assets_bucket is not None,
        ),
        opts=pulumi.ResourceOptions(provider=placement.provider),
    )


def network_for(name: str, placement: Placement, keys: Keys) -> Network:
    plan = stack.network if placement is primary else stack.dr_network
    assert plan is not None
    return Network(
        name,
        NetworkArgs(
            plan=plan,
            # The DR network is a standby: no NAT gateways until a failover adds them.
            nat_strategy=profile.nat_strategy if placement is primary else "none",
            region=placement.region,
            partition=placement.partition,
            account_id=account_id,
            flow_log_retention_days=profile.log_retention_days,
            logs_key_arn=keys.arn("logs"),
            protect_logs=protect,
        ),
        opts=pulumi.ResourceOptions(provider=placement.provider),
    )


def stores_in(network: Network, subnet_group: pulumi.Output[str]) -> StoreNetwork:
    return StoreNetwork(network.vpc_id, subnet_group, network.app_security_group_id)


keys = keys_for("keys", primary)
network = network_for("network", primary, keys)
dr_keys = keys_for("dr-keys", dr) if dr else None
dr_network = network_for("dr-network", dr, dr_keys) if dr and dr_keys else None
dr_stores = (
    DrReplica(dr, stores_in(dr_network, dr_network.db_subnet_group_name), dr_keys.arn("data"))
    if dr and dr_keys and dr_network
    else None
)
in_primary = pulumi.ResourceOptions(provider=primary.provider)
backed_up = backup_tag(stack.stack)

secrets = Secrets(
    "secrets",
    SecretsArgs(
        secrets=blueprint.secrets,
        kms_key_arn=keys.arn("secrets"),
        path=f"{PROJECT}/{stack.stack}",
        recovery_window_days=30 if profile.deletion_protection else 7,
        protect=protect,
        replica_region=dr.region if dr else None,
        replica_kms_key_arn=dr_keys.arn("secrets") if dr_keys else None,
    ),
    opts=in_primary,
)

connections = {}
postgres_resource_id = None
if blueprint.postgres:
    postgres = Postgres(
        "postgres",
        PostgresArgs(
            spec=blueprint.postgres,
            size=blueprint.postgres.sizes.for_env(stack.environment),
            profile=profile,
            identifier=f"{prefix}-postgres",
            placement=primary,
            network=stores_in(network, network.db_subnet_group_name),
            data_key_arn=keys.arn("data"),
            secrets_key_arn=keys.arn("secrets"),
            logs_key_arn=keys.arn("logs"),
            parameter_path=f"/{PROJECT}/{stack.stack}/postgres",
            tags=backed_up,
            dr=dr_stores if blueprint.needs_cross_region_replica() else None,
        ),
        opts=in_primary,
    )
    connections["postgres"] = postgres.connection
    postgres_resource_id = postgres.instance.resource_id
if blueprint.redis:
    redis = Redis(
        "redis",
        RedisArgs(
            size=blueprint.redis.sizes.for_env(stack.environment),
            engine_version=blueprint.redis.engine_version,
            profile=profile,
            placement=primary,
            network=stores_in(network, network.cache_subnet_group_name),
            data_key_arn=keys.arn("data"),
            secrets_key_arn=keys.arn("secrets"),
            logs_key_arn=keys.arn("logs"),
            secret_path=f"{PROJECT}/{stack.stack}/redis",
        ),
        opts=in_primary,
    )
    connections["redis"] = redis.connection

storage = ObjectStorage(
    "storage",
    ObjectStorageArgs(
        buckets=[(b.name, b.purpose) for b in blueprint.buckets],
        placement=primary,
        data_key_arn=keys.arn("data"),
        protect=protect,
        audit_lock_days=config.audit_lock_days if stack.environment == "prod" else None,
        audit_statements=cloudtrail_bucket_statements(primary.partition),
        log_writers=["timestream-influxdb.amazonaws.com"] if blueprint.time_series else [],
        tags=backed_up,
        dr=dr_stores,
        load_balancer_logs=any(service.public for service in blueprint.services),
        cdn_assets_bucket=assets_bucket,
        elb_account_arn=aws.elb.get_service_account_output(
            opts=pulumi.InvokeOutputOptions(provider=primary.provider)
        ).arn,
    ),
    opts=in_primary,
)

if blueprint.time_series:
    time_series = TimeSeries(
        "time-series",
        TimeSeriesArgs(
            spec=blueprint.time_series,
            size=blueprint.time_series.sizes.for_env(stack.environment),
            profile=profile,
            network=stores_in(network, network.db_subnet_group_name),
            isolated_subnet_ids=network.isolated_subnet_ids,
            data_key_arn=keys.arn("data"),
            secrets_key_arn=keys.arn("secrets"),
            log_bucket=storage.logs.name,
            secret_path=f"{PROJECT}/{stack.stack}/time-series",
        ),
        opts=in_primary,
    )
    if time_series.connection is not None:
        connections["timeSeries"] = time_series.connection

grants = Grants(
    secret_arns=secrets.arns,
    bucket_arns={n: b.arn for n, b in storage.by_name.items()},
    stores=connections,
    postgres_resource_id=postgres_resource_id,
    data_key_arn=keys.arn("data"),
    secrets_key_arn=keys.arn("secrets"),
)
settings = blueprint.settings.for_env(stack.environment) if blueprint.settings else {}
edge = None
if any(service.public for service in blueprint.services):
    edge = Edge(
        "edge",
        EdgeArgs(
            services=blueprint.services,
            profile=profile,
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            app_security_group_id=network.app_security_group_id,
            certificate_arn=config.certificate_arn,
            waf_rate_limit=config.waf_rate_limit,
            domain=config.domain_name,
            zone_id=config.hosted_zone_id,
            access_logs_bucket=storage.lb_logs.name if storage.lb_logs else None,
            access_logs_ready=storage.lb_logs,
        ),
        opts=in_primary,
    )
    pulumi.export("loadBalancerDnsName", edge.dns_name)
    if cdn_enabled:
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
                assets_bucket_domain=storage.by_name[assets_bucket].bucket.bucket_regional_domain_name
                if assets_bucket
                else None,
            ),
            opts=in_primary,
        )
        pulumi.export("cdnDomainName", cdn.domain_name)
if blueprint.services:
    registry = Registry(
        "registry",
        RegistryArgs(
            repositories=sorted({image_repository(s.image)[0] for s in blueprint.services}),
            prefix=prefix,
            kms_key_arn=keys.arn("data"),
        ),
        opts=in_primary,
    )
    FargateServices(
        "services",
        FargateArgs(
            services=[s for s in blueprint.services if s.target == "ecs-fargate"],
            environment=stack.environment,
            profile=profile,
            placement=primary,
            private_subnet_ids=network.private_subnet_ids,
            app_security_group_id=network.app_security_group_id,
            registry=registry,
            grants=grants,
            logs_key_arn=keys.arn("logs"),
            settings=settings,
            target_groups=routed_target_groups(edge),
        ),
        opts=in_primary,
    )

ec2_services = [s for s in blueprint.services if s.target == "ec2-autoscaling"]
if ec2_services:
    Ec2Services(
        "instances",
        Ec2Args(
            services=ec2_services,
            environment=stack.environment,
            profile=profile,
            placement=primary,
            private_subnet_ids=network.private_subnet_ids,
            first_az=stack.network.availability_zones[0],
            app_security_group_id=network.app_security_group_id,
            registry=registry,
            grants=grants,
            target_groups=routed_target_groups(edge),
        ),
        opts=in_primary,
    )

eks_services = [s for s in blueprint.services if s.target == "eks"]
if eks_services:
    kubernetes = KubernetesCluster(
        "kubernetes",
        KubernetesArgs(
            services=eks_services,
            environment=stack.environment,
            profile=profile,
            placement=primary,
            cluster_name=f"{prefix}-eks",
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            data_key_arn=keys.arn("data"),
            logs_key_arn=keys.arn("logs"),
            public_endpoint=config.eks_public_endpoint,
            admin_role_arn=config.eks_admin_role_arn,
        ),
        opts=in_primary,
    )
    pulumi.export("kubeconfig", kubernetes.kubeconfig)

if blueprint.functions:
    functions = Functions(
        "functions",
        FunctionsArgs(
            functions=blueprint.functions,
            environment=stack.environment,
            profile=profile,
            placement=primary,
            prefix=prefix,
            private_subnet_ids=network.private_subnet_ids,
            app_security_group_id=network.app_security_group_id,
            grants=grants,
            logs_key_arn=keys.arn("logs"),
            settings=settings,
        ),
        opts=in_primary,
    )
    pulumi.export("apiEndpoints", functions.api_endpoints)

Audit(
    "audit",
    AuditArgs(
        placement=primary,
        switches=AuditSwitches(
            config.enable_cloudtrail, config.enable_config, config.enable_guardduty, config.enable_securityhub
        ),
        audit_bucket_name=storage.audit.name,
        audit_bucket_arn=storage.audit.arn,
        logs_key_arn=keys.arn("logs"),
        data_key_arn=keys.arn("data"),
        protect=protect,
    ),
    opts=in_primary,
)

Recovery(
    "recovery",
    RecoveryArgs(
        stack=stack.stack,
        profile=profile,
        placement=primary,
        backups_key_arn=keys.arn("backups"),
        dr_placement=dr,
        dr_backups_key_arn=dr_keys.arn("backups") if dr_keys else None,
    ),
    opts=in_primary,
)

pulumi.export("vpcId", network.vpc_id)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
pulumi.export("appSecurityGroupId", network.app_security_group_id)
pulumi.export("keyArns", keys.arns)
pulumi.export("secretArns", secrets.arns)
pulumi.export("bucketNames", {name: bucket.name for name, bucket in storage.by_name.items()})
pulumi.export(
    "connections",
    {
        store: {"endpoint": info.endpoint, "port": info.port, "secretArn": info.secret_arn}
        for store, info in connections.items()
    },
)
