"""The IAM documents of the delivery pipeline's roles: the pipeline's own role hands each stage to a role of its
own, and each stage role may do only what its stage needs (source, build, deploy), on the resources of the stacks
the pipeline deploys."""

from collections.abc import Mapping, Sequence
from typing import Any

from components.delivery.buildspecs import DeployTarget
from components.delivery.github import PUSH_ACTIONS
from components.shared.deployment import cluster_name, group_name, release_parameter

SCAN_ACTIONS = ["ecr:DescribeImageScanFindings", "ecr:DescribeImages"]
START_BUILD_ACTIONS = ["codebuild:StartBuild", "codebuild:BatchGetBuilds", "codebuild:StopBuild"]
ARTIFACT_READ = ["s3:GetObject", "s3:GetObjectVersion"]
ARTIFACT_WRITE = ["s3:PutObject"]
ARTIFACT_BUCKET = ["s3:GetBucketVersioning", "s3:GetBucketLocation"]


def _artifacts(bucket_arn: str, key_arn: str, *, write: bool) -> list[dict[str, Any]]:
    """Read (and write) the pipeline's artifacts, which the data key encrypts."""
    actions = ARTIFACT_READ + (ARTIFACT_WRITE if write else [])
    key_actions = ["kms:Decrypt"] + (["kms:GenerateDataKey"] if write else [])
    return [
        {"Sid": "PipelineArtifacts", "Effect": "Allow", "Action": actions, "Resource": f"{bucket_arn}/*"},
        {"Sid": "ArtifactBucket", "Effect": "Allow", "Action": ARTIFACT_BUCKET, "Resource": bucket_arn},
        {"Sid": "ArtifactKey", "Effect": "Allow", "Action": key_actions, "Resource": key_arn},
    ]


def _logs(log_group_arn: str) -> dict[str, Any]:
    return {
        "Sid": "WriteBuildLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"{log_group_arn}:log-stream:*",
    }


def pipeline_policy(r: Mapping[str, Any]) -> dict[str, Any]:
    """The pipeline's own role: hand each stage to that stage's role, and keep the artifacts between stages."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeStageRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": [r["sourceRole"], r["buildRole"], r["deployRole"]],
            },
            *_artifacts(r["bucket"], r["key"], write=True),
        ],
    }


def source_policy(r: Mapping[str, Any]) -> dict[str, Any]:
    """The source stage: read the repository through the connection, store the source artifact."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "UseTheConnection",
                "Effect": "Allow",
                # Connections created as codestar-connections are authorised under either service prefix.
                "Action": ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
                "Resource": r["connection"],
            },
            *_artifacts(r["bucket"], r["key"], write=True),
        ],
    }


def build_policy(r: Mapping[str, Any]) -> dict[str, Any]:
    """The build stage: run its projects, log, read the source, push the images to their repositories (both
    stacks') and read their scan findings."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "RunBuildProjects", "Effect": "Allow", "Action": START_BUILD_ACTIONS, "Resource": r["projects"]},
            _logs(r["logGroup"]),
            *_artifacts(r["bucket"], r["key"], write=True),
            # GetAuthorizationToken has no resource-level permissions: AWS only accepts "*" here.
            {"Sid": "RegistryLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Sid": "PushImages", "Effect": "Allow", "Action": PUSH_ACTIONS, "Resource": r["repositories"]},
            {"Sid": "ReadScanFindings", "Effect": "Allow", "Action": SCAN_ACTIONS, "Resource": r["repositories"]},
        ],
    }


def deploy_policy(
    r: Mapping[str, Any], targets: Sequence[DeployTarget], *, partition: str, region: str
) -> dict[str, Any]:
    """The deploy stages: run the deploy projects, log, read the source; roll each target's ECS services onto a
    new revision of their own family, and point each EC2 service's release parameter at the new tag and refresh
    its group. Nothing of a stack the pipeline does not deploy."""
    account = r["account"]
    ecs = [(t, s) for t in targets for s in sorted(t.ecs_services)]
    ec2 = [(t, s) for t in targets for s in sorted(t.ec2_services)]
    statements: list[dict[str, Any]] = [
        {"Sid": "RunDeployProjects", "Effect": "Allow", "Action": START_BUILD_ACTIONS, "Resource": r["projects"]},
        _logs(r["logGroup"]),
        *_artifacts(r["bucket"], r["key"], write=False),
    ]
    if ecs:
        statements += [
            # RegisterTaskDefinition and DescribeTaskDefinition support no resource-level permissions: AWS only
            # accepts "*" for them. What runs is bounded by UpdateService below.
            {
                "Sid": "RegisterRevisions",
                "Effect": "Allow",
                "Action": ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"],
                "Resource": "*",
            },
            {
                "Sid": "RollTheServices",
                "Effect": "Allow",
                "Action": ["ecs:UpdateService", "ecs:DescribeServices"],
                "Resource": [
                    f"arn:{partition}:ecs:{region}:{account}:service/{cluster_name(t.prefix)}/{s}" for t, s in ecs
                ],
            },
            {
                "Sid": "PassTheServicesRoles",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                # The task and execution roles are auto-named in the other stack (<component>-<service>-task-<id>):
                # the random suffix Pulumi adds is the only part matched by the wildcard, and only to ECS tasks.
                "Resource": sorted(
                    {
                        f"arn:{partition}:iam::{account}:role/services-{s}-{kind}-*"
                        for _, s in ecs
                        for kind in ("task", "execution")
                    }
                ),
                "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            },
        ]
    if ec2:
        statements += [
            {
                "Sid": "SetTheReleases",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:PutParameter"],
                "Resource": [
                    f"arn:{partition}:ssm:{region}:{account}:parameter{release_parameter(t.stack, s)}" for t, s in ec2
                ],
            },
            {
                "Sid": "RefreshTheGroups",
                "Effect": "Allow",
                "Action": "autoscaling:StartInstanceRefresh",
                # A group's ARN holds an id AWS assigns at creation; the wildcard stands for that id only.
                "Resource": [
                    f"arn:{partition}:autoscaling:{region}:{account}:autoScalingGroup:*:"
                    f"autoScalingGroupName/{group_name(t.prefix, s)}"
                    for t, s in ec2
                ],
            },
            # DescribeInstanceRefreshes supports no resource-level permissions: AWS only accepts "*".
            {
                "Sid": "WatchTheRefreshes",
                "Effect": "Allow",
                "Action": "autoscaling:DescribeInstanceRefreshes",
                "Resource": "*",
            },
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def stage_trust(service: str, pipeline_role_arn: str, account: str) -> dict[str, Any]:
    """A stage role: the pipeline's role assumes it to run the stage; for build and deploy roles, CodeBuild
    also assumes it to run the stage's projects."""
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": pipeline_role_arn},
            "Action": "sts:AssumeRole",
        }
    ]
    if service:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}
