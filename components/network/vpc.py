"""Network layer: a three-tier VPC (public, private, isolated) with NAT per profile, flow logs to an
encrypted log group, an S3 gateway endpoint, a rule-less default security group and data-store subnet groups.

The VPC itself is an awsx ``Vpc`` (a remote component); everything around it is plain pulumi_aws so that
policies and cost see each part.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from components.network.acls import declare_acls, tier_rules
from components.providers import Placement
from components.shared.iam import role_with_policy
from components.shared.security_groups import admit_one_group_args
from finplatform.network_layout import TIERS, NetworkPlan, Tier
from finplatform.profiles import NatStrategy

NAT_STRATEGIES: dict[NatStrategy, awsx.ec2.NatGatewayStrategy] = {
    "none": awsx.ec2.NatGatewayStrategy.NONE,
    "single": awsx.ec2.NatGatewayStrategy.SINGLE,
    "one-per-az": awsx.ec2.NatGatewayStrategy.ONE_PER_AZ,
}
HTTPS_PORT = 443
# The AWS APIs the workloads call: image pulls (ECR api and dkr), secrets, keys, logs, SSM, STS and X-Ray.
# The AWS APIs the workloads call, plus those FSBP asks every VPC to reach privately (EC2.10 ec2, EC2.55-57
# ECR and SSM, EC2.58 ssm-contacts, EC2.60 ssm-incidents) even where nothing here calls them yet.
INTERFACE_ENDPOINTS = (
    "ecr.api",
    "ecr.dkr",
    "secretsmanager",
    "kms",
    "logs",
    "ssm",
    "sts",
    "xray",
    "ec2",
    "ssm-contacts",
    "ssm-incidents",
)
SUBNET_TYPES: dict[Tier, awsx.ec2.SubnetType] = {
    "public": awsx.ec2.SubnetType.PUBLIC,
    "private": awsx.ec2.SubnetType.PRIVATE,
    "isolated": awsx.ec2.SubnetType.ISOLATED,
}


SUBNET = "aws:ec2/subnet:Subnet"
ANYWHERE = "0.0.0.0/0"


def no_public_ip_on_launch(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    """awsx's Vpc maps public IPs on launch in its public subnets and has no option to stop it (EC2.15): this
    transform, on the Vpc, turns that off in each subnet it creates. Nothing in the public tier needs an address at
    launch: the load balancer and the NAT gateways get theirs from AWS and from their Elastic IPs."""
    if args.type_ != SUBNET or not args.props.get("mapPublicIpOnLaunch"):
        return None
    return pulumi.ResourceTransformResult(props={**args.props, "mapPublicIpOnLaunch": False}, opts=args.opts)


def app_tier_egress(plan: NetworkPlan, store_ports: Sequence[int]) -> list[aws.ec2.SecurityGroupEgressArgs]:
    """Where the application tier may connect: HTTPS anywhere (AWS APIs, directly, through the interface endpoints,
    or through NAT, and the third parties the workloads call: market data, Ethereum RPC), and the data stores'
    ports in the isolated tier, where only the stores live. DNS to the VPC resolver and the EC2 time service are
    not filtered by security groups, so need no rule.

    The stores are named by the isolated tier's CIDRs rather than by their groups: those admit this group, so
    naming them back would be a cycle, and egress rules as resources of their own would leave this group's former
    allow-all rule in place (an inline list is the only form whose update revokes it)."""
    rules = [
        aws.ec2.SecurityGroupEgressArgs(
            protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            cidr_blocks=[ANYWHERE],
            description="HTTPS: AWS APIs and endpoints, market data providers, Ethereum RPC",
        )
    ]
    isolated = list(plan.cidrs("isolated"))
    rules += [
        aws.ec2.SecurityGroupEgressArgs(
            protocol="tcp", from_port=port, to_port=port, cidr_blocks=isolated, description="data stores"
        )
        for port in sorted(set(store_ports))
    ]
    return rules


def nat_gateway_count(strategy: NatStrategy, az_count: int) -> int:
    """NAT gateways a strategy creates."""
    return {"none": 0, "single": 1, "one-per-az": az_count}[strategy]


def subnet_specs(plan: NetworkPlan) -> list[awsx.ec2.SubnetSpecArgs]:
    """One awsx subnet spec per tier with explicit CIDRs, one per AZ."""
    return [
        awsx.ec2.SubnetSpecArgs(type=SUBNET_TYPES[tier], name=tier, cidr_blocks=plan.cidrs(tier), tags={"tier": tier})
        for tier in TIERS
    ]


def flow_logs_trust_policy(account_id: str, region: str, partition: str) -> dict[str, Any]:
    """Only the VPC Flow Logs service, acting for this account's flow logs, may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:ec2:{region}:{account_id}:vpc-flow-log/*"},
                },
            }
        ],
    }


