"""finplatform-cost-guardrails: a compliant and a violating case for every policy, through the analyzer."""

import json

from finplatform.tooling.policy_eval import AnalyzedResource
from policies.common import types as t
from policies.cost_guardrails.rules import RULES
from tests.policies.checks import pack_tests
from tests.policies.conftest import TAGS, Case, resource

PACK = "cost_guardrails"


def _nats(count: int) -> list[AnalyzedResource]:
    return [resource(t.NAT_GATEWAY, f"vpc-{i}", {"connectivityType": "public"}) for i in range(1, count + 1)]


def _resource_usage(gb: float, name: str = "vpc-1") -> dict[str, str]:
    """finplatform:resourceUsage as the CLI hands it over (JSON): ``gb`` through the NAT gateway ``name``."""
    return {"finplatform:resourceUsage": json.dumps({name: {"natProcessedGb": gb}})}


CASES = [
    Case(
        "instance-types-allowed",
        [
            resource(t.RDS_INSTANCE, "db", {"instanceClass": "db.r6g.xlarge"}),
            resource(t.CACHE_REPLICATION_GROUP, "cache", {"nodeType": "cache.r6g.large"}),
        ],
        [resource(t.RDS_INSTANCE, "db", {"instanceClass": "db.r6g.16xlarge"})],
    ),
    Case(
        "instance-types-allowed",
        [resource(t.LAUNCH_TEMPLATE, "api", {"instanceType": "t3.small"}, environment="dev")],
        [resource(t.LAUNCH_TEMPLATE, "api", {"instanceType": "m6i.large"}, environment="dev")],
        environment="dev",
        label="dev-burstable-only",
    ),
    Case("vpc-nat-gateway-limit", _nats(3), _nats(4)),
    Case(
        "stack-monthly-budget",
        [resource(t.RDS_INSTANCE, "db", {"instanceClass": "db.t3.medium", "multiAz": True, "allocatedStorage": 20})],
        [
            resource(
                t.RDS_INSTANCE,
                f"db-{i}",
                {"instanceClass": "db.r6g.4xlarge", "multiAz": True, "allocatedStorage": 1000},
            )
            for i in range(3)
        ],
    ),
    Case(
        "stack-monthly-budget",
        [resource(t.KMS_KEY, "key", {})],
        [resource(t.RDS_INSTANCE, "db", {"instanceClass": "db.t3.medium", "multiAz": True, "allocatedStorage": 20})],
        config={"finplatform:monthlyBudgetUsd": "50"},
        label="the-stacks-own-budget",
    ),
    # Two NAT gateways at the prod default of 50 GB cost $70.20; the stack's resourceUsage puts vpc-1 at 0 GB, so
    # the pair costs $67.95 and fits a $68 budget only if the pack prices with it; a third does not fit.
    Case(
        "stack-monthly-budget",
        _nats(2),
        _nats(3),
        config={"finplatform:monthlyBudgetUsd": "68", **_resource_usage(0)},
        label="priced-with-the-stacks-resource-usage",
    ),
    # A resourceUsage entry naming no usage-priced resource is reported, not ignored.
    Case(
        "stack-monthly-budget",
        _nats(1),
        [resource(t.NAT_GATEWAY, "vpc-2", {"connectivityType": "public"})],
        config=_resource_usage(10),
        label="resource-usage-naming-no-resource",
    ),
    Case(
        "tags-standard",
        [resource(t.AUTOSCALING_GROUP, "api", {"tags": [{"key": "Name", "value": "api", "propagateAtLaunch": True}]})],
        [resource(t.AUTOSCALING_GROUP, "api", {"tags": [{"key": "Name", "value": "api"}]}, tags={})],
        label="autoscaling-tag-blocks",
    ),
    Case(
        "tags-standard",
        [resource(t.KMS_KEY, "data", {}), resource("aws:kms/alias:Alias", "data-alias", {}, tags={})],
        [resource(t.KMS_KEY, "data", {}, tags={k: v for k, v in TAGS.items() if k != "cost-center"})],
    ),
    Case(
        "tags-standard",
        [resource(t.KMS_KEY, "data", {}, environment="dev")],
        [resource(t.KMS_KEY, "data", {}, environment="prod")],
        environment="dev",
        label="environment-mismatch",
    ),
]


test_compliant_case_passes, test_violating_case_is_reported, test_every_policy_has_both_cases = pack_tests(
    PACK, RULES, CASES
)
