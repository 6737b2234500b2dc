"""finplatform-data-protection: a compliant and a violating case for every policy, through the analyzer."""

from policies.common import types as t
from policies.data_protection.rules import RULES
from tests.policies.checks import pack_tests
from tests.policies.conftest import Case, resource

PACK = "data_protection"
BUCKET = {"id": "audit-bucket", "bucket": "audit-bucket"}

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
]


test_compliant_case_passes, test_violating_case_is_reported, test_every_policy_has_both_cases = pack_tests(
    PACK, RULES, CASES
)
