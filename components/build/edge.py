"""The edge layer: the load balancer when a service is public, CloudFront and DNS once the stack has a domain."""

from typing import Any

import pulumi
import pulumi_aws as aws

from components.build.data import DataLayer
from components.build.foundation import Networks
from components.context import StackContext
from components.edge.cdn import Cdn, CdnArgs
from components.edge.load_balancer import Edge, EdgeArgs
from components.providers import RegionalProviders, edge_provider


def edge_layer(
    ctx: StackContext, networks: Networks, data: DataLayer, providers: RegionalProviders, exports: dict[str, Any]
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
                edge_provider=edge_provider(stack, providers),
                waf_rate_limit=config.waf_rate_limit,
                assets_bucket_domain=data.storage.by_name[assets].bucket.bucket_regional_domain_name
                if assets
                else None,
                realtime_paths=[p for s in stack.blueprint.services if s.public for p in s.websocket_paths],
                frontend_index=frontend.index_document if frontend and frontend.bucket == assets else "",
                single_page_app=bool(frontend and frontend.single_page_app),
            ),
            opts=ctx.in_primary,
        )
        exports["cdnDomainName"] = cdn.domain_name
    return edge
