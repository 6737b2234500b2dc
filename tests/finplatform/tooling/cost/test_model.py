"""The cost model: prices, usage assumptions, and remote components priced once."""

import pytest

from finplatform.tooling.cost.model import PricedResource, estimate, price_table
from finplatform.tooling.remote_components import child_urn
from finplatform.usage import DEFAULTS, UsageError, parse_usage

VPC_URN = "urn:pulumi:prod::finplatform::finplatform:network:Network$awsx:ec2:Vpc::network-vpc"


def _vpc(strategy: str) -> PricedResource:
    return PricedResource(
        VPC_URN,
        "awsx:ec2:Vpc",
        "network-vpc",
        {
            "cidrBlock": "10.0.0.0/16",
            "availabilityZoneNames": ["us-east-1a", "us-east-1b"],
            "natGateways": {"strategy": strategy},
            "subnetSpecs": [
                {"type": "Public", "name": "public", "cidrBlocks": ["10.0.1.0/24", "10.0.2.0/24"]},
                {"type": "Private", "name": "private", "cidrBlocks": ["10.0.11.0/24", "10.0.12.0/24"]},
            ],
        },
        "us-east-1",
    )


def test_nat_gateway_is_hours_plus_processed_data() -> None:
    # GIVEN a VPC with a single NAT gateway and 100 GB of processed data a month
    usage = parse_usage("prod", ["natProcessedGb=100"])
    # WHEN it is priced
    (item,) = [i for i in estimate([_vpc("Single")], usage).items if i.type.endswith("NatGateway")]
    # THEN the NAT gateway costs 730 hours plus 100 GB at the us-east-1 rate
    assert item.monthly_usd == pytest.approx(730 * 0.045 + 100 * 0.045, abs=0.01)


def test_remote_component_is_priced_from_its_arguments_when_its_children_are_absent() -> None:
    # GIVEN a two-AZ VPC with a NAT gateway per AZ and no children reported by the engine WHEN it is priced
    items = estimate([_vpc("OnePerAz")], DEFAULTS["dev"]).items
    # THEN two NAT gateways and two Elastic IPs are priced from its arguments
    assert [i.type for i in items].count("aws:ec2/natGateway:NatGateway") == 2
    assert [i.type for i in items].count("aws:ec2/eip:Eip") == 2


def test_remote_component_is_not_priced_twice_when_the_engine_reports_its_children() -> None:
    # GIVEN a preview where the engine registered the VPC's one NAT gateway itself
    nat = PricedResource(
        child_urn(VPC_URN, "aws:ec2/natGateway:NatGateway", "network-vpc-1"),
        "aws:ec2/natGateway:NatGateway",
        "network-vpc-1",
        {},
        "us-east-1",
        parent=VPC_URN,
    )
    # WHEN the VPC and that child are priced
    items = estimate([_vpc("OnePerAz"), nat], DEFAULTS["dev"]).items
    # THEN only that child is priced, not the two the arguments would imply
    assert [i.type for i in items] == ["aws:ec2/natGateway:NatGateway"]


def test_multi_az_rds_costs_twice_single_az() -> None:
    # GIVEN a db.t3.medium with 20 GB of storage, single-AZ and Multi-AZ
    def rds(multi_az: bool) -> float:
        props = {"instanceClass": "db.t3.medium", "multiAz": multi_az, "allocatedStorage": 20}
        return estimate(
            [PricedResource("urn:db", "aws:rds/instance:Instance", "db", props, "us-east-1")], DEFAULTS["prod"]
        ).monthly_usd

    # WHEN each is priced for prod
    # THEN Multi-AZ costs twice as much, and single-AZ is 730 instance hours plus 20 GB of storage
    assert rds(True) == pytest.approx(2 * rds(False), abs=0.02)
    assert rds(False) == pytest.approx(730 * 0.072 + 20 * 0.115, abs=0.01)


def test_unknown_region_falls_back_to_us_east_1_and_says_so() -> None:
    # GIVEN a KMS key in eu-west-1, a region the price table lacks
    key = PricedResource("urn:key", "aws:kms/key:Key", "key", {}, "eu-west-1")
    # WHEN it is priced
    (item,) = estimate([key], DEFAULTS["dev"]).items
    # THEN its basis says the us-east-1 prices were used
    assert "us-east-1 prices" in item.basis


def test_price_table_states_its_source_and_date_and_covers_both_regions() -> None:
    # GIVEN the vendored price table WHEN it is loaded
    table = price_table()
    # THEN every group of prices names its source and date, every unit price belongs to one group, and it covers
    # us-east-1 and us-west-2, with EC2, RDS and ElastiCache prices for us-east-1
    assert table["vendored"] and "pricesAsOf" not in table
    groups = table["priceGroups"]
    assert all(g["asOf"] and g["source"] and g["status"] for g in groups.values())
    grouped = [key for g in groups.values() for key in g.get("keys", [])]
    assert sorted(grouped) == sorted(table["regions"]["us-east-1"]["unit"])
    tables = {g["table"] for g in groups.values() if "table" in g}
    assert tables == set(table["regions"]["us-east-1"]) - {"unit"}
    assert set(table["regions"]) == {"us-east-1", "us-west-2"}
    for catalogue in ("ec2", "rds", "elasticache"):
        assert table["regions"]["us-east-1"][catalogue], catalogue


