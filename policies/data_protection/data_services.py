"""FSBP controls of the data and security services (RDS, ElastiCache, S3, KMS, Secrets Manager, SNS, SQS,
CloudWatch, CloudTrail, Config, GuardDuty, Backup, Timestream, EventBridge) that belong to this pack: logging and
monitoring of the data stores, patching, snapshots that keep their tags, event notifications, lifecycle and access
logs of buckets, secret rotation, and the audit trail and threat detection that watch over the data.

Account-level services (CloudTrail, Config, GuardDuty) are judged where a stack declares them: a stack may switch
them off because another stack of the same account and region declares them, and that stack is judged instead.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from policies.common import types as t
from policies.common.framework import Context, Rule, Subject, as_list, decoded

# --- shared ----------------------------------------------------------------------------------------------


def _off(value: Any) -> bool:
    """An explicit false, as the analyzer may hand it over (a bool or its text)."""
    return value is False or str(value).lower() == "false"


def _on(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _names(subject: Subject, *keys: str) -> set[str]:
    """What other resources may call this one by: its id, ARN, name or the given keys."""
    return {str(subject.get(k)) for k in ("id", "arn", "name", *keys) if subject.get(k)}


def _engine(subject: Subject) -> str:
    return str(subject.get("engine") or "").lower()


def _replica(subject: Subject) -> bool:
    return bool(subject.get("replicateSourceDb"))


# --- RDS: logs, monitoring, patching, snapshots --------------------------------------------------------

# RDS.9: the logs each instance engine must publish to CloudWatch Logs.
INSTANCE_LOGS = {
    "oracle": ("alert", "audit", "trace", "listener"),
    "postgres": ("postgresql", "upgrade"),
    "mysql": ("audit", "error", "general", "slowquery"),
    "mariadb": ("audit", "error", "general", "slowquery"),
    "sqlserver": ("error", "agent"),
}
# The engine-specific controls, each with its own (default) log types.
ENGINE_LOG_CONTROLS = {
    "postgres": ("RDS.36", ("postgresql",)),
    "sqlserver": ("RDS.40", ("agent", "error")),
    "mariadb": ("RDS.42", ("audit", "error")),
}
ENHANCED_MONITORING_INTERVALS = {1, 5, 10, 15, 30, 60}


def _engine_family(engine: str) -> str:
    for family in INSTANCE_LOGS:
        if engine.startswith(family):
            return family
    return ""


def _exports(subject: Subject) -> set[str]:
    return {str(log) for log in as_list(subject.get("enabledCloudwatchLogsExports"))}


def _instance_logs(subject: Subject, context: Context) -> Iterable[str]:
    family = _engine_family(_engine(subject))
    if not family:
        return
    exported = _exports(subject)
    missing = [log for log in INSTANCE_LOGS[family] if log not in exported]
    if missing:
        yield f"RDS.9: add {', '.join(missing)} to enabledCloudwatchLogsExports (every {family} log type)"
    if family in ENGINE_LOG_CONTROLS:
        control, logs = ENGINE_LOG_CONTROLS[family]
        missing = [log for log in logs if log not in exported]
        if missing:
            yield f"{control}: {family} must publish {', '.join(missing)} to CloudWatch Logs"


def _cluster_logs(subject: Subject, context: Context) -> Iterable[str]:
    engine, exported = _engine(subject), _exports(subject)
    if engine in ("aurora", "aurora-mysql") and "audit" not in exported:
        yield "RDS.34: add audit to enabledCloudwatchLogsExports so Aurora MySQL publishes its audit log"
    if engine == "aurora-postgresql" and "postgresql" not in exported:
        yield "RDS.37: add postgresql to enabledCloudwatchLogsExports so Aurora PostgreSQL publishes its log"


def _parameters(subject: Subject) -> dict[str, str]:
    return {
        str(p.get("name")): str(p.get("value"))
        for p in as_list(subject.get("parameters"))
        if isinstance(p, Mapping) and p.get("name")
    }


def _aurora_mysql_audit(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    groups = {name: s for s in subjects if s.type == t.RDS_CLUSTER_PARAMETER_GROUP for name in _names(s)}
    for cluster in subjects:
        if cluster.type != t.RDS_CLUSTER or _engine(cluster) not in ("aurora", "aurora-mysql"):
            continue
        name = str(cluster.get("dbClusterParameterGroupName") or "")
        if not name or name.startswith("default."):
            yield (
                cluster.urn,
                (
                    f"{cluster.name}: RDS.45: the default cluster parameter group leaves audit logging off; use "
                    "a group that sets server_audit_logging = 1 and server_audit_events"
                ),
            )
            continue
        group = groups.get(name)
        if group is None:
            continue  # declared outside this stack: judged where it is declared
        values = _parameters(group)
        if values.get("server_audit_logging") != "1" or not values.get("server_audit_events", "").strip():
            yield (
                cluster.urn,
                (
                    f"{cluster.name}: RDS.45: its cluster parameter group {group.name} must set "
                    "server_audit_logging = 1 and a non-empty server_audit_events"
                ),
            )


def _enhanced_monitoring(subject: Subject, context: Context) -> Iterable[str]:
    try:
        interval = int(subject.get("monitoringInterval") or 0)
    except (TypeError, ValueError):
        interval = 0
    if interval not in ENHANCED_MONITORING_INTERVALS:
        yield "set monitoringInterval to 1, 5, 10, 15, 30 or 60 seconds (and a monitoringRoleArn)"


def _minor_upgrades(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.RDS_CLUSTER:
        # RDS.35 covers Multi-AZ DB clusters; it does not apply to Aurora, whose instances carry the setting.
        if _engine(subject).startswith("aurora"):
            return
        if _off(subject.get("autoMinorVersionUpgrade")):
            yield "RDS.35: set autoMinorVersionUpgrade: true (or leave it unset: it defaults to true)"
    elif _off(subject.get("autoMinorVersionUpgrade")):
        yield "RDS.13: set autoMinorVersionUpgrade: true (or leave it unset: it defaults to true)"


def _copy_tags(subject: Subject, context: Context) -> Iterable[str]:
    if _on(subject.get("copyTagsToSnapshot")):
        return
    if subject.type == t.RDS_INSTANCE:
        yield "RDS.17: set copyTagsToSnapshot: true so snapshots keep the instance's tags"
        return
    engine = _engine(subject)
    if engine.startswith("aurora"):
        control = "RDS.16"
    elif engine == "postgres":
        control = "RDS.47"
    elif engine == "mysql":
        control = "RDS.48"
    else:
        return
    yield f"{control}: set copyTagsToSnapshot: true so snapshots keep the cluster's tags"


def _backtracking(subject: Subject, context: Context) -> Iterable[str]:
    if _engine(subject) not in ("aurora", "aurora-mysql"):
        return
    try:
        window = float(subject.get("backtrackWindow") or 0)
    except (TypeError, ValueError):
        window = 0
    if window <= 0:
        yield "set backtrackWindow (seconds, up to 259200) so the cluster can be rewound without a restore"


def _cluster_multi_az(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    members: dict[str, list[Subject]] = {}
    for instance in subjects:
        if instance.type == t.RDS_CLUSTER_INSTANCE:
            members.setdefault(str(instance.get("clusterIdentifier") or ""), []).append(instance)
    for cluster in subjects:
        if cluster.type != t.RDS_CLUSTER or cluster.get("dbClusterInstanceClass"):
            continue  # a Multi-AZ DB cluster always runs a writer and two readers in three AZs
        instances = [i for key in _names(cluster, "clusterIdentifier") for i in members.get(key, [])]
        zones = [str(i.get("availabilityZone")) for i in instances if i.get("availabilityZone")]
        one_zone = len(zones) == len(instances) and len(set(zones)) < 2
        if len(instances) < 2 or one_zone:
            yield (
                cluster.urn,
                (
                    f"{cluster.name}: give the cluster at least two instances in different Availability Zones "
                    f"({len(instances)} declared) so a reader takes over when the writer's AZ fails"
                ),
            )


# --- RDS event notifications (RDS.19-22) -----------------------------------------------------------------

# What each control requires of the account's event subscriptions: source type -> event categories.
EVENT_REQUIREMENTS = {
    "RDS.19": ("db-cluster", ("maintenance", "failure")),
    "RDS.20": ("db-instance", ("maintenance", "configuration change", "failure")),
    "RDS.21": ("db-parameter-group", ("configuration change",)),
    "RDS.22": ("db-security-group", ("configuration change", "failure")),
}
RDS_SOURCES = (t.RDS_INSTANCE, t.RDS_CLUSTER)


def _subscribed(subscriptions: Sequence[Subject], source: str, categories: Sequence[str]) -> bool:
    """An enabled subscription for the source type (or for every source type) that reports every category (an
    empty list of categories reports them all)."""
    for subscription in subscriptions:
        if _off(subscription.get("enabled")):
            continue
        source_type = str(subscription.get("sourceType") or "")
        if source_type and source_type != source:
            continue
        listed = {str(c) for c in as_list(subscription.get("eventCategories"))}
        if not listed or all(c in listed for c in categories):
            return True
    return False


def _event_notifications(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    instances = [s for s in subjects if s.type in (t.RDS_INSTANCE, t.RDS_CLUSTER_INSTANCE)]
    clusters = [s for s in subjects if s.type == t.RDS_CLUSTER]
    if not instances and not clusters:
        return
    subscriptions = [s for s in subjects if s.type == t.RDS_EVENT_SUBSCRIPTION]
    anchor = (clusters or instances)[0]
    for control, (source, categories) in EVENT_REQUIREMENTS.items():
        # Cluster events (RDS.19) exist only where the stack has a cluster, instance events where it has instances.
        if (source == "db-cluster" and not clusters) or (source == "db-instance" and not instances):
            continue
        if not _subscribed(subscriptions, source, categories):
            yield (
                anchor.urn,
                (
                    f"{anchor.name}: {control}: declare an RDS event subscription (to an alert topic) with source "
                    f"type {source} and the categories {', '.join(categories)}; otherwise its events reach no one"
                ),
            )


# --- ElastiCache -----------------------------------------------------------------------------------------


def _cache_minor_upgrades(subject: Subject, context: Context) -> Iterable[str]:
    if _off(subject.get("autoMinorVersionUpgrade")):
        yield "set autoMinorVersionUpgrade: true (or leave it unset: it defaults to true)"


# --- S3 ------------------------------------------------------------------------------------------------


def _bucket_names(bucket: Subject) -> set[str]:
    return _names(bucket, "bucket")


def _bucket_refs(subjects: Sequence[Subject], types: Sequence[str], accept: Callable[[Subject], bool]) -> set[str]:
    return {str(s.get("bucket")) for s in subjects if s.type in types and s.get("bucket") and accept(s)}


def _access_logging(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    logged = _bucket_refs(subjects, t.S3_LOGGING, lambda s: bool(s.get("targetBucket")))
    targets = {str(s.get("targetBucket")) for s in subjects if s.type in t.S3_LOGGING and s.get("targetBucket")}
    for bucket in (s for s in subjects if s.type in t.S3_BUCKETS):
        names = _bucket_names(bucket)
        inline = [log for log in as_list(bucket.get("loggings") or bucket.get("logging")) if isinstance(log, Mapping)]
        targets |= {str(log.get("targetBucket")) for log in inline if log.get("targetBucket")}
        if names & logged or any(log.get("targetBucket") for log in inline):
            continue
        if names & targets:
            continue  # S3.9: "The target logging bucket does not need to have server access logging enabled"
        yield bucket.urn, f"{bucket.name}: add a bucket logging configuration (server access logs to the log bucket)"


def _lifecycle_rule_enabled(subject: Subject) -> bool:
    return any(
        isinstance(rule, Mapping) and str(rule.get("status", "Enabled")) == "Enabled"
        for rule in as_list(subject.get("rules"))
    )


def _lifecycle(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    configured = _bucket_refs(subjects, t.S3_LIFECYCLE, _lifecycle_rule_enabled)
    for bucket in (s for s in subjects if s.type in t.S3_BUCKETS):
        inline = [r for r in as_list(bucket.get("lifecycleRules")) if isinstance(r, Mapping) and r.get("enabled")]
        if not (_bucket_names(bucket) & configured) and not inline:
            yield bucket.urn, f"{bucket.name}: add a lifecycle configuration with at least one enabled rule"


# --- Secrets Manager -------------------------------------------------------------------------------------

MAX_ROTATION_DAYS = 90  # SecretsManager.4's default maxDaysSinceRotation
RATE = re.compile(r"^rate\((\d+)\s+(hour|hours|day|days)\)$")


def _rotation_days(rotation: Subject) -> float | None:
    """How many days the rotation schedule leaves between rotations at most; None when it cannot be read."""
    rules = rotation.get("rotationRules") or {}
    if not isinstance(rules, Mapping):
        return None
    if rules.get("automaticallyAfterDays"):
        try:
            return float(rules["automaticallyAfterDays"])
        except (TypeError, ValueError):
            return None
    expression = str(rules.get("scheduleExpression") or "").strip()
    match = RATE.match(expression)
    if match:
        amount = int(match.group(1))
        return amount / 24 if match.group(2).startswith("hour") else float(amount)
    if expression.startswith("cron("):
        return 31.0  # a cron schedule fires at least monthly unless it names a year; Secrets Manager requires that
    return None


def _rotation(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    rotations: dict[str, Subject] = {}
    for rotation in subjects:
        if rotation.type == t.SECRET_ROTATION and rotation.get("secretId"):
            rotations[str(rotation.get("secretId"))] = rotation
    for secret in (s for s in subjects if s.type == t.SECRET):
        found = next((rotations[n] for n in _names(secret) if n in rotations), None)
        if found is None:
            tags = decoded(secret.get("tags")) or {}
            tags = tags if isinstance(tags, Mapping) else {}
            hint = ""
            if tags.get("rotation") == "manual":
                hint = f" (tagged for rotation by hand by {tags.get('rotated-by', '?')}: accept that with a waiver)"
            yield (
                secret.urn,
                (
                    f"{secret.name}: SecretsManager.1: declare a secret rotation (a rotation function, or the managing "
                    f"service's own) so the secret rotates automatically{hint}"
                ),
            )
            continue
        days = _rotation_days(found)
        if days is None or days > MAX_ROTATION_DAYS:
            shown = "unreadable" if days is None else f"{days:g} days"
            yield (
                secret.urn,
                (
                    f"{secret.name}: SecretsManager.4: its rotation schedule ({shown}) must rotate it at least every "
                    f"{MAX_ROTATION_DAYS} days"
                ),
            )


# --- CloudTrail ------------------------------------------------------------------------------------------


def _management_events_read_write(trail: Subject) -> bool:
    """The trail records read and write management events: no selectors (the default), a basic selector with
    management events and ReadWriteType All, or an advanced selector for management events with no readOnly
    filter."""
    basic = [s for s in as_list(trail.get("eventSelectors")) if isinstance(s, Mapping)]
    advanced = [s for s in as_list(trail.get("advancedEventSelectors")) if isinstance(s, Mapping)]
    if not basic and not advanced:
        return True
    for selector in basic:
        if not _off(selector.get("includeManagementEvents")) and selector.get("readWriteType", "All") == "All":
            return True
    for selector in advanced:
        fields = [f for f in as_list(selector.get("fieldSelectors")) if isinstance(f, Mapping)]
        category = [f for f in fields if f.get("field") == "eventCategory"]
        read_only = [f for f in fields if f.get("field") == "readOnly"]
        if any("Management" in as_list(f.get("equals")) for f in category) and not read_only:
            return True
    return False


def _trail_multi_region(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    trails = [s for s in subjects if s.type == t.CLOUDTRAIL]
    good = [
        trail
        for trail in trails
        if _on(trail.get("isMultiRegionTrail"))
        and not _off(trail.get("enableLogging"))
        and _management_events_read_write(trail)
    ]
    if trails and not good:
        trail = trails[0]
        yield (
            trail.urn,
            (
                f"{trail.name}: make it a logging multi-Region trail (isMultiRegionTrail: true) that records read and "
                "write management events"
            ),
        )


def _trail_validation(subject: Subject, context: Context) -> Iterable[str]:
    if not _on(subject.get("enableLogFileValidation")):
        yield "set enableLogFileValidation: true so tampering with delivered log files can be detected"


def _trail_cloudwatch(subject: Subject, context: Context) -> Iterable[str]:
    if not subject.get("cloudWatchLogsGroupArn") or not subject.get("cloudWatchLogsRoleArn"):
        yield "set cloudWatchLogsGroupArn and cloudWatchLogsRoleArn so the trail also delivers to CloudWatch Logs"


# --- AWS Config ------------------------------------------------------------------------------------------

CONFIG_SERVICE_LINKED_ROLE = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:role/aws-service-role/config\.amazonaws\.com/AWSServiceRoleForConfig$"
)


def _records_everything(recorder: Subject) -> bool:
    group = recorder.get("recordingGroup") or {}
    if not isinstance(group, Mapping) or not group:
        return True  # without a recording group Config records every supported type, global ones included
    strategy = group.get("recordingStrategies") or group.get("recordingStrategy") or []
    uses = [str(s.get("useOnly")) for s in as_list(strategy) if isinstance(s, Mapping)]
    if uses and uses != ["ALL_SUPPORTED_RESOURCE_TYPES"]:
        return False
    return _on(group.get("allSupported", True)) and _on(group.get("includeGlobalResourceTypes", False))


def _config_enabled(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    recorders = [s for s in subjects if s.type == t.CONFIG_RECORDER]
    statuses = [s for s in subjects if s.type == t.CONFIG_RECORDER_STATUS and _on(s.get("isEnabled"))]
    for recorder in recorders:
        role = str(recorder.get("roleArn") or "")
        if not CONFIG_SERVICE_LINKED_ROLE.match(role):
            yield (
                recorder.urn,
                (
                    f"{recorder.name}: record with the service-linked role AWSServiceRoleForConfig "
                    f"(arn:aws:iam::<account>:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig), "
                    f"not {role or 'no role'}"
                ),
            )
        if not _records_everything(recorder):
            yield (
                recorder.urn,
                (
                    f"{recorder.name}: record every supported resource type, global (IAM) types included "
                    "(recordingGroup allSupported and includeGlobalResourceTypes true)"
                ),
            )
        names = _names(recorder)
        matched = any(str(status.get("name")) in names for status in statuses)
        if not matched and not (len(recorders) == 1 and statuses):
            yield recorder.urn, f"{recorder.name}: declare a recorder status with isEnabled: true so it records"


# --- GuardDuty -------------------------------------------------------------------------------------------


def _detector_enabled(subject: Subject, context: Context) -> Iterable[str]:
    if _off(subject.get("enable")):
        yield "set enable: true; a suspended detector reports nothing"


def _features(detector: Subject, subjects: Sequence[Subject], detectors: int) -> dict[str, Mapping[str, Any]]:
    """The detector's protection plans by feature name, from its DetectorFeature resources (all of the stack's
    when it declares a single detector) and its legacy datasources block."""
    names = _names(detector)
    features: dict[str, Mapping[str, Any]] = {}
    for feature in subjects:
        if feature.type != t.GUARDDUTY_FEATURE:
            continue
        if detectors == 1 or str(feature.get("detectorId")) in names:
            features[str(feature.get("name"))] = feature.props
    sources = detector.get("datasources") or {}
    if isinstance(sources, Mapping):
        legacy = {
            "S3_DATA_EVENTS": (sources.get("s3Logs") or {}).get("enable"),
            "EKS_AUDIT_LOGS": ((sources.get("kubernetes") or {}).get("auditLogs") or {}).get("enable"),
            "EBS_MALWARE_PROTECTION": (
                (((sources.get("malwareProtection") or {}).get("scanEc2InstanceWithFindings") or {}).get("ebsVolumes"))
                or {}
            ).get("enable"),
        }
        for name, enabled in legacy.items():
            if _on(enabled) and name not in features:
                features[name] = {"name": name, "status": "ENABLED"}
    return features


def _enabled(feature: Mapping[str, Any] | None) -> bool:
    return feature is not None and str(feature.get("status", "")).upper() == "ENABLED"


def _agent_managed(feature: Mapping[str, Any] | None, agent: str) -> bool:
    if not _enabled(feature):
        return False
    assert feature is not None
    return any(
        isinstance(c, Mapping) and c.get("name") == agent and str(c.get("status", "")).upper() == "ENABLED"
        for c in as_list(feature.get("additionalConfigurations"))
    )


def _guardduty_feature(label: str, name: str, agent: str = "") -> Callable[..., Iterable[tuple[str, str]]]:
    def check(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
        detectors = [s for s in subjects if s.type == t.GUARDDUTY_DETECTOR]
        for detector in detectors:
            features = _features(detector, subjects, len(detectors))
            feature = features.get(name)
            if agent:
                legacy = features.get("EKS_RUNTIME_MONITORING") if agent == "EKS_ADDON_MANAGEMENT" else None
                ok = _agent_managed(feature, agent) or _agent_managed(legacy, agent)
                wanted = f"feature {name} ENABLED with additional configuration {agent} ENABLED"
            else:
                ok = _enabled(feature)
                wanted = f"feature {name} ENABLED"
            if not ok:
                yield detector.urn, f"{detector.name}: turn on {label}: declare a detector {wanted}"

    return check


GUARDDUTY_PLANS = (
    # control, rule, label, feature, agent management, severity
    ("GuardDuty.5", "guardduty-eks-audit-logs", "EKS Audit Log Monitoring", "EKS_AUDIT_LOGS", "", "high"),
    ("GuardDuty.6", "guardduty-lambda-protection", "Lambda Protection", "LAMBDA_NETWORK_LOGS", "", "high"),
    (
        "GuardDuty.7",
        "guardduty-eks-runtime-monitoring",
        "EKS Runtime Monitoring",
        "RUNTIME_MONITORING",
        "EKS_ADDON_MANAGEMENT",
        "high",
    ),
    (
        "GuardDuty.8",
        "guardduty-ec2-malware-protection",
        "Malware Protection for EC2",
        "EBS_MALWARE_PROTECTION",
        "",
        "high",
    ),
    ("GuardDuty.9", "guardduty-rds-protection", "RDS Protection", "RDS_LOGIN_EVENTS", "", "high"),
    ("GuardDuty.10", "guardduty-s3-protection", "S3 Protection", "S3_DATA_EVENTS", "", "high"),
    ("GuardDuty.11", "guardduty-runtime-monitoring", "Runtime Monitoring", "RUNTIME_MONITORING", "", "high"),
    (
        "GuardDuty.12",
        "guardduty-ecs-runtime-monitoring",
        "ECS (Fargate) Runtime Monitoring",
        "RUNTIME_MONITORING",
        "ECS_FARGATE_AGENT_MANAGEMENT",
        "medium",
    ),
    (
        "GuardDuty.13",
        "guardduty-ec2-runtime-monitoring",
        "EC2 Runtime Monitoring",
        "RUNTIME_MONITORING",
        "EC2_AGENT_MANAGEMENT",
        "medium",
    ),
)

# --- the rules -------------------------------------------------------------------------------------------

RULES: list[Rule] = [
    Rule(
        "rds-logs-exported",
        "RDS instances publish their engine's logs to CloudWatch Logs (every log type RDS.9 names for the engine).",
        "medium",
        ("RDS.9", "RDS.36", "RDS.40", "RDS.42"),
        (t.RDS_INSTANCE,),
        check=_instance_logs,
    ),
    Rule(
        "rds-cluster-logs-exported",
        "Aurora clusters publish their audit (MySQL) or PostgreSQL log to CloudWatch Logs.",
        "medium",
        ("RDS.34", "RDS.37"),
        (t.RDS_CLUSTER,),
        check=_cluster_logs,
    ),
    Rule(
        "rds-aurora-mysql-audit-logging",
        "Aurora MySQL clusters turn on audit logging in their cluster parameter group.",
        "medium",
        ("RDS.45",),
        stack_check=_aurora_mysql_audit,
    ),
    Rule(
        "rds-enhanced-monitoring",
        "RDS instances collect enhanced monitoring metrics.",
        "low",
        ("RDS.6",),
        (t.RDS_INSTANCE,),
        check=_enhanced_monitoring,
    ),
    Rule(
        "rds-minor-version-upgrades",
        "RDS instances and Multi-AZ DB clusters take automatic minor version upgrades.",
        "high",
        ("RDS.13", "RDS.35"),
        (t.RDS_INSTANCE, t.RDS_CLUSTER),
        check=_minor_upgrades,
    ),
    Rule(
        "rds-copy-tags-to-snapshots",
        "RDS instances and clusters copy their tags to their snapshots.",
        "low",
        ("RDS.16", "RDS.17", "RDS.47", "RDS.48"),
        (t.RDS_INSTANCE, t.RDS_CLUSTER),
        check=_copy_tags,
    ),
    Rule(
        "rds-aurora-mysql-backtracking",
        "Aurora MySQL clusters can backtrack.",
        "medium",
        ("RDS.14",),
        (t.RDS_CLUSTER,),
        check=_backtracking,
    ),
    Rule(
        "rds-cluster-multi-az",
        "RDS DB clusters span at least two Availability Zones.",
        "medium",
        ("RDS.15",),
        stack_check=_cluster_multi_az,
    ),
    Rule(
        "rds-event-notifications",
        "A stack with RDS declares event subscriptions for critical cluster, instance, parameter group and security "
        "group events.",
        "low",
        ("RDS.19", "RDS.20", "RDS.21", "RDS.22"),
        stack_check=_event_notifications,
    ),
    Rule(
        "elasticache-minor-version-upgrades",
        "ElastiCache takes automatic minor version upgrades.",
        "high",
        ("ElastiCache.2",),
        (t.CACHE_REPLICATION_GROUP, t.CACHE_CLUSTER),
        check=_cache_minor_upgrades,
    ),
    Rule(
        "s3-access-logging",
        "Every S3 bucket but the log buckets themselves has server access logging.",
        "medium",
        ("S3.9",),
        stack_check=_access_logging,
    ),
    Rule(
        "s3-lifecycle-configured",
        "Every S3 bucket has a lifecycle configuration with an enabled rule.",
        "low",
        ("S3.13",),
        stack_check=_lifecycle,
    ),
    Rule(
        "secretsmanager-rotation",
        f"Secrets Manager secrets rotate automatically, at least every {MAX_ROTATION_DAYS} days.",
        "medium",
        ("SecretsManager.1", "SecretsManager.4"),
        stack_check=_rotation,
    ),
    Rule(
        "cloudtrail-multi-region-management-events",
        "A stack's CloudTrail includes a logging multi-Region trail that records read and write management events.",
        "high",
        ("CloudTrail.1",),
        stack_check=_trail_multi_region,
    ),
    Rule(
        "cloudtrail-log-file-validation",
        "CloudTrail trails validate their log files.",
        "low",
        ("CloudTrail.4",),
        (t.CLOUDTRAIL,),
        check=_trail_validation,
    ),
    Rule(
        "cloudtrail-cloudwatch-logs",
        "CloudTrail trails deliver to CloudWatch Logs.",
        "low",
        ("CloudTrail.5",),
        (t.CLOUDTRAIL,),
        check=_trail_cloudwatch,
    ),
    Rule(
        "config-recorder-enabled",
        "An AWS Config recorder records every resource type with the service-linked role and is turned on.",
        "critical",
        ("Config.1",),
        stack_check=_config_enabled,
    ),
    Rule(
        "guardduty-enabled",
        "GuardDuty detectors are enabled.",
        "high",
        ("GuardDuty.1",),
        (t.GUARDDUTY_DETECTOR,),
        check=_detector_enabled,
    ),
    *(
        Rule(
            rule,
            f"GuardDuty detectors have {label} turned on.",
            severity,
            (control,),
            stack_check=_guardduty_feature(label, feature, agent),
        )
        for control, rule, label, feature, agent, severity in GUARDDUTY_PLANS
    ),
]
