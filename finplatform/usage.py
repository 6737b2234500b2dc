"""Usage assumptions: the volumes that usage-priced items are billed on, per month.

Defaults depend on the environment; a stack overrides any of them with ``finplatform:usage`` entries
``name=value`` (for example ``natProcessedGb=500``).
"""

import math
from dataclasses import dataclass, fields, replace
from typing import Any

from finplatform.safe_yaml import shorten

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
}

DEFAULTS: dict[str, Usage] = {
    "dev": Usage(20, 5, 10, 10, 0.1, 500, 0.1, 0.1, 10, 1, 10, 20, 1, 20, 100, 0.1, 25, 5, 2, 5, 5, 1, 30, 10, 5),
    "staging": Usage(
        50, 10, 50, 50, 0.5, 500, 0.5, 0.5, 50, 1, 50, 100, 2, 50, 100, 0.5, 25, 10, 5, 10, 20, 2, 30, 10, 5
    ),
    "prod": Usage(200, 50, 500, 300, 5, 500, 5, 5, 500, 5, 100, 1000, 5, 200, 100, 5, 25, 30, 10, 25, 30, 5, 30, 10, 5),
}


class UsageError(ValueError):
    """A usage entry that cannot be applied; ``position`` is its index in the list."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position = position


def parse_usage(environment: str, entries: list[str]) -> Usage:
    """The environment's defaults with ``name=value`` entries applied."""
    usage = DEFAULTS[environment if environment in DEFAULTS else "dev"]
    names = [f.name for f in fields(Usage)]
    changes: dict[str, Any] = {}
    for position, entry in enumerate(entries):
        name, sep, text = entry.partition("=")
        name = name.strip()
        if not sep or name not in names:
            raise UsageError(
                position, f"expected name=value with a name from: {', '.join(names)} (got {shorten(entry)})"
            )
        try:
            value = float(text)
        except ValueError:
            raise UsageError(position, f"{name} needs a number (got {shorten(text.strip())})") from None
        # NaN compares false with everything: it would make every cost NaN and the budget check never fire.
        allowed = f"allowed: a number from 0 to {MAX_VOLUME:,.0f}"
        if value < 0:
            raise UsageError(position, f"{name} cannot be negative; {allowed} (got {shorten(text.strip())})")
        if not math.isfinite(value) or value > MAX_VOLUME:
            raise UsageError(position, f"{name} needs a finite number; {allowed} (got {shorten(text.strip())})")
        changes[name] = value
    return replace(usage, **changes)
