"""Data-protection rules. Mandatory in prod, advisory elsewhere (the packs' default)."""

from collections.abc import Iterable, Sequence

from finplatform.config import ConfigError
from finplatform.resilience import assess
from finplatform.stack import resolve_stack
from policies.common import types as t
from policies.common.engine import priced
from policies.common.framework import Context, Rule, Subject, as_list
from policies.data_protection.data_services import RULES as DATA_SERVICE_RULES

MIN_BACKUP_DAYS = {"dev": 7, "staging": 7, "prod": 30}
BACKUP_SCHEMA = {
    "minBackupRetentionDays": {
        "type": "object",
        "description": "Minimum RDS backup retention per environment.",
        "default": MIN_BACKUP_DAYS,
    },
}


def _replica(subject: Subject) -> bool:
    return bool(subject.get("replicateSourceDb"))


def _multi_az(subject: Subject, context: Context) -> Iterable[str]:
    if not _replica(subject) and not subject.get("multiAz"):
        yield "set multiAz: true so a standby in another AZ takes over on failure"


def _backups(subject: Subject, context: Context) -> Iterable[str]:
    if _replica(subject):
        return
    minimum = int(context.setting("minBackupRetentionDays", MIN_BACKUP_DAYS))
    days = int(subject.get("backupRetentionPeriod") or 0)
    if days < minimum:
        yield f"backupRetentionPeriod is {days} days; {context.environment} needs at least {minimum}"


def _deletion_protection(subject: Subject, context: Context) -> Iterable[str]:
    if not subject.get("deletionProtection"):
        yield "set deletionProtection: true"


def _final_snapshot(subject: Subject, context: Context) -> Iterable[str]:
    if _replica(subject):
        return
    if subject.get("skipFinalSnapshot", False) or not subject.get("finalSnapshotIdentifier"):
        yield "set skipFinalSnapshot: false and a finalSnapshotIdentifier"


def _versioning(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    enabled = {
        str(s.get("bucket"))
        for s in subjects
        if s.type in t.S3_VERSIONING and (s.get("versioningConfiguration") or {}).get("status") == "Enabled"
    }
    for bucket in (s for s in subjects if s.type in t.S3_BUCKETS):
        names = {str(bucket.get(k)) for k in ("bucket", "id", "arn", "name") if bucket.get(k)}
        if not names & enabled:
            yield bucket.urn, f"{bucket.name}: add a bucket versioning configuration with status Enabled"


def _protected(subject: Subject, context: Context) -> Iterable[str]:
    if not subject.protect:
        yield "declare it with protect=True so no update can delete it"


def _cache_resilience(subject: Subject, context: Context) -> Iterable[str]:
    groups = subject.get("numNodeGroups")
    nodes = (
        int(groups) * (1 + int(subject.get("replicasPerNodeGroup") or 0))
        if groups
        else int(subject.get("numCacheClusters") or 1)
    )
    if nodes <= 1:
        return
    if not subject.get("automaticFailoverEnabled"):
        yield "set automaticFailoverEnabled: true"
    if not subject.get("multiAzEnabled"):
        yield "set multiAzEnabled: true"
    if int(subject.get("snapshotRetentionLimit") or 0) < 1:
        yield "set snapshotRetentionLimit to at least 1 day"


def _alarm_actions(subject: Subject, context: Context) -> Iterable[str]:
    if not [action for action in as_list(subject.get("alarmActions")) if action]:
        yield "set alarmActions to at least one action (an SNS topic ARN, or a scaling or EC2 action) to run in ALARM"
    if str(subject.get("actionsEnabled", True)).lower() == "false":
        yield "set actionsEnabled: true (or leave it unset) so the alarm's actions run"


NAME = "finplatform-data-protection"
DESCRIPTION = "Stateful resources are redundant, backed up, versioned and protected from deletion."


def _failover_health_checked(subject: Subject, context: Context) -> Iterable[str]:
    for policy in as_list(subject.get("failoverRoutingPolicies")):
        if str(policy.get("type", "")).upper() == "PRIMARY" and not subject.get("healthCheckId"):
            # Alias target health alone says nothing once the whole region, its load balancer included, is down.
            yield "a PRIMARY failover record needs healthCheckId: without a health check Route 53 never fails over"


def _dr_objectives(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    """Each store's and the serving path's achievable recovery (finplatform.resilience.assess) against the
    blueprint's RTO and RPO; a gap the blueprint accepts, with its reason, passes."""
    try:
        stack = resolve_stack(context.stack, dict(context.stack_config))
    except ConfigError as error:
        yield "", f"the {context.environment} stack's objectives cannot be read: {error}"
        return
    objectives = stack.recovery_objectives()
    if objectives is None:
        return
    for row in assess(priced(subjects), objectives).failing:
        yield (
            row.urn,
            f"{row.subject} ({row.urn.rsplit('::', 1)[-1]}): {row.mechanism}: {'; '.join(row.gaps)} "
            f"(blueprint {stack.blueprint.name}, tier {objectives.tier})",
        )


RULES: list[Rule] = [
    Rule("rds-multi-az", "RDS instances run Multi-AZ.", "high", ("RDS.5",), (t.RDS_INSTANCE,), check=_multi_az),
    Rule(
        "rds-backup-retention",
        "RDS keeps automated backups at least 7 days, 30 in prod.",
        "high",
        ("RDS.11",),
        (t.RDS_INSTANCE, t.RDS_CLUSTER),
        check=_backups,
        config_schema=BACKUP_SCHEMA,
    ),
    Rule(
        "rds-deletion-protection",
        "RDS instances and clusters have deletion protection.",
        "high",
        ("RDS.7", "RDS.8"),
        (t.RDS_INSTANCE, t.RDS_CLUSTER),
        check=_deletion_protection,
    ),
    Rule(
        "rds-final-snapshot",
        "RDS takes a final snapshot when deleted.",
        "medium",
        (),
        (t.RDS_INSTANCE, t.RDS_CLUSTER),
        check=_final_snapshot,
    ),
    Rule(
        "s3-versioning",
        "Every S3 bucket has versioning enabled.",
        "medium",
        (),
        stack_check=_versioning,
        other_ids=("S3.14",),
    ),
    Rule(
        "stateful-resources-protected",
        "Stateful resources are declared with Pulumi protect.",
        "high",
        (),
        t.STATEFUL,
        check=_protected,
    ),
    Rule(
        "elasticache-failover-and-snapshots",
        "Redis with more than one node fails over automatically across AZs and keeps snapshots.",
        "medium",
        ("ElastiCache.1", "ElastiCache.3"),
        (t.CACHE_REPLICATION_GROUP,),
        check=_cache_resilience,
    ),
    Rule(
        "alarm-actions-configured",
        "CloudWatch metric alarms have actions configured and enabled.",
        "high",
        (),
        (t.METRIC_ALARM,),
        check=_alarm_actions,
        other_ids=("CloudWatch.15",),
    ),
    Rule(
        "route53-failover-health-checked",
        "A Route 53 PRIMARY failover record has a health check, so that traffic moves when the primary fails.",
        "high",
        (),
        (t.DNS_RECORD,),
        check=_failover_health_checked,
    ),
    Rule(
        "dr-objectives-met",
        "Every data store and the serving path can recover within the blueprint's RTO and RPO with the mechanism "
        "the stack declares (replica lag, Global Datastore, S3 RTC, backup period, DNS failover and promotion).",
        "high",
        stack_check=_dr_objectives,
    ),
]

# The data and security services' controls live beside this module; one pack, one list.
RULES += DATA_SERVICE_RULES
