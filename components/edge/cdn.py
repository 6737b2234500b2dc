"""CloudFront in front of the stack, its certificate and web ACL in us-east-1, and the Route 53 aliases."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.edge.certificates import validated_certificate
from components.shared.waf import WafLogging, log_requests, web_acl


def realtime_paths(service_paths: Sequence[str]) -> list[str]:
    """Paths CloudFront never caches: the built-in real-time ones, then each WebSocket path the services name."""
    return list(dict.fromkeys([*REALTIME_PATHS, *service_paths]))


def cdn_read_statement(partition: str) -> dict[str, Any]:
    """A statement for the assets bucket's policy: CloudFront (origin access control) may read objects, for this
    account's distributions only. The distribution is declared after the bucket, so its own ARN cannot be
    named; these are assets it serves to anyone anyway."""
    return {
        "Sid": "CloudFrontReadsAssets",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": "{bucket}/*",
        "Condition": {"StringLike": {"AWS:SourceArn": f"arn:{partition}:cloudfront::{{account}}:distribution/*"}},
    }


CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"  # the hosted zone every CloudFront distribution answers from
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # AWS managed cache policy
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AWS managed origin request policy
STATIC_TTL = 365 * 24 * 3600  # seed 004: static assets for a year
API_TTL = 60  # seed 004: API responses for a minute
STATIC_PATHS = ("/static/*", "/assets/*")
ASSETS_GROUP = "assets-group"
# What makes CloudFront ask the DR copy: the primary bucket's server errors (a region in trouble); connection
# failures and timeouts fail over anyway. Not 403/404: the single-page app's routes answer those with its index.
FAILOVER_STATUS_CODES = (500, 502, 503, 504)


def assets_failover_group() -> list[aws.cloudfront.DistributionOriginGroupArgs]:
    """The static paths' origin group: the assets bucket, then its DR copy. Origin groups serve GET, HEAD and
    OPTIONS only, which is all the static behaviours allow; the API's writes fail over through DNS instead."""
    return [
        aws.cloudfront.DistributionOriginGroupArgs(
            origin_id=ASSETS_GROUP,
            failover_criteria=aws.cloudfront.DistributionOriginGroupFailoverCriteriaArgs(
                status_codes=list(FAILOVER_STATUS_CODES)
            ),
            members=[
                aws.cloudfront.DistributionOriginGroupMemberArgs(origin_id="assets"),
                aws.cloudfront.DistributionOriginGroupMemberArgs(origin_id="assets-dr"),
            ],
        )
    ]


REALTIME_PATHS = ("/_stcore/stream*", "/ws/*")  # seed 004: real-time data bypasses the cache


def cache_policy(
    name: str, ttl: int, query_strings: bool, parent: pulumi.Resource, provider: pulumi.ProviderResource
) -> aws.cloudfront.CachePolicy:
    none = "none"
    return aws.cloudfront.CachePolicy(
        name,
        aws.cloudfront.CachePolicyArgs(
            default_ttl=ttl,
            max_ttl=ttl,
            min_ttl=0,
            parameters_in_cache_key_and_forwarded_to_origin=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs(
                cookies_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs(
                    cookie_behavior=none
                ),
                headers_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs(
                    header_behavior=none
                ),
                query_strings_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs(
                    query_string_behavior="all" if query_strings else none
                ),
                enable_accept_encoding_gzip=True,
                enable_accept_encoding_brotli=True,
            ),
        ),
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )


