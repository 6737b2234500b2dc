"""Shared fixtures: Pulumi mocks installed per test, and stack plans cached per session."""

from collections.abc import Callable, Iterator

import pulumi
import pulumi_aws as aws
import pytest

from finplatform.mocks import CapturingMonitor, PlannedResource, install_mocks, run_declarations
from finplatform.plan import Plan, run_program


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


_PLANS: dict[str, Plan] = {}


@pytest.fixture
def planned() -> Callable[[str], Plan]:
    """Plan a stack of this repository once per session (the program is deterministic)."""

    def plan(stack: str) -> Plan:
        if stack not in _PLANS:
            _PLANS[stack] = run_program(stack)
        return _PLANS[stack]

    return plan
