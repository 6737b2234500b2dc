"""The internet-facing Application Load Balancer: its security group, WAF, access-log bucket, listeners and
routes.

The load balancer listens on 443 only (FSBP ELB.18: every listener uses HTTPS or TLS; a plain-HTTP listener
that only redirects still fails it). Browsers reach a stack with a domain through CloudFront, whose viewer
policy redirects HTTP to HTTPS; a stack without a domain is reached by https:// only. HTTPS (TLS 1.3 policy)
needs a certificate: ``finplatform:certificateArn``, or a domain and hosted zone for a DNS-validated one.
Without either, the load balancer has no listener and routes nothing, and the program says which key to set.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.edge.certificates import validated_certificate
from components.edge.routes import listener_rules, rule_action
from components.shared.bucket import Bucket, BucketArgs
from components.shared.deployment import BlueGreenRoute
from components.shared.security_groups import allow_from_group
from components.shared.waf import WafLogging, log_requests, web_acl
from finplatform.aws_limits import fitting_name
from finplatform.blueprints import Service
from finplatform.profiles import Environment

TARGET_GROUP_NAME_MAX = 32
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
HTTPS_PORT = 443  # the only port the load balancer listens on and admits from the internet (ELB.18)
PUBLIC_LB_PURPOSE = "public-load-balancer"  # the least-privilege pack lets only this group face the internet
LB_LOGS_PURPOSE = "lb-logs"
# The access-log bucket was first declared by the data layer's object storage; its name prefix and alias keep
# that bucket rather than replacing it.
FORMER_LOG_BUCKET_NAME = "storage-lb-access-logs"
WEBSOCKET_IDLE_TIMEOUT_SECONDS = 3600  # ALB allows up to 4000; WebSocket clients ping well within an hour


def target_type(service: Service) -> str:
    """How the target group registers the service: Auto Scaling registers instances by id, so EC2 services need
    ``instance``; Fargate tasks (awsvpc) and EKS pods register by IP."""
    return "instance" if service.target == "ec2-autoscaling" else "ip"


def default_service(services: Sequence[Service]) -> Service:
    """The service the HTTPS listener's default action forwards to: the one with the shortest path patterns
    (longest patterns are matched first, so "/api/*" wins over "/*"). Its health path answers through the load
    balancer, which is what a DNS health check probes."""
    return by_match_order(services)[-1]


def by_match_order(services: Sequence[Service]) -> list[Service]:
    """Services with their longest path pattern first: the order listener rules are given priorities in."""
    return sorted(services, key=lambda s: -max(len(p) for p in s.path_patterns))


def idle_timeout(services: Sequence[Service]) -> int | None:
    """Seconds an idle connection stays open: long enough for WebSocket clients when a service has them, else
    the ALB's default (left unset)."""
    return WEBSOCKET_IDLE_TIMEOUT_SECONDS if any(s.websocket_paths for s in services) else None


def lb_log_statements() -> list[dict[str, Any]]:
    """ELB may write this account's load-balancer logs under alb/: through the region's ELB account (regions
    before August 2022) or the log-delivery service principal (later regions)."""
    resource = "{bucket}/alb/AWSLogs/{account}/*"
    return [
        {
            "Sid": "ElbLogDeliveryAccount",
            "Effect": "Allow",
            "Principal": {"AWS": "{elb}"},
            "Action": "s3:PutObject",
            "Resource": resource,
        },
        {
            "Sid": "ElbLogDeliveryService",
            "Effect": "Allow",
            "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": resource,
            "Condition": {"StringEquals": {"aws:SourceAccount": "{account}"}},
        },
    ]


@dataclass(frozen=True)
class EdgeArgs:
    """Inputs of the load balancer."""

    vpc_id: pulumi.Input[str]
    """VPC of the load balancer and its target groups."""
    public_subnet_ids: pulumi.Input[Sequence[str]]
    """Public-tier subnets the load balancer spans."""
    app_security_group_id: pulumi.Input[str]
    """The application tier's group: it admits the load balancer on each routed service's port."""
    account_id: pulumi.Input[str]
    """This account, for the log bucket's policy."""
    services: Sequence[Service] = ()
    """The blueprint's services; the public ones get a target group and a route."""
    certificate_arn: str = ""
    """ACM certificate of the HTTPS listener; empty: a DNS-validated one when domain and zone_id are set."""
    domain: str = ""
    """Public domain of the stack, for a DNS-validated certificate."""
    zone_id: str = ""
    """Route 53 hosted zone answering for the domain."""
    validation_record: pulumi.Output[str] | None = None
    """An existing validation record of the domain's certificate (ACM asks for the same one in every region), so
    a second region's load balancer does not declare the record again."""
    waf_rate_limit: int = 2000
    """Requests per 5 minutes from one IP before the web ACL blocks it."""
    deletion_protection: bool = True
    """The load balancer refuses deletion."""
    protect_logs: bool = False
    """Pulumi protect on the access-log bucket."""
    access_log_bucket: pulumi.Input[str] | None = None
    """Where the access-log bucket's own server access logs go."""
    elb_account_arn: pulumi.Input[str] = ""
    """The region's ELB log-delivery account (regions before August 2022 deliver through it)."""
    log_bucket_former_parent: pulumi.Resource | None = None
    """The component the access-log bucket was declared under before it moved here, for its alias."""
    waf_logging: WafLogging | None = None
    """Where the web ACL logs its requests; None: not logged."""
    blue_green: Sequence[str] = ()
    """Services ECS deploys blue/green: with HTTPS, each gets an alternate target group and one listener rule
    forwarding to both by weight, which ECS shifts (docs/delivery.md)."""
    environment: Environment = "prod"
    """The stack's environment: it decides each service's protocol to its targets (HTTPS in prod unless the
    blueprint says otherwise)."""