def test_usage_entries_override_the_environment_defaults() -> None:
    # GIVEN staging's defaults and an entry for logIngestGb WHEN the usage is parsed
    usage = parse_usage("staging", ["logIngestGb=42"])
    # THEN that entry wins and the other assumptions keep staging's defaults
    assert usage.logIngestGb == 42 and usage.natProcessedGb == DEFAULTS["staging"].natProcessedGb


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("natGb=3", "expected name=value"),
        ("natProcessedGb=lots", "needs a number"),
        ("logIngestGb=-1", "negative"),
    ],
)
def test_bad_usage_entries_are_rejected(entry: str, message: str) -> None:
    # GIVEN a malformed, a non-numeric or a negative usage entry WHEN the usage is parsed
    # THEN it is rejected saying what is wrong
    with pytest.raises(UsageError, match=message):
        parse_usage("dev", [entry])


def test_eks_cluster_is_priced_from_its_arguments() -> None:
    # GIVEN seed 001's cluster: t3.medium nodes, two of them, through pulumi-eks
    cluster = PricedResource(
        "urn:pulumi:prod::finplatform::eks:index:Cluster::chain",
        "eks:index:Cluster",
        "chain",
        {"instanceType": "t3.medium", "desiredCapacity": 2},
        "us-east-1",
    )
    # WHEN it is priced for prod
    items = {i.type: i.monthly_usd for i in estimate([cluster], DEFAULTS["prod"]).items}
    # THEN the control plane and the node group are both priced
    assert items["aws:eks/cluster:Cluster"] == pytest.approx(73.0)
    assert items["aws:autoscaling/group:Group"] == pytest.approx(2 * 730 * 0.0416, abs=0.01)


def test_a_mixed_instances_group_is_priced_at_its_first_instance_type() -> None:
    # GIVEN an Auto Scaling group launching t3.small first and t3a.small when EC2 has no t3.small capacity, from a
    # launch template that names no instance type
    template = PricedResource(
        "urn:template", "aws:ec2/launchTemplate:LaunchTemplate", "api", {"id": "lt-1"}, "us-east-1"
    )
    mixed = {
        "launchTemplate": {
            "launchTemplateSpecification": {"launchTemplateId": "lt-1", "version": "$Latest"},
            "overrides": [{"instanceType": "t3.small"}, {"instanceType": "t3a.small"}],
        }
    }
    group = PricedResource(
        "urn:asg",
        "aws:autoscaling/group:Group",
        "api",
        {"desiredCapacity": 2, "mixedInstancesPolicy": mixed},
        "us-east-1",
    )
    # WHEN it is priced for prod
    items = {i.urn: i for i in estimate([template, group], DEFAULTS["prod"]).items}
    # THEN its instances cost what two t3.small do, and the basis says so
    assert items["urn:asg"].monthly_usd == pytest.approx(2 * 730 * 0.0208, abs=0.01)
    assert items["urn:asg"].basis.startswith("2 x t3.small")


def test_an_unresolvable_size_is_listed_at_zero_with_the_reason_rather_than_failing() -> None:
    # GIVEN an Auto Scaling group whose launch template the model cannot see (as in a preview before deploy)
    group = PricedResource("urn:asg", "aws:autoscaling/group:Group", "api", {"desiredCapacity": 2}, "us-east-1")
    # WHEN it is priced for prod
    (item,) = estimate([group], DEFAULTS["prod"]).items
    # THEN it costs nothing and its basis says why it was not priced
    assert item.monthly_usd == 0 and item.basis.startswith("not priced: no ec2 price")


def test_a_replica_without_its_own_storage_is_priced_at_its_sources() -> None:
    # GIVEN a 1,000 GB primary in us-east-1 and a cross-region replica of it that sets no storage of its own
    primary = PricedResource(
        "urn:db",
        "aws:rds/instance:Instance",
        "postgres-primary",
        {"instanceClass": "db.t3.medium", "allocatedStorage": 1000, "identifier": "app-postgres"},
        "us-east-1",
    )
    replica = PricedResource(
        "urn:replica",
        "aws:rds/instance:Instance",
        "postgres-dr-replica",
        {"instanceClass": "db.t3.medium", "replicateSourceDb": "arn:aws:rds:us-east-1:111122223333:db:app-postgres"},
        "us-west-2",
    )
    # WHEN they are priced
    items = {item.name: item for item in estimate([primary, replica], parse_usage("prod", [])).items}
    # THEN the replica's storage is the source's 1,000 GB, as RDS creates it, not RDS's 20 GB default
    storage = [c for c in items["postgres-dr-replica"].charges if c.name.startswith("gp3 storage")]
    assert [c.quantity for c in storage] == [1000]
    assert "the source's storage" in items["postgres-dr-replica"].basis
