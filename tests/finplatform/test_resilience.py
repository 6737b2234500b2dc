"""DR tiers from the objectives, the AWS constraints the tiers rely on, and the recovery assessment."""

from typing import Any

import pytest

from finplatform.config import ConfigError
from finplatform.resilience import (
    FIGURES,
    Objectives,
    assess,
    backup_period_hours,
    backup_schedule,
    required_tier,
    schedule_period_minutes,
    supports_global_datastore,
)
from finplatform.stack import resolve_stack
from finplatform.tooling.cost.model import PricedResource
from finplatform.tooling.stack_files import read_stack_file


@pytest.mark.parametrize(
    ("rto", "rpo", "tier"),
    [
        (15, 5, "warm-standby"),  # seed 004
        (240, 60, "pilot-light"),  # seed 000
        (240, 1440, "backup-restore"),  # seeds 002 and 003
        (2, 1, "multi-site"),
        (59, 1440, "warm-standby"),
        (60, 1439, "pilot-light"),
    ],
)
def test_the_objectives_choose_the_lowest_tier_that_can_meet_them(rto: int, rpo: int, tier: str) -> None:
    # GIVEN a blueprint's RTO and RPO WHEN the tier is derived THEN it is AWS's strategy for that range
    assert required_tier(rto, rpo) == tier


@pytest.mark.parametrize(
    ("node_type", "supported"),
    [
        ("cache.r6g.large", True),
        ("cache.m7g.xlarge", True),
        ("cache.r6gd.2xlarge", True),
        ("cache.t3.medium", False),  # no burstable family
        ("cache.t4g.small", False),
        ("cache.m6g.medium", False),  # large and above only
        ("cache.r4.large", False),  # previous generation
        ("r6g.large", False),
    ],
)
def test_only_the_node_families_global_datastore_supports_pass(node_type: str, supported: bool) -> None:
    # GIVEN an ElastiCache node type WHEN checked for Global Datastore THEN only M5/M6g/M7g/R5/R6g(d)/R7g/C7gn large+
    assert supports_global_datastore(node_type) is supported


def test_the_backup_period_leaves_room_for_the_copy_within_the_rpo() -> None:
    # GIVEN RPOs of a day, six hours and one hour WHEN the backup period is derived
    # THEN a backup plus its cross-region copy fits the RPO, and a one-hour RPO (met by a replica) keeps daily
    copy = FIGURES["backup-copy"].minutes
    for rpo in (1440, 6 * 60):
        period = backup_period_hours(rpo)
        assert period < 24 and period * 60 + copy <= rpo
        longer = [p for p in (24, 12, 8, 6, 4, 2, 1) if p > period]
        assert all(p * 60 + copy > rpo for p in longer)
    assert backup_period_hours(60) == 24


@pytest.mark.parametrize(
    ("period", "expected"),
    [(24, "cron(0 5 ? * * *)"), (12, "cron(0 5,17 ? * * *)"), (4, "cron(0 5,9,13,17,21,1 ? * * *)")],
)
def test_the_backup_schedule_runs_every_period_and_reads_back(period: int, expected: str) -> None:
    # GIVEN a period WHEN written as AWS Backup's cron THEN it is the expected one, and reading it back gives
    # the period again (the DR assessment reads the declared schedule, not the period the program meant)
    assert backup_schedule(period) == expected
    assert schedule_period_minutes(expected) == period * 60


def test_a_schedule_the_assessment_cannot_read_is_not_guessed() -> None:
    # GIVEN a weekly schedule and a garbled one WHEN read THEN neither yields a period
    assert schedule_period_minutes("cron(0 5 ? * MON *)") is None
    assert schedule_period_minutes("every day") is None
    assert schedule_period_minutes("rate(6 hours)") == 360


# --- the assessment, on resources shaped as the engine receives them --------------------------------------

OBJECTIVES = Objectives(
    rto_minutes=15, rpo_minutes=5, tier="warm-standby", primary_region="us-east-1", dr_region="us-west-2"
)


def res(type_: str, name: str, region: str = "us-east-1", **props: Any) -> PricedResource:
    return PricedResource(f"urn:pulumi:s::p::{type_}::{name}", type_, name, props, region)


