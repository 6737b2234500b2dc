"""Compute layer: the image registry and ECS Fargate services (EC2 Auto Scaling, EKS and Lambda follow).

Each service gets its own execution role and task role, written from the blueprint's ``access`` list so that a
service can read only the secrets, buckets and databases it names.
"""

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.data import ConnectionInfo, encrypted_log_group, service_role
from components.providers import Placement
from finplatform.blueprints import Function, Service
from finplatform.profiles import Environment, Profile

XRAY_IMAGE = "public.ecr.aws/xray/aws-xray-daemon:3.3.12"
CPU_TARGET = 70.0  # seed 003
MEMORY_TARGET = 80.0  # seed 003
SCALE_OUT_COOLDOWN = 60  # seed 003
SCALE_IN_COOLDOWN = 300  # seed 003
KEEP_IMAGES = 30


def image_repository(image: str) -> tuple[str, str]:
    """('web-ui', ':1.0.0') for 'web-ui:1.0.0'; a digest keeps its '@sha256:...' form."""
    if "@" in image:
        name, digest = image.split("@", 1)
        return name, f"@{digest}"
    name, _, tag = image.partition(":")
    return name, f":{tag or 'latest'}"


def ecr_lifecycle_policy() -> dict[str, Any]:
    """Expire untagged images after a week and keep the last tagged ones."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": "Drop untagged images after 7 days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 7,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": f"Keep the last {KEEP_IMAGES} images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": KEEP_IMAGES},
                "action": {"type": "expire"},
            },
        ]
    }


@dataclass(frozen=True)
class RegistryArgs:
    """Inputs of the registry."""

    repositories: Sequence[str]
    prefix: str
    kms_key_arn: pulumi.Input[str]


class Registry(pulumi.ComponentResource):
    """An ECR repository per image: immutable tags, scan on push, KMS encryption, a lifecycle policy."""

    repositories: dict[str, aws.ecr.Repository]

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:compute:Registry", name, None, opts)
        self.repositories = {}
        for repository in args.repositories:
            repo = aws.ecr.Repository(
                f"{name}-{repository}",
                aws.ecr.RepositoryArgs(
                    name=f"{args.prefix}/{repository}",
                    image_tag_mutability="IMMUTABLE",
                    image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
                    encryption_configurations=[
                        aws.ecr.RepositoryEncryptionConfigurationArgs(
                            encryption_type="KMS",
                            kms_key=args.kms_key_arn,
                        )
                    ],
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.ecr.LifecyclePolicy(
                f"{name}-{repository}-lifecycle",
                aws.ecr.LifecyclePolicyArgs(repository=repo.name, policy=json.dumps(ecr_lifecycle_policy())),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.repositories[repository] = repo
        self.register_outputs({n: r.repository_url for n, r in self.repositories.items()})


@dataclass(frozen=True)
class Grants:
    """The resources a workload may reach, by the names its blueprint ``access`` list uses."""

    secret_arns: Mapping[str, pulumi.Input[str]]
    bucket_arns: Mapping[str, pulumi.Input[str]]
    stores: Mapping[str, ConnectionInfo]
    postgres_resource_id: pulumi.Input[str] | None
    data_key_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]


def injected_secrets(access: Sequence[str], grants: Grants) -> dict[str, pulumi.Input[str]]:
    """Container secrets (environment name -> secret ARN) for the stores and secrets a workload names."""
    secrets: dict[str, pulumi.Input[str]] = {}
    for item in access:
        if item.startswith("secret:"):
            name = item.removeprefix("secret:")
            secrets[name.upper().replace("-", "_")] = grants.secret_arns[name]
        elif item == "redis":
            secrets["REDIS_AUTH_TOKEN"] = grants.stores["redis"].secret_arn
        elif item == "timeSeries":
            secrets["INFLUXDB_PASSWORD"] = grants.stores["timeSeries"].secret_arn
    return secrets


def task_policy(
    workload: str, access: Sequence[str], resolved: Mapping[str, Any], *, partition: str, region: str, account: str
) -> dict[str, Any]:
    """The task role's policy: only what ``access`` names. ``resolved`` holds the ARNs, already known."""
    statements: list[dict[str, Any]] = []
    buckets = [resolved["buckets"][a.removeprefix("bucket:")] for a in access if a.startswith("bucket:")]
    if buckets:
        statements += [
            {"Sid": "ListBuckets", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": buckets},
            {
                "Sid": "ReadWriteObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": [f"{b}/*" for b in buckets],
            },
            {
                "Sid": "UseDataKeyThroughS3",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": resolved["dataKey"],
            },
        ]
    if "postgres" in access and resolved.get("postgresResourceId"):
        statements.append(
            {
                "Sid": "ConnectAsItsOwnDatabaseUser",
                "Effect": "Allow",
                "Action": "rds-db:connect",
                "Resource": f"arn:{partition}:rds-db:{region}:{account}:dbuser:"
                f"{resolved['postgresResourceId']}/{workload}",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def needs_task_policy(access: Sequence[str]) -> bool:
    """Secrets reach the task through injection, so only buckets and IAM database login need a task policy."""
    return "postgres" in access or any(a.startswith("bucket:") for a in access)


def execution_policy(
    repository_arn: str, log_group_arn: str, secret_arns: Sequence[str], secrets_key_arn: str
) -> dict[str, Any]:
    """What ECS needs to start the task: pull its image, write its logs, read the secrets it injects."""
    statements: list[dict[str, Any]] = [
        # GetAuthorizationToken has no resource-level permissions: AWS only accepts "*" here.
        {"Sid": "RegistryLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "PullItsImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            "Resource": repository_arn,
        },
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:log-stream:*",
        },
    ]
    if secret_arns:
        statements += [
            {
                "Sid": "ReadItsSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": sorted(secret_arns),
            },
            {"Sid": "DecryptItsSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": secrets_key_arn},
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def container_definitions(
    service: Service,
    *,
    image: str,
    log_group: str,
    region: str,
    environment: Mapping[str, str],
    secrets: Mapping[str, str],
    tracing: bool,
) -> list[dict[str, Any]]:
    """The task's containers: the service, and the X-Ray daemon when tracing is on."""
    logging: dict[str, Any] = {
        "logDriver": "awslogs",
        "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": service.name},
    }
    app: dict[str, Any] = {
        "name": service.name,
        "image": image,
        "essential": True,
        "portMappings": [{"containerPort": service.port, "protocol": "tcp"}],
        "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
        "healthCheck": {
            "command": ["CMD-SHELL", f"curl -fs http://localhost:{service.port}{service.health_check_path} || exit 1"],
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 60,
        },
        "readonlyRootFilesystem": False,
        "privileged": False,
        "logConfiguration": logging,
    }
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
                "privileged": False,
                "logConfiguration": {**logging, "options": {**logging["options"], "awslogs-stream-prefix": "xray"}},
            }
        )
        app["environment"].append({"name": "AWS_XRAY_DAEMON_ADDRESS", "value": "localhost:2000"})
    return containers


