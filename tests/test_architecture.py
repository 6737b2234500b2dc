"""The shape of the code: a thin program over a model it imports, tooling it never loads, components split by
concern with no layer reaching into another's helpers, and Args documented field by field."""

import ast
import subprocess
import sys

import pytest

from finplatform import ROOT
from finplatform.tooling.component_docs import COMPONENTS_DIR, args_classes, component_docs, input_types

MAX_MODULE_LINES = 400
# Layer packages and modules; each may import only itself, the shared blocks, the providers and the model.
LAYERS = (
    "network",
    "keys_and_secrets",
    "data",
    "compute",
    "edge",
    "audit",
    "recovery",
    "delivery",
    "dr",
    "observability",
)
SHARED = ("components.shared", "components.providers")


def _program_imports() -> list[str]:
    tree = ast.parse((ROOT / "__main__.py").read_text(encoding="utf-8"))
    return [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module]


def test_the_program_loads_no_tooling() -> None:
    # GIVEN the modules the Pulumi program imports
    modules = _program_imports()
    assert "components.build" in modules
    # WHEN a fresh interpreter imports them, as the language host does
    probe = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        # a stack with waivers has them checked against every pack's policies, from the generated index
        "from finplatform.config import check_policy_waivers, policy_rules\n"
        "assert policy_rules()\n"
        "loaded = ('finplatform.tooling', 'pulumi_policy', 'policies')\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith(loaded))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    # THEN no tooling module (mocks, plan, policy evaluation, cost, generators), no pack and no policy SDK was
    # loaded
    assert result.stdout.split() == []


def test_the_program_is_at_most_thirty_lines() -> None:
    # GIVEN the Pulumi program WHEN its lines are counted THEN it stays a thin loader of build()
    lines = (ROOT / "__main__.py").read_text(encoding="utf-8").splitlines()
    assert lines and len(lines) <= 30


def test_no_component_module_is_over_about_four_hundred_lines() -> None:
    # GIVEN every module under components/
    modules = sorted(COMPONENTS_DIR.rglob("*.py"))
    assert modules
    # THEN none is over the limit
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in modules}
    assert {path: n for path, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "components" and parts[1] in LAYERS else None


def test_no_layer_imports_another_layers_helpers() -> None:
    # GIVEN the layer modules (the build package wires layers together and may import any of them)
    crossings = []
    checked = 0
    for path in sorted(COMPONENTS_DIR.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        layer = _layer_of(module)
        if layer is None:
            continue
        checked += 1
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("components."):
                other = _layer_of(node.module)
                # THEN a layer imports only itself and the shared blocks: what several layers use lives in shared
                if (other is not None and other != layer) or (other is None and not node.module.startswith(SHARED)):
                    crossings.append(f"{module} imports {node.module}")
    assert checked > 10
    assert crossings == []


def test_every_args_field_is_documented() -> None:
    # GIVEN every component's Args class
    classes = args_classes()
    assert len(classes) >= 15
    # THEN each field has a description, written under it
    undocumented = {name: [f.name for f in fields if not f.description] for name, (_, fields) in classes.items()}
    assert {name: missing for name, missing in undocumented.items() if missing} == {}
    # AND so has each field of the types those fields are declared with (Placement, Workplace, Grants ...)
    shared = input_types()
    assert {"Placement", "Workplace", "Grants"} <= set(shared)
    undocumented = {name: [f.name for f in fields if not f.description] for name, (_, _, fields) in shared.items()}
    assert {name: missing for name, missing in undocumented.items() if missing} == {}


@pytest.mark.parametrize("doc", component_docs(), ids=lambda d: d.name)
def test_each_component_reads_every_field_of_its_args(doc: object) -> None:
    # GIVEN a component, its Args and its module's source
    from finplatform.tooling.component_docs import ComponentDoc

    assert isinstance(doc, ComponentDoc) and doc.inputs
    source = (ROOT / doc.module).read_text(encoding="utf-8")
    # THEN every field is read somewhere in the module: Args name only what the component uses
    assert [f.name for f in doc.inputs if f"args.{f.name}" not in source] == []


def test_component_type_tokens_name_their_layer() -> None:
    # GIVEN every component WHEN its type token is read THEN it is finplatform:<layer>:<its class name>
    docs = component_docs()
    assert docs
    tokens = {d.name: d.token for d in docs}
    assert {name: token for name, token in tokens.items() if not token.startswith("finplatform:")} == {}
    assert {name: token for name, token in tokens.items() if token.rsplit(":", 1)[-1] != name} == {}
