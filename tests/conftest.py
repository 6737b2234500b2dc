"""Shared fixtures: Pulumi mocks installed per test, and stack plans cached per session."""

from collections.abc import Callable, Iterator, Mapping, Sequence

import pulumi
import pulumi_aws as aws
import pytest

from finplatform.tooling.mocks import CapturingMonitor, PlannedResource, install_mocks, run_declarations
from finplatform.tooling.plan import Plan, planned_program
from finplatform.tooling.policy_eval import POLICIES_DIR, AnalyzedResource, PackProcess, Violation


class Engine:
    """What the engine received in one test: the recording monitor plus helpers to query it."""

    def __init__(self, monitor: CapturingMonitor) -> None:
        self.monitor = monitor

    def declare(self, build: Callable[[], object]) -> list[PlannedResource]:
        run_declarations(build)
        return self.monitor.planned

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.monitor.planned if r.type == type_]

    def one(self, type_: str) -> PlannedResource:
        (found,) = self.of_type(type_)
        return found


@pytest.fixture
def engine() -> Iterator[Engine]:
    """Fresh mocks for one test; the runtime is reset afterwards so nothing leaks into the next test."""
    monitor = install_mocks("test")
    yield Engine(monitor)
    pulumi.runtime.settings.reset_options()


@pytest.fixture
def provider() -> Callable[[], aws.Provider]:
    """Declare an explicit provider the way the program does (call inside ``engine.declare``)."""
    return lambda: aws.Provider("aws-test", aws.ProviderArgs(region="us-east-1"))


@pytest.fixture
def planned() -> Callable[[str], Plan]:
    """Plan a stack of this repository once per session (the program is deterministic); the doc generators
    share the same plans."""
    return planned_program


class Analyzers:
    """Running packs, keyed by folder, for one environment's stack."""

    def __init__(self, processes: dict[str, PackProcess]) -> None:
        self.processes = processes

    def violations(self, pack: str, resources: Sequence[AnalyzedResource]) -> list[Violation]:
        process = self.processes[pack]
        found = [v for r in resources for v in process.analyze(r)]
        return found + process.analyze_stack(resources)


@pytest.fixture(scope="session")
def analyzers() -> Iterator[Callable[[str, Mapping[str, str]], Analyzers]]:
    """Packs started like the CLI starts them, for a given environment and stack config."""
    started: dict[tuple[str, tuple[tuple[str, str], ...]], Analyzers] = {}

    def get(environment: str, config: Mapping[str, str]) -> Analyzers:
        stack_config = {"finplatform:environment": environment, **config}
        key = (environment, tuple(sorted(stack_config.items())))
        if key not in started:
            folders = sorted(p.parent for p in POLICIES_DIR.glob("*/PulumiPolicy.yaml"))
            processes = {f.name: PackProcess(f, environment, stack_config) for f in folders}
            for process in processes.values():
                process.connect({})
            started[key] = Analyzers(processes)
        return started[key]

    yield get
    for analyzers_for_stack in started.values():
        for process in analyzers_for_stack.processes.values():
            process.close()