class Edge(pulumi.ComponentResource):
    """The load balancer in front of the public services, protected by a WAF web ACL."""

    target_groups: dict[str, aws.lb.TargetGroup]
    """A target group per public service."""
    https_ready: bool
    """Whether the HTTPS listener and the routes are declared (a certificate is available)."""
    dns_name: pulumi.Output[str]
    """The load balancer's DNS name."""
    zone_id: pulumi.Output[str]
    """The load balancer's hosted zone, for alias records."""
    validation_fqdn: pulumi.Output[str] | None
    """The DNS validation record of the domain's certificate, reused by the CDN's certificate."""
    log_bucket: Bucket
    """The access-log bucket."""
    web_acl_name: pulumi.Output[str]
    """The web ACL's name (the WebACL dimension of its metrics)."""
    arn_suffix: pulumi.Output[str]
    """app/<name>/<id>: the LoadBalancer dimension of its metrics."""
    blue_green_routes: dict[str, BlueGreenRoute]
    """The routes ECS shifts, for the blue/green services; empty without HTTPS."""

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:edge:Edge", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        public = [s for s in args.services if s.public]
        self.log_bucket = self._log_bucket(name, args)
        group = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            aws.ec2.SecurityGroupArgs(
                vpc_id=args.vpc_id,
                # Kept as first written: AWS cannot change a group's description, so a new one would replace the
                # group (and the rules that name it). It predates ELB.18; the group admits 443 only.
                description="Internet-facing load balancer: HTTPS, and HTTP only to redirect it.",
                ingress=[
                    aws.ec2.SecurityGroupIngressArgs(
                        protocol="tcp",
                        from_port=HTTPS_PORT,
                        to_port=HTTPS_PORT,
                        cidr_blocks=["0.0.0.0/0"],
                        ipv6_cidr_blocks=["::/0"],
                    )
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
            allow_from_group(
                f"{name}-to-{service.name}",
                args.app_security_group_id,
                group.id,
                service.port,
                description=f"load balancer to {service.name}",
                parent=self,
            )
        balancer = aws.lb.LoadBalancer(
            f"{name}-alb",
            aws.lb.LoadBalancerArgs(
                load_balancer_type="application",
                internal=False,
                subnets=args.public_subnet_ids,
                security_groups=[group.id],
                drop_invalid_header_fields=True,
                enable_deletion_protection=args.deletion_protection,
                idle_timeout=idle_timeout(public),
                access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=self.log_bucket.name, prefix="alb", enabled=True),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_bucket]),
        )
        acl = web_acl(f"{name}-waf", "REGIONAL", args.waf_rate_limit, child)
        if args.waf_logging is not None:
            log_requests(f"{name}-waf", acl, "REGIONAL", args.waf_logging, child)
        self.web_acl_name = acl.name
        self.arn_suffix = balancer.arn_suffix
        aws.wafv2.WebAclAssociation(
            f"{name}-waf-alb",
            aws.wafv2.WebAclAssociationArgs(resource_arn=balancer.arn, web_acl_arn=acl.arn),
            opts=child,
        )
        self.target_groups = {s.name: self._target_group(f"{name}-{s.name}", s, args) for s in public}
        certificate: pulumi.Input[str] = args.certificate_arn
        self.validation_fqdn = None
        if not certificate and args.domain and args.zone_id:
            certificate, self.validation_fqdn = validated_certificate(
                f"{name}-certificate", args.domain, args.zone_id, self, existing_record=args.validation_record
            )
        self.https_ready = bool(certificate)
        self.blue_green_routes = {}
        if self.https_ready:
            self._https(name, balancer, public, certificate, args)
        else:
            pulumi.log.warn(
                "finplatform:certificateArn is not set (nor finplatform:domainName): the load balancer has no "
                "listener, and the services are not routed until an ACM certificate ARN is configured",
                resource=self,
            )
        self.dns_name = balancer.dns_name
        self.zone_id = balancer.zone_id
        self.register_outputs({"dnsName": self.dns_name})

    def _log_bucket(self, name: str, args: EdgeArgs) -> Bucket:
        """Access logs go to a bucket of their own: ELB writes only with S3-managed keys."""
        aliases = (
            [pulumi.Alias(name=FORMER_LOG_BUCKET_NAME, parent=args.log_bucket_former_parent)]
            if args.log_bucket_former_parent is not None
            else None
        )
        return Bucket(
            f"{name}-access-logs",
            BucketArgs(
                purpose=LB_LOGS_PURPOSE,
                kms_encrypted=False,
                protect=args.protect_logs,
                account_id=args.account_id,
                log_bucket=args.access_log_bucket,
                elb_account_arn=args.elb_account_arn,
                tags={"purpose": LB_LOGS_PURPOSE},
                extra_statements=lb_log_statements(),
                name_prefix=FORMER_LOG_BUCKET_NAME,
            ),
            opts=pulumi.ResourceOptions(parent=self, aliases=aliases),
        )

    def _https(
        self,
        name: str,
        balancer: aws.lb.LoadBalancer,
        services: Sequence[Service],
        certificate: pulumi.Input[str],
        args: EdgeArgs,
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        ordered = by_match_order(services)
        blue_green = [s.name for s in ordered if s.name in args.blue_green]
        alternates = {
            s.name: self._target_group(f"{name}-{s.name}-alternate", s, args) for s in ordered if s.name in blue_green
        }
        # ECS shifts only the service's rule: a default action forwarding to a blue/green service's first target
        # group would be left on an empty group after a release, so unmatched paths are answered 404 instead
        # (the service's rule carries its health path).
        default = (
            aws.lb.ListenerDefaultActionArgs(
                type="fixed-response",
                fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                    content_type="text/plain", status_code="404", message_body="Not found"
                ),
            )
            if default_service(services).name in blue_green
            else aws.lb.ListenerDefaultActionArgs(
                type="forward", target_group_arn=self.target_groups[default_service(services).name].arn
            )
        )
        listener = aws.lb.Listener(
            f"{name}-https",
            aws.lb.ListenerArgs(
                load_balancer_arn=balancer.arn,
                port=HTTPS_PORT,
                protocol="HTTPS",
                ssl_policy=TLS_POLICY,
                certificate_arn=certificate,
                default_actions=[default],
            ),
            opts=child,
        )
        for rule in listener_rules(ordered, blue_green):
            primary = self.target_groups[rule.service].arn
            alternate = alternates.get(rule.service)
            listener_rule = aws.lb.ListenerRule(
                f"{name}-{rule.name}",
                aws.lb.ListenerRuleArgs(
                    listener_arn=listener.arn,
                    priority=rule.priority,
                    actions=[rule_action(primary, alternate.arn if alternate is not None else None)],
                    conditions=[
                        aws.lb.ListenerRuleConditionArgs(
                            path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=list(rule.paths))
                        )
                    ],
                ),
                # ECS owns the weights once it has shifted traffic; a deploy must not shift them back.
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["actions"] if alternate else None),
            )
            if alternate is not None:
                self.blue_green_routes[rule.service] = BlueGreenRoute(primary, alternate.arn, listener_rule.arn)

    def _target_group(self, name: str, service: Service, args: EdgeArgs) -> aws.lb.TargetGroup:
        """A target group for ``service``: its port and protocol (HTTPS, the container's own certificate, which
        the load balancer does not validate; or HTTP), health check over the same protocol, and stickiness."""
        protocol = service.target_protocol_in(args.environment)
        return aws.lb.TargetGroup(
            name,
            aws.lb.TargetGroupArgs(
                # Target group names hold 32 characters; a long service name with -alternate would not fit.
                name=fitting_name(name, TARGET_GROUP_NAME_MAX),
                vpc_id=args.vpc_id,
                port=service.port,
                protocol=protocol,
                target_type=target_type(service),
                health_check=aws.lb.TargetGroupHealthCheckArgs(
                    protocol=protocol,
                    path=service.health_check_path,
                    healthy_threshold=2,
                    unhealthy_threshold=3,
                    interval=30,
                    matcher="200",
                ),
                stickiness=aws.lb.TargetGroupStickinessArgs(type="lb_cookie", enabled=True, cookie_duration=86400)
                if service.sticky_sessions
                else None,
                deregistration_delay=30,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


def routed_target_groups(edge: "Edge | None") -> Mapping[str, pulumi.Output[str]]:
    """The target group ARN of each routed service; none until HTTPS is configured."""
    if edge is None or not edge.https_ready:
        return {}
    return {name: group.arn for name, group in edge.target_groups.items()}


def blue_green_routes(edge: "Edge | None") -> Mapping[str, BlueGreenRoute]:
    """The routes ECS shifts for each blue/green service; none until HTTPS is configured."""
    return {} if edge is None else dict(edge.blue_green_routes)
