"""Subnet planning: examples, then properties over random VPCs, AZ counts and prefix lengths."""

import ipaddress
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from finplatform.network_layout import TIERS, LayoutError, Tier, check_explicit_subnets, derive_subnets


def test_seed_layout_numbers_tiers_from_1_11_and_21() -> None:
    # GIVEN the seed's 10.0.0.0/16 over three AZs with /24 subnets WHEN the subnets are derived
    subnets = derive_subnets(ipaddress.IPv4Network("10.0.0.0/16"), 3, 24)
    # THEN the public tier starts at 10.0.1.0, the private at 10.0.11.0 and the isolated at 10.0.21.0
    assert subnets == {
        "public": ("10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"),
        "private": ("10.0.11.0/24", "10.0.12.0/24", "10.0.13.0/24"),
        "isolated": ("10.0.21.0/24", "10.0.22.0/24", "10.0.23.0/24"),
    }


def test_small_vpc_packs_tiers_back_to_back() -> None:
    # GIVEN a /20, which holds 16 /24s: too few for the seed numbering but enough for 3 x 3
    # WHEN three AZs of /24 subnets are derived
    subnets = derive_subnets(ipaddress.IPv4Network("10.0.0.0/20"), 3, 24)
    # THEN the tiers follow one another from the start of the VPC, the last isolated subnet ninth
    assert subnets["public"][0] == "10.0.0.0/24" and subnets["isolated"][2] == "10.0.8.0/24"


def test_vpc_too_small_names_the_size_needed() -> None:
    # GIVEN a /22, which holds only four /24s WHEN three AZs of /24 subnets are derived
    # THEN the error blames vpcCidr and names the /20 needed
    with pytest.raises(LayoutError) as caught:
        derive_subnets(ipaddress.IPv4Network("10.0.0.0/22"), 3, 24)
    assert caught.value.key == "vpcCidr" and "/20 or larger" in str(caught.value)


# --- properties -----------------------------------------------------------------------------------------

PRIVATE_RANGES = tuple(ipaddress.IPv4Network(r) for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
PROPERTIES = settings(max_examples=150, deadline=None)


@st.composite
def private_vpcs(draw: st.DrawFn) -> ipaddress.IPv4Network:
    """A VPC range the config accepts: /16 to /28 inside one of the private blocks."""
    block = draw(st.sampled_from(PRIVATE_RANGES))
    address = int(block.network_address) + draw(st.integers(0, block.num_addresses - 1))
    return ipaddress.IPv4Network((address, draw(st.integers(16, 28))), strict=False)


def _all(subnets: dict[Tier, tuple[str, ...]]) -> list[ipaddress.IPv4Network]:
    return [ipaddress.IPv4Network(cidr) for tier in TIERS for cidr in subnets[tier]]


def _assert_sound(vpc: ipaddress.IPv4Network, az_count: int, subnets: dict[Tier, tuple[str, ...]]) -> None:
    """One subnet per AZ in each tier, every one inside the VPC, no two overlapping."""
    assert set(subnets) == set(TIERS)
    assert all(len(subnets[tier]) == az_count for tier in TIERS)
    networks = _all(subnets)
    assert networks
    assert all(n.subnet_of(vpc) for n in networks)
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])


@PROPERTIES
@given(vpc=private_vpcs(), az_count=st.integers(2, 6), prefix=st.integers(16, 28))
def test_derived_tiers_fit_the_vpc_or_the_error_names_the_key(
    vpc: ipaddress.IPv4Network, az_count: int, prefix: int
) -> None:
    # GIVEN any private VPC the config accepts, 2 to 6 AZs and any subnetPrefixLength the config accepts
    fits = prefix >= vpc.prefixlen and 3 * az_count <= 2 ** (prefix - vpc.prefixlen)
    # WHEN the subnets are derived
    try:
        subnets = derive_subnets(vpc, az_count, prefix)
    except LayoutError as error:
        # THEN a layout that cannot fit fails with the config key to change, and a message naming the VPC
        assert not fits
        expected_key = "subnetPrefixLength" if prefix < vpc.prefixlen else "vpcCidr"
        assert error.key == expected_key and str(vpc) in str(error)
        if error.key == "vpcCidr":
            # AND the size the message suggests does hold the subnets
            smallest = int(re.findall(r"use a VPC of /(\d+) or larger", str(error))[0])
            larger = vpc.supernet(new_prefix=smallest)
            _assert_sound(larger, az_count, derive_subnets(larger, az_count, prefix))
        return
    # THEN every layout that can fit does: one /prefix per AZ per tier, inside the VPC, none overlapping
    assert fits
    _assert_sound(vpc, az_count, subnets)
    assert {n.prefixlen for n in _all(subnets)} == {prefix}