def test_a_cross_region_replica_meets_a_five_minute_rpo_and_a_daily_copy_does_not() -> None:
    # GIVEN a database with a DR replica, and one with only a daily copy across
    replica = [
        res("aws:rds/instance:Instance", "db", identifier="app"),
        res("aws:rds/instance:Instance", "db-dr", "us-west-2", identifier="app-dr", replicateSourceDb="arn"),
    ]
    daily = [
        res("aws:rds/instance:Instance", "db", identifier="app", tags={"backup": "daily"}),
        res("aws:backup/plan:Plan", "plan", rules=[{"schedule": "cron(0 5 ? * * *)", "copyActions": [{}]}]),
        res("aws:backup/selection:Selection", "sel", selectionTags=[{"key": "backup", "value": "daily"}]),
    ]
    # WHEN each is assessed against seed 004's objectives
    (with_replica,) = assess(replica, OBJECTIVES).rows
    (with_copy,) = assess(daily, OBJECTIVES).rows
    # THEN the replica meets them, and the copy fails naming the store and the gap
    assert with_replica.meets and with_replica.rto_minutes is not None and with_replica.rto_minutes <= 15
    assert with_copy.failing
    assert with_copy.subject == "postgres"
    period_and_copy = 24 * 60 + FIGURES["backup-copy"].minutes
    assert f"RPO {period_and_copy:g} min > objective 5 min" in with_copy.gaps


def test_a_promoted_replica_is_reported_as_the_writer() -> None:
    # GIVEN the stack after a failover: the DR instance has no source
    resources = [
        res("aws:rds/instance:Instance", "db", identifier="app"),
        res("aws:rds/instance:Instance", "db-dr", "us-west-2", identifier="app-dr"),
    ]
    # WHEN assessed THEN the row says it is the writer now
    (row,) = assess(resources, OBJECTIVES).rows
    assert "promoted" in row.mechanism and row.meets


def test_redis_without_a_global_datastore_cannot_recover_and_an_accepted_gap_passes() -> None:
    # GIVEN Redis with in-region snapshots only, judged plainly and with the blueprint accepting the gap
    resources = [res("aws:elasticache/replicationGroup:ReplicationGroup", "cache")]
    accepted = Objectives(**{**OBJECTIVES.__dict__, "accepted": {"redis": "a cache rebuilt from the database"}})
    # WHEN assessed
    (plain,) = assess(resources, OBJECTIVES).rows
    (waived,) = assess(resources, accepted).rows
    # THEN both show the gap; only the accepted one passes, with its reason
    assert plain.failing and plain.rpo_minutes is None
    assert waived.gaps and not waived.failing and waived.accepted_because


def test_influxdb_meets_the_rpo_only_with_a_fed_standby_the_blueprint_states() -> None:
    # GIVEN InfluxDB in both regions with a standby service running there, with and without the blueprint stating
    # that the standby's services ingest the feeds, and the same without the running service
    influx = [
        res("aws:timestreaminfluxdb/dbInstance:DbInstance", "influx"),
        res("aws:timestreaminfluxdb/dbInstance:DbInstance", "influx-dr", "us-west-2"),
    ]
    feeder = res("aws:ecs/service:Service", "dr-backend", "us-west-2", desiredCount=1)
    stated = Objectives(**{**OBJECTIVES.__dict__, "standby_ingestion_seconds": 30})
    # WHEN assessed
    (unstated,) = assess([*influx, feeder], OBJECTIVES).rows[:1]
    (fed,) = [r for r in assess([*influx, feeder], stated).rows if r.subject == "timeSeries"]
    (unfed,) = [r for r in assess(influx, stated).rows if r.subject == "timeSeries"]
    # THEN only the stated, running feed meets the RPO, and the row says the platform cannot observe it
    assert unstated.failing and "neither replication nor customer backups" in unstated.mechanism
    assert fed.meets and fed.rpo_minutes == 0.5 and "cannot observe" in fed.mechanism
    assert unfed.failing