def capacity_strategy(service: Service) -> list[aws.ecs.ServiceCapacityProviderStrategyArgs]:
    """Interruptible services run mostly on Spot, with one on-demand task as a floor."""
    if service.interruptible:
        return [
            aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", base=1, weight=1),
            aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE_SPOT", weight=3),
        ]
    return [aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", weight=1)]


@dataclass(frozen=True)
class FargateArgs:
    """Inputs of the Fargate services."""

    services: Sequence[Service]
    environment: Environment
    profile: Profile
    placement: Placement
    private_subnet_ids: pulumi.Input[Sequence[str]]
    app_security_group_id: pulumi.Input[str]
    registry: Registry
    grants: Grants
    logs_key_arn: pulumi.Input[str]
    settings: Mapping[str, str] = field(default_factory=dict)
    target_groups: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # service name -> target group


class FargateServices(pulumi.ComponentResource):
    """An ECS cluster (Container Insights, FARGATE and FARGATE_SPOT) and one service per blueprint service:
    private subnets, the application tier's security group, a circuit breaker with rollback, and target
    tracking on CPU (70%) and memory (80%) between the environment's min and max."""

    services: dict[str, aws.ecs.Service]
    cluster: aws.ecs.Cluster

    def __init__(self, name: str, args: FargateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:compute:FargateServices", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            aws.ecs.ClusterArgs(settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")]),
            opts=child,
        )
        aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity",
            aws.ecs.ClusterCapacityProvidersArgs(
                cluster_name=self.cluster.name, capacity_providers=["FARGATE", "FARGATE_SPOT"]
            ),
            opts=child,
        )
        self.services = {}
        for service in args.services:
            self.services[service.name] = self._service(name, service, args)
        self.register_outputs({n: s.name for n, s in self.services.items()})

    def _service(self, name: str, service: Service, args: FargateArgs) -> aws.ecs.Service:
        prefix = f"{name}-{service.name}"
        child = pulumi.ResourceOptions(parent=self)
        placement, profile, grants = args.placement, args.profile, args.grants
        size = service.sizes.for_env(args.environment)
        repository_name, reference = image_repository(service.image)
        repository = args.registry.repositories[repository_name]
        logs = encrypted_log_group(
            f"{prefix}-logs",
            None,
            args.logs_key_arn,
            profile.log_retention_days,
            parent=self,
            protect=profile.protect_stateful_resources,
        )
        secrets = injected_secrets(service.access, grants)
        environment = dict(args.settings)
        if "postgres" in service.access:
            db = grants.stores["postgres"]
            environment.update(DB_PORT=str(db.port), DB_USER=service.name)
        task_role = service_role(f"{prefix}-task", "ecs-tasks.amazonaws.com", placement, f"{service.name} tasks", self)
        resolved = pulumi.Output.all(
            buckets=pulumi.Output.all(**dict(grants.bucket_arns)) if grants.bucket_arns else {},
            dataKey=grants.data_key_arn,
            postgresResourceId=grants.postgres_resource_id or "",
            account=placement.account_id,
        )
        if needs_task_policy(service.access):
            aws.iam.RolePolicy(
                f"{prefix}-task-policy",
                aws.iam.RolePolicyArgs(
                    role=task_role.id,
                    policy=resolved.apply(
                        lambda r: json.dumps(
                            task_policy(
                                service.name,
                                service.access,
                                r,
                                partition=placement.partition,
                                region=placement.region,
                                account=r["account"],
                            )
                        )
                    ),
                ),
                opts=child,
            )
        execution_role = service_role(
            f"{prefix}-execution", "ecs-tasks.amazonaws.com", placement, f"{service.name} task start-up", self
        )
        aws.iam.RolePolicy(
            f"{prefix}-execution-policy",
            aws.iam.RolePolicyArgs(
                role=execution_role.id,
                policy=pulumi.Output.all(
                    repository.arn,
                    logs.arn,
                    pulumi.Output.all(*secrets.values()),
                    grants.secrets_key_arn,
                ).apply(lambda v: json.dumps(execution_policy(v[0], v[1], v[2], v[3]))),
            ),
            opts=child,
        )
        endpoints = {"postgres": "DB_HOST", "redis": "REDIS_HOST", "timeSeries": "INFLUXDB_HOST"}
        hosts = {
            variable: grants.stores[store].endpoint for store, variable in endpoints.items() if store in service.access
        }
        definitions = pulumi.Output.all(
            image=repository.repository_url.apply(lambda url: url + reference),
            log_group=logs.name,
            secrets=pulumi.Output.all(**secrets) if secrets else {},
            hosts=pulumi.Output.all(**hosts) if hosts else {},
        ).apply(
            lambda v: json.dumps(
                container_definitions(
                    service,
                    image=str(v["image"]),
                    log_group=str(v["log_group"]),
                    region=placement.region,
                    environment={**environment, **dict(v["hosts"])},
                    secrets=dict(v["secrets"]),
                    tracing=profile.tracing,
                )
            )
        )
        task = aws.ecs.TaskDefinition(
            f"{prefix}-task",
            aws.ecs.TaskDefinitionArgs(
                family=prefix,
                cpu=str(size.cpu),
                memory=str(size.memory),
                network_mode="awsvpc",
                requires_compatibilities=["FARGATE"],
                execution_role_arn=execution_role.arn,
                task_role_arn=task_role.arn,
                container_definitions=definitions,
                runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                    operating_system_family="LINUX", cpu_architecture="X86_64"
                ),
            ),
            opts=child,
        )
        ecs_service = aws.ecs.Service(
            f"{prefix}-service",
            aws.ecs.ServiceArgs(
                cluster=self.cluster.arn,
                task_definition=task.arn,
                desired_count=size.desired,
                capacity_provider_strategies=capacity_strategy(service),
                network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                    subnets=args.private_subnet_ids,
                    security_groups=[args.app_security_group_id],
                    assign_public_ip=False,
                ),
                deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
                load_balancers=[
                    aws.ecs.ServiceLoadBalancerArgs(
                        target_group_arn=args.target_groups[service.name],
                        container_name=service.name,
                        container_port=service.port,
                    )
                ]
                if service.name in args.target_groups
                else None,
                health_check_grace_period_seconds=60 if service.name in args.target_groups else None,
                propagate_tags="SERVICE",
                enable_ecs_managed_tags=True,
            ),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCount"]),  # autoscaling owns it
        )
        target = aws.appautoscaling.Target(
            f"{prefix}-scaling",
            aws.appautoscaling.TargetArgs(
                service_namespace="ecs",
                scalable_dimension="ecs:service:DesiredCount",
                resource_id=pulumi.Output.concat("service/", self.cluster.name, "/", ecs_service.name),
                min_capacity=size.min,
                max_capacity=size.max,
            ),
            opts=child,
        )
        for metric, value in (
            ("ECSServiceAverageCPUUtilization", CPU_TARGET),
            ("ECSServiceAverageMemoryUtilization", MEMORY_TARGET),
        ):
            aws.appautoscaling.Policy(
                f"{prefix}-{'cpu' if 'CPU' in metric else 'memory'}",
                aws.appautoscaling.PolicyArgs(
                    policy_type="TargetTrackingScaling",
                    service_namespace="ecs",
                    scalable_dimension=target.scalable_dimension,
                    resource_id=target.resource_id,
                    target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                        target_value=value,
                        scale_out_cooldown=SCALE_OUT_COOLDOWN,
                        scale_in_cooldown=SCALE_IN_COOLDOWN,
                        predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                            predefined_metric_type=metric
                        ),
                    ),
                ),
                opts=child,
            )
        return ecs_service


