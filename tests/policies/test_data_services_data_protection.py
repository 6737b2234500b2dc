"""finplatform-data-protection, data and security services: a compliant and a violating case for every policy of
policies/data_protection/data_services.py, through the analyzer."""

from typing import Any

from finplatform.tooling.policy_eval import AnalyzedResource
from policies.common import types as t
from policies.data_protection.data_services import GUARDDUTY_PLANS, RULES
from tests.policies.checks import GetAnalyzers, pack_tests, policy_infos
from tests.policies.conftest import Case, resource

PACK = "data_protection"
ACCOUNT = "111122223333"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:finplatform/prod/api-key-a1b2c3"
CONFIG_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def _postgres(**props: Any) -> AnalyzedResource:
    return resource(t.RDS_INSTANCE, "db", {"engine": "postgres", **props})


def _cluster(name: str = "aurora", **props: Any) -> AnalyzedResource:
    return resource(t.RDS_CLUSTER, name, {"clusterIdentifier": name, **props})


def _bucket(name: str) -> AnalyzedResource:
    return resource(t.S3_BUCKETS[0], name, {"id": name, "bucket": name})


def _secret() -> AnalyzedResource:
    return resource(t.SECRET, "api-key", {"arn": SECRET_ARN, "name": "finplatform/prod/api-key"})


def _rotation(**rules: Any) -> AnalyzedResource:
    return resource(t.SECRET_ROTATION, "api-key-rotation", {"secretId": SECRET_ARN, "rotationRules": rules})


def _subscription(name: str, source: str, categories: list[str]) -> AnalyzedResource:
    return resource(t.RDS_EVENT_SUBSCRIPTION, name, {"sourceType": source, "eventCategories": categories})


EVERY_RDS_EVENT = [
    _subscription("cluster-events", "db-cluster", ["maintenance", "failure"]),
    _subscription("instance-events", "db-instance", ["maintenance", "configuration change", "failure"]),
    _subscription("parameter-group-events", "db-parameter-group", ["configuration change"]),
    _subscription("security-group-events", "db-security-group", ["configuration change", "failure"]),
]
TRAIL = {
    "isMultiRegionTrail": True,
    "enableLogFileValidation": True,
    "cloudWatchLogsGroupArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:trail:*",
    "cloudWatchLogsRoleArn": f"arn:aws:iam::{ACCOUNT}:role/trail-delivery",
}
ALL_SUPPORTED = {"allSupported": True, "includeGlobalResourceTypes": True}


def _detector() -> AnalyzedResource:
    return resource(t.GUARDDUTY_DETECTOR, "guardduty", {"id": "detector-1", "enable": True})


def _feature(name: str, agents: tuple[str, ...] = ()) -> AnalyzedResource:
    configurations = [{"name": agent, "status": "ENABLED"} for agent in agents]
    props: dict[str, Any] = {"detectorId": "detector-1", "name": name, "status": "ENABLED"}
    if configurations:
        props["additionalConfigurations"] = configurations
    return resource(t.GUARDDUTY_FEATURE, f"guardduty-{name.lower()}", props)


AGENTS = ("EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT")


def _guardduty_case(rule: str, feature: str, agent: str) -> Case:
    """The detector with the rule's plan turned on, and with it off (the agent management missing, or another
    plan only)."""
    if agent:
        compliant = _feature(feature, AGENTS)
        violating = _feature(feature, tuple(a for a in AGENTS if a != agent))
    else:
        compliant = _feature(feature)
        violating = resource(t.GUARDDUTY_FEATURE, "guardduty-other", {"detectorId": "detector-1", "name": "OTHER"})
    return Case(rule, [_detector(), compliant], [_detector(), violating])


