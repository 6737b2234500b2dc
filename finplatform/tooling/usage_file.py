"""``plan --sync-usage``: the stack file's ``finplatform:resourceUsage`` block, written from the plan.

The per-resource usage lives in the stack file, not in a file of its own as Infracost keeps it: the Pulumi CLI
hands a policy pack the stack's config and nothing else, so only there does the cost-guardrails pack's budget
check under ``pulumi preview --policy-pack`` price with the same numbers as the offline plan.

The block is rewritten whole: every usage-priced resource, by logical name, with each assumption its price reads
and the value it is priced at now (a value already in the block is kept). The rest of the file, comments
included, is left as it is; the result is read back and compared before it replaces the file.
"""

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finplatform.config import stack_file_name
from finplatform.safe_yaml import load_mapping
from finplatform.tooling.cost.model import Estimate, plain_number
from finplatform.usage import RESOURCE_USAGE_KEY

HEADER = [
    "  # Usage per resource, over finplatform:usage for that resource only (docs/cost.md). Written by",
    "  # `python -m finplatform plan --stack {stack} --sync-usage`, which lists every usage-priced resource with",
    "  # the value it is priced at and keeps the values already here: edit the numbers. A name or an assumption",
    "  # that matches nothing the plan prices is an error.",
]
HEADER_START = HEADER[0].split(",")[0]


@dataclass(frozen=True)
class SyncResult:
    """What ``sync_usage`` wrote: the resources and assumptions in the block, and those it added."""

    path: Path
    resources: int
    assumptions: int
    added: int


def current_usage(cost: Estimate) -> dict[str, dict[str, float]]:
    """Every usage-priced resource's logical name and the assumptions its price read, with their values."""
    block: dict[str, dict[str, float]] = {}
    for item in sorted(cost.items, key=lambda i: (i.name, i.urn)):
        if item.assumptions:
            block.setdefault(item.name, {}).update(item.assumptions)
    return block


def render_block(stack: str, usage: Mapping[str, Mapping[str, float]], kinds: Mapping[str, str]) -> list[str]:
    """The block's lines: the header, the key, and one entry per resource (its type as a comment)."""
    lines = [line.format(stack=stack) for line in HEADER]
    lines.append(f"  {RESOURCE_USAGE_KEY}:" + ("" if usage else " {}"))
    for name, values in usage.items():
        kind = kinds.get(name)
        lines.append(f"    {_yaml_key(name)}:" + (f"  # {kind}" if kind else ""))
        lines += [
            f"      {assumption}: {plain_number(value, grouping=False)}" for assumption, value in sorted(values.items())
        ]
    return lines


def _yaml_key(name: str) -> str:
    """A logical name as a YAML key: plain when it is a plain name, else double-quoted."""
    plain = name.replace("-", "").replace("_", "").replace(".", "").isalnum() and not name[0].isdigit()
    return name if plain else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def replace_block(text: str, block: list[str]) -> str:
    """``text`` with the block in place of the one it holds, else at the end of its ``config:`` mapping."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"  {RESOURCE_USAGE_KEY}:")), None)
    if start is not None:
        end = start + 1
        while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():  # blank lines before the next key stay
            end -= 1
        # The generated header is the comment lines from its first line down to the key; comments of the user's
        # own above it stay.
        first = start
        while first > 0 and lines[first - 1].startswith("  #"):
            first -= 1
        header_start = next((i for i in range(first, start) if lines[i].startswith(HEADER_START)), start)
        lines[header_start:end] = block
    else:
        config = next((i for i, line in enumerate(lines) if line.rstrip() == "config:"), None)
        if config is None:
            raise ValueError("the stack file has no config: mapping to add finplatform:resourceUsage to")
        end = config + 1
        while end < len(lines) and (not lines[end].strip() or lines[end][0] in " #"):
            end += 1
        while end > config + 1 and not lines[end - 1].strip():
            end -= 1
        lines[end:end] = block
    return "\n".join(lines) + "\n"


def sync_usage(stack: str, root: Path, cost: Estimate) -> SyncResult:
    """Rewrite ``stack``'s ``finplatform:resourceUsage`` block from ``cost`` (priced with the block as it is, so
    the values there are kept); raises ValueError, and leaves the file alone, if the result does not read back
    as the same config with the new block."""
    path = root / stack_file_name(stack)
    before_text = path.read_text(encoding="utf-8")
    before = load_mapping(path)
    existing = (before.get("config") or {}).get(RESOURCE_USAGE_KEY) or {}
    usage = current_usage(cost)
    kinds = {item.name: item.type.rsplit(":", 1)[-1] for item in cost.items if item.assumptions}
    after_text = replace_block(before_text, render_block(stack, usage, kinds))
    _write_checked(path, after_text, before, usage)
    added = sum(1 for name, values in usage.items() for a in values if a not in (existing.get(name) or {}))
    return SyncResult(path, len(usage), sum(len(v) for v in usage.values()), added)


def _write_checked(path: Path, text: str, before: Mapping[str, Any], usage: Mapping[str, Mapping[str, float]]) -> None:
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        after = load_mapping(Path(scratch))
        expected = {**before, "config": {**(before.get("config") or {}), RESOURCE_USAGE_KEY: usage}}
        if after != expected:
            raise ValueError(f"{path.name}: the rewritten file does not read back as intended; left unchanged")
        os.replace(scratch, path)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)
