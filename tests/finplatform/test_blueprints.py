"""Blueprint rules that are not plain validation."""

from finplatform.blueprints import Blueprint

BASE = {
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
