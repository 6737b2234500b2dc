"""The offline plan: run the real program for a stack under Pulumi mocks and report what it declares."""

import copy
import os
import pickle
import runpy
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.sync_await import _sync_await

from finplatform import PROJECT, ROOT
from finplatform.config import ConfigError, ConfigProblem, stack_file_name
from finplatform.resilience import Assessment, assess, duration_text
from finplatform.stack import resolve_stack
from finplatform.tooling.cost.ceiling import Ceiling, ceiling
from finplatform.tooling.cost.model import Estimate, PricedResource, estimate, usage_reads
from finplatform.tooling.cost.report import render_layers
from finplatform.tooling.mocks import PlannedResource, install_mocks, run_declarations
from finplatform.tooling.policy_eval import AnalyzedResource, PolicyReport, Violation, evaluate, start_packs
from finplatform.tooling.remote_components import DerivedResource, child_urn, unreported_children
from finplatform.tooling.stack_files import read_stack_file
from finplatform.usage import Assumptions, unmatched_resource_usage
from policies.common.framework import WAIVED, Waiver, stack_waivers


@dataclass(frozen=True)
class WaiverStatus:
    """One ``finplatform:policyWaivers`` entry as the plan found it: in force or expired, and the findings it
    covers (waived while in force; reported as usual once expired)."""

    waiver: Waiver
    position: int
    expired: bool
    findings: tuple[str, ...] = ()  # the URNs of the covered findings
    resource_found: bool = True

    @property
    def status(self) -> str:
        return "expired" if self.expired else "active"

    def describe(self) -> str:
        w = self.waiver
        head = f"{w.policy} on {w.resource}"
        count = f"{len(self.findings)} finding{'' if len(self.findings) == 1 else 's'}"
        if self.expired:
            what = f"its {count} reported as usual" if self.findings else "nothing to report"
            approval = f"approved by {w.approved_by}: {w.reason}"
            return f"{head}: EXPIRED on {w.expires.isoformat()}, no longer a waiver ({what}; {approval})"
        if self.findings:
            return f"{head}: {w.describe()}; waives {count}"
        missing = "" if self.resource_found else f"; no resource named {w.resource} in this stack"
        return f"{head}: {w.describe()}; matches no finding{missing}: remove it or correct it"

    def to_json(self) -> dict[str, Any]:
        w = self.waiver
        return {
            "policy": w.policy,
            "resource": w.resource,
            "reason": w.reason,
            "approvedBy": w.approved_by,
            "expires": w.expires.isoformat(),
            "status": self.status,
            "findings": list(self.findings),
        }


def waiver_statuses(
    waivers: Sequence[Waiver], report: PolicyReport, names: Mapping[str, str], today: date | None = None
) -> list[WaiverStatus]:
    """Each waiver with its state on ``today`` and the findings it covers; ``names`` maps URN to logical name."""
    today = today or date.today()
    statuses = []
    for position, waiver in enumerate(waivers):
        covered = tuple(
            v.urn
            for v in report.violations
            if v.urn and waiver.covers(v.policy, names.get(v.urn, v.urn.rsplit("::", 1)[-1]), v.urn)
        )
        found = waiver.resource in names.values() or waiver.resource in names
        statuses.append(WaiverStatus(waiver, position, not waiver.active(today), covered, found))
    return statuses


def is_waived(violation: Violation) -> bool:
    """Whether a pack reported this finding under a waiver (advisory, saying so)."""
    return violation.level == "advisory" and violation.message.split("\n", 1)[-1].startswith(WAIVED)


