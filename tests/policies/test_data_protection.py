"""finplatform-data-protection: a compliant and a violating case for every policy, through the analyzer."""

from policies.common import types as t
from policies.data_protection.data_services import RULES as DATA_SERVICE_RULES
from policies.data_protection.rules import RULES
from tests.policies.checks import GetAnalyzers, pack_tests, policy_infos
from tests.policies.conftest import Case, resource

PACK = "data_protection"
BUCKET = {"id": "audit-bucket", "bucket": "audit-bucket"}
TOPIC = "arn:aws:sns:us-east-1:111122223333:alarms"
PORTFOLIO = {"finplatform:blueprint": "portfolio-analytics"}
BACKED_UP = {"backup": "daily"}

CASES = [
    Case(
        "rds-multi-az",
        [
            resource(t.RDS_INSTANCE, "db", {"multiAz": True}, protect=True),
            resource(t.RDS_INSTANCE, "db-replica", {"replicateSourceDb": "db"}, protect=True),
        ],
        [resource(t.RDS_INSTANCE, "db", {"multiAz": False}, protect=True)],
    ),
    Case(
        "rds-backup-retention",
        [resource(t.RDS_INSTANCE, "db", {"backupRetentionPeriod": 30}, protect=True)],
        [resource(t.RDS_INSTANCE, "db", {"backupRetentionPeriod": 7}, protect=True)],
    ),
    Case(
        "rds-backup-retention",
        [resource(t.RDS_INSTANCE, "db", {"backupRetentionPeriod": 7}, environment="dev")],
        [resource(t.RDS_INSTANCE, "db", {"backupRetentionPeriod": 1}, environment="dev")],
        environment="dev",
        label="dev-advisory",
    ),
    Case(
        "rds-deletion-protection",
        [resource(t.RDS_INSTANCE, "db", {"deletionProtection": True}, protect=True)],
        [resource(t.RDS_INSTANCE, "db", {"deletionProtection": False}, protect=True)],
    ),
    Case(
        "rds-final-snapshot",
        [
            resource(
                t.RDS_INSTANCE, "db", {"skipFinalSnapshot": False, "finalSnapshotIdentifier": "db-final"}, protect=True
            )
        ],
        [resource(t.RDS_INSTANCE, "db", {"skipFinalSnapshot": True}, protect=True)],
    ),
    Case(
        "s3-versioning",
        [
            resource(t.S3_BUCKETS[0], "audit", BUCKET, protect=True),
            resource(
                t.S3_VERSIONING[0],
                "audit-versioning",
                {"bucket": "audit-bucket", "versioningConfiguration": {"status": "Enabled"}},
            ),
        ],
        [
            resource(t.S3_BUCKETS[0], "audit", BUCKET, protect=True),
            resource(
                t.S3_VERSIONING[0],
                "audit-versioning",
                {"bucket": "audit-bucket", "versioningConfiguration": {"status": "Suspended"}},
            ),
        ],
    ),
    Case(
        "stateful-resources-protected",
        [resource(t.KMS_KEY, "data", {"enableKeyRotation": True}, protect=True)],
        [resource(t.KMS_KEY, "data", {"enableKeyRotation": True}, protect=False)],
    ),
    Case(
        "elasticache-failover-and-snapshots",
        [
            resource(
                t.CACHE_REPLICATION_GROUP,
                "cache",
                {
                    "numCacheClusters": 2,
                    "automaticFailoverEnabled": True,
                    "multiAzEnabled": True,
                    "snapshotRetentionLimit": 7,
                },
                protect=True,
            ),
            resource(t.CACHE_REPLICATION_GROUP, "dev-cache", {"numCacheClusters": 1}, protect=True),
        ],
        [
            resource(
                t.CACHE_REPLICATION_GROUP,
                "cache",
                {"numCacheClusters": 2, "automaticFailoverEnabled": False, "snapshotRetentionLimit": 0},
                protect=True,
            )
        ],
    ),
    Case(
        "alarm-actions-configured",
        [
            resource(t.METRIC_ALARM, "api-5xx", {"alarmActions": [TOPIC]}),
            resource(t.METRIC_ALARM, "api-latency", {"alarmActions": [TOPIC], "actionsEnabled": True}),
        ],
        [resource(t.METRIC_ALARM, "api-5xx", {"okActions": [TOPIC]})],
    ),
    Case(
        "alarm-actions-configured",
        [resource(t.METRIC_ALARM, "api-5xx", {"alarmActions": [TOPIC]})],
        [resource(t.METRIC_ALARM, "api-5xx", {"alarmActions": []})],
        label="empty-alarm-actions",
    ),
    Case(
        "alarm-actions-configured",
        [resource(t.METRIC_ALARM, "api-5xx", {"alarmActions": [TOPIC], "actionsEnabled": True})],
        [resource(t.METRIC_ALARM, "api-5xx", {"alarmActions": [TOPIC], "actionsEnabled": False})],
        label="actions-disabled",
    ),
    Case(
        "route53-failover-health-checked",
        [
            resource(
                t.DNS_RECORD,
                "origin-primary",
                {"failoverRoutingPolicies": [{"type": "PRIMARY"}], "healthCheckId": "hc-1"},
            ),
            resource(t.DNS_RECORD, "origin-secondary", {"failoverRoutingPolicies": [{"type": "SECONDARY"}]}),
            resource(t.DNS_RECORD, "apex", {"type": "A"}),
        ],
        [resource(t.DNS_RECORD, "origin-primary", {"failoverRoutingPolicies": [{"type": "PRIMARY"}]})],
    ),
    # Seed 000's portfolio-analytics: RTO 4 h and RPO 1 h, a pilot light in us-west-2.
    Case(
        "dr-objectives-met",
        [
            resource(t.RDS_INSTANCE, "db", {"identifier": "app-db", "region": "us-east-1", "tags": BACKED_UP}),
            resource(
                t.RDS_INSTANCE,
                "db-dr",
                {"identifier": "app-db-dr", "region": "us-west-2", "replicateSourceDb": "arn:aws:rds:us-east-1::db"},
            ),
        ],
        # Only a daily backup copied across: a day's writes at risk against an RPO of an hour.
        [
            resource(t.RDS_INSTANCE, "db", {"identifier": "app-db", "region": "us-east-1", "tags": BACKED_UP}),
            resource(
                "aws:backup/plan:Plan",
                "plan",
                {"rules": [{"schedule": "cron(0 5 ? * * *)", "copyActions": [{"destinationVaultArn": "dr"}]}]},
            ),
            resource(
                "aws:backup/selection:Selection",
                "selection",
                {"planId": "plan", "selectionTags": [{"type": "STRINGEQUALS", "key": "backup", "value": "daily"}]},
            ),
        ],
        config=PORTFOLIO,
    ),
    # A bucket replicated without Replication Time Control has no bound S3 will promise.
    Case(
        "dr-objectives-met",
        [
            resource(t.S3_BUCKETS[0], "storage-data", {"region": "us-east-1", "tags": {"purpose": "data"}}),
            resource(
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                "storage-data-replication",
                {"rules": [{"destination": {"replicationTime": {"status": "Enabled", "time": {"minutes": 15}}}}]},
            ),
        ],
        [
            resource(t.S3_BUCKETS[0], "storage-data", {"region": "us-east-1", "tags": {"purpose": "data"}}),
            resource(
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                "storage-data-replication",
                {"rules": [{"destination": {"bucket": "arn:aws:s3:::replica"}}]},
            ),
        ],
        config=PORTFOLIO,
        label="bucket-without-rtc",
    ),
]


