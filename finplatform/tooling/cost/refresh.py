"""Rebuild the instance prices of prices.json from the AWS Price List API.

    pip install boto3 && python -m finplatform.tooling.cost.refresh

Needs AWS credentials allowed ``pricing:GetProducts``. It refreshes the hourly on-demand prices of every EC2,
RDS (PostgreSQL) and ElastiCache (Redis) size the table lists, in every region it lists, and stamps the date;
the per-unit prices under ``unit`` are maintained by hand and left as they are.
"""

import datetime
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from finplatform.tooling.cost.model import PRICES_FILE

LOCATIONS = {"us-east-1": "US East (N. Virginia)", "us-west-2": "US West (Oregon)"}
FILTERS: dict[str, tuple[str, dict[str, str]]] = {
    "ec2": (
        "AmazonEC2",
        {"operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used"},
    ),
    "rds": ("AmazonRDS", {"databaseEngine": "PostgreSQL", "deploymentOption": "Single-AZ"}),
    "elasticache": ("AmazonElastiCache", {"cacheEngine": "Redis"}),
}


def on_demand_hourly(product: Mapping[str, Any]) -> float:
    """The USD hourly on-demand price in one Price List product document."""
    for term in (product.get("terms", {}).get("OnDemand") or {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            if dimension.get("unit") in ("Hrs", "Hours"):
                return float(dimension["pricePerUnit"]["USD"])
    raise ValueError(f"no hourly on-demand price in {product.get('product', {}).get('sku', '?')}")


def _filters(location: str, size_field: str, size: str, extra: Mapping[str, str]) -> list[dict[str, str]]:
    fields = {"location": location, size_field: size, **extra}
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in fields.items()]


def refresh(table: dict[str, Any], get_products: Callable[..., Mapping[str, Any]]) -> dict[str, Any]:
    """The table with every listed instance size re-priced through ``get_products`` (boto3's signature)."""
    for region, prices in table["regions"].items():
        location = LOCATIONS[region]
        for catalogue, (service, extra) in FILTERS.items():
            size_field = "instanceType"
            for size in list(prices[catalogue]):
                response = get_products(ServiceCode=service, Filters=_filters(location, size_field, size, extra))
                documents: Iterable[str] = response.get("PriceList") or []
                hourly = [on_demand_hourly(json.loads(d)) for d in documents]
                if hourly:
                    prices[catalogue][size] = min(hourly)
    table["pricesAsOf"] = datetime.date.today().isoformat()
    table["source"] = "AWS Price List API (instance prices); unit prices transcribed by hand from AWS pricing pages"
    return table


def main() -> int:
    try:
        import boto3  # type: ignore[import-not-found]
    except ImportError:
        print("error: the refresh needs boto3: pip install boto3", file=sys.stderr)
        return 2
    client = boto3.client("pricing", region_name="us-east-1")
    with PRICES_FILE.open(encoding="utf-8") as handle:
        table = json.load(handle)
    # us-west-2 shares one table object with us-east-1 in the vendored file; price them separately.
    table["regions"] = {region: json.loads(json.dumps(prices)) for region, prices in table["regions"].items()}
    refreshed = refresh(table, client.get_products)
    PRICES_FILE.write_text(json.dumps(refreshed, indent=1) + "\n", encoding="utf-8")
    print(f"Wrote {PRICES_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
