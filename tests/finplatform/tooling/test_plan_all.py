"""``python -m finplatform plan --all``: a row per stack, the budget as the pack reads it, and the exit codes.

One ``--all`` run over the committed stacks is shared by the module; the mandatory-violation and broken-stack
runs each use a small project folder; the table and exit-code rules are tested on synthetic summaries."""

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from finplatform import ROOT
from finplatform.__main__ import main
from finplatform.tooling.plan_all import (
    BUDGET_POLICY,
    AllPlans,
    StackSummary,
    discover_stacks,
    error_line,
    exit_code,
    plan_one,
    render_problems,
    render_table,
    stack_budget,
)
from finplatform.tooling.policy_eval import discover_packs
from policies.cost_guardrails.rules import MONTHLY_BUDGET_USD, RULES, STACK_BUDGET_KEY
from tests.projects import project

MANDATORY_BUDGET = {
    BUDGET_POLICY: {"enforcementLevel": "mandatory", "monthlyBudgetUsd": {"dev": 1, "staging": 1, "prod": 1}}
}


def committed_stacks() -> list[str]:
    """The stack files git tracks (files others leave in the working tree do not count), else every one."""
    listed = subprocess.run(
        ["git", "ls-files", "--", "Pulumi.*.yaml"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    names = [n.removeprefix("Pulumi.").removesuffix(".yaml") for n in listed.stdout.split()]
    return sorted(names) if listed.returncode == 0 and names else discover_stacks(ROOT)


def stack_config(stack: str) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]
    return config


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    document: dict[str, Any]


def plan_all_cli(folder: Path, *extra: str) -> Run:
    """``python -m finplatform plan --all --json`` as a user runs it, over ``folder``."""
    out = folder / "all.json"
    command = [sys.executable, "-m", "finplatform", "plan", "--all", "--project-dir", str(folder), "--json", str(out)]
    result = subprocess.run(
        [*command, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    document = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return Run(result.returncode, result.stdout, result.stderr, document)


# Two committed stacks, one with its own budget and one on the pack's default: the machinery is the same for
# fifteen, and `make test` runs `plan --all` over every committed stack once, after the unit tests.
SAMPLE = ["data-pipeline-prod", "dev"]


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One ``plan --all`` over a project holding a sample of the committed stacks, shared by the module."""
    assert set(SAMPLE) <= set(committed_stacks())
    return plan_all_cli(project(tmp_path_factory.mktemp("committed"), SAMPLE))


def test_every_committed_stack_is_a_row_with_its_blueprint_and_environment(committed: Run) -> None:
    # GIVEN a project holding committed stack files, and what each sets
    stacks = SAMPLE
    assert stacks
    configs = {stack: stack_config(stack) for stack in stacks}
    expected = {s: (c["finplatform:blueprint"], c["finplatform:environment"]) for s, c in configs.items()}
    # WHEN they are all planned (the shared run)
    rows = committed.document["rows"]
    # THEN there is one row per stack, in name order, with the stack's blueprint and environment
    assert [r["stack"] for r in rows] == stacks
    assert {r["stack"]: (r["blueprint"], r["environment"]) for r in rows} == expected
    # AND every stack planned, with resources, a cost and no mandatory violation, so the run exits 0
    assert rows
    assert all(r["error"] is None and r["resources"] > 0 and r["monthly_usd"] > 0 for r in rows)
    assert [r["stack"] for r in rows if r["mandatory"]] == []
    assert committed.code == 0, committed.err
    assert committed.err == ""


def test_each_row_is_priced_against_the_budget_the_pack_checks(committed: Run) -> None:
    # GIVEN the shared run, with no pack config, and each stack file's own budget if it sets one
    rows = committed.document["rows"]
    assert rows
    own = {r["stack"]: stack_config(r["stack"]).get(STACK_BUDGET_KEY) for r in rows}
    expected = {r["stack"]: MONTHLY_BUDGET_USD[r["environment"]] for r in rows}
    expected.update({stack: float(budget) for stack, budget in own.items() if budget is not None})
    # THEN each row's budget is the stack's own, else the cost-guardrails pack's default for its environment
    assert {r["stack"]: r["budget_usd"] for r in rows} == expected
    # AND the JSON carries each stack's plan summary beside its row
    plans = committed.document["plans"]
    assert set(plans) == {r["stack"] for r in rows}
    for row in rows:
        summary = plans[row["stack"]]
        assert sum(summary["resources_by_type"].values()) == row["resources"]
        assert summary["cost"]["monthly_usd"] == row["monthly_usd"]
        assert len(summary["policies"]["packs"]) == len(discover_packs())
    assert committed.document["exit_code"] == 0 and committed.document["wall_seconds"] > 0


def test_the_table_has_a_header_a_row_per_stack_and_a_total_with_the_wall_time(committed: Run) -> None:
    # GIVEN the shared run's output
    lines = committed.out.splitlines()
    stacks = SAMPLE
    assert lines and stacks
    # THEN the header comes first, then one row per stack, then the total with the wall time
    assert lines[0].split()[:3] == ["stack", "blueprint", "environment"]
    # (table rows start at the margin; the waiver listing below the table indents the stack names it repeats)
    rows = [line for line in lines if line[:1].strip() and line.split()[0] in stacks]
    assert [row.split()[0] for row in rows] == stacks
    # AND each row's status says whether the stack is over its budget
    over = {r["stack"]: r["monthly_usd"] > r["budget_usd"] for r in committed.document["rows"]}
    assert {row.split()[0]: row.endswith("over budget") for row in rows} == over
    assert all(row.endswith(("ok", "over budget")) for row in rows)
    (total,) = [line for line in lines if line.startswith("total")]
    assert total.endswith("wall")
    assert f"Planned {len(stacks)} stacks with the policy packs in " in committed.out
    assert "Mandatory policy violations" not in committed.out


def test_a_mandatory_violation_exits_1_and_names_the_stack(tmp_path: Path) -> None:
    # GIVEN the dev stack and pack config that makes a $1 budget mandatory
    folder = project(tmp_path / "project", ["dev"])
    config = tmp_path / "budget.json"
    config.write_text(json.dumps(MANDATORY_BUDGET), encoding="utf-8")
    # WHEN every stack of the folder is planned with that config
    run = plan_all_cli(folder, "--policy-pack-config", str(config))
    # THEN the run exits 1, the row counts the violation against the configured budget, and the stack is named
    assert run.code == 1, run.err
    (row,) = run.document["rows"]
    assert (row["stack"], row["mandatory"], row["budget_usd"]) == ("dev", 1, 1.0)
    assert row["mandatory_messages"][0].startswith(f"finplatform-cost-guardrails/{BUDGET_POLICY}: ")
    assert "Mandatory policy violations:\n  dev (1):\n    - finplatform-cost-guardrails/" in run.out
    assert run.err.strip() == "error: 1 mandatory policy violation(s) in dev"


def test_a_broken_stack_file_is_a_row_with_its_message_and_exits_2(tmp_path: Path) -> None:
    # GIVEN a project whose only stack file has a wrong type
    broken = "config:\n  finplatform:environment: prod\n  finplatform:azCount: three\n"
    folder = project(tmp_path / "project", [], {"broken": broken})
    # WHEN every stack of the folder is planned
    run = plan_all_cli(folder)
    # THEN the stack is a row with the config error, and the run exits 2 naming it
    assert run.code == 2
    (row,) = run.document["rows"]
    message = "invalid configuration in Pulumi.broken.yaml: finplatform:azCount: Input should be a valid integer"
    assert row["error"].startswith(message) and row["config_error"] and row["environment"] == "prod"
    assert f"Stacks not planned:\n  broken: {message}" in run.out
    assert "INVALID CONFIG" in run.out
    assert run.err.strip() == "error: 1 stack(s) could not be planned (broken)"


# --- the rules, on summaries ----------------------------------------------------------------------------


def summary(stack: str, mandatory: int = 0, error: str | None = None, **fields: Any) -> StackSummary:
    messages = tuple(f"pack/policy: problem {n}" for n in range(mandatory))
    planned = {"resources": 10, "monthly_usd": 100.0, "budget_usd": 300.0} if error is None else {}
    return StackSummary(
        stack=stack,
        blueprint="portfolio-analytics",
        environment="dev",
        mandatory=mandatory,
        mandatory_messages=messages,
        error=error,
        config_error=error is not None,
        **{**planned, **fields},
    )


@pytest.mark.parametrize(
    ("summaries", "code"),
    [
        ([summary("a"), summary("b")], 0),
        ([summary("a"), summary("b", mandatory=2)], 1),
        ([summary("a"), summary("b", error="invalid configuration in Pulumi.b.yaml: x")], 2),
        ([summary("a", mandatory=1), summary("b", error="invalid configuration in Pulumi.b.yaml: x")], 2),
    ],
    ids=["clean", "mandatory", "config-error", "both"],
)
def test_exit_code_is_2_for_an_unplanned_stack_else_1_for_a_mandatory_violation(
    summaries: list[StackSummary], code: int
) -> None:
    # GIVEN stack summaries WHEN the exit code is worked out THEN an unplanned stack outranks a violation
    assert exit_code(summaries) == code
    # AND the stderr verdict is empty exactly when the code is 0
    assert (error_line(summaries) == "") == (code == 0)


def test_problems_are_grouped_by_stack_and_the_verdict_names_them() -> None:
    # GIVEN one clean stack, one with two mandatory violations and one that could not be planned
    summaries = [summary("a"), summary("b", mandatory=2), summary("c", error="invalid configuration in X")]
    # WHEN the problems and the verdict are rendered
    problems = render_problems(summaries)
    # THEN violations are listed under their stack, and unplanned stacks with their message
    assert problems.splitlines() == [
        "Mandatory policy violations:",
        "  b (2):",
        "    - pack/policy: problem 0",
        "    - pack/policy: problem 1",
        "Stacks not planned:",
        "  c: invalid configuration in X",
    ]
    assert error_line(summaries) == ("error: 1 stack(s) could not be planned (c); 2 mandatory policy violation(s) in b")
    assert render_problems([summary("a")]) == ""


def test_the_table_is_aligned_and_marks_each_row() -> None:
    # GIVEN a clean stack, one over budget, one with a violation and one with invalid config
    summaries = [
        summary("dev", seconds=3.0),
        summary("dex-mobile-prod", monthly_usd=450.0, seconds=4.0),
        summary("staging", mandatory=1, seconds=5.0),
        summary("broken", error="invalid configuration in Pulumi.broken.yaml: x"),
    ]
    # WHEN the table is rendered
    lines = render_table(AllPlans(summaries, wall_seconds=7.25, workers=2)).splitlines()
    # THEN every row and the total put their columns under the header's
    assert lines
    header, rows, total = lines[0], lines[2:6], lines[7]
    used = header.index("used") + len("used")
    assert rows
    assert all(row[used - 4 : used].strip().endswith(("%", "-")) for row in [*rows])
    assert [row.split()[0] for row in rows] == ["dev", "dex-mobile-prod", "staging", "broken"]
    assert [row.split("  ")[-1].strip() for row in rows] == [
        "ok",
        "over budget",
        "MANDATORY VIOLATIONS",
        "INVALID CONFIG",
    ]
    assert "150%" in rows[1]
    # AND the total sums the planned stacks and shows the wall time
    assert total.split() == ["total", "4", "stacks", "30", "0", "1", "0", "650.00", "7.2", "wall"]
    assert "in 7.2 s wall, 2 worker processes (the stacks' own times add up to 12.0 s)" in lines[-1]


def test_the_budget_is_read_as_the_budget_rule_reads_it() -> None:
    # GIVEN pack config raising the prod budget only, and stacks whose names are not environments
    config = {BUDGET_POLICY: {"enforcementLevel": "advisory", "monthlyBudgetUsd": {"prod": 3000}}}
    mobile = {"finplatform:environment": "prod", "finplatform:blueprint": "dex-mobile", STACK_BUDGET_KEY: "1405"}
    dev = {"finplatform:environment": "dev"}
    # WHEN each stack's budget is read
    # THEN pack config naming the environment wins over the stack's own budget
    assert stack_budget("dex-mobile-prod", mobile, config) == (3000.0, "monthlyBudgetUsd in pack config")
    # AND without it the stack's own budget counts, else the pack's default for the environment
    assert stack_budget("dex-mobile-prod", mobile, {}) == (1405.0, STACK_BUDGET_KEY)
    assert stack_budget("dev", dev, config)[0] == MONTHLY_BUDGET_USD["dev"]
    assert stack_budget("dev", dev, {})[0] == MONTHLY_BUDGET_USD["dev"]
    # AND a stack naming no environment is judged as prod, as the pack judges it
    assert stack_budget("sandbox", {}, {})[0] == MONTHLY_BUDGET_USD["prod"]
    # AND the policy named is the pack's budget rule
    assert BUDGET_POLICY in {rule.name for rule in RULES}


def test_stacks_are_discovered_from_the_stack_files_sorted(tmp_path: Path) -> None:
    # GIVEN a folder with the project file and stack files written out of order
    for name in ["Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.dex-mobile-prod.yaml", "Pulumi.dev.yaml", "notes.yaml"]:
        (tmp_path / name).write_text("config: {}\n", encoding="utf-8")
    # WHEN its stacks are discovered THEN they are the stack files' names, sorted, Pulumi.yaml excluded
    assert discover_stacks(tmp_path) == ["dev", "dex-mobile-prod", "prod"]


def test_a_missing_stack_is_a_row_with_the_error_not_an_exception(tmp_path: Path) -> None:
    # GIVEN a project folder without the stack's file WHEN the worker function plans it
    (tmp_path / "Pulumi.yaml").write_text("name: finplatform\n", encoding="utf-8")
    row = plan_one("ghost", tmp_path, {})
    # THEN it returns a row carrying the config error
    assert not row.planned and row.config_error and row.error is not None
    assert row.error.startswith("invalid configuration in Pulumi.ghost.yaml: stack: no such stack file")
    assert exit_code([row]) == 2


def test_all_and_stack_are_mutually_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN both --all and --stack WHEN the command line is parsed THEN argparse refuses it with usage and 2
    with pytest.raises(SystemExit) as exited:
        main(["plan", "--all", "--stack", "prod"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_all_refuses_no_policies(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN --all with --no-policies WHEN it runs THEN it exits 2 before planning anything
    assert main(["plan", "--all", "--no-policies"]) == 2
    assert "--all always runs the policy packs" in capsys.readouterr().err
