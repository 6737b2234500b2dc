"""The alarm catalogue: thresholds from blueprints over the seeds' defaults, AWS's limits on alarms and names,
and an alarm for every service and store of every committed stack."""

from typing import Any

import pytest
from pydantic import ValidationError

from components.observability.tracing import MAX_XRAY_NAME, xray_name
from finplatform.alerting import (
    DEFAULTS,
    MAX_ALARM_NAME,
    MAX_METRICS_PER_ALARM,
    ROUTED_ELSEWHERE,
    alarm_catalogue,
    alarm_name,
    postgres_max_connections,
    rds_memory_gib,
    redis_node_suffixes,
    resolve,
)
from finplatform.blueprints import ALARM_METRICS, ROUTED_METRICS, Blueprint
from finplatform.stack import ResolvedStack, resolve_stack
from finplatform.tooling.stack_files import read_stack_file
from tests.components.test_build import SIZES_EC2, SIZES_FARGATE, _stack

COMMITTED = ["dev", "staging", "prod", "accunode-prod", "data-pipeline-prod", "dex-mobile-prod", "smart-0dte-prod"]


def _committed(stack: str) -> ResolvedStack:
    raw, _ = read_stack_file(stack)
    return resolve_stack(stack, raw)


def _blueprint(**extra: Any) -> Blueprint:
    return Blueprint.model_validate(
        {"name": "synthetic", "services": [{"name": "api", "image": "api:1", "sizes": SIZES_FARGATE}], **extra}
    )


def test_every_built_in_alert_has_a_default_and_every_routed_one_a_route() -> None:
    # GIVEN the schema's alert names WHEN compared with the catalogue's tables THEN they match one for one
    assert set(DEFAULTS) == set(ALARM_METRICS)
    assert set(ROUTED_ELSEWHERE) == set(ROUTED_METRICS)


def test_a_subjects_own_threshold_wins_over_the_stacks_which_wins_over_the_default() -> None:
    # GIVEN a blueprint setting CPU stack-wide at 70 and for api at 60
    blueprint = _blueprint(
        seed="009",
        alerts=[
            {"metric": "cpu", "threshold": 70},
            {"metric": "cpu", "threshold": 60, "appliesTo": "api", "severity": "critical"},
        ],
    )
    # WHEN thresholds are resolved THEN api gets its own, another subject the stack's, memory the seed default
    assert resolve(blueprint, "cpu", "api").threshold == 60 and resolve(blueprint, "cpu", "api").severity == "critical"
    assert resolve(blueprint, "cpu", "postgres").threshold == 70
    memory = resolve(blueprint, "memory", "api")
    assert (memory.threshold, memory.seed) == (80, "003")


@pytest.mark.parametrize(
    ("alert", "message"),
    [
        ({"metric": "cpuu", "threshold": 1}, "not a built-in alarm"),
        ({"metric": "cpu", "threshold": 1, "appliesTo": "nothing"}, "applies to 'nothing'"),
        ({"metric": "latency", "threshold": 1, "namespace": "App"}, "namespace and metricName go together"),
        ({"metric": "cpu", "threshold": 1, "statistic": "p"}, "statistic"),
    ],
)
def test_a_malformed_alert_is_refused_with_what_is_allowed(alert: dict[str, Any], message: str) -> None:
    # GIVEN an alert naming an unknown metric, subject or half a custom metric WHEN loaded THEN it is refused
    with pytest.raises(ValidationError, match=message):
        _blueprint(alerts=[alert])


def test_redis_member_clusters_are_named_as_elasticache_names_them() -> None:
    # GIVEN a primary with a replica, and three shards of two nodes WHEN their suffixes are listed
    # THEN they follow ElastiCache's -NNN and -NNNN-NNN forms
    assert redis_node_suffixes(1, 1, False) == ["001", "002"]
    assert redis_node_suffixes(3, 1, True) == ["0001-001", "0001-002", "0002-001", "0002-002", "0003-001", "0003-002"]
    assert redis_node_suffixes(1, 0, True) == ["0001-001"]


def test_a_cluster_larger_than_an_alarm_can_read_is_split_across_alarms() -> None:
    # GIVEN four shards of three nodes (12 members; an alarm reads at most 10 metrics)
    stack = _stack(
        "prod",
        {
            "services": [{"name": "api", "image": "api:1", "sizes": SIZES_FARGATE}],
            "redis": {
                "sizes": {
                    e: {"nodeType": "cache.r6g.large", "shards": 4, "replicasPerShard": 2}
                    for e in ("dev", "staging", "prod")
                }
            },
        },
    )
    # WHEN the catalogue is worked out
    redis = [a for a in alarm_catalogue(stack) if a.subject == "redis"]
    # THEN each Redis metric takes two alarms that together read all 12 nodes, none over the limit
    assert redis
    assert all(len(a.metrics) <= MAX_METRICS_PER_ALARM for a in redis)
    cpu = [a for a in redis if a.key.startswith("redis-cpu")]
    assert [a.key for a in cpu] == ["redis-cpu-1", "redis-cpu-2"]
    assert sum(len(a.metrics) for a in cpu) == 12