# The function's code arrives from the application pipeline; until then a handler that answers 501 keeps
# the infrastructure deployable without shipping anything that could act on data.
PLACEHOLDER_HANDLER = """\
def handler(event, context):
    return {"statusCode": 501, "body": "deployment package not yet published"}
"""
HTTP_THROTTLE = (100, 50.0)  # burst, requests per second
QUEUE_RECEIVES_BEFORE_DLQ = 5


def function_policy(
    resolved: Mapping[str, Any], access: Sequence[str], name: str, *, partition: str, region: str
) -> dict[str, Any]:
    """What a function may do: write its logs, consume its queue, reach what ``access`` names."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{resolved['logGroup']}:log-stream:*",
        },
        # X-Ray takes no resource-level permissions: AWS only accepts "*" for these two actions.
        {
            "Sid": "SendTraces",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
        {"Sid": "DeadLetters", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": resolved["dlq"]},
        {
            "Sid": "UseDataKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": resolved["dataKey"],
        },
    ]
    if resolved.get("queue"):
        statements.append(
            {
                "Sid": "ConsumeItsQueue",
                "Effect": "Allow",
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                "Resource": resolved["queue"],
            }
        )
    secrets = [resolved["secrets"][a.removeprefix("secret:")] for a in access if a.startswith("secret:")]
    if secrets:
        statements += [
            {
                "Sid": "ReadItsSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secrets,
            },
            {
                "Sid": "DecryptItsSecrets",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": resolved["secretsKey"],
            },
        ]
    statements += task_policy(name, access, resolved, partition=partition, region=region, account=resolved["account"])[
        "Statement"
    ]
    return {"Version": "2012-10-17", "Statement": statements}


@dataclass(frozen=True)
class FunctionsArgs:
    """Inputs of the Lambda functions."""

    functions: Sequence[Function]
    environment: Environment
    profile: Profile
    placement: Placement
    prefix: str
    private_subnet_ids: pulumi.Input[Sequence[str]]
    app_security_group_id: pulumi.Input[str]
    grants: Grants
    logs_key_arn: pulumi.Input[str]
    settings: Mapping[str, str] = field(default_factory=dict)


class Functions(pulumi.ComponentResource):
    """Lambda functions: in the VPC when they reach data stores, active tracing, reserved concurrency, a
    dead-letter queue, environment encrypted with the data key; triggered by an HTTP API (access logs,
    throttling), an SQS queue and/or an EventBridge schedule."""

    functions: dict[str, aws.lambda_.Function]
    api_endpoints: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: FunctionsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:compute:Functions", name, None, opts)
        self.functions, self.api_endpoints = {}, {}
        for function in args.functions:
            self._function(f"{name}-{function.name}", function, args)
        self.register_outputs({"apiEndpoints": self.api_endpoints})

    def _queue(self, name: str, key: pulumi.Input[str], **extra: Any) -> aws.sqs.Queue:
        return aws.sqs.Queue(
            name,
            aws.sqs.QueueArgs(kms_master_key_id=key, message_retention_seconds=14 * 24 * 3600, **extra),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _function(self, prefix: str, function: Function, args: FunctionsArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        placement, grants, profile = args.placement, args.grants, args.profile
        function_name = f"{args.prefix}-{function.name}"
        logs = encrypted_log_group(
            f"{prefix}-logs",
            f"/aws/lambda/{function_name}",
            args.logs_key_arn,
            profile.log_retention_days,
            parent=self,
            protect=profile.protect_stateful_resources,
        )
        dlq = self._queue(f"{prefix}-dlq", grants.data_key_arn)
        queue = None
        if "queue" in function.triggers:
            queue = self._queue(
                f"{prefix}-queue",
                grants.data_key_arn,
                visibility_timeout_seconds=6 * function.timeout_seconds,
                redrive_policy=dlq.arn.apply(
                    lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": QUEUE_RECEIVES_BEFORE_DLQ})
                ),
            )
        role = service_role(f"{prefix}-role", "lambda.amazonaws.com", placement, f"{function.name} function", self)
        if function.vpc_access:
            aws.iam.RolePolicyAttachment(
                f"{prefix}-vpc-access",
                aws.iam.RolePolicyAttachmentArgs(
                    role=role.name,
                    # Lambda manages the function's network interfaces; EC2 offers no resource scoping for that.
                    policy_arn=f"arn:{placement.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
                ),
                opts=child,
            )
        resolved = pulumi.Output.all(
            logGroup=logs.arn,
            dlq=dlq.arn,
            queue=queue.arn if queue else "",
            dataKey=grants.data_key_arn,
            secretsKey=grants.secrets_key_arn,
            account=placement.account_id,
            secrets=pulumi.Output.all(**dict(grants.secret_arns)) if grants.secret_arns else {},
            buckets=pulumi.Output.all(**dict(grants.bucket_arns)) if grants.bucket_arns else {},
            postgresResourceId=grants.postgres_resource_id or "",
        )
        policy = aws.iam.RolePolicy(
            f"{prefix}-policy",
            aws.iam.RolePolicyArgs(
                role=role.id,
                policy=resolved.apply(
                    lambda r: json.dumps(
                        function_policy(
                            r, function.access, function.name, partition=placement.partition, region=placement.region
                        )
                    )
                ),
            ),
            opts=child,
        )
        variables: dict[str, pulumi.Input[str]] = {**args.settings}
        variables.update({name: arn for name, arn in injected_secrets(function.access, grants).items()})
        for store, variable in (("postgres", "DB_HOST"), ("redis", "REDIS_HOST"), ("timeSeries", "INFLUXDB_HOST")):
            if store in function.access:
                variables[variable] = grants.stores[store].endpoint
        lambda_function = aws.lambda_.Function(
            prefix,
            aws.lambda_.FunctionArgs(
                name=function_name,
                description=function.description,
                runtime=function.runtime,
                handler=function.handler,
                memory_size=function.memory_mb,
                timeout=function.timeout_seconds,
                role=role.arn,
                code=pulumi.AssetArchive(
                    {f"{function.handler.split('.')[0]}.py": pulumi.StringAsset(PLACEHOLDER_HANDLER)}
                ),
                reserved_concurrent_executions=function.reserved_concurrency.for_env(args.environment),
                tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
                dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=dlq.arn),
                kms_key_arn=grants.data_key_arn,
                environment=aws.lambda_.FunctionEnvironmentArgs(variables=variables),
                vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                    subnet_ids=args.private_subnet_ids,
                    security_group_ids=[args.app_security_group_id],
                )
                if function.vpc_access
                else None,
                logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=logs.name),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, logs]),
        )
        self.functions[function.name] = lambda_function
        if queue is not None:
            aws.lambda_.EventSourceMapping(
                f"{prefix}-queue-trigger",
                aws.lambda_.EventSourceMappingArgs(
                    event_source_arn=queue.arn, function_name=lambda_function.arn, batch_size=10
                ),
                opts=child,
            )
        if "http" in function.triggers:
            self._http_api(prefix, lambda_function, args)
        if "schedule" in function.triggers:
            rule = aws.cloudwatch.EventRule(
                f"{prefix}-schedule", aws.cloudwatch.EventRuleArgs(schedule_expression=function.schedule), opts=child
            )
            aws.cloudwatch.EventTarget(
                f"{prefix}-schedule-target",
                aws.cloudwatch.EventTargetArgs(rule=rule.name, arn=lambda_function.arn),
                opts=child,
            )
            aws.lambda_.Permission(
                f"{prefix}-schedule-invoke",
                aws.lambda_.PermissionArgs(
                    action="lambda:InvokeFunction",
                    function=lambda_function.name,
                    principal="events.amazonaws.com",
                    source_arn=rule.arn,
                ),
                opts=child,
            )

    def _http_api(self, prefix: str, function: aws.lambda_.Function, args: FunctionsArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        api = aws.apigatewayv2.Api(f"{prefix}-api", aws.apigatewayv2.ApiArgs(protocol_type="HTTP"), opts=child)
        integration = aws.apigatewayv2.Integration(
            f"{prefix}-integration",
            aws.apigatewayv2.IntegrationArgs(
                api_id=api.id,
                integration_type="AWS_PROXY",
                integration_uri=function.invoke_arn,
                payload_format_version="2.0",
            ),
            opts=child,
        )
        aws.apigatewayv2.Route(
            f"{prefix}-route",
            aws.apigatewayv2.RouteArgs(
                api_id=api.id, route_key="POST /", target=integration.id.apply(lambda i: f"integrations/{i}")
            ),
            opts=child,
        )
        access_logs = encrypted_log_group(
            f"{prefix}-api-logs",
            None,
            args.logs_key_arn,
            args.profile.log_retention_days,
            parent=self,
            protect=args.profile.protect_stateful_resources,
        )
        burst, rate = HTTP_THROTTLE
        stage = aws.apigatewayv2.Stage(
            f"{prefix}-stage",
            aws.apigatewayv2.StageArgs(
                api_id=api.id,
                name="$default",
                auto_deploy=True,
                access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                    destination_arn=access_logs.arn,
                    format=json.dumps(
                        {
                            "requestId": "$context.requestId",
                            "ip": "$context.identity.sourceIp",
                            "route": "$context.routeKey",
                            "status": "$context.status",
                            "latency": "$context.responseLatency",
                        }
                    ),
                ),
                default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                    throttling_burst_limit=burst, throttling_rate_limit=rate
                ),
            ),
            opts=child,
        )
        aws.lambda_.Permission(
            f"{prefix}-api-invoke",
            aws.lambda_.PermissionArgs(
                action="lambda:InvokeFunction",
                function=function.name,
                principal="apigateway.amazonaws.com",
                source_arn=api.execution_arn.apply(lambda arn: f"{arn}/*/*"),
            ),
            opts=child,
        )
        self.api_endpoints[prefix] = stage.invoke_url


AL2023_AMI = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
API_SCALE_OUT = (70.0, 2)  # CPU percent, minutes (seed 002)
API_SCALE_IN = (50.0, 5)
WORKER_SCALE_OUT = (50.0, 3)  # queued tasks, minutes (seed 002)
WORKER_SCALE_IN = (10.0, 10)
WORKER_METRIC = ("finplatform/Workers", "QueueBacklog")  # published by the workers from their Celery queue
SSM_CORE = "AmazonSSMManagedInstanceCore"  # SSM Session Manager instead of SSH; AWS scopes it service-wide


def hardened_instances(key_arn: pulumi.Input[str], disk_gb: int, hop_limit: int) -> dict[str, Any]:
    """Launch-template settings every instance of the platform gets: IMDSv2 only, and a gp3 root disk
    encrypted with the data key. Pods on EKS nodes need a hop limit of 2 to reach IMDS through the node."""
    return {
        "metadata_options": aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=hop_limit
        ),
        "block_device_mappings": [
            aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda",
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=disk_gb,
                    volume_type="gp3",
                    encrypted="true",
                    kms_key_id=key_arn,
                    delete_on_termination="true",
                ),
            )
        ],
    }


def user_data(service: Service, image: str, region: str, volume_id: str | None) -> str:
    """Boot script: attach and mount the persistent volume if any, then run the service's image."""
    lines = ["#!/bin/bash", "set -euo pipefail", "dnf install -y docker", "systemctl enable --now docker"]
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
    lines += [
        f"aws ecr get-login-password --region {region} | docker login --username AWS --password-stdin {registry}",
        f"docker run -d --restart always -p {service.port}:{service.port}"
        + (" -v /data:/data" if volume_id else "")
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


@dataclass(frozen=True)
class Ec2Args:
    """Inputs of the EC2 Auto Scaling services."""

    services: Sequence[Service]
    environment: Environment
    profile: Profile
    placement: Placement
    private_subnet_ids: pulumi.Input[Sequence[str]]
    first_az: str
    app_security_group_id: pulumi.Input[str]
    registry: Registry
    grants: Grants
    target_groups: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


class Ec2Services(pulumi.ComponentResource):
    """Services on EC2 Auto Scaling groups: IMDSv2, encrypted EBS, the SSM agent and no SSH key, a least-privilege
    instance profile, private subnets. API servers scale on CPU and sit behind the ALB; workers scale on their
    queue backlog; a service with a volume keeps its data on a persistent encrypted EBS volume."""

    groups: dict[str, aws.autoscaling.Group]

    def __init__(self, name: str, args: Ec2Args, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:compute:Ec2Services", name, None, opts)
        ami = aws.ssm.get_parameter_output(
            name=AL2023_AMI, opts=pulumi.InvokeOutputOptions(provider=args.placement.provider)
        ).value
        self.groups = {s.name: self._service(f"{name}-{s.name}", s, args, ami) for s in args.services}
        self.register_outputs({n: g.name for n, g in self.groups.items()})

    def _service(self, prefix: str, service: Service, args: Ec2Args, ami: pulumi.Output[str]) -> aws.autoscaling.Group:
        child = pulumi.ResourceOptions(parent=self)
        placement, profile, grants = args.placement, args.profile, args.grants
        size = service.sizes.for_env(args.environment)
        role = service_role(f"{prefix}-role", "ec2.amazonaws.com", placement, f"{service.name} instances", self)
        aws.iam.RolePolicyAttachment(
            f"{prefix}-ssm",
            aws.iam.RolePolicyAttachmentArgs(
                role=role.name, policy_arn=f"arn:{placement.partition}:iam::aws:policy/{SSM_CORE}"
            ),
            opts=child,
        )
        repository_name, reference = image_repository(service.image)
        repository = args.registry.repositories[repository_name]
        statements_source = pulumi.Output.all(
            buckets=pulumi.Output.all(**dict(grants.bucket_arns)) if grants.bucket_arns else {},
            dataKey=grants.data_key_arn,
            postgresResourceId=grants.postgres_resource_id or "",
            account=placement.account_id,
            repository=repository.arn,
        )
        aws.iam.RolePolicy(
            f"{prefix}-policy",
            aws.iam.RolePolicyArgs(
                role=role.id,
                policy=statements_source.apply(
                    lambda r: json.dumps(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                *execution_policy(
                                    r["repository"],
                                    f"arn:{placement.partition}:logs:{placement.region}:"
                                    f"{r['account']}:log-group:/finplatform/{service.name}",
                                    [],
                                    "",
                                )["Statement"][:2],
                                *task_policy(
                                    service.name,
                                    service.access,
                                    r,
                                    partition=placement.partition,
                                    region=placement.region,
                                    account=r["account"],
                                )["Statement"],
                            ],
                        }
                    )
                ),
            ),
            opts=child,
        )
        instance_profile = aws.iam.InstanceProfile(
            f"{prefix}-profile", aws.iam.InstanceProfileArgs(role=role.name), opts=child
        )
        volume_id: pulumi.Output[str] | None = None
        volume_arn: pulumi.Output[str] | None = None
        subnets: pulumi.Input[Sequence[str]] = args.private_subnet_ids
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
                opts=pulumi.ResourceOptions(parent=self, protect=profile.protect_stateful_resources),
            )
            volume_id, volume_arn = volume.id, volume.arn
            # The host must come up in the volume's AZ.
            subnets = pulumi.Output.from_input(args.private_subnet_ids).apply(lambda ids: [ids[0]])
        image = repository.repository_url.apply(lambda url: url + reference)
        script = pulumi.Output.all(image, volume_id or "").apply(
            lambda v: user_data(service, v[0], placement.region, v[1] or None)
        )
        template = aws.ec2.LaunchTemplate(
            f"{prefix}-template",
            aws.ec2.LaunchTemplateArgs(
                image_id=ami,
                instance_type=size.instance_type,
                iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=instance_profile.arn),
                vpc_security_group_ids=[args.app_security_group_id],
                **hardened_instances(grants.data_key_arn, disk_gb=20, hop_limit=1),
                monitoring=aws.ec2.LaunchTemplateMonitoringArgs(enabled=profile.detailed_monitoring),
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
                vpc_zone_identifiers=subnets,
                min_size=size.min,
                max_size=size.max,
                desired_capacity=size.desired,
                health_check_type="ELB" if routed else "EC2",
                health_check_grace_period=120,
                target_group_arns=[args.target_groups[service.name]] if routed else None,
                launch_template=None
                if service.interruptible
                else aws.autoscaling.GroupLaunchTemplateArgs(id=template.id, version="$Latest"),
                mixed_instances_policy=aws.autoscaling.GroupMixedInstancesPolicyArgs(
                    instances_distribution=aws.autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs(
                        on_demand_base_capacity=1,
                        on_demand_percentage_above_base_capacity=25,
                        spot_allocation_strategy="price-capacity-optimized",
                    ),
                    launch_template=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs(
                        launch_template_specification=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs(
                            launch_template_id=template.id, version="$Latest"
                        )
                    ),
                )
                if service.interruptible
                else None,
                instance_refresh=aws.autoscaling.GroupInstanceRefreshArgs(strategy="Rolling"),
                tags=[aws.autoscaling.GroupTagArgs(key="Name", value=prefix, propagate_at_launch=True)],
            ),
            opts=child,
        )
        if service.volume_gb and volume_arn is not None:
            aws.iam.RolePolicy(
                f"{prefix}-volume-policy",
                aws.iam.RolePolicyArgs(
                    role=role.id,
                    policy=pulumi.Output.all(
                        volume_arn,
                        group.name,
                        placement.account_id,
                    ).apply(
                        lambda v: json.dumps(volume_policy(v[0], v[1], placement.partition, placement.region, v[2]))
                    ),
                ),
                opts=child,
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


EKS_VERSION = "1.31"
EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
# AWS-managed policies every EKS worker node needs (kubelet, VPC CNI, image pulls, SSM access); AWS scopes them
# to the node's own cluster at run time and offers no narrower documents.
EKS_NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    SSM_CORE,
)
CLUSTER_ADMIN_POLICY = "arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


