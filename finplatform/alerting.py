"""The alarm catalogue: which alarms a stack gets, at which thresholds, routed to which severity.

Everything here is worked out from the resolved stack alone, so the catalogue can be documented and tested
without declaring a resource. The observability layer turns each ``AlarmSpec`` into a CloudWatch alarm; a
``Handle`` in a dimension stands for the name or id of a resource that is only known once it is declared.

Thresholds are blueprint data (``alerts``): an entry for a service or store wins over one for the whole stack,
which wins over the seeds' defaults below.
"""

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from finplatform.blueprints import AlertThreshold, Blueprint, Service
from finplatform.stack import ResolvedStack

Severity = Literal["critical", "warning"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning")
# CloudWatch evaluates at most this many metrics in one metric-math alarm.
MAX_METRICS_PER_ALARM = 10
# CloudWatch alarm names are at most 255 characters.
MAX_ALARM_NAME = 255
# Published by the Celery workers from their queue (seed 002); the worker scaling policies read it too.
WORKER_METRIC = ("finplatform/Workers", "QueueBacklog")
# Container Insights puts a Kubernetes workload's pods under this namespace unless the manifests say otherwise.
KUBERNETES_NAMESPACE = "default"
# RDS for PostgreSQL: max_connections = LEAST(DBInstanceClassMemory / 9531392, 5000). DBInstanceClassMemory is
# the class's memory less what the OS and RDS keep; taking off at least 384 MiB (or a tenth) errs early.
POSTGRES_BYTES_PER_CONNECTION = 9531392
POSTGRES_MAX_CONNECTIONS = 5000
GIB = 1024**3


@dataclass(frozen=True)
class SeedDefault:
    """A threshold the seeds name (or the platform's own where no seed names one)."""

    threshold: float
    minutes: int
    severity: Severity
    seed: str
    """Where the figure comes from: seed numbers, or "platform" for the platform's own default."""


# The seeds' alert thresholds (002: "CPU > 80% for 5 minutes", "Response time > 500ms average", "Error rate > 5%",
# "Queue backlog > 100 tasks"; 003: CPU or memory > 80%, connections exhausted, API errors above 5%, pipeline
# failures); "platform" marks thresholds no seed states.
DEFAULTS: dict[str, SeedDefault] = {
    "cpu": SeedDefault(80, 5, "warning", "002, 003"),
    "memory": SeedDefault(80, 5, "warning", "003"),
    "errorRate": SeedDefault(5, 5, "critical", "002, 003"),
    "responseTimeMs": SeedDefault(500, 5, "warning", "002"),
    "queueBacklog": SeedDefault(100, 5, "warning", "002"),
    "databaseConnectionsPercent": SeedDefault(90, 5, "critical", "003"),
    "freeStoragePercent": SeedDefault(10, 15, "critical", "platform"),
    "replicaLagPercentOfRpo": SeedDefault(50, 5, "critical", "platform"),
    "evictions": SeedDefault(100, 5, "warning", "platform"),
    "unhealthyHosts": SeedDefault(1, 2, "critical", "platform"),
    "deadLetterMessages": SeedDefault(1, 1, "critical", "platform"),
    "throttles": SeedDefault(1, 5, "warning", "platform"),
    "loggedErrors": SeedDefault(10, 5, "warning", "platform"),
    "blockedRequestsBand": SeedDefault(3, 5, "warning", "platform"),
    "podRestarts": SeedDefault(3, 5, "warning", "platform"),
    # The Route 53 health check on the primary load balancer: 1 healthy, 0 failed (seed 004's health checks).
    "primaryUnhealthy": SeedDefault(1, 1, "critical", "004"),
}
ROUTE53_METRICS_REGION = "us-east-1"  # Route 53 publishes health-check metrics in us-east-1 only
# Alerts that are not CloudWatch alarms: cost anomalies go through Cost Anomaly Detection, security events
# through EventBridge rules; the observability layer builds both for every stack.
ROUTED_ELSEWHERE = {
    "dailyCostIncreasePercent": "a Cost Anomaly Detection subscription",
    "securityEvents": "EventBridge rules on GuardDuty, Security Hub and CloudTrail",
}
# The daily cost increase the anomaly subscription alerts on, when the blueprint names none (seed 002).
DEFAULT_DAILY_COST_INCREASE = 20.0
ERROR_PATTERN = "?ERROR ?Error ?Exception ?Traceback ?FATAL ?CRITICAL"


@dataclass(frozen=True)
class Handle:
    """The name or id of a declared resource (``ecs-cluster``, ``asg:web``, ``tg:web``): the observability layer
    looks it up among what the other layers declared."""

    key: str


Dimension = str | Handle


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric an alarm reads."""

    namespace: str
    name: str
    stat: str
    """Average, Sum, Maximum, Minimum, SampleCount or a percentile such as p95."""
    dimensions: tuple[tuple[str, Dimension], ...] = ()


@dataclass(frozen=True)
class AlarmSpec:
    """A CloudWatch alarm, described before anything is declared."""

    key: str
    """Unique within the stack; names the alarm resource."""
    layer: Literal["edge", "compute", "data", "functions"]
    subject: str
    """The service, store, queue or function it watches."""
    summary: str
    """What it says, e.g. "CPU above 80% for 5 minutes"."""
    look_first: str
    """Where an operator looks first when it fires."""
    metrics: tuple[Metric, ...]
    threshold: float
    severity: Severity
    seed: str
    minutes: int
    expression: str = ""
    """Metric math over m0..mN; empty for a plain alarm on the single metric."""
    comparison: str = "GreaterThanOrEqualToThreshold"
    anomaly_band: float | None = None
    """Standard deviations of an anomaly-detection band; the threshold is then the band's upper edge."""
    region: str = ""
    """Region the metric lives in; empty for the stack's primary region."""
    unit: str = ""
    period: int = 60

    @property
    def handles(self) -> list[str]:
        return [v.key for m in self.metrics for _, v in m.dimensions if isinstance(v, Handle)]

    @property
    def billed_metrics(self) -> int:
        """Metrics CloudWatch bills the alarm for: an anomaly band counts as three."""
        return len(self.metrics) * (3 if self.anomaly_band is not None else 1)


@dataclass(frozen=True)
class Threshold:
    """A threshold resolved for one subject."""

    threshold: float
    minutes: int
    severity: Severity
    seed: str
    statistic: str = ""


def resolve(blueprint: Blueprint, metric: str, subject: str = "stack") -> Threshold:
    """The blueprint's entry for ``metric`` on ``subject``, else its stack-wide entry, else the default."""
    entries = [a for a in blueprint.alerts if a.metric == metric and not a.namespace]
    chosen = next((a for a in entries if a.applies_to == subject), None) or next(
        (a for a in entries if a.applies_to == "stack"), None
    )
    if chosen is not None:
        return Threshold(chosen.threshold, chosen.minutes, chosen.severity, blueprint.seed, chosen.statistic)
    default = DEFAULTS[metric]
    return Threshold(default.threshold, default.minutes, default.severity, default.seed)


def daily_cost_increase_percent(blueprint: Blueprint) -> float:
    entry = next((a for a in blueprint.alerts if a.metric == "dailyCostIncreasePercent"), None)
    return entry.threshold if entry else DEFAULT_DAILY_COST_INCREASE


def rds_memory_gib(instance_class: str) -> float:
    """Memory of an RDS class from its name: burstable t classes by size, m classes 4 GiB and r classes 8 GiB
    per vCPU (large is 2 vCPUs, xlarge 4, Nxlarge 4N)."""
    _, family, size = instance_class.split(".")
    burstable = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
    if family.startswith("t"):
        return burstable[size]
    vcpus = 2 if size == "large" else 4 * int(size.removesuffix("xlarge") or 1)
    return vcpus * (8 if family.startswith(("r", "x")) else 4)


def postgres_max_connections(instance_class: str) -> int:
    """The connection ceiling RDS for PostgreSQL sets by default for ``instance_class`` (a slight underestimate)."""
    memory = rds_memory_gib(instance_class) * GIB
    usable = memory - max(384 * 1024**2, memory / 10)
    return min(int(usable // POSTGRES_BYTES_PER_CONNECTION), POSTGRES_MAX_CONNECTIONS)


def redis_node_suffixes(shards: int, replicas_per_shard: int, cluster_mode: bool) -> list[str]:
    """Suffixes ElastiCache gives a replication group's member clusters: -001.. without cluster mode,
    -0001-001.. (shard, node) with it."""
    nodes = replicas_per_shard + 1
    if not cluster_mode and shards == 1:
        return [f"{n:03d}" for n in range(1, nodes + 1)]
    return [f"{s:04d}-{n:03d}" for s in range(1, shards + 1) for n in range(1, nodes + 1)]


def chunks(items: Sequence[Metric], size: int = MAX_METRICS_PER_ALARM) -> list[tuple[Metric, ...]]:
    """Split metrics into groups one alarm can read."""
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


def _minutes(minutes: int) -> str:
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass
class _Catalogue:
    stack: ResolvedStack
    alarms: list[AlarmSpec] = field(default_factory=list)

    @property
    def blueprint(self) -> Blueprint:
        return self.stack.blueprint

    def add(
        self,
        key: str,
        metric: str,
        subject: str,
        layer: Literal["edge", "compute", "data", "functions"],
        metrics: Sequence[Metric],
        *,
        what: str,
        look_first: str,
        unit: str = "",
        expression: str = "",
        scale: float = 1.0,
        comparison: str = "GreaterThanThreshold",
        region: str = "",
    ) -> None:
        """One alarm at the resolved threshold for ``metric`` on ``subject`` (times ``scale``, e.g. ms to s)."""
        level = resolve(self.blueprint, metric, subject)
        threshold = level.threshold * scale
        sign = "below" if comparison.startswith("Less") else "above"
        shown = f"{level.threshold:g}{unit}"
        statistic = level.statistic
        if statistic and len(metrics) == 1:
            metrics = [Metric(metrics[0].namespace, metrics[0].name, statistic, metrics[0].dimensions)]
        if metric == "blockedRequestsBand":
            self.alarms.append(
                AlarmSpec(
                    key,
                    layer,
                    subject,
                    f"{what} outside its expected band ({level.threshold:g} standard deviations) for "
                    f"{_minutes(level.minutes)}",
                    look_first,
                    tuple(metrics),
                    level.threshold,
                    level.severity,
                    level.seed,
                    level.minutes,
                    comparison="GreaterThanUpperThreshold",
                    anomaly_band=level.threshold,
                    region=region,
                    unit=unit,
                )
            )
            return
        self.alarms.append(
            AlarmSpec(
                key,
                layer,
                subject,
                f"{what} {sign} {shown} for {_minutes(level.minutes)}",
                look_first,
                tuple(metrics),
                threshold,
                level.severity,
                level.seed,
                level.minutes,
                expression=expression,
                comparison=comparison,
                region=region,
                unit=unit,
            )
        )


def alarm_catalogue(stack: ResolvedStack) -> list[AlarmSpec]:
    """Every alarm the stack declares, in a stable order."""
    catalogue = _Catalogue(stack)
    _edge(catalogue)
    for service in stack.blueprint.services:
        _service(catalogue, service)
    _kubernetes(catalogue)
    _postgres(catalogue)
    _redis(catalogue)
    _time_series(catalogue)
    _functions(catalogue)
    _custom(catalogue)
    alarms = catalogue.alarms
    keys = [a.key for a in alarms]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"alarm keys repeat: {', '.join(duplicates)}")
    return alarms


def has_load_balancer(stack: ResolvedStack) -> bool:
    return any(s.public for s in stack.blueprint.services)


def has_cdn(stack: ResolvedStack) -> bool:
    config = stack.config
    return has_load_balancer(stack) and bool(config.domain_name and config.hosted_zone_id)


def _edge(c: _Catalogue) -> None:
    if not has_load_balancer(c.stack):
        return
    balancer = ("LoadBalancer", Handle("alb"))
    elb = "AWS/ApplicationELB"
    c.add(
        "alb-5xx-rate",
        "errorRate",
        "load balancer",
        "edge",
        [Metric(elb, "HTTPCode_ELB_5XX_Count", "Sum", (balancer,)), Metric(elb, "RequestCount", "Sum", (balancer,))],
        what="5xx responses the load balancer itself returns, as a share of requests,",
        look_first="the target groups' healthy host counts and the listener rules: the load balancer answers 5xx "
        "when no healthy target is left (502/503) or a target times out (504)",
        unit="%",
        expression="100 * FILL(m0, 0) / m1",
    )
    if c.stack.dns_failover:
        c.add(
            "primary-health-check",
            "primaryUnhealthy",
            "primary region",
            "edge",
            [Metric("AWS/Route53", "HealthCheckStatus", "Minimum", (("HealthCheckId", Handle("health-check")),))],
            what="the Route 53 health check on the primary load balancer's health path (1 healthy, 0 failing)",
            look_first="the health check's status by checker region; if the primary region is failing, the DR "
            "runbook (docs/disaster-recovery.md) - Route 53 already sends traffic to the standby",
            comparison="LessThanThreshold",
            region="" if c.stack.region == ROUTE53_METRICS_REGION else ROUTE53_METRICS_REGION,
        )
    waf = (("WebACL", Handle("waf-regional")), ("Region", c.stack.region), ("Rule", "ALL"))
    c.add(
        "waf-blocked-spike",
        "blockedRequestsBand",
        "web ACL",
        "edge",
        [Metric("AWS/WAFV2", "BlockedRequests", "Sum", waf)],
        what="requests the load balancer's web ACL blocks",
        look_first="the WAF log group (aws-waf-logs-*): which rule blocks, and from which addresses; a spike is an "
        "attack or a release that trips a managed rule",
    )
    if has_cdn(c.stack):
        c.add(
            "cdn-waf-blocked-spike",
            "blockedRequestsBand",
            "CDN web ACL",
            "edge",
            [Metric("AWS/WAFV2", "BlockedRequests", "Sum", (("WebACL", Handle("waf-cloudfront")), ("Rule", "ALL")))],
            what="requests the CloudFront web ACL blocks",
            look_first="the CloudFront web ACL's log group in us-east-1: which rule blocks, and for which paths",
            region="us-east-1",
        )


def _service(c: _Catalogue, service: Service) -> None:
    name = service.name
    if service.target == "ecs-fargate":
        dims: tuple[tuple[str, Dimension], ...] = (
            ("ClusterName", Handle("ecs-cluster")),
            ("ServiceName", Handle(f"ecs-service:{name}")),
        )
        for metric, aws_name, what in (("cpu", "CPUUtilization", "CPU"), ("memory", "MemoryUtilization", "memory")):
            c.add(
                f"{name}-{metric}",
                metric,
                name,
                "compute",
                [Metric("AWS/ECS", aws_name, "Average", dims)],
                what=f"average {what} of {name}'s tasks",
                look_first=f"{name}'s running task count against its maximum ({service.sizes.prod.max} in prod): "
                "if scaling is at its ceiling, raise the maximum or the task size; otherwise the service's log group "
                "for a hot loop or leak",
                unit="%",
            )
    elif service.target == "ec2-autoscaling":
        group = (("AutoScalingGroupName", Handle(f"asg:{name}")),)
        c.add(
            f"{name}-cpu",
            "cpu",
            name,
            "compute",
            [Metric("AWS/EC2", "CPUUtilization", "Average", group)],
            what=f"average CPU of {name}'s instances",
            look_first=f"the Auto Scaling group's activity history: whether {name} is at its maximum size, and "
            "whether new instances fail their health checks",
            unit="%",
        )
        c.add(
            f"{name}-memory",
            "memory",
            name,
            "compute",
            [Metric("CWAgent", "mem_used_percent", "Average", group)],
            what=f"average memory used on {name}'s instances",
            look_first=f"the container's memory in {name}'s log group and `docker stats` over Session Manager",
            unit="%",
        )
        if any(a.metric == "queueBacklog" and a.applies_to == name for a in c.blueprint.alerts):
            namespace, metric_name = WORKER_METRIC
            c.add(
                f"{name}-queue-backlog",
                "queueBacklog",
                name,
                "compute",
                [Metric(namespace, metric_name, "Maximum", (("Service", name),))],
                what=f"tasks waiting in {name}'s queue",
                look_first=f"whether {name}'s instances are at their maximum count and whether tasks fail and retry "
                "(the worker log group)",
            )
    if service.public and has_load_balancer(c.stack):
        _target_group(c, service)
    c.add(
        f"{name}-logged-errors",
        "loggedErrors",
        name,
        "compute",
        [Metric(log_metric_namespace(c.stack.stack), logged_errors_metric(name), "Sum")],
        what=f"error lines in {name}'s log group (metric filter: {ERROR_PATTERN})",
        look_first=f"{name}'s log group, filtered on the same pattern; Logs Insights groups the lines by message",
    )


def _target_group(c: _Catalogue, service: Service) -> None:
    name = service.name
    dims: tuple[tuple[str, Dimension], ...] = (("TargetGroup", Handle(f"tg:{name}")), ("LoadBalancer", Handle("alb")))
    elb = "AWS/ApplicationELB"
    c.add(
        f"{name}-5xx-rate",
        "errorRate",
        name,
        "edge",
        [Metric(elb, "HTTPCode_Target_5XX_Count", "Sum", dims), Metric(elb, "RequestCount", "Sum", dims)],
        what=f"5xx responses from {name} as a share of its requests",
        look_first=f"{name}'s log group for the failing requests, and the last deployment of {name}",
        unit="%",
        expression="100 * FILL(m0, 0) / m1",
    )
    c.add(
        f"{name}-response-time",
        "responseTimeMs",
        name,
        "edge",
        [Metric(elb, "TargetResponseTime", "p95", dims)],
        what=f"{name}'s response time (p95 unless the blueprint names another statistic)",
        look_first=f"the X-Ray service map for {name}'s slowest dependency, then the database's and cache's CPU",
        unit=" ms",
        scale=0.001,
    )
    c.add(
        f"{name}-unhealthy-hosts",
        "unhealthyHosts",
        name,
        "edge",
        [Metric(elb, "UnHealthyHostCount", "Maximum", dims)],
        what=f"targets of {name} failing the health check ({service.health_check_path})",
        look_first=f"the target group's health-check reasons, then {name}'s log group around its start-up",
        comparison="GreaterThanOrEqualToThreshold",
    )


def _kubernetes(c: _Catalogue) -> None:
    services = [s for s in c.blueprint.services if s.target == "eks"]
    if not services:
        return
    cluster = ("ClusterName", Handle("eks-cluster"))
    for metric, aws_name, what in (
        ("cpu", "node_cpu_utilization", "CPU"),
        ("memory", "node_memory_utilization", "memory"),
    ):
        c.add(
            f"eks-node-{metric}",
            metric,
            "kubernetes",
            "compute",
            [Metric("ContainerInsights", aws_name, "Average", (cluster,))],
            what=f"average node {what} across the cluster",
            look_first="the node group's size against its maximum and the cluster autoscaler's logs; then "
            "`kubectl top pods` for the heaviest workload",
            unit="%",
        )
    for service in services:
        pods = (cluster, ("Namespace", KUBERNETES_NAMESPACE), ("PodName", service.name))
        c.add(
            f"{service.name}-pod-restarts",
            "podRestarts",
            service.name,
            "compute",
            [Metric("ContainerInsights", "pod_number_of_container_restarts", "Maximum", pods)],
            what=f"container restarts of {service.name}'s pods",
            look_first=f"`kubectl describe pod` for {service.name} (OOMKilled, failing probes) and its previous "
            "container's log",
            comparison="GreaterThanOrEqualToThreshold",
        )


def postgres_identifiers(stack: ResolvedStack) -> tuple[str, list[str], str | None]:
    """The primary's identifier, its in-region replicas' and the DR replica's (None without one)."""
    primary = f"{stack.prefix}-postgres"
    spec = stack.blueprint.postgres
    if spec is None:
        return primary, [], None
    size = spec.sizes.for_env(stack.environment)
    replicas = [f"{primary}-replica-{n + 1}" for n in range(size.read_replicas)]
    dr = f"{primary}-dr" if stack.dr_region and stack.blueprint.needs_cross_region_replica() else None
    return primary, replicas, dr


def _postgres(c: _Catalogue) -> None:
    spec = c.blueprint.postgres
    if spec is None:
        return
    size = spec.sizes.for_env(c.stack.environment)
    primary, replicas, dr = postgres_identifiers(c.stack)
    db = (("DBInstanceIdentifier", primary),)
    rds = "AWS/RDS"
    c.add(
        "postgres-cpu",
        "cpu",
        "postgres",
        "data",
        [Metric(rds, "CPUUtilization", "Average", db)],
        what="the database's CPU",
        look_first="Performance Insights' top SQL by load, then the connections count",
        unit="%",
    )
    c.add(
        "postgres-free-storage",
        "freeStoragePercent",
        "postgres",
        "data",
        [Metric(rds, "FreeStorageSpace", "Minimum", db)],
        what=f"free storage, as a share of the {size.allocated_storage_gb} GiB allocated,",
        look_first=f"whether storage autoscaling has reached its ceiling ({size.max_allocated_storage_gb} GiB); "
        "then table and WAL growth (pg_stat_user_tables, replication slots)",
        unit="%",
        scale=size.allocated_storage_gb * GIB / 100,
        comparison="LessThanThreshold",
    )
    ceiling = postgres_max_connections(size.instance_class)
    c.add(
        "postgres-connections",
        "databaseConnectionsPercent",
        "postgres",
        "data",
        [Metric(rds, "DatabaseConnections", "Maximum", db)],
        what=f"connections, as a share of {size.instance_class}'s default ceiling of about {ceiling},",
        look_first="pg_stat_activity by application and state: idle-in-transaction sessions and a service whose "
        "pool grew with its task count",
        unit="%",
        scale=ceiling / 100,
    )
    rpo_seconds = c.blueprint.recovery.rpo_minutes * 60
    for identifier, region in [(r, "") for r in replicas] + ([(dr, c.stack.dr_region or "")] if dr else []):
        c.add(
            f"{identifier.removeprefix(c.stack.prefix + '-')}-lag",
            "replicaLagPercentOfRpo",
            "postgres",
            "data",
            [Metric(rds, "ReplicaLag", "Maximum", (("DBInstanceIdentifier", identifier),))],
            what=f"{identifier}'s replication lag, as a share of the {c.blueprint.recovery.rpo_minutes}-minute RPO,",
            look_first="write volume on the primary (WriteIOPS, TransactionLogsGeneration) and the replica's own "
            "CPU and IOPS; a lag near the RPO means a failover now would lose more than the objective allows",
            unit="%",
            scale=rpo_seconds / 100,
            region=region,
        )


def _redis(c: _Catalogue) -> None:
    spec = c.blueprint.redis
    if spec is None:
        return
    size = spec.sizes.for_env(c.stack.environment)
    nodes = redis_node_suffixes(size.shards, size.replicas_per_shard, size.cluster_mode or size.shards > 1)
    for metric, aws_name, stat, what, unit, look in (
        (
            "cpu",
            "EngineCPUUtilization",
            "Maximum",
            "the busiest node's engine CPU",
            "%",
            "SLOWLOG on that node and commands by type (CommandsProcessed by class); a hot key shows as one busy shard",
        ),
        (
            "memory",
            "DatabaseMemoryUsagePercentage",
            "Maximum",
            "the fullest node's memory use",
            "%",
            "keys without TTLs and the largest keys (redis-cli --bigkeys over a replica)",
        ),
        (
            "evictions",
            "Evictions",
            "Sum",
            "keys evicted",
            "",
            "memory use and TTLs: the cache is too small for its working set",
        ),
    ):
        metrics = [
            Metric("AWS/ElastiCache", aws_name, stat, (("CacheClusterId", Handle(f"redis-node:{n}")),)) for n in nodes
        ]
        groups = chunks(metrics)
        for position, group in enumerate(groups):
            suffix = f"-{position + 1}" if len(groups) > 1 else ""
            combine = "SUM" if stat == "Sum" else "MAX"
            c.add(
                f"redis-{metric}{suffix}",
                metric,
                "redis",
                "data",
                group,
                what=what,
                look_first=look,
                unit=unit,
                expression=f"{combine}([{', '.join(f'm{i}' for i in range(len(group)))}])" if len(group) > 1 else "",
            )


def _time_series(c: _Catalogue) -> None:
    spec = c.blueprint.time_series
    if spec is None or spec.engine != "influxdb":
        return
    db = (("DbInstanceName", Handle("influxdb")),)
    for metric, aws_name, what in (("cpu", "CPUUtilization", "CPU"), ("memory", "MemoryUtilization", "memory")):
        c.add(
            f"influxdb-{metric}",
            metric,
            "timeSeries",
            "data",
            [Metric("AWS/TimestreamInfluxDB", aws_name, "Average", db)],
            what=f"the InfluxDB instance's {what}",
            look_first="write batch sizes and cardinality of the market-data series; heavy Flux queries",
            unit="%",
        )


def _functions(c: _Catalogue) -> None:
    for function in c.blueprint.functions:
        name = function.name
        dims: tuple[tuple[str, Dimension], ...] = (("FunctionName", Handle(f"function:{name}")),)
        c.add(
            f"{name}-error-rate",
            "errorRate",
            name,
            "functions",
            [Metric("AWS/Lambda", "Errors", "Sum", dims), Metric("AWS/Lambda", "Invocations", "Sum", dims)],
            what=f"{name}'s failed invocations as a share of all",
            look_first=f"{name}'s log group (JSON): the errorType of the failures, then the dependency it calls",
            unit="%",
            expression="100 * FILL(m0, 0) / m1",
        )
        c.add(
            f"{name}-throttles",
            "throttles",
            name,
            "functions",
            [Metric("AWS/Lambda", "Throttles", "Sum", dims)],
            what=f"throttled invocations of {name}",
            look_first=f"{name}'s reserved concurrency against ConcurrentExecutions: queued work waits, HTTP calls "
            "fail",
            comparison="GreaterThanOrEqualToThreshold",
        )
        if "queue" in function.triggers:
            for queue, metric, what, look in (
                (
                    Handle(f"queue:{name}"),
                    "queueBacklog",
                    f"messages waiting in {name}'s queue",
                    f"{name}'s throttles and errors: a backlog grows when the function cannot keep up",
                ),
                (
                    Handle(f"dlq:{name}"),
                    "deadLetterMessages",
                    f"messages in {name}'s dead-letter queue",
                    "the messages themselves (they failed every retry) and the function's errors at that time; "
                    "redrive once fixed",
                ),
            ):
                c.add(
                    f"{name}-{'dlq' if metric == 'deadLetterMessages' else 'backlog'}",
                    metric,
                    name,
                    "functions",
                    [Metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", (("QueueName", queue),))],
                    what=what,
                    look_first=look,
                    comparison="GreaterThanOrEqualToThreshold"
                    if metric == "deadLetterMessages"
                    else "GreaterThanThreshold",
                )
        if "http" in function.triggers:
            api = (("ApiId", Handle(f"http-api:{name}")),)
            c.add(
                f"{name}-api-5xx-rate",
                "errorRate",
                name,
                "functions",
                [Metric("AWS/ApiGateway", "5xx", "Sum", api), Metric("AWS/ApiGateway", "Count", "Sum", api)],
                what=f"5xx responses of {name}'s HTTP API as a share of requests",
                look_first=f"the API's access log group, then {name}'s errors and throttles",
                unit="%",
                expression="100 * FILL(m0, 0) / m1",
            )


def _custom(c: _Catalogue) -> None:
    """Alerts on metrics the workload publishes itself (seed 004's trading metrics, seed 003's pipeline)."""
    for alert in (a for a in c.blueprint.alerts if a.namespace):
        dims: tuple[tuple[str, Dimension], ...] = (
            (("ServiceName", alert.applies_to),) if alert.applies_to != "stack" else ()
        )
        c.alarms.append(_custom_alarm(c.blueprint, alert, dims))


def _custom_alarm(blueprint: Blueprint, alert: AlertThreshold, dims: tuple[tuple[str, Dimension], ...]) -> AlarmSpec:
    subject = alert.applies_to
    return AlarmSpec(
        f"{'' if subject == 'stack' else subject + '-'}{kebab(alert.metric)}",
        "compute",
        subject,
        f"{alert.metric_name} ({alert.namespace}) at or above {alert.threshold:g} for {_minutes(alert.minutes)}",
        alert.look_first or f"what publishes {alert.namespace}/{alert.metric_name}, and its log group",
        (Metric(alert.namespace, alert.metric_name, alert.statistic or "Maximum", dims),),
        alert.threshold,
        alert.severity,
        blueprint.seed,
        alert.minutes,
    )


def kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def log_metric_namespace(stack: str) -> str:
    """Namespace of the metrics the services' log metric filters publish."""
    return f"finplatform/{stack}/Logs"


def logged_errors_metric(service: str) -> str:
    return f"{service}-errors"


def alarm_name(prefix: str, spec: AlarmSpec) -> str:
    """The alarm's physical name: severity first, so the console sorts critical alarms together."""
    name = f"{prefix}-{spec.severity}-{spec.key}"
    if len(name) > MAX_ALARM_NAME:
        raise ValueError(f"alarm name {name!r} is longer than CloudWatch's {MAX_ALARM_NAME} characters")
    return name


def describe(spec: AlarmSpec, stack: str) -> str:
    """The alarm description: what fired and where to look first."""
    return f"[{spec.severity}] {stack} {spec.subject}: {spec.summary}. Look first at {spec.look_first}."


def evaluation(spec: AlarmSpec) -> tuple[int, int]:
    """Evaluation periods and datapoints to alarm: every minute of the window must breach."""
    periods = max(1, math.ceil(spec.minutes * 60 / spec.period))
    return periods, periods


def by_region(alarms: Sequence[AlarmSpec], primary: str) -> Iterator[tuple[str, list[AlarmSpec]]]:
    """Alarms grouped by the region they are declared in (an alarm must live with its metric)."""
    regions: dict[str, list[AlarmSpec]] = {}
    for spec in alarms:
        regions.setdefault(spec.region or primary, []).append(spec)
    yield from regions.items()
