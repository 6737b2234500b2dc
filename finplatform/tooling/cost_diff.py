"""``plan --diff BASE.json``: what changed between an earlier plan's JSON and the current one, as markdown.

Both sides are plan documents as ``plan --json`` writes them (``Plan.to_json``). Resources, the program's and
those remote components create (``resources`` and ``derived``), are keyed by URN: a URN only in the head is
added, only in the base removed, in both with different inputs changed, with the input paths that changed
(``a.b[0].c``; a JSON document held in a string, such as an IAM policy, is compared inside). Values are shown
shortened, and stay masked as the JSON has them (``[secret]``). Costs come from ``cost.items`` (``urn``,
``monthly_usd``) and ``cost.monthly_usd``; a ceiling figure (``cost.ceiling``, a number or an object with
``monthly_usd``) is compared where either side has one. A missing base (``None``) is a new stack, all added; a
missing head is a removed stack, all removed.
"""

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

VALUE_WIDTH = 60  # characters of a value shown before it is cut
CHANGES_PER_RESOURCE = 12  # input paths listed per changed resource
RESOURCES_PER_SECTION = 50  # resources listed per added / changed / removed section
COST_ROWS = 25  # resources listed in the cost table, largest change first
COLLAPSE_OVER = 10  # sections longer than this are folded into <details>


class _Missing:
    def __repr__(self) -> str:
        return "(none)"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class InputChange:
    """One input path whose value differs; ``old`` or ``new`` is ``MISSING`` when the path is absent there."""

    path: str
    old: Any
    new: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "old": shorten(self.old), "new": shorten(self.new)}


@dataclass(frozen=True)
class ResourceDiff:
    """A resource added, changed or removed; ``changes`` lists a changed one's inputs."""

    urn: str
    type: str
    name: str
    status: str  # "added", "changed" or "removed"
    changes: tuple[InputChange, ...] = ()
    monthly_usd: float | None = None  # the head's cost (the base's for a removed resource), if priced

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "status": self.status,
            "changes": [c.to_json() for c in self.changes],
            "monthly_usd": self.monthly_usd,
        }


@dataclass(frozen=True)
class CostChange:
    """One resource's monthly cost in the base and the head (``None`` where it has no cost item)."""

    urn: str
    type: str
    name: str
    before: float | None
    after: float | None
    usage: tuple[tuple[str, float, float], ...] = ()
    """The usage assumptions the line is priced with that changed: (name, base value, head value)."""

    @property
    def delta(self) -> float:
        return round((self.after or 0.0) - (self.before or 0.0), 2)

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "before": self.before,
            "after": self.after,
            "delta": self.delta,
            "usage": [{"name": n, "before": b, "after": a} for n, b, a in self.usage],
        }


@dataclass(frozen=True)
class PlanDiff:
    """The structured diff of one stack's plan against its base."""

    stack: str
    new_stack: bool = False
    removed_stack: bool = False
    added: tuple[ResourceDiff, ...] = ()
    changed: tuple[ResourceDiff, ...] = ()
    removed: tuple[ResourceDiff, ...] = ()
    costs: tuple[CostChange, ...] = ()  # resources whose cost changed, largest change first
    total_before: float | None = None
    total_after: float | None = None
    ceiling_before: float | None = None
    ceiling_after: float | None = None

    @property
    def total_delta(self) -> float:
        return round((self.total_after or 0.0) - (self.total_before or 0.0), 2)

    @property
    def has_ceiling(self) -> bool:
        return self.ceiling_before is not None or self.ceiling_after is not None

    @property
    def ceiling_delta(self) -> float | None:
        if self.ceiling_before is None or self.ceiling_after is None:
            return None
        return round(self.ceiling_after - self.ceiling_before, 2)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.changed or self.removed or self.costs or self.total_delta)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "new_stack": self.new_stack,
            "removed_stack": self.removed_stack,
            "added": [r.to_json() for r in self.added],
            "changed": [r.to_json() for r in self.changed],
            "removed": [r.to_json() for r in self.removed],
            "cost": {
                "before": self.total_before,
                "after": self.total_after,
                "delta": self.total_delta,
                "ceiling_before": self.ceiling_before,
                "ceiling_after": self.ceiling_after,
                "ceiling_delta": self.ceiling_delta,
                "items": [c.to_json() for c in self.costs],
            },
        }


