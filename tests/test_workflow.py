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
