"""``python -m finplatform plan --all``: every stack file in the project planned in its own process, one table.

Each stack runs the whole offline plan (program under mocks, the policy packs, the cost model) in a fresh worker
process: the Pulumi SDK keeps its runtime state in module globals and leaves threads behind, so two stacks never
share an interpreter. Workers are forked from a ``forkserver`` that has imported the SDK, the provider SDKs and
the components but run nothing (no runtime settings, no threads), so each stack starts clean without paying
the ~2 s of imports again; each worker plans exactly one stack (``max_tasks_per_child=1``). Where forkserver is
unavailable the workers are spawned. A worker returns a small picklable ``StackSummary``.

Exit codes (``exit_code``):

- 0: every stack planned, no mandatory violation;
- 1: every stack planned, and at least one has a mandatory violation;
- 2: at least one stack could not be planned (invalid stack config, or the program or a pack failed), whatever
  the others found: a stack that was not planned was not checked, so the run cannot claim only policy failures.
"""

import json
import multiprocessing
import os
import time
import traceback
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finplatform.config import ConfigError
from finplatform.tooling.policy_eval import Violation

if TYPE_CHECKING:
    from finplatform.tooling.cost_diff import PlanDiff
    from finplatform.tooling.sarif import StackFindings

BUDGET_POLICY = "stack-monthly-budget"
# Imported once by the forkserver, so that every worker forked from it starts with them loaded.
PRELOAD = ["finplatform.tooling.plan", "components.build", "policies.cost_guardrails.rules"]


@dataclass(frozen=True)
class StackSummary:
    """What one stack's plan came to: a row of the table, the mandatory messages and a JSON summary.

    ``error`` is set when the stack could not be planned; the counts are then zero and ``budget_usd`` None."""

    stack: str
    blueprint: str
    environment: str
    resources: int = 0
    derived: int = 0
    mandatory: int = 0
    advisory: int = 0
    monthly_usd: float = 0.0
    budget_usd: float | None = None
    budget_source: str = ""
    seconds: float = 0.0
    mandatory_messages: tuple[str, ...] = ()
    waivers: tuple[str, ...] = ()
    error: str | None = None
    config_error: bool = False
    traceback: str = ""
    plan: dict[str, Any] = field(default_factory=dict)
    diff: "PlanDiff | None" = None  # against the base plan, with ``plan --all --diff BASE_DIR``

    @property
    def planned(self) -> bool:
        return self.error is None

    @property
    def over_budget(self) -> bool:
        return self.budget_usd is not None and self.monthly_usd > self.budget_usd

    def row(self) -> dict[str, Any]:
        """The table row as JSON (the plan summary and the traceback left out)."""
        row = {k: v for k, v in asdict(self).items() if k not in ("plan", "traceback", "diff")}
        return {**row, "seconds": round(self.seconds, 2)}


@dataclass(frozen=True)
class AllPlans:
    """Every stack's summary, in stack order, and how long the whole run took."""

    summaries: list[StackSummary]
    wall_seconds: float
    workers: int

    @property
    def exit_code(self) -> int:
        return exit_code(self.summaries)

    def to_json(self) -> dict[str, Any]:
        return {
            "wall_seconds": round(self.wall_seconds, 2),
            "workers": self.workers,
            "exit_code": self.exit_code,
            "rows": [s.row() for s in self.summaries],
            "plans": {s.stack: s.plan for s in self.summaries},
        }


def discover_stacks(root: Path) -> list[str]:
    """The stacks with a ``Pulumi.<stack>.yaml`` in ``root``, sorted by name."""
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml"))


def stack_budget(stack: str, raw_config: Mapping[str, str], pack_config: Mapping[str, Any]) -> tuple[float, str]:
    """The stack's monthly budget in USD and where it comes from, as the ``stack-monthly-budget`` rule reads it:
    the rule's own ``stack_budget`` over the context the pack builds (the stack's environment as the pack works
    it out, its config, and the policy's settings from pack config as the analyzer is configured with them).
    Pack config wins, then the stack's ``finplatform:monthlyBudgetUsd``, then the pack's environment default."""
    from policies.common.framework import Context, stack_environment
    from policies.cost_guardrails import rules

    setting = pack_config.get(BUDGET_POLICY)
    policy_config = (
        {k: v for k, v in setting.items() if k != "enforcementLevel"} if isinstance(setting, Mapping) else {}
    )
    context = Context(stack_environment(stack, raw_config), stack, raw_config, policy_config)
    return rules.stack_budget(context)


