"""Reading a stack's config the way the Pulumi CLI does: Pulumi.yaml's declared defaults, then the stack file.

The offline plan and the doc generators use this; the program itself gets its config from the Pulumi runtime.
"""

import json
from pathlib import Path
from typing import Any

import yaml

from finplatform import ROOT
from finplatform.config import ConfigError, ConfigProblem, _key, stack_file_name


def _as_engine_string(value: Any) -> str:
    """The CLI passes scalars as text and lists or maps as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def project_config_defaults(root: Path = ROOT) -> dict[str, str]:
    """Defaults declared in the ``config:`` section of Pulumi.yaml, keyed ``finplatform:<key>``."""
    with (root / "Pulumi.yaml").open(encoding="utf-8") as handle:
        project = yaml.safe_load(handle) or {}
    defaults = {}
    for name, spec in (project.get("config") or {}).items():
        key = name if ":" in name else _key(name)
        if isinstance(spec, dict) and "default" in spec:
            defaults[key] = _as_engine_string(spec["default"])
        elif not isinstance(spec, dict):
            defaults[key] = _as_engine_string(spec)
    return defaults


def read_stack_file(stack: str, root: Path = ROOT) -> tuple[dict[str, str], list[str]]:
    """The config map the CLI would hand the program for ``stack``, and the keys holding secrets.

    Encrypted (``secure:``) values cannot be decrypted offline; they are passed as a marked placeholder.
    """
    source = stack_file_name(stack)
    path = root / source
    if not path.is_file():
        stacks = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml"))
        raise ConfigError(source, [ConfigProblem("stack", f"no such stack file; stacks: {', '.join(stacks)}")])
    try:
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(source, [ConfigProblem("config", f"not valid YAML: {exc}")]) from None
    section = document.get("config") or {}
    if not isinstance(section, dict):
        raise ConfigError(source, [ConfigProblem("config", "must be a mapping of key: value")])
    raw = project_config_defaults(root)
    secret_keys = []
    for name, value in section.items():
        key = str(name) if ":" in str(name) else _key(str(name))
        if isinstance(value, dict) and set(value) == {"secure"}:
            raw[key] = "[secret]"
            secret_keys.append(key)
        else:
            raw[key] = _as_engine_string(value)
    return raw, secret_keys