@dataclass
class Plan:
    """Everything one run of the program declared, plus what its remote components will create."""

    stack: str
    resources: list[PlannedResource]
    derived: dict[str, list[DerivedResource]]
    outputs: dict[str, Any]
    environment: str = "dev"
    blueprint: str = ""
    warnings: list[str] = field(default_factory=list)
    policies: PolicyReport | None = None
    cost: Estimate | None = None
    ceiling: Ceiling | None = None
    recovery: Assessment | None = None
    waivers: list[WaiverStatus] = field(default_factory=list)

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
                {
                    "urn": child_urn(urn, d.type, d.name),
                    "type": d.type,
                    "name": d.name,
                    "parent": urn,
                    "inputs": d.inputs,
                }
                for urn, children in self.derived.items()
                for d in children
            ],
            "outputs": self.outputs,
            "warnings": self.warnings,
            **({"policies": self.policies_json()} if self.policies is not None else {}),
            **(
                {"cost": self.cost.to_json() | ({"ceiling": self.ceiling.to_json()} if self.ceiling else {})}
                if self.cost is not None
                else {}
            ),
            **({"recovery": self.recovery.to_json()} if self.recovery is not None else {}),
        }

    def policies_json(self) -> dict[str, Any]:
        """The packs' report with the stack's waivers, each with its status and the findings it covers."""
        assert self.policies is not None
        return {**self.policies.to_json(), "waivers": [w.to_json() for w in self.waivers]}

    def engine_view(self) -> list[AnalyzedResource]:
        """Every resource the engine would see, remote components' children included, with its provider."""
        providers = {
            r.urn: AnalyzedResource(r.urn, r.type, r.name, r.inputs)
            for r in self.resources
            if r.type.startswith("pulumi:providers:")
        }

        def provider_of(reference: str) -> AnalyzedResource | None:
            return providers.get(reference.rsplit("::", 1)[0]) if reference else None

        view = []
        for r in self.resources:
            view.append(
                AnalyzedResource(
                    urn=r.urn,
                    type=r.type,
                    name=r.name,
                    properties=r.inputs,
                    parent=r.parent,
                    protect=r.protect,
                    dependencies=r.dependencies,
                    provider=provider_of(str(r.options.get("provider") or "")),
                    state={**r.outputs, **r.inputs},
                )
            )
            component_provider = provider_of(str((r.options.get("providers") or {}).get("aws") or ""))
            for d in self.derived.get(r.urn, []):
                view.append(
                    AnalyzedResource(
                        urn=child_urn(r.urn, d.type, d.name),
                        type=d.type,
                        name=d.name,
                        properties=d.inputs,
                        parent=r.urn,
                        provider=component_provider,
                    )
                )
        return view


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

    derived = unreported_children(
        ((r.urn, r.type, r.name, r.inputs, r.parent) for r in monitor.planned),
        {r.urn: r.transforms for r in monitor.planned if r.transforms},
    )
    return Plan(
        stack=stack, resources=monitor.planned, derived=derived, outputs=_stack_outputs(), warnings=monitor.warnings
    )


SHARED_PLANS_VARIABLE = "FINPLATFORM_SHARED_PLANS"
"""A folder where ``planned_program`` shares its plans between processes: the test suite's workers set it for
one session, so that each committed stack is planned once in all, not once per worker."""
SHARED_PLAN_WAIT_SECONDS = 120.0


@cache
def planned_program(stack: str) -> Plan:
    """``run_program`` for a committed stack, once per process (once per test session with
    FINPLATFORM_SHARED_PLANS): the program is deterministic, so the doc generators and the tests share one plan of
    each stack."""
    folder = os.environ.get(SHARED_PLANS_VARIABLE)
    return _shared_plan(Path(folder), stack) if folder else run_program(stack)