def plan_one(
    stack: str,
    root: Path,
    pack_config: Mapping[str, Any],
    json_dir: Path | None = None,
    diff_base: Path | None = None,
) -> StackSummary:
    """Plan one stack with the policy packs and sum it up. Runs in a worker; never raises. With ``json_dir``
    it also writes the plan's JSON to ``json_dir/<stack>.json``; with ``diff_base`` it diffs the plan against
    ``diff_base/<stack>.json`` (none there: a new stack)."""
    from finplatform.stack import resolve_stack
    from finplatform.tooling.plan import plan_stack
    from finplatform.tooling.stack_files import read_stack_file

    started = time.perf_counter()
    raw_config: dict[str, str] = {}
    try:
        raw_config, _secret_keys = read_stack_file(stack, root)
        resolved = resolve_stack(stack, raw_config)
        plan = plan_stack(stack, root=root, pack_config=dict(pack_config))
        diff = _write_and_diff(stack, plan.to_json(), json_dir, diff_base)
    except Exception as error:
        return StackSummary(
            stack=stack,
            blueprint=raw_config.get("finplatform:blueprint", "?"),
            environment=raw_config.get("finplatform:environment", "?"),
            seconds=time.perf_counter() - started,
            error=str(error) if isinstance(error, ConfigError) else f"{type(error).__name__}: {error}",
            config_error=isinstance(error, ConfigError),
            traceback="" if isinstance(error, ConfigError) else traceback.format_exc(),
        )
    assert plan.policies is not None and plan.cost is not None
    levels = Counter(v.level for v in plan.policies.violations)
    derived = plan.derived_by_type()
    budget, budget_source = stack_budget(stack, raw_config, pack_config)
    return StackSummary(
        stack=stack,
        blueprint=resolved.blueprint.name,
        environment=resolved.environment,
        resources=len(plan.resources),
        derived=sum(derived.values()),
        mandatory=levels["mandatory"],
        advisory=levels["advisory"],
        monthly_usd=plan.cost.monthly_usd,
        budget_usd=budget,
        budget_source=budget_source,
        seconds=time.perf_counter() - started,
        mandatory_messages=tuple(f"{v.pack}/{v.policy}: {_message(v)}" for v in plan.policies.mandatory),
        waivers=tuple(w.describe() for w in plan.waivers),
        plan={
            "resources_by_type": dict(sorted(plan.by_type().items())),
            "derived_by_type": dict(sorted(derived.items())),
            "warnings": plan.warnings,
            "policies": plan.policies_json(),
            "cost": plan.cost.to_json(),
        },
        diff=diff,
    )


def _write_and_diff(
    stack: str, document: dict[str, Any], json_dir: Path | None, diff_base: Path | None
) -> "PlanDiff | None":
    """Write the plan's JSON to ``json_dir`` if given; diff it against ``diff_base/<stack>.json`` if given."""
    text = json.dumps(document, indent=2, default=str) + "\n"
    if json_dir is not None:
        (json_dir / f"{stack}.json").write_text(text, encoding="utf-8")
    if diff_base is None:
        return None
    from finplatform.tooling.cost_diff import diff_plans

    base_file = diff_base / f"{stack}.json"
    base = json.loads(base_file.read_text(encoding="utf-8")) if base_file.exists() else None
    return diff_plans(base, json.loads(text))


def render_diffs(summaries: Sequence[StackSummary], diff_base: Path) -> str:
    """Every planned stack's diff against ``diff_base`` as one markdown document, with the stacks that only the
    base has (removed) and those that could not be planned."""
    from finplatform.tooling.cost_diff import diff_plans, render_all

    diffs = [s.diff for s in summaries if s.diff is not None]
    names = {s.stack for s in summaries}
    for gone in sorted(diff_base.glob("*.json")):
        if gone.stem not in names:
            diffs.append(diff_plans(json.loads(gone.read_text(encoding="utf-8")), None))
    unplanned = {s.stack: s.error or "" for s in summaries if not s.planned}
    return render_all(diffs, unplanned)


def _message(violation: Violation) -> str:
    """The diagnostic without the policy description the SDK puts on its first line (as ``render_policies``)."""
    return violation.message.split("\n", 1)[-1]


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def plan_all(
    root: Path,
    pack_config: Mapping[str, Any] | None = None,
    stacks: Sequence[str] | None = None,
    workers: int | None = None,
    *,
    json_dir: Path | None = None,
    diff_base: Path | None = None,
) -> AllPlans:
    """Plan ``stacks`` (default: every stack file in ``root``) in parallel worker processes, one per stack,
    at most ``workers`` at a time (default: the machine's CPU count). Summaries come back in stack order.
    ``json_dir`` and ``diff_base`` are passed to each worker (``plan_one``)."""
    started = time.perf_counter()
    names = list(stacks) if stacks is not None else discover_stacks(root)
    count = max(1, min(workers or os.cpu_count() or 2, len(names)))
    config = dict(pack_config or {})
    summaries: list[StackSummary] = []
    with ProcessPoolExecutor(max_workers=count, mp_context=_context(), max_tasks_per_child=1) as pool:
        futures: list[Future[StackSummary]] = [
            pool.submit(plan_one, name, root, config, json_dir, diff_base) for name in names
        ]
        for name, future in zip(names, futures, strict=True):
            try:
                summaries.append(future.result())
            except Exception as error:  # the worker died or its result could not be sent back
                message = f"worker process failed: {type(error).__name__}: {error}"
                summaries.append(StackSummary(stack=name, blueprint="?", environment="?", error=message))
    return AllPlans(summaries, time.perf_counter() - started, count)


