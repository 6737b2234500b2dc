"""What remote components (awsx, pulumi-eks) create, derived from the arguments the program gives them.

Under mocks a remote component registers as one resource with no children, because its provider does the
construction. The functions here reproduce that construction for the parts that cost money or that policies
judge, so the plan can count and price them, and give the mocks the outputs the real component would return.
"""

import hashlib
import inspect
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

AWSX_VPC = "awsx:ec2:Vpc"
TIER_ORDER = {"Public": 0, "Private": 1, "Isolated": 2, "Unused": 3}


@dataclass(frozen=True)
class DerivedResource:
    """A resource a remote component's provider creates, with the inputs it will pass."""

    type: str
    name: str
    inputs: dict[str, Any] = field(default_factory=dict)


def physical_id(prefix: str, *parts: str) -> str:
    """A stable fake AWS id, e.g. ``subnet-0f3a...``, the same for the same name in every run."""
    digest = hashlib.sha1("/".join(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{prefix}-0{digest[:16]}"


def child_urn(parent_urn: str, type_: str, name: str) -> str:
    """The URN the engine gives a child registered under ``parent_urn``."""
    prefix, qualified_type, _parent_name = parent_urn.rsplit("::", 2)
    return f"{prefix}::{qualified_type}${type_}::{name}"


def _subnet_rows(name: str, inputs: dict[str, Any]) -> list[tuple[int, str, str, str, str]]:
    """(az index, az, awsx type, subnet name, cidr) in the order awsx creates subnets."""
    azs: list[str] = inputs.get("availabilityZoneNames") or []
    specs: list[dict[str, Any]] = inputs.get("subnetSpecs") or []
    if not azs or any(not spec.get("cidrBlocks") for spec in specs) or not specs:
        raise ValueError(
            f"{AWSX_VPC} {name!r}: the plan derives subnets only from explicit availabilityZoneNames "
            "and subnetSpecs with cidrBlocks"
        )
    rows = []
    for index, az in enumerate(azs):
        ordered = sorted((s for s in specs if s["type"] != "Unused"), key=lambda s: TIER_ORDER[s["type"]])
        for spec in ordered:
            spec_name = spec.get("name") or spec["type"].lower()
            rows.append((index, az, spec["type"], f"{name}-{spec_name}-{index + 1}", spec["cidrBlocks"][index]))
    return rows


def _nat_strategy(inputs: dict[str, Any]) -> str:
    return str((inputs.get("natGateways") or {}).get("strategy") or "OnePerAz")


def expand_awsx_vpc(name: str, inputs: dict[str, Any]) -> list[DerivedResource]:
    """The resources awsx's Vpc creates (awsx 3.x: subnets, route tables, routes, IGW, EIPs, NATs, endpoints)."""
    strategy = _nat_strategy(inputs)
    resources = [
        DerivedResource(
            "aws:ec2/vpc:Vpc",
            name,
            {
                "cidrBlock": inputs.get("cidrBlock", "10.0.0.0/16"),
                "enableDnsHostnames": inputs.get("enableDnsHostnames"),
                "enableDnsSupport": inputs.get("enableDnsSupport"),
            },
        ),
        DerivedResource("aws:ec2/internetGateway:InternetGateway", name),
    ]
    for spec in inputs.get("vpcEndpointSpecs") or []:
        resources.append(
            DerivedResource(
                "aws:ec2/vpcEndpoint:VpcEndpoint",
                spec["serviceName"],
                {
                    "serviceName": spec["serviceName"],
                    "vpcEndpointType": spec.get("vpcEndpointType", "Gateway"),
                },
            )
        )
    nat_count = 0
    for index, az, subnet_type, subnet_name, cidr in _subnet_rows(name, inputs):
        public = subnet_type == "Public"
        resources += [
            DerivedResource(
                "aws:ec2/subnet:Subnet",
                subnet_name,
                {
                    "availabilityZone": az,
                    "cidrBlock": cidr,
                    "mapPublicIpOnLaunch": public,
                    "tags": {"SubnetType": subnet_type},
                },
            ),
            DerivedResource("aws:ec2/routeTable:RouteTable", subnet_name),
            DerivedResource("aws:ec2/routeTableAssociation:RouteTableAssociation", subnet_name),
        ]
        wants_nat = strategy == "OnePerAz" or (strategy == "Single" and nat_count == 0)
        if public and wants_nat:
            nat_count += 1
            resources += [
                DerivedResource("aws:ec2/eip:Eip", f"{name}-{index + 1}", {"domain": "vpc"}),
                DerivedResource(
                    "aws:ec2/natGateway:NatGateway",
                    f"{name}-{index + 1}",
                    {
                        "connectivityType": "public",
                        "availabilityZone": az,
                    },
                ),
            ]
        if public:
            resources.append(
                DerivedResource(
                    "aws:ec2/route:Route",
                    subnet_name,
                    {
                        "destinationCidrBlock": "0.0.0.0/0",
                        "target": "internet-gateway",
                    },
                )
            )
        elif subnet_type == "Private" and strategy != "None":
            resources.append(
                DerivedResource(
                    "aws:ec2/route:Route",
                    subnet_name,
                    {
                        "destinationCidrBlock": "0.0.0.0/0",
                        "target": "nat-gateway",
                    },
                )
            )
    return resources


def awsx_vpc_outputs(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The outputs awsx's Vpc returns, with ids that match the derived subnets."""
    ids: dict[str, list[str]] = {"Public": [], "Private": [], "Isolated": []}
    layout = []
    for _index, az, subnet_type, subnet_name, cidr in _subnet_rows(name, inputs):
        ids[subnet_type].append(physical_id("subnet", subnet_name))
        layout.append({"type": subnet_type, "name": subnet_name, "availabilityZone": az, "cidrBlock": cidr})
    return {
        "vpcId": physical_id("vpc", name),
        "publicSubnetIds": ids["Public"],
        "privateSubnetIds": ids["Private"],
        "isolatedSubnetIds": ids["Isolated"],
        "subnetLayout": layout,
    }


EKS_CLUSTER = "eks:index:Cluster"
EKS_MANAGED_NODE_GROUP = "eks:index:ManagedNodeGroup"
# pulumi-eks 4.x defaults for the default (self-managed) node group.
EKS_DEFAULT_INSTANCE_TYPE = "t2.medium"
EKS_DEFAULT_DESIRED_CAPACITY = 2


def expand_eks_cluster(name: str, inputs: dict[str, Any]) -> list[DerivedResource]:
    """The billable and policy-relevant parts of a pulumi-eks Cluster: the control plane, and the default
    self-managed node group unless ``skipDefaultNodeGroup`` is set."""
    resources = [
        DerivedResource(
            "aws:eks/cluster:Cluster",
            f"{name}-eksCluster",
            {
                "vpcConfig": {
                    "endpointPublicAccess": inputs.get("endpointPublicAccess", True),
                    "endpointPrivateAccess": inputs.get("endpointPrivateAccess", False),
                },
                **(
                    {
                        "encryptionConfig": {
                            "resources": ["secrets"],
                            "provider": {"keyArn": inputs["encryptionConfigKeyArn"]},
                        }
                    }
                    if inputs.get("encryptionConfigKeyArn")
                    else {}
                ),
            },
        )
    ]
    if not inputs.get("skipDefaultNodeGroup"):
        resources.append(
            DerivedResource(
                "aws:autoscaling/group:Group",
                f"{name}-nodeGroup",
                {
                    "instanceType": inputs.get("instanceType") or EKS_DEFAULT_INSTANCE_TYPE,
                    "desiredCapacity": inputs.get("desiredCapacity") or EKS_DEFAULT_DESIRED_CAPACITY,
                    "minSize": inputs.get("minSize", 1),
                    "maxSize": inputs.get("maxSize", 2),
                },
            )
        )
    return resources


def expand_eks_managed_node_group(name: str, inputs: dict[str, Any]) -> list[DerivedResource]:
    """A pulumi-eks ManagedNodeGroup is one EKS node group."""
    return [
        DerivedResource(
            "aws:eks/nodeGroup:NodeGroup",
            name,
            {
                "scalingConfig": inputs.get("scalingConfig") or {"desiredSize": 2, "minSize": 1, "maxSize": 2},
                "instanceTypes": inputs.get("instanceTypes") or ["t3.medium"],
                "capacityType": inputs.get("capacityType", "ON_DEMAND"),
            },
        )
    ]


def eks_cluster_outputs(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The outputs pulumi-eks's Cluster returns that the platform reads."""
    cluster = str(inputs.get("name") or name)
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster,
                "cluster": {
                    "server": f"https://{physical_id('eks', cluster)[-16:].upper()}.gr7.us-east-1.eks.amazonaws.com"
                },
            }
        ],
    }
    return {
        "kubeconfig": kubeconfig,
        "kubeconfigJson": json.dumps(kubeconfig),
        "clusterSecurityGroupId": physical_id("sg", f"{cluster}-cluster"),
        "oidcProviderArn": f"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/{cluster}",
    }


def transformed(children: list[DerivedResource], transforms: Sequence[Callable[..., Any]]) -> list[DerivedResource]:
    """``children`` as the engine registers them once the component's transforms have run on each (a transform
    may change a child's inputs; awsx offers no other way to change some, such as a subnet's public IPs)."""
    if not transforms:
        return children
    from pulumi import ResourceOptions, ResourceTransformArgs

    result = []
    for child in children:
        props: dict[str, Any] = dict(child.inputs)
        for transform in transforms:
            outcome = transform(ResourceTransformArgs(True, child.type, child.name, dict(props), ResourceOptions()))
            if inspect.isawaitable(outcome):
                raise TypeError(f"transform {transform!r}: the plan applies only synchronous transforms")
            if outcome is not None:
                props = dict(outcome.props)
        result.append(DerivedResource(child.type, child.name, props))
    return result


def unreported_children(
    resources: Iterable[tuple[str, str, str, Mapping[str, Any], str]],
    transforms: Mapping[str, Sequence[Callable[..., Any]]] | None = None,
) -> dict[str, list[DerivedResource]]:
    """What each remote component will create, for the components whose children the engine has not reported.

    ``resources`` are (urn, type, name, inputs, parent) tuples. During a real preview a remote component's
    provider registers its children, so nothing is derived for it; under mocks it registers alone, and its parts
    are derived from its arguments, then run through the component's ``transforms`` (by URN) as the engine would.
    The plan, the cost model and the NAT-count policy all count them this way."""
    listed = list(resources)
    parents = {parent for *_, parent in listed}
    return {
        urn: transformed(EXPANDERS[type_](name, dict(inputs)), (transforms or {}).get(urn, ()))
        for urn, type_, name, inputs, _ in listed
        if type_ in EXPANDERS and urn not in parents
    }


EXPANDERS: dict[str, Callable[[str, dict[str, Any]], list[DerivedResource]]] = {
    AWSX_VPC: expand_awsx_vpc,
    EKS_CLUSTER: expand_eks_cluster,
    EKS_MANAGED_NODE_GROUP: expand_eks_managed_node_group,
}
OUTPUTS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    AWSX_VPC: awsx_vpc_outputs,
    EKS_CLUSTER: eks_cluster_outputs,
    EKS_MANAGED_NODE_GROUP: lambda name, inputs: {},
}
