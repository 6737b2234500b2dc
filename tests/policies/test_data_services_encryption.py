"""finplatform-encryption, data and security services: a compliant and a violating case for every policy of
policies/encryption/data_services.py, through the analyzer."""

from policies.common import types as t
from policies.encryption.data_services import RULES
from tests.policies.checks import pack_tests
from tests.policies.conftest import KEY, Case, resource

PACK = "encryption"

CASES = [
    Case(
        "cloudtrail-encrypted",
        [resource(t.CLOUDTRAIL, "trail", {"isMultiRegionTrail": True, "kmsKeyId": KEY})],
        [resource(t.CLOUDTRAIL, "trail", {"isMultiRegionTrail": True})],
    ),
    Case(
        "cloudtrail-encrypted",
        [resource(t.CLOUDTRAIL, "trail", {"kmsKeyId": KEY})],
        [resource(t.CLOUDTRAIL, "trail", {"kmsKeyId": "alias/aws/cloudtrail"})],
        label="aws-managed-key",
    ),
    Case(
        "rds-sqlserver-mariadb-tls-required",
        [
            resource(
                t.RDS_PARAMETER_GROUP,
                "sqlserver-params",
                {"family": "sqlserver-se-16.0", "parameters": [{"name": "rds.force_ssl", "value": "1"}]},
            )
        ],
        [resource(t.RDS_PARAMETER_GROUP, "sqlserver-params", {"family": "sqlserver-se-16.0", "parameters": []})],
    ),
    Case(
        "rds-sqlserver-mariadb-tls-required",
        [
            resource(
                t.RDS_PARAMETER_GROUP,
                "mariadb-params",
                {"family": "mariadb10.11", "parameters": [{"name": "require_secure_transport", "value": "ON"}]},
            ),
            resource(t.RDS_PARAMETER_GROUP, "old-mariadb-params", {"family": "mariadb10.4", "parameters": []}),
        ],
        [
            resource(
                t.RDS_PARAMETER_GROUP,
                "mariadb-params",
                {"family": "mariadb10.11", "parameters": [{"name": "require_secure_transport", "value": "OFF"}]},
            )
        ],
        label="mariadb",
    ),
    Case(
        "rds-sqlserver-mariadb-tls-required",
        [resource(t.RDS_INSTANCE, "db", {"engine": "mariadb", "engineVersion": "10.11", "parameterGroupName": "tls"})],
        [resource(t.RDS_INSTANCE, "db", {"engine": "mariadb", "engineVersion": "10.11"})],
        label="default-group",
    ),
]


test_compliant_case_passes, test_violating_case_is_reported, test_every_policy_has_both_cases = pack_tests(
    PACK, RULES, CASES
)