@pytest.mark.parametrize(
    ("instance_class", "memory", "ceiling"),
    [("db.t3.micro", 1, 70), ("db.t3.medium", 4, 405), ("db.m6g.large", 8, 811), ("db.r6g.xlarge", 32, 3244)],
)
def test_the_connection_ceiling_follows_rds_formula_and_errs_low(
    instance_class: str, memory: int, ceiling: int
) -> None:
    # GIVEN an RDS class WHEN its memory and default max_connections are estimated
    # THEN memory follows the class name and the ceiling stays under LEAST(memory / 9531392, 5000)
    assert rds_memory_gib(instance_class) == memory
    assert postgres_max_connections(instance_class) == ceiling
    assert ceiling < min(memory * 1024**3 // 9531392, 5000)


def test_names_fit_cloudwatch_and_xray_limits() -> None:
    # GIVEN the longest stack and service names the schema allows
    stack, service = "s" * 40, "a" + "b" * 30 + "c"
    # WHEN alarm and X-Ray names are made THEN they fit, and two long services stay distinct in X-Ray
    (spec, *_) = alarm_catalogue(_committed("prod"))
    assert len(alarm_name(f"finplatform-{stack}", spec)) <= MAX_ALARM_NAME
    assert len(xray_name(stack, service)) <= MAX_XRAY_NAME
    assert xray_name(stack, service) != xray_name(stack, service[:-1] + "d")
    assert xray_name("prod", "web-ui") == "prod-web-ui"


@pytest.mark.parametrize("stack", COMMITTED)
def test_every_service_and_store_of_a_committed_stack_has_alarms(stack: str) -> None:
    # GIVEN a committed stack WHEN its catalogue is worked out
    resolved = _committed(stack)
    alarms = alarm_catalogue(resolved)
    subjects = {a.subject for a in alarms}
    blueprint = resolved.blueprint
    stores = [n for n, s in (("postgres", blueprint.postgres), ("redis", blueprint.redis)) if s is not None]
    if blueprint.time_series is not None:
        stores.append("timeSeries")
    # THEN every service, function and store is watched, and nothing reads more than an alarm can
    expected = {s.name for s in blueprint.services} | {f.name for f in blueprint.functions} | set(stores)
    assert expected and expected <= subjects
    assert alarms and all(1 <= len(a.metrics) <= MAX_METRICS_PER_ALARM for a in alarms)
    assert len({a.key for a in alarms}) == len(alarms)


def test_seed_thresholds_reach_the_alarms_of_their_blueprints() -> None:
    # GIVEN seed 002's stack (response time averaged, errors critical) and seed 004's (errors within a minute)
    accunode = {a.key: a for a in alarm_catalogue(_committed("accunode-prod"))}
    smart = {a.key: a for a in alarm_catalogue(_committed("smart-0dte-prod"))}
    # THEN the response-time alarm reads the average at 0.5 s, errors are critical at 5%, backlog at 100
    response = accunode["api-server-response-time"]
    assert (response.metrics[0].stat, response.threshold) == ("Average", 0.5)
    assert (accunode["api-server-5xx-rate"].threshold, accunode["api-server-5xx-rate"].severity) == (5, "critical")
    assert accunode["celery-worker-queue-backlog"].threshold == 100
    assert smart["backend-5xx-rate"].minutes == 1
    failure = smart["backend-trading-system-failure"]
    assert failure.metrics[0].dimensions == (("ServiceName", "backend"),) and failure.severity == "critical"


def test_only_a_worker_with_a_backlog_alert_gets_a_backlog_alarm() -> None:
    # GIVEN a private EC2 service without a backlog alert (seed 001's monitoring host)
    stack = _stack(
        "prod",
        {
            "services": [
                {"name": "monitor", "target": "ec2-autoscaling", "image": "m:1", "public": False, "sizes": SIZES_EC2}
            ]
        },
    )
    # WHEN the catalogue is worked out THEN it watches CPU, memory and errors but no queue
    keys = {a.key for a in alarm_catalogue(stack)}
    assert {"monitor-cpu", "monitor-memory", "monitor-logged-errors"} <= keys
    assert "monitor-queue-backlog" not in keys
