"""Disaster recovery: the tier a blueprint's objectives need, and what the declared resources can achieve.

The vocabulary is AWS's four DR strategies. ``required_tier`` derives the lowest tier that can meet a
blueprint's RTO and RPO; a stack may configure a higher one (``finplatform:drTier``), never a lower one.

``assess`` reads the resources a stack declares (as the engine receives them, so the offline plan and the
``dr-objectives-met`` policy judge the same thing) and estimates, per data store and for the serving path,
the recovery point and time the mechanism in place can achieve, from the figures in ``FIGURES``. A store
whose mechanism falls short fails, unless the blueprint accepts that gap for it with a reason.
"""

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Tier = Literal["backup-restore", "pilot-light", "warm-standby", "multi-site"]
TIERS: tuple[Tier, ...] = ("backup-restore", "pilot-light", "warm-standby", "multi-site")
# The tiers this platform builds; multi-site (active-active writes in both regions) needs an application
# designed for it and a multi-writer data layer, which none of the seeds describes.
BUILT_TIERS: tuple[Tier, ...] = TIERS[:3]
ActiveRegion = Literal["primary", "dr"]

# Objectives that choose the tier (minutes). AWS describes backup and restore as hours to a day, pilot light
# as tens of minutes to hours, warm standby as minutes and multi-site as near zero.
MULTI_SITE_RTO_BELOW = 5
WARM_STANDBY_RTO_BELOW = 60
PILOT_LIGHT_RPO_BELOW = 24 * 60

# ElastiCache Global Datastore: the node families it supports (size large and above), per the ElastiCache
# user guide's "Prerequisites and limitations" of global datastores.
GLOBAL_DATASTORE_FAMILIES = ("m5", "m6g", "m7g", "r5", "r6g", "r6gd", "r7g", "c7gn")
SMALLER_THAN_LARGE = ("nano", "micro", "small", "medium")
# AWS Backup schedules run at most hourly; the periods (hours) a backup rule may use.
BACKUP_PERIODS_HOURS = (24, 12, 8, 6, 4, 2, 1)


@dataclass(frozen=True)
class Figure:
    """One timing the estimates rely on, and where it comes from."""

    minutes: float
    source: str
    what: str = ""
    """What the figure measures, as the runbook's table says it."""


