"""The bill's ceiling (issue 14): the cost with every fleet at its autoscaling maximum, beside the expected cost,
and the optional second limit the cost pack checks it against."""

from collections.abc import Callable
from typing import Any

from finplatform.tooling.cost.ceiling import ceiling
from finplatform.tooling.cost.model import PricedResource, estimate
from finplatform.tooling.plan import Plan, priced
from finplatform.usage import parse_usage
from policies.common.framework import Context
from policies.cost_guardrails.rules import _ceiling_limit

USAGE = parse_usage("prod", [])


def res(type_: str, logical: str, **props: Any) -> PricedResource:
    return PricedResource(f"urn:pulumi:prod::finplatform::{type_}::{logical}", type_, logical, props, "us-east-1")


FLEETS = [
    res("aws:ecs/taskDefinition:TaskDefinition", "api-task", arn="task-arn", cpu="1024", memory="2048"),
    res("aws:ecs/service:Service", "api-service", name="api", desiredCount=2, taskDefinition="task-arn"),
    res(
        "aws:appautoscaling/target:Target",
        "api-scaling",
        serviceNamespace="ecs",
        resourceId="service/cluster/api",
        minCapacity=2,
        maxCapacity=10,
    ),
    res("aws:autoscaling/group:Group", "workers", instanceType="t3.small", desiredCapacity=2, maxSize=6),
    res(
        "aws:eks/nodeGroup:NodeGroup",
        "nodes",
        instanceTypes=["t3.medium"],
        scalingConfig={"desiredSize": 2, "minSize": 2, "maxSize": 5},
    ),
]


def test_every_fleet_is_priced_at_its_maximum_with_the_expected_estimates_own_prices() -> None:
    # GIVEN an ECS service (2 of at most 10 tasks), an Auto Scaling group (2 of 6) and a node group (2 of 5)
    expected = estimate(FLEETS, USAGE)
    # WHEN the ceiling is worked out
    top = ceiling(FLEETS, USAGE, expected)
    # THEN each fleet is raised to its maximum, and the cost rises by exactly the extra units at the same prices
    assert {(r.name, r.expected, r.maximum) for r in top.raised} == {
        ("api-service", 2, 10),
        ("workers", 2, 6),
        ("nodes", 2, 5),
    }
    lines = {item.urn.rsplit("::", 1)[-1]: item.monthly_usd for item in expected.items}
    extra = lines["api-service"] * 4 + lines["workers"] * 2 + lines["nodes"] * 1.5
    assert top.expected_usd == expected.monthly_usd
    assert abs(top.ceiling_usd - (expected.monthly_usd + extra)) < 0.05
    assert "api-service 2 -> 10 ECS tasks" in top.describe()


def test_reserved_concurrency_bounds_a_functions_spend() -> None:
    # GIVEN a function whose reserved concurrency caps it at 10 executions of 512 MB
    function = res("aws:lambda/function:Function", "fn", memorySize=512, reservedConcurrentExecutions=10)
    expected = estimate([function], USAGE)
    # WHEN the ceiling is worked out THEN the function is at its bound: every reserved execution busy all month
    top = ceiling([function], USAGE, expected)
    ((_urn, name, usd, how),) = top.functions
    assert name == "fn" and "10 reserved x 0.5 GB" in how
    assert top.ceiling_usd >= expected.monthly_usd - expected.items[0].monthly_usd + usd - 0.01


def test_seed_002s_cap_is_the_accunode_ceiling(planned: Callable[[str], Plan]) -> None:
    # GIVEN accunode prod, whose seed states "Maximum 4 API + 6 worker instances"
    resources = priced(planned("accunode-prod").engine_view())
    # WHEN its ceiling is worked out THEN the API servers reach 4 instances and the workers 6
    top = ceiling(resources, USAGE, estimate(resources, USAGE))
    maximums = {r.name: r.maximum for r in top.raised}
    assert maximums["instances-api-server-group"] == 4 and maximums["instances-celery-worker-group"] == 6
    assert top.ceiling_usd > top.expected_usd


def _context(limit: float | None) -> Context:
    config = {"monthlyCeilingUsd": {"prod": limit}} if limit is not None else {}
    return Context("prod", "prod", {}, config)


def test_the_cost_pack_checks_the_ceiling_only_against_a_configured_limit() -> None:
    # GIVEN the fleets, and their ceiling
    expected = estimate(FLEETS, USAGE)
    top = ceiling(FLEETS, USAGE, expected).ceiling_usd
    # WHEN no limit is configured THEN nothing is reported; a limit above the ceiling passes; one below fails
    assert list(_ceiling_limit(FLEETS, USAGE, expected, _context(None))) == []
    assert list(_ceiling_limit(FLEETS, USAGE, expected, _context(top + 1))) == []
    ((urn, message),) = _ceiling_limit(FLEETS, USAGE, expected, _context(top - 1))
    assert urn == "" and f"${top:,.2f}/month" in message and "monthlyCeilingUsd" in message


def test_every_usage_assumption_says_why_it_is_what_it_is() -> None:
    # GIVEN the usage assumptions WHEN the cost doc lists them THEN each has a one-line rationale
    from dataclasses import fields

    from finplatform.usage import RATIONALES, Usage

    names = [f.name for f in fields(Usage)]
    assert names
    assert [n for n in names if not RATIONALES.get(n, "").strip()] == []