# The data services' rules have their cases in test_data_services_data_protection.py.
OWN_RULES = [rule for rule in RULES if rule not in DATA_SERVICE_RULES]
test_compliant_case_passes, test_violating_case_is_reported, test_every_policy_has_both_cases = pack_tests(
    PACK, OWN_RULES, CASES
)


def test_alarm_actions_policy_relates_cloudwatch_15_without_claiming_fsbp(analyzers: GetAnalyzers) -> None:
    # GIVEN the running data-protection pack WHEN it describes its policies
    policies = policy_infos(analyzers, PACK)
    # THEN alarm-actions-configured carries CloudWatch.15 as a related id (it is a Security Hub control outside
    # FSBP), with no FSBP tag and no compliance framework
    assert "alarm-actions-configured" in policies
    alarm = policies["alarm-actions-configured"]
    assert "related:CloudWatch.15" in alarm.tags
    assert [tag for tag in alarm.tags if tag.startswith("fsbp:")] == []
    assert not alarm.HasField("framework")


def test_alarm_actions_message_says_what_to_set(analyzers: GetAnalyzers) -> None:
    # GIVEN an alarm with no alarm actions and its actions disabled
    alarm = resource(t.METRIC_ALARM, "api-5xx", {"actionsEnabled": False})
    # WHEN the pack analyzes it in prod
    found = [v for v in analyzers("prod", {}).violations(PACK, [alarm]) if v.policy == "alarm-actions-configured"]
    # THEN both faults are reported, mandatory, each saying which property to set
    assert found
    assert all(v.level == "mandatory" for v in found)
    messages = " | ".join(v.message for v in found)
    assert "set alarmActions" in messages, messages
    assert "set actionsEnabled: true" in messages, messages
