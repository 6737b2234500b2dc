"""The HTTPS listener's routes: the rules that carry each public service's paths, at the priorities they keep,
and the weighted forward a blue/green service's one rule has, which ECS shifts between its two target groups."""

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

import pulumi
import pulumi_aws as aws

from components.shared.deployment import MAX_PATHS_PER_RULE, shifted_paths
from finplatform.blueprints import Service


@dataclass(frozen=True)
class RouteRule:
    """One HTTPS listener rule: a service's paths (at most five, an ALB limit) at a priority."""

    name: str
    service: str
    paths: tuple[str, ...]
    priority: int


def listener_rules(services: Sequence[Service], single_rule: Sequence[str] = ()) -> list[RouteRule]:
    """A rule per service for its paths, then one for its WebSocket paths, in the order given (longest patterns
    first); an ALB rule takes at most five path values, so longer lists are split into several rules. A service
    in ``single_rule`` (blue/green: ECS shifts exactly one rule) has all its paths in its route rule, and the
    last one (the listener's default) its health path too, unless some rule already matches it."""
    rules: list[RouteRule] = []
    routed = [p for s in services for p in (*s.path_patterns, *s.websocket_paths)]
    for position, service in enumerate(services, start=1):
        default = position == len(services)
        uncovered = not any(fnmatchcase(service.health_check_path, pattern) for pattern in routed)
        kinds = (
            (("route", shifted_paths(service, health_path=default and uncovered)),)
            if service.name in single_rule
            else (("route", service.path_patterns), ("websocket", service.websocket_paths))
        )
        for kind, paths in kinds:
            chunks = [paths[i : i + MAX_PATHS_PER_RULE] for i in range(0, len(paths), MAX_PATHS_PER_RULE)]
            for part, chunk in enumerate(chunks):
                suffix = "" if part == 0 else f"-{part + 1}"
                # The first rule of each service keeps the priority it always had (10, 20 ...).
                priority = position * 10 + (0 if kind == "route" else 5) + part
                rules.append(RouteRule(f"{service.name}-{kind}{suffix}", service.name, tuple(chunk), priority))
    return rules


def rule_action(primary: pulumi.Input[str], alternate: pulumi.Input[str] | None) -> aws.lb.ListenerRuleActionArgs:
    """A rule's action: forward to the service's target group or, for a blue/green service, to both of its
    groups by weight, all traffic on the primary until ECS shifts it."""
    if alternate is None:
        return aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=primary)
    return aws.lb.ListenerRuleActionArgs(
        type="forward",
        forward=aws.lb.ListenerRuleActionForwardArgs(
            target_groups=[
                aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=primary, weight=100),
                aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=alternate, weight=0),
            ]
        ),
    )