FIGURES: dict[str, Figure] = {
    "rds-replica-lag": Figure(
        1,
        "Planning figure: AWS publishes no lag bound for RDS replicas. RDS User Guide, 'Working with read "
        "replicas' and 'Creating a read replica in a different AWS Region': replication is asynchronous and a "
        "cross-Region replica lags more than an in-Region one. One minute is the planning figure; the ReplicaLag "
        "alarm pages when the lag reaches half the RPO (docs/observability.md).",
        what="Data the cross-region RDS replica may not have yet",
    ),
    "rds-promotion": Figure(
        5,
        "RDS User Guide, 'Promoting a read replica to be a standalone DB instance': replication stops and the "
        "replica reboots; 'a few minutes', longer for a large replica, and not while it is backing up. No upper "
        "bound is published: the staging rehearsal measures it.",
        what="Promoting the replica to a standalone writer",
    ),
    "rds-snapshot-restore": Figure(
        60,
        "Planning figure: AWS publishes no duration for restoring an RDS instance from a snapshot (RDS User "
        "Guide, 'Restoring to a DB instance'); an hour for a new instance to be created and accept connections.",
        what="A new RDS instance from a copied snapshot, accepting connections",
    ),
    "global-datastore-lag": Figure(
        1,
        "Planning figure: the ElastiCache User Guide ('Replication across AWS Regions using global datastores') "
        "calls the replication asynchronous and gives no bound; AWS's Disaster Recovery workshop page on Global "
        "Datastore gives an RPO generally under a second. GlobalDatastoreReplicationLag reports it in seconds.",
        what="Data the Redis secondary may not have yet",
    ),
    "global-datastore-promotion": Figure(
        2,
        "AWS's Disaster Recovery workshop page on Global Datastore gives an RTO of one minute; the ElastiCache "
        "User Guide gives no duration (the datastore is 'Modifying' and unavailable until promotion completes). "
        "Twice the workshop's figure.",
        what="Promoting the Redis secondary",
    ),
    "s3-rtc": Figure(
        15,
        "S3 User Guide, 'Meeting compliance requirements using S3 Replication Time Control': most objects in "
        "seconds and 99.99% within 15 minutes, backed by an SLA. The remaining 0.01% has no bound.",
        what="Objects not yet in the DR bucket, with Replication Time Control",
    ),
    "s3-replication-no-rtc": Figure(
        24 * 60,
        "S3 User Guide, 'Troubleshooting replication': most objects replicate within 15 minutes, some take a "
        "couple of hours, and no bound is published; counted as a day.",
        what="The same without RTC",
    ),
    "backup-copy": Figure(
        240,
        "Planning figure: AWS Backup publishes no copy duration. From the scheduled time: the plan's 60-minute "
        "start window, the backup itself, then the cross-Region copy, which the RDS User Guide ('Copying a DB "
        "snapshot') says can take hours and may be queued. Four hours; copy jobs' times replace it once measured.",
        what="From a backup's scheduled time to its copy landing in the DR vault",
    ),
    "secrets-replication": Figure(
        1,
        "Planning figure: the Secrets Manager User Guide ('Replicate secrets across Regions') says a new value "
        "propagates to the replicas but gives no duration. The stack's secrets change rarely.",
        what="A changed secret reaching its replica",
    ),
    "detection": Figure(
        3,
        "The platform's target, not an AWS figure: a CloudWatch alarm breaching for three 1-minute periods pages "
        "the on-call through SNS. Measured in the staging rehearsal (docs/disaster-recovery.md).",
        what="Failure to page: an alarm breaching for three 1-minute periods",
    ),
    "decision": Figure(
        5,
        "The platform's target, not an AWS figure: the on-call confirms a regional failure and starts the "
        "failover change (docs/disaster-recovery.md). Measured in the staging rehearsal.",
        what="The on-call confirms a regional failure and starts the change",
    ),
    "dns-propagation": Figure(
        1,
        "Route 53 FAQ: changes reach Route 53's authoritative servers worldwide within 60 seconds under normal "
        "conditions (GetChange reports INSYNC).",
        what="A Route 53 change reaching all its authoritative servers",
    ),
    "alias-ttl": Figure(
        1,
        "Route 53 Developer Guide: an alias record takes its TTL from the target, and Route 53's FAQ gives a "
        "fixed 60 seconds for alias records to ELB load balancers.",
        what="How long resolvers keep the old answer",
    ),
    "scale-out": Figure(
        5,
        "Planning figure: AWS publishes no Fargate task start time. Placement and image pull, the container's "
        "start, then one passing target health check (ECS Developer Guide, 'Optimize load balancer health check "
        "parameters'; the target groups check every 30 s). Five minutes allows for a slow pull.",
        what="A new Fargate task placed, pulled, started and healthy in its target group",
    ),
    "provision-compute": Figure(
        60,
        "Planning figure: a `pulumi up` creating the DR compute and edge. Its longest step is the ACM certificate, "
        "which may show 'Pending validation' for up to 30 minutes after its Route 53 record exists (ACM User "
        "Guide, 'DNS validation'); then the listeners, the services and their tasks (scale-out).",
        what="A `pulumi up` creating the DR compute and edge",
    ),
    "influx-create": Figure(
        30,
        "Timestream Developer Guide, 'Configuring a DB instance': a new InfluxDB instance may take up to 20 "
        "minutes to become available, depending on its class and storage. Reloading data is not included.",
        what="A new Timestream for InfluxDB instance",
    ),
}


def duration_text(value: float | None) -> str:
    """A recovery time or point as people read it: minutes below two hours, else hours; None is unbounded."""
    if value is None:
        return "unbounded"
    return f"{value:g} min" if value < 120 else f"{value / 60:g} h"


def minutes(figure: str) -> float:
    return FIGURES[figure].minutes


def required_tier(rto_minutes: int, rpo_minutes: int) -> Tier:
    """The lowest tier whose strategy can meet the objectives."""
    if rto_minutes < MULTI_SITE_RTO_BELOW:
        return "multi-site"
    if rto_minutes < WARM_STANDBY_RTO_BELOW:
        return "warm-standby"
    if rpo_minutes < PILOT_LIGHT_RPO_BELOW:
        return "pilot-light"
    return "backup-restore"


