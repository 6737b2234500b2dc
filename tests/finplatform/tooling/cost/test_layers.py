"""Each priced line carries the platform layer it belongs to, and the estimate, its JSON and the reports add up
each layer, itemizing the observability layer."""

import pytest

from finplatform.tooling.cost.model import CostItem, Estimate, PricedResource, estimate, layer_of
from finplatform.tooling.cost.report import _layer_section, render_layers
from finplatform.tooling.remote_components import child_urn
from finplatform.usage import DEFAULTS

STACK = "urn:pulumi:prod::finplatform::"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
KEY = "aws:kms/key:Key"


@pytest.mark.parametrize(
    ("urn", "layer"),
    [
        (f"{STACK}finplatform:network:Network$awsx:ec2:Vpc::network-vpc", "network"),
        (
            f"{STACK}finplatform:observability:Observability$finplatform:observability:Alarms${ALARM}::a",
            "observability",
        ),
        (f"{STACK}finplatform:compute:FargateServices$finplatform:data:Bucket$aws:s3/bucketV2:BucketV2::b", "compute"),
        (f"{STACK}eks:index:Cluster$finplatform:compute:KubernetesCluster$aws:eks/addon:Addon::c", "compute"),
        (f"{STACK}{KEY}::top-level-key", "stack"),
        (f"{STACK}awsx:ec2:Vpc$aws:ec2/natGateway:NatGateway::n", "stack"),
        ("urn:db", "stack"),
    ],
)
def test_the_layer_is_the_outermost_finplatform_component_in_the_type_chain(urn: str, layer: str) -> None:
    # GIVEN a URN under a platform component (nested in another, or under a non-platform one), at the top level,
    # or not an engine URN at all WHEN its layer is read
    # THEN it is the outermost finplatform component's layer, else "stack"
    assert layer_of(urn) == layer


def test_a_child_derived_from_a_remote_component_takes_its_parents_layer() -> None:
    # GIVEN a VPC in the network layer whose NAT gateway is derived from its arguments
    vpc = f"{STACK}finplatform:network:Network$awsx:ec2:Vpc::network-vpc"
    # WHEN the child's URN is built the way the model builds it
    # THEN it is in the network layer too
    assert layer_of(child_urn(vpc, "aws:ec2/natGateway:NatGateway", "network-vpc-1")) == "network"


def _priced() -> Estimate:
    alarm = f"{STACK}finplatform:observability:Alarms${ALARM}::api-5xx"
    dashboard = f"{STACK}finplatform:observability:Dashboard$aws:cloudwatch/dashboard:Dashboard::ops"
    keys = f"{STACK}finplatform:keys:Keys${KEY}::data"
    return estimate(
        [
            PricedResource(alarm, ALARM, "api-5xx", {"metricName": "5XX", "period": 60}, "us-east-1"),
            PricedResource(dashboard, "aws:cloudwatch/dashboard:Dashboard", "ops", {}, "us-east-1"),
            PricedResource(keys, KEY, "data", {}, "us-east-1"),
            PricedResource(f"{STACK}{KEY}::loose", KEY, "loose", {}, "us-east-1"),
        ],
        DEFAULTS["prod"],
    )


def test_each_item_carries_its_layer_and_the_subtotals_add_up_to_the_total() -> None:
    # GIVEN an alarm and a dashboard in the observability layer, a key in the keys layer and one outside any
    # component WHEN they are priced for prod (KMS: $1 + 20 x $0.03 = $1.60 a key)
    result = _priced()
    # THEN each item has its layer, and the subtotals, most expensive first, sum to the total
    assert {i.urn.rsplit("::", 1)[-1]: i.layer for i in result.items} == {
        "api-5xx": "observability",
        "ops": "observability",
        "data": "keys",
        "loose": "stack",
    }
    assert result.by_layer() == {"observability": 3.1, "keys": 1.6, "stack": 1.6}
    assert round(sum(result.by_layer().values()), 2) == result.monthly_usd


def test_the_json_keeps_its_keys_and_adds_the_layers() -> None:
    # GIVEN the priced items WHEN they are exported as the plan's JSON does
    document = _priced().to_json()
    # THEN the existing keys are all there, each item adds its layer, the subtotals are under "layers", and the DR
    # standby (none here) under "standby", every line and the total split into baseline and usage, and each line
    # carries its logical name, its charges (quantity, unit, unit price) and the usage assumptions it read
    assert set(document) == {"monthly_usd", "baseline_usd", "usage_usd", "items", "layers", "standby"}
    assert document["standby"]["monthly_usd"] == 0
    keys = {"urn", "name", "type", "monthly_usd", "baseline_usd", "usage_usd", "charges", "usage", "basis", "layer"}
    assert document["items"] and all(set(item) == keys for item in document["items"])
    charges = [charge for item in document["items"] for charge in item["charges"]]
    assert charges and all(
        set(charge) == {"name", "quantity", "unit", "unit_price", "monthly_usd"} for charge in charges
    )
    assert document["layers"] == {"observability": 3.1, "keys": 1.6, "stack": 1.6}


def test_an_item_built_without_a_layer_is_in_the_stack_layer() -> None:
    # GIVEN a cost item built the way callers built them before layers existed WHEN its layer is read
    # THEN it is "stack"
    assert CostItem("urn:x", KEY, 1.0, "key").layer == "stack"


def test_the_text_report_itemizes_only_the_observability_layer() -> None:
    # GIVEN the priced items WHEN the layer report is rendered
    text = render_layers(_priced()).splitlines()
    # THEN each layer has its subtotal, the observability layer's resources are listed under it (and the other
    # layers' are not), and the last line is the total
    assert text[0] == "Monthly cost by layer (USD):"
    rows = [line.split() for line in text[1:]]
    assert [row for row in rows if len(row) == 2] == [
        ["3.10", "observability"],
        ["1.60", "keys"],
        ["1.60", "stack"],
        ["6.30", "total"],
    ]
    assert [row[:3] for row in rows if len(row) > 2] == [
        ["3.00", "Dashboard", "ops"],
        ["0.10", "MetricAlarm", "api-5xx"],
    ]
    assert text.index(next(line for line in text if "Dashboard" in line)) > text.index(
        next(line for line in text if line.endswith("observability"))
    )


def test_the_cost_doc_section_has_a_column_per_stack_and_the_observability_items() -> None:
    # GIVEN prod's priced items and an empty dev WHEN the doc's layer section is rendered
    lines = _layer_section({"dev": Estimate(), "prod": _priced()})
    # THEN the table has a row per layer with both stacks' subtotals and their totals, and the observability
    # layer's resources are itemized by stack
    assert "| Layer | dev | prod |" in lines
    assert "| observability | $0.00 | $3.10 |" in lines
    assert "| **Total** | **$0.00** | **$6.30** |" in lines
    assert "### The observability layer, itemized" in lines
    assert any(line.startswith("| prod | ops | Dashboard | $3.00 |") for line in lines)


def test_the_cost_doc_says_so_when_no_stack_has_an_observability_layer() -> None:
    # GIVEN a stack with no observability resources WHEN the doc's layer section is rendered
    lines = _layer_section({"dev": Estimate()})
    # THEN the itemized part says none is declared yet
    assert lines[-1] == "No stack declares resources in the observability layer that the model prices yet."
