"""Policy packs started once per environment for the session, driven through the analyzer protocol."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from finplatform.tooling.policy_eval import AnalyzedResource

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
