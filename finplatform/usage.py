"""Usage assumptions: the volumes that usage-priced items are billed on, per month.

Defaults depend on the environment; a stack overrides any of them with ``finplatform:usage`` entries
``name=value`` (for example ``natProcessedGb=500``).
"""

import difflib
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from finplatform.safe_yaml import clip, shorten

ENVIRONMENTS = ("dev", "staging", "prod")
MAX_VOLUME = 1e9
"""No usage assumption is larger (a billion GB is an exabyte): anything above is a typo, and an infinite or
huge volume would put an infinite or meaningless figure in the cost model and the budget policy."""


@dataclass(frozen=True)
class Usage:
    """Monthly volumes. Each is per resource of its kind unless it says otherwise."""

    natProcessedGb: float  # noqa: N815 - names are the config keys users write
    logIngestGb: float  # noqa: N815
    s3StorageGb: float  # noqa: N815
    dataTransferOutGb: float  # noqa: N815 - per stack
    lambdaInvocationsMillion: float  # noqa: N815
    lambdaAvgDurationMs: float  # noqa: N815
    apiRequestsMillion: float  # noqa: N815
    queueRequestsMillion: float  # noqa: N815
    cloudfrontGb: float  # noqa: N815
    albLcu: float  # noqa: N815
    kmsRequests10k: float  # noqa: N815 - per key
    backupStorageGb: float  # noqa: N815 - per backup vault
    registryStorageGb: float  # noqa: N815 - per repository
    timeSeriesStorageGb: float  # noqa: N815
    alertMessages: float  # noqa: N815 - per topic, and per subscription of it
    tracedRequestsMillion: float  # noqa: N815 - per X-Ray sampling rule
    containerObservationsMillion: float  # noqa: N815 - per EKS node
    dbReplicationGb: float  # noqa: N815 - per cross-region read replica
    cacheReplicationGb: float  # noqa: N815 - per Global Datastore secondary
    s3ReplicationGb: float  # noqa: N815 - per replication destination bucket
    backupCopyGb: float  # noqa: N815 - per cross-region copy action
    registryReplicationGb: float  # noqa: N815 - per replication destination region
    pipelineRuns: float  # noqa: N815 - per pipeline, and builds per CodeBuild project
    buildMinutesPerRun: float  # noqa: N815 - per CodeBuild build or build action
    actionMinutesPerRun: float  # noqa: N815 - per other billed action of a V2 pipeline run
    configItems: float  # noqa: N815 - per AWS Config recorder
    configRuleEvaluations: float  # noqa: N815 - per AWS Config rule
    guarddutyEventsMillion: float  # noqa: N815 - per GuardDuty detector
    guarddutyLogGb: float  # noqa: N815 - per GuardDuty detector
    guarddutyS3EventsMillion: float  # noqa: N815 - per S3 protection plan
    securityHubChecks: float  # noqa: N815 - per Security Hub standard
    cacheSnapshotGb: float  # noqa: N815 - per ElastiCache backup
    dbBackupGb: float  # noqa: N815 - per RDS instance with automated backups
    cloudfrontRequestsMillion: float  # noqa: N815 - per distribution
    guarddutyLambdaLogGb: float  # noqa: N815 - per GuardDuty Lambda protection plan
    guarddutyEksAuditEventsMillion: float  # noqa: N815 - per GuardDuty EKS protection plan, with a cluster