def _shared_plan(folder: Path, stack: str) -> Plan:
    """The stack's plan from ``folder`` when another process made it; else made here and left there. The first
    process to claim a stack (an exclusive lock file) plans it; the others wait for its file, and plan it
    themselves if it does not come (the planner failed)."""
    done, claim = folder / f"{stack}.pickle", folder / f"{stack}.lock"
    try:
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.monotonic() + SHARED_PLAN_WAIT_SECONDS
        while not done.exists() and claim.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if done.exists():
            with done.open("rb") as handle:  # written by this session's own processes, in its own folder
                plan: Plan = pickle.load(handle)
            return plan
        return run_program(stack)
    try:
        plan = run_program(stack)
        scratch = folder / f".{stack}.{os.getpid()}.tmp"
        with scratch.open("wb") as handle:
            pickle.dump(plan, handle)
        os.replace(scratch, done)
        return plan
    finally:
        claim.unlink(missing_ok=True)


def plan_stack(
    stack: str,
    root: Path = ROOT,
    pack_config: dict[str, Any] | None = None,
    policies: bool = True,
    today: date | None = None,
) -> Plan:
    """The full offline plan: the program under mocks, every policy pack over its resources, and the cost.
    ``today`` is the date the waivers' statuses are worked out on (the packs judge expiry by the clock)."""
    raw_config, _secret_keys = read_stack_file(stack, root)
    resolved = resolve_stack(stack, raw_config)
    packs = start_packs(stack, raw_config) if policies else []  # they boot while the program runs
    try:
        # A committed stack's program run is the one planned_program keeps for the process (the same file, read the
        # same way); a copy, since the fields below are this plan's own.
        plan = copy.copy(planned_program(stack)) if root == ROOT else run_program(stack, root, raw_config)
    except BaseException:
        for pack in packs:
            pack.close()
        raise
    plan.environment = resolved.environment
    plan.blueprint = resolved.blueprint.name
    view = plan.engine_view()
    plan.policies = evaluate(packs, view, pack_config or {}) if policies else None
    if plan.policies is not None:
        names = {r.urn: r.name for r in view}
        plan.waivers = waiver_statuses(stack_waivers(raw_config), plan.policies, names, today)
    assumptions = resolved.assumptions()
    resources = priced(view)
    plan.cost = estimate(resources, assumptions)
    check_resource_usage(stack, assumptions, plan.cost)
    plan.ceiling = ceiling(resources, assumptions, plan.cost)
    objectives = resolved.recovery_objectives()
    plan.recovery = assess(resources, objectives) if objectives is not None else None
    return plan


def check_resource_usage(stack: str, assumptions: Assumptions, cost: Estimate) -> None:
    """A ``finplatform:resourceUsage`` key that matches no usage-priced resource, or an assumption its price does
    not read, is a config error (exit 2), never a silent no-op."""
    problems = unmatched_resource_usage(assumptions.per_resource, usage_reads(cost))
    if problems:
        raise ConfigError(stack_file_name(stack), [ConfigProblem(key, message) for key, message in problems])


def priced(view: list[AnalyzedResource]) -> list[PricedResource]:
    """The engine's view as the cost model takes it: each resource's state, and its provider's region."""
    return [
        PricedResource.from_engine(
            r.urn,
            r.type,
            r.name,
            r.state if r.state is not None else r.properties,
            provider_properties=r.provider.properties if r.provider else None,
            parent=r.parent,
            provider_name=r.provider.name if r.provider else "",
        )
        for r in view
    ]


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


def render_policies(report: PolicyReport, waivers: Sequence[WaiverStatus] = ()) -> str:
    """Violations grouped by policy, mandatory first, then every waiver with its status."""
    listed = render_waivers(waivers)
    if not report.violations:
        return f"Policies: no violations ({', '.join(report.packs)})." + (f"\n{listed}" if listed else "")
    groups: dict[tuple[str, str, str], list[str]] = {}
    for v in report.violations:
        message = v.message.split("\n", 1)[-1]
        groups.setdefault((v.level, v.pack, v.policy), []).append(message)
    counts = Counter(v.level for v in report.violations)
    waived = sum(1 for v in report.violations if is_waived(v))
    of_which = f" ({waived} waived)" if waived else ""
    lines = [f"Policy violations: {counts['mandatory']} mandatory, {counts['advisory']} advisory{of_which}"]
    for (level, pack, policy), messages in sorted(groups.items(), key=lambda g: (g[0][0] != "mandatory", g[0])):
        lines.append(f"  [{level}] {pack}/{policy}")
        lines += [f"      - {m}" for m in messages]
    if listed:
        lines.append(listed)
    return "\n".join(lines)


