"""finplatform-least-privilege, data and security services: a compliant and a violating case for every policy of
policies/least_privilege/data_services.py, through the analyzer."""

import json
from typing import Any

from finplatform.tooling.policy_eval import AnalyzedResource
from policies.common import types as t
from policies.least_privilege.data_services import RULES
from tests.policies.checks import pack_tests
from tests.policies.conftest import KEY, Case, resource

PACK = "least_privilege"
ACCOUNT = "111122223333"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:work"


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _postgres(**props: Any) -> AnalyzedResource:
    return resource(t.RDS_INSTANCE, "db", {"engine": "postgres", **props})


def _network(public: list[str]) -> AnalyzedResource:
    return resource(t.AWSX_VPC, "network-vpc", {"cidrBlock": "10.0.0.0/16", "publicSubnetIds": public})


def _subnet_group(*subnets: str) -> AnalyzedResource:
    return resource(t.RDS_SUBNET_GROUP, "db-subnets", {"name": "db-subnets", "subnetIds": list(subnets)})


def _publish(principal: Any, condition: dict[str, Any] | None = None, resource_arn: str = TOPIC) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sns:Publish"}
    statement["Resource"] = resource_arn
    if condition:
        statement["Condition"] = condition
    return _document(statement)


def _send(principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sqs:SendMessage"}
    statement["Resource"] = QUEUE
    if condition:
        statement["Condition"] = condition
    return _document(statement)


FROM_THIS_ACCOUNT = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}