DESCRIPTIONS = {
    "natProcessedGb": "GB through each NAT gateway",
    "logIngestGb": "GB ingested into each log group",
    "s3StorageGb": "GB stored in each bucket",
    "dataTransferOutGb": "GB out to the internet for the stack",
    "lambdaInvocationsMillion": "million invocations of each function",
    "lambdaAvgDurationMs": "average duration of a function invocation (ms)",
    "apiRequestsMillion": "million requests to each HTTP API",
    "queueRequestsMillion": "million requests to each queue",
    "cloudfrontGb": "GB served by each distribution",
    "albLcu": "average load balancer capacity units of each ALB",
    "kmsRequests10k": "ten-thousands of requests to each KMS key",
    "backupStorageGb": "GB held in each backup vault",
    "registryStorageGb": "GB of images in each repository",
    "timeSeriesStorageGb": "GB of storage of each time-series database",
    "alertMessages": "alert messages published to each SNS topic, each delivered to every subscription of it",
    "tracedRequestsMillion": "million requests each X-Ray sampling rule matches (its reservoir and rate keep some)",
    "containerObservationsMillion": "million Container Insights (enhanced) observations from each EKS node",
    "dbReplicationGb": "GB of changes (write-ahead log) each cross-region read replica receives",
    "cacheReplicationGb": "GB each Global Datastore replicates to each secondary region",
    "s3ReplicationGb": "GB of new or changed objects each bucket replication copies to each destination",
    "backupCopyGb": "GB each cross-region backup copy action copies",
    "registryReplicationGb": "GB of image layers pushed and replicated to each replication destination region",
    "pipelineRuns": "runs of each pipeline, and builds of each CodeBuild project",
    "buildMinutesPerRun": "minutes of each build (a CodeBuild build, or a pipeline's build or test action)",
    "actionMinutesPerRun": "minutes each other billed action of a V2 pipeline run takes (source, deploy, invoke)",
    "configItems": "configuration items each AWS Config recorder records (continuous; Fargate and Lambda ENI churn)",
    "configRuleEvaluations": "evaluations of each AWS Config rule (on changes in its scope, and periodic runs)",
    "guarddutyEventsMillion": "million CloudTrail management events each GuardDuty detector analyses",
    "guarddutyLogGb": "GB of VPC flow logs and DNS query logs each GuardDuty detector analyses",
    "guarddutyS3EventsMillion": "million S3 data events GuardDuty's S3 protection analyses",
    "securityHubChecks": "Security Hub security checks each enabled standard runs (controls x resources x evaluations)",
    "cacheSnapshotGb": "GB of each ElastiCache backup (one backup per cluster is free)",
    "dbBackupGb": "GB of backups each RDS instance keeps (free up to its provisioned storage)",
    "cloudfrontRequestsMillion": "million HTTPS requests to each distribution",
    "guarddutyLambdaLogGb": "GB of Lambda network activity logs GuardDuty's Lambda protection analyses",
    "guarddutyEksAuditEventsMillion": "million EKS audit log events GuardDuty's EKS protection analyses",
}

