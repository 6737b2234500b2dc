"""Network layer: what the engine receives for tiers, NAT, flow logs, endpoint and subnet groups."""

import ipaddress
import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws
import pytest

from components.network import Network, NetworkArgs, flow_logs_delivery_policy
from components.providers import Placement
from finplatform.network_layout import NetworkPlan, derive_subnets
from finplatform.profiles import NatStrategy
from finplatform.tooling.remote_components import awsx_vpc_outputs
from tests.conftest import Engine

LOGS_KEY = "arn:aws:kms:us-east-1:111122223333:key/logs"


def _network(azs: int, nat: NatStrategy, provider: Callable[[], aws.Provider], protect: bool = False) -> None:
    vpc = ipaddress.IPv4Network("10.0.0.0/16")
    plan = NetworkPlan(
        vpc_cidr=str(vpc),
        availability_zones=tuple(f"us-east-1{c}" for c in "abc"[:azs]),
        subnets=derive_subnets(vpc, azs, 24),
    )
    region_provider = provider()
    Network(
        "network",
        NetworkArgs(
            plan=plan,
            nat_strategy=nat,
            placement=Placement(region_provider, "us-east-1", "111122223333"),
            flow_log_retention_days=7,
            logs_key_arn=LOGS_KEY,
            protect_logs=protect,
        ),
        opts=pulumi.ResourceOptions(provider=region_provider),
    )


@pytest.mark.parametrize(("nat", "expected"), [("single", "Single"), ("one-per-az", "OnePerAz"), ("none", "None")])
def test_nat_strategy_reaches_the_vpc(
    engine: Engine, provider: Callable[[], aws.Provider], nat: NatStrategy, expected: str
) -> None:
    # GIVEN a profile's NAT strategy
    # WHEN the network is declared
    engine.declare(lambda: _network(2, nat, provider))
    # THEN the awsx VPC is asked for exactly that strategy
    assert engine.one("awsx:ec2:Vpc").inputs["natGateways"] == {"strategy": expected}