CASES = [
    Case(
        "rds-logs-exported",
        [_postgres(enabledCloudwatchLogsExports=["postgresql", "upgrade"])],
        [_postgres(enabledCloudwatchLogsExports=["upgrade"])],
    ),
    Case(
        "rds-logs-exported",
        [
            resource(
                t.RDS_INSTANCE, "db", {"engine": "sqlserver-se", "enabledCloudwatchLogsExports": ["error", "agent"]}
            )
        ],
        [resource(t.RDS_INSTANCE, "db", {"engine": "sqlserver-se", "enabledCloudwatchLogsExports": ["error"]})],
        label="sqlserver",
    ),
    Case(
        "rds-cluster-logs-exported",
        [_cluster(engine="aurora-postgresql", enabledCloudwatchLogsExports=["postgresql"])],
        [_cluster(engine="aurora-postgresql")],
    ),
    Case(
        "rds-cluster-logs-exported",
        [_cluster(engine="aurora-mysql", enabledCloudwatchLogsExports=["audit", "error"])],
        [_cluster(engine="aurora-mysql", enabledCloudwatchLogsExports=["error"])],
        label="aurora-mysql",
    ),
    Case(
        "rds-aurora-mysql-audit-logging",
        [
            _cluster(engine="aurora-mysql", dbClusterParameterGroupName="audit"),
            resource(
                t.RDS_CLUSTER_PARAMETER_GROUP,
                "audit-params",
                {
                    "name": "audit",
                    "family": "aurora-mysql8.0",
                    "parameters": [
                        {"name": "server_audit_logging", "value": "1"},
                        {"name": "server_audit_events", "value": "CONNECT,QUERY_DCL,QUERY_DDL"},
                    ],
                },
            ),
        ],
        [_cluster(engine="aurora-mysql", dbClusterParameterGroupName="default.aurora-mysql8.0")],
    ),
    Case(
        "rds-enhanced-monitoring",
        [_postgres(monitoringInterval=15, monitoringRoleArn=f"arn:aws:iam::{ACCOUNT}:role/monitoring")],
        [_postgres(monitoringInterval=0)],
    ),
    Case(
        "rds-minor-version-upgrades",
        [_postgres(autoMinorVersionUpgrade=True)],
        [_postgres(autoMinorVersionUpgrade=False)],
    ),
    Case(
        "rds-minor-version-upgrades",
        [_cluster(engine="postgres", dbClusterInstanceClass="db.r6gd.large")],
        [_cluster(engine="postgres", dbClusterInstanceClass="db.r6gd.large", autoMinorVersionUpgrade=False)],
        label="multi-az-cluster",
    ),
    Case(
        "rds-copy-tags-to-snapshots",
        [_postgres(copyTagsToSnapshot=True)],
        [_postgres()],
    ),
    Case(
        "rds-copy-tags-to-snapshots",
        [_cluster(engine="aurora-postgresql", copyTagsToSnapshot=True)],
        [_cluster(engine="aurora-postgresql", copyTagsToSnapshot=False)],
        label="cluster",
    ),
    Case(
        "rds-aurora-mysql-backtracking",
        [_cluster(engine="aurora-mysql", backtrackWindow=86400)],
        [_cluster(engine="aurora-mysql")],
    ),
    Case(
        "rds-cluster-multi-az",
        [
            _cluster(engine="aurora-postgresql"),
            resource(t.RDS_CLUSTER_INSTANCE, "aurora-1", {"clusterIdentifier": "aurora", "availabilityZone": "a"}),
            resource(t.RDS_CLUSTER_INSTANCE, "aurora-2", {"clusterIdentifier": "aurora", "availabilityZone": "b"}),
        ],
        [
            _cluster(engine="aurora-postgresql"),
            resource(t.RDS_CLUSTER_INSTANCE, "aurora-1", {"clusterIdentifier": "aurora"}),
        ],
    ),
    Case(
        "rds-event-notifications",
        [_cluster(engine="aurora-postgresql"), _postgres(), *EVERY_RDS_EVENT],
        [_cluster(engine="aurora-postgresql"), _postgres(), *EVERY_RDS_EVENT[1:]],
    ),
    Case(
        "rds-event-notifications",
        [_postgres(), resource(t.RDS_EVENT_SUBSCRIPTION, "all-events", {"snsTopic": "alerts"})],
        [_postgres(), _subscription("instance-failures", "db-instance", ["failure"])],
        label="one-subscription-for-every-source",
    ),
    Case(
        "elasticache-minor-version-upgrades",
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {"engine": "redis"})],
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {"engine": "redis", "autoMinorVersionUpgrade": "false"})],
    ),
    Case(
        "s3-access-logging",
        [
            _bucket("data"),
            _bucket("access-logs"),
            resource(t.S3_LOGGING[0], "data-logging", {"bucket": "data", "targetBucket": "access-logs"}),
        ],
        [_bucket("data"), _bucket("access-logs")],
    ),
    Case(
        "s3-lifecycle-configured",
        [
            _bucket("data"),
            resource(
                t.S3_LIFECYCLE[0],
                "data-lifecycle",
                {"bucket": "data", "rules": [{"id": "tidy", "status": "Enabled", "filter": {"prefix": ""}}]},
            ),
        ],
        [
            _bucket("data"),
            resource(t.S3_LIFECYCLE[0], "data-lifecycle", {"bucket": "data", "rules": [{"status": "Disabled"}]}),
        ],
    ),
    Case(
        "secretsmanager-rotation",
        [_secret(), _rotation(automaticallyAfterDays=30)],
        [_secret()],
    ),
    Case(
        "secretsmanager-rotation",
        [_secret(), _rotation(scheduleExpression="rate(30 days)")],
        [_secret(), _rotation(scheduleExpression="rate(180 days)")],
        label="within-90-days",
    ),
    Case(
        "cloudtrail-multi-region-management-events",
        [resource(t.CLOUDTRAIL, "trail", TRAIL)],
        [
            resource(
                t.CLOUDTRAIL,
                "trail",
                {**TRAIL, "eventSelectors": [{"includeManagementEvents": True, "readWriteType": "WriteOnly"}]},
            )
        ],
    ),
    Case(
        "cloudtrail-multi-region-management-events",
        [resource(t.CLOUDTRAIL, "trail", TRAIL)],
        [resource(t.CLOUDTRAIL, "trail", {**TRAIL, "isMultiRegionTrail": False})],
        label="single-region",
    ),
    Case(
        "cloudtrail-log-file-validation",
        [resource(t.CLOUDTRAIL, "trail", TRAIL)],
        [resource(t.CLOUDTRAIL, "trail", {**TRAIL, "enableLogFileValidation": False})],
    ),
    Case(
        "cloudtrail-cloudwatch-logs",
        [resource(t.CLOUDTRAIL, "trail", TRAIL)],
        [resource(t.CLOUDTRAIL, "trail", {"isMultiRegionTrail": True})],
    ),
    Case(
        "config-recorder-enabled",
        [
            resource(
                t.CONFIG_RECORDER,
                "recorder",
                {"name": "recorder", "roleArn": CONFIG_ROLE, "recordingGroup": ALL_SUPPORTED},
            ),
            resource(t.CONFIG_RECORDER_STATUS, "recorder-status", {"name": "recorder", "isEnabled": True}),
        ],
        [
            resource(
                t.CONFIG_RECORDER,
                "recorder",
                {
                    "name": "recorder",
                    "roleArn": f"arn:aws:iam::{ACCOUNT}:role/config-recorder",
                    "recordingGroup": ALL_SUPPORTED,
                },
            ),
            resource(t.CONFIG_RECORDER_STATUS, "recorder-status", {"name": "recorder", "isEnabled": True}),
        ],
    ),
    Case(
        "config-recorder-enabled",
        [
            resource(t.CONFIG_RECORDER, "recorder", {"name": "recorder", "roleArn": CONFIG_ROLE}),
            resource(t.CONFIG_RECORDER_STATUS, "recorder-status", {"name": "recorder", "isEnabled": True}),
        ],
        [
            resource(
                t.CONFIG_RECORDER,
                "recorder",
                {"name": "recorder", "roleArn": CONFIG_ROLE, "recordingGroup": {"allSupported": False}},
            ),
            resource(t.CONFIG_RECORDER_STATUS, "recorder-status", {"name": "recorder", "isEnabled": False}),
        ],
        label="records-everything-and-runs",
    ),
    Case(
        "guardduty-enabled",
        [resource(t.GUARDDUTY_DETECTOR, "guardduty", {"enable": True})],
        [resource(t.GUARDDUTY_DETECTOR, "guardduty", {"enable": False})],
    ),
    *(_guardduty_case(rule, feature, agent) for _, rule, _, feature, agent, _ in GUARDDUTY_PLANS),
    Case(
        "guardduty-s3-protection",
        [resource(t.GUARDDUTY_DETECTOR, "guardduty", {"enable": True, "datasources": {"s3Logs": {"enable": True}}})],
        [resource(t.GUARDDUTY_DETECTOR, "guardduty", {"enable": True, "datasources": {"s3Logs": {"enable": False}}})],
        label="legacy-datasources",
    ),
]


test_compliant_case_passes, test_violating_case_is_reported, test_every_policy_has_both_cases = pack_tests(
    PACK, RULES, CASES
)


def test_data_service_policies_claim_their_controls(analyzers: GetAnalyzers) -> None:
    # GIVEN the running data-protection pack WHEN it describes its policies
    policies = policy_infos(analyzers, PACK)
    # THEN every data-service rule is served with its FSBP ids as tags, and each GuardDuty plan is its own policy
    for rule in RULES:
        assert [tag.removeprefix("fsbp:") for tag in policies[rule.name].tags if tag.startswith("fsbp:")] == list(
            rule.fsbp
        )
    assert {control for control, *_ in GUARDDUTY_PLANS} == {f"GuardDuty.{n}" for n in range(5, 14)}
