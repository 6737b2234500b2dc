"""Per-resource usage (finplatform:resourceUsage), each line's charges, and ``plan --sync-usage``."""

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from finplatform.__main__ import main
from finplatform.safe_yaml import load_mapping
from finplatform.stack import resolve_stack
from finplatform.tooling.cost.model import Estimate, estimate, plain_number, usage_reads
from finplatform.tooling.plan import Plan, priced
from finplatform.tooling.stack_files import read_stack_file
from finplatform.tooling.usage_file import replace_block
from finplatform.usage import (
    RESOURCE_USAGE_KEY,
    Assumptions,
    ResourceUsageError,
    parse_resource_usage,
    parse_usage,
    unmatched_resource_usage,
)
from tests.projects import committed_stack_text, project

PROD_STACKS = ("prod", "smart-0dte-prod", "dex-mobile-prod", "accunode-prod", "data-pipeline-prod")


def _dev(planned: Callable[[str], Plan], per_resource: dict[str, dict[str, float]] | None = None) -> Estimate:
    resources = priced(planned("dev").engine_view())
    return estimate(resources, Assumptions(parse_usage("dev", []), per_resource or {}))


@pytest.mark.parametrize("stack", PROD_STACKS)
def test_every_line_adds_up_from_its_charges(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN a committed prod stack's plan WHEN it is priced with its own assumptions
    raw, _ = read_stack_file(stack)
    cost = estimate(priced(planned(stack).engine_view()), resolve_stack(stack, raw).assumptions())
    # THEN every line that costs anything lists its charges, each with a quantity, a unit and a unit price, and
    # they add up to the line (the pricers add their cost up from the charges they record)
    costing = [item for item in cost.items if item.monthly_usd > 0]
    assert costing
    for item in costing:
        assert item.charges, f"{item.name} ({item.type}) has no charges"
        assert sum(c.monthly_usd for c in item.charges) == pytest.approx(item.monthly_usd, abs=0.01), item.name
        assert all(c.unit and c.quantity >= 0 and c.unit_price >= 0 for c in item.charges), item.name


def test_a_resource_override_changes_that_resource_only(planned: Callable[[str], Plan]) -> None:
    # GIVEN the dev stack, priced as it is and with 1,000 GB through one of its NAT gateways
    before = _dev(planned)
    after = _dev(planned, {"network-vpc-1": {"natProcessedGb": 1000}})
    lines_before = {item.urn: item for item in before.items}
    changed = [item for item in after.items if item.monthly_usd != lines_before[item.urn].monthly_usd]
    # THEN only that NAT gateway's line moves, by 980 GB more at the NAT rate, and it reports the value it took
    assert [item.name for item in changed] == ["network-vpc-1"]
    (nat,) = [item for item in changed if item.type == "aws:ec2/natGateway:NatGateway"]
    assert nat.monthly_usd - lines_before[nat.urn].monthly_usd == pytest.approx(980 * 0.045, abs=0.01)
    assert dict(nat.assumptions) == {"natProcessedGb": 1000}
    assert after.baseline_usd == before.baseline_usd


def test_keys_that_match_nothing_are_errors(planned: Callable[[str], Plan]) -> None:
    # GIVEN the assumptions each usage-priced resource of the dev stack reads
    reads = usage_reads(_dev(planned))
    assert reads["network-vpc-1"] == {"natProcessedGb"}
    # WHEN overrides name a resource that does not exist, and an assumption a NAT gateway's price does not read
    problems = unmatched_resource_usage(
        {"network-vpc-9": {"natProcessedGb": 1}, "network-vpc-1": {"logIngestGb": 5}}, reads
    )
    # THEN each is a problem naming its key, with the likely name and what the price does read
    assert problems == [
        (
            f"{RESOURCE_USAGE_KEY}.network-vpc-9",
            "no usage-priced resource has that logical name; did you mean network-vpc-1? (plan --sync-usage lists "
            "them)",
        ),
        (
            f"{RESOURCE_USAGE_KEY}.network-vpc-1.logIngestGb",
            "its price does not read logIngestGb (it reads: natProcessedGb)",
        ),
    ]


@pytest.mark.parametrize(
    ("raw", "key", "message"),
    [
        (["a"], "", "expected a mapping of resource names to assumptions"),
        ({"nat": 5}, "nat", "expected a mapping of assumption names to numbers"),
        ({"nat": {"natProcesedGb": 5}}, "nat.natProcesedGb", "did you mean natProcessedGb?"),
        ({"nat": {"natProcessedGb": "lots"}}, "nat.natProcessedGb", "needs a number"),
        ({"nat": {"natProcessedGb": True}}, "nat.natProcessedGb", "needs a number"),
        ({"nat": {"natProcessedGb": -1}}, "nat.natProcessedGb", "cannot be negative"),
        ({"nat": {"natProcessedGb": math.nan}}, "nat.natProcessedGb", "needs a finite number"),
        ({"nat": {"natProcessedGb": 1e12}}, "nat.natProcessedGb", "needs a finite number"),
    ],
)
def test_a_malformed_entry_is_refused_with_its_key(raw: object, key: str, message: str) -> None:
    # GIVEN a malformed finplatform:resourceUsage WHEN it is parsed THEN it is refused, naming where and why
    with pytest.raises(ResourceUsageError) as error:
        parse_resource_usage(raw)
    assert error.value.key == key and message in str(error.value)


def test_numbers_are_written_as_yaml_reads_them_back(tmp_path: Path) -> None:
    # GIVEN numbers of every shape the assumptions take WHEN written THEN YAML reads back the same numbers
    values = [0, 1, 0.3, 1e-05, 1500, 1e9, 0.001]
    path = tmp_path / "n.yaml"
    path.write_text("".join(f"v{i}: {plain_number(v, grouping=False)}\n" for i, v in enumerate(values)))
    assert list(load_mapping(path).values()) == pytest.approx(values)


def test_the_block_replaces_its_old_self_and_leaves_the_rest_alone() -> None:
    # GIVEN a stack file with the generated block between two keys, a user's comment above another key, and
    # a top-level key after config
    text = (
        "# head\nconfig:\n  finplatform:environment: dev\n  # the user's reason\n"
        "  # Usage per resource, old header\n  # more of it\n  finplatform:resourceUsage:\n    old:\n      albLcu: 1\n"
        "\n  # mine\n  finplatform:owner: me\nencryptionsalt: abc\n"
    )
    block = ["  # Usage per resource, new", "  finplatform:resourceUsage:", "    new:", "      albLcu: 2"]
    # WHEN the block is replaced, twice
    result = replace_block(text, block)
    # THEN the old block and its generated header are gone, the new one stands in their place, and the rest, the
    # user's comment above the header included, is as it was; a second sync changes nothing more
    assert result == (
        "# head\nconfig:\n  finplatform:environment: dev\n  # the user's reason\n"
        "  # Usage per resource, new\n  finplatform:resourceUsage:\n    new:\n      albLcu: 2\n"
        "\n  # mine\n  finplatform:owner: me\nencryptionsalt: abc\n"
    )
    assert replace_block(result, block) == result
    # AND without a block, it goes at the end of the config mapping, before the next top-level key
    assert replace_block("config:\n  a: 1\n\nencryptionsalt: x\n", ["  b: 2"]) == (
        "config:\n  a: 1\n  b: 2\n\nencryptionsalt: x\n"
    )


def test_sync_usage_writes_every_usage_priced_resource_and_keeps_edited_values(
    tmp_path: Path, planned: Callable[[str], Plan], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a copy of the dev stack whose file already sets one NAT gateway's volume
    original = committed_stack_text("dev")
    project(
        tmp_path, [], {"dev": original + f"  {RESOURCE_USAGE_KEY}:\n    network-vpc-1:\n      natProcessedGb: 700\n"}
    )
    # WHEN the user syncs it
    assert main(["plan", "--stack", "dev", "--project-dir", str(tmp_path), "--sync-usage"]) == 0
    # THEN the block lists every usage-priced resource of the plan with every assumption its price reads, at the
    # value it is priced at, the edited one kept; the file's other lines are untouched
    written = (tmp_path / "Pulumi.dev.yaml").read_text()
    assert written.startswith(original)
    block = load_mapping(tmp_path / "Pulumi.dev.yaml")["config"][RESOURCE_USAGE_KEY]
    expected = _dev(planned, {"network-vpc-1": {"natProcessedGb": 700}})
    assert block and block == {item.name: dict(item.assumptions) for item in expected.items if item.assumptions}
    assert block["network-vpc-1"] == {"natProcessedGb": 700}
    assert "usage-priced resources" in capsys.readouterr().out
    # AND the synced file prices the stack exactly as before the sync
    raw, _ = read_stack_file("dev", tmp_path)
    synced = estimate(priced(planned("dev").engine_view()), resolve_stack("dev", raw).assumptions())
    assert synced.monthly_usd == expected.monthly_usd


def test_a_key_that_matches_nothing_stops_the_plan_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a copy of the dev stack whose usage block names a resource the stack does not have
    text = committed_stack_text("dev") + f"  {RESOURCE_USAGE_KEY}:\n    no-such-nat:\n      natProcessedGb: 7\n"
    project(tmp_path, [], {"dev": text})
    # WHEN it is planned (or synced)
    code = main(["plan", "--stack", "dev", "--project-dir", str(tmp_path), "--no-policies"])
    # THEN it exits 2 with one message naming the file and the key, and the file is not rewritten
    captured = capsys.readouterr()
    assert code == 2
    assert "Pulumi.dev.yaml" in captured.err and f"{RESOURCE_USAGE_KEY}.no-such-nat" in captured.err
    assert "Traceback" not in captured.err
    assert (tmp_path / "Pulumi.dev.yaml").read_text() == text


def test_the_plan_json_carries_the_charges_and_the_assumptions(planned: Callable[[str], Plan]) -> None:
    # GIVEN the dev stack's estimate WHEN exported as the plan's JSON does
    document = json.loads(json.dumps(_dev(planned).to_json()))
    (nat,) = [i for i in document["items"] if i["name"] == "network-vpc-1" and i["type"].endswith("NatGateway")]
    # THEN the NAT gateway's line shows its hours and its processed data, each with quantity, unit and unit price
    assert nat["usage"] == {"natProcessedGb": 20}
    assert [(c["name"], c["quantity"], c["unit"], c["unit_price"]) for c in nat["charges"]] == [
        ("NAT gateway hours", 730, "hours", 0.045),
        ("data processed", 20, "GB", 0.045),
    ]


def test_a_charge_reads_without_exponents() -> None:
    # GIVEN charges with a tiny unit price and a tiny quantity WHEN described for the plan's breakdown
    from finplatform.tooling.cost.model import Charge

    lambda_compute = Charge("compute", 625_000, "GB-seconds", 1.66667e-05).describe()
    publishes = Charge("publishes", 0.0001, "1M requests", 0.5).describe()
    # THEN the figures are written out in full, thousands separated
    assert "625,000 GB-seconds" in lambda_compute and "$0.0000166667" in lambda_compute
    assert "0.0001 1M requests" in " ".join(publishes.split()) and "e-" not in publishes