def at_least(tier: Tier, floor: Tier) -> bool:
    return TIERS.index(tier) >= TIERS.index(floor)


def supports_global_datastore(node_type: str) -> bool:
    """Whether an ElastiCache node type can join a Global Datastore (cache.r6g.large can, cache.t3.* cannot)."""
    parts = node_type.split(".")
    if len(parts) != 3 or parts[0] != "cache":
        return False
    _, family, size = parts
    return family in GLOBAL_DATASTORE_FAMILIES and size not in SMALLER_THAN_LARGE


def backup_period_hours(rpo_minutes: int) -> int:
    """The longest backup period whose copy still lands in the DR region within the RPO; daily when even an
    hourly backup could not (a replica then carries the RPO, and the backups serve retention)."""
    copy = minutes("backup-copy")
    for hours in BACKUP_PERIODS_HOURS:
        if hours * 60 + copy <= rpo_minutes:
            return hours
    return 24


def backup_schedule(period_hours: int) -> str:
    """AWS Backup's cron for a backup every ``period_hours`` hours, starting at 05:00 UTC."""
    if period_hours >= 24:
        return "cron(0 5 ? * * *)"
    hours = ",".join(str((5 + h) % 24) for h in range(0, 24, period_hours))
    return f"cron(0 {hours} ? * * *)"


def schedule_period_minutes(expression: str) -> float | None:
    """The longest gap between runs of an AWS Backup cron or rate expression; None when it cannot be read."""
    rate = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression.strip())
    if rate:
        unit = {"minute": 1, "hour": 60, "day": 1440}[rate.group(2).rstrip("s")]
        return int(rate.group(1)) * unit
    cron = re.fullmatch(r"cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)", expression.strip())
    if not cron:
        return None
    minute, hour, day_of_month, _, day_of_week, _ = cron.groups()
    if day_of_month not in ("*", "?") or day_of_week not in ("*", "?") or not minute.isdigit():
        return None  # weekly or monthly schedules: not used here; judged unreadable rather than guessed
    if hour == "*":
        return 60
    hours = sorted(int(h) for h in hour.split(",") if h.isdigit())
    if not hours or len(hours) != len(hour.split(",")):
        return None
    gaps = [(b - a) for a, b in itertools.pairwise(hours)] + [24 - hours[-1] + hours[0]]
    return max(gaps) * 60


# --- assessing what a stack declares -----------------------------------------------------------------------


