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
from datetime import date
from typing import Any

ENVIRONMENTS = ("dev", "staging", "prod")
STANDARD_TAGS = ("project", "environment", "blueprint", "owner", "cost-center", "data-classification")
WAIVERS_KEY = "finplatform:policyWaivers"
WAIVED = "waived until"


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
    today: date = field(default_factory=date.today)
    """The date waivers expire against; injectable for tests."""

    def waiver(self, rule: "Rule", name: str, urn: str = "") -> "Waiver | None":
        """The stack's waiver of ``rule`` for the resource named ``name`` (or ``urn``), if one is in force.
        A critical rule is never waived in prod: the stack config refuses such a waiver, and a pack handed one
        anyway does not honour it."""
        if rule.severity == "critical" and self.environment == "prod":
            return None
        for waiver in stack_waivers(self.stack_config):
            if waiver.covers(rule.name, name, urn) and waiver.active(self.today):
                return waiver
        return None

    def setting(self, key: str, defaults: Mapping[str, Any]) -> Any:
        """A per-environment setting from the policy config, else the built-in default."""
        configured = self.policy_config.get(key)
        source = configured if isinstance(configured, Mapping) else defaults
        return source.get(self.environment, defaults[self.environment])


@dataclass(frozen=True)
class Waiver:
    """A finding accepted on purpose: one policy waived for one named resource, with the reason, who approved
    it and the date it expires (``finplatform:policyWaivers`` in the stack file)."""

    policy: str
    resource: str
    reason: str
    approved_by: str
    expires: date

    def active(self, today: date) -> bool:
        """In force before its expiry date; from that day on it is no waiver."""
        return today < self.expires

    def covers(self, policy: str, name: str, urn: str = "") -> bool:
        """Whether it waives ``policy`` for the resource with this logical name (or URN)."""
        return policy == self.policy and self.resource in (name, urn)

    def describe(self) -> str:
        return f"{WAIVED} {self.expires.isoformat()} by {self.approved_by}: {self.reason}"


def stack_waivers(config: Mapping[str, str]) -> list[Waiver]:
    """The waivers in a stack's config, as the CLI hands it over (lists as JSON). An entry that cannot be read
    waives nothing; the program refuses it before declaring any resource, so a real run never gets that far."""
    try:
        entries = json.loads(config.get(WAIVERS_KEY) or "[]")
    except (json.JSONDecodeError, TypeError):
        return []
    waivers = []
    for entry in entries if isinstance(entries, list) else []:
        try:
            waivers.append(
                Waiver(
                    policy=str(entry["policy"]),
                    resource=str(entry["resource"]),
                    reason=str(entry["reason"]),
                    approved_by=str(entry["approvedBy"]),
                    expires=date.fromisoformat(str(entry["expires"])),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return waivers


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
    source: str = ""
    """The AWS documentation the rule encodes, for rules that encode what AWS accepts."""
    other_ids: tuple[str, ...] = ()
    """Ids the rule also answers outside FSBP: Security Hub controls kept only for CIS, NIST 800-53 or PCI
    (S3.14, KMS.4, EC2.13). FSBP ids go in ``fsbp`` and must be in policies/common/fsbp.py."""

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
        parent=_parent_urn(resource, opts),
    )


def _parent_urn(resource: Any, opts: Any) -> str:
    """A stack resource's parent is itself a resource (``resource.parent``); older SDKs put its URN on opts."""
    parent = getattr(resource, "parent", None)
    if parent is not None:
        return str(getattr(parent, "urn", parent) or "")
    return str(getattr(opts, "parent", None) or "")


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
        "tags": [f"fsbp:{control}" for control in rule.fsbp] + [f"related:{other}" for other in rule.other_ids],
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
            context = _context(args.get_config())
            names = {s.urn: s.name for s in subjects}
            for urn, message in rule.evaluate_stack(subjects, context):
                waiver = context.waiver(rule, names.get(urn, urn.rsplit("::", 1)[-1]), urn) if urn else None
                _report(report, message, waiver, urn or None)

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
        context = _context(args.get_config())
        messages = rule.evaluate(subject, context)
        waiver = context.waiver(rule, subject.name, subject.urn) if messages else None
        for message in messages:
            _report(report, message, waiver)

    return ResourceValidationPolicy(validate=validate, **common)


def _report(report: Callable[..., None], message: str, waiver: Waiver | None, urn: str | None = None) -> None:
    """Report a finding; a waived one at advisory level, saying who waived it until when and why, so that it
    stays visible in `pulumi preview` and the plan without failing them."""
    advisory = _advisory_reporter(report) if waiver is not None else None
    if waiver is None or advisory is None:
        report(message, urn)
        return
    lower, level = advisory
    lower(f"{waiver.describe()} ({level} without the waiver). Finding: {message}", urn)


def _advisory_reporter(report: Callable[..., None]) -> tuple[Callable[..., None], str] | None:
    """The same reporter at advisory level, and the level ``report`` reports at.

    pulumi_policy fixes a diagnostic's level per policy and has no public way to lower one finding's; its
    reporter is a closure over the analyzer servicer that made it, which is asked for the same reporter at
    advisory level. Should a pulumi_policy release change that, this returns None and the finding is reported
    at its policy's level, as if unwaived: a waiver that cannot be honoured fails closed."""
    try:
        from pulumi_policy import EnforcementLevel

        cells = dict(zip(report.__code__.co_freevars, [c.cell_contents for c in report.__closure__ or ()], strict=True))
        make = cells["self"]._create_report_violation
        lower = make(
            cells["response"],
            cells["policy_name"],
            cells["policy_description"],
            EnforcementLevel.ADVISORY,
            cells["severity"],
        )
        return lower, str(cells["enforcement_level"].value)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def default_level(environment: str, mandatory_everywhere: bool = False) -> str:
    """A pack's default enforcement: mandatory for prod stacks and advisory for the rest, unless the pack is
    mandatory everywhere (what AWS would refuse at `pulumi up` is no less wrong in dev)."""
    return "mandatory" if mandatory_everywhere or environment == "prod" else "advisory"


def serve(name: str, description: str, rules: Sequence[Rule], *, mandatory_everywhere: bool = False) -> None:
    """Start the pack's analyzer (blocks). Default enforcement: ``default_level``."""
    from pulumi_policy import EnforcementLevel, PolicyPack

    stack, config = _runtime_stack()
    environment = stack_environment(stack, config)
    level = EnforcementLevel(default_level(environment, mandatory_everywhere))
    PolicyPack(
        name=name,
        description=description,
        policies=[to_policy(rule, level) for rule in rules],
        enforcement_level=level,
    )
