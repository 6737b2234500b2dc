"""The offline plan of the largest stack stays close to the SDK's own floor, and the benchmark reports a
mandatory violation rather than failing on it."""

import json
from pathlib import Path

import pytest

from finplatform.__main__ import main
from finplatform.tooling.benchmark import run_benchmark

pytestmark = pytest.mark.slow


def test_prod_plan_takes_at_most_twice_the_sdk_floor() -> None:
    # GIVEN the prod stack, the largest
    # WHEN the plan and a bare SDK program declaring as many resources of the same types are timed
    result = run_benchmark("prod", repeat=1)  # one run each: the margins (about 1.3 and 1.7) are wide
    # THEN the program and cost model cost no more than twice the floor
    assert result.resources >= 25
    assert result.ratio <= 2.0, f"plan {result.plan_seconds:.2f} s vs floor {result.floor_seconds:.2f} s"
    # AND the four policy packs, driven concurrently, cost at most one and a half times the program again
    # (each Analyze call costs the pack a deserialisation per policy, so this grows with the resources)
    assert result.full_plan_seconds <= 2.5 * result.plan_seconds, f"full plan {result.full_plan_seconds:.2f} s"
    assert result.mandatory_violations == []


def test_a_mandatory_violation_is_reported_and_the_plan_still_timed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a budget the dev stack cannot meet, enforced as mandatory
    config = tmp_path / "budget.json"
    config.write_text(
        json.dumps({"stack-monthly-budget": {"enforcementLevel": "mandatory", "monthlyBudgetUsd": {"dev": 1}}})
    )
    # WHEN the benchmark runs
    code = main(["benchmark", "--stack", "dev", "--repeat", "1", "--policy-pack-config", str(config)])
    # THEN it prints the timings, names the violation, exits 1, and shows no traceback
    out, err = capsys.readouterr()
    assert code == 1
    assert "ratio:" in out and "full plan with the policy packs:" in out
    assert "1 mandatory policy violation(s)" in err and "stack-monthly-budget" in err
    assert "Traceback" not in out + err
