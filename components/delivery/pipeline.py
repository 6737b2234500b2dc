"""The delivery pipeline of a blueprint (seeds 000, 001 and 004): CodePipeline from a GitHub repository through
a CodeStar connection, CodeBuild projects that test, build, scan-gate and deploy, staging, a manual approval,
then prod. It lives in the blueprint's prod stack and deploys the staging stack's services by their physical
names (same account; docs/delivery.md)."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import pulumi
import pulumi_aws as aws

from components.delivery.buildspecs import (
    KANIKO_IMAGE,
    STANDARD_IMAGE,
    DeployTarget,
    deploy_buildspec,
    image_buildspec,
    registry_host,
    run_tests_buildspec,
    scan_buildspec,
)
from components.delivery.stage_roles import build_policy, deploy_policy, pipeline_policy, source_policy, stage_trust
from components.providers import Placement
from components.shared.deployment import (
    INSTANCE_WARMUP_SECONDS,
    cluster_name,
    group_name,
    release_parameter,
    repository_path,
    task_family,
)
from components.shared.iam import inline_policy, service_role
from components.shared.logs import encrypted_log_group

IMAGE_TAG = "#{SourceVariables.CommitId}"
SOURCE_NAMESPACE = "SourceVariables"
# Minutes each kind of build may take before CodeBuild stops it.
TIMEOUTS = {"test": 30, "image": 60, "scan": 30}


@dataclass(frozen=True)
class PipelineArgs:
    """Inputs of the delivery pipeline."""

    placement: Placement
    """The prod stack's region, provider and account."""
    repository: str
    """GitHub owner/name of the application."""
    artifact_bucket: pulumi.Input[str]
    """The blueprint's artifacts bucket (SSE-KMS with the data key)."""
    artifact_bucket_arn: pulumi.Input[str]
    """Its ARN."""
    data_key_arn: pulumi.Input[str]
    """Encrypts the artifacts and the build projects' output."""
    logs_key_arn: pulumi.Input[str]
    """Encrypts the build logs."""
    images: Mapping[str, str]
    """Image repository -> its Docker build context in the application repository."""
    targets: Sequence[DeployTarget]
    """The stacks deployed, in order: staging, then (after the approval) prod."""
    branch: str = "main"
    """The branch whose pushes start the pipeline."""
    test_command: str = "make test"
    """What the test project runs."""
    deploy_timeout_minutes: int = 120
    """How long a deploy project may take (rollouts and the blue/green bake time included)."""
    log_retention_days: int = 30
    """Retention of the build logs."""
    protect_logs: bool = False
    """Pulumi protect on the build log group."""


