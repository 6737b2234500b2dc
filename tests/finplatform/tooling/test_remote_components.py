"""What the plan derives for the awsx VPC from its arguments."""

from collections import Counter

from finplatform.tooling.remote_components import (
    awsx_vpc_outputs,
    expand_awsx_vpc,
    expand_eks_cluster,
    expand_eks_managed_node_group,
)


def _vpc_inputs(strategy: str, azs: int) -> dict[str, object]:
    tiers = [("Public", "public", 1), ("Private", "private", 11), ("Isolated", "isolated", 21)]
    return {
        "cidrBlock": "10.0.0.0/16",
        "availabilityZoneNames": [f"us-east-1{c}" for c in "abc"[:azs]],
        "natGateways": {"strategy": strategy},
        "subnetSpecs": [
            {"type": t, "name": n, "cidrBlocks": [f"10.0.{base + i}.0/24" for i in range(azs)]} for t, n, base in tiers
        ],
        "vpcEndpointSpecs": [{"serviceName": "com.amazonaws.us-east-1.s3", "vpcEndpointType": "Gateway"}],
    }


def test_one_nat_per_az_gives_a_nat_and_eip_in_each_public_subnet() -> None:
    # GIVEN an awsx VPC over three AZs with a NAT gateway per AZ WHEN its children are derived
    counts = Counter(r.type for r in expand_awsx_vpc("vpc", _vpc_inputs("OnePerAz", 3)))
    # THEN there are nine subnets, and a NAT gateway and Elastic IP in each AZ
    assert counts["aws:ec2/subnet:Subnet"] == 9
    assert counts["aws:ec2/natGateway:NatGateway"] == 3 and counts["aws:ec2/eip:Eip"] == 3
    # AND public and private subnets route to the internet; isolated ones do not
    assert counts["aws:ec2/route:Route"] == 6


def test_single_nat_serves_every_private_subnet() -> None:
    # GIVEN a two-AZ awsx VPC with a single NAT gateway WHEN its children are derived
    derived = expand_awsx_vpc("vpc", _vpc_inputs("Single", 2))
    # THEN there is one NAT gateway, and both private subnets route to it
    counts = Counter(r.type for r in derived)
    assert counts["aws:ec2/natGateway:NatGateway"] == 1
    private_routes = [r for r in derived if r.type == "aws:ec2/route:Route" and "private" in r.name]
    assert [r.inputs["target"] for r in private_routes] == ["nat-gateway", "nat-gateway"]


def test_no_nat_leaves_private_subnets_without_a_default_route() -> None:
    # GIVEN a two-AZ awsx VPC without NAT WHEN its children are derived
    counts = Counter(r.type for r in expand_awsx_vpc("vpc", _vpc_inputs("None", 2)))
    # THEN there is no NAT gateway and only the two public subnets get a default route
    assert counts["aws:ec2/natGateway:NatGateway"] == 0 and counts["aws:ec2/route:Route"] == 2


def test_isolated_subnets_never_map_public_ips() -> None:
    # GIVEN a three-AZ awsx VPC WHEN its children are derived
    derived = expand_awsx_vpc("vpc", _vpc_inputs("OnePerAz", 3))
    # THEN isolated subnets do not map public IPs on launch and public ones do
    subnets = {r.name: r.inputs for r in derived if r.type == "aws:ec2/subnet:Subnet"}
    assert subnets["vpc-isolated-1"]["mapPublicIpOnLaunch"] is False
    assert subnets["vpc-public-1"]["mapPublicIpOnLaunch"] is True


def test_mock_outputs_list_subnet_ids_per_tier_in_az_order() -> None:
    # GIVEN a three-AZ awsx VPC WHEN the mock works out its outputs
    outputs = awsx_vpc_outputs("vpc", _vpc_inputs("OnePerAz", 3))
    # THEN each tier lists three subnet IDs, and no isolated subnet shares an ID with a public one
    assert [len(outputs[k]) for k in ("publicSubnetIds", "privateSubnetIds", "isolatedSubnetIds")] == [3, 3, 3]
    assert len(set(outputs["isolatedSubnetIds"]) | set(outputs["publicSubnetIds"])) == 6


def test_eks_cluster_brings_a_control_plane_and_a_default_node_group() -> None:
    # GIVEN a pulumi-eks cluster with three t3.medium default nodes and a private endpoint
    # WHEN its parts are derived
    derived = expand_eks_cluster(
        "chain", {"instanceType": "t3.medium", "desiredCapacity": 3, "endpointPublicAccess": False}
    )
    # THEN there is one private control plane and one Auto Scaling group of three t3.medium nodes
    (control_plane,) = [d for d in derived if d.type == "aws:eks/cluster:Cluster"]
    assert control_plane.inputs["vpcConfig"]["endpointPublicAccess"] is False
    (nodes,) = [d for d in derived if d.type == "aws:autoscaling/group:Group"]
    assert (nodes.inputs["instanceType"], nodes.inputs["desiredCapacity"]) == ("t3.medium", 3)


def test_eks_cluster_without_default_node_group_is_only_the_control_plane() -> None:
    # GIVEN a pulumi-eks cluster that skips the default node group WHEN its parts are derived
    derived = expand_eks_cluster("chain", {"skipDefaultNodeGroup": True, "encryptionConfigKeyArn": "arn:key"})
    # THEN only the control plane is derived, encrypted with the given key
    assert [d.type for d in derived] == ["aws:eks/cluster:Cluster"]
    assert derived[0].inputs["encryptionConfig"]["provider"]["keyArn"] == "arn:key"


def test_managed_node_group_is_one_eks_node_group() -> None:
    # GIVEN a pulumi-eks managed node group of 2 to 10 t3.medium nodes WHEN its parts are derived
    (group,) = expand_eks_managed_node_group(
        "chain-nodes",
        {"scalingConfig": {"desiredSize": 2, "minSize": 2, "maxSize": 10}, "instanceTypes": ["t3.medium"]},
    )
    # THEN it is one EKS node group with a max of 10
    assert group.type == "aws:eks/nodeGroup:NodeGroup" and group.inputs["scalingConfig"]["maxSize"] == 10
