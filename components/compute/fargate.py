"""Services on ECS Fargate."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.compute.access import (
    Grants,
    execution_policy,
    grant_references,
    injected_secrets,
    needs_task_policy,
    store_hosts,
    task_policy,
)
from components.compute.fargate_settings import (
    blue_green_policy,
    capacity_strategy,
    container_definitions,
    deployment_settings,
    scaling_metrics,
    task_volumes,
)
from components.compute.registry import ImageRepository, image_repository
from components.compute.workplace import Workplace
from components.shared.deployment import Deployment, cluster_name, task_family
from components.shared.iam import inline_policy, role_with_policy, service_role
from finplatform.blueprints import Service

DISCOVERY_TTL_SECONDS = 10


@dataclass(frozen=True)
class FargateArgs:
    """Inputs of the Fargate services."""

    workplace: Workplace
    """Region, private tier, environment and log settings the workloads share."""
    app_security_group_id: pulumi.Input[str]
    """The application tier's group every task joins."""
    repositories: Mapping[str, ImageRepository]
    """Image repositories by name; each service pulls from its own."""
    grants: Grants
    """What the services may reach, by access name."""
    services: Sequence[Service] = ()
    """The blueprint's ecs-fargate services."""
    tracing: bool = False
    """Run an X-Ray daemon beside each service."""
    settings: Mapping[str, str] = field(default_factory=dict)
    """Plain environment variables every service gets."""
    target_groups: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Target group ARN by service name, for the services the load balancer routes to."""
    discovery_namespace: str = ""
    """Private Cloud Map namespace the services register in (e.g. dex-mobile.internal); empty: none."""
    vpc_id: pulumi.Input[str] = ""
    """VPC of the Cloud Map namespace; needed with discovery_namespace."""
    deployment: Deployment = field(default_factory=Deployment)
    """How releases reach the services: physical names, rollback alarms and blue/green routes for a pipeline."""


class FargateServices(pulumi.ComponentResource):
    """An ECS cluster (Container Insights, FARGATE and FARGATE_SPOT) and one service per blueprint service:
    private subnets, the application tier's security group, a circuit breaker with rollback, and target
    tracking on CPU and memory (seed 003: 70% and 80%) and on the metrics a service publishes, between the
    environment's min and max; with service discovery, a Cloud Map namespace each service registers in."""

    services: dict[str, aws.ecs.Service]
    """The ECS services by name."""
    namespace_id: pulumi.Output[str] | None
    """The Cloud Map namespace, when the blueprint asks for service discovery."""
    role_arns: dict[str, tuple[pulumi.Output[str], pulumi.Output[str]]]
    """Each service's task and execution role ARNs (a deployer passes them to new task definitions)."""
    cluster: aws.ecs.Cluster
    """The cluster they run in."""
    log_groups: dict[str, pulumi.Output[str]]
    """Each service's log group name."""

    def __init__(self, name: str, args: FargateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:compute:FargateServices", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        deployment = args.deployment
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            aws.ecs.ClusterArgs(
                name=cluster_name(deployment.prefix) if deployment.by_pipeline else None,
                settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            ),
            opts=child,
        )
        aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity",
            aws.ecs.ClusterCapacityProvidersArgs(
                cluster_name=self.cluster.name, capacity_providers=["FARGATE", "FARGATE_SPOT"]
            ),
            opts=child,
        )
        self.namespace_id: pulumi.Output[str] | None = None
        if args.discovery_namespace:
            namespace = aws.servicediscovery.PrivateDnsNamespace(
                f"{name}-namespace",
                aws.servicediscovery.PrivateDnsNamespaceArgs(
                    name=args.discovery_namespace, vpc=args.vpc_id, description="Service discovery for ECS services"
                ),
                opts=child,
            )
            self.namespace_id = namespace.id
        self.services = {}
        self.role_arns = {}
        self.log_groups = {}
        self._blue_green_role = self._shifting_role(name, args)
        for service in args.services:
            self.services[service.name] = self._service(name, service, args)
        self.register_outputs({n: s.name for n, s in self.services.items()})

    def _shifting_role(self, name: str, args: FargateArgs) -> pulumi.Output[str] | None:
        """The role ECS assumes to shift blue/green traffic, when a service deploys blue/green."""
        routes = [
            route
            for service, route in sorted(args.deployment.blue_green.items())
            if service in args.target_groups and any(s.name == service for s in args.services)
        ]
        if not routes:
            return None
        role, _ = role_with_policy(
            f"{name}-blue-green",
            f"{name}-blue-green-policy",
            "ecs.amazonaws.com",
            args.workplace.placement,
            "ECS shifts blue/green traffic between the services' target groups",
            document=pulumi.Output.all(
                rules=pulumi.Output.all(*[r.listener_rule_arn for r in routes]),
                groups=pulumi.Output.all(
                    *[arn for r in routes for arn in (r.target_group_arn, r.alternate_target_group_arn)]
                ),
            ).apply(lambda v: json.dumps(blue_green_policy(v["rules"], v["groups"]))),
            parent=self,
        )
        return role.arn

    def _registry(self, prefix: str, service: Service) -> aws.ecs.ServiceServiceRegistriesArgs:
        """The service's Cloud Map entry: <service>.<namespace> resolves to its healthy tasks."""
        assert self.namespace_id is not None
        discovery = aws.servicediscovery.Service(
            f"{prefix}-discovery",
            aws.servicediscovery.ServiceArgs(
                name=service.name,
                dns_config=aws.servicediscovery.ServiceDnsConfigArgs(
                    namespace_id=self.namespace_id,
                    dns_records=[
                        aws.servicediscovery.ServiceDnsConfigDnsRecordArgs(ttl=DISCOVERY_TTL_SECONDS, type="A")
                    ],
                    routing_policy="MULTIVALUE",
                ),
                # ECS reports task health to Cloud Map itself.
                health_check_custom_config=aws.servicediscovery.ServiceHealthCheckCustomConfigArgs(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.ecs.ServiceServiceRegistriesArgs(registry_arn=discovery.arn)

    def _service(self, name: str, service: Service, args: FargateArgs) -> aws.ecs.Service:
        prefix = f"{name}-{service.name}"
        child = pulumi.ResourceOptions(parent=self)
        placement, grants = args.workplace.placement, args.grants
        size = service.sizes.for_env(args.workplace.environment)
        repository_name, reference = image_repository(service.image)
        repository = args.repositories[repository_name]
        logs = args.workplace.log_group(f"{prefix}-logs", None, self)
        self.log_groups[service.name] = logs.name
        secrets = injected_secrets(service.access, grants)
        environment = dict(args.settings)
        if "postgres" in service.access:
            db = grants.stores["postgres"]
            environment.update(DB_PORT=str(db.port), DB_USER=service.name)
        task_role = service_role(f"{prefix}-task", "ecs-tasks.amazonaws.com", placement, f"{service.name} tasks", self)
        resolved = pulumi.Output.all(**grant_references(grants, placement.account_id))
        if needs_task_policy(service.access):
            inline_policy(
                f"{prefix}-task-policy",
                task_role,
                resolved.apply(
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
                self,
            )
        execution_role, _ = role_with_policy(
            f"{prefix}-execution",
            f"{prefix}-execution-policy",
            "ecs-tasks.amazonaws.com",
            placement,
            f"{service.name} task start-up",
            document=pulumi.Output.all(
                repository.arn,
                logs.arn,
                pulumi.Output.all(*secrets.values()),
                grants.secrets_key_arn or "",
            ).apply(lambda v: json.dumps(execution_policy(v[0], v[1], v[2], v[3]))),
            parent=self,
        )
        hosts = store_hosts(service.access, grants)
        definitions = pulumi.Output.all(
            image=repository.url.apply(lambda url: url + reference),
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
                    tracing=args.tracing,
                    protocol=service.target_protocol_in(args.workplace.environment),
                )
            )
        )
        task = aws.ecs.TaskDefinition(
            f"{prefix}-task",
            aws.ecs.TaskDefinitionArgs(
                family=task_family(args.deployment.prefix, service.name) if args.deployment.by_pipeline else prefix,
                cpu=str(size.cpu),
                memory=str(size.memory),
                network_mode="awsvpc",
                requires_compatibilities=["FARGATE"],
                execution_role_arn=execution_role.arn,
                task_role_arn=task_role.arn,
                container_definitions=definitions,
                volumes=task_volumes(service),
                runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                    operating_system_family="LINUX", cpu_architecture="X86_64"
                ),
            ),
            opts=child,
        )
        deployment = args.deployment
        routed = service.name in args.target_groups
        route = deployment.blue_green.get(service.name) if routed and self._blue_green_role is not None else None
        configuration, alarms = deployment_settings(service, deployment, route is not None)
        ecs_service = aws.ecs.Service(
            f"{prefix}-service",
            aws.ecs.ServiceArgs(
                name=service.name if deployment.by_pipeline else None,
                cluster=self.cluster.arn,
                task_definition=task.arn,
                desired_count=size.desired,
                capacity_provider_strategies=capacity_strategy(service),
                network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                    subnets=args.workplace.private_subnet_ids,
                    security_groups=[args.app_security_group_id],
                    assign_public_ip=False,
                ),
                deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
                deployment_configuration=configuration,
                alarms=alarms,
                load_balancers=[
                    aws.ecs.ServiceLoadBalancerArgs(
                        target_group_arn=args.target_groups[service.name],
                        container_name=service.name,
                        container_port=service.port,
                        advanced_configuration=aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs(
                            alternate_target_group_arn=route.alternate_target_group_arn,
                            production_listener_rule=route.listener_rule_arn,
                            role_arn=self._blue_green_role,
                        )
                        if route is not None and self._blue_green_role is not None
                        else None,
                    )
                ]
                if routed
                else None,
                health_check_grace_period_seconds=60 if service.name in args.target_groups else None,
                service_registries=self._registry(prefix, service) if self.namespace_id is not None else None,
                propagate_tags="SERVICE",
                enable_ecs_managed_tags=True,
            ),
            # Autoscaling owns the count; where a pipeline deploys, it owns the running task definition too.
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=["desiredCount", *(["taskDefinition"] if deployment.by_pipeline else [])]
            ),
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
        for policy_name, metric in scaling_metrics(service):
            aws.appautoscaling.Policy(
                f"{prefix}-{policy_name}",
                aws.appautoscaling.PolicyArgs(
                    policy_type="TargetTrackingScaling",
                    service_namespace="ecs",
                    scalable_dimension=target.scalable_dimension,
                    resource_id=target.resource_id,
                    target_tracking_scaling_policy_configuration=metric,
                ),
                opts=child,
            )
        self.role_arns[service.name] = (task_role.arn, execution_role.arn)
        return ecs_service
