"""Network ACLs never drift from the security groups: every flow a security group admits passes the ACLs both
ways, and the flows the design forbids are denied, on the planned stacks as the engine receives them."""

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest

from components.data.postgres import POSTGRES_PORT
from components.network.acls import AclRule, Direction, allows, tier_rules
from components.network.vpc import INTERFACE_ENDPOINTS
from finplatform.network_layout import NetworkPlan, derive_subnets
from finplatform.tooling.cost.model import estimate
from finplatform.tooling.plan import Plan, priced
from finplatform.usage import parse_usage

INTERNET = "203.0.113.10"
ACL = "aws:ec2/networkAcl:NetworkAcl"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
STACKS = ["dev", "prod", "dex-mobile-prod", "smart-0dte-prod", "accunode-staging"]
# Networks with workloads: the primary of every stack, and the DR network of a warm standby.
NETWORKS = [(stack, "network") for stack in STACKS] + [("smart-0dte-prod", "dr-network")]


def _in_dr(name: str) -> bool:
    return name.startswith("dr-") or "-dr-" in name


def _acl_rules(acl: Any) -> list[AclRule]:
    rules = []
    for direction in ("ingress", "egress"):
        for entry in acl.inputs.get(direction) or []:
            assert entry["action"] == "allow" and entry["protocol"] == "tcp"
            rules.append(AclRule(direction, entry["ruleNo"], entry["cidrBlock"], entry["fromPort"], entry["toPort"]))
    return rules


def _host(cidr: str) -> str:
    return str(next(ipaddress.IPv4Network(cidr).hosts()))


class Tiers:
    """A network's ACL rules and a host address in each subnet, by tier."""

    def __init__(self, plan: Plan, network: str = "network") -> None:
        acls = {r.name: r for r in plan.named(ACL) if r.name.startswith(f"{network}-")}
        self.rules = {tier: _acl_rules(acls[f"{network}-{tier}-acl"]) for tier in ("public", "private", "isolated")}
        (vpc,) = [r for r in plan.named("awsx:ec2:Vpc") if r.name == f"{network}-vpc"]
        self.hosts = {
            tier.lower(): [_host(c) for c in spec["cidrBlocks"]]
            for spec in vpc.inputs["subnetSpecs"]
            for tier in [spec["type"]]
        }

    def passes(self, source: str, source_tier: str | None, target: str, target_tier: str | None, port: int) -> bool:
        """A TCP connection from ``source`` to ``target``:``port``, and its answer, get through every ACL on the way."""
        answer = 50000

        def through(tier: str | None, direction: Direction, peer: str, to_port: int) -> bool:
            return tier is None or allows(self.rules[tier], direction, peer, to_port)

        return (
            through(source_tier, "egress", target, port)
            and through(target_tier, "ingress", source, port)
            and through(target_tier, "egress", source, answer)
            and through(source_tier, "ingress", target, answer)
        )


def _allowed_flows(plan: Plan, network: str = "network") -> list[tuple[str | None, str, int]]:
    """(source tier or None for the internet, target tier, port) for every ingress a security group of the
    network (the primary's, or the DR region's with dr-network) admits."""
    dr = network.startswith("dr-")
    groups = {
        r.outputs["id"]: r
        for r in plan.named(SECURITY_GROUP)
        if _in_dr(r.name) == dr
        and r.name.removeprefix("dr-").startswith(("edge-", "network-", "postgres-", "redis-", "time-series-"))
    }
    tier_of = {
        gid: (
            "public"
            if g.name.removeprefix("dr-") == "edge-alb-sg"
            else "private"
            if g.name.removeprefix("dr-") in ("network-app", "network-endpoints")
            else "isolated"
        )
        for gid, g in groups.items()
    }
    flows: list[tuple[str | None, str, int]] = []
    for gid, group in groups.items():
        for rule in group.inputs.get("ingress") or []:
            for port in range(rule["fromPort"], rule["toPort"] + 1):
                if rule.get("cidrBlocks") == ["0.0.0.0/0"]:
                    flows.append((None, tier_of[gid], port))
                for source in rule.get("securityGroups") or []:
                    flows.append((tier_of[source], tier_of[gid], port))
    for rule in plan.named(INGRESS_RULE):
        if rule.inputs["securityGroupId"] not in groups:
            continue  # the other network's
        flows.append(
            (
                tier_of[rule.inputs["referencedSecurityGroupId"]],
                tier_of[rule.inputs["securityGroupId"]],
                rule.inputs["fromPort"],
            )
        )
    return flows


