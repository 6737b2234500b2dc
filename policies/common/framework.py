"""Rules as plain functions, and how a pack turns them into CrossGuard policies.

A rule sees a ``Subject`` (type, name, urn, properties, protect, provider properties) or, for stack rules,
all of them, and yields violation messages. ``serve`` wraps the rules in ``pulumi_policy`` policies whose
default enforcement is mandatory for prod stacks and advisory for the rest; ``--policy-pack-config`` can set
any policy's level.
"""

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ENVIRONMENTS = ("dev", "staging", "prod")
STANDARD_TAGS = ("project", "environment", "blueprint", "owner", "cost-center", "data-classification")


@dataclass(frozen=True)
class Subject:
    """A resource as a rule sees it."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    protect: bool = False
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    parent: str = ""

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)


@dataclass(frozen=True)
class Context:
    """What a rule knows about the stack: its environment, config, and the policy's own config."""

    environment: str
    stack: str
    stack_config: Mapping[str, str]
    policy_config: Mapping[str, Any]

    def setting(self, key: str, defaults: Mapping[str, Any]) -> Any:
        """A per-environment setting from the policy config, else the built-in default."""
        configured = self.policy_config.get(key)
        source = configured if isinstance(configured, Mapping) else defaults
        return source.get(self.environment, defaults[self.environment])


ResourceCheck = Callable[[Subject, Context], Iterable[str]]
StackCheck = Callable[[Sequence[Subject], Context], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    """One policy: a stable name, a one-sentence description, a severity and the FSBP controls it covers."""

    name: str
    description: str
    severity: str
    fsbp: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    config_schema: Mapping[str, Any] | None = None

    def applies_to(self, type_: str) -> bool:
        return not self.types or type_ in self.types

    def evaluate(self, subject: Subject, context: Context) -> list[str]:
        if self.check is None or not self.applies_to(subject.type):
            return []
        return [f"{subject.name} ({subject.type}): {message}" for message in self.check(subject, context)]

    def evaluate_stack(self, subjects: Sequence[Subject], context: Context) -> list[tuple[str, str]]:
        if self.stack_check is None:
            return []
        return list(self.stack_check(subjects, context))


def stack_environment(stack: str, config: Mapping[str, str]) -> str:
    """The stack's environment: finplatform:environment, else the stack name when it names an environment,
    else prod, the strictest, so that an unrecognised stack is never judged leniently."""
    configured = str(config.get("finplatform:environment") or "")
    if configured in ENVIRONMENTS:
        return configured
    return stack if stack in ENVIRONMENTS else "prod"


def decoded(value: Any) -> Any:
    """Policy documents and provider settings may arrive as JSON text or as objects."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def as_list(value: Any) -> list[Any]:
    """A property as a list: the analyzer hands over read-only sequence proxies, not lists."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return [value]


def effective_tags(subject: Subject) -> dict[str, str]:
    """The resource's tags merged over its provider's default tags, as AWS will apply them."""
    default_tags = decoded(subject.provider_props.get("defaultTags")) or {}
    tags = dict((default_tags.get("tags") or {}) if isinstance(default_tags, Mapping) else {})
    own = decoded(subject.props.get("tags")) or {}
    if isinstance(own, Sequence) and not isinstance(own, str):
        # Auto Scaling groups take a list of {key, value, propagateAtLaunch} blocks instead of a map.
        own = {block.get("key"): block.get("value") for block in own if isinstance(block, Mapping)}
    if isinstance(own, Mapping):
        tags.update(own)
    return {str(k): str(v) for k, v in tags.items()}


# --- serving a pack -------------------------------------------------------------------------------------


def _runtime_stack() -> tuple[str, dict[str, str]]:
    """The stack and config the Pulumi CLI hands a policy pack through its environment."""
    config = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
    return os.environ.get("PULUMI_STACK", ""), {str(k): str(v) for k, v in config.items()}


def _context(policy_config: Mapping[str, Any] | None) -> Context:
    stack, config = _runtime_stack()
    return Context(stack_environment(stack, config), stack, config, dict(policy_config or {}))


def _subject(resource: Any) -> Subject:
    provider = getattr(resource, "provider", None)
    opts = getattr(resource, "opts", None)
    return Subject(
        type=resource.resource_type,
        name=resource.name,
        urn=resource.urn,
        props=resource.props,
        protect=bool(getattr(opts, "protect", False)),
        provider_props=provider.props if provider is not None else {},
        parent=getattr(opts, "parent", None) or "",
    )


def to_policy(rule: Rule, enforcement: Any) -> Any:
    """The pulumi_policy policy for ``rule``."""
    from pulumi_policy import (
        PolicyComplianceFramework,
        PolicyConfigSchema,
        ResourceValidationPolicy,
        Severity,
        StackValidationPolicy,
    )

    common: dict[str, Any] = {
        "name": rule.name,
        "description": rule.description,
        "enforcement_level": enforcement,
        "severity": Severity(rule.severity),
        "tags": [f"fsbp:{control}" for control in rule.fsbp],
    }
    if rule.fsbp:
        common["framework"] = PolicyComplianceFramework(
            name="AWS Foundational Security Best Practices", version="1.0.0", reference=", ".join(rule.fsbp)
        )
    if rule.config_schema:
        common["config_schema"] = PolicyConfigSchema(properties=dict(rule.config_schema))

    if rule.stack_check is not None:

        def validate_stack(args: Any, report: Callable[..., None]) -> None:
            subjects = [_subject(r) for r in args.resources]
            for urn, message in rule.evaluate_stack(subjects, _context(args.get_config())):
                report(message, urn or None)

        return StackValidationPolicy(validate=validate_stack, **common)

    def validate(args: Any, report: Callable[..., None]) -> None:
        if not rule.applies_to(args.resource_type):
            return
        subject = Subject(
            type=args.resource_type,
            name=args.name,
            urn=args.urn,
            props=args.props,
            protect=bool(args.opts.protect),
            provider_props=args.provider.props if args.provider is not None else {},
            parent=args.opts.parent or "",
        )
        for message in rule.evaluate(subject, _context(args.get_config())):
            report(message)

    return ResourceValidationPolicy(validate=validate, **common)


def serve(name: str, description: str, rules: Sequence[Rule]) -> None:
    """Start the pack's analyzer (blocks). Default enforcement: mandatory for prod stacks, else advisory."""
    from pulumi_policy import EnforcementLevel, PolicyPack

    stack, config = _runtime_stack()
    environment = stack_environment(stack, config)
    level = EnforcementLevel.MANDATORY if environment == "prod" else EnforcementLevel.ADVISORY
    PolicyPack(
        name=name,
        description=description,
        policies=[to_policy(rule, level) for rule in rules],
        enforcement_level=level,
    )
