"""The price refresh parses Price List documents and re-prices the listed sizes (no AWS call here)."""

import json
from typing import Any

from finplatform.tooling.cost.refresh import on_demand_hourly, refresh


def _product(usd: str) -> dict[str, Any]:
    return {
        "product": {"sku": "SKU1"},
        "terms": {
            "OnDemand": {"SKU1.T": {"priceDimensions": {"SKU1.T.D": {"unit": "Hrs", "pricePerUnit": {"USD": usd}}}}}
        },
    }


def test_hourly_price_is_read_from_the_on_demand_term() -> None:
    # GIVEN a Price List product with an on-demand price of 0.0416 USD an hour WHEN its hourly price is read
    # THEN it is 0.0416
    assert on_demand_hourly(_product("0.0416000000")) == 0.0416


def test_refresh_reprices_listed_sizes_and_stamps_the_date() -> None:
    # GIVEN a table listing one size per catalogue, and a Price List that answers with a new price
    table = {
        "regions": {
            "us-east-1": {
                "ec2": {"t3.medium": 1.0},
                "rds": {"db.t3.medium": 1.0},
                "elasticache": {"cache.t3.micro": 1.0},
            }
        },
        "pricesAsOf": "old",
    }
    calls = []

    def get_products(**request: Any) -> dict[str, Any]:
        calls.append(request)
        return {"PriceList": [json.dumps(_product("0.5"))]}

    # WHEN the table is refreshed
    refreshed = refresh(table, get_products)
    # THEN every size is re-priced, by service and region, and the table says when
    assert refreshed["regions"]["us-east-1"] == {
        "ec2": {"t3.medium": 0.5},
        "rds": {"db.t3.medium": 0.5},
        "elasticache": {"cache.t3.micro": 0.5},
    }
    assert refreshed["pricesAsOf"] != "old"
    assert {c["ServiceCode"] for c in calls} == {"AmazonEC2", "AmazonRDS", "AmazonElastiCache"}
    assert {"Type": "TERM_MATCH", "Field": "location", "Value": "US East (N. Virginia)"} in calls[0]["Filters"]
