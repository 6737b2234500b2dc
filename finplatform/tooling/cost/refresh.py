"""Rebuild the instance prices of prices.json from the AWS Price List API.

    pip install boto3 && python -m finplatform.tooling.cost.refresh

Needs AWS credentials allowed ``pricing:GetProducts``. It refreshes the hourly on-demand prices of every EC2,
RDS (PostgreSQL) and ElastiCache (Redis) size the table lists, in every region it lists, and stamps each group
it refreshed with its date and source. It prints every group it could not refresh, with the reason (the unit
groups are maintained by hand), and exits 1 if there is any; without AWS access it refreshes nothing.
"""

import datetime
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
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


@dataclass
class RefreshReport:
    """What a refresh did: the groups it re-priced, and each one it could not, with the reason."""

    refreshed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"refreshed: {group}" for group in self.refreshed]
        return out + [f"NOT refreshed: {group}: {reason}" for group, reason in self.failed.items()]


def refresh_groups(table: dict[str, Any], get_products: Callable[..., Mapping[str, Any]]) -> RefreshReport:
    """Re-price every instance group the Price List API covers (EC2, RDS, ElastiCache, per region) through
    ``get_products`` (boto3's signature), stamping each group it refreshed with today's date and the API as its
    source; a group whose fetch fails keeps its prices and date and is reported with the reason. The unit
    groups are maintained by hand and reported as not refreshed."""
    report = RefreshReport()
    today = datetime.date.today().isoformat()
    groups = table.setdefault("priceGroups", {})
    for catalogue, (service, extra) in FILTERS.items():
        errors = []
        for region, prices in table["regions"].items():
            location = LOCATIONS[region]
            try:
                for size in list(prices[catalogue]):
                    filters = _filters(location, "instanceType", size, extra)
                    response = get_products(ServiceCode=service, Filters=filters)
                    documents: Iterable[str] = response.get("PriceList") or []
                    hourly = [on_demand_hourly(json.loads(d)) for d in documents]
                    if not hourly:
                        raise ValueError(f"no {service} price for {size} in {region}")
                    prices[catalogue][size] = min(hourly)
            except Exception as error:
                errors.append(f"{region}: {type(error).__name__}: {error}")
        if not any(prices.get(catalogue) for prices in table["regions"].values()):
            errors.append("the table lists no size to re-price")
        if errors:
            report.failed[catalogue] = "; ".join(errors)
            continue
        report.refreshed.append(catalogue)
        group = groups.setdefault(catalogue, {"table": catalogue})
        group.update(asOf=today, source=f"AWS Price List API ({service})", status="refreshed from the Price List API")
    for name in groups:
        if name not in FILTERS:
            report.failed[name] = "maintained by hand: the Price List API refresh does not cover it"
    return report


def refresh(table: dict[str, Any], get_products: Callable[..., Mapping[str, Any]]) -> dict[str, Any]:
    """The table with every instance group it can refresh re-priced (see ``refresh_groups``)."""
    refresh_groups(table, get_products)
    return table


def main(get_products: Callable[..., Mapping[str, Any]] | None = None) -> int:
    """Refresh what can be refreshed, print a line per group, and exit 1 when any group was not refreshed."""
    with PRICES_FILE.open(encoding="utf-8") as handle:
        table = json.load(handle)
    if get_products is None:
        try:
            import boto3  # type: ignore[import-not-found]

            get_products = boto3.client("pricing", region_name="us-east-1").get_products
        except Exception as error:
            reason = f"the AWS Price List API is not reachable ({type(error).__name__}: {error})"
            for group in table.get("priceGroups", {}):
                print(f"NOT refreshed: {group}: {reason}", file=sys.stderr)
            print("error: no price group was refreshed; prices.json is unchanged", file=sys.stderr)
            return 1
    report = refresh_groups(table, get_products)
    for line in report.lines():
        print(line, file=sys.stderr if line.startswith("NOT") else sys.stdout)
    if report.refreshed:
        PRICES_FILE.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
        print(f"Wrote {PRICES_FILE}")
    if report.failed:
        print(f"error: {len(report.failed)} price group(s) not refreshed (listed above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
