"""Pulumi.yaml declares every config key, generated from the model so the two cannot drift."""

import pytest
import yaml

from finplatform import ROOT
from finplatform.config import StackConfig
from finplatform.tooling.project_file import GENERATED_FILES


@pytest.mark.parametrize("relative", sorted(GENERATED_FILES))
def test_generated_file_matches_the_config_model(relative: str) -> None:
    assert (ROOT / relative).read_text() == GENERATED_FILES[relative](), "run `python -m finplatform generate`"


def test_every_key_has_a_type_a_description_and_a_default() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "uv", "virtualenv": ".venv"}}
    assert len(project["config"]) == len(StackConfig.model_fields)
    for key, spec in project["config"].items():
        # A list of objects is left untyped: Pulumi.yaml's config types cannot describe objects, and the CLI would
        # refuse them as an array of strings.
        assert spec.get("type") in ("string", "integer", "boolean", "array") or key in (
            "policyWaivers",
            "resourceUsage",
        ), key
        assert spec["description"], key
        # Keys that depend on the stack's environment have no literal default (the CLI would apply it to every
        # stack); their description must say where the default comes from.
        assert "default" in spec or "Default: " in spec["description"], key