@pytest.mark.parametrize(("stack", "network"), NETWORKS)
def test_every_flow_a_security_group_allows_passes_the_acls(
    planned: Callable[[str], Plan], stack: str, network: str
) -> None:
    # GIVEN a network's security groups and ACLs as the engine receives them (a warm standby's DR network too)
    plan = planned(stack)
    tiers = Tiers(plan, network)
    flows = _allowed_flows(plan, network)
    assert flows, "the security groups admit something"
    # WHEN every admitted flow is walked from each subnet of its source tier to each subnet of its target tier
    blocked = [
        (source_tier or "internet", target_tier, port)
        for source_tier, target_tier, port in flows
        for source in (tiers.hosts[source_tier] if source_tier else [INTERNET])
        for target in tiers.hosts[target_tier]
        if not tiers.passes(source, source_tier, target, target_tier, port)
    ]
    # THEN the ACLs let every one through, and its answer back
    assert blocked == []
    # AND the application tier's calls out through a NAT gateway in the public tier get through too
    nat = tiers.hosts["public"][0]
    assert tiers.hosts["private"]
    assert all(tiers.passes(host, "private", nat, "public", 443) for host in tiers.hosts["private"])
    assert tiers.passes(nat, "public", INTERNET, None, 443)


@pytest.mark.parametrize("stack", STACKS)
def test_flows_the_design_forbids_are_denied(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack's ACLs
    tiers = Tiers(planned(stack))
    isolated = tiers.hosts["isolated"]
    assert isolated
    # THEN nothing reaches the isolated tier from the internet or from the public tier, on any store port,
    for port in (5432, POSTGRES_PORT, 6379, 8086, 22, 443):
        assert not any(tiers.passes(INTERNET, None, host, "isolated", port) for host in isolated)
        assert not any(tiers.passes(tiers.hosts["public"][0], "public", host, "isolated", port) for host in isolated)
    # AND the isolated tier cannot call out to the internet, and no admin port of the private tier is open to it.
    # (Ports 1024-65535 stay open to any address there: answers from the internet come back through NAT with the
    # internet's addresses, and a stateless ACL cannot tell them from new connections; the private tier has no
    # public address and no inbound route, which is what keeps those out.)
    assert not tiers.passes(isolated[0], "isolated", INTERNET, None, 443)
    for port in (22, 25, 445):
        assert not any(tiers.passes(INTERNET, None, host, "private", port) for host in tiers.hosts["private"])
    # AND the internet reaches the public tier on 443 only, not on HTTP's 80, where nothing listens (ELB.18)
    public = tiers.hosts["public"]
    assert all(tiers.passes(INTERNET, None, host, "public", 443) for host in public)
    assert not any(tiers.passes(INTERNET, None, host, "public", port) for host in public for port in (80, 22, 3389))


def test_the_public_tier_keeps_its_rule_numbers_without_the_http_rule() -> None:
    # GIVEN a three-AZ layout WHEN the public tier's rules are worked out
    vpc = ipaddress.IPv4Network("10.0.0.0/16")
    layout = NetworkPlan(str(vpc), ("us-east-1a", "us-east-1b", "us-east-1c"), derive_subnets(vpc, 3, 24))
    rules = tier_rules(layout, service_ports=[8000], store_ports=[5432])["public"]
    ingress = [(r.number, r.low, r.high) for r in rules if r.direction == "ingress"]
    # THEN HTTPS keeps rule 110 and nothing takes 100, where HTTP was: an ACL update deletes every changed entry
    # before creating the new ones, so the other entries must not be renumbered
    assert ingress[0] == (110, 443, 443)
    assert all(number > 100 for number, _, _ in ingress) and all(low != 80 for _, low, _ in ingress)


def test_prod_reaches_aws_apis_through_interface_endpoints_and_dev_through_nat(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod and dev stacks
    prod, dev = planned("prod"), planned("dev")
    endpoints = [r for r in prod.named("aws:ec2/vpcEndpoint:VpcEndpoint") if r.name.startswith("network-endpoint-")]
    assert endpoints
    # THEN prod has an interface endpoint per AWS API the workloads call and per one FSBP asks for (ec2,
    # ssm-contacts, ssm-incidents), in every private subnet, with private DNS
    services = sorted(r.inputs["serviceName"].removeprefix("com.amazonaws.us-east-1.") for r in endpoints)
    assert services == sorted(INTERFACE_ENDPOINTS)
    assert {"ec2", "ssm-contacts", "ssm-incidents", "ecr.api", "ecr.dkr", "ssm"} <= set(services)
    assert {(r.inputs["vpcEndpointType"], r.inputs["privateDnsEnabled"]) for r in endpoints} == {("Interface", True)}
    assert all(r.inputs["subnetIds"] == prod.outputs["privateSubnetIds"] for r in endpoints)
    # AND their group admits HTTPS from the application tier only
    (group,) = [r for r in prod.named(SECURITY_GROUP) if r.name == "network-endpoints"]
    (rule,) = group.inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["securityGroups"]) == (
        443,
        443,
        [prod.outputs["appSecurityGroupId"]],
    )
    assert group.inputs["egress"] == []
    # AND each is priced by the hour for each of prod's three AZs: 730 h x $0.01 x 3
    cost = estimate(priced(prod.engine_view()), parse_usage("prod", []))
    items = {i.urn: i.monthly_usd for i in cost.items}
    assert {items[r.urn] for r in endpoints} == {21.9}
    # AND dev, which reaches AWS through its NAT gateway, has none
    assert [r.name for r in dev.named("aws:ec2/vpcEndpoint:VpcEndpoint")] == []
