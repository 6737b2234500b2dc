"""Services on EC2 Auto Scaling groups (seed 002's API servers and Celery workers, seed 001's monitoring host)."""

import base64
import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.compute.access import (
    Grants,
    execution_policy,
    grant_references,
    injected_secrets,
    store_hosts,
    task_policy,
)
from components.compute.agent import XRAY_PORT, agent_lines, agent_statements
from components.compute.fargate_settings import PROTOCOL_VARIABLE
from components.compute.instances import SSM_CORE, hardened_instances, mixed_instances
from components.compute.registry import ImageRepository, image_repository
from components.compute.workplace import Workplace
from components.shared.deployment import INSTANCE_WARMUP_SECONDS, Deployment, group_name, release_parameter
from components.shared.iam import attach_managed, inline_policy, role_with_policy
from finplatform.alerting import WORKER_METRIC
from finplatform.blueprints import Service

AL2023_AMI = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
API_SCALE_OUT = (70.0, 2)  # CPU percent, minutes (seed 002)
API_SCALE_IN = (50.0, 5)
WORKER_SCALE_OUT = (50.0, 3)  # queued tasks, minutes (seed 002)
WORKER_SCALE_IN = (10.0, 10)


def secret_exports(secrets: Mapping[str, str], region: str) -> list[str]:
    """Shell lines that read each injected secret at boot, from Secrets Manager or Parameter Store (never from
    the launch template, which would leave the value readable in EC2)."""
    lines = []
    for variable, arn in sorted(secrets.items()):
        if ":ssm:" in arn:
            read = f"aws ssm get-parameter --region {region} --name {arn} --with-decryption --query Parameter.Value"
        else:
            read = f"aws secretsmanager get-secret-value --region {region} --secret-id {arn} --query SecretString"
        lines.append(f'export {variable}="$({read} --output text)"')
    return lines


def user_data(
    service: Service,
    image: str,
    region: str,
    volume_id: str | None,
    *,
    log_group: str,
    secrets: Mapping[str, str] | None = None,
    environment: Mapping[str, str] | None = None,
    tracing: bool = False,
) -> str:
    """Boot script: attach and mount the persistent volume if any, read the service's secrets, then run its image
    with its settings and store host names and the secrets in its environment, and its output sent to the
    service's log group."""
    lines = ["#!/bin/bash", "set -euo pipefail", "dnf install -y docker", "systemctl enable --now docker"]
    lines += agent_lines(tracing)
    if volume_id:
        lines += [
            "INSTANCE=$(TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token "
            '-H "X-aws-ec2-metadata-token-ttl-seconds: 60"); '
            'curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id)',
            f"until aws ec2 attach-volume --region {region} --volume-id {volume_id} --instance-id $INSTANCE "
            "--device /dev/sdf; do sleep 10; done",
            "until [ -e /dev/nvme1n1 ]; do sleep 2; done",
            "blkid /dev/nvme1n1 || mkfs -t xfs /dev/nvme1n1",
            "mkdir -p /data && mount /dev/nvme1n1 /data",
        ]
    registry = image.split("/", maxsplit=1)[0]
    lines += secret_exports(secrets or {}, region)
    lines += [
        f"aws ecr get-login-password --region {region} | docker login --username AWS --password-stdin {registry}",
        f"docker run -d --restart always -p {service.port}:{service.port}"
        + (" -v /data:/data" if volume_id else "")
        + (
            f" --add-host host.docker.internal:host-gateway -e AWS_XRAY_DAEMON_ADDRESS=host.docker.internal:{XRAY_PORT}"
            if tracing
            else ""
        )
        + "".join(f" -e {shlex.quote(f'{name}={value}')}" for name, value in sorted((environment or {}).items()))
        + "".join(f" -e {variable}" for variable in sorted(secrets or {}))
        + f" --log-driver awslogs --log-opt awslogs-region={region} --log-opt awslogs-group={log_group}"
        + f" {image}",
    ]
    return "\n".join(lines) + "\n"


