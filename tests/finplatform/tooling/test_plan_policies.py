"""Every stack in the repository through every policy pack and the cost model, as `plan` runs them."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from finplatform.__main__ import main
from finplatform.tooling.plan import Plan, plan_stack
from finplatform.tooling.policy_eval import discover_packs, evaluate, start_packs
from finplatform.tooling.stack_files import read_stack_file

STACKS = ("dev", "staging", "prod")
# Outside prod the profiles relax data protection on purpose (dev: single-AZ, one-day backups, no deletion
# protection or final snapshot; neither uses Pulumi protect; no interface endpoints below prod), and secrets their
# owners rotate by hand are advice there; in prod those are waivers, which the packs report as advice with the
# waiver (docs/policies.md).
HAND_ROTATED_AND_NO_ENDPOINTS = {"secretsmanager-rotation", "vpc-interface-endpoints"}
EXPECTED_ADVICE = {
    "dev": {
        "stateful-resources-protected",
        "rds-multi-az",
        "rds-backup-retention",
        "rds-deletion-protection",
        "rds-final-snapshot",
        "lb-deletion-protection",
        *HAND_ROTATED_AND_NO_ENDPOINTS,
    },
    "staging": {"stateful-resources-protected", *HAND_ROTATED_AND_NO_ENDPOINTS},
    "prod": HAND_ROTATED_AND_NO_ENDPOINTS,
}
_PLANS: dict[str, Plan] = {}


@pytest.fixture
def full_plan() -> Callable[[str], Plan]:
    def plan(stack: str) -> Plan:
        if stack not in _PLANS:
            _PLANS[stack] = plan_stack(stack)
        return _PLANS[stack]

    return plan


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_passes_every_mandatory_policy(full_plan: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack as committed WHEN every pack evaluates it
    report = full_plan(stack).policies
    assert report is not None
    # THEN every pack ran, nothing mandatory fails, and the only advice is what the profile intends or the stack
    # waives (each waived finding is reported as advice naming its waiver)
    assert len(report.packs) == len(discover_packs())
    assert report.mandatory == []
    assert {v.policy for v in report.violations} == EXPECTED_ADVICE[stack]


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_is_priced(full_plan: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack as committed WHEN the cost model prices it
    cost = full_plan(stack).cost
    # THEN the total is positive and is the sum of its items, rounded to the cent
    assert cost is not None and cost.monthly_usd > 0
    assert round(sum(i.monthly_usd for i in cost.items), 2) == cost.monthly_usd
    # AND there is one NAT gateway per the profile's NAT strategy: 1 in dev, 2 in staging, 3 in prod
    nat_items = [i for i in cost.items if i.type == "aws:ec2/natGateway:NatGateway"]
    assert len(nat_items) == {"dev": 1, "staging": 2, "prod": 3}[stack]


def test_budget_policy_and_plan_use_the_same_total(tmp_path: Path, full_plan: Callable[[str], Plan]) -> None:
    # GIVEN a budget one dollar below the plan's prod total
    total = full_plan("prod").cost.monthly_usd  # type: ignore[union-attr]
    config = tmp_path / "budget.json"
    config.write_text(json.dumps({"stack-monthly-budget": {"monthlyBudgetUsd": {"prod": total - 1}}}))
    # WHEN the cost pack evaluates the same plan of prod with that pack config (as plan_stack does, without
    # running the program a second time)
    raw, _ = read_stack_file("prod")
    (pack,) = [p for p in discover_packs() if p.name == "cost_guardrails"]
    report = evaluate(start_packs("prod", raw, [pack]), full_plan("prod").engine_view(), json.loads(config.read_text()))
    # THEN the budget policy fails with the plan's own total
    (violation,) = [v for v in report.violations if v.policy == "stack-monthly-budget"]
    assert f"${total:,.2f}/month" in violation.message and violation.level == "mandatory"


def test_policy_pack_config_can_make_dev_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN pack config that makes every policy mandatory, as `--policy-pack-config` takes it
    config = tmp_path / "strict.json"
    config.write_text(json.dumps({"all": "mandatory"}))
    # WHEN dev is planned with it
    code = main(["plan", "--stack", "dev", "--policy-pack-config", str(config)])
    # THEN the keys dev leaves unprotected now fail the plan
    captured = capsys.readouterr()
    assert code == 1
    assert "[mandatory] finplatform-data-protection/stateful-resources-protected" in captured.out
    assert "mandatory policy violation" in captured.err


def test_json_adds_policies_and_cost(tmp_path: Path) -> None:
    # GIVEN the dev stack, which has advice-level violations
    out = tmp_path / "dev.json"
    # WHEN it is planned with --json
    assert main(["plan", "--stack", "dev", "--json", str(out)]) == 0
    # THEN the graph adds the policy violations and the cost items, each with its documented keys
    graph = json.loads(out.read_text())
    violation = graph["policies"]["violations"][0]
    assert set(violation) == {"pack", "policy", "level", "urn", "message"}
    assert violation["urn"].startswith("urn:pulumi:dev::finplatform::")
    assert set(graph["cost"]) == {"monthly_usd", "baseline_usd", "usage_usd", "items", "layers", "standby", "ceiling"}
    assert graph["cost"]["baseline_usd"] + graph["cost"]["usage_usd"] == pytest.approx(graph["cost"]["monthly_usd"])
    assert graph["cost"]["ceiling"]["monthly_usd"] >= graph["cost"]["monthly_usd"]
    assert set(graph["cost"]["items"][0]) == {
        "urn",
        "type",
        "monthly_usd",
        "baseline_usd",
        "usage_usd",
        "basis",
        "layer",
        "name",
        "charges",
        "usage",
    }
    assert round(sum(graph["cost"]["layers"].values()), 2) == graph["cost"]["monthly_usd"]
