"""The bill's ceiling: what the stack costs with every autoscaling group at its maximum.

The expected cost prices each scalable fleet at its desired count. The ceiling prices the same resources with
their counts raised to what the stack lets them reach: ECS services to their scalable target's maximum, Auto
Scaling groups to ``maxSize``, EKS node groups to ``scalingConfig.maxSize``, and functions with reserved
concurrency as if every reserved execution ran the whole month (the bound that concurrency puts on spend).
Usage-driven charges keep their usage assumptions: the ceiling bounds the fleet, not the traffic. The pricers
are the expected estimate's own, so the two figures cannot disagree on prices.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from finplatform.tooling.cost.model import Estimate, PricedResource, estimate, price_table, with_remote_children
from finplatform.usage import Assumptions, Usage

ECS_SERVICE = "aws:ecs/service:Service"
SCALING_TARGET = "aws:appautoscaling/target:Target"
ASG = "aws:autoscaling/group:Group"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
FUNCTION = "aws:lambda/function:Function"
SECONDS_A_MONTH = 730 * 3600


@dataclass(frozen=True)
class Raised:
    """A fleet the ceiling raises: from what the expected estimate counts to its maximum."""

    urn: str
    name: str
    what: str
    expected: float
    maximum: float


def _number(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _service_maximums(resources: Sequence[PricedResource]) -> dict[str, float]:
    """Each ECS service's name to its scalable target's maximum (``service/<cluster>/<service>``)."""
    maximums = {}
    for target in resources:
        if target.type == SCALING_TARGET and target.properties.get("serviceNamespace") == "ecs":
            resource_id = str(target.properties.get("resourceId") or "")
            maximums[resource_id.rsplit("/", 1)[-1]] = _number(target.properties.get("maxCapacity"))
    return maximums


def at_maximum(resources: Iterable[PricedResource]) -> tuple[list[PricedResource], list[Raised]]:
    """The resources as they would be with every fleet at its maximum, and what was raised."""
    everything = with_remote_children(list(resources))
    services = _service_maximums(everything)
    raised: list[Raised] = []
    out: list[PricedResource] = []
    for r in everything:
        props: Mapping[str, Any] = r.properties
        new: dict[str, Any] | None = None
        if r.type == ECS_SERVICE and str(props.get("name") or "") in services:
            expected, maximum = _number(props.get("desiredCount"), 1), services[str(props.get("name"))]
            if maximum > expected:
                new = {**props, "desiredCount": maximum}
                raised.append(Raised(r.urn, r.name, "ECS tasks", expected, maximum))
        elif r.type == ASG:
            expected = _number(props.get("desiredCapacity"), _number(props.get("minSize"), 1))
            maximum = _number(props.get("maxSize"), expected)
            if maximum > expected:
                new = {**props, "desiredCapacity": maximum}
                raised.append(Raised(r.urn, r.name, "instances", expected, maximum))
        elif r.type == EKS_NODE_GROUP:
            scaling = props.get("scalingConfig") or {}
            expected = _number(scaling.get("desiredSize"), 1)
            maximum = _number(scaling.get("maxSize"), expected)
            if maximum > expected:
                new = {**props, "scalingConfig": {**scaling, "desiredSize": maximum}}
                raised.append(Raised(r.urn, r.name, "nodes", expected, maximum))
        out.append(replace(r, properties=new) if new is not None else r)
    return out, raised


def _reserved_concurrency_usd(resources: Sequence[PricedResource]) -> list[tuple[PricedResource, float, str]]:
    """What each function with reserved concurrency costs at most: every reserved execution busy all month."""
    regions = price_table()["regions"]
    bounded = []
    for r in resources:
        reserved = _number(r.properties.get("reservedConcurrentExecutions"), -1)
        if r.type != FUNCTION or reserved <= 0:
            continue
        memory_gb = _number(r.properties.get("memorySize"), 128) / 1024
        unit = (regions.get(r.region) or regions["us-east-1"])["unit"]
        usd = reserved * SECONDS_A_MONTH * memory_gb * float(unit["lambdaGbSecond"])
        bounded.append((r, usd, f"{reserved:g} reserved x {memory_gb:g} GB x {SECONDS_A_MONTH:,} s"))
    return bounded


@dataclass(frozen=True)
class Ceiling:
    """The stack's cost at every maximum, beside the expected cost."""

    expected_usd: float
    ceiling_usd: float
    raised: tuple[Raised, ...]
    functions: tuple[tuple[str, str, float, str], ...]
    """(urn, name, the function's bound in USD, how) for functions whose reserved concurrency bounds spend."""

    def to_json(self) -> dict[str, Any]:
        return {
            "monthly_usd": self.ceiling_usd,
            "expected_monthly_usd": self.expected_usd,
            "raised": [
                {"urn": r.urn, "what": r.what, "expected": r.expected, "maximum": r.maximum} for r in self.raised
            ],
            "functions": [{"urn": urn, "monthly_usd": usd, "basis": how} for urn, _n, usd, how in self.functions],
        }

    def describe(self) -> str:
        fleets = ", ".join(f"{r.name} {r.expected:g} -> {r.maximum:g} {r.what}" for r in self.raised) or "none"
        return (
            f"Ceiling at every autoscaling maximum: ${self.ceiling_usd:,.2f}/month "
            f"(expected ${self.expected_usd:,.2f}; fleets raised: {fleets}"
            + (f"; {len(self.functions)} function(s) bounded by reserved concurrency" if self.functions else "")
            + ")"
        )


def ceiling(resources: Iterable[PricedResource], usage: Usage | Assumptions, expected: Estimate) -> Ceiling:
    """The cost with every fleet at its maximum; functions with reserved concurrency at their bound (replacing
    their usage-based line)."""
    raised_resources, raised = at_maximum(resources)
    at_max = estimate(raised_resources, usage)
    bounded = _reserved_concurrency_usd(raised_resources)
    usage_lines = {item.urn: item.monthly_usd for item in at_max.items}
    extra = sum(max(0.0, usd - usage_lines.get(r.urn, 0.0)) for r, usd, _ in bounded)
    return Ceiling(
        expected_usd=expected.monthly_usd,
        ceiling_usd=round(at_max.monthly_usd + extra, 2),
        raised=tuple(raised),
        functions=tuple((r.urn, r.name, round(usd, 2), how) for r, usd, how in bounded),
    )