class DeliveryPipeline(pulumi.ComponentResource):
    """Source (CodeStar connection to GitHub), Build (tests, unprivileged image builds pushed by commit id, a
    gate on ECR's scan findings), Deploy to staging, a manual approval, Deploy to prod; a role per stage."""

    connection_arn: pulumi.Output[str]
    """The connection to approve once in the console (AWS creates it PENDING)."""
    pipeline_name: pulumi.Output[str]
    """The pipeline's name."""
    projects: dict[str, aws.codebuild.Project]
    """The CodeBuild projects by stage: test, image, scan, and deploy-<stack> per target."""

    def __init__(self, name: str, args: PipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:delivery:DeliveryPipeline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        placement = args.placement
        account = pulumi.Output.from_input(placement.account_id)
        connection = aws.codestarconnections.Connection(
            f"{name}-github", aws.codestarconnections.ConnectionArgs(provider_type="GitHub"), opts=child
        )
        logs = encrypted_log_group(
            f"{name}-logs",
            None,
            args.logs_key_arn,
            args.log_retention_days,
            parent=self,
            protect=args.protect_logs,
        )
        pipeline_role = service_role(
            f"{name}-pipeline-role", "codepipeline.amazonaws.com", placement, "Runs the delivery pipeline", self
        )

        def stage_role(stage: str, service: str, description: str) -> aws.iam.Role:
            return service_role(
                f"{name}-{stage}-role",
                service,
                placement,
                description,
                self,
                trust=pulumi.Output.all(pipeline_role.arn, account).apply(
                    lambda v: json.dumps(stage_trust(service, v[0], v[1]))
                ),
            )

        source_role = stage_role("source", "", "Delivery source stage")
        build_role = stage_role("build", "codebuild.amazonaws.com", "Delivery build stage")
        deploy_role = stage_role("deploy", "codebuild.amazonaws.com", "Delivery deploy stages")
        registry = account.apply(lambda a: registry_host(a, placement.region))
        prefixes = [t.prefix for t in args.targets]
        self.projects = {}
        self.projects["test"] = self._project(
            name,
            "test",
            role=build_role,
            logs=logs,
            args=args,
            buildspec=pulumi.Output.from_input(run_tests_buildspec(args.test_command)),
        )
        self.projects["image"] = self._project(
            name,
            "image",
            role=build_role,
            logs=logs,
            args=args,
            buildspec=registry.apply(lambda host: image_buildspec(host, args.images, prefixes)),
            image=KANIKO_IMAGE,
            compute="BUILD_GENERAL1_MEDIUM",
        )
        pushed = [repository_path(p, r) for p in prefixes for r in sorted(args.images)]
        self.projects["scan"] = self._project(
            name,
            "scan",
            role=build_role,
            logs=logs,
            args=args,
            buildspec=pulumi.Output.from_input(scan_buildspec(pushed)),
        )
        for target in args.targets:
            self.projects[f"deploy-{target.stack}"] = self._project(
                name,
                f"deploy-{target.stack}",
                role=deploy_role,
                logs=logs,
                args=args,
                buildspec=registry.apply(partial(self._deploy_spec, target)),
                timeout=args.deploy_timeout_minutes,
            )
        build_projects = [self.projects[k].arn for k in ("test", "image", "scan")]
        deploy_projects = [self.projects[f"deploy-{t.stack}"].arn for t in args.targets]
        common = {"bucket": args.artifact_bucket_arn, "key": args.data_key_arn, "logGroup": logs.arn}
        inline_policy(
            f"{name}-pipeline-policy",
            pipeline_role,
            pulumi.Output.all(
                sourceRole=source_role.arn, buildRole=build_role.arn, deployRole=deploy_role.arn, **common
            ).apply(lambda r: json.dumps(pipeline_policy(r))),
            self,
        )
        inline_policy(
            f"{name}-source-policy",
            source_role,
            pulumi.Output.all(connection=connection.arn, **common).apply(lambda r: json.dumps(source_policy(r))),
            self,
        )
        repository_arns = account.apply(
            lambda a: [f"arn:{placement.partition}:ecr:{placement.region}:{a}:repository/{path}" for path in pushed]
        )
        inline_policy(
            f"{name}-build-policy",
            build_role,
            pulumi.Output.all(
                projects=pulumi.Output.all(*build_projects), repositories=repository_arns, **common
            ).apply(lambda r: json.dumps(build_policy(r))),
            self,
        )
        inline_policy(
            f"{name}-deploy-policy",
            deploy_role,
            pulumi.Output.all(projects=pulumi.Output.all(*deploy_projects), account=account, **common).apply(
                lambda r: json.dumps(
                    deploy_policy(r, args.targets, partition=placement.partition, region=placement.region)
                )
            ),
            self,
        )
        pipeline = aws.codepipeline.Pipeline(
            f"{name}-pipeline",
            aws.codepipeline.PipelineArgs(
                role_arn=pipeline_role.arn,
                pipeline_type="V2",
                execution_mode="QUEUED",
                artifact_stores=[
                    aws.codepipeline.PipelineArtifactStoreArgs(
                        location=args.artifact_bucket,
                        type="S3",
                        encryption_key=aws.codepipeline.PipelineArtifactStoreEncryptionKeyArgs(
                            id=args.data_key_arn, type="KMS"
                        ),
                    )
                ],
                stages=self._stages(args, connection, source_role, build_role, deploy_role),
            ),
            opts=child,
        )
        self.connection_arn = connection.arn
        self.pipeline_name = pipeline.name
        self.register_outputs({"connectionArn": self.connection_arn, "pipelineName": self.pipeline_name})

    @staticmethod
    def _deploy_spec(target: DeployTarget, registry: str) -> str:
        return deploy_buildspec(
            target,
            registry,
            cluster=cluster_name(target.prefix),
            families={s: task_family(target.prefix, s) for s in target.ecs_services},
            groups={s: group_name(target.prefix, s) for s in target.ec2_services},
            parameters={s: release_parameter(target.stack, s) for s in target.ec2_services},
            warmup_seconds=INSTANCE_WARMUP_SECONDS,
        )

    def _project(
        self,
        name: str,
        stage: str,
        *,
        role: aws.iam.Role,
        logs: aws.cloudwatch.LogGroup,
        args: PipelineArgs,
        buildspec: pulumi.Output[str],
        image: str = STANDARD_IMAGE,
        compute: str = "BUILD_GENERAL1_SMALL",
        timeout: int | None = None,
    ) -> aws.codebuild.Project:
        """A project the pipeline runs: inline buildspec, unprivileged, encrypted with the data key, logging to
        the encrypted log group (no S3 logs), no environment variables but the pipeline's IMAGE_TAG."""
        return aws.codebuild.Project(
            f"{name}-{stage}",
            aws.codebuild.ProjectArgs(
                description=f"Delivery pipeline: {stage}",
                service_role=role.arn,
                encryption_key=args.data_key_arn,
                build_timeout=timeout or TIMEOUTS[stage],
                source=aws.codebuild.ProjectSourceArgs(type="CODEPIPELINE", buildspec=buildspec),
                artifacts=aws.codebuild.ProjectArtifactsArgs(type="CODEPIPELINE"),
                environment=aws.codebuild.ProjectEnvironmentArgs(
                    type="LINUX_CONTAINER",
                    compute_type=compute,
                    image=image,
                    image_pull_credentials_type="CODEBUILD",
                    privileged_mode=False,
                ),
                logs_config=aws.codebuild.ProjectLogsConfigArgs(
                    cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                        status="ENABLED", group_name=logs.name, stream_name=stage
                    ),
                    s3_logs=aws.codebuild.ProjectLogsConfigS3LogsArgs(status="DISABLED"),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _stages(
        self,
        args: PipelineArgs,
        connection: aws.codestarconnections.Connection,
        source_role: aws.iam.Role,
        build_role: aws.iam.Role,
        deploy_role: aws.iam.Role,
    ) -> list[aws.codepipeline.PipelineStageArgs]:
        tag = json.dumps([{"name": "IMAGE_TAG", "value": IMAGE_TAG, "type": "PLAINTEXT"}])

        def build(
            action: str, project: str, role: aws.iam.Role, order: int
        ) -> aws.codepipeline.PipelineStageActionArgs:
            return aws.codepipeline.PipelineStageActionArgs(
                name=action,
                category="Build",
                owner="AWS",
                provider="CodeBuild",
                version="1",
                run_order=order,
                role_arn=role.arn,
                input_artifacts=["source"],
                configuration={"ProjectName": self.projects[project].name, "EnvironmentVariables": tag},
            )

        source = aws.codepipeline.PipelineStageActionArgs(
            name="Source",
            category="Source",
            owner="AWS",
            provider="CodeStarSourceConnection",
            version="1",
            namespace=SOURCE_NAMESPACE,
            role_arn=source_role.arn,
            output_artifacts=["source"],
            configuration={
                "ConnectionArn": connection.arn,
                "FullRepositoryId": args.repository,
                "BranchName": args.branch,
                "DetectChanges": "true",
                "OutputArtifactFormat": "CODE_ZIP",
            },
        )
        stages = [
            aws.codepipeline.PipelineStageArgs(name="Source", actions=[source]),
            aws.codepipeline.PipelineStageArgs(
                name="Build",
                actions=[
                    build("Test", "test", build_role, 1),
                    build("Image", "image", build_role, 2),
                    build("ScanGate", "scan", build_role, 3),
                ],
            ),
        ]
        for position, target in enumerate(args.targets):
            if position > 0:
                stages.append(
                    aws.codepipeline.PipelineStageArgs(
                        name=f"Approve-{target.stack}",
                        actions=[
                            aws.codepipeline.PipelineStageActionArgs(
                                name="Approve",
                                category="Approval",
                                owner="AWS",
                                provider="Manual",
                                version="1",
                                configuration={
                                    "CustomData": f"Release {IMAGE_TAG} is live in {args.targets[position - 1].stack}"
                                    f"; approve to deploy it to {target.stack}."
                                },
                            )
                        ],
                    )
                )
            stages.append(
                aws.codepipeline.PipelineStageArgs(
                    name=f"Deploy-{target.stack}",
                    actions=[build("Deploy", f"deploy-{target.stack}", deploy_role, 1)],
                )
            )
        return stages