@dataclass(frozen=True)
class CdnArgs:
    """Inputs of the CDN and DNS part of the edge layer."""

    domain: str
    """Public domain the distribution answers for."""
    zone_id: str
    """Route 53 hosted zone answering for the domain."""
    alb_dns_name: pulumi.Input[str]
    """The load balancer's DNS name, behind the origin record."""
    alb_zone_id: pulumi.Input[str]
    """The load balancer's hosted zone, for the origin alias."""
    edge_provider: pulumi.ProviderResource
    """A us-east-1 provider: CloudFront takes certificates and web ACLs from there only."""
    validation_record: pulumi.Output[str] | None = None
    """The load balancer certificate's validation record, reused (ACM asks for the same one in every region)."""
    waf_rate_limit: int = 2000
    """Requests per 5 minutes from one IP before the web ACL blocks it."""
    assets_bucket_domain: pulumi.Input[str] | None = None
    """Regional domain of the assets bucket, the origin of static paths; none: the load balancer serves them."""
    realtime_paths: Sequence[str] = ()
    """The services' WebSocket paths: never cached, beside the built-in real-time paths."""
    frontend_index: str = ""
    """With the assets bucket: the static frontend's index document, served for / (the default behaviour goes
    to the bucket instead of the load balancer); empty: no frontend."""
    single_page_app: bool = False
    """Serve the index document for paths the bucket does not hold (client-side routing)."""
    waf_logging: WafLogging | None = None
    """Where the web ACL logs its requests (a group and key in us-east-1); None: not logged."""
    assets_failover_domain: pulumi.Input[str] | None = None
    """Regional domain of the assets bucket's DR copy (a DR tier): the static paths then read from an origin
    group that fails over to it when the primary answers 5xx or not at all."""
    origin_record: bool = True
    """Declare the origin name's alias record; False when Route 53 failover records own the name (a DR tier).
    The load balancer's behaviours fail over through that name rather than a CloudFront origin group, because
    CloudFront fails over only GET, HEAD and OPTIONS requests and the APIs take writes."""


def alb_behaviour(path: str | None, policy: pulumi.Input[str]) -> dict[str, Any]:
    """One cache behaviour towards the load balancer; ``path`` None for the default behaviour."""
    behaviour: dict[str, Any] = {
        "target_origin_id": "alb",
        "viewer_protocol_policy": "redirect-to-https",
        "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
        "cached_methods": ["GET", "HEAD"],
        "cache_policy_id": policy,
        "origin_request_policy_id": ALL_VIEWER_EXCEPT_HOST,
        "compress": True,
    }
    if path is not None:
        behaviour["path_pattern"] = path
    return behaviour


def static_behaviour(
    path: str, origin: str, policy: pulumi.Input[str]
) -> aws.cloudfront.DistributionOrderedCacheBehaviorArgs:
    """A read-only, cached behaviour for static assets."""
    return aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
        path_pattern=path,
        target_origin_id=origin,
        viewer_protocol_policy="redirect-to-https",
        allowed_methods=["GET", "HEAD"],
        cached_methods=["GET", "HEAD"],
        cache_policy_id=policy,
        compress=True,
    )