def test_s3_replication_meets_only_what_replication_time_control_promises() -> None:
    # GIVEN a data bucket replicated with RTC
    resources = [
        res("aws:s3/bucket:Bucket", "storage-data", tags={"purpose": "data", "bucket-name": "data"}),
        res(
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
            "storage-data-replication",
            rules=[{"destination": {"replicationTime": {"status": "Enabled"}}}],
        ),
    ]
    # WHEN assessed against a 5-minute RPO THEN RTC's 15-minute SLA falls short, named by the blueprint's name
    (row,) = assess(resources, OBJECTIVES).rows
    assert row.subject == "bucket:data" and row.rpo_minutes == 15 and row.failing


def test_dns_failover_to_a_running_standby_meets_a_fifteen_minute_rto() -> None:
    # GIVEN a standby load balancer with a running service, a 10-second health check and failover records
    resources = [
        res("aws:lb/loadBalancer:LoadBalancer", "alb"),
        res("aws:lb/loadBalancer:LoadBalancer", "dr-alb", "us-west-2"),
        res("aws:ecs/service:Service", "dr-api", "us-west-2", desiredCount=1),
        res("aws:route53/healthCheck:HealthCheck", "check", requestInterval=10, failureThreshold=3),
        res("aws:route53/record:Record", "origin", failoverRoutingPolicies=[{"type": "PRIMARY"}]),
    ]
    # WHEN assessed THEN detection, propagation, TTL and scale-out fit in the RTO
    (row,) = assess(resources, OBJECTIVES).rows
    assert row.subject == "serving" and row.meets and row.rto_minutes is not None and row.rto_minutes <= 15
    # AND without the standby the same stack's serving path needs the failover change to build compute: it fails
    (cold,) = assess(resources[:1], OBJECTIVES).rows
    assert cold.failing and "created in us-west-2 by the failover change" in cold.mechanism


# --- the tier as a stack chooses it ----------------------------------------------------------------------


def stack_config(name: str, **overrides: str) -> dict[str, str]:
    raw, _ = read_stack_file(name)
    return {**raw, **{f"finplatform:{k}": v for k, v in overrides.items()}}


def test_a_stack_may_choose_a_higher_tier_but_never_a_lower_one() -> None:
    # GIVEN portfolio-analytics prod, whose objectives need a pilot light
    # WHEN it asks for backup and restore THEN the stack file is refused, naming the key and the reason
    with pytest.raises(ConfigError) as refused:
        resolve_stack("prod", stack_config("prod", drTier="backup-restore"))
    assert "finplatform:drTier" in str(refused.value) and "below pilot-light" in str(refused.value)
    # AND a warm standby without a domain is refused: the failover goes through Route 53
    with pytest.raises(ConfigError, match="finplatform:domainName"):
        resolve_stack("prod", stack_config("prod", drTier="warm-standby"))
    # AND accunode prod, whose daily RPO needs only backup and restore, may choose a pilot light
    chosen = resolve_stack("accunode-prod", stack_config("accunode-prod", drTier="pilot-light"))
    assert chosen.dr_tier == "pilot-light" and not chosen.warm_standby
    assert resolve_stack("accunode-prod", stack_config("accunode-prod")).dr_tier == "backup-restore"


def test_multi_site_and_failover_without_a_dr_region_are_refused() -> None:
    # GIVEN stacks asking for what the platform does not build or cannot do
    # WHEN resolved THEN each names its key
    with pytest.raises(ConfigError, match="multi-site"):
        resolve_stack("prod", stack_config("prod", drTier="multi-site"))
    with pytest.raises(ConfigError, match="finplatform:activeRegion"):
        resolve_stack("staging", stack_config("staging", activeRegion="dr"))
    with pytest.raises(ConfigError, match="finplatform:drTier"):
        resolve_stack("staging", stack_config("staging", drTier="pilot-light"))


def test_a_warm_standby_refuses_a_redis_node_type_global_datastore_cannot_replicate() -> None:
    # GIVEN smart-0dte staging with DR turned on for a rehearsal, on its cache.t3.medium Redis
    raw = stack_config("smart-0dte-staging", drEnabled="true", domainName="t.example.com", hostedZoneId="Z0TRADING")
    # WHEN resolved THEN the blueprint key to change is named
    with pytest.raises(ConfigError, match=r"does not support cache\.t3\.medium"):
        resolve_stack("smart-0dte-staging", raw)
