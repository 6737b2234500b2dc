"""The size catalogue and the price table name only sizes AWS lists (the vendored lists in finplatform/data)."""

import json

import pytest

from finplatform.catalog import AWS_LISTS, SIZES_BY_SERVICE, aws_listed
from finplatform.tooling.cost.model import price_table


def _family(size: str) -> str:
    return size.rsplit(".", 1)[0]


@pytest.mark.parametrize("service", sorted(AWS_LISTS))
def test_vendored_list_states_its_source_and_date(service: str) -> None:
    # GIVEN AWS's instance-type list of a service, vendored WHEN it is read
    with AWS_LISTS[service].open(encoding="utf-8") as handle:
        data = json.load(handle)
    # THEN it says where it comes from and when, and each family lists only its own sizes
    assert data["source"].startswith("https://") and data["asOf"]
    assert all(_family(size) == family for family, sizes in data["families"].items() for size in sizes)


@pytest.mark.parametrize("service", sorted(SIZES_BY_SERVICE))
def test_catalogue_holds_only_sizes_aws_lists(service: str) -> None:
    # GIVEN the sizes a blueprint may name for a service WHEN they are compared with AWS's list
    listed = {size for sizes in aws_listed(service).values() for size in sizes}
    # THEN every one of them is a size AWS lists (c5.8xlarge, c5.16xlarge and cache.r5.8xlarge are not)
    assert sorted(SIZES_BY_SERVICE[service] - listed) == []


@pytest.mark.parametrize("region", sorted(price_table()["regions"]))
def test_price_table_prices_only_sizes_aws_lists(region: str) -> None:
    # GIVEN the price table of a region WHEN its instance prices are compared with AWS's lists
    prices = price_table()["regions"][region]
    for service in AWS_LISTS:
        listed = {size for sizes in aws_listed(service).values() for size in sizes}
        # THEN every priced size exists, and every catalogued size is priced
        assert sorted(set(prices[service]) - listed) == [], service
        assert sorted(SIZES_BY_SERVICE[service] - set(prices[service])) == [], service