class Cdn(pulumi.ComponentResource):
    """CloudFront in front of the stack: static paths from the assets bucket through origin access control
    (or from the ALB when the blueprint has no assets bucket), cached a year; the API through the ALB over
    HTTPS, cached a minute; real-time paths and everything else uncached. Its own web ACL; TLS 1.2+ with a
    DNS-validated ACM certificate; alias records for the domain and for the ALB's origin name."""

    distribution: aws.cloudfront.Distribution
    """The distribution."""
    domain_name: pulumi.Output[str]
    """The distribution's CloudFront domain name."""
    web_acl_name: pulumi.Output[str]
    """The web ACL's name (the WebACL dimension of its metrics)."""

    def __init__(self, name: str, args: CdnArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:edge:Cdn", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        at_edge = pulumi.ResourceOptions(parent=self, provider=args.edge_provider)
        origin_name = f"origin.{args.domain}"
        if args.origin_record:
            aws.route53.Record(
                f"{name}-origin",
                aws.route53.RecordArgs(
                    zone_id=args.zone_id,
                    name=origin_name,
                    type="A",
                    aliases=[
                        aws.route53.RecordAliasArgs(
                            name=args.alb_dns_name, zone_id=args.alb_zone_id, evaluate_target_health=True
                        )
                    ],
                ),
                opts=child,
            )
        certificate, _ = validated_certificate(
            f"{name}-certificate",
            args.domain,
            args.zone_id,
            self,
            provider=args.edge_provider,
            existing_record=args.validation_record,
        )
        acl = web_acl(f"{name}-waf", "CLOUDFRONT", args.waf_rate_limit, at_edge)
        if args.waf_logging is not None:
            log_requests(f"{name}-waf", acl, "CLOUDFRONT", args.waf_logging, at_edge)
        self.web_acl_name = acl.name
        static = cache_policy(f"{name}-static-cache", STATIC_TTL, False, self, args.edge_provider)
        api = cache_policy(f"{name}-api-cache", API_TTL, True, self, args.edge_provider)
        origins = [
            aws.cloudfront.DistributionOriginArgs(
                origin_id="alb",
                domain_name=origin_name,
                custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                    http_port=80, https_port=443, origin_protocol_policy="https-only", origin_ssl_protocols=["TLSv1.2"]
                ),
            )
        ]
        static_origin = "alb"
        if args.assets_bucket_domain is not None:
            access = aws.cloudfront.OriginAccessControl(
                f"{name}-assets-access",
                aws.cloudfront.OriginAccessControlArgs(
                    name=f"{name}-assets",
                    origin_access_control_origin_type="s3",
                    signing_behavior="always",
                    signing_protocol="sigv4",
                ),
                opts=at_edge,
            )
            static_origin = "assets"
            origins.append(
                aws.cloudfront.DistributionOriginArgs(
                    origin_id="assets", domain_name=args.assets_bucket_domain, origin_access_control_id=access.id
                )
            )
            if args.assets_failover_domain is not None:
                origins.append(
                    aws.cloudfront.DistributionOriginArgs(
                        origin_id="assets-dr",
                        domain_name=args.assets_failover_domain,
                        origin_access_control_id=access.id,
                    )
                )
                static_origin = ASSETS_GROUP
        ordered = [
            *[static_behaviour(p, static_origin, static.id) for p in STATIC_PATHS],
            aws.cloudfront.DistributionOrderedCacheBehaviorArgs(**alb_behaviour("/api/*", api.id)),
            *[
                aws.cloudfront.DistributionOrderedCacheBehaviorArgs(**alb_behaviour(p, CACHING_DISABLED))
                for p in realtime_paths(args.realtime_paths)
            ],
        ]
        frontend = bool(args.frontend_index) and static_origin in ("assets", ASSETS_GROUP)
        # The frontend's entry page changes with every release, so it is cached like the API, not for a year.
        default_behaviour = (
            aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=static_origin,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD"],
                cached_methods=["GET", "HEAD"],
                cache_policy_id=api.id,
                compress=True,
            )
            if frontend
            else aws.cloudfront.DistributionDefaultCacheBehaviorArgs(**alb_behaviour(None, CACHING_DISABLED))
        )
        spa_errors = (
            [
                aws.cloudfront.DistributionCustomErrorResponseArgs(
                    error_code=code, response_code=200, response_page_path=f"/{args.frontend_index}"
                )
                for code in (403, 404)
            ]
            if frontend and args.single_page_app
            else None
        )
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            aws.cloudfront.DistributionArgs(
                enabled=True,
                is_ipv6_enabled=True,
                http_version="http2and3",
                price_class="PriceClass_100",
                aliases=[args.domain],
                web_acl_id=acl.arn,
                origins=origins,
                origin_groups=assets_failover_group() if static_origin == ASSETS_GROUP else None,
                default_cache_behavior=default_behaviour,
                default_root_object=args.frontend_index if frontend else None,
                custom_error_responses=spa_errors,
                ordered_cache_behaviors=ordered,
                restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                    geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
                ),
                viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                    acm_certificate_arn=certificate,
                    ssl_support_method="sni-only",
                    minimum_protocol_version="TLSv1.2_2021",
                ),
            ),
            opts=at_edge,
        )
        for record_type in ("A", "AAAA"):
            aws.route53.Record(
                f"{name}-alias-{record_type.lower()}",
                aws.route53.RecordArgs(
                    zone_id=args.zone_id,
                    name=args.domain,
                    type=record_type,
                    aliases=[
                        aws.route53.RecordAliasArgs(
                            name=self.distribution.domain_name, zone_id=CLOUDFRONT_ZONE_ID, evaluate_target_health=False
                        )
                    ],
                ),
                opts=child,
            )
        self.domain_name = self.distribution.domain_name
        self.register_outputs({"domainName": self.domain_name})
