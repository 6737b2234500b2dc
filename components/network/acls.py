"""Network ACLs: a second, stateless layer behind the security groups on every tier (seeds 000, 001, 004).

The rules are worked out from the tier layout and from the same ports the security groups open (the public
services' ports, the data stores' ports), so the two layers cannot drift apart; ``allows`` evaluates them the way
AWS does (lowest rule number first, first match decides, anything unmatched is denied), so a test can walk every
flow the security groups allow.
"""

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import pulumi
import pulumi_aws as aws

from finplatform.network_layout import TIERS, NetworkPlan, Tier

ANYWHERE = "0.0.0.0/0"
EPHEMERAL = (1024, 65535)  # the ports clients answer on (Linux and ELB use parts of this range)
RDP = 3389
# Answers from the internet may come to any ephemeral port but RDP's: no ACL admits 22 or 3389 from anywhere
# (EC2.21), so an answer to a connection that happened to use local port 3389 is dropped and retried.
INTERNET_ANSWERS = ((EPHEMERAL[0], RDP - 1), (RDP + 1, EPHEMERAL[1]))
HTTPS = 443
PUBLIC_FIRST_RULE = 110
Direction = Literal["ingress", "egress"]
EntryT = TypeVar("EntryT")


@dataclass(frozen=True)
class AclRule:
    """One ACL entry: allow TCP from (ingress) or to (egress) ``cidr`` on ports ``low``..``high``."""

    direction: Direction
    number: int
    cidr: str
    low: int
    high: int


def _rules(direction: Direction, entries: Iterable[tuple[str, int, int]], first: int = 100) -> list[AclRule]:
    return [AclRule(direction, first + 10 * n, cidr, low, high) for n, (cidr, low, high) in enumerate(entries)]


def tier_rules(
    plan: NetworkPlan, service_ports: Sequence[int], store_ports: Sequence[int], endpoints: bool = False
) -> dict[Tier, list[AclRule]]:
    """Each tier's rules. Public: the internet on 443 (the load balancer listens on nothing else), the answers
    to its own calls, and the private tier's outbound calls, which the NAT gateways forward. Private: the public
    tier (load balancer) on the services' ports and the answers to its calls. Isolated: the private tier on the
    stores' ports, its own nodes among themselves (replication), and nothing to or from the internet."""
    public, private, isolated = (plan.cidrs(t) for t in TIERS)
    services = sorted(set(service_ports))
    stores = sorted(set(store_ports))
    return {
        "public": _rules(
            "ingress",
            [
                (ANYWHERE, HTTPS, HTTPS),
                *[(cidr, 1, 65535) for cidr in private],  # calls the NAT gateways forward to the internet
                *[(ANYWHERE, *ports) for ports in INTERNET_ANSWERS],  # answers to the load balancer's and NAT's calls
            ],
            # Rule 100 admitted HTTP (80) until the load balancer stopped listening on it (ELB.18). The rest keep
            # their numbers: an update deletes every changed entry before it creates the new ones, so renumbering
            # would briefly leave the public tier denying everything.
            first=PUBLIC_FIRST_RULE,
        )
        + _rules("egress", [(ANYWHERE, 1, 65535)]),
        "private": _rules(
            "ingress",
            [
                *[(cidr, port, port) for cidr in public for port in services],
                *[(cidr, HTTPS, HTTPS) for cidr in (private if endpoints else [])],  # the interface endpoints
                # answers to calls out through NAT, to AWS APIs and to the data stores
                *[(ANYWHERE, *ports) for ports in INTERNET_ANSWERS],
            ],
        )
        + _rules("egress", [(ANYWHERE, 1, 65535)]),
        "isolated": _rules(
            "ingress",
            [
                *[(cidr, port, port) for cidr in private for port in stores],
                *[(cidr, 1, 65535) for cidr in isolated],  # replication between the stores' own nodes
            ],
        )
        + _rules(
            "egress",
            [
                *[(cidr, *EPHEMERAL) for cidr in private],  # answers to the application tier
                *[(cidr, 1, 65535) for cidr in isolated],
            ],
        ),
    }


def allows(rules: Sequence[AclRule], direction: Direction, peer: str, port: int) -> bool:
    """Whether ``rules`` let TCP traffic to ``port`` pass from (ingress) or to (egress) the address ``peer``."""
    address = ipaddress.IPv4Address(peer)
    for rule in sorted((r for r in rules if r.direction == direction), key=lambda r: r.number):
        if address in ipaddress.IPv4Network(rule.cidr) and rule.low <= port <= rule.high:
            return True
    return False


def acl_entries(rules: Sequence[AclRule], direction: Direction, entry: Callable[..., EntryT]) -> list[EntryT]:
    """The ``direction`` rules as the ACL's entries (``entry`` is NetworkAclIngressArgs or NetworkAclEgressArgs)."""
    return [
        entry(rule_no=r.number, action="allow", protocol="tcp", cidr_block=r.cidr, from_port=r.low, to_port=r.high)
        for r in rules
        if r.direction == direction
    ]


def declare_acls(
    name: str,
    vpc_id: pulumi.Input[str],
    subnet_ids: Mapping[Tier, pulumi.Input[Sequence[str]]],
    rules: Mapping[Tier, Sequence[AclRule]],
    parent: pulumi.Resource,
) -> dict[Tier, aws.ec2.NetworkAcl]:
    """An ACL per tier, associated with the tier's subnets (taking them over from the VPC's default ACL)."""
    return {
        tier: aws.ec2.NetworkAcl(
            f"{name}-{tier}-acl",
            aws.ec2.NetworkAclArgs(
                vpc_id=vpc_id,
                subnet_ids=subnet_ids[tier],
                ingress=acl_entries(rules[tier], "ingress", aws.ec2.NetworkAclIngressArgs),
                egress=acl_entries(rules[tier], "egress", aws.ec2.NetworkAclEgressArgs),
                tags={"tier": tier},
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for tier in TIERS
    }
