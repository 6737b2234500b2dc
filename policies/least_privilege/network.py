"""Least-privilege rules for the VPC itself: default groups, network ACLs, flow logs, interface endpoints and
network interfaces (FSBP EC2 controls)."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from policies.common import types as t
from policies.common.framework import Context, Rule, Subject, as_list, decoded

WORLD = ("0.0.0.0/0", "::/0")
ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
VPC_TYPES = ("awsx:ec2:Vpc", "aws:ec2/vpc:Vpc")
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
NETWORK_ACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"
NETWORK_ACL_ASSOCIATION = "aws:ec2/networkAclAssociation:NetworkAclAssociation"
# The interface endpoints FSBP asks every VPC to have, by the service name's suffix, with the control.
REQUIRED_ENDPOINTS = {
    "ec2": "EC2.10",
    "ecr.api": "EC2.55",
    "ecr.dkr": "EC2.56",
    "ssm": "EC2.57",
    "ssm-contacts": "EC2.58",
    "ssm-incidents": "EC2.60",
}


def _refs(subject: Subject, *keys: str) -> set[str]:
    return {str(subject.get(k)) for k in keys if subject.get(k)}


def _default_group_closed(subject: Subject, context: Context) -> Iterable[str]:
    for direction in ("ingress", "egress"):
        if as_list(decoded(subject.get(direction))):
            yield f"remove every {direction} rule: nothing may use the default security group"


def _vpcs(subjects: Sequence[Subject]) -> list[Subject]:
    """The stack's VPCs: an awsx VPC stands for the aws.ec2.Vpc its provider creates under it."""
    components = {s.urn for s in subjects if s.type == VPC_TYPES[0]}
    return [s for s in subjects if s.type in VPC_TYPES and s.parent not in components]


def _vpc_refs(vpc: Subject) -> set[str]:
    return _refs(vpc, "id", "vpcId")


def _belongs(child: Subject, vpc: Subject) -> bool:
    """The child (flow log, endpoint) names the VPC's id, or is declared in the same component as the VPC: under
    mocks, and before the id is known, a remote component's vpcId output need not match what children got."""
    if str(child.get("vpcId") or "") in _vpc_refs(vpc):
        return True
    return bool(child.parent) and child.parent == vpc.parent


def _flow_logs(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    logs = [s for s in subjects if s.type == FLOW_LOG]
    for vpc in _vpcs(subjects):
        if not any(_belongs(log, vpc) for log in logs):
            yield vpc.urn, f"{vpc.name}: add an aws.ec2.FlowLog for the VPC (traffic type ALL or REJECT)"


def _endpoints(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    endpoints = [s for s in subjects if s.type == VPC_ENDPOINT]
    for vpc in _vpcs(subjects):
        services = {
            str(e.get("serviceName", "")).split(".", 3)[-1]
            for e in endpoints
            if _belongs(e, vpc) and str(e.get("vpcEndpointType", "Interface")) == "Interface"
        }
        missing = [f"{name} ({control})" for name, control in REQUIRED_ENDPOINTS.items() if name not in services]
        if missing:
            yield vpc.urn, f"{vpc.name}: add interface endpoints for {', '.join(missing)}"


def _acl_entries(subject: Subject, direction: str) -> list[Mapping[str, Any]]:
    if subject.type == NETWORK_ACL_RULE:
        egress = str(subject.get("egress", False)).lower() == "true"
        if egress != (direction == "egress"):
            return []
        return [{**subject.props, "action": subject.get("ruleAction", "allow")}]
    return [e for e in as_list(decoded(subject.get(direction))) if isinstance(e, Mapping)]


def _entry_ports(entry: Mapping[str, Any]) -> tuple[int, int]:
    if str(entry.get("protocol", "-1")).lower() in ("-1", "all"):
        return 0, 65535
    return int(entry.get("fromPort") or 0), int(entry.get("toPort") or 0)


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, int | float) else str(value or "?")


def _acl_admin_ports(subject: Subject, context: Context) -> Iterable[str]:
    for entry in _acl_entries(subject, "ingress"):
        source = entry.get("cidrBlock") or entry.get("ipv6CidrBlock")
        if str(entry.get("action", "allow")).lower() != "allow" or source not in WORLD:
            continue
        if str(entry.get("protocol", "-1")).lower() not in ("-1", "all", "tcp", "6"):
            continue
        low, high = _entry_ports(entry)
        for port, service in ADMIN_PORTS.items():
            if low <= port <= high:
                yield (
                    f"rule {_number(entry.get('ruleNo'))} allows {service} (port {port}) from {source}; narrow the "
                    f"range or deny port {port} from the internet"
                )


def _acls_used(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    associated = {str(s.get("networkAclId")) for s in subjects if s.type == NETWORK_ACL_ASSOCIATION}
    for acl in (s for s in subjects if s.type == t.NETWORK_ACL):
        if not as_list(acl.get("subnetIds")) and not (_refs(acl, "id") & associated):
            yield acl.urn, f"{acl.name}: the network ACL guards no subnet; associate it (subnetIds) or remove it"


def _single_interface(subject: Subject, context: Context) -> Iterable[str]:
    interfaces = as_list(subject.get("networkInterfaces"))
    if len(interfaces) > 1:
        yield f"{len(interfaces)} network interfaces; an instance uses one ENI (attach more only by exception)"


RULES: list[Rule] = [
    Rule(
        "vpc-default-security-group-closed",
        "The VPC's default security group allows no inbound or outbound traffic.",
        "high",
        ("EC2.2",),
        (DEFAULT_SECURITY_GROUP,),
        check=_default_group_closed,
    ),
    Rule(
        "vpc-flow-logs-enabled",
        "Every VPC has a flow log.",
        "medium",
        ("EC2.6",),
        stack_check=_flow_logs,
    ),
    Rule(
        "vpc-interface-endpoints",
        "Every VPC reaches EC2, ECR (API and Docker registry), Systems Manager and Incident Manager (and its "
        "contacts) through interface endpoints.",
        "medium",
        tuple(REQUIRED_ENDPOINTS.values()),
        stack_check=_endpoints,
    ),
    Rule(
        "network-acl-no-internet-admin-ports",
        "No network ACL admits SSH (22) or RDP (3389) from 0.0.0.0/0 or ::/0.",
        "high",
        ("EC2.21",),
        (t.NETWORK_ACL, NETWORK_ACL_RULE),
        check=_acl_admin_ports,
    ),
    Rule(
        "network-acl-associated",
        "Every network ACL guards at least one subnet.",
        "low",
        ("EC2.16",),
        stack_check=_acls_used,
    ),
    Rule(
        "ec2-single-network-interface",
        "EC2 instances and launch templates attach one network interface.",
        "low",
        ("EC2.17",),
        (t.EC2_INSTANCE, t.LAUNCH_TEMPLATE),
        check=_single_interface,
    ),
]
