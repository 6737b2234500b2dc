"""A role GitHub Actions assumes through OIDC to deploy one ECS service from one repository and branch."""

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"
PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
]


def deploy_trust(provider_arn: str, repository: str, branch: str) -> dict[str, Any]:
    """Only workflow runs of ``repository`` on ``branch`` may assume the role, with the STS audience."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": f"repo:{repository}:ref:refs/heads/{branch}",
                    }
                },
            }
        ],
    }


def deploy_policy(resolved: dict[str, Any]) -> dict[str, Any]:
    """Push images to one repository; roll one ECS service onto a new task definition. Nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            # GetAuthorizationToken has no resource-level permissions: AWS only accepts "*" here.
            {"Sid": "RegistryLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Sid": "PushItsImage", "Effect": "Allow", "Action": PUSH_ACTIONS, "Resource": resolved["repository"]},
            # The workflow gates on ECR's scan-on-push findings before it deploys (docs/delivery.md).
            {
                "Sid": "ReadItsScanFindings",
                "Effect": "Allow",
                "Action": ["ecr:DescribeImageScanFindings", "ecr:DescribeImages"],
                "Resource": resolved["repository"],
            },
            # Tags are immutable, so a release is a new task definition; RegisterTaskDefinition and
            # DescribeTaskDefinition support no resource-level permissions, so AWS only accepts "*" for them.
            {
                "Sid": "RegisterTaskDefinitions",
                "Effect": "Allow",
                "Action": ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"],
                "Resource": "*",
            },
            {
                "Sid": "UpdateItsService",
                "Effect": "Allow",
                "Action": ["ecs:UpdateService", "ecs:DescribeServices"],
                "Resource": resolved["service"],
            },
            {
                "Sid": "PassItsTaskRoles",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": [resolved["taskRole"], resolved["executionRole"]],
                "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            },
        ],
    }


@dataclass(frozen=True)
class GithubDeployRoleArgs:
    """Inputs of the GitHub Actions deploy role."""

    repository: str
    """GitHub owner/name whose workflows may deploy."""
    repository_arn: pulumi.Input[str]
    """The ECR repository the workflow pushes to."""
    service_arn: pulumi.Input[str]
    """The ECS service the workflow updates."""
    task_role_arn: pulumi.Input[str]
    """The service's task role, passed to new task definitions."""
    execution_role_arn: pulumi.Input[str]
    """The service's execution role, passed to new task definitions."""
    branch: str = "main"
    """The only branch whose runs may assume the role."""


class GithubDeployRole(pulumi.ComponentResource):
    """GitHub's OIDC identity provider and a role its workflows assume without stored keys (seed 003). The
    provider is one per account: a second stack in the account imports it instead of declaring it again."""

    role_arn: pulumi.Output[str]
    """The role the workflow's configure-aws-credentials step assumes."""

    def __init__(self, name: str, args: GithubDeployRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:delivery:GithubDeployRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        provider = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            aws.iam.OpenIdConnectProviderArgs(url=GITHUB_OIDC_URL, client_id_lists=[STS_AUDIENCE]),
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-role",
            aws.iam.RoleArgs(
                description=f"GitHub Actions deploys of {args.repository} ({args.branch})",
                assume_role_policy=provider.arn.apply(
                    lambda arn: json.dumps(deploy_trust(arn, args.repository, args.branch))
                ),
                max_session_duration=3600,
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-policy",
            aws.iam.RolePolicyArgs(
                role=role.id,
                policy=pulumi.Output.all(
                    repository=args.repository_arn,
                    service=args.service_arn,
                    taskRole=args.task_role_arn,
                    executionRole=args.execution_role_arn,
                ).apply(lambda r: json.dumps(deploy_policy(r))),
            ),
            opts=child,
        )
        self.role_arn = role.arn
        self.register_outputs({"roleArn": self.role_arn})