def volume_policy(volume_arn: str, group_name: str, partition: str, region: str, account: str) -> dict[str, Any]:
    """The monitoring host may attach its own volume, and only to instances of its own Auto Scaling group."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AttachItsVolume",
                "Effect": "Allow",
                "Action": "ec2:AttachVolume",
                "Resource": [volume_arn, f"arn:{partition}:ec2:{region}:{account}:instance/*"],
                # Volumes carry no group tag, so IfExists; instances must belong to the host's group.
                "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/aws:autoscaling:groupName": group_name}},
            }
        ],
    }


def instance_policy(service: Service, resolved: Mapping[str, Any], *, partition: str, region: str) -> dict[str, Any]:
    """The instance role's policy: start the service (log in to the registry, pull its image, write its logs),
    run the CloudWatch agent, and reach what its ``access`` list names."""
    secrets = list(dict(resolved.get("secrets") or {}).values())
    start = execution_policy(resolved["repository"], resolved["logGroup"], secrets, resolved.get("secretsKey") or "")
    reach = task_policy(
        service.name, service.access, resolved, partition=partition, region=region, account=resolved["account"]
    )
    release = (
        [{"Sid": "ReadItsRelease", "Effect": "Allow", "Action": "ssm:GetParameter", "Resource": resolved["release"]}]
        if resolved.get("release")
        else []
    )
    statements = [*start["Statement"], *release, *agent_statements(), *reach["Statement"]]
    return {"Version": "2012-10-17", "Statement": statements}


def released_image(repository_url: str, parameter: str, region: str) -> str:
    """The image an instance runs when a pipeline picks the release: the repository, and the tag or digest the
    release parameter holds, read at boot (an instance refresh then rolls a release out)."""
    read = f"aws ssm get-parameter --region {region} --name {parameter} --query Parameter.Value --output text"
    return f"{repository_url}$({read})"


def instance_refresh(deployment: Deployment, alarms: Sequence[str]) -> aws.autoscaling.GroupInstanceRefreshArgs:
    """Rolling instance refresh keeping the blueprint's minimum healthy share in service; where a pipeline
    deploys, the service's rollback alarms stop a refresh that makes things worse."""
    return aws.autoscaling.GroupInstanceRefreshArgs(
        strategy="Rolling",
        preferences=aws.autoscaling.GroupInstanceRefreshPreferencesArgs(
            min_healthy_percentage=deployment.min_healthy_percent,
            instance_warmup=str(INSTANCE_WARMUP_SECONDS),
            alarm_specification=aws.autoscaling.GroupInstanceRefreshPreferencesAlarmSpecificationArgs(
                alarms=list(alarms)
            )
            if alarms
            else None,
        ),
    )


@dataclass(frozen=True)
class Ec2Args:
    """Inputs of the EC2 Auto Scaling services."""

    workplace: Workplace
    """Region, private tier, environment and log settings the workloads share."""
    app_security_group_id: pulumi.Input[str]
    """The application tier's group every instance joins."""
    repositories: Mapping[str, ImageRepository]
    """Image repositories by name; each service pulls from its own."""
    grants: Grants
    """What the services may reach, by access name; the data key encrypts disks and volumes."""
    first_az: str = "us-east-1a"
    """AZ of persistent volumes; a service with a volume runs only there."""
    services: Sequence[Service] = ()
    """The blueprint's ec2-autoscaling services."""
    protect_volumes: bool = False
    """Pulumi protect on the persistent volumes."""
    detailed_monitoring: bool = False
    """One-minute EC2 metrics."""
    settings: Mapping[str, str] = field(default_factory=dict)
    """Plain environment variables every service gets (the blueprint's per-environment settings)."""
    target_groups: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Target group ARN by service name, for the services the load balancer routes to (target type instance)."""
    tracing: bool = False
    """The CloudWatch agent relays the service's X-Ray segments (it listens where the X-Ray daemon would)."""
    deployment: Deployment = field(default_factory=Deployment)
    """How releases reach the services: instance refresh settings, and for a pipeline, group names and the
    release parameter each service's instances read their image tag from."""


