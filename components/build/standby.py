"""The DR layer: image replication from pilot light up; with a warm standby (or after a failover) the stack's
Fargate services and functions a second time in the DR region, behind their own load balancer; and Route 53
failover for the load balancer's origin name once the stack has a domain."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.build.data import DataLayer
from components.build.foundation import Networks
from components.build.workloads import Site, declare_workloads
from components.compute.access import Grants
from components.compute.registry import ImageRepository, image_repository
from components.context import Monitored, StackContext
from components.dr import FailoverDns, FailoverDnsArgs, ImageReplication, ImageReplicationArgs, Target
from components.edge.load_balancer import Edge, EdgeArgs, default_service
from components.keys_and_secrets import Secrets
from components.network import Network
from components.shared.arns import in_region
from components.shared.waf import WafLogging
from finplatform.blueprints import Service
from finplatform.profiles import Environment
from finplatform.resilience import at_least
from finplatform.stack import ResolvedStack

STANDBY_TASKS = 1  # a warm standby runs every service scaled down to one task


def standby_service(service: Service, environment: Environment, failed_over: bool) -> Service:
    """The service as the DR region runs it: one task on standby (scaling up to its usual maximum), its own
    sizes once the stack has failed over."""
    if failed_over:
        return service
    size = service.sizes.for_env(environment)
    standby = size.model_copy(update={"desired": STANDBY_TASKS, "min": STANDBY_TASKS})
    return service.model_copy(update={"sizes": service.sizes.model_copy(update={environment: standby})})


def runs_in_dr(stack: ResolvedStack) -> bool:
    """Whether the DR region runs the stack's compute: a warm standby, or any tier after a failover."""
    return stack.warm_standby or stack.failed_over


def dr_repositories(
    names: Sequence[str], prefix: str, region: str, account_id: pulumi.Input[str], partition: str
) -> dict[str, ImageRepository]:
    """The DR region's copies of the stack's repositories, which ECR replication creates (so they are not
    declared): the same names in the DR registry."""
    return {
        name: ImageRepository(
            pulumi.Output.concat(f"arn:{partition}:ecr:{region}:", account_id, f":repository/{prefix}/{name}"),
            pulumi.Output.concat(account_id, f".dkr.ecr.{region}.amazonaws.com/{prefix}/{name}"),
        )
        for name in names
    }


def replica_secret_arns(arns: dict[str, pulumi.Output[str]], region: str) -> dict[str, pulumi.Input[str]]:
    """Secrets Manager secrets as their DR replicas (the same ARN in the DR region); Parameter Store values are
    not replicated, so they stay the primary's."""
    return {
        name: arn.apply(lambda a: in_region(a, region) if ":secretsmanager:" in a else a) for name, arn in arns.items()
    }


@dataclass(frozen=True)
class Standby:
    """What the DR layer declared that others read."""

    edge: Edge | None = None
    """The DR load balancer, where the DR region runs compute."""


def standby_layer(
    ctx: StackContext,
    networks: Networks,
    data: DataLayer,
    secrets: Secrets | None,
    edge: Edge | None,
    *,
    exports: dict[str, Any],
    monitored: Monitored,
) -> Standby:
    """Image replication from pilot light up; the DR compute and load balancer where the DR region runs
    compute; failover records for the load balancer's origin name once the stack has a domain."""
    stack, blueprint = ctx.stack, ctx.stack.blueprint
    dr, dr_network = ctx.dr, networks.dr
    if dr is None or dr_network is None or stack.dr_tier is None:
        return Standby()
    dr_keys = ctx.keys.dr
    assert dr_keys is not None
    repositories = sorted({image_repository(s.image)[0] for s in blueprint.services})
    if repositories and at_least(stack.dr_tier, "pilot-light"):
        ImageReplication(
            "image-replication",
            ImageReplicationArgs(repository_prefix=f"{ctx.prefix}/", dr=dr, dr_key_arn=dr_keys.arn("data")),
            opts=ctx.in_primary,
        )
    dr_edge = None
    if runs_in_dr(stack):
        dr_edge = _dr_compute(ctx, dr_network, data, secrets, edge, repositories=repositories, exports=exports)
    config = stack.config
    if edge is not None and edge.https_ready and stack.dns_failover:
        public = [s for s in blueprint.services if s.public]
        standby = (
            Target(dr_edge.dns_name, dr_edge.zone_id, dr.region)
            if dr_edge is not None and dr_edge.https_ready
            else None
        )
        dns = FailoverDns(
            "failover-dns",
            FailoverDnsArgs(
                zone_id=config.hosted_zone_id,
                names=[f"origin.{config.domain_name}"],
                primary=Target(edge.dns_name, edge.zone_id, ctx.primary.region),
                standby=standby,
                health_path=default_service(public).health_check_path,
                active_region=config.active_region,
            ),
            opts=ctx.in_primary,
        )
        monitored.handles["health-check"] = dns.health_check_id
    return Standby(dr_edge)


