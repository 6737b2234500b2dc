"""The URNs a resource answers to, worked out from its aliases the way the Pulumi engine does.

A refactor that moves or renames a component must never replace what it holds. The engine matches a new
registration with an existing resource when its URN, or any URN its aliases name, is in the state. Aliases come
from the resource's own ``aliases`` option and are inherited: when a parent answers to an old URN, each child
answers to the URN it had under that old parent, its name re-prefixed with the parent's old name (children are
named after their parent). This module reproduces that, so a test can prove that every URN of a committed stack
survives a change, identical or aliased.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Registration:
    """What the engine knows of one registration: its URN, type, name, parent and alias options."""

    urn: str
    type: str
    name: str
    parent: str
    aliases: tuple[Any, ...] = ()

    @classmethod
    def from_json(cls, resource: Mapping[str, Any]) -> "Registration":
        """A resource as the plan's JSON export (or the recording monitor) holds it."""
        options = resource.get("options") or {}
        return cls(
            urn=str(resource["urn"]),
            type=str(resource["type"]),
            name=str(resource["name"]),
            parent=str(resource.get("parent") or ""),
            aliases=tuple(options.get("aliases") or ()),
        )


def _parts(urn: str) -> tuple[str, str, str, str]:
    """(stack, project, qualified type, name) of ``urn:pulumi:<stack>::<project>::<qualified type>::<name>``."""
    stack_and_prefix, project, qualified_type, name = urn.split("::", 3)
    return stack_and_prefix.removeprefix("urn:pulumi:"), project, qualified_type, name


def make_urn(stack: str, project: str, parent_urn: str, type_: str, name: str) -> str:
    """The URN of a resource of ``type_`` named ``name`` under ``parent_urn`` (empty or the stack: top level)."""
    qualified = type_
    if parent_urn:
        parent_qualified = _parts(parent_urn)[2]
        if parent_qualified != STACK_TYPE:
            qualified = f"{parent_qualified}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def _explicit(registration: Registration) -> list[str]:
    """The URNs the resource's own alias options name (full URNs, or specs filled in from the resource)."""
    stack, project, _, _ = _parts(registration.urn)
    found = []
    for alias in registration.aliases:
        if isinstance(alias, str):
            found.append(alias)
            continue
        if alias.get("urn"):
            found.append(str(alias["urn"]))
            continue
        spec = alias.get("spec") or {}
        parent = "" if spec.get("noParent") else str(spec.get("parentUrn") or registration.parent)
        found.append(
            make_urn(
                str(spec.get("stack") or stack),
                str(spec.get("project") or project),
                parent,
                str(spec.get("type") or registration.type),
                str(spec.get("name") or registration.name),
            )
        )
    return found


def previous_urns(registrations: Iterable[Registration]) -> dict[str, list[str]]:
    """For each registration, every URN it answers to: its own first, then its aliases, own and inherited."""
    by_urn = {r.urn: r for r in registrations}
    memo: dict[str, list[str]] = {}

    def of(urn: str) -> list[str]:
        if urn in memo:
            return memo[urn]
        registration = by_urn[urn]
        names = [urn, *_explicit(registration)]
        parent = by_urn.get(registration.parent)
        if parent is not None:
            parent_name = parent.name
            for parent_alias in of(parent.urn)[1:]:
                stack, project, _, alias_parent_name = _parts(parent_alias)
                for own in (urn, *_explicit(registration)):
                    own_type, own_name = _parts(own)[2].rsplit("$", 1)[-1], _parts(own)[3]
                    if own_name.startswith(parent_name):
                        own_name = alias_parent_name + own_name.removeprefix(parent_name)
                    names.append(make_urn(stack, project, parent_alias, own_type, own_name))
        memo[urn] = list(dict.fromkeys(names))
        return memo[urn]

    return {urn: of(urn) for urn in by_urn}
