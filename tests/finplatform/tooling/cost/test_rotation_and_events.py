"""The cost of issue 13's data and audit fixes: the rotation function is priced by rotations, not by a workload's
traffic, and RDS event subscriptions cost nothing of their own."""

from finplatform.tooling.cost.model import PRICERS, PricedResource, estimate, price_table
from finplatform.usage import parse_usage


def _resource(type_: str, resource_name: str, **properties: object) -> PricedResource:
    return PricedResource(
        urn=f"urn:pulumi:prod::finplatform::{type_}::{resource_name}",
        type=type_,
        name=resource_name,
        properties=dict(properties),
        region="us-east-1",
        parent="",
        provider="",
    )


def test_the_rotation_function_and_its_log_cost_cents_not_a_workloads_traffic() -> None:
    # GIVEN a rotation function and its log group, tagged as such, beside a workload function
    rotation = {"tags": {"purpose": "secret-rotation"}}
    resources = [
        _resource("aws:lambda/function:Function", "redis-auth-rotation", memorySize=128, **rotation),
        _resource("aws:cloudwatch/logGroup:LogGroup", "redis-auth-rotation-logs", retentionInDays=30, **rotation),
        _resource("aws:lambda/function:Function", "anchoring", memorySize=128),
    ]
    # WHEN prod's usage prices them
    items = {i.urn.rsplit("::", 1)[-1]: i for i in estimate(resources, parse_usage("prod", [])).items}
    # THEN the rotation function and its log cost about a cent a month at most and say why, the workload's more
    assert items["redis-auth-rotation"].monthly_usd <= 0.01 and "rotation" in items["redis-auth-rotation"].basis
    assert items["redis-auth-rotation-logs"].monthly_usd < 0.01
    assert items["anchoring"].monthly_usd > items["redis-auth-rotation"].monthly_usd


def test_rds_event_subscriptions_and_rotation_schedules_are_free_with_a_reason() -> None:
    # GIVEN the two new types WHEN the model looks them up
    # THEN each has a pricer, and the event subscription's source is named
    assert "aws:rds/eventSubscription:EventSubscription" in PRICERS
    assert "aws:secretsmanager/secretRotation:SecretRotation" in PRICERS
    source = price_table()["freeSources"]["aws:rds/eventSubscription:EventSubscription"]
    assert source["url"].startswith("https://docs.aws.amazon.com/")


def test_a_postgresql_upgrade_log_is_priced_as_the_few_lines_it_holds() -> None:
    # GIVEN a replica's exported upgrade and postgresql log groups
    resources = [
        _resource(
            "aws:cloudwatch/logGroup:LogGroup", "upgrade", name="/aws/rds/instance/db-dr/upgrade", retentionInDays=30
        ),
        _resource(
            "aws:cloudwatch/logGroup:LogGroup", "server", name="/aws/rds/instance/db-dr/postgresql", retentionInDays=30
        ),
    ]
    # WHEN prod's usage prices them
    items = {i.urn.rsplit("::", 1)[-1]: i for i in estimate(resources, parse_usage("prod", [])).items}
    # THEN the upgrade log, written only while the engine upgrades, costs under a cent; the server log the default
    assert items["upgrade"].monthly_usd < 0.01 and "upgrade" in items["upgrade"].basis
    assert items["server"].monthly_usd > 1