def _dr_compute(
    ctx: StackContext,
    dr_network: Network,
    data: DataLayer,
    secrets: Secrets | None,
    edge: Edge | None,
    *,
    repositories: Sequence[str],
    exports: dict[str, Any],
) -> Edge | None:
    stack, profile, blueprint, config = ctx.stack, ctx.profile, ctx.stack.blueprint, ctx.stack.config
    dr = ctx.dr
    dr_keys = ctx.keys.dr
    assert dr is not None and dr_keys is not None
    in_dr = pulumi.ResourceOptions(provider=dr.provider)
    retention, protect = profile.audit_log_retention_days, profile.protect_stateful_resources
    dr_edge = None
    if any(s.public for s in blueprint.services):
        dr_edge = Edge(
            "dr-edge",
            EdgeArgs(
                vpc_id=dr_network.vpc_id,
                public_subnet_ids=dr_network.public_subnet_ids,
                app_security_group_id=dr_network.app_security_group_id,
                account_id=dr.account_id,
                services=blueprint.services,
                domain=config.domain_name,
                zone_id=config.hosted_zone_id,
                validation_record=edge.validation_fqdn if edge is not None else None,
                waf_rate_limit=config.waf_rate_limit,
                deletion_protection=profile.deletion_protection,
                protect_logs=protect,
                elb_account_arn=aws.elb.get_service_account_output(
                    opts=pulumi.InvokeOutputOptions(provider=dr.provider)
                ).arn,
                waf_logging=WafLogging(ctx.prefix, dr_keys.arn("logs"), retention, protect),
                environment=stack.environment,
            ),
            opts=in_dr,
        )
        exports["drLoadBalancerDnsName"] = dr_edge.dns_name
    storage = data.storage
    grants = Grants(
        data_key_arn=dr_keys.arn("data"),
        secrets_key_arn=dr_keys.arns.get("secrets"),
        secret_arns=replica_secret_arns(secrets.arns, dr.region) if secrets else {},
        bucket_arns={
            name: (storage.replicas[name].arn if name in storage.replicas else bucket.arn)
            for name, bucket in storage.by_name.items()
        },
        stores=data.standby,
        postgres_resource_id=data.standby_postgres_resource_id,
    )
    site = Site(
        prefix="dr-",
        placement=dr,
        network=dr_network,
        first_az=stack.dr_network.availability_zones[0] if stack.dr_network else f"{dr.region}a",
        logs_key_arn=dr_keys.arn("logs"),
        data_key_arn=dr_keys.arn("data"),
        grants=grants,
        repositories=dr_repositories(repositories, ctx.prefix, dr.region, dr.account_id, dr.partition),
        edge=dr_edge,
        services=[standby_service(s, stack.environment, stack.failed_over) for s in blueprint.services],
        code_bucket=next(
            (
                storage.replicas[b.name].name
                for b in blueprint.buckets
                if b.purpose == "artifacts" and b.name in storage.replicas
            ),
            None,
        ),
    )
    declare_workloads(ctx, site)
    return dr_edge
