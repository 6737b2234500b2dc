"""Policy packs started once per environment for the session, driven through the analyzer protocol."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from finplatform.policy_eval import POLICIES_DIR, AnalyzedResource, PackProcess, Violation

KEY = "arn:aws:kms:us-east-1:111122223333:key/0example"
TAGS = {
    "project": "finplatform",
    "environment": "prod",
    "blueprint": "test",
    "owner": "platform",
    "cost-center": "cc",
    "data-classification": "confidential",
}


def provider(environment: str = "prod", tags: Mapping[str, str] | None = None) -> AnalyzedResource:
    """The explicit provider every resource of a stack uses, with the stack's default tags."""
    default_tags = dict(TAGS, environment=environment) if tags is None else dict(tags)
    return AnalyzedResource(
        urn="urn:pulumi:test::finplatform::pulumi:providers:aws::aws-primary",
        type="pulumi:providers:aws",
        name="aws-primary",
        properties={"region": "us-east-1", "defaultTags": {"tags": default_tags}},
    )


def resource(
    type_: str,
    name: str,
    props: Mapping[str, Any],
    *,
    protect: bool = False,
    environment: str = "prod",
    tags: Mapping[str, str] | None = None,
) -> AnalyzedResource:
    return AnalyzedResource(
        urn=f"urn:pulumi:test::finplatform::{type_}::{name}",
        type=type_,
        name=name,
        properties=dict(props),
        protect=protect,
        provider=provider(environment, tags),
        state=dict(props),
    )


@dataclass(frozen=True)
class Case:
    """A rule's compliant and violating example; ``stack`` cases are whole resource sets."""

    policy: str
    compliant: Sequence[AnalyzedResource]
    violating: Sequence[AnalyzedResource]
    environment: str = "prod"
    config: Mapping[str, str] = field(default_factory=dict)
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.policy}-{self.label}" if self.label else self.policy


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