# Why each default is what it is, sized for the seeds' scale (seed 000: about 1,000 users, a 20-100 GB database):
# the cost doc prints one line per assumption.
RATIONALES = {
    "natProcessedGb": "image pulls and third-party calls; in prod the AWS APIs go through interface endpoints",
    "logIngestGb": "JSON logs of a service at ~1,000 users, ~150 MB a day; audit groups are the same order",
    "s3StorageGb": "the seeds' documents, exports and archives, tens of GB a bucket before lifecycle moves them",
    "dataTransferOutGb": "seed 000's 300 GB a month of responses to its users",
    "lambdaInvocationsMillion": "an anchoring or scheduled function: a few million calls a month at most",
    "lambdaAvgDurationMs": "a blockchain call or a batch step waits on the network",
    "apiRequestsMillion": "the seeds' API traffic at ~1,000 users",
    "queueRequestsMillion": "sends, receives and deletes of a worker queue, long-polling included",
    "cloudfrontGb": "the static frontend and cached API responses of ~1,000 users",
    "albLcu": "~1,000 users stay under one LCU (25 new connections/s, 3,000 active, 1 GB/h); ALBs bill at least 1",
    "kmsRequests10k": "envelope encryption with data-key caching: ~200,000 calls a key a month in prod",
    "backupStorageGb": "a 20-100 GB database: the first full copy plus 30 daily increments",
    "registryStorageGb": "a few hundred MB an image, thirty kept by the lifecycle policy",
    "timeSeriesStorageGb": "seed 004's market data at its retention",
    "alertMessages": "an alarm flapping now and then; a quiet month sends none",
    "tracedRequestsMillion": "the API requests a sampling rule matches",
    "containerObservationsMillion": "enhanced Container Insights on a node with a few pods",
    "dbReplicationGb": "the write-ahead log of a database with modest writes",
    "cacheReplicationGb": "cache writes of a few GB of hot data a month",
    "s3ReplicationGb": "new and changed objects of the critical buckets",
    "backupCopyGb": "the changed blocks each copy carries across after the first",
    "registryReplicationGb": "a release or two a day of a few hundred MB each",
    "pipelineRuns": "about one release a working day",
    "buildMinutesPerRun": "tests, an image build and a scan",
    "actionMinutesPerRun": "source, deploy and approval actions of a V2 pipeline run",
    "configItems": "a few hundred resources and Fargate's ENI churn",
    "configRuleEvaluations": "the stack's Config rules evaluated on each change",
    "guarddutyEventsMillion": "CloudTrail management events of one account",
    "guarddutyLogGb": "flow and DNS logs GuardDuty analyses",
    "guarddutyS3EventsMillion": "S3 data events of the stack's buckets",
    "securityHubChecks": "FSBP's checks over the stack's resources",
    "cacheSnapshotGb": "a cache of about 1 GB",
    "dbBackupGb": "automated backups kept beyond the free allowance of the provisioned storage",
    "cloudfrontRequestsMillion": "page and asset requests of ~1,000 users",
    "guarddutyLambdaLogGb": "the network activity of a few functions: anchoring calls and rotation steps",
    "guarddutyEksAuditEventsMillion": "a small cluster's controllers and a few deployments a day",
}
DEFAULTS: dict[str, Usage] = {
    # The last nine (audit, backups, CloudFront requests) are sized for the seeds' scale: a few hundred resources
    # with Fargate ENI churn, a 20 GB database with 30 days of backups, a cache of about 1 GB.
    "dev": Usage(
        20,
        1,
        5,
        10,
        0.1,
        500,
        0.1,
        0.1,
        10,
        1,
        1,
        10,
        1,
        20,
        100,
        0.1,
        25,
        5,
        2,
        5,
        5,
        1,
        30,
        10,
        5,
        300,
        300,
        0.05,
        2,
        0.1,
        500,
        0.1,
        10,
        0.1,
        0.05,
        2,
    ),
    "staging": Usage(
        30,
        2,
        20,
        50,
        0.5,
        500,
        0.5,
        0.5,
        20,
        1,
        5,
        30,
        2,
        50,
        100,
        0.5,
        25,
        10,
        5,
        10,
        20,
        2,
        30,
        10,
        5,
        600,
        600,
        0.1,
        5,
        0.5,
        1000,
        0.5,
        25,
        1,
        0.1,
        5,
    ),
    "prod": Usage(
        50,
        5,
        50,
        300,
        5,
        500,
        5,
        5,
        100,
        1,
        20,
        100,
        5,
        200,
        100,
        5,
        25,
        30,
        10,
        25,
        30,
        5,
        30,
        10,
        5,
        1500,
        1500,
        0.3,
        20,
        2,
        3000,
        1,
        40,
        5,
        0.5,
        10,
    ),
}


class UsageError(ValueError):
    """A usage entry that cannot be applied; ``position`` is its index in the list."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position = position


def parse_usage(environment: str, entries: list[str]) -> Usage:
    """The environment's defaults with ``name=value`` entries applied."""
    usage = DEFAULTS[environment if environment in DEFAULTS else "dev"]
    changes: dict[str, Any] = {}
    for position, entry in enumerate(entries):
        name, sep, text = entry.partition("=")
        name = name.strip()
        if not sep or name not in USAGE_NAMES:
            raise UsageError(
                position, f"expected name=value with a name from: {', '.join(USAGE_NAMES)} (got {shorten(entry)})"
            )
        try:
            value = float(text)
        except ValueError:
            raise UsageError(position, f"{name} needs a number (got {shorten(text.strip())})") from None
        try:
            changes[name] = volume(name, value, text.strip())
        except ValueError as error:
            raise UsageError(position, str(error)) from None
    return replace(usage, **changes)


def volume(name: str, value: float, written: str) -> float:
    """``value`` as a usage volume, or a ValueError saying what is allowed. NaN compares false with everything:
    it would make every cost NaN and the budget check never fire."""
    allowed = f"allowed: a number from 0 to {MAX_VOLUME:,.0f}"
    if value < 0:
        raise ValueError(f"{name} cannot be negative; {allowed} (got {shorten(written)})")
    if not math.isfinite(value) or value > MAX_VOLUME:
        raise ValueError(f"{name} needs a finite number; {allowed} (got {shorten(written)})")
    return value


