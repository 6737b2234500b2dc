"""How far the offline plan is from the SDK's own floor for the same number of resources.

The floor is a bare program that loads the SDK classes of every resource type the plan declares (the SDK
loads a module's classes lazily, on first use, and that dominates its cost), installs echo mocks and
registers as many resources as the plan does. The plan is timed without the policy packs (the program and
the cost model), which is what compares with the floor; the full plan, packs included, is reported beside
it. All are timed as whole processes (wall clock, best of a few runs), as a user experiences them.
"""

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from finplatform import ROOT

FLOOR_PROGRAM = """
import importlib, keyword, os, sys
import pulumi
import pulumi_aws as aws
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

class Echo(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return args.name + "-id", dict(args.inputs)
    def call(self, args):
        return {}, []

for token in sys.argv[2:]:
    package, module, name = token.split(":")
    if package == "pulumi":
        module, name, package = "", "Provider", name
    module = module.split("/")[0]
    module = module + "_" if keyword.iskeyword(module) else module  # aws:lambda lives in pulumi_aws.lambda_
    python_module = "pulumi_" + package + ("" if module in ("", "index") else "." + module)
    getattr(importlib.import_module(python_module), name)

pulumi.runtime.set_mocks(Echo(), project="floor", stack="floor", preview=True)

def declare():
    for i in range(int(sys.argv[1])):
        aws.kms.Key(f"key-{i}", aws.kms.KeyArgs(description="floor"))

_sync_await(run_pulumi_func(declare))
sys.stdout.flush()
os._exit(0)
"""


@dataclass(frozen=True)
class Benchmark:
    """Wall times of the plan and of the floor for the same resource count."""

    stack: str
    resources: int
    plan_seconds: float
    floor_seconds: float
    full_plan_seconds: float
    mandatory_violations: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.plan_seconds / self.floor_seconds


# The plan exits 1 when a policy is violated at the mandatory level: a result to report, not a failed run.
PLAN_EXIT_CODES = (0, 1)


def _best_wall_time(command: list[str], repeat: int, exit_codes: tuple[int, ...] = (0,)) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, check=False, capture_output=True, text=True, timeout=300)
        if result.returncode not in exit_codes:
            raise RuntimeError(f"{' '.join(command[:6])} exited {result.returncode}:\n{result.stderr[-2000:]}")
        best = min(best, time.perf_counter() - started)
    return best


def run_benchmark(stack: str, repeat: int = 3, policy_pack_config: Path | None = None) -> Benchmark:
    with tempfile.TemporaryDirectory() as scratch:
        graph = Path(scratch) / "plan.json"
        plan_command = [sys.executable, "-m", "finplatform", "plan", "--stack", stack, "--json", str(graph)]
        if policy_pack_config is not None:
            plan_command += ["--policy-pack-config", str(policy_pack_config)]
        full_plan_seconds = _best_wall_time(plan_command, repeat, PLAN_EXIT_CODES)
        violations = json.loads(graph.read_text()).get("policies", {}).get("violations", [])
        mandatory = [f"{v['pack']}/{v['policy']}: {v['message']}" for v in violations if v["level"] == "mandatory"]
        plan_seconds = _best_wall_time([*plan_command, "--no-policies"], repeat)
        declared = json.loads(graph.read_text())["resources"]
    types = sorted({r["type"] for r in declared if not r["type"].startswith("finplatform:")})
    floor_command = [sys.executable, "-c", FLOOR_PROGRAM, str(len(declared)), *types]
    floor_seconds = _best_wall_time(floor_command, repeat)
    resources = len(declared)
    return Benchmark(stack, resources, plan_seconds, floor_seconds, full_plan_seconds, mandatory)