class Resource(Protocol):
    """A resource as the engine receives it, with the region its provider puts it in (the cost model's
    ``PricedResource`` is one; the program itself never imports the tooling)."""

    @property
    def urn(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def properties(self) -> Mapping[str, Any]: ...
    @property
    def region(self) -> str: ...


@dataclass(frozen=True)
class Objectives:
    """What the blueprint asks, where the stack runs, and which gaps the blueprint accepts."""

    rto_minutes: int
    rpo_minutes: int
    tier: Tier
    primary_region: str
    dr_region: str
    active_region: ActiveRegion = "primary"
    accepted: Mapping[str, str] = field(default_factory=dict)
    """Reasons by store name (postgres, redis, timeSeries, bucket:<name>, serving) for gaps the blueprint
    accepts."""
    standby_ingestion_seconds: int | None = None
    """The DR region's services ingest the time-series feeds into the DR instance at most this many seconds
    behind the primary (the blueprint's statement; the platform cannot observe it)."""


@dataclass(frozen=True)
class Recovery:
    """One store or serving path: how it recovers and what that achieves."""

    subject: str
    urn: str
    mechanism: str
    rpo_minutes: float | None
    rto_minutes: float | None
    gaps: tuple[str, ...] = ()
    accepted_because: str = ""

    @property
    def meets(self) -> bool:
        return not self.gaps

    @property
    def failing(self) -> bool:
        return bool(self.gaps) and not self.accepted_because


@dataclass(frozen=True)
class Assessment:
    objectives: Objectives
    rows: tuple[Recovery, ...]

    @property
    def failing(self) -> list[Recovery]:
        return [row for row in self.rows if row.failing]

    def to_json(self) -> dict[str, Any]:
        o = self.objectives
        return {
            "tier": o.tier,
            "rtoMinutes": o.rto_minutes,
            "rpoMinutes": o.rpo_minutes,
            "activeRegion": o.active_region,
            "rows": [
                {
                    "subject": r.subject,
                    "mechanism": r.mechanism,
                    "rpoMinutes": r.rpo_minutes,
                    "rtoMinutes": r.rto_minutes,
                    "gaps": list(r.gaps),
                    "acceptedBecause": r.accepted_because,
                }
                for r in self.rows
            ],
        }


RDS_INSTANCE = "aws:rds/instance:Instance"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
GLOBAL_DATASTORE = "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup"
INFLUX = "aws:timestreaminfluxdb/dbInstance:DbInstance"
TIMESTREAM_TABLE = "aws:timestreamwrite/table:Table"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
BACKUP_PLAN = "aws:backup/plan:Plan"
BACKUP_SELECTION = "aws:backup/selection:Selection"
SECRET = "aws:secretsmanager/secret:Secret"
PARAMETER = "aws:ssm/parameter:Parameter"
APPLICATION_SECRETS = "finplatform:keys:Secrets$"  # in the URN of the blueprint's secrets
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
ECS_SERVICE = "aws:ecs/service:Service"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
RECORD = "aws:route53/record:Record"
CRITICAL_PURPOSES = ("data", "audit")
BUCKET_NAME_TAG = "bucket-name"  # components.data.object_storage tags each bucket with its blueprint name


def _name_key(resource: Resource) -> str:
    return str(_tags(resource).get(BUCKET_NAME_TAG) or resource.name)


def _tags(resource: Resource) -> Mapping[str, Any]:
    tags = resource.properties.get("tags")
    return tags if isinstance(tags, Mapping) else {}


def _gap(what: str, achieved: float | None, target: int) -> list[str]:
    if achieved is None:
        return [f"{what} unbounded, objective {target:g} min"]
    return [f"{what} {achieved:g} min > objective {target:g} min"] if achieved > target else []


def _row(
    objectives: Objectives,
    subject: str,
    urn: str,
    mechanism: str,
    *,
    rpo: float | None,
    rto: float | None,
    judge_rpo: bool = True,
) -> Recovery:
    gaps = (_gap("RPO", rpo, objectives.rpo_minutes) if judge_rpo else []) + _gap("RTO", rto, objectives.rto_minutes)
    return Recovery(
        subject, urn, mechanism, rpo, rto, tuple(gaps), objectives.accepted.get(subject, "") if gaps else ""
    )


def _backed_up(resources: Sequence[Resource], resource: Resource) -> tuple[float, str] | None:
    """(RPO, plan) when an AWS Backup plan with a cross-region copy selects ``resource`` by its tags."""
    selected: set[str] = set()
    for selection in (r for r in resources if r.type == BACKUP_SELECTION):
        for condition in selection.properties.get("selectionTags") or []:
            if _tags(resource).get(condition.get("key")) == condition.get("value"):
                selected.add(str(selection.properties.get("planId", "")))
    best: tuple[float, str] | None = None
    for plan in (r for r in resources if r.type == BACKUP_PLAN):
        for rule in plan.properties.get("rules") or []:
            if not rule.get("copyActions"):
                continue
            period = schedule_period_minutes(str(rule.get("schedule", "")))
            if period is None or not selected:
                continue
            rpo = period + minutes("backup-copy")
            if best is None or rpo < best[0]:
                best = (rpo, f"AWS Backup every {period / 60:g} h, copied to the DR vault")
    return best


def _operator_rto(action: str) -> float:
    return minutes("detection") + minutes("decision") + minutes(action)


def _postgres(resources: Sequence[Resource], o: Objectives) -> list[Recovery]:
    rows = []
    instances = [r for r in resources if r.type == RDS_INSTANCE]
    for primary in (r for r in instances if r.region == o.primary_region and not r.properties.get("replicateSourceDb")):
        identifier = str(primary.properties.get("identifier", primary.name))
        in_dr = [
            r for r in instances if r.region == o.dr_region and identifier in str(r.properties.get("identifier", ""))
        ]
        replica = next((r for r in in_dr if r.properties.get("replicateSourceDb")), None)
        promoted = next((r for r in in_dr if not r.properties.get("replicateSourceDb")), None)
        if promoted is not None:
            how = "restored from a snapshot" if promoted.properties.get("snapshotIdentifier") else "promoted"
            rows.append(_row(o, "postgres", promoted.urn, f"{how} in {o.dr_region}: the writer", rpo=0, rto=0))
        elif replica is not None:
            rows.append(
                _row(
                    o,
                    "postgres",
                    replica.urn,
                    f"cross-region read replica in {o.dr_region}, promoted on failover",
                    rpo=minutes("rds-replica-lag"),
                    rto=_operator_rto("rds-promotion"),
                )
            )
        else:
            backup = _backed_up(resources, primary)
            rpo, mechanism = backup if backup else (None, "no copy outside the region")
            rows.append(_row(o, "postgres", primary.urn, mechanism, rpo=rpo, rto=_operator_rto("rds-snapshot-restore")))
    return rows


def _redis(resources: Sequence[Resource], o: Objectives) -> list[Recovery]:
    groups = [r for r in resources if r.type == CACHE_GROUP]
    primaries = [r for r in groups if r.region == o.primary_region]
    if not primaries:
        return []
    primary = primaries[0]
    secondary = next(
        (r for r in groups if r.region == o.dr_region and r.properties.get("globalReplicationGroupId")), None
    )
    if any(r.type == GLOBAL_DATASTORE for r in resources) and secondary is not None:
        return [
            _row(
                o,
                "redis",
                secondary.urn,
                f"Global Datastore secondary in {o.dr_region}, promoted on failover",
                rpo=minutes("global-datastore-lag"),
                rto=_operator_rto("global-datastore-promotion"),
            )
        ]
    # ElastiCache snapshots stay in their region and AWS Backup does not cover ElastiCache.
    return [_row(o, "redis", primary.urn, "snapshots in the primary region only", rpo=None, rto=None)]


def _time_series(resources: Sequence[Resource], o: Objectives) -> list[Recovery]:
    rows = []
    influx = [r for r in resources if r.type == INFLUX]
    primary = next((r for r in influx if r.region == o.primary_region), None)
    standby = next((r for r in influx if r.region == o.dr_region), None)
    if primary is not None:
        feeding = [r for r in resources if r.type == ECS_SERVICE and r.region == o.dr_region]
        running = bool(feeding) and all(int(r.properties.get("desiredCount") or 0) >= 1 for r in feeding)
        if standby is not None and running and o.standby_ingestion_seconds is not None:
            rows.append(
                _row(
                    o,
                    "timeSeries",
                    standby.urn,
                    f"standby instance in {o.dr_region} fed by the standby's running services, at most "
                    f"{o.standby_ingestion_seconds} s behind (the platform cannot observe it)",
                    rpo=o.standby_ingestion_seconds / 60,
                    rto=0,
                )
            )
        else:
            # Timestream for InfluxDB keeps no customer-accessible backups and has no cross-region replication.
            rows.append(
                _row(
                    o,
                    "timeSeries",
                    primary.urn,
                    "no cross-region copy: Timestream for InfluxDB has neither replication nor customer backups",
                    rpo=None,
                    rto=_operator_rto("influx-create"),
                )
            )
    tables = [r for r in resources if r.type == TIMESTREAM_TABLE]
    if tables:
        backup = _backed_up(resources, tables[0])
        rpo, mechanism = backup if backup else (None, "no copy outside the region")
        rows.append(_row(o, "timeSeries", tables[0].urn, mechanism, rpo=rpo, rto=_operator_rto("rds-snapshot-restore")))
    return rows


def _buckets(resources: Sequence[Resource], o: Objectives) -> list[Recovery]:
    rows = []
    replications = [r for r in resources if r.type == BUCKET_REPLICATION]
    # In name order: the engine registers the buckets in whatever order their components resolve.
    for bucket in sorted((r for r in resources if r.type == BUCKET and r.region == o.primary_region), key=_name_key):
        purpose = str(_tags(bucket).get("purpose", ""))
        if purpose not in CRITICAL_PURPOSES:
            continue
        subject = f"bucket:{_tags(bucket).get(BUCKET_NAME_TAG) or bucket.name}"
        # By name, not by bucket id: a first preview does not know the id yet.
        replication = next((r for r in replications if r.name == f"{bucket.name}-replication"), None)
        if replication is None:
            rows.append(_row(o, subject, bucket.urn, "not replicated", rpo=None, rto=0))
            continue
        rules = replication.properties.get("rules") or []
        timed = bool(rules) and all(
            ((rule.get("destination") or {}).get("replicationTime") or {}).get("status") == "Enabled" for rule in rules
        )
        figure = "s3-rtc" if timed else "s3-replication-no-rtc"
        mechanism = f"replicated to {o.dr_region}" + (" with Replication Time Control" if timed else " (no RTC)")
        rows.append(_row(o, subject, replication.urn, mechanism, rpo=minutes(figure), rto=0))
    return rows


def _secrets(resources: Sequence[Resource], o: Objectives) -> list[Recovery]:
    secrets = [r for r in resources if r.type == SECRET and r.region == o.primary_region]
    # The blueprint's Parameter Store secrets (seed 002 chooses it): Parameter Store replicates nothing.
    parameters = [r for r in resources if r.type == PARAMETER and APPLICATION_SECRETS in r.urn]
    if not secrets and not parameters:
        return []
    missing = sorted(s.name for s in secrets if not s.properties.get("replicas")) + sorted(p.name for p in parameters)
    if not missing:
        return [
            _row(
                o,
                "secrets",
                secrets[0].urn,
                f"replica secrets in {o.dr_region}",
                rpo=minutes("secrets-replication"),
                rto=0,
            )
        ]
    first = next(r for r in [*secrets, *parameters] if r.name == missing[0])
    return [_row(o, "secrets", first.urn, f"not replicated: {', '.join(missing)}", rpo=None, rto=None)]


def _serving(resources: Sequence[Resource], o: Objectives) -> list[Recovery]:
    balancers = [r for r in resources if r.type == LOAD_BALANCER]
    primary = next((r for r in balancers if r.region == o.primary_region), None)
    if primary is None:
        return []
    standby = next((r for r in balancers if r.region == o.dr_region), None)
    services = [r for r in resources if r.type == ECS_SERVICE and r.region == o.dr_region]
    running = bool(services) and all(int(s.properties.get("desiredCount") or 0) >= 1 for s in services)
    checks = [r for r in resources if r.type == HEALTH_CHECK]
    failover = [r for r in resources if r.type == RECORD and r.properties.get("failoverRoutingPolicies")]
    if standby is not None and running and checks and failover:
        check = checks[0].properties
        detect = float(check.get("requestInterval") or 30) * float(check.get("failureThreshold") or 3) / 60
        rto = detect + minutes("dns-propagation") + minutes("alias-ttl") + minutes("scale-out")
        mechanism = (
            f"Route 53 failover to the standby load balancer in {o.dr_region} "
            f"({len(services)} service{'s' if len(services) != 1 else ''} running); health check every "
            f"{check.get('requestInterval') or 30} s"
        )
        return [_row(o, "serving", standby.urn, mechanism, rpo=None, rto=round(rto, 1), judge_rpo=False)]
    if standby is not None and running:
        rto = _operator_rto("scale-out") + minutes("alias-ttl")
        mechanism = f"standby load balancer in {o.dr_region}; clients or DNS switched by hand"
        return [_row(o, "serving", standby.urn, mechanism, rpo=None, rto=rto, judge_rpo=False)]
    rto = _operator_rto("provision-compute") + minutes("dns-propagation") + minutes("alias-ttl")
    switch = (
        "Route 53 fails over to its load balancer"
        if failover
        else "clients move to its load balancer's name (no domain: nothing for DNS to fail over)"
    )
    mechanism = f"compute created in {o.dr_region} by the failover change (activeRegion: dr); {switch}"
    return [_row(o, "serving", primary.urn, mechanism, rpo=None, rto=rto, judge_rpo=False)]


def assess(resources: Sequence[Resource], objectives: Objectives) -> Assessment:
    """Each store's and the serving path's achievable recovery, judged against the objectives."""
    rows = [
        *_postgres(resources, objectives),
        *_redis(resources, objectives),
        *_time_series(resources, objectives),
        *_buckets(resources, objectives),
        *_secrets(resources, objectives),
        *_serving(resources, objectives),
    ]
    return Assessment(objectives, tuple(rows))
