"""The observability layer: alert topics per severity, the alarm catalogue, the dashboard, cost alerts,
security-event routing and tracing. It runs last, once every layer has declared what it watches."""

from collections.abc import Mapping

import pulumi

from components.build.data import (
    POSTGRES_DR_INSTANCE,
    POSTGRES_DR_PARAMETER_GROUP,
    POSTGRES_INSTANCE,
    POSTGRES_PARAMETER_GROUP,
)
from components.context import Monitored, StackContext
from components.keys_and_secrets import Keys, KeysArgs
from components.observability.alarms import Alarms, AlarmsArgs, ErrorFilter
from components.observability.cost_alerts import CostAlerts, CostAlertsArgs
from components.observability.dashboard import Dashboard, DashboardArgs
from components.observability.database_events import DatabaseEvents, DatabaseEventsArgs
from components.observability.security_events import SecurityEvents, SecurityEventsArgs, security_rules
from components.observability.topics import AlertTopics, AlertTopicsArgs, SlackChannel
from components.observability.tracing import Tracing, TracingArgs
from components.providers import (
    EDGE_REGION,
    EdgePlacement,
    Placement,
    RegionalProviders,
    edge_provider,
    regional_provider,
)
from finplatform.alerting import (
    ERROR_PATTERN,
    KUBERNETES_NAMESPACE,
    AlarmSpec,
    Severity,
    alarm_catalogue,
    by_region,
    daily_cost_increase_percent,
    has_cdn,
    log_metric_namespace,
    logged_errors_metric,
)
from finplatform.blueprints import Service

# Traced share of requests beyond the first each second: all of them where traffic is light, a sample in prod.
SAMPLED_FRACTION = {"dev": 1.0, "staging": 0.2, "prod": 0.05}


def edge_placement(ctx: StackContext, providers: RegionalProviders) -> EdgePlacement | None:
    """us-east-1 for the CDN's web ACL, its logs and its alarms, when the stack has a CDN: the primary region
    and keys when the stack is there, else a provider and keys of its own."""
    if not has_cdn(ctx.stack):
        return None
    if ctx.stack.region == EDGE_REGION:
        return EdgePlacement(ctx.primary, ctx.keys("logs"), ctx.keys("alerts"))
    provider = edge_provider(ctx.stack, providers)
    keys = Keys(
        "edge-keys",
        KeysArgs(
            domains=("logs", "alerts"),
            account_id=ctx.primary.account_id,
            region=EDGE_REGION,
            alias_prefix=f"{ctx.prefix}-edge",
            deletion_window_days=ctx.profile.key_deletion_window_days,
            protect=ctx.profile.protect_stateful_resources,
        ),
        opts=pulumi.ResourceOptions(provider=provider),
    )
    return EdgePlacement(Placement(provider, EDGE_REGION, ctx.primary.account_id), keys.arn("logs"), keys.arn("alerts"))


def error_filter(stack: str, service: Service, log_group: pulumi.Input[str]) -> ErrorFilter:
    """Count a service's error lines: plain-text matches in its own group, or, for a pod, JSON matches on its
    container in the cluster's application group."""
    pattern = ERROR_PATTERN
    if service.target == "eks":
        pattern = (
            f'{{ $.kubernetes.container_name = "{service.name}" && $.kubernetes.namespace_name = '
            f'"{KUBERNETES_NAMESPACE}" && ($.log = "*ERROR*" || $.log = "*Exception*" || $.log = "*FATAL*") }}'
        )
    return ErrorFilter(
        service.name, log_group, log_metric_namespace(stack), logged_errors_metric(service.name), pattern
    )


RDS_EVENTS = "events.rds.amazonaws.com"


def database_event_sources(
    handles: Mapping[str, pulumi.Input[str]], *, primary: bool, dr: bool
) -> tuple[list[pulumi.Input[str]], list[pulumi.Input[str]]]:
    """The DB instances and parameter groups a region's RDS event subscriptions name: the primary's and its
    replicas' in the primary region, the DR instance's in the DR region, none elsewhere (the CDN's region)."""
    if primary:
        instances = [v for k, v in handles.items() if k.startswith(f"{POSTGRES_INSTANCE}:")]
        groups = [handles[POSTGRES_PARAMETER_GROUP]] if POSTGRES_PARAMETER_GROUP in handles else []
    elif dr:
        instances = [handles[POSTGRES_DR_INSTANCE]] if POSTGRES_DR_INSTANCE in handles else []
        groups = [handles[POSTGRES_DR_PARAMETER_GROUP]] if POSTGRES_DR_PARAMETER_GROUP in handles else []
    else:
        instances, groups = [], []
    return instances, groups


def publishers(
    alarms: list[AlarmSpec], *, primary: bool, security: bool, database_events: bool = False
) -> dict[Severity, list[str]]:
    """The AWS services that publish to each topic: alarms where alarms of that severity exist; RDS where the
    region has RDS event subscriptions (both); in the primary region also budgets (both), anomaly detection
    (warning) and EventBridge (critical, with security rules)."""
    wanted: dict[Severity, list[str]] = {"critical": [], "warning": []}
    for severity, services in wanted.items():
        if any(a.severity == severity for a in alarms):
            services.append("cloudwatch.amazonaws.com")
        if database_events:
            services.append(RDS_EVENTS)
    if primary:
        wanted["critical"] += ["budgets.amazonaws.com"] + (["events.amazonaws.com"] if security else [])
        wanted["warning"] += ["budgets.amazonaws.com", "costalerts.amazonaws.com"]
    return wanted


