"""``python -m finplatform plan``: tree output, the JSON graph, and clean failures on bad config."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from finplatform import ROOT
from finplatform.__main__ import main

RESOURCE_KEYS = {"urn", "type", "name", "parent", "custom", "inputs", "dependencies", "options"}
OPTION_KEYS = {"protect", "provider", "aliases", "retainOnDelete", "deleteBeforeReplace"}


def test_json_graph_has_the_documented_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the prod stack
    out = tmp_path / "prod.json"
    # WHEN it is planned with --json
    assert main(["plan", "--stack", "prod", "--json", str(out)]) == 0
    graph = json.loads(out.read_text())
    # THEN every resource carries exactly the documented keys, with the engine's camelCase inputs
    assert graph["stack"] == "prod"
    assert graph["resources"], "the graph lists resources"
    for resource in graph["resources"]:
        assert set(resource) == RESOURCE_KEYS
        assert set(resource["options"]) >= OPTION_KEYS
        assert resource["urn"].startswith("urn:pulumi:prod::finplatform::")
    (vpc,) = [r for r in graph["resources"] if r["type"] == "awsx:ec2:Vpc" and r["name"] == "network-vpc"]
    assert vpc["custom"] is False and "availabilityZoneNames" in vpc["inputs"]
    assert {d["type"] for d in graph["derived"]} >= {"aws:ec2/natGateway:NatGateway", "aws:ec2/subnet:Subnet"}
    printed = capsys.readouterr().out
    assert "finplatform:network:Network" in printed and "Declared by the program:" in printed


def _project_with(tmp_path: Path, stack_yaml: str) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.bad.yaml").write_text(stack_yaml)
    return tmp_path


def test_bad_config_fails_cleanly_without_a_traceback(tmp_path: Path) -> None:
    # GIVEN a stack file with a wrong type
    project = _project_with(tmp_path, "config:\n  finplatform:azCount: three\n")
    # WHEN the plan runs as a user runs it
    result = subprocess.run(
        [sys.executable, "-m", "finplatform", "plan", "--stack", "bad", "--project-dir", str(project)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN it exits non-zero with one message naming the file and the key, and no traceback
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: invalid configuration in Pulumi.bad.yaml: finplatform:azCount: Input should be a valid integer, "
        "unable to parse string as an integer (got 'three')"
    ]


def test_bad_config_declares_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a stack file whose environment does not exist
    project = _project_with(tmp_path, "config:\n  finplatform:environment: qa\n")
    # WHEN it is planned in-process
    assert main(["plan", "--stack", "bad", "--project-dir", str(project)]) == 2
    # THEN the plan exits with 2, prints nothing to stdout, and names the key on stderr
    captured = capsys.readouterr()
    assert captured.out == "" and "finplatform:environment" in captured.err