def flow_logs_delivery_policy(log_group_arn: str) -> dict[str, Any]:
    """Write access to the one flow-log group and its streams."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DeliverToFlowLogGroup",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"],
            }
        ],
    }


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of the network layer."""

    plan: NetworkPlan
    """The VPC range, its AZs and each tier's subnet CIDRs."""
    placement: Placement
    """The region's provider, region and account."""
    logs_key_arn: pulumi.Input[str]
    """KMS key of the flow-log group."""
    nat_strategy: NatStrategy = "one-per-az"
    """NAT gateways: none, single or one-per-az."""
    flow_log_retention_days: int = 30
    """Retention of the flow logs."""
    protect_logs: bool = False
    """Pulumi protect and CloudWatch deletion protection on the flow-log group."""
    service_ports: Sequence[int] = ()
    """Ports the load balancer reaches services on: the private tier's ACL admits them from the public tier."""
    store_ports: Sequence[int] = ()
    """Ports of the data stores: the isolated tier's ACL admits them from the private tier."""
    interface_endpoints: Sequence[str] = ()
    """AWS services reached through interface endpoints in the private tier (e.g. ecr.api, kms); none: via NAT."""


class Network(pulumi.ComponentResource):
    """The VPC and what every later layer places resources into."""

    vpc_id: pulumi.Output[str]
    """The VPC."""
    public_subnet_ids: pulumi.Output[Sequence[str]]
    """Public-tier subnets, in AZ order."""
    private_subnet_ids: pulumi.Output[Sequence[str]]
    """Private-tier subnets, in AZ order."""
    isolated_subnet_ids: pulumi.Output[Sequence[str]]
    """Isolated-tier subnets, in AZ order."""
    db_subnet_group_name: pulumi.Output[str]
    """RDS subnet group on the isolated tier."""
    cache_subnet_group_name: pulumi.Output[str]
    """ElastiCache subnet group on the isolated tier."""
    flow_log_group_arn: pulumi.Output[str]
    """The flow-log group."""
    app_security_group_id: pulumi.Output[str]
    """The application tier's group: compute joins it, data stores admit only it."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:network:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        vpc = awsx.ec2.Vpc(
            f"{name}-vpc",
            awsx.ec2.VpcArgs(
                cidr_block=args.plan.vpc_cidr,
                availability_zone_names=list(args.plan.availability_zones),
                subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
                subnet_specs=subnet_specs(args.plan),
                nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=NAT_STRATEGIES[args.nat_strategy]),
                enable_dns_hostnames=True,
                enable_dns_support=True,
                # Auto fills the gateway endpoint's route tables with every route table the VPC creates.
                vpc_endpoint_strategy=awsx.ec2.VpcEndpointStrategy.AUTO,
                vpc_endpoint_specs=[
                    awsx.ec2.VpcEndpointSpecArgs(
                        service_name=f"com.amazonaws.{args.placement.region}.s3",
                        vpc_endpoint_type="Gateway",
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self, transforms=[no_public_ip_on_launch]),
        )
        self.vpc_id = vpc.vpc_id
        self.public_subnet_ids = vpc.public_subnet_ids
        self.private_subnet_ids = vpc.private_subnet_ids
        self.isolated_subnet_ids = vpc.isolated_subnet_ids

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            aws.cloudwatch.LogGroupArgs(
                retention_in_days=args.flow_log_retention_days,
                kms_key_id=args.logs_key_arn,
                deletion_protection_enabled=args.protect_logs,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect_logs),
        )
        placement = args.placement
        role, policy = role_with_policy(
            f"{name}-flow-logs-role",
            f"{name}-flow-logs-delivery",
            "vpc-flow-logs.amazonaws.com",
            placement,
            "Lets VPC Flow Logs deliver to the stack's flow-log group.",
            document=log_group.arn.apply(lambda arn: json.dumps(flow_logs_delivery_policy(arn))),
            parent=self,
            trust=pulumi.Output.from_input(placement.account_id).apply(
                lambda account: json.dumps(flow_logs_trust_policy(account, placement.region, placement.partition))
            ),
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            aws.ec2.FlowLogArgs(
                vpc_id=vpc.vpc_id,
                traffic_type="ALL",
                log_destination_type="cloud-watch-logs",
                log_destination=log_group.arn,
                iam_role_arn=role.arn,
                max_aggregation_interval=60,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        # The application tier: compute joins this group, and data stores admit only it.
        app_group = aws.ec2.SecurityGroup(
            f"{name}-app",
            aws.ec2.SecurityGroupArgs(
                vpc_id=vpc.vpc_id,
                description="Application tier; data stores admit only this group.",
                egress=app_tier_egress(args.plan, args.store_ports),
                tags={"tier": "application"},
            ),
            opts=child,
        )
        self.app_security_group_id = app_group.id
        # Adopting the default security group with no rules leaves nothing that uses it any access.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            aws.ec2.DefaultSecurityGroupArgs(vpc_id=vpc.vpc_id, ingress=[], egress=[]),
            opts=child,
        )
        db_subnets = aws.rds.SubnetGroup(
            f"{name}-db-subnets",
            aws.rds.SubnetGroupArgs(subnet_ids=vpc.isolated_subnet_ids, description="Isolated tier for RDS."),
            opts=child,
        )
        cache_subnets = aws.elasticache.SubnetGroup(
            f"{name}-cache-subnets",
            aws.elasticache.SubnetGroupArgs(
                subnet_ids=vpc.isolated_subnet_ids, description="Isolated tier for ElastiCache."
            ),
            opts=child,
        )
        declare_acls(
            name,
            vpc.vpc_id,
            {"public": vpc.public_subnet_ids, "private": vpc.private_subnet_ids, "isolated": vpc.isolated_subnet_ids},
            tier_rules(args.plan, args.service_ports, args.store_ports, endpoints=bool(args.interface_endpoints)),
            self,
        )
        if args.interface_endpoints:
            self._interface_endpoints(name, args, vpc, app_group)
        self.db_subnet_group_name = db_subnets.name
        self.cache_subnet_group_name = cache_subnets.name
        self.flow_log_group_arn = log_group.arn
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "isolatedSubnetIds": self.isolated_subnet_ids,
                "dbSubnetGroupName": self.db_subnet_group_name,
                "cacheSubnetGroupName": self.cache_subnet_group_name,
                "flowLogGroupArn": self.flow_log_group_arn,
                "appSecurityGroupId": self.app_security_group_id,
            }
        )

    def _interface_endpoints(
        self, name: str, args: NetworkArgs, vpc: awsx.ec2.Vpc, app_group: aws.ec2.SecurityGroup
    ) -> None:
        """An endpoint per AWS service in every private subnet, with private DNS, behind a group that admits
        HTTPS from the application tier only."""
        group = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            admit_one_group_args(HTTPS_PORT, vpc.vpc_id, app_group.id, source="application tier", tier="endpoints"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        for service in args.interface_endpoints:
            aws.ec2.VpcEndpoint(
                f"{name}-endpoint-{service.replace('.', '-')}",
                aws.ec2.VpcEndpointArgs(
                    vpc_id=vpc.vpc_id,
                    service_name=f"com.amazonaws.{args.placement.region}.{service}",
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=vpc.private_subnet_ids,
                    security_group_ids=[group.id],
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