CASES = [
    Case(
        "rds-iam-authentication",
        [_postgres(iamDatabaseAuthenticationEnabled=True)],
        [_postgres(iamDatabaseAuthenticationEnabled=False)],
    ),
    Case(
        "rds-iam-authentication",
        [resource(t.RDS_CLUSTER, "aurora", {"engine": "aurora-postgresql", "iamDatabaseAuthenticationEnabled": True})],
        [resource(t.RDS_CLUSTER, "aurora", {"engine": "aurora-postgresql"})],
        label="cluster",
    ),
    Case("rds-no-default-port", [_postgres(port=5532)], [_postgres()]),
    Case(
        "rds-no-default-port",
        [resource(t.RDS_INSTANCE, "db", {"engine": "mysql", "port": 3406})],
        [resource(t.RDS_INSTANCE, "db", {"engine": "mysql", "port": 3306})],
        label="mysql",
    ),
    Case("rds-custom-admin-username", [_postgres(username="platform_admin")], [_postgres(username="postgres")]),
    Case(
        "rds-custom-admin-username",
        [resource(t.RDS_CLUSTER, "aurora", {"engine": "aurora-mysql", "masterUsername": "platform_admin"})],
        [resource(t.RDS_CLUSTER, "aurora", {"engine": "aurora-mysql", "masterUsername": "admin"})],
        label="cluster",
    ),
    Case(
        "rds-not-in-public-subnets",
        [
            _network(["subnet-public-a", "subnet-public-b"]),
            _subnet_group("subnet-isolated-a", "subnet-isolated-b"),
            _postgres(dbSubnetGroupName="db-subnets"),
        ],
        [
            _network(["subnet-public-a", "subnet-public-b"]),
            _subnet_group("subnet-public-a", "subnet-isolated-b"),
            _postgres(dbSubnetGroupName="db-subnets"),
        ],
    ),
    Case(
        "rds-not-in-public-subnets",
        [_subnet_group("subnet-isolated-a"), _postgres(dbSubnetGroupName="db-subnets")],
        [_postgres()],
        label="default-vpc",
    ),
    Case(
        "rds-not-in-public-subnets",
        [
            resource(t.SUBNET, "isolated-a", {"id": "subnet-a", "mapPublicIpOnLaunch": False}),
            _subnet_group("subnet-a"),
            _postgres(dbSubnetGroupName="db-subnets"),
        ],
        [
            resource(t.SUBNET, "public-a", {"id": "subnet-a", "mapPublicIpOnLaunch": True}),
            _subnet_group("subnet-a"),
            _postgres(dbSubnetGroupName="db-subnets"),
        ],
        label="declared-subnet",
    ),
    Case(
        "elasticache-not-default-subnet-group",
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {"subnetGroupName": "network-cache-subnets"})],
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {"subnetGroupName": "default"})],
    ),
    Case(
        "elasticache-not-default-subnet-group",
        [resource(t.CACHE_CLUSTER, "cache-node", {"replicationGroupId": "cache"})],
        [resource(t.CACHE_CLUSTER, "cache-node", {"engine": "redis"})],
        label="cluster",
    ),
    Case(
        "s3-no-cross-account-admin",
        [
            resource(
                t.S3_POLICY,
                "logs-policy",
                {
                    "bucket": "logs",
                    "policy": _document(
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::127311923021:root"},
                            "Action": "s3:PutObject",
                            "Resource": "arn:aws:s3:::logs/*",
                        }
                    ),
                },
            )
        ],
        [
            resource(
                t.S3_POLICY,
                "logs-policy",
                {
                    "bucket": "logs",
                    "policy": _document(
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                            "Action": ["s3:PutObject", "s3:Put*Acl"],
                            "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
                        }
                    ),
                },
            )
        ],
    ),
    Case(
        "s3-acls-disabled",
        [resource(t.S3_OWNERSHIP_CONTROLS, "data-ownership", {"rule": {"objectOwnership": "BucketOwnerEnforced"}})],
        [resource(t.S3_OWNERSHIP_CONTROLS, "data-ownership", {"rule": {"objectOwnership": "ObjectWriter"}})],
    ),
    Case(
        "s3-acls-disabled",
        [resource(t.S3_ACL[1], "data-acl", {"bucket": "data", "acl": "private"})],
        [resource(t.S3_ACL[1], "data-acl", {"bucket": "data", "acl": "public-read"})],
        label="acl",
    ),
    Case(
        "kms-managed-policy-no-decrypt-all-keys",
        [
            resource(
                "aws:iam/policy:Policy",
                "reader",
                {"policy": _document({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY})},
            )
        ],
        [
            resource(
                "aws:iam/policy:Policy",
                "reader",
                {"policy": _document({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})},
            )
        ],
    ),
    Case(
        "kms-inline-policy-no-decrypt-all-keys",
        [
            resource(
                "aws:iam/rolePolicy:RolePolicy",
                "task-policy",
                {"role": "task", "policy": _document({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY})},
            )
        ],
        [
            resource(
                "aws:iam/rolePolicy:RolePolicy",
                "task-policy",
                {
                    "role": "task",
                    "policy": _document(
                        {
                            "Effect": "Allow",
                            "Action": ["kms:ReEncrypt*"],
                            "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*",
                        }
                    ),
                },
            )
        ],
    ),
    Case(
        "kms-inline-policy-no-decrypt-all-keys",
        [resource(t.IAM_ROLE, "task", {"inlinePolicies": []})],
        [
            resource(
                t.IAM_ROLE,
                "task",
                {
                    "inlinePolicies": [
                        {
                            "name": "decrypt",
                            "policy": _document({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}),
                        }
                    ]
                },
            )
        ],
        label="role-inline",
    ),
    Case(
        "sns-topic-not-public",
        [
            resource(
                t.SNS_TOPIC_POLICY,
                "alerts-policy",
                {"arn": TOPIC, "policy": _publish({"Service": "cloudwatch.amazonaws.com"}, FROM_THIS_ACCOUNT)},
            ),
            resource(t.SNS_TOPIC_POLICY, "events-policy", {"arn": TOPIC, "policy": _publish("*", FROM_THIS_ACCOUNT)}),
        ],
        [resource(t.SNS_TOPIC_POLICY, "alerts-policy", {"arn": TOPIC, "policy": _publish({"AWS": "*"})})],
    ),
    Case(
        "sns-topic-not-public",
        [resource(t.SNS_TOPIC, "alerts", {"policy": _publish("*", FROM_THIS_ACCOUNT)})],
        [
            resource(
                t.SNS_TOPIC,
                "alerts",
                {"policy": _publish("*", {"StringLike": {"aws:SourceAccount": "*"}})},
            )
        ],
        label="wildcard-condition",
    ),
    Case(
        "sqs-queue-not-public",
        [resource(t.SQS_QUEUE_POLICY, "work-policy", {"queueUrl": QUEUE, "policy": _send("*", FROM_THIS_ACCOUNT)})],
        [resource(t.SQS_QUEUE_POLICY, "work-policy", {"queueUrl": QUEUE, "policy": _send("*")})],
    ),
]


test_compliant_case_passes, test_violating_case_is_reported, test_every_policy_has_both_cases = pack_tests(
    PACK, RULES, CASES
)
