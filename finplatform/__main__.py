"""Command line: ``python -m finplatform plan --stack NAME [--json FILE] [--diff BASE.json]``, ``plan --all``,
``diagram``, ``generate``, ``build-policy-packs``, ``benchmark``."""

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from finplatform import ROOT
from finplatform.config import ConfigError


def _plan(args: argparse.Namespace) -> int:
    if args.sync_usage and (args.all or args.json or args.diff or args.sarif):
        print("error: --sync-usage rewrites one stack's file: give it --stack alone", file=sys.stderr)
        return 2
    if args.all:
        return _plan_all(args)
    from finplatform.tooling.plan import plan_stack, render_cost, render_policies, render_recovery, render_tree
    from finplatform.tooling.policy_eval import read_policy_pack_config

    if args.sarif and args.no_policies:
        print("error: --sarif reports the policy packs' findings; it cannot go with --no-policies", file=sys.stderr)
        return 2
    if args.json_dir:
        print("error: --json-dir writes one JSON per stack with --all; for one --stack use --json", file=sys.stderr)
        return 2
    if args.diff_out and not args.diff:
        print("error: --diff-out writes the markdown of --diff; give --diff BASE.json", file=sys.stderr)
        return 2
    try:
        base = _read_base(Path(args.diff)) if args.diff else None
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    root = Path(args.project_dir).resolve()
    if args.sync_usage:
        return _sync_usage(args.stack, root)
    started = time.perf_counter()
    pack_config = read_policy_pack_config(Path(p) for p in args.policy_pack_config)
    plan = plan_stack(args.stack, root=root, pack_config=pack_config, policies=not args.no_policies)
    elapsed = time.perf_counter() - started
    print(render_tree(plan))
    if plan.warnings:
        print("\nWarnings from the program:")
        print("\n".join(f"  - {warning}" for warning in plan.warnings))
    if plan.policies is not None:
        print()
        print(render_policies(plan.policies, plan.waivers))
    print()
    print(render_recovery(plan))
    print()
    print(render_cost(plan))
    packs = f"{len(plan.policies.packs)} policy packs" if plan.policies is not None else "policies skipped"
    print(f"\nPlanned stack {args.stack!r} offline in {elapsed:.2f} s: program under mocks, {packs}, cost model.")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(plan.to_json(), handle, indent=2, sort_keys=False, default=str)
            handle.write("\n")
        print(f"Wrote {args.json}")
    if args.sarif and plan.policies is not None:
        from finplatform.tooling.sarif import StackFindings, write_sarif

        findings = StackFindings(plan.stack, plan.blueprint, plan.environment, plan.policies_json())
        write_sarif(Path(args.sarif), [findings], root)
        print(f"Wrote {args.sarif}")
    if args.diff:
        from finplatform.tooling.cost_diff import diff_markdown

        head = json.loads(json.dumps(plan.to_json(), default=str))  # as the base was: through JSON
        _write_diff(args, diff_markdown(base, head) + "\n")
    if plan.policies is not None and plan.policies.mandatory:
        print(f"error: {len(plan.policies.mandatory)} mandatory policy violation(s)", file=sys.stderr)
        return 1
    return 0


def _sync_usage(stack: str, root: Path) -> int:
    """Plan the stack (no policies: only its cost is needed) and rewrite its finplatform:resourceUsage block."""
    from finplatform.tooling.plan import plan_stack
    from finplatform.tooling.usage_file import sync_usage

    plan = plan_stack(stack, root=root, policies=False)
    assert plan.cost is not None
    try:
        result = sync_usage(stack, root, plan.cost)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"Wrote finplatform:resourceUsage in {result.path.name}: {result.resources} usage-priced resources, "
        f"{result.assumptions} assumptions ({result.added} new); the stack is priced at "
        f"${plan.cost.monthly_usd:,.2f}/month with them. Edit the numbers and plan again."
    )
    return 0


def _read_base(path: Path) -> dict[str, Any] | None:
    """An earlier plan's JSON for ``--diff``; ``None`` when there is no such file (the stack is new)."""
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"--diff: cannot read {path} as a plan's JSON: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("resources"), list):
        raise ValueError(f"--diff: {path} is not a plan's JSON (plan --json FILE): it has no resources list")
    return document


def _write_diff(args: argparse.Namespace, markdown: str) -> None:
    """The diff's markdown to ``--diff-out``, or to stdout after the plan."""
    if args.diff_out:
        Path(args.diff_out).write_text(markdown, encoding="utf-8")
        print(f"Wrote {args.diff_out}")
    else:
        print()
        print(markdown, end="")


