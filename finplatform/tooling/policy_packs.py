"""Self-contained copies of the policy packs, for ``pulumi policy publish`` and Pulumi Cloud policy groups.

From a checkout a pack runs in the project's ``.venv``, where the project is installed in editable mode, so its
imports of ``policies.common`` (and the cost pack's of ``finplatform``) resolve to the repository. A published
pack has only its own folder, and the CLI builds its virtualenv from its requirements.txt. ``build_packs``
therefore writes ``dist/policies/<pack>/`` with:

- PulumiPolicy.yaml, its runtime pointing at a ``venv`` folder of the pack's own (the CLI creates it);
- the pack's ``__main__.py``, unchanged;
- the project modules the pack imports, at the same paths, with every package ``__init__.py`` on the way and
  the data files they read (a ``*.json`` beside a module that names it);
- a requirements.txt pinning, to the versions in uv.lock, the distributions that code imports.

The modules are found by importing the pack's rules in a fresh interpreter and keeping the ``sys.modules``
entries whose file is in the repository; the imports inside functions (``pulumi_policy`` in the framework,
say) are found by reading the vendored sources, so nothing imported lazily is left behind.
"""

import ast
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

import yaml

from finplatform import ROOT
from finplatform.tooling.policy_eval import discover_packs

DIST_DIR = ROOT / "dist" / "policies"
LOCK_FILE = ROOT / "uv.lock"
# What every pack needs whatever it imports: the analyzer runs on the policy SDK, which runs on the Pulumi SDK.
ALWAYS_REQUIRED = ("pulumi", "pulumi-policy")
PACK_VIRTUALENV = "venv"
BUILT_HEADER = "# Built by `python -m finplatform build-policy-packs` from the repository's pack; edit that one.\n"

_LIST_MODULES = """
import importlib, json, sys
from pathlib import Path

root, environment = Path(sys.argv[1]), Path(sys.prefix).resolve()
for name in sys.argv[2:]:
    importlib.import_module(name)
found = {}
for name, module in list(sys.modules.items()):
    file = getattr(module, "__file__", None)
    if not file:
        continue
    path = Path(file).resolve()
    if path.is_relative_to(root) and not path.is_relative_to(environment):
        found[name] = str(path.relative_to(root))
print(json.dumps(found))
"""


@dataclass(frozen=True)
class BuiltPack:
    """One pack written to ``directory``: the files it holds and the requirements it pins."""

    name: str
    directory: Path
    files: tuple[str, ...]
    requirements: tuple[str, ...]


def _normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def locked_versions(lock_file: Path = LOCK_FILE) -> dict[str, str]:
    """Distribution name -> the version uv.lock resolves it to."""
    with lock_file.open("rb") as handle:
        lock = tomllib.load(handle)
    return {_normalise(p["name"]): str(p["version"]) for p in lock.get("package", []) if "version" in p}


def project_packages(root: Path = ROOT) -> frozenset[str]:
    """The repository's top-level import packages (folders with an ``__init__.py``)."""
    return frozenset(p.parent.name for p in root.glob("*/__init__.py"))


