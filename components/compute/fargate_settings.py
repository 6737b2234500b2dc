"""What each Fargate service is declared with, worked out from its blueprint entry and the stack's deployment
before anything is declared: its containers, its target tracking, its capacity providers, how it takes a release,
and what ECS may do to shift blue/green traffic."""

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi_aws as aws

from components.shared.deployment import Deployment
from finplatform.blueprints import Service

XRAY_IMAGE = "public.ecr.aws/xray/aws-xray-daemon:3.3.12"
# The container learns from it whether to serve TLS on its port (HTTPS) or plain HTTP.
PROTOCOL_VARIABLE = "TARGET_PROTOCOL"
SCALE_OUT_COOLDOWN = 60  # seed 003
SCALE_IN_COOLDOWN = 300  # seed 003
TrackingArgs = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs
CustomMetricArgs = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationArgs
MetricDimensionArgs = (
    aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationDimensionArgs
)
PredefinedArgs = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs


def scaling_metrics(service: Service) -> list[tuple[str, TrackingArgs]]:
    """Target tracking for a service: average CPU and memory at its targets (seed 003: 70% and 80%), and each
    metric it publishes (seed 004: active signals, processing rate), with seed 003's cooldowns. A custom metric
    is read per service: the service publishes it with the ServiceName dimension."""

    def tracking(target: float, **metric: Any) -> TrackingArgs:
        return TrackingArgs(
            target_value=target, scale_out_cooldown=SCALE_OUT_COOLDOWN, scale_in_cooldown=SCALE_IN_COOLDOWN, **metric
        )

    policies = [
        (
            "cpu",
            tracking(
                service.cpu_target,
                predefined_metric_specification=PredefinedArgs(
                    predefined_metric_type="ECSServiceAverageCPUUtilization"
                ),
            ),
        ),
        (
            "memory",
            tracking(
                service.memory_target,
                predefined_metric_specification=PredefinedArgs(
                    predefined_metric_type="ECSServiceAverageMemoryUtilization"
                ),
            ),
        ),
    ]
    for metric in service.custom_metrics:
        custom = CustomMetricArgs(
            namespace=metric.namespace,
            metric_name=metric.name,
            statistic=metric.statistic,
            dimensions=[MetricDimensionArgs(name="ServiceName", value=service.name)],
        )
        policies.append(
            (f"metric-{metric.name.lower()}", tracking(metric.target, customized_metric_specification=custom))
        )
    return policies


def volume_name(path: str) -> str:
    """The task volume mounted at ``path`` (/tmp -> writable-tmp)."""
    return "writable" + "-".join(path.split("/"))


def task_volumes(service: Service) -> list[aws.ecs.TaskDefinitionVolumeArgs]:
    """A volume for each path the service writes to. With no host path or configuration, Fargate makes each an
    ephemeral bind mount in the task's own storage (Fargate offers no tmpfs), gone when the task stops."""
    return [aws.ecs.TaskDefinitionVolumeArgs(name=volume_name(path)) for path in service.writable_paths]


def health_command(service: Service, protocol: str) -> list[str]:
    """The container's own health check: its health path over the protocol it serves (-k: the certificate it
    made at start-up is self-signed)."""
    scheme, insecure = ("https", "k") if protocol == "HTTPS" else ("http", "")
    url = f"{scheme}://localhost:{service.port}{service.health_check_path}"
    return ["CMD-SHELL", f"curl -fs{insecure} {url} || exit 1"]