@st.composite
def fitting_layouts(draw: st.DrawFn) -> tuple[ipaddress.IPv4Network, int, dict[Tier, tuple[str, ...]]]:
    """A VPC, an AZ count and a sound derived layout for them."""
    vpc, az_count = draw(private_vpcs()), draw(st.integers(2, 6))
    needed = (3 * az_count - 1).bit_length()
    assume(vpc.prefixlen + needed <= 28)
    prefix = draw(st.integers(vpc.prefixlen + needed, 28))
    return vpc, az_count, derive_subnets(vpc, az_count, prefix)


def _explicit(subnets: dict[Tier, tuple[str, ...]]) -> dict[Tier, list[ipaddress.IPv4Network]]:
    return {tier: [ipaddress.IPv4Network(c) for c in subnets[tier]] for tier in TIERS}


@PROPERTIES
@given(layout=fitting_layouts())
def test_a_sound_layout_given_explicitly_is_accepted_as_is(
    layout: tuple[ipaddress.IPv4Network, int, dict[Tier, tuple[str, ...]]],
) -> None:
    # GIVEN a sound layout WHEN it is given as explicit subnet CIDRs THEN it is accepted unchanged
    vpc, az_count, subnets = layout
    assert check_explicit_subnets(vpc, az_count, _explicit(subnets)) == subnets


@PROPERTIES
@given(layout=fitting_layouts(), data=st.data())
def test_one_broken_explicit_cidr_is_blamed_by_key(
    layout: tuple[ipaddress.IPv4Network, int, dict[Tier, tuple[str, ...]]], data: st.DataObject
) -> None:
    # GIVEN a sound explicit layout with one tier's list broken: a CIDR dropped, moved outside the VPC, or
    # repeated from another position
    vpc, az_count, subnets = layout
    explicit = _explicit(subnets)
    tier = data.draw(st.sampled_from(TIERS))
    position = data.draw(st.integers(0, az_count - 1))
    fault = data.draw(st.sampled_from(["dropped", "outside", "repeated"]))
    if fault == "dropped":
        del explicit[tier][position]
    elif fault == "outside":
        outside = vpc.supernet(new_prefix=vpc.prefixlen - 1)
        sibling = next(n for n in outside.subnets(new_prefix=vpc.prefixlen) if n != vpc)
        explicit[tier][position] = next(sibling.subnets(new_prefix=explicit[tier][position].prefixlen))
    else:
        first = next(iter(n for t in TIERS for n in explicit[t]))
        assume(explicit[tier][position] != first)
        explicit[tier][position] = first
    # WHEN the explicit layout is checked
    with pytest.raises(LayoutError) as caught:
        check_explicit_subnets(vpc, az_count, explicit)
    # THEN the error names the tier's key, and for a bad CIDR its position
    expected = f"{tier}SubnetCidrs" if fault == "dropped" else f"{tier}SubnetCidrs[{position}]"
    assert caught.value.key == expected


@st.composite
def explicit_lists(draw: st.DrawFn, vpc: ipaddress.IPv4Network) -> list[ipaddress.IPv4Network]:
    """0 to 7 CIDRs near the VPC, of any size: some inside, some outside, some overlapping, some too small."""
    around = vpc.supernet(new_prefix=vpc.prefixlen - 1)
    cidrs = []
    for _ in range(draw(st.integers(0, 7))):
        address = int(around.network_address) + draw(st.integers(0, around.num_addresses - 1))
        cidrs.append(ipaddress.IPv4Network((address, draw(st.integers(around.prefixlen, 30))), strict=False))
    return cidrs


@PROPERTIES
@given(vpc=private_vpcs(), az_count=st.integers(2, 6), data=st.data())
def test_any_explicit_cidrs_are_sound_or_the_error_names_the_key(
    vpc: ipaddress.IPv4Network, az_count: int, data: st.DataObject
) -> None:
    # GIVEN arbitrary CIDR lists for the three tiers, in and around the VPC
    explicit: dict[Tier, list[ipaddress.IPv4Network]] = {
        tier: data.draw(explicit_lists(vpc), label=tier) for tier in TIERS
    }
    # WHEN they are checked
    try:
        subnets = check_explicit_subnets(vpc, az_count, explicit)
    except LayoutError as error:
        # THEN a rejection names a tier's key, or a position in one and the CIDR found there
        positions = {f"{tier}SubnetCidrs[{i}]": cidr for tier in TIERS for i, cidr in enumerate(explicit[tier])}
        assert error.key in positions or error.key in {f"{tier}SubnetCidrs" for tier in TIERS}, error.key
        if error.key in positions:
            assert str(positions[error.key]) in str(error)
        return
    # THEN what is accepted is sound, and no subnet is smaller than AWS allows
    _assert_sound(vpc, az_count, subnets)
    accepted = _all(subnets)
    assert accepted
    assert all(n.prefixlen <= 28 for n in accepted)
