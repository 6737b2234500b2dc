"""Reading a stack's config the way the Pulumi CLI does: Pulumi.yaml's declared defaults, then the stack file.

The offline plan and the doc generators use this; the program itself gets its config from the Pulumi runtime.
"""

import json
from pathlib import Path
from typing import Any

from finplatform import ROOT
from finplatform.config import ConfigError, ConfigProblem, _key, stack_file_name
from finplatform.safe_yaml import YamlError, describe, load_mapping, render_path


def _as_engine_string(value: Any) -> str:
    """The CLI passes scalars as text and lists or maps as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def project_config_defaults(root: Path = ROOT) -> dict[str, str]:
    """Defaults declared in the ``config:`` section of Pulumi.yaml, keyed ``finplatform:<key>``."""
    project = _read_mapping(root / "Pulumi.yaml", "Pulumi.yaml")
    section = project.get("config") or {}
    if not isinstance(section, dict):
        raise ConfigError("Pulumi.yaml", [ConfigProblem("config", f"must be a mapping (got a {describe(section)})")])
    defaults = {}
    for name, spec in section.items():
        key = str(name) if ":" in str(name) else _key(str(name))
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
    document = _read_mapping(path, source)
    section = document.get("config") or {}
    if not isinstance(section, dict):
        message = f"must be a mapping of key: value (got a {describe(section)})"
        raise ConfigError(source, [ConfigProblem("config", message)])
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


def _read_mapping(path: Path, source: str) -> dict[str, Any]:
    """The file's YAML mapping, read strictly (safe_yaml); a problem is one ConfigError naming where it is: the
    key as written under config:, else the path from the top, else the line."""
    try:
        return load_mapping(path)
    except YamlError as problem:
        keys = problem.path
        under_config = keys[:1] == ("config",) and len(keys) > 1 and isinstance(keys[1], str)
        where = render_path(keys[1:] if under_config else keys)
        line = f"line {problem.line}" if problem.line is not None else ""
        key = f"{where} ({line})" if where and line else where or line
        raise ConfigError(source, [ConfigProblem(key, str(problem))]) from None