def container_definitions(
    service: Service,
    *,
    image: str,
    log_group: str,
    region: str,
    environment: Mapping[str, str],
    secrets: Mapping[str, str],
    tracing: bool,
    protocol: str = "HTTP",
) -> list[dict[str, Any]]:
    """The task's containers: the service, and the X-Ray daemon when tracing is on. Each has a read-only root
    filesystem; the service writes only to its volumes, as a non-root user unless the blueprint keeps the image's
    own, and serves ``protocol`` (HTTPS or HTTP) on its port."""
    logging: dict[str, Any] = {
        "logDriver": "awslogs",
        "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": service.name},
    }
    app: dict[str, Any] = {
        "name": service.name,
        "image": image,
        "essential": True,
        "portMappings": [{"containerPort": service.port, "protocol": "tcp"}],
        "environment": [
            {"name": k, "value": v} for k, v in sorted({**environment, PROTOCOL_VARIABLE: protocol}.items())
        ],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
        "healthCheck": {
            "command": health_command(service, protocol),
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 60,
        },
        "readonlyRootFilesystem": True,
        "mountPoints": [
            {"sourceVolume": volume_name(path), "containerPath": path, "readOnly": False}
            for path in service.writable_paths
        ],
        "privileged": False,
        "logConfiguration": logging,
    }
    if service.run_as_user is not None:
        app["user"] = service.run_as_user
    containers = [app]
    if tracing:
        containers.append(
            {
                "name": "xray-daemon",
                "image": XRAY_IMAGE,
                "essential": False,
                "cpu": 32,
                "memoryReservation": 256,
                "portMappings": [{"containerPort": 2000, "protocol": "udp"}],
                "readonlyRootFilesystem": True,
                "privileged": False,
                "logConfiguration": {**logging, "options": {**logging["options"], "awslogs-stream-prefix": "xray"}},
            }
        )
        app["environment"].append({"name": "AWS_XRAY_DAEMON_ADDRESS", "value": "localhost:2000"})
    return containers


def blue_green_policy(rule_arns: Sequence[str], group_arns: Sequence[str]) -> dict[str, Any]:
    """What ECS may do to shift blue/green traffic: move targets between the services' two target groups and
    reweigh their production listener rules."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ShiftTheProductionRules",
                "Effect": "Allow",
                "Action": ["elasticloadbalancing:ModifyRule"],
                "Resource": list(rule_arns),
            },
            {
                "Sid": "MoveTargetsBetweenTheGroups",
                "Effect": "Allow",
                "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
                "Resource": list(group_arns),
            },
            # Elastic Load Balancing's Describe* calls support no resource-level permissions: AWS only accepts "*".
            {
                "Sid": "ReadTheLoadBalancer",
                "Effect": "Allow",
                "Action": [
                    "elasticloadbalancing:DescribeListeners",
                    "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeTargetHealth",
                ],
                "Resource": "*",
            },
        ],
    }


def deployment_settings(
    service: Service, deployment: Deployment, routed: bool
) -> tuple[aws.ecs.ServiceDeploymentConfigurationArgs | None, aws.ecs.ServiceAlarmsArgs | None]:
    """How ECS rolls the service onto a release: blue/green with a bake time where the load balancer gives it an
    alternate target group, else rolling (with the circuit breaker, always on); where a pipeline deploys it,
    the service's alarms roll a release back. Services no pipeline deploys keep ECS's defaults."""
    if not deployment.by_pipeline:
        return None, None
    if routed and service.name in deployment.blue_green:
        configuration = aws.ecs.ServiceDeploymentConfigurationArgs(
            strategy="BLUE_GREEN", bake_time_in_minutes=str(deployment.bake_time_minutes)
        )
    else:
        configuration = aws.ecs.ServiceDeploymentConfigurationArgs(strategy="ROLLING")
    names = list(deployment.rollback_alarms.get(service.name, ()))
    alarms = aws.ecs.ServiceAlarmsArgs(alarm_names=names, enable=True, rollback=True) if names else None
    return configuration, alarms


def capacity_strategy(service: Service) -> list[aws.ecs.ServiceCapacityProviderStrategyArgs]:
    """Interruptible services run mostly on Spot, with one on-demand task as a floor."""
    if service.interruptible:
        return [
            aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", base=1, weight=1),
            aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE_SPOT", weight=3),
        ]
    return [aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", weight=1)]