USAGE_NAMES = tuple(f.name for f in fields(Usage))
RESOURCE_USAGE_KEY = "finplatform:resourceUsage"
ResourceUsage = Mapping[str, Mapping[str, float]]


class ResourceUsageError(ValueError):
    """A ``finplatform:resourceUsage`` entry that cannot be applied; ``key`` is where, e.g. ``app-logs.logIngestGb``."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def parse_resource_usage(raw: Any) -> dict[str, dict[str, float]]:
    """``finplatform:resourceUsage`` as written: logical resource name -> {assumption name: number}. Whether each
    name is a usage-priced resource of the plan, reading that assumption, is known only once the program has run
    (``unmatched_resource_usage``)."""
    if raw is None or raw == {}:
        return {}
    if not isinstance(raw, Mapping):
        raise ResourceUsageError("", f"expected a mapping of resource names to assumptions (got {shorten(str(raw))})")
    parsed: dict[str, dict[str, float]] = {}
    for resource, assumptions in raw.items():
        where = clip(str(resource), 80)
        if not isinstance(assumptions, Mapping) or not assumptions:
            example = "e.g. logIngestGb: 5"
            message = f"expected a mapping of assumption names to numbers, {example} (got {shorten(str(assumptions))})"
            raise ResourceUsageError(where, message)
        values: dict[str, float] = {}
        for name, value in assumptions.items():
            key = f"{where}.{clip(str(name), 80)}"
            if name not in USAGE_NAMES:
                close = difflib.get_close_matches(str(name), USAGE_NAMES, n=1, cutoff=0.8)
                hint = f"; did you mean {close[0]}?" if close else f"; names: {', '.join(USAGE_NAMES)}"
                raise ResourceUsageError(key, f"no usage assumption of that name{hint}")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ResourceUsageError(key, f"{name} needs a number (got {shorten(str(value))})")
            try:
                values[str(name)] = volume(str(name), float(value), str(value))
            except ValueError as error:
                raise ResourceUsageError(key, str(error)) from None
        parsed[str(resource)] = values
    return parsed


@dataclass(frozen=True)
class Assumptions:
    """A stack's usage assumptions: the environment's defaults with ``finplatform:usage`` applied, and the
    per-resource ``finplatform:resourceUsage`` values over them, keyed by logical name."""

    stack: Usage
    per_resource: ResourceUsage = field(default_factory=dict)

    def of(self, resource_name: str) -> Usage:
        """The assumptions a resource of this logical name is priced with."""
        own = self.per_resource.get(resource_name)
        return replace(self.stack, **own) if own else self.stack


def stack_assumptions(environment: str, usage_entries: list[str], resource_usage: Any) -> Assumptions:
    """The stack's ``finplatform:usage`` list and ``finplatform:resourceUsage`` mapping as one ``Assumptions``;
    raises UsageError or ResourceUsageError."""
    return Assumptions(parse_usage(environment, usage_entries), parse_resource_usage(resource_usage))


def unmatched_resource_usage(
    per_resource: ResourceUsage, reads: Mapping[str, Collection[str]]
) -> list[tuple[str, str]]:
    """What of ``finplatform:resourceUsage`` matches nothing the cost model priced: a name no usage-priced resource
    has, or an assumption that resource's price does not read. ``reads`` maps each usage-priced resource's logical
    name to the assumptions its price read. Each problem is (key, message)."""
    problems = []
    for resource, values in per_resource.items():
        if resource not in reads:
            close = difflib.get_close_matches(resource, list(reads), n=1, cutoff=0.8)
            hint = f"; did you mean {close[0]}?" if close else ""
            message = f"no usage-priced resource has that logical name{hint} (plan --sync-usage lists them)"
            problems.append((f"{RESOURCE_USAGE_KEY}.{clip(resource, 80)}", message))
            continue
        for name in values:
            if name not in reads[resource]:
                read = ", ".join(sorted(reads[resource])) or "none"
                key = f"{RESOURCE_USAGE_KEY}.{clip(resource, 80)}.{name}"
                problems.append((key, f"its price does not read {name} (it reads: {read})"))
    return problems