class Ec2Services(pulumi.ComponentResource):
    """Services on EC2 Auto Scaling groups: IMDSv2, encrypted EBS, the SSM agent and no SSH key, a least-privilege
    instance profile, private subnets. API servers scale on CPU and sit behind the ALB; workers scale on their
    queue backlog; a service with a volume keeps its data on a persistent encrypted EBS volume."""

    groups: dict[str, aws.autoscaling.Group]
    """The Auto Scaling groups by service name."""
    log_groups: dict[str, pulumi.Output[str]]
    """Each service's log group name."""

    def __init__(self, name: str, args: Ec2Args, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:compute:Ec2Services", name, None, opts)
        ami = aws.ssm.get_parameter_output(
            name=AL2023_AMI, opts=pulumi.InvokeOutputOptions(provider=args.workplace.placement.provider)
        ).value
        self.log_groups = {}
        self.groups = {s.name: self._service(f"{name}-{s.name}", s, args, ami) for s in args.services}
        self.register_outputs({n: g.name for n, g in self.groups.items()})

    def _service(self, prefix: str, service: Service, args: Ec2Args, ami: pulumi.Output[str]) -> aws.autoscaling.Group:
        child = pulumi.ResourceOptions(parent=self)
        placement, grants = args.workplace.placement, args.grants
        size = service.sizes.for_env(args.workplace.environment)
        instance_type = size.instance_type
        assert instance_type is not None, "the blueprint requires instanceType of EC2 services"
        protocol = service.target_protocol_in(args.workplace.environment)  # what the container serves the ALB
        logs = args.workplace.log_group(f"{prefix}-logs", None, self)
        self.log_groups[service.name] = logs.name
        repository_name, reference = image_repository(service.image)
        repository = args.repositories[repository_name]
        secrets = injected_secrets(service.access, grants)
        hosts = store_hosts(service.access, grants)
        deployment = args.deployment
        release: aws.ssm.Parameter | None = None
        if deployment.by_pipeline:
            release = aws.ssm.Parameter(
                f"{prefix}-release",
                aws.ssm.ParameterArgs(
                    name=release_parameter(deployment.stack, service.name),
                    type="String",
                    value=reference,
                    description=f"Image tag or digest {service.name}'s instances run; the delivery pipeline sets it",
                ),
                # The pipeline owns the value after the first deploy.
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["value"]),
            )
        resolved = pulumi.Output.all(
            **grant_references(grants, placement.account_id),
            repository=repository.arn,
            logGroup=logs.arn,
            secrets=pulumi.Output.all(**secrets) if secrets else {},
            secretsKey=grants.secrets_key_arn or "",
            hosts=pulumi.Output.all(**hosts) if hosts else {},
            release=release.arn if release is not None else "",
        )
        role, _ = role_with_policy(
            f"{prefix}-role",
            f"{prefix}-policy",
            "ec2.amazonaws.com",
            placement,
            f"{service.name} instances",
            document=resolved.apply(
                lambda r: json.dumps(
                    instance_policy(service, r, partition=placement.partition, region=placement.region)
                )
            ),
            parent=self,
        )
        attach_managed(f"{prefix}-ssm", role, placement.partition, SSM_CORE, self)
        instance_profile = aws.iam.InstanceProfile(
            f"{prefix}-profile", aws.iam.InstanceProfileArgs(role=role.name), opts=child
        )
        volume_id: pulumi.Output[str] | None = None
        volume_arn: pulumi.Output[str] | None = None
        subnets: pulumi.Input[Sequence[str]] = args.workplace.private_subnet_ids
        if service.volume_gb:
            volume = aws.ebs.Volume(
                f"{prefix}-data",
                aws.ebs.VolumeArgs(
                    availability_zone=args.first_az,
                    size=service.volume_gb,
                    type="gp3",
                    encrypted=True,
                    kms_key_id=grants.data_key_arn,
                ),
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect_volumes),
            )
            volume_id, volume_arn = volume.id, volume.arn
            # The host must come up in the volume's AZ.
            subnets = pulumi.Output.from_input(args.workplace.private_subnet_ids).apply(lambda ids: [ids[0]])
        image = (
            repository.url.apply(lambda url: url + reference)
            if release is None
            else repository.url.apply(
                lambda url: released_image(url, release_parameter(deployment.stack, service.name), placement.region)
            )
        )
        script = pulumi.Output.all(image, volume_id or "", logs.name, resolved).apply(
            lambda v: user_data(
                service,
                v[0],
                placement.region,
                v[1] or None,
                log_group=v[2],
                secrets=dict(v[3]["secrets"]),
                environment={**args.settings, **dict(v[3]["hosts"]), PROTOCOL_VARIABLE: protocol},
                tracing=args.tracing,
            )
        )
        template = aws.ec2.LaunchTemplate(
            f"{prefix}-template",
            aws.ec2.LaunchTemplateArgs(
                image_id=ami,  # no instance type: the group's mixed-instances overrides name the types
                iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=instance_profile.arn),
                vpc_security_group_ids=[args.app_security_group_id],
                **hardened_instances(grants.data_key_arn, disk_gb=20, hop_limit=1),
                monitoring=aws.ec2.LaunchTemplateMonitoringArgs(enabled=args.detailed_monitoring),
                user_data=script.apply(lambda text: base64.b64encode(text.encode()).decode()),
                tag_specifications=[
                    aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="instance", tags={"Name": prefix})
                ],
                update_default_version=True,
            ),
            opts=child,
        )
        routed = service.name in args.target_groups
        group = aws.autoscaling.Group(
            f"{prefix}-group",
            aws.autoscaling.GroupArgs(
                name=group_name(deployment.prefix, service.name) if deployment.by_pipeline else None,
                vpc_zone_identifiers=subnets,
                min_size=size.min,
                max_size=size.max,
                desired_capacity=size.desired,
                health_check_type="ELB" if routed else "EC2",
                health_check_grace_period=120,
                target_group_arns=[args.target_groups[service.name]] if routed else None,
                mixed_instances_policy=mixed_instances(template.id, instance_type, service.interruptible),
                instance_refresh=instance_refresh(deployment, deployment.rollback_alarms.get(service.name, ())),
                tags=[aws.autoscaling.GroupTagArgs(key="Name", value=prefix, propagate_at_launch=True)],
            ),
            # Scaling policies own the running count; a deploy must not reset it to the declared one.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCapacity"]),
        )
        if service.volume_gb and volume_arn is not None:
            inline_policy(
                f"{prefix}-volume-policy",
                role,
                pulumi.Output.all(volume_arn, group.name, placement.account_id).apply(
                    lambda v: json.dumps(volume_policy(v[0], v[1], placement.partition, placement.region, v[2]))
                ),
                self,
            )
        self._scaling(prefix, service, group)
        return group

    def _scaling(self, prefix: str, service: Service, group: aws.autoscaling.Group) -> None:
        """Step scaling on CPU for API servers, on the queue backlog for workers."""
        child = pulumi.ResourceOptions(parent=self)
        if service.public:
            namespace, metric, dimensions = "AWS/EC2", "CPUUtilization", {"AutoScalingGroupName": group.name}
            out, scale_in = API_SCALE_OUT, API_SCALE_IN
        else:
            namespace, metric = WORKER_METRIC
            dimensions = {"Service": pulumi.Output.from_input(service.name)}
            out, scale_in = WORKER_SCALE_OUT, WORKER_SCALE_IN
        for direction, (threshold, minutes), adjustment, comparison in (
            ("out", out, 1, "GreaterThanThreshold"),
            ("in", scale_in, -1, "LessThanThreshold"),
        ):
            policy = aws.autoscaling.Policy(
                f"{prefix}-scale-{direction}",
                aws.autoscaling.PolicyArgs(
                    autoscaling_group_name=group.name,
                    policy_type="SimpleScaling",
                    adjustment_type="ChangeInCapacity",
                    scaling_adjustment=adjustment,
                    cooldown=60 if adjustment > 0 else 300,
                ),
                opts=child,
            )
            aws.cloudwatch.MetricAlarm(
                f"{prefix}-scale-{direction}-alarm",
                aws.cloudwatch.MetricAlarmArgs(
                    namespace=namespace,
                    metric_name=metric,
                    dimensions=dimensions,
                    statistic="Average",
                    period=60,
                    evaluation_periods=minutes,
                    threshold=threshold,
                    comparison_operator=comparison,
                    alarm_actions=[policy.arn],
                    treat_missing_data="notBreaching",
                    alarm_description=f"scale {service.name} {direction}: {metric} {comparison} {threshold:g} "
                    f"for {minutes} minutes",
                ),
                opts=child,
            )
