"""Cost guardrails: allowed sizes and NAT gateways per environment, the monthly budget, and the standard tags
that cost allocation relies on. Limits come from pack config (``--policy-pack-config``), else these defaults."""

import math
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatch
from typing import Any

from finplatform.profiles import PROFILES
from finplatform.tooling.cost.ceiling import ceiling
from finplatform.tooling.cost.model import Estimate, PricedResource, estimate, usage_reads
from finplatform.tooling.remote_components import unreported_children
from finplatform.usage import (
    RESOURCE_USAGE_KEY,
    Assumptions,
    ResourceUsageError,
    UsageError,
    stack_assumptions,
    unmatched_resource_usage,
)
from policies.common import types as t
from policies.common.engine import priced
from policies.common.framework import STANDARD_TAGS, Context, Rule, Subject, as_list, decoded, effective_tags

_BURSTABLE = ["t3.*", "t3a.*", "t4g.*"]
_UP_TO_4XL = ["large", "xlarge", "2xlarge", "4xlarge"]


def _sizes(families: Iterable[str], sizes: Iterable[str]) -> list[str]:
    sizes = list(sizes)
    return [f"{family}.{size}" for family in families for size in sizes]


ALLOWED_INSTANCE_TYPES: dict[str, dict[str, list[str]]] = {
    "ec2": {
        "dev": _BURSTABLE,
        "staging": [*_BURSTABLE, *_sizes(["m6i", "m7i", "m6g", "m7g", "c6i", "c7g"], ["large", "xlarge"])],
        "prod": _BURSTABLE
        + _sizes(
            ["m5", "m6i", "m7i", "m6g", "m7g", "c5", "c6i", "c7i", "c6g", "c7g", "r5", "r6i", "r7i", "r6g", "r7g"],
            _UP_TO_4XL,
        ),
    },
    "rds": {
        "dev": _sizes(["db.t3", "db.t4g"], ["micro", "small", "medium"]),
        "staging": ["db.t3.*", "db.t4g.*", *_sizes(["db.m6g", "db.m7g", "db.r6g"], ["large", "xlarge"])],
        "prod": [
            "db.t3.*",
            "db.t4g.*",
            *_sizes(["db.m5", "db.m6i", "db.m6g", "db.m7g", "db.r5", "db.r6i", "db.r6g", "db.r7g"], _UP_TO_4XL),
        ],
    },
    "elasticache": {
        "dev": ["cache.t3.*", "cache.t4g.*"],
        "staging": ["cache.t3.*", "cache.t4g.*", "cache.m6g.large", "cache.r6g.large"],
        "prod": [
            "cache.t3.*",
            "cache.t4g.*",
            *_sizes(["cache.m6g", "cache.m7g", "cache.r6g", "cache.r7g"], _UP_TO_4XL),
        ],
    },
}
MAX_NAT_GATEWAYS = {"dev": 1, "staging": 2, "prod": 3}
# Monthly budgets in USD, the environment profiles' (the AWS Budgets budget of a stack uses the same figure);
# seed 000 puts production at $475-935 for 1,000 users before the HA and DR this platform adds, so prod has room.
MONTHLY_BUDGET_USD: dict[str, float] = {env: profile.monthly_budget_usd for env, profile in PROFILES.items()}
STACK_BUDGET_KEY = "finplatform:monthlyBudgetUsd"

PER_ENVIRONMENT = {
    "type": "object",
    "description": "per environment (dev, staging, prod)",
    "properties": {e: {} for e in ("dev", "staging", "prod")},
}


def _sizes_of(subject: Subject) -> Iterable[tuple[str, str]]:
    """(catalogue, size) pairs a resource asks for."""
    if subject.type in (t.EC2_INSTANCE, t.LAUNCH_TEMPLATE) and subject.get("instanceType"):
        yield "ec2", str(subject.get("instanceType"))
    elif subject.type == t.RDS_INSTANCE:
        yield "rds", str(subject.get("instanceClass"))
    elif subject.type in (t.CACHE_REPLICATION_GROUP, t.CACHE_CLUSTER):
        # A Global Datastore secondary takes its primary's node type, which is checked on the primary.
        if subject.get("nodeType") or not subject.get("globalReplicationGroupId"):
            yield "elasticache", str(subject.get("nodeType"))
    elif subject.type == t.EKS_NODE_GROUP:
        for size in as_list(subject.get("instanceTypes")):
            yield "ec2", str(size)
    elif subject.type in (t.EKS_COMPONENT, t.EKS_MANAGED_NODE_GROUP):
        for size in [subject.get("instanceType"), *as_list(subject.get("instanceTypes"))]:
            if size:
                yield "ec2", str(size)
    elif subject.type == t.AUTOSCALING_GROUP:
        policy = subject.get("mixedInstancesPolicy") or {}
        for override in as_list((policy.get("launchTemplate") or {}).get("overrides")):
            if override.get("instanceType"):
                yield "ec2", str(override["instanceType"])