# --- the structured diff ------------------------------------------------------------------------------------


def _resources(document: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """URN -> resource, the program's and the remote components' derived ones."""
    if not document:
        return {}
    found: dict[str, Mapping[str, Any]] = {}
    for key in ("resources", "derived"):
        for resource in document.get(key) or []:
            if isinstance(resource, Mapping) and resource.get("urn"):
                found[str(resource["urn"])] = resource
    return found


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _cost(document: Mapping[str, Any] | None) -> Mapping[str, Any]:
    cost = (document or {}).get("cost")
    return cost if isinstance(cost, Mapping) else {}


def _items(document: Mapping[str, Any] | None) -> dict[str, float]:
    """URN -> monthly USD, summed over the URN's cost items."""
    sums: dict[str, float] = {}
    for item in _cost(document).get("items") or []:
        usd = _number(item.get("monthly_usd")) if isinstance(item, Mapping) else None
        if usd is not None and item.get("urn"):
            sums[str(item["urn"])] = round(sums.get(str(item["urn"]), 0.0) + usd, 2)
    return sums


def _assumptions(document: Mapping[str, Any] | None) -> dict[str, dict[str, float]]:
    """URN -> the usage assumptions its cost item was priced with (a plan JSON from before they were recorded
    has none)."""
    found: dict[str, dict[str, float]] = {}
    for item in _cost(document).get("items") or []:
        if isinstance(item, Mapping) and item.get("urn") and isinstance(item.get("usage"), Mapping):
            values = {str(k): v for k, v in item["usage"].items() if _number(v) is not None}
            found.setdefault(str(item["urn"]), {}).update(values)
    return found


def usage_changes(before: Mapping[str, float], after: Mapping[str, float]) -> tuple[tuple[str, float, float], ...]:
    """The assumptions both sides price with whose values differ."""
    return tuple(
        (name, before[name], after[name]) for name in sorted(after) if name in before and before[name] != after[name]
    )


def _types(document: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(i["urn"]): str(i.get("type", "")) for i in _cost(document).get("items") or [] if i.get("urn")}


def ceiling(document: Mapping[str, Any] | None) -> float | None:
    """The plan's cost at every autoscaling maximum, if its JSON carries one: ``cost.ceiling`` as a number or
    as an object with ``monthly_usd``; ``None`` when absent."""
    value = _cost(document).get("ceiling")
    if isinstance(value, Mapping):
        value = value.get("monthly_usd")
    return _number(value)


def _total(document: Mapping[str, Any] | None) -> float | None:
    if document is None:
        return 0.0
    total = _number(_cost(document).get("monthly_usd"))
    return total if total is not None else (round(sum(_items(document).values()), 2) if _cost(document) else None)


def _as_json_document(value: Any) -> Any:
    """A string holding a JSON object or array (an IAM policy), parsed; anything else unchanged."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping) and value:
        for key in sorted(value):
            yield from _flatten(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from _flatten(item, f"{path}[{index}]")
    else:
        yield path, value


def input_changes(old: Any, new: Any, path: str = "") -> list[InputChange]:
    """The paths whose values differ between two input trees (leaves compared; JSON strings compared inside)."""
    if old == new:
        return []
    old_doc, new_doc = _as_json_document(old), _as_json_document(new)
    parsed = old_doc is not old or new_doc is not new
    if parsed and isinstance(old_doc, Mapping | list) and isinstance(new_doc, Mapping | list):
        return input_changes(old_doc, new_doc, path)
    if (isinstance(old, Mapping) and isinstance(new, Mapping)) or (isinstance(old, list) and isinstance(new, list)):
        before, after = dict(_flatten(old, path)), dict(_flatten(new, path))
        changes: list[InputChange] = []
        for key in sorted(before.keys() | after.keys()):
            a, b = before.get(key, MISSING), after.get(key, MISSING)
            if a is MISSING or b is MISSING:
                if a != b:
                    changes.append(InputChange(key or "(inputs)", a, b))
            elif a != b:
                changes += input_changes(a, b, key)
        return changes
    return [InputChange(path or "(inputs)", old, new)]


def _name(urn: str, resource: Mapping[str, Any] | None) -> str:
    return str((resource or {}).get("name") or urn.rsplit("::", 1)[-1])


def diff_plans(base: Mapping[str, Any] | None, head: Mapping[str, Any] | None) -> PlanDiff:
    """The structured diff of ``head`` against ``base``: either may be ``None`` (a stack new in the head, or
    gone from it), not both."""
    if base is None and head is None:
        raise ValueError("diff_plans needs a base or a head plan")
    stack = str((head or base or {}).get("stack", "?"))
    before, after = _resources(base), _resources(head)
    cost_before, cost_after = _items(base), _items(head)
    usage_before, usage_after = _assumptions(base), _assumptions(head)
    types = {**_types(base), **_types(head)}

    def resource_diff(urn: str, status: str, changes: Sequence[InputChange] = ()) -> ResourceDiff:
        resource = after.get(urn) or before.get(urn) or {}
        usd = cost_before.get(urn) if status == "removed" else cost_after.get(urn)
        return ResourceDiff(urn, str(resource.get("type", "")), _name(urn, resource), status, tuple(changes), usd)

    added = tuple(resource_diff(u, "added") for u in after if u not in before)
    removed = tuple(resource_diff(u, "removed") for u in before if u not in after)
    changed = []
    for urn in after:
        if urn in before:
            changes = input_changes(before[urn].get("inputs") or {}, after[urn].get("inputs") or {})
            if changes:
                changed.append(resource_diff(urn, "changed", changes))
    costs = []
    for urn in list(cost_after) + [u for u in cost_before if u not in cost_after]:
        change = CostChange(
            urn,
            str((after.get(urn) or before.get(urn) or {}).get("type") or types.get(urn, "")),
            _name(urn, after.get(urn) or before.get(urn)),
            cost_before.get(urn),
            cost_after.get(urn),
            usage_changes(usage_before.get(urn, {}), usage_after.get(urn, {})),
        )
        if change.delta:
            costs.append(change)
    costs.sort(key=lambda c: (-abs(c.delta), c.name))
    return PlanDiff(
        stack=stack,
        new_stack=base is None,
        removed_stack=head is None,
        added=added,
        changed=tuple(changed),
        removed=removed,
        costs=tuple(costs),
        total_before=_total(base),
        total_after=_total(head),
        ceiling_before=ceiling(base),
        ceiling_after=ceiling(head),
    )


# --- markdown -----------------------------------------------------------------------------------------------


def shorten(value: Any, width: int = VALUE_WIDTH) -> str:
    """A value as compact JSON, cut to ``width`` characters; ``(none)`` for an absent one."""
    if value is MISSING:
        return "(none)"
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return text if len(text) <= width else text[: width - 1] + "…"


def _code(text: str) -> str:
    return "`" + text.replace("`", "'").replace("\n", " ") + "`"


def usd(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def signed_usd(delta: float) -> str:
    return f"{'+' if delta >= 0 else '-'}${abs(delta):,.2f}"


def _percent(before: float | None, delta: float) -> str:
    return f", {delta / before:+.1%}" if before else ""


def _short_type(type_: str) -> str:
    return type_.rsplit(":", 1)[-1] if type_ else "?"


def _resource_line(r: ResourceDiff) -> str:
    cost = f" · {usd(r.monthly_usd)}/month" if r.monthly_usd else ""
    return f"- {_code(r.name)} ({_short_type(r.type)}){cost}"


def _section(title: str, resources: Sequence[ResourceDiff]) -> list[str]:
    if not resources:
        return []
    lines: list[str] = []
    for r in resources[:RESOURCES_PER_SECTION]:
        lines.append(_resource_line(r))
        for c in r.changes[:CHANGES_PER_RESOURCE]:
            lines.append(f"  - {_code(c.path)}: {_code(shorten(c.old))} → {_code(shorten(c.new))}")
        if len(r.changes) > CHANGES_PER_RESOURCE:
            lines.append(f"  - …and {len(r.changes) - CHANGES_PER_RESOURCE} more input(s)")
    if len(resources) > RESOURCES_PER_SECTION:
        lines.append(f"- …and {len(resources) - RESOURCES_PER_SECTION} more")
    heading = f"**{title}** ({len(resources)})"
    if len(resources) > COLLAPSE_OVER:
        return ["", f"<details><summary>{heading}</summary>", "", *lines, "", "</details>"]
    return ["", heading, "", *lines]


def _cost_table(diff: PlanDiff) -> list[str]:
    if not diff.costs and not diff.total_delta:
        return []
    lines = [
        "",
        "| Resource | Type | Base USD/month | Head USD/month | Change | Usage assumptions changed |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for c in diff.costs[:COST_ROWS]:
        assumptions = ", ".join(f"`{name}` {before:,.6g} → {after:,.6g}" for name, before, after in c.usage)
        lines.append(
            f"| {_code(c.name)} | {_short_type(c.type)} | {usd(c.before) if c.before is not None else '-'} "
            f"| {usd(c.after) if c.after is not None else '-'} | {signed_usd(c.delta)} | {assumptions} |"
        )
    if len(diff.costs) > COST_ROWS:
        rest = round(sum(c.delta for c in diff.costs[COST_ROWS:]), 2)
        lines.append(f"| …{len(diff.costs) - COST_ROWS} more | | | | {signed_usd(rest)} | |")
    lines.append(
        f"| **Total** | | {usd(diff.total_before)} | {usd(diff.total_after)} | **{signed_usd(diff.total_delta)}** | |"
    )
    return lines


def summary_line(diff: PlanDiff) -> str:
    """One line: the counts and the total cost change (and the ceiling's, where a side has one)."""
    counts = f"{len(diff.added)} added, {len(diff.changed)} changed, {len(diff.removed)} removed"
    cost = f"monthly cost {usd(diff.total_before)} → {usd(diff.total_after)}"
    if diff.total_before is not None and diff.total_after is not None:
        cost += f" ({signed_usd(diff.total_delta)}{_percent(diff.total_before, diff.total_delta)})"
    line = f"{counts}; {cost}"
    if diff.has_ceiling:
        ceiling_delta = diff.ceiling_delta
        change = f" ({signed_usd(ceiling_delta)})" if ceiling_delta is not None else ""
        line += f"; ceiling {usd(diff.ceiling_before)} → {usd(diff.ceiling_after)}{change}"
    return line


def render_markdown(diff: PlanDiff, heading: str = "###") -> str:
    """The diff as markdown for a pull request: a summary line, the cost table, then the resources."""
    kind = " (new stack)" if diff.new_stack else " (stack removed)" if diff.removed_stack else ""
    if diff.unchanged and not diff.has_ceiling:
        return f"{heading} {_code(diff.stack)}: no changes (monthly cost {usd(diff.total_after)})"
    if diff.unchanged and diff.ceiling_before == diff.ceiling_after:
        return (
            f"{heading} {_code(diff.stack)}: no changes (monthly cost {usd(diff.total_after)}, "
            f"ceiling {usd(diff.ceiling_after)})"
        )
    lines = [f"{heading} {_code(diff.stack)}{kind}", "", summary_line(diff)]
    lines += _cost_table(diff)
    lines += _section("Added", diff.added)
    lines += _section("Changed", diff.changed)
    lines += _section("Removed", diff.removed)
    return "\n".join(lines)


def diff_markdown(base: Mapping[str, Any] | None, head: Mapping[str, Any] | None) -> str:
    """Two plan documents (``plan --json``; ``None`` for a side without the stack) to markdown."""
    return render_markdown(diff_plans(base, head))


def render_all(diffs: Sequence[PlanDiff], unplanned: Mapping[str, str] | None = None) -> str:
    """Several stacks' diffs as one markdown document: a total line, the stacks with changes, then one line
    naming the unchanged ones and any stack that could not be planned."""
    changed = [d for d in diffs if not d.unchanged or d.ceiling_before != d.ceiling_after]
    same = [d.stack for d in diffs if d not in changed]
    delta = round(sum(d.total_delta for d in diffs), 2)
    lines = [
        "## Offline plan: changes against the base",
        "",
        f"{len(changed)} of {len(diffs)} stack(s) changed; monthly cost {signed_usd(delta)} in all.",
    ]
    for d in changed:
        lines += ["", render_markdown(d)]
    if same:
        lines += ["", f"No changes: {', '.join(_code(s) for s in same)}."]
    for stack, error in (unplanned or {}).items():
        lines += ["", f"**{_code(stack)} could not be planned:** {error}"]
    return "\n".join(lines) + "\n"
