"""The delivery layer: the blueprint's CodePipeline, declared in its prod stack (docs/delivery.md).

The pipeline deploys the staging stack first, then, after a manual approval, the prod stack. It addresses the
staging stack's services by the physical names the compute layer gives every stack of a pipeline blueprint
(``components.shared.deployment``), so both stacks must be in the same account and region. Seed 003's GitHub
Actions role is declared by the compute layer, beside the service it deploys.
"""

from typing import Any

from components.build.data import DataLayer
from components.compute.registry import image_repository
from components.context import StackContext
from components.delivery.buildspecs import DeployTarget
from components.delivery.pipeline import DeliveryPipeline, PipelineArgs
from components.shared.deployment import (
    deploys_by_pipeline,
    rollback_alarms,
    stack_prefix,
    staging_stack,
)
from finplatform.stack import ResolvedStack

ROLLOUT_MINUTES = 20  # a service's rollout or instance refresh beyond its bake time
CODEBUILD_MAX_TIMEOUT = 2160


def deploy_target(stack: ResolvedStack, name: str) -> DeployTarget:
    """What the pipeline deploys in stack ``name`` of the blueprint: its ECS and EC2 services by image repository
    (EKS services are left to the cluster's own tooling), and the alarms that stop an EC2 service's refresh."""
    services = stack.blueprint.services
    prefix = stack_prefix(name)
    alarms = rollback_alarms(stack, prefix)
    ec2 = {s.name: image_repository(s.image)[0] for s in services if s.target == "ec2-autoscaling"}
    return DeployTarget(
        stack=name,
        prefix=prefix,
        ecs_services={s.name: image_repository(s.image)[0] for s in services if s.target == "ecs-fargate"},
        ec2_services=ec2,
        refresh_alarms={s: alarms[s] for s in ec2 if s in alarms},
        min_healthy_percent=stack.blueprint.delivery.min_healthy_percent,
    )


def deploy_timeout(target: DeployTarget, bake_time_minutes: int) -> int:
    """Minutes a deploy project may run: services deploy one after another, each ECS service through its bake
    time, each with time to roll out or refresh (CodeBuild's ceiling is 36 hours)."""
    services = len(target.ecs_services) + len(target.ec2_services)
    minutes = bake_time_minutes * len(target.ecs_services) + ROLLOUT_MINUTES * services + ROLLOUT_MINUTES
    return min(minutes, CODEBUILD_MAX_TIMEOUT)


def build_contexts(stack: ResolvedStack) -> dict[str, str]:
    """Each image repository the blueprint's services run, with its Docker build context."""
    contexts = stack.blueprint.delivery.build_contexts
    images = sorted({image_repository(s.image)[0] for s in stack.blueprint.services})
    return {image: contexts.get(image, image) for image in images}


def needs_pipeline(stack: ResolvedStack) -> bool:
    """The pipeline is declared once per blueprint, in its prod stack."""
    return deploys_by_pipeline(stack.blueprint) and stack.environment == "prod"


def delivery_layer(ctx: StackContext, data: DataLayer, *, exports: dict[str, Any]) -> DeliveryPipeline | None:
    """The blueprint's pipeline, in its prod stack; None elsewhere and for blueprints without one."""
    stack = ctx.stack
    if not needs_pipeline(stack) or not stack.blueprint.services:
        return None
    delivery = stack.blueprint.delivery
    (artifacts,) = [b.name for b in stack.blueprint.buckets if b.purpose == "artifacts"][:1]
    bucket = data.storage.by_name[artifacts]
    targets = [deploy_target(stack, staging_stack(stack)), deploy_target(stack, stack.stack)]
    pipeline = DeliveryPipeline(
        "delivery",
        PipelineArgs(
            placement=ctx.primary,
            repository=delivery.repository,
            branch=delivery.branch,
            artifact_bucket=bucket.name,
            artifact_bucket_arn=bucket.arn,
            data_key_arn=ctx.keys("data"),
            logs_key_arn=ctx.keys("logs"),
            images=build_contexts(stack),
            targets=targets,
            test_command=delivery.test_command,
            deploy_timeout_minutes=max(deploy_timeout(t, delivery.bake_time_minutes) for t in targets),
            log_retention_days=ctx.profile.log_retention_days,
            protect_logs=ctx.profile.protect_stateful_resources,
        ),
        opts=ctx.in_primary,
    )
    exports["deliveryConnectionArn"] = pipeline.connection_arn
    exports["deliveryPipelineName"] = pipeline.pipeline_name
    return pipeline
