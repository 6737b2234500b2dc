"""How a stack's services take a release: the physical names a pipeline in another stack addresses them by, the
alarms that roll a release back, and which ECS services deploy blue/green.

Everything here is decided from the resolved stack before anything is declared, so the compute layer, the edge
layer and the pipeline (which deploys the staging stack from the prod stack) agree on the same names.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

import pulumi

from finplatform import PROJECT
from finplatform.alerting import alarm_catalogue, alarm_name
from finplatform.blueprints import Blueprint, Service
from finplatform.stack import ResolvedStack

MAX_PATHS_PER_RULE = 5  # ALB: condition values per rule
# The service's alarms that say a release is broken. CPU and memory are left out: scaling answers them, and a
# busy hour during a deploy is not a defect of the release.
ROLLBACK_SIGNALS = ("5xx-rate", "response-time", "unhealthy-hosts", "logged-errors")
INSTANCE_WARMUP_SECONDS = 120  # matches the groups' health-check grace period


def deploys_by_pipeline(blueprint: Blueprint) -> bool:
    """Whether a CodePipeline in the blueprint's prod stack deploys its services."""
    return blueprint.delivery.pipeline == "codepipeline"


def cluster_name(prefix: str) -> str:
    """The ECS cluster of a stack whose services a pipeline deploys: finplatform-<stack>-cluster."""
    return f"{prefix}-cluster"


def task_family(prefix: str, service: str) -> str:
    """A service's task-definition family, unique per stack so two stacks in one account never share one."""
    return f"{prefix}-{service}"


def group_name(prefix: str, service: str) -> str:
    """An EC2 service's Auto Scaling group."""
    return f"{prefix}-{service}"


def release_parameter(stack: str, service: str) -> str:
    """The SSM parameter holding the image reference (':<tag>' or '@sha256:...') an EC2 service's instances
    run; the pipeline writes it, instances read it at boot."""
    return f"/{PROJECT}/{stack}/release/{service}"


def repository_path(prefix: str, repository: str) -> str:
    """An ECR repository's name, as the registry names it: finplatform-<stack>/<image>."""
    return f"{prefix}/{repository}"


def staging_stack(stack: ResolvedStack) -> str:
    """The stack the prod stack's pipeline deploys to first: ``delivery.stagingStack``, else the prod stack's
    name with its ``prod`` part replaced by ``staging`` (prod -> staging, smart-0dte-prod -> smart-0dte-staging)."""
    configured = stack.blueprint.delivery.staging_stack
    if configured:
        return configured
    parts = stack.stack.split("-")
    if "prod" not in parts:
        raise ValueError(
            f"stack {stack.stack!r}: cannot derive the staging stack's name (no 'prod' in it); "
            "set delivery.stagingStack through finplatform:overrides"
        )
    index = len(parts) - 1 - parts[::-1].index("prod")
    return "-".join([*parts[:index], "staging", *parts[index + 1 :]])


def shifted_paths(service: Service, *, health_path: bool = False) -> list[str]:
    """The paths of a blue/green service's one listener rule: its routes, its WebSocket paths and, with
    ``health_path`` (the service the listener's default action used to forward to) unless a route already
    matches it, its health path: a DNS health check probes it through the load balancer, and the default action,
    which ECS does not shift, no longer forwards to the service."""
    paths = [*service.path_patterns, *service.websocket_paths]
    if health_path and not any(fnmatchcase(service.health_check_path, pattern) for pattern in paths):
        paths.append(service.health_check_path)
    return paths


def fits_one_rule(service: Service) -> bool:
    """Whether all of a service's paths fit one listener rule, the only one ECS blue/green shifts."""
    return len(shifted_paths(service, health_path=True)) <= MAX_PATHS_PER_RULE


def blue_green_services(blueprint: Blueprint) -> list[str]:
    """ECS services that deploy blue/green: those a pipeline deploys that the load balancer routes with one rule.
    The edge layer gives them an alternate target group once HTTPS is configured; until then, and for a service
    whose paths need more than one rule, ECS rolls with the circuit breaker instead."""
    if not deploys_by_pipeline(blueprint):
        return []
    return [s.name for s in blueprint.services if s.target == "ecs-fargate" and s.public and fits_one_rule(s)]


def stack_prefix(stack: str) -> str:
    """The physical-name prefix of a stack of this project, as ResolvedStack.prefix gives it."""
    return f"{PROJECT}-{stack}"


def rollback_alarms(stack: ResolvedStack, prefix: str = "") -> dict[str, list[str]]:
    """Per service, the physical names of the catalogue's alarms that roll a release back (its 5xx rate,
    response time, unhealthy hosts and logged errors, those it has); empty unless a pipeline deploys it.
    ``prefix`` names them for another stack of the same blueprint (the staging stack the pipeline deploys)."""
    if not deploys_by_pipeline(stack.blueprint):
        return {}
    wanted = {f"{s.name}-{signal}": s.name for s in stack.blueprint.services for signal in ROLLBACK_SIGNALS}
    alarms: dict[str, list[str]] = {}
    for spec in alarm_catalogue(stack):
        if spec.key in wanted and not spec.region and wanted[spec.key] == spec.subject:
            alarms.setdefault(spec.subject, []).append(alarm_name(prefix or stack.prefix, spec))
    return alarms


@dataclass(frozen=True)
class BlueGreenRoute:
    """What ECS needs to shift a service's traffic: both target groups and the rule that weighs them."""

    target_group_arn: pulumi.Output[str]
    """The primary (blue) target group the service starts in."""
    alternate_target_group_arn: pulumi.Output[str]
    """The alternate (green) target group a new release starts in."""
    listener_rule_arn: pulumi.Output[str]
    """The production listener rule whose forward weights ECS shifts."""


@dataclass(frozen=True)
class Deployment:
    """How a stack's services take releases; the default is Pulumi alone (auto-named resources, no pipeline)."""

    prefix: str = ""
    """Physical-name prefix (finplatform-<stack>) when a pipeline deploys the services; empty: auto-named."""
    stack: str = ""
    """The stack's name, for the EC2 services' release parameters."""
    rollback_alarms: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Per service, the alarms that roll a release back (ECS) or stop an instance refresh (EC2)."""
    blue_green: Mapping[str, BlueGreenRoute] = field(default_factory=dict)
    """Routes of the ECS services that deploy blue/green; the others roll with the circuit breaker."""
    bake_time_minutes: int = 10
    """Minutes a blue/green release runs under its alarms before the old tasks stop."""
    min_healthy_percent: int = 90
    """Capacity an EC2 instance refresh keeps in service."""

    @property
    def by_pipeline(self) -> bool:
        """A pipeline registers the running task definitions and picks the EC2 services' images."""
        return bool(self.prefix)


def stack_deployment(stack: ResolvedStack, blue_green: Mapping[str, BlueGreenRoute]) -> Deployment:
    """The stack's deployment settings, from its blueprint's ``delivery`` section."""
    delivery = stack.blueprint.delivery
    pipeline = deploys_by_pipeline(stack.blueprint)
    return Deployment(
        prefix=stack.prefix if pipeline else "",
        stack=stack.stack if pipeline else "",
        rollback_alarms=rollback_alarms(stack),
        blue_green=dict(blue_green) if pipeline else {},
        bake_time_minutes=delivery.bake_time_minutes,
        min_healthy_percent=delivery.min_healthy_percent,
    )
