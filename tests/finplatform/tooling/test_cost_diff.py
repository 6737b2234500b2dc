"""``plan --diff BASE.json``: resources added, changed and removed, and the cost change, as markdown."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from finplatform import ROOT
from finplatform.__main__ import main
from finplatform.tooling.cost_diff import MISSING, diff_markdown, diff_plans, input_changes, render_all
from tests.projects import committed_stack_text
from tests.projects import project as make_project

PREFIX = "urn:pulumi:dev::finplatform::"


def urn(type_: str, name: str) -> str:
    return f"{PREFIX}{type_}::{name}"


def resource(type_: str, name: str, **inputs: Any) -> dict[str, Any]:
    return {"urn": urn(type_, name), "type": type_, "name": name, "inputs": inputs}


def document(
    resources: list[dict[str, Any]], costs: dict[str, float], ceiling: Any = None, stack: str = "dev"
) -> dict[str, Any]:
    """A plan document as ``plan --json`` writes it, reduced to what the diff reads."""
    by_name = {r["name"]: r for r in resources}
    items = [
        {"urn": by_name[n]["urn"], "type": by_name[n]["type"], "monthly_usd": usd, "basis": "", "layer": "x"}
        for n, usd in costs.items()
    ]
    cost: dict[str, Any] = {"monthly_usd": round(sum(costs.values()), 2), "items": items}
    if ceiling is not None:
        cost["ceiling"] = ceiling
    return {"stack": stack, "project": "finplatform", "resources": resources, "derived": [], "cost": cost}


DB = "aws:rds/instance:Instance"
NAT = "aws:ec2/natGateway:NatGateway"
BUCKET = "aws:s3/bucket:Bucket"


def base_plan(ceiling: Any = None, stack: str = "dev") -> dict[str, Any]:
    return document(
        [
            resource(DB, "postgres", instanceClass="db.t4g.medium", password="[secret]", tags={"env": "dev"}),
            resource(NAT, "nat-1", subnetId="subnet-1"),
            resource(BUCKET, "old-bucket", bucket="old"),
        ],
        {"postgres": 60.0, "nat-1": 33.75, "old-bucket": 1.0},
        ceiling,
        stack,
    )


def head_plan(ceiling: Any = None) -> dict[str, Any]:
    return document(
        [
            resource(DB, "postgres", instanceClass="db.r6g.large", password="[secret]", tags={"env": "dev"}),
            resource(NAT, "nat-1", subnetId="subnet-1"),
            resource(NAT, "nat-2", subnetId="subnet-2"),
        ],
        {"postgres": 180.0, "nat-1": 33.75, "nat-2": 33.75},
        ceiling,
    )


# --- the structured diff --------------------------------------------------------------------------------------


def test_resources_are_added_changed_and_removed_by_urn() -> None:
    # GIVEN a base plan and a head that resizes the database, adds a NAT gateway and drops a bucket
    base, head = base_plan(), head_plan()
    # WHEN they are diffed
    diff = diff_plans(base, head)
    # THEN each resource is classified by its URN
    assert [r.urn for r in diff.added] == [urn(NAT, "nat-2")]
    assert [r.urn for r in diff.removed] == [urn(BUCKET, "old-bucket")]
    (changed,) = diff.changed
    assert changed.urn == urn(DB, "postgres")
    # AND the changed resource lists only the input that changed, old and new
    assert [(c.path, c.old, c.new) for c in changed.changes] == [("instanceClass", "db.t4g.medium", "db.r6g.large")]


def test_changed_inputs_are_paths_into_nested_values_and_json_strings() -> None:
    # GIVEN inputs with a nested map, a list that grew and an IAM policy held as a JSON string
    policy = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}
    wider = {"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}
    old = {"tags": {"env": "dev", "owner": "a"}, "subnets": ["a"], "policy": json.dumps(policy)}
    new = {"tags": {"env": "dev"}, "subnets": ["a", "b"], "policy": json.dumps(wider)}
    # WHEN their changes are listed
    changes = {c.path: (c.old, c.new) for c in input_changes(old, new)}
    # THEN each is a path with its old and new value, an absent side marked as missing
    assert changes == {
        "tags.owner": ("a", MISSING),
        "subnets[1]": (MISSING, "b"),
        "policy.Statement[0].Action": ("s3:GetObject", "s3:*"),
    }


def test_secrets_stay_masked_and_long_values_are_shortened() -> None:
    # GIVEN a resource whose secret and a long value both change (the JSON masks secrets as [secret])
    base = document([resource(DB, "postgres", password="[secret]", script="x" * 200)], {})
    head = document([resource(DB, "postgres", password="[secret]", script="y" * 200, engineVersion="16")], {})
    # WHEN the markdown is rendered
    markdown = diff_markdown(base, head)
    # THEN no secret value appears, the long value is cut, and the new input is listed as added
    assert "[secret]" not in markdown  # unchanged, so not listed; never unmasked
    assert "x" * 100 not in markdown and "…" in markdown
    assert '`engineVersion`: `(none)` → `"16"`' in markdown


def test_cost_change_is_reported_per_resource_and_in_total() -> None:
    # GIVEN the base and head plans (database up by $120, a NAT gateway added, a bucket removed)
    diff = diff_plans(base_plan(), head_plan())
    # WHEN the cost changes are read
    costs = {c.name: (c.before, c.after, c.delta) for c in diff.costs}
    # THEN only resources whose cost moved are listed, largest change first, and the total is their sum
    assert costs == {"postgres": (60.0, 180.0, 120.0), "nat-2": (None, 33.75, 33.75), "old-bucket": (1.0, None, -1.0)}
    assert [c.name for c in diff.costs] == ["postgres", "nat-2", "old-bucket"]
    assert (diff.total_before, diff.total_after, diff.total_delta) == (94.75, 247.5, 152.75)
    # AND the markdown shows the table and the summary line with the percentage
    markdown = diff_markdown(base_plan(), head_plan())
    assert "| `postgres` | Instance | $60.00 | $180.00 | +$120.00 |  |" in markdown
    assert "| `old-bucket` | Bucket | $1.00 | - | -$1.00 |  |" in markdown
    assert "monthly cost $94.75 → $247.50 (+$152.75, +161.2%)" in markdown
    assert "**+$152.75**" in markdown


def test_a_cost_change_from_a_usage_assumption_names_it() -> None:
    # GIVEN the same NAT gateway, priced in the head with more data through it (a finplatform:resourceUsage edit),
    # and a database whose base plan JSON predates the recorded assumptions
    base, head = base_plan(), base_plan()
    nat_base, nat_head = (
        next(i for i in plan["cost"]["items"] if i["urn"] == urn(NAT, "nat-1")) for plan in (base, head)
    )
    nat_base["usage"], nat_head["usage"] = {"natProcessedGb": 50}, {"natProcessedGb": 1000}
    nat_head["monthly_usd"] = 76.5
    db_head = next(i for i in head["cost"]["items"] if i["urn"] == urn(DB, "postgres"))
    db_head["usage"], db_head["monthly_usd"] = {"dbBackupGb": 40}, 61.0
    # WHEN they are diffed
    diff = diff_plans(base, head)
    # THEN the NAT gateway's line names the assumption that moved it; the database names none (no base value)
    assert {c.name: c.usage for c in diff.costs} == {"nat-1": (("natProcessedGb", 50, 1000),), "postgres": ()}
    markdown = diff_markdown(base, head)
    assert "| `nat-1` | NatGateway | $33.75 | $76.50 | +$42.75 | `natProcessedGb` 50 → 1,000 |" in markdown


def test_a_cheaper_head_shows_a_negative_change() -> None:
    # GIVEN the head as the base and the base as the head (the database shrinks)
    # WHEN they are diffed
    diff = diff_plans(head_plan(), base_plan())
    # THEN the total goes down and is shown with a minus sign
    assert diff.total_delta == -152.75
    assert "(-$152.75, -61.7%)" in diff_markdown(head_plan(), base_plan())


def test_a_new_stack_is_all_added() -> None:
    # GIVEN no base plan for the stack
    # WHEN the head is diffed against nothing
    diff = diff_plans(None, head_plan())
    # THEN every resource is added, the cost goes up from zero, and the heading says it is new
    assert len(diff.added) == 3 and not diff.changed and not diff.removed
    assert diff.new_stack and (diff.total_before, diff.total_after) == (0.0, 247.5)
    assert diff_markdown(None, head_plan()).startswith("### `dev` (new stack)")


def test_a_removed_stack_is_all_removed() -> None:
    # GIVEN a base plan and no head
    diff = diff_plans(base_plan(), None)
    # THEN every resource is removed and the cost falls to zero
    assert len(diff.removed) == 3 and diff.removed_stack and diff.total_delta == -94.75


def test_the_ceiling_is_compared_when_present_and_left_out_when_absent() -> None:
    # GIVEN plans with a ceiling figure, and plans without one (the JSON before the ceiling existed)
    with_ceiling = diff_plans(base_plan(ceiling=200.0), head_plan(ceiling=420.5))
    without = diff_plans(base_plan(), head_plan())
    half = diff_plans(base_plan(), head_plan(ceiling={"monthly_usd": 300.0}))
    # WHEN they are diffed
    # THEN the ceiling's change is reported where both have one
    assert (with_ceiling.ceiling_before, with_ceiling.ceiling_after, with_ceiling.ceiling_delta) == (
        200.0,
        420.5,
        220.5,
    )
    assert "ceiling $200.00 → $420.50 (+$220.50)" in diff_markdown(base_plan(200.0), head_plan(420.5))
    # AND not at all when neither has one
    assert not without.has_ceiling and "ceiling" not in diff_markdown(base_plan(), head_plan())
    # AND as n/a on the side without one (an object with monthly_usd is read too)
    assert (half.ceiling_before, half.ceiling_after, half.ceiling_delta) == (None, 300.0, None)
    assert "ceiling n/a → $300.00" in diff_markdown(base_plan(), head_plan(ceiling={"monthly_usd": 300.0}))


def test_identical_plans_have_no_changes() -> None:
    # GIVEN the same plan twice WHEN diffed THEN nothing changed and the markdown is one line
    diff = diff_plans(base_plan(), base_plan())
    assert diff.unchanged
    assert diff_markdown(base_plan(), base_plan()) == "### `dev`: no changes (monthly cost $94.75)"


def test_several_stacks_render_as_one_document() -> None:
    # GIVEN one stack that changed, one that did not, one that could not be planned
    diffs = [diff_plans(base_plan(), head_plan()), diff_plans(base_plan(stack="prod"), base_plan(stack="prod"))]
    # WHEN they are rendered together
    markdown = render_all(diffs, {"staging": "invalid configuration"})
    # THEN the changed stack has its section, the others one line each, and the total sums them
    assert "1 of 2 stack(s) changed; monthly cost +$152.75 in all." in markdown
    assert "### `dev`" in markdown and "No changes: `prod`." in markdown
    assert "**`staging` could not be planned:** invalid configuration" in markdown
    # AND the structured diff is JSON
    assert json.loads(json.dumps(diffs[0].to_json()))["cost"]["delta"] == 152.75


# --- end to end -----------------------------------------------------------------------------------------------


def plan_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "finplatform", "plan", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_plan_diff_names_the_changed_resources_and_the_cost_change(tmp_path: Path) -> None:
    # GIVEN the dev stack planned with --json, and a copy of the project whose dev stack has a NAT gateway per AZ
    base = tmp_path / "dev.json"
    assert main(["plan", "--stack", "dev", "--no-policies", "--json", str(base)]) == 0  # in-process: the shared plan
    project = make_project(
        tmp_path / "project", [], {"dev": committed_stack_text("dev") + "  finplatform:natStrategy: one-per-az\n"}
    )
    # WHEN the changed project is planned with --diff against the first JSON
    out = tmp_path / "diff.md"
    second = plan_cli("--stack", "dev", "--no-policies", "--project-dir", str(project), "--diff", str(base))
    written = plan_cli(
        "--stack", "dev", "--no-policies", "--project-dir", str(project), "--diff", str(base), "--diff-out", str(out)
    )
    # THEN the markdown names the VPC's changed NAT strategy and the added NAT gateway and EIP, with their cost
    assert second.returncode == 0 and written.returncode == 0, second.stderr + written.stderr
    markdown = out.read_text(encoding="utf-8")
    assert markdown in second.stdout  # printed without --diff-out, written with it
    assert "2 added, 1 changed, 0 removed" in markdown
    assert '- `network-vpc` (Vpc)\n  - `natGateways.strategy`: `"Single"` → `"OnePerAz"`' in markdown
    assert "- `network-vpc-2` (NatGateway) · $33.75/month" in markdown
    before = json.loads(base.read_text(encoding="utf-8"))["cost"]["monthly_usd"]
    assert f"monthly cost ${before:,.2f} → ${before + 37.4:,.2f} (+$37.40" in markdown


def test_plan_diff_against_a_missing_file_is_a_new_stack_and_bad_json_fails(tmp_path: Path) -> None:
    # GIVEN no base file, and a base file that is not a plan
    missing, bad = tmp_path / "none.json", tmp_path / "bad.json"
    bad.write_text('{"stack": "dev"}', encoding="utf-8")
    # WHEN dev is planned with --diff against each
    new = plan_cli("--stack", "dev", "--no-policies", "--diff", str(missing))
    wrong = plan_cli("--stack", "dev", "--no-policies", "--diff", str(bad))
    # THEN the first is a new stack, all added; the second exits 2 before planning, saying why
    assert new.returncode == 0 and "### `dev` (new stack)" in new.stdout
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert "is not a plan's JSON" in wrong.stderr


@pytest.mark.slow
def test_plan_all_writes_one_json_per_stack_and_diffs_against_them(tmp_path: Path) -> None:
    # GIVEN a project with the dev stack, planned with --all --json-dir
    project = make_project(tmp_path / "project", ["dev"])
    plans = tmp_path / "plans"
    first = plan_cli("--all", "--project-dir", str(project), "--json-dir", str(plans))
    assert first.returncode in (0, 1), first.stderr
    assert json.loads((plans / "dev.json").read_text(encoding="utf-8"))["stack"] == "dev"
    # AND a base plan of a stack the project no longer has
    (plans / "gone.json").write_text(json.dumps(base_plan(stack="gone")), encoding="utf-8")
    # WHEN the project, with a second stack, is planned with --all --diff against that folder
    make_project(project, [], {"dev2": committed_stack_text("dev")})
    out = tmp_path / "diff.md"
    second = plan_cli("--all", "--project-dir", str(project), "--diff", str(plans), "--diff-out", str(out))
    # THEN the unchanged stack is one line, the new stack is all added and the gone one all removed
    assert second.returncode in (0, 1), second.stderr
    markdown = out.read_text(encoding="utf-8")
    assert "No changes: `dev`." in markdown
    assert "### `dev2` (new stack)" in markdown and "### `gone` (stack removed)" in markdown
