"""The GitHub Actions workflow users run is valid, and previews every stack with every pack."""

import subprocess
from pathlib import Path

import pytest
import yaml

from finplatform import ROOT
from finplatform.tooling.policy_eval import discover_packs

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.mark.slow
def test_actionlint_accepts_the_workflow() -> None:
    # GIVEN the workflow users run WHEN actionlint checks it THEN it reports nothing
    actionlint = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "actionlint"
    result = subprocess.run([str(actionlint), str(WORKFLOW)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_preview_runs_every_stack_with_every_pack() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    preview = workflow["jobs"]["preview"]
    assert preview["strategy"]["matrix"]["stack"] == ["dev", "staging", "prod"]
    (pulumi_step,) = [s for s in preview["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@")]
    assert pulumi_step["with"]["command"] == "preview"
    packs = pulumi_step["with"]["policyPacks"].split()
    assert sorted(packs) == sorted(str(p.relative_to(ROOT)) for p in discover_packs())


def test_plan_diff_posts_the_head_plans_diffed_against_the_base_branch() -> None:
    # GIVEN the workflow WHEN its plan-diff job is read
    workflow = yaml.safe_load(WORKFLOW.read_text())
    job = workflow["jobs"]["plan-diff"]
    steps = job["steps"]
    # THEN it runs on same-repository pull requests only, may write pull request comments and nothing else
    assert "github.event_name == 'pull_request'" in job["if"]
    assert "head.repo.full_name == github.repository" in job["if"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    # AND it checks out the base branch and the head in two folders, and sets both up
    checkouts = [s.get("with", {}) for s in steps if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts == [{"ref": "${{ github.event.pull_request.base.sha }}", "path": "base"}, {"path": "head"}]
    runs = "\n".join(str(s.get("run", "")) for s in steps)
    assert "make -C base setup" in runs and "make -C head setup" in runs
    # AND it plans the base offline to one JSON per stack, then the head with --diff against them
    assert "plan --all --json-dir" in runs and "--no-policies --json" in runs
    assert 'plan --all --diff "$BASE_PLANS" --diff-out "$DIFF_FILE"' in runs
    assert not any("configure-aws-credentials" in str(s.get("uses", "")) for s in steps)
    # AND it posts the markdown as one comment that later pushes update
    (post,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/github-script@")]
    assert "updateComment" in post["with"]["script"] and "createComment" in post["with"]["script"]