def render_waivers(waivers: Sequence[WaiverStatus]) -> str:
    """Every waiver of the stack file, in force or expired; empty when there is none."""
    if not waivers:
        return ""
    expired = sum(1 for w in waivers if w.expired)
    lines = [f"Policy waivers: {len(waivers) - expired} in force, {expired} expired (finplatform:policyWaivers)"]
    lines += [f"  - {w.describe()}" for w in waivers]
    return "\n".join(lines)


def render_recovery(plan: Plan) -> str:
    """The DR tier, the objectives, and each store's and the serving path's mechanism and achievable figures."""
    if plan.recovery is None:
        return f"Disaster recovery: none planned ({plan.environment} has no DR region)."
    o = plan.recovery.objectives
    active = "" if o.active_region == "primary" else f"; FAILED OVER: serving from {o.dr_region}"
    lines = [
        f"Disaster recovery: {o.tier} to {o.dr_region}; objectives RTO {duration_text(o.rto_minutes)}, "
        f"RPO {duration_text(o.rpo_minutes)}{active}",
        f"  {'store / path':<34} {'RPO':>9} {'RTO':>9}  {'verdict':<8} mechanism",
    ]
    for row in plan.recovery.rows:
        verdict = "meets" if row.meets else ("accepted" if row.accepted_because else "FAILS")
        rpo = "-" if row.subject == "serving" else duration_text(row.rpo_minutes)
        lines.append(f"  {row.subject:<34} {rpo:>9} {duration_text(row.rto_minutes):>9}  {verdict:<8} {row.mechanism}")
        if row.gaps:
            reason = f" - accepted: {row.accepted_because}" if row.accepted_because else ""
            lines.append(f"  {'':<34} {'':>9} {'':>9}  {'':<8} gap: {'; '.join(row.gaps)}{reason}")
    return "\n".join(lines)


def render_cost(plan: Plan) -> str:
    """The monthly cost of each priced resource, and the stack total."""
    assert plan.cost is not None
    names = {r.urn: r.name for r in plan.engine_view()}
    lines = [
        f"Monthly cost estimate (USD, on-demand list prices, {plan.environment} usage assumptions; under each "
        "line, what it is billed on: quantity x unit price):"
    ]
    for item in plan.cost.items:
        name = names.get(item.urn, item.urn.rsplit("::", 1)[-1])
        lines.append(f"  {item.monthly_usd:>9,.2f}  {item.type.split(':')[-1]:<22} {name:<34} {item.basis}")
        lines += [f"  {'':>9}    - {charge.describe()}" for charge in item.charges]
    lines.append(f"  {plan.cost.monthly_usd:>9,.2f}  total")
    lines += [
        "",
        f"Baseline ${plan.cost.baseline_usd:,.2f} (the same stack at zero usage: hours, capacity, monthly fees) + "
        f"usage ${plan.cost.usage_usd:,.2f} (the usage assumptions) = expected ${plan.cost.monthly_usd:,.2f}/month",
        plan.cost.standby().describe(),
    ]
    if plan.ceiling is not None:
        lines.append(plan.ceiling.describe())
    unpriced = plan.cost.unpriced()
    if unpriced:
        lines.append(f"Warning: {len(unpriced)} resource(s) listed at $0.00 because the model could not price them:")
        lines += [f"  - {names.get(i.urn, i.urn.rsplit('::', 1)[-1])}: {i.basis}" for i in unpriced]
    lines += ["", render_layers(plan.cost)]
    return "\n".join(lines)
