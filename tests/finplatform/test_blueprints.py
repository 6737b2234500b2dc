"""Blueprint rules that are not plain validation."""

from typing import Any

import pytest
from pydantic import ValidationError

from finplatform.blueprint_checks import (
    check_image,
    check_postgres_version,
    check_redis_version,
    check_schedule,
    looks_secret,
)
from finplatform.blueprints import Blueprint

BASE: dict[str, Any] = {
    "name": "ledger",
    "postgres": {"sizes": {env: {"instanceClass": "db.t3.micro"} for env in ("dev", "staging", "prod")}},
}


def test_cross_region_replica_follows_the_recovery_point_objective() -> None:
    # GIVEN an RPO of an hour, which a daily cross-region backup copy cannot meet
    hourly = Blueprint.model_validate({**BASE, "recovery": {"rpoMinutes": 60}})
    # WHEN the blueprint decides whether PostgreSQL needs a cross-region replica
    # THEN PostgreSQL keeps a DR replica; with a two-day RPO it does not
    assert hourly.needs_cross_region_replica() is True
    assert Blueprint.model_validate({**BASE, "recovery": {"rpoMinutes": 2880}}).needs_cross_region_replica() is False


def test_explicit_choice_wins_over_the_objective() -> None:
    # GIVEN an hourly RPO, with crossRegionReplica explicitly false on PostgreSQL
    pinned = {**BASE, "recovery": {"rpoMinutes": 60}, "postgres": {**BASE["postgres"], "crossRegionReplica": False}}
    # WHEN the blueprint decides whether PostgreSQL needs a DR replica
    # THEN the explicit false wins over what the RPO would call for
    assert Blueprint.model_validate(pinned).needs_cross_region_replica() is False


# --- values checked against what AWS accepts (issue 13): what is allowed passes, what is not is refused


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(180 days)",
        "cron(0 12 * * ? *)",
        "cron(0/15 8-17 ? * MON-FRI *)",
        "cron(0 5,17 ? * * *)",
        "cron(0 10 L * ? *)",
        "cron(0 10 15W * ? 2026-2030)",
        "cron(0 9 ? * 6L *)",
        "cron(0 9 ? * MON#1 *)",
        "cron(30 2 1 JAN-MAR ? *)",
    ],
)
def test_eventbridge_schedule_expressions_are_accepted(expression: str) -> None:
    # GIVEN a schedule expression EventBridge accepts WHEN it is checked THEN it stands
    assert check_schedule(expression) == expression


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("rate(5 minute)", "write rate(5 minutes)"),
        ("rate(-1 minutes)", "is not a schedule expression"),
        ("rate(1 week)", "is not a schedule expression"),
        ("cron(0 24 * * ? *)", "hours '24'"),
        ("cron(0 12 32 * ? *)", "day-of-month '32'"),
        ("cron(0 12 ? 13 MON *)", "month '13'"),
        ("cron(0 12 ? * FUNDAY *)", "day-of-week 'FUNDAY'"),
        ("cron(0 12 ? * MON 1969)", "year '1969'"),
        ("cron(0 12 ? * MON#6 *)", "day-of-week 'MON#6'"),
        ("cron(*/0 12 ? * MON *)", "the step '0' is not a positive whole number"),
        ("cron(0 ? * * MON *)", "? is for day-of-month or day-of-week only"),
        ("cron(0 12 ? * ? *)", "exactly one of day-of-month and day-of-week must be ?"),
        ("0 12 * * ? *", "is not a schedule expression"),
    ],
)
def test_invalid_schedule_expressions_are_refused(expression: str, expected: str) -> None:
    # GIVEN an expression EventBridge would refuse WHEN it is checked THEN the message says what is wrong
    with pytest.raises(ValueError) as caught:
        check_schedule(expression)
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    "image",
    ["web-ui:1.0.0", "w:1", "team/api:2024.06.01-rc1", "worker", "api@sha256:" + "0" * 64, "a__b.c-d:Latest_1"],
)
def test_image_references_the_registry_takes_are_accepted(image: str) -> None:
    # GIVEN an image reference of the stack's own registry WHEN it is checked THEN it stands
    assert check_image(image) == image


@pytest.mark.parametrize(
    ("version", "valid"),
    [("16", True), ("16.4", True), ("13", True), ("18.1", True), ("12", False), ("16.0", False), ("16.x", False)],
)
def test_postgres_versions_are_those_rds_offers(version: str, valid: bool) -> None:
    # GIVEN a PostgreSQL version WHEN it is checked THEN only those RDS offers under standard support stand
    if valid:
        assert check_postgres_version(version) == version
    else:
        with pytest.raises(ValueError, match="PostgreSQL"):
            check_postgres_version(version)


@pytest.mark.parametrize(("version", "valid"), [("7.1", True), ("6.2", True), ("7", False), ("5.0.6", False)])
def test_redis_versions_are_those_elasticache_offers(version: str, valid: bool) -> None:
    # GIVEN a Redis OSS version WHEN it is checked THEN only those ElastiCache offers stand
    if valid:
        assert check_redis_version(version) == version
    else:
        with pytest.raises(ValueError, match=r"allowed: 6\.0, 6\.2, 7\.0, 7\.1"):
            check_redis_version(version)


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("stripeApiKey", True),
        ("GITHUB_TOKEN", True),
        ("SIGNING_PRIVATE_KEY", True),
        ("jwt-secret", True),
        ("ETHEREUM_NETWORK", False),
        ("LOG_LEVEL", False),
    ],
)
def test_secret_looking_setting_names(name: str, secret: bool) -> None:
    # GIVEN a setting's name WHEN it is judged THEN names that say PASSWORD, SECRET, TOKEN, PRIVATE_KEY or API_KEY
    # look like secrets
    assert looks_secret(name) is secret


def test_snake_case_blueprint_keys_are_not_synonyms() -> None:
    # GIVEN a blueprint document with a snake_case key WHEN it is validated as YAML is (by alias)
    document = {**BASE, "default_size_tier": "small"}
    # THEN it is an unknown field, not a silent synonym of defaultSizeTier
    with pytest.raises(ValidationError, match="default_size_tier"):
        Blueprint.model_validate(document, by_name=False)
