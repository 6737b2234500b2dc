"""The price refresh parses Price List documents and re-prices the listed sizes (no AWS call here)."""

import json
from typing import Any

import pytest

from finplatform.tooling.cost import refresh as refresh_module
from finplatform.tooling.cost.refresh import main, on_demand_hourly, refresh, refresh_groups


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
        "priceGroups": {"ec2": {"table": "ec2", "asOf": "old", "source": "by hand", "status": "?"}},
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
    assert refreshed["priceGroups"]["ec2"]["asOf"] != "old"
    assert refreshed["priceGroups"]["rds"]["source"] == "AWS Price List API (AmazonRDS)"
    assert {c["ServiceCode"] for c in calls} == {"AmazonEC2", "AmazonRDS", "AmazonElastiCache"}
    assert {"Type": "TERM_MATCH", "Field": "location", "Value": "US East (N. Virginia)"} in calls[0]["Filters"]


def _table() -> dict[str, Any]:
    return {
        "regions": {"us-east-1": {"ec2": {"t3.medium": 1.0}, "rds": {"db.t3.medium": 1.0}, "elasticache": {}}},
        "priceGroups": {
            "ec2": {"table": "ec2", "asOf": "old", "source": "by hand", "status": "?"},
            "rds": {"table": "rds", "asOf": "old", "source": "by hand", "status": "?"},
            "elasticache": {"table": "elasticache", "asOf": "old", "source": "by hand", "status": "?"},
            "network": {"keys": ["natGatewayHour"], "asOf": "old", "source": "by hand", "status": "?"},
        },
    }


def test_refresh_reports_each_group_it_could_not_refresh_and_refreshes_the_others() -> None:
    # GIVEN a fetcher that answers for EC2 but fails for RDS
    def get_products(**request: Any) -> dict[str, Any]:
        if request["ServiceCode"] == "AmazonRDS":
            raise ConnectionError("endpoint unreachable")
        return {"PriceList": [json.dumps(_product("0.5"))]}

    table = _table()
    # WHEN the table is refreshed
    report = refresh_groups(table, get_products)
    # THEN EC2 is refreshed and dated; RDS keeps its price and date and is reported with the reason, as are the
    # ElastiCache group (no size to re-price) and the hand-maintained unit group
    assert report.refreshed == ["ec2"]
    assert "no size" in report.failed["elasticache"]
    assert table["regions"]["us-east-1"]["ec2"]["t3.medium"] == 0.5
    assert table["regions"]["us-east-1"]["rds"]["db.t3.medium"] == 1.0
    assert table["priceGroups"]["rds"]["asOf"] == "old" and table["priceGroups"]["ec2"]["asOf"] != "old"
    assert "endpoint unreachable" in report.failed["rds"]
    assert "maintained by hand" in report.failed["network"]
    assert any(line.startswith("NOT refreshed: rds:") for line in report.lines())


def test_main_exits_non_zero_and_names_every_group_when_the_price_list_api_is_unreachable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a copy of the price table and a fetcher that cannot reach the Price List API
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(_table()), encoding="utf-8")
    monkeypatch.setattr(refresh_module, "PRICES_FILE", prices)

    def get_products(**request: Any) -> dict[str, Any]:
        raise ConnectionError("no route to api.pricing.us-east-1.amazonaws.com")

    # WHEN the refresh runs
    code = main(get_products)
    # THEN it exits 1, reports every group it could not refresh, and leaves the file as it was
    err = capsys.readouterr().err
    assert code == 1
    for group in ("ec2", "rds", "network"):
        assert f"NOT refreshed: {group}:" in err
    assert "not refreshed" in err.splitlines()[-1]
    assert json.loads(prices.read_text(encoding="utf-8")) == _table()


def test_no_price_is_dated_after_the_table_was_vendored() -> None:
    # GIVEN every date the price table records (its vendoring, each group's asOf, each source's check date)
    from datetime import date

    from finplatform.tooling.cost.model import price_table

    table = price_table()
    dates = [table["vendored"], *(group["asOf"] for group in table["priceGroups"].values())]
    dates += [str(source["checked"]) for source in table["unitSources"].values() if "checked" in source]
    # THEN each is a real date, none after today: a price cannot have been read in the future
    assert len(dates) > len(table["priceGroups"])
    assert [d for d in dates if date.fromisoformat(d[:10] if len(d) > 7 else d + "-01") > date.today()] == []