def observability_layer(
    ctx: StackContext, monitored: Monitored, at_edge: EdgePlacement | None, providers: RegionalProviders
) -> dict[Severity, pulumi.Output[str]]:
    """Declare the layer; returns the primary region's topic ARNs by severity."""
    stack, config, profile = ctx.stack, ctx.stack.config, ctx.stack.profile
    catalogue = alarm_catalogue(stack)
    security = SecurityEventsArgs(
        prefix=ctx.prefix,
        critical_topic_arn="",
        guardduty=config.enable_guardduty,
        securityhub=config.enable_securityhub,
        cloudtrail=config.enable_cloudtrail,
    )
    places: dict[str, tuple[Placement, pulumi.Input[str]]] = {stack.region: (ctx.primary, ctx.keys("alerts"))}
    dr_key = ctx.keys.dr_arn("alerts")
    if ctx.dr is not None and dr_key is not None:
        places[ctx.dr.region] = (ctx.dr, dr_key)
    if at_edge is not None:
        places.setdefault(EDGE_REGION, (at_edge.placement, at_edge.alerts_key_arn))
    slack = None
    if config.slack_workspace_id:
        chat = {stack.region: ctx.primary.provider, **({ctx.dr.region: ctx.dr.provider} if ctx.dr else {})}
        provider = chat.get(config.chatbot_region) or regional_provider(
            "aws-chatbot", config.chatbot_region, stack.tags
        )
        slack = SlackChannel(config.slack_workspace_id, config.slack_channel_id, provider)
    regional = dict(by_region(catalogue, stack.region))
    topics: dict[Severity, pulumi.Output[str]] = {}
    for region in [stack.region, *(r for r in regional if r != stack.region)]:
        placement, key = places[region]
        primary = region == stack.region
        alarms = regional.get(region, [])
        suffix = "" if primary else f"-{region}"
        prefix = ctx.prefix if primary else f"{ctx.prefix}-{region}"
        in_dr = ctx.dr is not None and region == ctx.dr.region
        instances, parameter_groups = database_event_sources(monitored.handles, primary=primary, dr=in_dr)
        arns = AlertTopics(
            f"alerts{suffix}",
            AlertTopicsArgs(
                key_arn=key,
                prefix=prefix,
                placement=placement,
                publishers=publishers(
                    alarms, primary=primary, security=bool(security_rules(security)), database_events=bool(instances)
                ),
                emails=config.alert_emails,
                sms_numbers=config.alert_sms_numbers,
                slack=slack if primary else None,
            ),
            opts=pulumi.ResourceOptions(provider=placement.provider),
        ).arns
        topics = topics or arns
        if instances:
            DatabaseEvents(
                f"database-events{suffix}",
                DatabaseEventsArgs(
                    prefix=prefix, topic_arns=arns, instance_ids=instances, parameter_group_names=parameter_groups
                ),
                opts=pulumi.ResourceOptions(provider=placement.provider),
            )
        filters = [
            error_filter(stack.stack, s, monitored.log_groups[s.name])
            for s in stack.blueprint.services
            if primary and s.name in monitored.log_groups
        ]
        Alarms(
            f"alarms{suffix}",
            AlarmsArgs(
                alarms=alarms,
                topic_arns=arns,
                handles=monitored.handles,
                prefix=prefix,
                stack=stack.stack,
                error_filters=filters,
            ),
            opts=pulumi.ResourceOptions(provider=placement.provider),
        )
    Dashboard(
        "dashboard",
        DashboardArgs(
            alarms=catalogue,
            handles=monitored.handles,
            name=ctx.prefix,
            region=stack.region,
            stack=stack.stack,
            budget_usd=profile.monthly_budget_usd,
        ),
        opts=ctx.in_primary,
    )
    CostAlerts(
        "cost-alerts",
        CostAlertsArgs(
            stack=stack.stack,
            prefix=ctx.prefix,
            budget_usd=profile.monthly_budget_usd,
            increase_percent=daily_cost_increase_percent(stack.blueprint),
            warning_topic_arn=topics["warning"],
            critical_topic_arn=topics["critical"],
        ),
        opts=ctx.in_primary,
    )
    SecurityEvents(
        "security-events",
        SecurityEventsArgs(
            prefix=ctx.prefix,
            critical_topic_arn=topics["critical"],
            guardduty=security.guardduty,
            securityhub=security.securityhub,
            cloudtrail=security.cloudtrail,
        ),
        opts=ctx.in_primary,
    )
    if profile.tracing:
        traced = [s.name for s in stack.blueprint.services] + [f.name for f in stack.blueprint.functions]
        Tracing(
            "tracing",
            TracingArgs(
                stack=stack.stack,
                services=traced,
                sampled_fraction=SAMPLED_FRACTION[stack.environment],
                reservoir_per_second=0 if stack.environment == "prod" else 1,
            ),
            opts=ctx.in_primary,
        )
    return topics
