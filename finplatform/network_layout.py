"""Subnet planning: which CIDR each tier gets in each availability zone.

Pure functions, so the layout can be checked before any resource is declared.
"""

import ipaddress
import string
from dataclasses import dataclass
from typing import Literal

Tier = Literal["public", "private", "isolated"]
TIERS: tuple[Tier, ...] = ("public", "private", "isolated")

# Seeds 001 and 004 number the tiers' /24s from 1, 11 and 21 (10.0.1.0/24, 10.0.11.0/24, 10.0.21.0/24 ...).
SEED_TIER_OFFSETS: dict[Tier, int] = {"public": 1, "private": 11, "isolated": 21}


class LayoutError(ValueError):
    """A layout that cannot work, with the config key to blame."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class NetworkPlan:
    """The VPC CIDR, its AZs and each tier's subnet CIDRs, one per AZ in AZ order."""

    vpc_cidr: str
    availability_zones: tuple[str, ...]
    subnets: dict[Tier, tuple[str, ...]]

    def cidrs(self, tier: Tier) -> list[str]:
        return list(self.subnets[tier])


def default_availability_zones(region: str, count: int) -> list[str]:
    """AZ names ``<region>a``, ``<region>b``, ... ; named explicitly so plans do not depend on a lookup."""
    return [f"{region}{letter}" for letter in string.ascii_lowercase[:count]]


def _nth_subnet(vpc: ipaddress.IPv4Network, prefix: int, index: int) -> ipaddress.IPv4Network:
    size = 2 ** (32 - prefix)
    return ipaddress.IPv4Network((int(vpc.network_address) + index * size, prefix))


def derive_subnets(vpc: ipaddress.IPv4Network, az_count: int, prefix: int) -> dict[Tier, tuple[str, ...]]:
    """Seed layout (tiers at subnet 1, 11, 21) when it fits, else tiers packed back to back."""
    if prefix < vpc.prefixlen:
        raise LayoutError(
            "subnetPrefixLength",
            f"/{prefix} subnets cannot fit in the /{vpc.prefixlen} VPC {vpc}; allowed: {vpc.prefixlen} to 28",
        )
    available = 2 ** (prefix - vpc.prefixlen)
    needed = len(TIERS) * az_count
    if max(SEED_TIER_OFFSETS.values()) + az_count <= available and az_count <= 10:
        index = {tier: [SEED_TIER_OFFSETS[tier] + az for az in range(az_count)] for tier in TIERS}
    elif needed <= available:
        index = {tier: [t * az_count + az for az in range(az_count)] for t, tier in enumerate(TIERS)}
    else:
        smallest = prefix - (needed - 1).bit_length()
        raise LayoutError(
            "vpcCidr",
            f"VPC {vpc} is too small for its subnets: it holds {available} subnet(s) of /{prefix} but "
            f"3 tiers x {az_count} AZs need {needed}; use a VPC of /{smallest} or larger, "
            "or a longer subnetPrefixLength",
        )
    return {tier: tuple(str(_nth_subnet(vpc, prefix, i)) for i in index[tier]) for tier in TIERS}


def check_explicit_subnets(
    vpc: ipaddress.IPv4Network, az_count: int, explicit: dict[Tier, list[ipaddress.IPv4Network]]
) -> dict[Tier, tuple[str, ...]]:
    """Validate hand-written subnet CIDRs: one per AZ, inside the VPC, no two overlapping."""
    missing = [tier for tier in TIERS if not explicit.get(tier)]
    if missing and len(missing) < len(TIERS):
        raise LayoutError(
            f"{missing[0]}SubnetCidrs",
            "explicit subnet CIDRs must be given for all three tiers (public, private, isolated) or none",
        )
    seen: list[tuple[str, ipaddress.IPv4Network]] = []
    for tier in TIERS:
        key = f"{tier}SubnetCidrs"
        cidrs = explicit[tier]
        if len(cidrs) != az_count:
            raise LayoutError(key, f"needs one CIDR per AZ: {az_count} expected, {len(cidrs)} given")
        for position, cidr in enumerate(cidrs):
            where = f"{key}[{position}]"
            if not cidr.subnet_of(vpc):
                raise LayoutError(where, f"{cidr} is outside the VPC {vpc}")
            if cidr.prefixlen > 28:
                raise LayoutError(where, f"{cidr} is smaller than /28, the smallest subnet AWS allows")
            for other_where, other in seen:
                if cidr.overlaps(other):
                    raise LayoutError(where, f"{cidr} overlaps {other} ({other_where})")
            seen.append((where, cidr))
    return {tier: tuple(str(c) for c in explicit[tier]) for tier in TIERS}
