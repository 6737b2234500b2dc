"""finplatform-least-privilege: a compliant and a violating case for every policy, through the analyzer."""

import dataclasses
import json
from collections.abc import Mapping

from finplatform.tooling.policy_eval import AnalyzedResource
from policies.common import types as t
from policies.least_privilege.data_services import RULES as DATA_SERVICE_RULES
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
            resource(t.SUBNET, "vpc-public-1", {"mapPublicIpOnLaunch": False, "tags": {"SubnetType": "Public"}}),
            resource(t.SUBNET, "vpc-private-1", {"mapPublicIpOnLaunch": False, "tags": {"SubnetType": "Private"}}),
        ],
        [resource(t.SUBNET, "vpc-public-1", {"mapPublicIpOnLaunch": True, "tags": {"SubnetType": "Public"}})],
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


VPC = "awsx:ec2:Vpc"
NETWORK_PARENT = "urn:pulumi:test::finplatform::finplatform:network:Network::network"
LAMBDA = "aws:lambda/function:Function"
ECS_SERVICE = "aws:ecs/service:Service"


def _in_network(type_: str, name: str, props: Mapping[str, object]) -> AnalyzedResource:
    """A resource the network component declares: a VPC and its flow log or endpoints share that parent."""
    return dataclasses.replace(resource(type_, name, props), parent=NETWORK_PARENT)


def _endpoint(service: str, vpc: str = "vpc-1") -> AnalyzedResource:
    props = {"vpcId": vpc, "serviceName": f"com.amazonaws.us-east-1.{service}", "vpcEndpointType": "Interface"}
    return resource("aws:ec2/vpcEndpoint:VpcEndpoint", f"endpoint-{service}", props)


ALL_ENDPOINTS = ["ec2", "ecr.api", "ecr.dkr", "ssm", "ssm-contacts", "ssm-incidents"]


def _task(**props: object) -> AnalyzedResource:
    return resource(t.ECS_TASK_DEFINITION, "api-task", {"networkMode": "awsvpc", **props})


HARDENED = {"readonlyRootFilesystem": True, "logConfiguration": {"logDriver": "awslogs"}}

