"""Subnet planning."""

import ipaddress

import pytest

from finplatform.network_layout import LayoutError, derive_subnets


def test_seed_layout_numbers_tiers_from_1_11_and_21() -> None:
    subnets = derive_subnets(ipaddress.IPv4Network("10.0.0.0/16"), 3, 24)
    assert subnets == {
        "public": ("10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"),
        "private": ("10.0.11.0/24", "10.0.12.0/24", "10.0.13.0/24"),
        "isolated": ("10.0.21.0/24", "10.0.22.0/24", "10.0.23.0/24"),
    }


def test_small_vpc_packs_tiers_back_to_back() -> None:
    # GIVEN a /20, which holds 16 /24s: too few for the seed numbering but enough for 3 x 3
    subnets = derive_subnets(ipaddress.IPv4Network("10.0.0.0/20"), 3, 24)
    assert subnets["public"][0] == "10.0.0.0/24" and subnets["isolated"][2] == "10.0.8.0/24"


def test_vpc_too_small_names_the_size_needed() -> None:
    with pytest.raises(LayoutError) as caught:
        derive_subnets(ipaddress.IPv4Network("10.0.0.0/22"), 3, 24)
    assert caught.value.key == "vpcCidr" and "/20 or larger" in str(caught.value)
