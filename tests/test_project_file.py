"""Pulumi.yaml declares every config key, generated from the model so the two cannot drift."""

import yaml

from finplatform import ROOT
from finplatform.config import StackConfig
from finplatform.project_file import render_project_file


def test_pulumi_yaml_is_generated_from_the_config_model() -> None:
    assert (ROOT / "Pulumi.yaml").read_text() == render_project_file(), (
        "run `python -m finplatform project-file --write`"
    )


def test_every_key_has_a_type_a_description_and_a_default() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "uv", "virtualenv": ".venv"}}
    assert len(project["config"]) == len(StackConfig.model_fields)
    for key, spec in project["config"].items():
        assert spec["type"] in ("string", "integer", "boolean", "array"), key
        assert spec["description"], key
        # Profile-dependent keys have no literal default: one would override every environment's profile.
        assert "default" in spec or "Default: from the environment profile" in spec["description"], key