def test_vpc_has_three_tiers_with_one_cidr_per_az(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN a 10.0.0.0/16 network over three AZs WHEN it is declared
    engine.declare(lambda: _network(3, "one-per-az", provider))
    # THEN the awsx VPC gets public, private and isolated tiers, the isolated one numbered from 10.0.21.0/24, one
    # CIDR per AZ, and is a remote component rather than a custom resource
    vpc = engine.one("awsx:ec2:Vpc")
    specs = {s["name"]: s for s in vpc.inputs["subnetSpecs"]}
    assert {n: s["type"] for n, s in specs.items()} == {
        "public": "Public",
        "private": "Private",
        "isolated": "Isolated",
    }
    assert specs["isolated"]["cidrBlocks"] == ["10.0.21.0/24", "10.0.22.0/24", "10.0.23.0/24"]
    assert vpc.inputs["availabilityZoneNames"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert vpc.inputs["cidrBlock"] == "10.0.0.0/16"
    assert vpc.remote and not vpc.custom


def test_vpc_gets_an_s3_gateway_endpoint_on_its_route_tables(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN a two-AZ network WHEN it is declared
    engine.declare(lambda: _network(2, "single", provider))
    # THEN the awsx VPC is asked for an S3 gateway endpoint, routed automatically
    vpc = engine.one("awsx:ec2:Vpc")
    assert vpc.inputs["vpcEndpointSpecs"] == [
        {"serviceName": "com.amazonaws.us-east-1.s3", "vpcEndpointType": "Gateway"}
    ]
    assert vpc.inputs["vpcEndpointStrategy"] == "Auto"


def test_flow_logs_capture_all_traffic_into_an_encrypted_group(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN a two-AZ network WHEN it is declared
    engine.declare(lambda: _network(2, "single", provider))
    # THEN its flow-log group uses the logs key and the 7-day retention it was given
    group = engine.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["kmsKeyId"] == LOGS_KEY and group.inputs["retentionInDays"] == 7
    # AND the flow log sends all of the VPC's traffic to a log group of this account, once its role policy exists
    flow_log = engine.one("aws:ec2/flowLog:FlowLog")
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs"
    assert flow_log.inputs["logDestination"].startswith("arn:aws:logs:us-east-1:111122223333:log-group:")
    assert flow_log.inputs["vpcId"].startswith("vpc-")
    assert engine.one("aws:iam/rolePolicy:RolePolicy").urn in flow_log.dependencies


def test_flow_log_role_trusts_only_the_flow_logs_service_of_this_account(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN a two-AZ network WHEN it is declared
    engine.declare(lambda: _network(2, "single", provider))
    # THEN the flow-log role trusts only the VPC Flow Logs service, for this account only
    (statement,) = json.loads(engine.one("aws:iam/role:Role").inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "111122223333"}


def test_flow_log_delivery_policy_names_only_its_log_group(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN a two-AZ network WHEN it is declared
    engine.declare(lambda: _network(2, "single", provider))
    # THEN the delivery role's policy is flow_logs_delivery_policy for the flow log's group, naming only that
    # group and its streams with no wildcard actions
    group_arn = engine.one("aws:ec2/flowLog:FlowLog").inputs["logDestination"]
    policy = json.loads(engine.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert policy == flow_logs_delivery_policy(group_arn)
    assert policy["Statement"]
    for statement in policy["Statement"]:
        assert statement["Resource"]
        assert all(resource.startswith(group_arn) for resource in statement["Resource"])
        assert not any(action.endswith("*") for action in statement["Action"])


def test_default_security_group_is_stripped_of_rules(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN a two-AZ network WHEN it is declared
    engine.declare(lambda: _network(2, "single", provider))
    # THEN the VPC's default security group has no ingress and no egress rules
    sg = engine.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert sg.inputs["ingress"] == [] and sg.inputs["egress"] == []


def test_subnet_groups_use_only_the_isolated_tier(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN a three-AZ network WHEN it is declared
    engine.declare(lambda: _network(3, "one-per-az", provider))
    # THEN the database and cache subnet groups take exactly the VPC's isolated subnets
    vpc = engine.one("awsx:ec2:Vpc")
    expected = awsx_vpc_outputs(vpc.name, vpc.inputs)["isolatedSubnetIds"]
    assert engine.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"] == expected
    assert engine.one("aws:elasticache/subnetGroup:SubnetGroup").inputs["subnetIds"] == expected


def test_children_are_parented_and_prefixed(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN a two-AZ network WHEN it is declared
    engine.declare(lambda: _network(2, "single", provider))
    # THEN the component has its twelve children, each named with the network- prefix
    (component,) = engine.of_type("finplatform:network:Network")
    children = [r for r in engine.monitor.planned if r.parent == component.urn]
    # VPC, flow-log group, role, policy, flow log, app and default groups, 2 subnet groups, 3 tier ACLs
    assert len(children) == 12
    assert all(r.name.startswith("network-") for r in children)


def test_protect_logs_protects_the_flow_log_group(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN a two-AZ network with protect on WHEN it is declared
    engine.declare(lambda: _network(2, "single", provider, protect=True))
    # THEN the flow-log group is protected both in Pulumi and by its own deletion protection
    group = engine.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.protect and group.inputs["deletionProtectionEnabled"] is True


def test_application_tier_has_a_group_that_data_stores_can_admit(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN a two-AZ network WHEN it is declared
    engine.declare(lambda: _network(2, "single", provider))
    # THEN the application tier's group admits nothing itself and is tagged tier=application for data stores
    (group,) = [g for g in engine.of_type("aws:ec2/securityGroup:SecurityGroup") if g.name == "network-app"]
    assert group.inputs.get("ingress", []) == [] and group.inputs["tags"] == {"tier": "application"}