def _plan_all(args: argparse.Namespace) -> int:
    """Every stack file in the project, each planned with the packs in its own process: one table.
    Exit 0, 1 on any mandatory violation, 2 if any stack could not be planned (see plan_all.exit_code)."""
    from finplatform.tooling.plan_all import (
        discover_stacks,
        error_line,
        findings,
        plan_all,
        render_diffs,
        render_problems,
        render_table,
        render_waivers,
    )
    from finplatform.tooling.policy_eval import read_policy_pack_config

    if args.no_policies:
        print("error: --all always runs the policy packs; --no-policies is for one --stack", file=sys.stderr)
        return 2
    root = Path(args.project_dir).resolve()
    if not discover_stacks(root):
        print(f"error: no stack files (Pulumi.<stack>.yaml) in {root}", file=sys.stderr)
        return 2
    if args.diff_out and not args.diff:
        print("error: --diff-out writes the markdown of --diff; give --diff BASE_DIR", file=sys.stderr)
        return 2
    base_dir = Path(args.diff).resolve() if args.diff else None
    if base_dir is not None and not base_dir.is_dir():
        print(f"error: with --all, --diff takes the folder --json-dir wrote; {base_dir} is not one", file=sys.stderr)
        return 2
    pack_config = read_policy_pack_config(Path(p) for p in args.policy_pack_config)
    json_dir = Path(args.json_dir).resolve() if args.json_dir else None
    if json_dir is not None:
        json_dir.mkdir(parents=True, exist_ok=True)
    result = plan_all(root, pack_config, json_dir=json_dir, diff_base=base_dir)
    print(render_table(result))
    waivers = render_waivers(result.summaries)
    if waivers:
        print()
        print(waivers)
    problems = render_problems(result.summaries)
    if problems:
        print()
        print(problems)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result.to_json(), handle, indent=2, default=str)
            handle.write("\n")
        print(f"Wrote {args.json}")
    if args.sarif:
        from finplatform.tooling.sarif import write_sarif

        planned = findings(result.summaries)
        write_sarif(Path(args.sarif), planned, root)
        print(f"Wrote {args.sarif}: {len(planned)} stack(s), one SARIF run each")
    if json_dir is not None:
        written = sum(1 for s in result.summaries if s.planned)
        print(f"Wrote {written} plan JSON file(s) to {json_dir}")
    if base_dir is not None:
        _write_diff(args, render_diffs(result.summaries, base_dir))
    for summary in result.summaries:
        if summary.traceback:
            print(f"{summary.stack}: {summary.traceback}", file=sys.stderr)
    verdict = error_line(result.summaries)
    if verdict:
        print(verdict, file=sys.stderr)
    return result.exit_code


def _diagram(args: argparse.Namespace) -> int:
    try:
        import drawsvg  # noqa: F401
    except ImportError:
        print(
            "error: the diagram is drawn with the Python package drawsvg, which is not installed in this environment;"
            " install it with `make setup` (or `.tools/bin/uv sync --locked`, or `pip install 'drawsvg>=2.4,<3'`)",
            file=sys.stderr,
        )
        return 1
    from finplatform.blueprints import available_blueprints
    from finplatform.tooling.blueprint_docs import blueprint_stacks
    from finplatform.tooling.diagram import architecture, render_svg
    from finplatform.tooling.plan import run_program

    root = Path(args.project_dir).resolve()
    if args.blueprints and args.out:
        print("error: --blueprints writes one file per stack into --dir; --out is for one --stack", file=sys.stderr)
        return 2
    stacks = [args.stack]
    if args.blueprints:
        found = [blueprint_stacks(name, root).get("prod") for name in available_blueprints()]
        stacks = [stack for stack in found if stack]
    for stack in stacks:
        started = time.perf_counter()
        model = architecture(run_program(stack, root))
        out = Path(args.out) if args.out else Path(args.dir) / f"{stack}.svg"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_svg(model), encoding="utf-8")
        regions = ", ".join(f"{r.name} ({r.role})" for r in model.regions)
        elapsed = time.perf_counter() - started
        print(f"Wrote {out}: stack {stack!r}, {regions}, {len(model.links)} flows, in {elapsed:.2f} s.")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from finplatform.tooling.project_file import GENERATED_FILES

    for relative, render in GENERATED_FILES.items():
        (ROOT / relative).write_text(render(), encoding="utf-8")
        print(f"Wrote {relative}")
    return 0


