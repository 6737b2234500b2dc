"""Edge layer: the internet-facing Application Load Balancer with its WAF web ACL, listeners and routes.

HTTP only redirects to HTTPS. HTTPS (TLS 1.3 policy) needs a certificate: ``finplatform:certificateArn``.
Without one the listener and the services' routes are left out, and the program says which key to set.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
        self.https_ready = bool(args.certificate_arn)
        if self.https_ready:
            self._https(name, balancer, public, args.certificate_arn)
        else:
            pulumi.log.warn(
                "finplatform:certificateArn is not set: the load balancer serves only the HTTP-to-HTTPS redirect, "
                "and the services are not routed until an ACM certificate ARN is configured",
                resource=self,
            )
        self.dns_name = balancer.dns_name
        self.register_outputs({"dnsName": self.dns_name})

    def _https(self, name: str, balancer: aws.lb.LoadBalancer, services: Sequence[Service], certificate: str) -> None:
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
