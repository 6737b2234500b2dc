"""Edge layer: the internet-facing Application Load Balancer with its WAF web ACL, listeners and routes.

HTTP only redirects to HTTPS. HTTPS (TLS 1.3 policy) needs a certificate: ``finplatform:certificateArn``.
Without one the listener and the services' routes are left out, and the program says which key to set.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from finplatform.blueprints import Service
from finplatform.profiles import Profile

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
PUBLIC_LB_PURPOSE = "public-load-balancer"  # the least-privilege pack lets only this group face the internet
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)


def _visibility(metric: str) -> aws.wafv2.WebAclVisibilityConfigArgs:
    return aws.wafv2.WebAclVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _rule_visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def waf_rules(rate_limit: int) -> list[aws.wafv2.WebAclRuleArgs]:
    """AWS managed rule groups (common, known bad inputs, SQL injection, IP reputation) and a per-IP rate limit."""
    rules = [
        aws.wafv2.WebAclRuleArgs(
            name=group,
            priority=position,
            override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()  # type: ignore[no-untyped-call]  # SDK leaves it unannotated
            ),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                    name=group, vendor_name="AWS"
                )
            ),
            visibility_config=_rule_visibility(group),
        )
        for position, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules.append(
        aws.wafv2.WebAclRuleArgs(
            name="rate-limit",
            priority=len(rules),
            action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                    limit=rate_limit, aggregate_key_type="IP"
                )
            ),
            visibility_config=_rule_visibility("rate-limit"),
        )
    )
    return rules


@dataclass(frozen=True)
class EdgeArgs:
    """Inputs of the edge layer."""

    services: Sequence[Service]
    profile: Profile
    vpc_id: pulumi.Input[str]
    public_subnet_ids: pulumi.Input[Sequence[str]]
    app_security_group_id: pulumi.Input[str]
    certificate_arn: str
    waf_rate_limit: int
    domain: str = ""  # with zone_id: a DNS-validated certificate when certificate_arn is empty
    zone_id: str = ""
    access_logs_bucket: pulumi.Input[str] | None = None
    access_logs_ready: pulumi.Resource | None = None  # the bucket and its policy must exist before the ALB


class Edge(pulumi.ComponentResource):
    """The load balancer in front of the public services, protected by a WAF web ACL."""

    target_groups: dict[str, aws.lb.TargetGroup]
    https_ready: bool
    dns_name: pulumi.Output[str]

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:edge:Edge", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        public = [s for s in args.services if s.public]
        group = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            aws.ec2.SecurityGroupArgs(
                vpc_id=args.vpc_id,
                description="Internet-facing load balancer: HTTPS, and HTTP only to redirect it.",
                ingress=[
                    aws.ec2.SecurityGroupIngressArgs(
                        protocol="tcp",
                        from_port=port,
                        to_port=port,
                        cidr_blocks=["0.0.0.0/0"],
                        ipv6_cidr_blocks=["::/0"],
                    )
                    for port in (80, 443)
                ],
                egress=[
                    aws.ec2.SecurityGroupEgressArgs(
                        protocol="tcp", from_port=s.port, to_port=s.port, security_groups=[args.app_security_group_id]
                    )
                    for s in public
                ],
                tags={"purpose": PUBLIC_LB_PURPOSE},
            ),
            opts=child,
        )
        for service in public:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-to-{service.name}",
                aws.vpc.SecurityGroupIngressRuleArgs(
                    security_group_id=args.app_security_group_id,
                    referenced_security_group_id=group.id,
                    ip_protocol="tcp",
                    from_port=service.port,
                    to_port=service.port,
                    description=f"load balancer to {service.name}",
                ),
                opts=child,
            )
        balancer = aws.lb.LoadBalancer(
            f"{name}-alb",
            aws.lb.LoadBalancerArgs(
                load_balancer_type="application",
                internal=False,
                subnets=args.public_subnet_ids,
                security_groups=[group.id],
                drop_invalid_header_fields=True,
                enable_deletion_protection=args.profile.deletion_protection,
                access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                    bucket=args.access_logs_bucket, prefix="alb", enabled=True
                )
                if args.access_logs_bucket is not None
                else None,
            ),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[args.access_logs_ready] if args.access_logs_ready else None
            ),
        )
        acl = aws.wafv2.WebAcl(
            f"{name}-waf",
            aws.wafv2.WebAclArgs(
                scope="REGIONAL",
                default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
                rules=waf_rules(args.waf_rate_limit),
                visibility_config=_visibility(f"{name}-waf"),
            ),
            opts=child,
        )
        aws.wafv2.WebAclAssociation(
            f"{name}-waf-alb",
            aws.wafv2.WebAclAssociationArgs(resource_arn=balancer.arn, web_acl_arn=acl.arn),
            opts=child,
        )
        aws.lb.Listener(
            f"{name}-http",
            aws.lb.ListenerArgs(
                load_balancer_arn=balancer.arn,
                port=80,
                protocol="HTTP",
                default_actions=[
                    aws.lb.ListenerDefaultActionArgs(
                        type="redirect",
                        redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                            protocol="HTTPS", port="443", status_code="HTTP_301"
                        ),
                    )
                ],
            ),
            opts=child,
        )
        self.target_groups = {
            s.name: aws.lb.TargetGroup(
                f"{name}-{s.name}",
                aws.lb.TargetGroupArgs(
                    vpc_id=args.vpc_id,
                    port=s.port,
                    protocol="HTTP",
                    target_type="ip",
                    health_check=aws.lb.TargetGroupHealthCheckArgs(
                        path=s.health_check_path, healthy_threshold=2, unhealthy_threshold=3, interval=30, matcher="200"
                    ),
                    stickiness=aws.lb.TargetGroupStickinessArgs(type="lb_cookie", enabled=True, cookie_duration=86400)
                    if s.sticky_sessions
                    else None,
                    deregistration_delay=30,
                ),
                opts=child,
            )
            for s in public
        }
        certificate: pulumi.Input[str] = args.certificate_arn
        self.validation_fqdn: pulumi.Output[str] | None = None
        if not certificate and args.domain and args.zone_id:
            certificate, self.validation_fqdn = validated_certificate(
                f"{name}-certificate", args.domain, args.zone_id, self
            )
        self.https_ready = bool(certificate)
        if self.https_ready:
            self._https(name, balancer, public, certificate)
        else:
            pulumi.log.warn(
                "finplatform:certificateArn is not set (nor finplatform:domainName): the load balancer serves only "
                "the HTTP-to-HTTPS redirect, "
                "and the services are not routed until an ACM certificate ARN is configured",
                resource=self,
            )
        self.dns_name = balancer.dns_name
        self.zone_id = balancer.zone_id
        self.register_outputs({"dnsName": self.dns_name})

    def _https(
        self, name: str, balancer: aws.lb.LoadBalancer, services: Sequence[Service], certificate: pulumi.Input[str]
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        # Longest path patterns first, so "/api/*" wins over "/*"; the first service is the default.
        ordered = sorted(services, key=lambda s: -max(len(p) for p in s.path_patterns))
        listener = aws.lb.Listener(
            f"{name}-https",
            aws.lb.ListenerArgs(
                load_balancer_arn=balancer.arn,
                port=443,
                protocol="HTTPS",
                ssl_policy=TLS_POLICY,
                certificate_arn=certificate,
                default_actions=[
                    aws.lb.ListenerDefaultActionArgs(
                        type="forward", target_group_arn=self.target_groups[ordered[-1].name].arn
                    )
                ],
            ),
            opts=child,
        )
        for priority, service in enumerate(ordered, start=1):
            aws.lb.ListenerRule(
                f"{name}-{service.name}-route",
                aws.lb.ListenerRuleArgs(
                    listener_arn=listener.arn,
                    priority=priority * 10,
                    actions=[
                        aws.lb.ListenerRuleActionArgs(
                            type="forward", target_group_arn=self.target_groups[service.name].arn
                        )
                    ],
                    conditions=[
                        aws.lb.ListenerRuleConditionArgs(
                            path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=list(service.path_patterns))
                        )
                    ],
                ),
                opts=child,
            )


def routed_target_groups(edge: "Edge | None") -> Mapping[str, pulumi.Output[str]]:
    """The target group ARN of each routed service; none until HTTPS is configured."""
    if edge is None or not edge.https_ready:
        return {}
    return {name: group.arn for name, group in edge.target_groups.items()}


CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"  # the hosted zone every CloudFront distribution answers from
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # AWS managed cache policy
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AWS managed origin request policy
STATIC_TTL = 365 * 24 * 3600  # seed 004: static assets for a year
API_TTL = 60  # seed 004: API responses for a minute
STATIC_PATHS = ("/static/*", "/assets/*")
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


def validated_certificate(
    name: str,
    domain: str,
    zone_id: str,
    parent: pulumi.Resource,
    *,
    provider: pulumi.ProviderResource | None = None,
    existing_record: pulumi.Output[str] | None = None,
) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """An ACM certificate for the domain and its subdomains, validated through a DNS record in the zone.

    Returns the validated certificate's ARN and the validation record's name. ACM asks for the same record for a
    domain in every region of an account, so a second certificate passes ``existing_record`` instead of
    declaring the record again (two resources owning one record would delete it for both)."""
    opts = pulumi.ResourceOptions(parent=parent, provider=provider)
    certificate = aws.acm.Certificate(
        name,
        aws.acm.CertificateArgs(domain_name=domain, subject_alternative_names=[f"*.{domain}"], validation_method="DNS"),
        opts=opts,
    )
    if existing_record is None:
        # The apex and the wildcard share one validation record.
        option = certificate.domain_validation_options.apply(lambda options: options[0])
        existing_record = aws.route53.Record(
            f"{name}-validation",
            aws.route53.RecordArgs(
                zone_id=zone_id,
                name=option.apply(lambda o: str(o.resource_record_name)),
                type=option.apply(lambda o: str(o.resource_record_type)),
                records=[option.apply(lambda o: str(o.resource_record_value))],
                ttl=300,
                allow_overwrite=True,
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        ).fqdn
    validation = aws.acm.CertificateValidation(
        f"{name}-validated",
        aws.acm.CertificateValidationArgs(certificate_arn=certificate.arn, validation_record_fqdns=[existing_record]),
        opts=opts,
    )
    return validation.certificate_arn, existing_record


@dataclass(frozen=True)
class CdnArgs:
    """Inputs of the CDN and DNS part of the edge layer."""

    domain: str
    zone_id: str
    alb_dns_name: pulumi.Input[str]
    alb_zone_id: pulumi.Input[str]
    validation_record: pulumi.Output[str] | None  # the ALB certificate's record, reused (same name in every region)
    edge_provider: pulumi.ProviderResource  # us-east-1: CloudFront's certificates and web ACLs live there
    waf_rate_limit: int
    assets_bucket_domain: pulumi.Input[str] | None = None  # S3 origin for static paths; the ALB serves them if None


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
    domain_name: pulumi.Output[str]

    def __init__(self, name: str, args: CdnArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:edge:Cdn", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        at_edge = pulumi.ResourceOptions(parent=self, provider=args.edge_provider)
        origin_name = f"origin.{args.domain}"
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
        acl = aws.wafv2.WebAcl(
            f"{name}-waf",
            aws.wafv2.WebAclArgs(
                scope="CLOUDFRONT",
                default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
                rules=waf_rules(args.waf_rate_limit),
                visibility_config=_visibility(f"{name}-waf"),
            ),
            opts=at_edge,
        )
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
        ordered = [
            *[static_behaviour(p, static_origin, static.id) for p in STATIC_PATHS],
            aws.cloudfront.DistributionOrderedCacheBehaviorArgs(**alb_behaviour("/api/*", api.id)),
            *[
                aws.cloudfront.DistributionOrderedCacheBehaviorArgs(**alb_behaviour(p, CACHING_DISABLED))
                for p in REALTIME_PATHS
            ],
        ]
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
                default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                    **alb_behaviour(None, CACHING_DISABLED)
                ),
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