@dataclass(frozen=True)
class KubernetesArgs:
    """Inputs of the EKS cluster and its node groups."""

    services: Sequence[Service]
    environment: Environment
    profile: Profile
    placement: Placement
    cluster_name: str
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[Sequence[str]]
    data_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    public_endpoint: bool = False
    admin_role_arn: str = ""


class KubernetesCluster(pulumi.ComponentResource):
    """A pulumi-eks cluster: API authentication with access entries, a private endpoint (public only where the
    stack allows it, never in prod), secrets envelope-encrypted with the data key, control-plane logs on, an OIDC
    provider and the pod-identity add-on for workload roles, and a managed node group per service."""

    kubeconfig: pulumi.Output[str]

    def __init__(self, name: str, args: KubernetesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        import pulumi_eks as eks

        super().__init__("finplatform:compute:KubernetesCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        placement, profile = args.placement, args.profile
        public = args.public_endpoint and args.environment != "prod"
        logs = encrypted_log_group(
            f"{name}-control-plane-logs",
            f"/aws/eks/{args.cluster_name}/cluster",
            args.logs_key_arn,
            profile.log_retention_days,
            parent=self,
            protect=profile.protect_stateful_resources,
        )
        access_entries = (
            {
                "platform-admins": eks.AccessEntryArgs(
                    principal_arn=args.admin_role_arn,
                    access_policies={
                        "cluster-admin": eks.AccessPolicyAssociationArgs(
                            policy_arn=CLUSTER_ADMIN_POLICY.format(partition=placement.partition),
                            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                        )
                    },
                )
            }
            if args.admin_role_arn
            else None
        )
        cluster = eks.Cluster(
            f"{name}-cluster",
            eks.ClusterArgs(
                name=args.cluster_name,
                version=EKS_VERSION,
                vpc_id=args.vpc_id,
                private_subnet_ids=args.private_subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=public,
                authentication_mode=eks.AuthenticationMode.API,
                access_entries=access_entries,
                encryption_config_key_arn=args.data_key_arn,
                enabled_cluster_log_types=EKS_LOG_TYPES,
                create_oidc_provider=True,
                skip_default_node_group=True,
                node_associate_public_ip_address=False,
                deletion_protection=profile.deletion_protection,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs]),
        )
        node_role = service_role(f"{name}-nodes", "ec2.amazonaws.com", placement, "EKS worker nodes", self)
        for policy in EKS_NODE_POLICIES:
            aws.iam.RolePolicyAttachment(
                f"{name}-nodes-{policy}",
                aws.iam.RolePolicyAttachmentArgs(
                    role=node_role.name, policy_arn=f"arn:{placement.partition}:iam::aws:policy/{policy}"
                ),
                opts=child,
            )
        template = aws.ec2.LaunchTemplate(
            f"{name}-nodes-template",
            aws.ec2.LaunchTemplateArgs(
                **hardened_instances(args.data_key_arn, disk_gb=50, hop_limit=2),
            ),
            opts=child,
        )
        groups = []
        for service in args.services:
            size = service.sizes.for_env(args.environment)
            groups.append(
                eks.ManagedNodeGroup(
                    f"{name}-{service.name}-nodes",
                    eks.ManagedNodeGroupArgs(
                        cluster=cluster,
                        node_role=node_role,
                        subnet_ids=args.private_subnet_ids,
                        instance_types=[str(size.instance_type)],  # the blueprint requires one for eks services
                        capacity_type="SPOT" if service.interruptible else "ON_DEMAND",
                        scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                            desired_size=size.desired, min_size=size.min, max_size=size.max
                        ),
                        launch_template=aws.eks.NodeGroupLaunchTemplateArgs(id=template.id, version="$Latest"),
                        labels={"finplatform/service": service.name},
                    ),
                    opts=child,
                )
            )
        aws.eks.Addon(
            f"{name}-pod-identity",
            aws.eks.AddonArgs(cluster_name=args.cluster_name, addon_name="eks-pod-identity-agent"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[cluster, *groups]),
        )
        self.kubeconfig = pulumi.Output.secret(cluster.kubeconfig_json)
        self.register_outputs({"kubeconfig": self.kubeconfig})