def _build_policy_packs(args: argparse.Namespace) -> int:
    from finplatform.tooling.policy_packs import build_packs

    try:
        packs = build_packs(Path(args.out).resolve())
    except FileExistsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for built in packs:
        vendored = [f for f in built.files if "/" in f]
        print(f"Wrote {built.directory}: {len(vendored)} vendored files, requires {', '.join(built.requirements)}")
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    from finplatform.tooling.benchmark import run_benchmark

    config = Path(args.policy_pack_config) if args.policy_pack_config else None
    result = run_benchmark(args.stack, args.repeat, config)
    print(f"plan --stack {result.stack} --no-policies: {result.resources} resources, {result.plan_seconds:.2f} s wall")
    print(f"SDK floor for {result.resources} resources: {result.floor_seconds:.2f} s wall")
    print(f"ratio: {result.ratio:.2f}x (best of {args.repeat} runs each)")
    print(f"full plan with the policy packs: {result.full_plan_seconds:.2f} s wall")
    if result.mandatory_violations:
        print(f"error: {len(result.mandatory_violations)} mandatory policy violation(s):", file=sys.stderr)
        print("\n".join(f"  - {v}" for v in result.mandatory_violations), file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m finplatform", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("plan", help="Run a stack's program under mocks and show what it declares.")
    which = plan.add_mutually_exclusive_group()
    which.add_argument("--stack", "-s", default="dev", help="Stack name: reads Pulumi.<stack>.yaml (default: dev).")
    which.add_argument(
        "--all",
        action="store_true",
        help="Plan every Pulumi.<stack>.yaml with the policy packs, in parallel processes, and print one table.",
    )
    plan.add_argument(
        "--json", metavar="FILE", help="Also write the planned graph as JSON (with --all: a row and summary per stack)."
    )
    plan.add_argument(
        "--policy-pack-config",
        action="append",
        default=[],
        metavar="FILE",
        help="JSON policy config (policy name -> level or settings, 'all' for every policy), as the CLI takes it.",
    )
    plan.add_argument(
        "--sarif",
        metavar="FILE",
        help="Also write the policy findings and waivers as SARIF 2.1.0 for code scanning (with --all: one run per "
        "planned stack).",
    )
    plan.add_argument(
        "--diff",
        metavar="BASE",
        help="Compare with an earlier plan's JSON (plan --json) and print the changes and the cost change as "
        "markdown; a missing file is a new stack. With --all: the folder --json-dir wrote, one file per stack.",
    )
    plan.add_argument("--diff-out", metavar="FILE", help="Write the --diff markdown to FILE instead of printing it.")
    plan.add_argument(
        "--json-dir",
        metavar="DIR",
        help="With --all: also write each stack's plan JSON, as plan --stack --json writes it, to DIR/<stack>.json.",
    )
    plan.add_argument("--no-policies", action="store_true", help="Skip the policy packs: the graph and cost only.")
    plan.add_argument(
        "--sync-usage",
        action="store_true",
        help="Write the stack file's finplatform:resourceUsage block: every usage-priced resource by logical name "
        "with the value each assumption is priced at (values already there are kept); then edit the numbers.",
    )
    plan.add_argument(
        "--project-dir", default=str(ROOT), metavar="DIR", help="Folder holding Pulumi.yaml (default: this project)."
    )
    plan.set_defaults(run=_plan)
    diagram = commands.add_parser(
        "diagram", help="Draw a stack's architecture from its offline plan, as SVG (no policies, no AWS)."
    )
    diagram.add_argument("--stack", "-s", default="prod", help="Stack name: reads Pulumi.<stack>.yaml (default: prod).")
    diagram.add_argument("--out", metavar="FILE", help="Where to write the SVG (default: DIR/<stack>.svg).")
    diagram.add_argument(
        "--dir", default=str(ROOT / "docs" / "diagrams"), help="Folder for <stack>.svg (default: docs/diagrams)."
    )
    diagram.add_argument(
        "--blueprints",
        action="store_true",
        help="Draw the prod stack of every blueprint, the diagrams docs/blueprints/<name>.md embed.",
    )
    diagram.add_argument(
        "--project-dir", default=str(ROOT), metavar="DIR", help="Folder holding Pulumi.yaml (default: this project)."
    )
    diagram.set_defaults(run=_diagram)
    generate = commands.add_parser("generate", help="Rewrite Pulumi.yaml and docs/configuration.md from the model.")
    generate.set_defaults(run=_generate)
    packs = commands.add_parser(
        "build-policy-packs",
        help="Build self-contained copies of the policy packs to publish (pulumi policy publish DIR/<pack>).",
    )
    packs.add_argument(
        "--out", default=str(ROOT / "dist" / "policies"), metavar="DIR", help="Output folder (default: dist/policies)."
    )
    packs.set_defaults(run=_build_policy_packs)
    bench = commands.add_parser("benchmark", help="Time the plan against the SDK's floor for as many resources.")
    bench.add_argument("--stack", "-s", default="prod", help="Stack to plan (default: prod, the largest).")
    bench.add_argument("--repeat", type=int, default=3, help="Runs of each; the best counts (default: 3).")
    bench.add_argument(
        "--policy-pack-config", metavar="FILE", help="JSON policy config for the plan, as plan takes it."
    )
    bench.set_defaults(run=_benchmark)
    args = parser.parse_args(argv)
    try:
        result: int = args.run(args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # The SDK leaves per-thread asyncio loops behind whose finalisers print spurious errors at teardown;
    # everything is written and flushed, so skip the teardown.
    os._exit(code)
