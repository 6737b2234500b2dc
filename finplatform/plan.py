"""The offline plan: run the real program for a stack under Pulumi mocks and report what it declares."""

import runpy
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.sync_await import _sync_await

from finplatform import PROJECT, ROOT
from finplatform.config import read_stack_file, resolve_stack
from finplatform.mocks import PlannedResource, install_mocks, run_declarations
from finplatform.remote_components import EXPANDERS, DerivedResource


@dataclass
class Plan:
    """Everything one run of the program declared, plus what its remote components will create."""

    stack: str
    resources: list[PlannedResource]
    derived: dict[str, list[DerivedResource]]
    outputs: dict[str, Any]

    def by_type(self) -> Counter[str]:
        return Counter(r.type for r in self.resources)

    def derived_by_type(self) -> Counter[str]:
        return Counter(d.type for children in self.derived.values() for d in children)

    def named(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "project": PROJECT,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "parent": r.parent,
                    "custom": r.custom,
                    "inputs": r.inputs,
                    "dependencies": r.dependencies,
                    "options": r.options,
                }
                for r in self.resources
            ],
            "derived": [
                {"type": d.type, "name": d.name, "parent": urn, "inputs": d.inputs}
                for urn, children in self.derived.items()
                for d in children
            ],
            "outputs": self.outputs,
        }


def run_program(stack: str, root: Path = ROOT, raw_config: dict[str, str] | None = None) -> Plan:
    """Run ``__main__.py`` for ``stack`` under mocks. Raises ConfigError before declaring anything."""
    if raw_config is None:
        raw_config, secret_keys = read_stack_file(stack, root)
    else:
        secret_keys = []
    resolve_stack(stack, raw_config)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))

    monitor = install_mocks(stack, raw_config, secret_keys)
    program = str(root / "__main__.py")
    run_declarations(lambda: runpy.run_path(program, run_name="__main__"))

    derived = {r.urn: EXPANDERS[r.type](r.name, r.inputs) for r in monitor.planned if r.remote and r.type in EXPANDERS}
    return Plan(stack=stack, resources=monitor.planned, derived=derived, outputs=_stack_outputs())


def _stack_outputs() -> dict[str, Any]:
    root = settings.get_root_resource()
    outputs: dict[str, Any] = getattr(root, "outputs", {}) or {}
    return {name: _sync_await(pulumi.Output.from_input(value).future()) for name, value in outputs.items()}


def render_tree(plan: Plan) -> str:
    """The planned resources as a tree grouped by component, then a count per resource type."""
    children: dict[str, list[PlannedResource]] = {}
    urns = {r.urn for r in plan.resources}
    for r in sorted(plan.resources, key=lambda r: (r.custom, r.type, r.name)):
        children.setdefault(r.parent if r.parent in urns else "", []).append(r)
    width = max((len(r.type) for r in plan.resources), default=20) + 2
    lines: list[str] = []

    def flags(r: PlannedResource) -> str:
        marks = []
        if r.remote:
            marks.append("remote component")
        if r.protect:
            marks.append("protect")
        if r.options.get("retainOnDelete"):
            marks.append("retain")
        return f"  [{', '.join(marks)}]" if marks else ""

    def walk(parent: str, indent: str) -> None:
        items = children.get(parent, [])
        for position, r in enumerate(items):
            last = position == len(items) - 1
            branch = "" if parent == "" else ("└─ " if last else "├─ ")
            lines.append(f"{indent}{branch}{r.type:<{width - len(indent) - len(branch)}} {r.name}{flags(r)}")
            deeper = indent + ("" if parent == "" else ("   " if last else "│  "))
            derived = plan.derived.get(r.urn, [])
            for d_position, d in enumerate(derived):
                d_branch = "└┄ " if d_position == len(derived) - 1 and not children.get(r.urn) else "├┄ "
                lines.append(
                    f"{deeper}{d_branch}{d.type:<{width - len(deeper) - 3}} {d.name}  (created by the component)"
                )
            walk(r.urn, deeper)

    walk("", "")
    lines.append("")
    lines.append(f"Declared by the program: {len(plan.resources)} resources")
    lines += [f"  {count:>4}  {type_}" for type_, count in sorted(plan.by_type().items())]
    derived_counts = plan.derived_by_type()
    if derived_counts:
        lines.append(
            f"Created by remote components, derived from their arguments: {sum(derived_counts.values())} resources"
        )
        lines += [f"  {count:>4}  {type_}" for type_, count in sorted(derived_counts.items())]
    return "\n".join(lines)