CASES += [
    Case(
        "vpc-default-security-group-closed",
        [resource("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default-sg", {"ingress": [], "egress": []})],
        [
            resource(
                "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
                "default-sg",
                {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}], "egress": []},
            )
        ],
    ),
    Case(
        "vpc-flow-logs-enabled",
        [
            resource(VPC, "vpc", {"vpcId": "vpc-1"}),
            resource("aws:ec2/flowLog:FlowLog", "vpc-flow-log", {"vpcId": "vpc-1", "trafficType": "ALL"}),
        ],
        [
            resource(VPC, "vpc", {"vpcId": "vpc-1"}),
            resource("aws:ec2/flowLog:FlowLog", "other-flow-log", {"vpcId": "vpc-2", "trafficType": "ALL"}),
        ],
    ),
    Case(
        "vpc-flow-logs-enabled",
        # under mocks the component's vpcId output need not be what its children got: same component counts
        [
            resource("finplatform:network:Network", "network", {}),
            _in_network(VPC, "vpc", {"vpcId": "vpc-1"}),
            _in_network("aws:ec2/flowLog:FlowLog", "vpc-flow-log", {"vpcId": "vpc-0mock", "trafficType": "ALL"}),
        ],
        [resource("finplatform:network:Network", "network", {}), _in_network(VPC, "vpc", {"vpcId": "vpc-1"})],
        label="same-component",
    ),
    Case(
        "vpc-interface-endpoints",
        [resource(VPC, "vpc", {"vpcId": "vpc-1"}), *[_endpoint(s) for s in ALL_ENDPOINTS]],
        [resource(VPC, "vpc", {"vpcId": "vpc-1"}), *[_endpoint(s) for s in ALL_ENDPOINTS if s != "ec2"]],
    ),
    Case(
        "network-acl-no-internet-admin-ports",
        [
            resource(
                t.NETWORK_ACL,
                "public-acl",
                {
                    "ingress": [
                        {
                            "ruleNo": 100,
                            "action": "allow",
                            "protocol": "tcp",
                            "cidrBlock": "0.0.0.0/0",
                            "fromPort": 443,
                            "toPort": 443,
                        },
                        {
                            "ruleNo": 110,
                            "action": "allow",
                            "protocol": "tcp",
                            "cidrBlock": "0.0.0.0/0",
                            "fromPort": 3390,
                            "toPort": 65535,
                        },
                    ]
                },
            )
        ],
        [
            resource(
                t.NETWORK_ACL,
                "public-acl",
                {
                    "ingress": [
                        {
                            "ruleNo": 110,
                            "action": "allow",
                            "protocol": "tcp",
                            "cidrBlock": "0.0.0.0/0",
                            "fromPort": 1024,
                            "toPort": 65535,
                        }
                    ]
                },
            )
        ],
    ),
    Case(
        "network-acl-associated",
        [resource(t.NETWORK_ACL, "private-acl", {"subnetIds": ["subnet-1", "subnet-2"]})],
        [resource(t.NETWORK_ACL, "spare-acl", {"subnetIds": []})],
    ),
    Case(
        "ec2-single-network-interface",
        [resource(t.LAUNCH_TEMPLATE, "nodes", {"networkInterfaces": [{"deviceIndex": 0}]})],
        [resource(t.LAUNCH_TEMPLATE, "nodes", {"networkInterfaces": [{"deviceIndex": 0}, {"deviceIndex": 1}]})],
    ),
    Case(
        "ecs-host-network-non-root",
        [
            resource(
                t.ECS_TASK_DEFINITION,
                "agent",
                {"networkMode": "host", "containerDefinitions": _containers(user="1000:1000")},
            )
        ],
        [resource(t.ECS_TASK_DEFINITION, "agent", {"networkMode": "host", "containerDefinitions": _containers()})],
    ),
    Case(
        "ecs-no-host-pid-namespace",
        [_task(pidMode="task", containerDefinitions=_containers())],
        [_task(pidMode="host", containerDefinitions=_containers())],
    ),
    Case(
        "ecs-read-only-root-filesystem",
        [_task(containerDefinitions=_containers(readonlyRootFilesystem=True))],
        [_task(containerDefinitions=_containers(readonlyRootFilesystem=False))],
    ),
    Case(
        "ecs-container-logging",
        [_task(containerDefinitions=_containers(logConfiguration={"logDriver": "awslogs"}))],
        [_task(containerDefinitions=_containers())],
    ),
    Case(
        "ecs-service-no-public-ip",
        [resource(ECS_SERVICE, "api", {"networkConfiguration": {"assignPublicIp": False, "subnets": ["s-1"]}})],
        [resource(ECS_SERVICE, "api", {"networkConfiguration": {"assignPublicIp": True, "subnets": ["s-1"]}})],
    ),
    Case(
        "ecs-fargate-latest-platform",
        [resource(ECS_SERVICE, "api", {"capacityProviderStrategies": [{"capacityProvider": "FARGATE"}]})],
        [resource(ECS_SERVICE, "api", {"launchType": "FARGATE", "platformVersion": "1.3.0"})],
    ),
    Case(
        "ecs-container-insights",
        [
            resource(
                "aws:ecs/cluster:Cluster", "cluster", {"settings": [{"name": "containerInsights", "value": "enabled"}]}
            )
        ],
        [resource("aws:ecs/cluster:Cluster", "cluster", {"settings": []})],
    ),
    Case(
        "eks-supported-version",
        [resource(t.EKS_COMPONENT, "cluster", {"version": "1.31"})],
        [resource(t.EKS_CLUSTER, "cluster", {"version": "1.27"})],
    ),
    Case(
        "eks-supported-version",
        # the cluster a pulumi-eks component creates is judged by the component's own inputs
        [
            dataclasses.replace(
                resource(t.EKS_CLUSTER, "cluster-eksCluster", {}),
                parent="urn:pulumi:test::finplatform::eks:index:Cluster::cluster",
            )
        ],
        [resource(t.EKS_CLUSTER, "cluster-eksCluster", {})],
        label="component-child",
    ),
    Case(
        "eks-audit-logging",
        [resource(t.EKS_COMPONENT, "cluster", {"enabledClusterLogTypes": ["api", "audit"]})],
        [resource(t.EKS_CLUSTER, "cluster", {"enabledClusterLogTypes": ["api"]})],
    ),
    Case(
        "autoscaling-elb-health-checks",
        [resource(t.AUTOSCALING_GROUP, "workers", {"targetGroupArns": ["arn:tg"], "healthCheckType": "ELB"})],
        [resource(t.AUTOSCALING_GROUP, "workers", {"targetGroupArns": ["arn:tg"], "healthCheckType": "EC2"})],
    ),
    Case(
        "autoscaling-multi-az",
        [resource(t.AUTOSCALING_GROUP, "workers", {"vpcZoneIdentifiers": ["subnet-a", "subnet-b"]})],
        [resource(t.AUTOSCALING_GROUP, "workers", {"vpcZoneIdentifiers": ["subnet-a"]})],
    ),
    Case(
        "autoscaling-multiple-instance-types",
        [
            resource(
                t.AUTOSCALING_GROUP,
                "workers",
                {
                    "vpcZoneIdentifiers": ["subnet-a", "subnet-b"],
                    "mixedInstancesPolicy": {
                        "launchTemplate": {
                            "launchTemplateSpecification": {"launchTemplateId": "lt-1"},
                            "overrides": [{"instanceType": "t3.medium"}, {"instanceType": "t3a.medium"}],
                        }
                    },
                },
            )
        ],
        [
            resource(
                t.AUTOSCALING_GROUP,
                "workers",
                {"vpcZoneIdentifiers": ["subnet-a", "subnet-b"], "launchTemplate": {"id": "lt-1"}},
            )
        ],
    ),
    Case(
        "autoscaling-launch-template",
        [resource(t.AUTOSCALING_GROUP, "workers", {"launchTemplate": {"id": "lt-1", "version": "$Latest"}})],
        [resource(t.AUTOSCALING_GROUP, "workers", {"launchConfiguration": "workers-lc"})],
    ),
    Case(
        "autoscaling-launch-configuration-hardened",
        [
            resource(
                "aws:ec2/launchConfiguration:LaunchConfiguration",
                "workers-lc",
                {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}},
            )
        ],
        [
            resource(
                "aws:ec2/launchConfiguration:LaunchConfiguration",
                "workers-lc",
                {"metadataOptions": {"httpTokens": "optional"}, "associatePublicIpAddress": True},
            )
        ],
    ),
    Case(
        "lambda-supported-runtime",
        [resource(LAMBDA, "anchoring", {"runtime": "python3.12"}), resource(LAMBDA, "image", {"packageType": "Image"})],
        [resource(LAMBDA, "anchoring", {"runtime": "python3.8"})],
    ),
    Case(
        "lambda-vpc-multi-az",
        [resource(LAMBDA, "anchoring", {"vpcConfig": {"subnetIds": ["subnet-a", "subnet-b"]}})],
        [resource(LAMBDA, "anchoring", {"vpcConfig": {"subnetIds": ["subnet-a"]}})],
    ),
    Case(
        "ecr-scan-on-push",
        [resource(t.ECR_REPOSITORY, "api", {"imageScanningConfiguration": {"scanOnPush": True}})],
        [resource(t.ECR_REPOSITORY, "api", {"imageScanningConfiguration": {"scanOnPush": False}})],
    ),
    Case(
        "ecr-tags-immutable",
        [
            resource(t.ECR_REPOSITORY, "api", {"imageTagMutability": "IMMUTABLE"}),
            resource(t.ECR_CREATION_TEMPLATE, "replicas", {"imageTagMutability": "IMMUTABLE"}),
        ],
        [resource(t.ECR_REPOSITORY, "api", {"imageTagMutability": "MUTABLE"})],
    ),
    Case(
        "ecr-lifecycle-policy",
        [
            resource(t.ECR_REPOSITORY, "api", {"name": "stack/api"}),
            resource(
                "aws:ecr/lifecyclePolicy:LifecyclePolicy", "api-lifecycle", {"repository": "stack/api", "policy": "{}"}
            ),
        ],
        [resource(t.ECR_REPOSITORY, "api", {"name": "stack/api"})],
    ),
    Case(
        "ecs-secrets-from-store",
        # ECS.8 names the variables AWS credentials and registry auth come in
        [_task(containerDefinitions=_containers(environment=[{"name": "AWS_REGION", "value": "us-east-1"}]))],
        [_task(containerDefinitions=_containers(environment=[{"name": "AWS_ACCESS_KEY_ID", "value": "AKIA..."}]))],
        label="aws-credentials",
    ),
    Case(
        "ec2-sg-no-admin-or-data-ports-open",
        # EC2.19's high-risk ports include the usual alternate web ports
        [resource(t.SECURITY_GROUP, "lb", {"ingress": [WORLD_HTTPS]})],
        [
            resource(
                t.SECURITY_GROUP,
                "lb",
                {"ingress": [{"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": ["0.0.0.0/0"]}]},
            )
        ],
        label="high-risk-ports",
    ),
    Case(
        "apigateway-route-authorized",
        [resource("aws:apigatewayv2/route:Route", "anchor", {"routeKey": "POST /", "authorizationType": "JWT"})],
        [resource("aws:apigatewayv2/route:Route", "anchor", {"routeKey": "POST /"})],
    ),
]


# The data and security services' rules have their cases in test_data_services_*.py.
OWN_RULES = [rule for rule in RULES if rule not in DATA_SERVICE_RULES]
test_compliant_case_passes, test_violating_case_is_reported, test_every_policy_has_both_cases = pack_tests(
    PACK, OWN_RULES, CASES
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
