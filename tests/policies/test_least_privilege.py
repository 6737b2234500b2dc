"""finplatform-least-privilege: a compliant and a violating case for every policy, through the analyzer."""

import json
from collections.abc import Mapping

from policies.common import types as t
from policies.least_privilege.rules import RULES
from tests.policies.checks import GetAnalyzers, pack_tests
from tests.policies.conftest import Case, resource

PACK = "least_privilege"


def _document(*statements: Mapping[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


READ_ONE_BUCKET = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::data-bucket/*"}
TRUST_ECS = {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
WORLD_HTTPS = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}
LB_TAGS = {"purpose": "public-load-balancer"}


def _containers(**container: object) -> str:
    return json.dumps([{"name": "web-ui", "image": "web-ui:1.0.0", **container}])


def _acl(tier: str, cidr: str) -> dict[str, object]:
    entry = {"ruleNo": 100, "action": "allow", "protocol": "tcp", "cidrBlock": cidr, "fromPort": 5432, "toPort": 5432}
    return {"tags": {"tier": tier}, "ingress": [entry], "egress": []}


CASES = [
    Case(
        "network-acl-isolated-tier-closed",
        # the public tier admits the internet; the isolated tier admits the private tier only
        [
            resource(t.NETWORK_ACL, "public-acl", _acl("public", "0.0.0.0/0")),
            resource(t.NETWORK_ACL, "isolated-acl", _acl("isolated", "10.0.11.0/24")),
        ],
        [resource(t.NETWORK_ACL, "isolated-acl", _acl("isolated", "0.0.0.0/0"))],
    ),
    Case(
        "iam-no-wildcard-admin",
        [
            resource(t.IAM_ROLE, "task", {"assumeRolePolicy": _document(TRUST_ECS)}),
            resource("aws:iam/rolePolicy:RolePolicy", "task-read", {"policy": _document(READ_ONE_BUCKET)}),
        ],
        [
            resource(
                "aws:iam/rolePolicy:RolePolicy",
                "task-admin",
                {"policy": _document({"Effect": "Allow", "Action": "*", "Resource": "*"})},
            )
        ],
    ),
    Case(
        "iam-no-wildcard-admin",
        [resource("aws:iam/policy:Policy", "s3-read", {"policy": _document(READ_ONE_BUCKET)})],
        [
            resource(
                "aws:iam/policy:Policy",
                "s3-all",
                {"policy": _document({"Effect": "Allow", "Action": ["s3:*"], "Resource": ["*"]})},
            )
        ],
        label="service-wildcard",
    ),
    Case(
        "iam-no-users",
        [resource(t.IAM_ROLE, "deployer", {"assumeRolePolicy": _document(TRUST_ECS)})],
        [resource("aws:iam/user:User", "ci-bot", {}), resource("aws:iam/accessKey:AccessKey", "ci-bot-key", {})],
    ),
    Case(
        "iam-assume-role-named-principals",
        [resource(t.IAM_ROLE, "task", {"assumeRolePolicy": _document(TRUST_ECS)})],
        [
            resource(
                t.IAM_ROLE,
                "task",
                {
                    "assumeRolePolicy": _document(
                        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
                    )
                },
            )
        ],
    ),
    Case(
        "kms-no-wildcard-principal",
        [
            resource(
                t.KMS_KEY,
                "data",
                {
                    "policy": _document(
                        {
                            "Sid": "Admin",
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                            "Action": "kms:Describe*",
                            "Resource": "*",
                        }
                    )
                },
            )
        ],
        [
            resource(
                t.KMS_KEY,
                "data",
                {
                    "policy": _document(
                        {
                            "Sid": "Anyone",
                            "Effect": "Allow",
                            "Principal": {"AWS": "*"},
                            "Action": "kms:Decrypt",
                            "Resource": "*",
                        }
                    )
                },
            )
        ],
    ),
    Case(
        "ec2-sg-internet-ingress-lb-https-only",
        [
            resource(t.SECURITY_GROUP, "alb", {"ingress": [WORLD_HTTPS], "tags": LB_TAGS}),
            resource(
                t.SECURITY_GROUP,
                "app",
                {"ingress": [{"protocol": "tcp", "fromPort": 8501, "toPort": 8501, "securityGroups": ["sg-alb"]}]},
            ),
        ],
        [resource(t.SECURITY_GROUP, "app", {"ingress": [WORLD_HTTPS]})],
    ),
    Case(
        "ec2-sg-internet-ingress-lb-https-only",
        [
            resource(t.SECURITY_GROUP, "alb", {"id": "sg-alb", "tags": LB_TAGS}),
            resource(
                t.SG_INGRESS_RULE,
                "alb-https",
                {
                    "securityGroupId": "sg-alb",
                    "cidrIpv4": "0.0.0.0/0",
                    "fromPort": 443,
                    "toPort": 443,
                    "ipProtocol": "tcp",
                },
            ),
        ],
        [
            resource(t.SECURITY_GROUP, "alb", {"id": "sg-alb", "tags": LB_TAGS}),
            resource(
                t.SG_INGRESS_RULE,
                "alb-admin",
                {
                    "securityGroupId": "sg-alb",
                    "cidrIpv6": "::/0",
                    "fromPort": 8080,
                    "toPort": 8080,
                    "ipProtocol": "tcp",
                },
            ),
        ],
        label="ingress-rule",
    ),
    Case(
        "ec2-sg-no-admin-or-data-ports-open",
        [
            resource(
                t.SECURITY_GROUP,
                "db",
                {"ingress": [{"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.0.11.0/24"]}]},
            )
        ],
        [
            resource(
                t.SECURITY_GROUP,
                "bastion",
                {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]},
            )
        ],
    ),
    Case(
        "rds-not-public",
        [resource(t.RDS_INSTANCE, "db", {"publiclyAccessible": False})],
        [resource(t.RDS_INSTANCE, "db", {"publiclyAccessible": True})],
    ),
    Case(
        "elasticache-in-vpc",
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {"subnetGroupName": "network-cache-subnets"})],
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {})],
    ),
    Case(
        "eks-endpoint-private",
        [
            resource(
                t.EKS_CLUSTER, "chain", {"vpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True}}
            )
        ],
        [resource(t.EKS_CLUSTER, "chain", {"vpcConfig": {"endpointPublicAccess": True}})],
    ),
    Case(
        "eks-endpoint-private",
        [resource(t.EKS_CLUSTER, "chain", {"vpcConfig": {"endpointPublicAccess": False}}, environment="dev")],
        [resource(t.EKS_CLUSTER, "chain", {"vpcConfig": {"endpointPublicAccess": True}}, environment="dev")],
        environment="dev",
        config={},
        label="dev-not-allowed",
    ),
    Case(
        "ec2-imdsv2-required",
        [resource(t.LAUNCH_TEMPLATE, "api", {"metadataOptions": {"httpTokens": "required"}})],
        [resource(t.LAUNCH_TEMPLATE, "api", {"metadataOptions": {"httpTokens": "optional"}})],
    ),
    Case(
        "ec2-no-public-ip-outside-public-tier",
        [
            resource(t.SUBNET, "vpc-public-1", {"mapPublicIpOnLaunch": True, "tags": {"SubnetType": "Public"}}),
            resource(t.SUBNET, "vpc-private-1", {"mapPublicIpOnLaunch": False, "tags": {"SubnetType": "Private"}}),
        ],
        [resource(t.SUBNET, "vpc-private-1", {"mapPublicIpOnLaunch": True, "tags": {"SubnetType": "Private"}})],
    ),
    Case(
        "ecs-task-not-privileged",
        [resource(t.ECS_TASK_DEFINITION, "web-ui", {"containerDefinitions": _containers(privileged=False)})],
        [resource(t.ECS_TASK_DEFINITION, "web-ui", {"containerDefinitions": _containers(privileged=True)})],
    ),
    Case(
        "ecs-secrets-from-store",
        [
            resource(
                t.ECS_TASK_DEFINITION,
                "web-ui",
                {
                    "containerDefinitions": _containers(
                        environment=[{"name": "ETHEREUM_NETWORK", "value": "sepolia"}],
                        secrets=[
                            {
                                "name": "DB_PASSWORD",
                                "valueFrom": "arn:aws:secretsmanager:us-east-1:111122223333:secret:db",
                            }
                        ],
                    )
                },
            )
        ],
        [
            resource(
                t.ECS_TASK_DEFINITION,
                "web-ui",
                {"containerDefinitions": _containers(environment=[{"name": "DB_PASSWORD", "value": "hunter2"}])},
            )
        ],
    ),
    Case(
        "lambda-permission-scoped",
        [
            resource(
                t.LAMBDA_PERMISSION,
                "api-invoke",
                {"principal": "apigateway.amazonaws.com", "sourceArn": "arn:aws:execute-api:us-east-1:111:abc/*"},
            )
        ],
        [resource(t.LAMBDA_PERMISSION, "api-invoke", {"principal": "apigateway.amazonaws.com"})],
    ),
    Case(
        "codebuild-source-no-credentials",
        [resource(t.CODEBUILD_PROJECT, "build", {"source": {"type": "CODEPIPELINE"}})],
        [
            resource(
                t.CODEBUILD_PROJECT,
                "build",
                {"source": {"type": "BITBUCKET", "location": "https://user:app-password@bitbucket.org/acme/app.git"}},
            )
        ],
    ),
    Case(
        "codebuild-no-plaintext-credentials",
        [
            resource(
                t.CODEBUILD_PROJECT,
                "build",
                {
                    "environment": {
                        "environmentVariables": [
                            {"name": "IMAGE_TAG", "value": "abc123", "type": "PLAINTEXT"},
                            {"name": "NPM_TOKEN", "value": "/ci/npm-token", "type": "PARAMETER_STORE"},
                        ]
                    }
                },
            )
        ],
        [
            resource(
                t.CODEBUILD_PROJECT,
                "build",
                {"environment": {"environmentVariables": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "wJalr"}]}},
            )
        ],
    ),
    Case(
        "codebuild-not-privileged",
        [resource(t.CODEBUILD_PROJECT, "image", {"environment": {"privilegedMode": False}})],
        [resource(t.CODEBUILD_PROJECT, "image", {"environment": {"privilegedMode": True}})],
    ),
    Case(
        "codepipeline-stage-roles",
        [
            resource(
                t.CODEPIPELINE,
                "pipeline",
                {
                    "stages": [
                        {"name": "Source", "actions": [{"name": "Source", "category": "Source", "roleArn": "arn:r"}]},
                        {"name": "Approve", "actions": [{"name": "Approve", "category": "Approval"}]},
                    ]
                },
            )
        ],
        [
            resource(
                t.CODEPIPELINE,
                "pipeline",
                {"stages": [{"name": "Build", "actions": [{"name": "Test", "category": "Build"}]}]},
            )
        ],
    ),
]


test_compliant_case_passes, test_violating_case_is_reported, test_every_policy_has_both_cases = pack_tests(
    PACK, RULES, CASES
)


def test_dev_may_open_the_eks_endpoint_when_the_stack_says_so(analyzers: GetAnalyzers) -> None:
    # GIVEN a dev stack with finplatform:eksPublicEndpoint true
    cluster = resource(t.EKS_CLUSTER, "chain", {"vpcConfig": {"endpointPublicAccess": True}}, environment="dev")
    # WHEN the pack analyzes a cluster with a public endpoint there, and the same cluster in prod
    found = analyzers("dev", {"finplatform:eksPublicEndpoint": "true"}).violations(PACK, [cluster])
    # THEN a public endpoint is accepted there, but never in prod
    assert [v for v in found if v.policy == "eks-endpoint-private"] == []
    in_prod = analyzers("prod", {"finplatform:eksPublicEndpoint": "true"}).violations(
        PACK, [resource(t.EKS_CLUSTER, "chain", {"vpcConfig": {"endpointPublicAccess": True}})]
    )
    assert [v.level for v in in_prod if v.policy == "eks-endpoint-private"] == ["mandatory"]
