"""Shared fixtures: Pulumi mocks installed per test, and stack plans cached per session."""

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from finplatform.tooling.mocks import CapturingMonitor, PlannedResource, install_mocks, run_declarations
from finplatform.tooling.plan import SHARED_PLANS_VARIABLE, Plan, planned_program
from finplatform.tooling.policy_eval import POLICIES_DIR, AnalyzedResource, PackProcess, Violation


def pytest_configure(config: pytest.Config) -> None:
    """One folder per session, made by the controller before xdist starts its workers (which inherit the
    environment), where planned_program shares each committed stack's plan: planned once in all, not per worker."""
    if hasattr(config, "workerinput") or os.environ.get(SHARED_PLANS_VARIABLE):
        return
    folder = tempfile.mkdtemp(prefix="finplatform-plans-")
    os.environ[SHARED_PLANS_VARIABLE] = folder
    config.stash[_SHARED_PLANS] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_SHARED_PLANS, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(SHARED_PLANS_VARIABLE, None)


_SHARED_PLANS = pytest.StashKey[str]()


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


class LazyPacks(Mapping[str, PackProcess]):
    """The packs of one stack config, keyed by folder name, each started like the CLI starts it when a test first
    asks for it: most tests judge one pack, and a pack process costs a Python start-up."""

    def __init__(self, folders: Sequence[Path], environment: str, stack_config: Mapping[str, str]) -> None:
        self.folders = {folder.name: folder for folder in folders}
        self.environment = environment
        self.stack_config = dict(stack_config)
        self.started: dict[str, PackProcess] = {}

    def __getitem__(self, name: str) -> PackProcess:
        if name not in self.started:
            process = PackProcess(self.folders[name], self.environment, self.stack_config)
            process.connect({})
            self.started[name] = process
        return self.started[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.folders)

    def __len__(self) -> int:
        return len(self.folders)


class Analyzers:
    """The packs, keyed by folder, for one environment's stack."""

    def __init__(self, processes: LazyPacks) -> None:
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
            started[key] = Analyzers(LazyPacks(folders, environment, stack_config))
        return started[key]

    yield get
    for analyzers_for_stack in started.values():
        for process in analyzers_for_stack.processes.started.values():
            process.close()