def _imports(source: Path) -> set[str]:
    """Every module an ``import`` in the file names, at any depth (imports inside functions too).

    ``from a.b import c`` yields ``a.b`` and ``a.b.c``: ``c`` may be a submodule; callers keep what exists."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def _is_module(name: str, root: Path) -> bool:
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_project_modules(entry_points: Sequence[str], root: Path = ROOT) -> dict[str, str]:
    """Module name -> path relative to ``root`` of every project module that importing ``entry_points`` loads,
    in a fresh interpreter, closed over the project imports their sources make inside functions."""
    own, wanted = project_packages(root), set(entry_points)
    while True:
        listed = subprocess.run(
            [sys.executable, "-c", _LIST_MODULES, str(root), *sorted(wanted)],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if listed.returncode != 0:
            raise RuntimeError(f"importing {', '.join(sorted(wanted))} failed:\n{listed.stderr}")
        found = {k: v for k, v in json.loads(listed.stdout).items() if k.split(".")[0] in own}
        lazy = {
            name
            for relative in found.values()
            for name in _imports(root / relative)
            if name.split(".")[0] in own and name not in found and _is_module(name, root)
        }
        if not lazy - wanted:
            return found
        wanted |= lazy


def _with_packages(files: Iterable[str], root: Path) -> set[str]:
    """The files plus the ``__init__.py`` of every package on their paths."""
    result = set(files)
    for relative in list(result):
        parent = Path(relative).parent
        while parent != Path("."):
            if (root / parent / "__init__.py").is_file():
                result.add(str(parent / "__init__.py"))
            parent = parent.parent
    return result


def data_files(modules: Iterable[str], root: Path = ROOT) -> set[str]:
    """The ``*.json`` files beside the modules that their source names (``Path(__file__).with_name(...)``), and
    the blueprints when the blueprint loader is vendored (a stack's objectives come from its blueprint)."""
    found = set()
    if "finplatform/blueprints.py" in modules:
        found |= {str(p.relative_to(root)) for p in (root / "blueprints").glob("*.yaml")}
    for relative in modules:
        module = root / relative
        source = module.read_text(encoding="utf-8")
        for candidate in module.parent.glob("*.json"):
            if f'"{candidate.name}"' in source or f"'{candidate.name}'" in source:
                found.add(str(candidate.relative_to(root)))
    return found


def requirements(sources: Iterable[Path], root: Path = ROOT, lock_file: Path = LOCK_FILE) -> list[str]:
    """``name==version`` (from uv.lock) for each third-party distribution the sources import, plus the SDKs."""
    own, stdlib = project_packages(root), sys.stdlib_module_names
    top_level = {name.split(".")[0] for source in sources for name in _imports(source)}
    by_module = packages_distributions()
    distributions = {_normalise(d) for d in ALWAYS_REQUIRED}
    for name in sorted(top_level - own - stdlib):
        candidates = by_module.get(name)
        if not candidates:
            raise LookupError(f"{name!r} is imported by a policy pack but no installed distribution provides it")
        distributions.update(_normalise(d) for d in candidates)
    versions = locked_versions(lock_file)
    missing = sorted(distributions - versions.keys())
    if missing:
        raise LookupError(f"not in {lock_file.name}: {', '.join(missing)}")
    return [f"{d}=={versions[d]}" for d in sorted(distributions)]


def _manifest(pack: Path) -> str:
    with (pack / "PulumiPolicy.yaml").open(encoding="utf-8") as handle:
        manifest = yaml.safe_load(handle) or {}
    manifest["runtime"] = {"name": "python", "options": {"virtualenv": PACK_VIRTUALENV}}
    note = (
        f"# The CLI creates {PACK_VIRTUALENV}/ from requirements.txt; the shared code is vendored beside __main__.py.\n"
    )
    return BUILT_HEADER + note + yaml.safe_dump(manifest, sort_keys=False, width=120)


def _clear(out: Path) -> None:
    """Remove an earlier build at ``out``; refuse to remove anything else (a source pack, say)."""
    if out.is_symlink():
        out.unlink()
    elif out.exists():
        manifest = out / "PulumiPolicy.yaml"
        built = manifest.is_file() and manifest.read_text(encoding="utf-8").startswith(BUILT_HEADER)
        if any(out.iterdir()) and not built:
            raise FileExistsError(f"{out} exists and is not a built policy pack; not replacing it")
        shutil.rmtree(out)


def build_pack(pack: Path, out: Path, root: Path = ROOT) -> BuiltPack:
    """Write the self-contained copy of ``pack`` (a folder under ``policies/``) to ``out`` (replaced)."""
    modules = imported_project_modules([f"policies.{pack.name}.rules", "policies.common.framework"], root)
    vendored = _with_packages(modules.values(), root)
    sources = [root / relative for relative in sorted(vendored)] + [pack / "__main__.py"]
    pins = requirements(sources, root)
    _clear(out)
    out.mkdir(parents=True)
    for relative in sorted(vendored | data_files(vendored, root)):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, target)
    shutil.copyfile(pack / "__main__.py", out / "__main__.py")
    (out / "PulumiPolicy.yaml").write_text(_manifest(pack), encoding="utf-8")
    header = "# Pinned to the versions in uv.lock by `python -m finplatform build-policy-packs`.\n"
    (out / "requirements.txt").write_text(header + "".join(f"{pin}\n" for pin in pins), encoding="utf-8")
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    return BuiltPack(pack.name, out, tuple(files), tuple(pins))


def build_packs(out: Path = DIST_DIR, packs: Sequence[Path] | None = None) -> list[BuiltPack]:
    """Build every pack under ``policies/`` (or ``packs``) into ``out/<pack>/``."""
    return [build_pack(pack, out / pack.name) for pack in (packs if packs is not None else discover_packs())]