def exit_code(summaries: Sequence[StackSummary]) -> int:
    """2 if any stack could not be planned, else 1 if any has a mandatory violation, else 0."""
    if any(not s.planned for s in summaries):
        return 2
    return 1 if any(s.mandatory for s in summaries) else 0


HEADER = (
    "stack",
    "blueprint",
    "environment",
    "resources",
    "derived",
    "mandatory",
    "advisory",
    "USD/month",
    "budget",
    "used",
    "seconds",
    "status",
)
_LEFT = {"stack", "blueprint", "environment", "status"}


def _status(summary: StackSummary) -> str:
    if summary.config_error:
        return "INVALID CONFIG"
    if not summary.planned:
        return "FAILED"
    if summary.mandatory:
        return "MANDATORY VIOLATIONS"
    return "over budget" if summary.over_budget else "ok"


def _cells(summary: StackSummary) -> list[str]:
    if not summary.planned:
        numbers = ["-"] * 7
    else:
        used = f"{summary.monthly_usd / summary.budget_usd:.0%}" if summary.budget_usd else "-"
        budget = f"{summary.budget_usd:,.2f}" if summary.budget_usd is not None else "-"
        numbers = [
            str(summary.resources),
            str(summary.derived),
            str(summary.mandatory),
            str(summary.advisory),
            f"{summary.monthly_usd:,.2f}",
            budget,
            used,
        ]
    return [summary.stack, summary.blueprint, summary.environment, *numbers, f"{summary.seconds:.1f}", _status(summary)]


def _plural(count: int, one: str, many: str = "") -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def render_table(result: AllPlans) -> str:
    """One aligned row per stack under a header, a total line with the wall time, and how the time was spent."""
    summaries = result.summaries
    planned = [s for s in summaries if s.planned]
    total = [
        "total",
        _plural(len(summaries), "stack"),
        "",
        str(sum(s.resources for s in planned)),
        str(sum(s.derived for s in planned)),
        str(sum(s.mandatory for s in planned)),
        str(sum(s.advisory for s in planned)),
        f"{sum(s.monthly_usd for s in planned):,.2f}",
        "",
        "",
        f"{result.wall_seconds:.1f}",
        "wall",
    ]
    rows = [list(HEADER), *(_cells(s) for s in summaries), total]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]

    def line(row: list[str]) -> str:
        cells = [c.ljust(w) if h in _LEFT else c.rjust(w) for c, w, h in zip(row, widths, HEADER, strict=True)]
        return "  ".join(cells).rstrip()

    rule = "-" * len(line(rows[0]))
    lines = [line(rows[0]), rule, *(line(r) for r in rows[1:-1]), rule, line(rows[-1])]
    stack_seconds = sum(s.seconds for s in summaries)
    lines.append(
        f"\nPlanned {_plural(len(summaries), 'stack')} with the policy packs in {result.wall_seconds:.1f} s wall, "
        f"{_plural(result.workers, 'worker process', 'worker processes')} (the stacks' own times add up to "
        f"{stack_seconds:.1f} s)."
    )
    return "\n".join(lines)


def render_problems(summaries: Sequence[StackSummary]) -> str:
    """Mandatory violations grouped by stack, then the stacks that could not be planned; empty if neither."""
    lines: list[str] = []
    violating = [s for s in summaries if s.mandatory_messages]
    if violating:
        lines.append("Mandatory policy violations:")
        for s in violating:
            lines.append(f"  {s.stack} ({len(s.mandatory_messages)}):")
            lines += [f"    - {message}" for message in s.mandatory_messages]
    failed = [s for s in summaries if not s.planned]
    if failed:
        lines.append("Stacks not planned:")
        lines += [f"  {s.stack}: {s.error}" for s in failed]
    return "\n".join(lines)


def render_waivers(summaries: Sequence[StackSummary]) -> str:
    """Every stack's policy waivers, in force or expired, grouped by stack; empty if no stack has any."""
    lines: list[str] = []
    for s in summaries:
        if s.waivers:
            lines.append(f"  {s.stack} ({len(s.waivers)}):")
            lines += [f"    - {waiver}" for waiver in s.waivers]
    return "\n".join(["Policy waivers:", *lines]) if lines else ""


def findings(summaries: Sequence[StackSummary]) -> list["StackFindings"]:
    """The planned stacks' findings and waivers, for SARIF. A stack that could not be planned is left out:
    an empty run would tell code scanning its alerts were fixed, when the stack was not checked."""
    from finplatform.tooling.sarif import StackFindings

    return [StackFindings(s.stack, s.blueprint, s.environment, s.plan["policies"]) for s in summaries if s.planned]


def error_line(summaries: Sequence[StackSummary]) -> str:
    """The one-line verdict for stderr, naming the stacks; empty when the exit code is 0."""
    parts = []
    failed = [s.stack for s in summaries if not s.planned]
    if failed:
        parts.append(f"{len(failed)} stack(s) could not be planned ({', '.join(failed)})")
    violating = [s for s in summaries if s.mandatory]
    if violating:
        count = sum(s.mandatory for s in violating)
        parts.append(f"{count} mandatory policy violation(s) in {', '.join(s.stack for s in violating)}")
    return f"error: {'; '.join(parts)}" if parts else ""
