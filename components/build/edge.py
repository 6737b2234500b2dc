"""The edge layer: the load balancer when a service is public, CloudFront and DNS once the stack has a domain."""

from typing import Any

import pulumi
import pulumi_aws as aws

from components.build.data import DataLayer
from components.build.foundation import Networks
from components.context import Monitored, StackContext
from components.edge.cdn import Cdn, CdnArgs
from components.edge.load_balancer import Edge, EdgeArgs
from components.providers import EdgePlacement
from components.shared.deployment import blue_green_services
from components.shared.waf import WafLogging


def edge_layer(
    ctx: StackContext,
    networks: Networks,
    data: DataLayer,
    *,
    at_edge: EdgePlacement | None,
    exports: dict[str, Any],
    monitored: Monitored,
) -> Edge | None:
    """The load balancer when a service is public, and CloudFront with DNS once the stack has a domain; each
    web ACL logs its requests for the audit retention."""
    stack, config = ctx.stack, ctx.stack.config
    if not any(service.public for service in stack.blueprint.services):
        return None
    network = networks.primary
    retention, protect = ctx.profile.audit_log_retention_days, ctx.profile.protect_stateful_resources
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
            waf_logging=WafLogging(ctx.prefix, ctx.keys("logs"), retention, protect),
            blue_green=blue_green_services(stack.blueprint),
            environment=stack.environment,
        ),
        opts=ctx.in_primary,
    )
    monitored.handles["alb"] = edge.arn_suffix
    monitored.handles["waf-regional"] = edge.web_acl_name
    for service, group in edge.target_groups.items():
        monitored.handles[f"tg:{service}"] = group.arn_suffix
    exports["loadBalancerDnsName"] = edge.dns_name
    if at_edge is not None:
        assets = stack.cdn_assets_bucket
        frontend = stack.blueprint.frontend
        cdn = Cdn(
            "cdn",
            CdnArgs(
                domain=config.domain_name,
                zone_id=config.hosted_zone_id,
                alb_dns_name=edge.dns_name,
                alb_zone_id=edge.zone_id,
                validation_record=edge.validation_fqdn,
                edge_provider=at_edge.placement.provider,
                waf_rate_limit=config.waf_rate_limit,
                assets_bucket_domain=data.storage.by_name[assets].bucket.bucket_regional_domain_name
                if assets
                else None,
                assets_failover_domain=data.storage.replicas[assets].bucket.bucket_regional_domain_name
                if assets and assets in data.storage.replicas
                else None,
                realtime_paths=[p for s in stack.blueprint.services if s.public for p in s.websocket_paths],
                frontend_index=frontend.index_document if frontend and frontend.bucket == assets else "",
                single_page_app=bool(frontend and frontend.single_page_app),
                waf_logging=WafLogging(ctx.prefix, at_edge.logs_key_arn, retention, protect),
                origin_record=not stack.dns_failover,
            ),
            opts=ctx.in_primary,
        )
        exports["cdnDomainName"] = cdn.domain_name
        monitored.handles["waf-cloudfront"] = cdn.web_acl_name
    return edge