def _allowed_sizes(subject: Subject, context: Context) -> Iterable[str]:
    configured = context.policy_config.get("allowedInstanceTypes") or {}
    for catalogue, size in _sizes_of(subject):
        patterns = (configured.get(catalogue) or ALLOWED_INSTANCE_TYPES[catalogue]).get(context.environment) or []
        if not any(fnmatch(size, pattern) for pattern in patterns):
            yield f"{size} is not allowed in {context.environment}; allowed: {', '.join(patterns)}"


def _nat_count(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    """The limit holds per region: a warm standby's DR network has NAT gateways of its own."""
    limit = int(context.setting("maxNatGateways", MAX_NAT_GATEWAYS))
    region_of = {s.urn: str(s.get("region") or s.provider_props.get("region") or "") for s in subjects}
    counts: dict[str, int] = {}
    for s in subjects:
        if s.type == t.NAT_GATEWAY:
            counts[region_of[s.urn]] = counts.get(region_of[s.urn], 0) + 1
    derived = unreported_children((s.urn, s.type, s.name, s.props, s.parent) for s in subjects)
    for parent, children in derived.items():
        nats = sum(1 for c in children if c.type == t.NAT_GATEWAY)
        if nats:
            counts[region_of.get(parent, "")] = counts.get(region_of.get(parent, ""), 0) + nats
    for region, count in sorted(counts.items()):
        if count > limit:
            where = f" in {region}" if region else ""
            yield "", f"the stack declares {count} NAT gateways{where}; {context.environment} allows {limit} per region"


def _budget(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    try:
        usage = stack_assumptions(
            context.environment,
            json_list(context.stack_config.get("finplatform:usage")),
            decoded(context.stack_config.get(RESOURCE_USAGE_KEY) or "{}"),
        )
    except UsageError as error:
        yield "", f"finplatform:usage[{error.position}]: {error}"
        return
    except ResourceUsageError as error:
        yield "", f"{RESOURCE_USAGE_KEY}{'.' + error.key if error.key else ''}: {error}"
        return
    resources = priced(subjects)
    expected = estimate(resources, usage)
    # The plan refuses these with exit 2; a CLI preview reports them here rather than pricing without them.
    for key, message in unmatched_resource_usage(usage.per_resource, usage_reads(expected)):
        yield (
            "",
            f"{key}: {message}; the {context.environment} budget check cannot use an entry that matches nothing",
        )
    total = expected.monthly_usd
    yield from _ceiling_limit(resources, usage, expected, context)
    try:
        budget, source = stack_budget(context)
    except (TypeError, ValueError):
        budget, source = math.nan, "a budget that is not a number"
    # NaN compares false with everything: a NaN budget or total must fail the check, never pass it.
    if not (math.isfinite(total) and math.isfinite(budget) and budget > 0):
        yield (
            "",
            (
                f"cannot check the budget: the cost model's total (${total}) and the budget ({budget}, {source}) must "
                "be finite numbers, the budget above 0"
            ),
        )
        return
    if total > budget:
        yield (
            "",
            (
                f"the cost model puts the stack at ${total:,.2f}/month, over the {context.environment} budget "
                f"of ${budget:,.2f} ({source}); shrink sizes or counts, or raise the budget"
            ),
        )


def _ceiling_limit(
    resources: Sequence[PricedResource], usage: Assumptions, expected: Estimate, context: Context
) -> Iterable[tuple[str, str]]:
    """The optional second limit: the cost at every autoscaling maximum, when the pack config sets one."""
    configured = context.policy_config.get("monthlyCeilingUsd")
    if not (isinstance(configured, Mapping) and context.environment in configured):
        return
    limit = float(configured[context.environment])
    top = ceiling(resources, usage, expected).ceiling_usd
    if not (math.isfinite(limit) and math.isfinite(top)) or top > limit:
        yield (
            "",
            f"at every autoscaling maximum the cost model puts the stack at ${top:,.2f}/month, over the "
            f"{context.environment} ceiling of ${limit:,.2f} (monthlyCeilingUsd in pack config); lower the maximums",
        )


def stack_budget(context: Context) -> tuple[float, str]:
    """The stack's monthly budget and where it comes from: the pack config an organisation sets wins, then the
    stack's own finplatform:monthlyBudgetUsd, then the environment's default."""
    configured = context.policy_config.get("monthlyBudgetUsd")
    if isinstance(configured, Mapping) and context.environment in configured:
        return float(configured[context.environment]), "monthlyBudgetUsd in pack config"
    own = context.stack_config.get(STACK_BUDGET_KEY)
    if own:
        return float(own), STACK_BUDGET_KEY
    return MONTHLY_BUDGET_USD[context.environment], f"the default for {context.environment}"


def json_list(value: Any) -> list[str]:
    decoded_value = decoded(value) if value else []
    return [str(v) for v in as_list(decoded_value)]


def _tags(subject: Subject, context: Context) -> Iterable[str]:
    if not subject.type.startswith("aws:") or subject.type in t.NOT_TAGGABLE:
        return
    tags = effective_tags(subject)
    missing = [key for key in STANDARD_TAGS if not tags.get(key)]
    if missing:
        yield f"missing standard tags {', '.join(missing)}; set them through the provider's defaultTags"
    elif tags["environment"] != context.environment:
        yield f"environment tag is {tags['environment']!r} but the stack is {context.environment}"


NAME = "finplatform-cost-guardrails"
DESCRIPTION = (
    "Sizes, NAT gateways and the monthly bill stay within each environment's limits; resources carry cost tags."
)
RULES: list[Rule] = [
    Rule(
        "instance-types-allowed",
        "EC2, RDS, ElastiCache and EKS node sizes are on the environment's allow-list.",
        "medium",
        (),
        check=_allowed_sizes,
        types=(
            t.EC2_INSTANCE,
            t.LAUNCH_TEMPLATE,
            t.RDS_INSTANCE,
            t.CACHE_REPLICATION_GROUP,
            t.CACHE_CLUSTER,
            t.EKS_NODE_GROUP,
            t.EKS_COMPONENT,
            t.EKS_MANAGED_NODE_GROUP,
            t.AUTOSCALING_GROUP,
        ),
        config_schema={
            "allowedInstanceTypes": {
                "type": "object",
                "description": "Per catalogue (ec2, rds, "
                "elasticache), per environment: fnmatch patterns of allowed sizes.",
            }
        },
    ),
    Rule(
        "vpc-nat-gateway-limit",
        "The stack stays within the environment's NAT gateway count.",
        "low",
        (),
        stack_check=_nat_count,
        config_schema={"maxNatGateways": {**PER_ENVIRONMENT, "default": MAX_NAT_GATEWAYS}},
    ),
    Rule(
        "stack-monthly-budget",
        "The cost model's monthly total, at the stack's usage assumptions (finplatform:usage and "
        "finplatform:resourceUsage), stays within the environment's budget; a resourceUsage entry that matches "
        "no usage-priced resource is reported.",
        "medium",
        (),
        stack_check=_budget,
        # No schema default: the CLI fills schema defaults into the pack config, where they would always
        # outrank a stack's own finplatform:monthlyBudgetUsd. The environment defaults apply in stack_budget.
        config_schema={
            "monthlyBudgetUsd": {
                **PER_ENVIRONMENT,
                "description": "per environment (dev, staging, prod); over a stack's own finplatform:monthlyBudgetUsd; "
                f"unset: the stack's, else {MONTHLY_BUDGET_USD}",
            },
            "monthlyCeilingUsd": {
                **PER_ENVIRONMENT,
                "description": "per environment (dev, staging, prod); optional: the most the stack may cost with "
                "every ECS service, Auto Scaling group and EKS node group at its maximum (and functions at their "
                "reserved concurrency); unset: not checked",
            },
        },
    ),
    Rule("tags-standard", "Every taggable resource carries the stack's standard tags.", "low", (), check=_tags),
]
