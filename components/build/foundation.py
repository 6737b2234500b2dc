"""The layers every stack has: keys, networks, application secrets, audit and recovery."""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.audit import Audit, AuditArgs, AuditSwitches
from components.context import KeyRing, StackContext
from components.data.postgres import POSTGRES_PORT
from components.data.redis import REDIS_PORT
from components.data.stores import StoreNetwork
from components.data.time_series import INFLUX_PORT
from components.keys_and_secrets import Keys, KeysArgs, Secrets, SecretsArgs, key_domains
from components.network import Network, NetworkArgs
from components.network.vpc import INTERFACE_ENDPOINTS
from components.providers import Placement
from components.recovery import Recovery, RecoveryArgs
from components.shared.rotation import start_time_readers
from finplatform.blueprints import Blueprint
from finplatform.network_layout import NetworkPlan
from finplatform.profiles import NatStrategy
from finplatform.resilience import backup_period_hours
from finplatform.stack import ResolvedStack


@dataclass(frozen=True)
class Networks:
    """The primary network and, with DR, the standby one."""

    primary: Network
    dr: Network | None = None


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

    prefix = stack.prefix
    primary_keys = keys("keys", primary, prefix, stack.cdn_assets_bucket is not None)
    # With a DR tier the CDN reads the assets' DR copy, encrypted with the DR data key, when the primary fails.
    dr_serves_assets = stack.dns_failover and stack.cdn_assets_bucket is not None
    return KeyRing(primary_keys, keys("dr-keys", dr, f"{prefix}-dr", dr_serves_assets) if dr else None)


def store_ports(blueprint: Blueprint) -> list[int]:
    """The ports the blueprint's data stores listen on, as their security groups open them."""
    influx = blueprint.time_series is not None and blueprint.time_series.engine == "influxdb"
    wanted = ((blueprint.postgres, POSTGRES_PORT), (blueprint.redis, REDIS_PORT), (influx, INFLUX_PORT))
    return [port for present, port in wanted if present]


def network_layer(ctx: StackContext) -> Networks:
    profile, blueprint = ctx.profile, ctx.stack.blueprint

    def network(
        name: str,
        placement: Placement,
        logs_key: pulumi.Output[str],
        plan: NetworkPlan,
        nat: NatStrategy,
        *,
        endpoints: Sequence[str] = (),
    ) -> Network:
        return Network(
            name,
            NetworkArgs(
                plan=plan,
                placement=placement,
                nat_strategy=nat,
                flow_log_retention_days=profile.audit_log_retention_days,
                logs_key_arn=logs_key,
                protect_logs=profile.protect_stateful_resources,
                service_ports=[s.port for s in blueprint.services if s.public],
                store_ports=store_ports(blueprint),
                interface_endpoints=endpoints,
            ),
            opts=pulumi.ResourceOptions(provider=placement.provider),
        )

    endpoints = INTERFACE_ENDPOINTS if profile.interface_endpoints else ()
    primary = network(
        "network", ctx.primary, ctx.keys("logs"), ctx.stack.network, profile.nat_strategy, endpoints=endpoints
    )
    dr_logs = ctx.keys.dr_arn("logs")
    # Below warm standby the DR network has no NAT gateways until a failover adds them; a warm standby's
    # services run there already, so it has the profile's.
    runs_compute = ctx.stack.warm_standby or ctx.stack.failed_over
    dr_nat = profile.nat_strategy if runs_compute else "none"
    dr = (
        network(
            "dr-network", ctx.dr, dr_logs, ctx.stack.dr_network, dr_nat, endpoints=endpoints if runs_compute else ()
        )
        if ctx.dr and dr_logs is not None and ctx.stack.dr_network
        else None
    )
    return Networks(primary, dr)


def stores_in(network: Network, subnet_group: pulumi.Output[str]) -> StoreNetwork:
    return StoreNetwork(network.vpc_id, subnet_group, network.app_security_group_id)


def secrets_layer(ctx: StackContext) -> Secrets | None:
    """The blueprint's application secrets; none when it has none."""
    profile = ctx.profile
    if not ctx.stack.blueprint.secrets:
        return None
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
            readers_at_start=start_time_readers(ctx.stack.blueprint),
            placement=ctx.primary,
            logs_key_arn=ctx.keys("logs"),
            log_retention_days=profile.log_retention_days,
        ),
        opts=ctx.in_primary,
    )


def audit_layer(ctx: StackContext, audit_bucket_name: pulumi.Input[str]) -> Audit:
    config = ctx.stack.config
    return Audit(
        "audit",
        AuditArgs(
            placement=ctx.primary,
            switches=AuditSwitches(
                config.enable_cloudtrail,
                config.enable_config,
                config.enable_guardduty,
                config.enable_securityhub,
                # IAM holds one Config service-linked role per account: a second stack of the account sets
                # finplatform:configServiceLinkedRole false and uses the first one's.
                config.config_service_linked_role,
            ),
            audit_bucket_name=audit_bucket_name,
            logs_key_arn=ctx.keys("logs"),
            data_key_arn=ctx.keys("data"),
            protect=ctx.profile.protect_stateful_resources,
            log_retention_days=ctx.profile.audit_log_retention_days,
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
            period_hours=backup_period_hours(ctx.stack.blueprint.recovery.rpo_minutes) if ctx.dr else 24,
        ),
        opts=ctx.in_primary,
    )
