"""The compute layer: the registry and each target the blueprint's services and functions run on."""

from typing import Any

from components.build.data import DataLayer
from components.build.foundation import Networks
from components.compute.access import Grants
from components.compute.ec2 import Ec2Args, Ec2Services
from components.compute.eks import KubernetesArgs, KubernetesCluster
from components.compute.fargate import FargateArgs, FargateServices
from components.compute.functions import Functions, FunctionsArgs
from components.compute.registry import Registry, RegistryArgs, image_repository
from components.compute.workplace import Workplace
from components.context import Monitored, StackContext
from components.delivery.github import GithubDeployRole, GithubDeployRoleArgs
from components.edge.load_balancer import Edge, routed_target_groups
from components.keys_and_secrets import Secrets


def compute_layer(
    ctx: StackContext,
    networks: Networks,
    data: DataLayer,
    secrets: Secrets | None,
    edge: Edge | None,
    *,
    exports: dict[str, Any],
    monitored: Monitored,
) -> None:
    """The registry and each compute target the blueprint's services and functions use."""
    stack, profile, blueprint, keys = ctx.stack, ctx.profile, ctx.stack.blueprint, ctx.keys
    network, environment = networks.primary, stack.environment
    grants = Grants(
        data_key_arn=keys("data"),
        secrets_key_arn=keys.optional("secrets"),
        secret_arns=secrets.arns if secrets else {},
        bucket_arns={n: b.arn for n, b in data.storage.by_name.items()},
        stores=data.connections,
        postgres_resource_id=data.postgres_resource_id,
    )
    settings = blueprint.settings.for_env(environment) if blueprint.settings else {}
    workplace = Workplace(
        placement=ctx.primary,
        private_subnet_ids=network.private_subnet_ids,
        logs_key_arn=keys("logs"),
        environment=environment,
        log_retention_days=profile.log_retention_days,
        protect_logs=profile.protect_stateful_resources,
    )
    targets = {t: [s for s in blueprint.services if s.target == t] for t in ("ecs-fargate", "ec2-autoscaling", "eks")}
    # Every service's image has a repository; functions ship zip packages and need none.
    registry = (
        Registry(
            "registry",
            RegistryArgs(
                repositories=sorted({image_repository(s.image)[0] for s in blueprint.services}),
                prefix=ctx.prefix,
                kms_key_arn=keys("data"),
            ),
            opts=ctx.in_primary,
        )
        if blueprint.services
        else None
    )
    repositories = registry.by_image() if registry is not None else {}
    fargate = None
    if targets["ecs-fargate"]:
        fargate = FargateServices(
            "services",
            FargateArgs(
                services=targets["ecs-fargate"],
                app_security_group_id=network.app_security_group_id,
                repositories=repositories,
                grants=grants,
                tracing=profile.tracing,
                settings=settings,
                target_groups=routed_target_groups(edge),
                workplace=workplace,
                discovery_namespace=f"{blueprint.name}.internal" if blueprint.service_discovery else "",
                vpc_id=network.vpc_id,
            ),
            opts=ctx.in_primary,
        )
        monitored.handles["ecs-cluster"] = fargate.cluster.name
        monitored.handles.update({f"ecs-service:{n}": s.name for n, s in fargate.services.items()})
        monitored.log_groups.update(fargate.log_groups)
    delivery = blueprint.delivery
    if fargate is not None and delivery.pipeline == "github-actions" and delivery.deploy_service:
        (deployed,) = [s for s in blueprint.services if s.name == delivery.deploy_service]
        task_role, execution_role = fargate.role_arns[deployed.name]
        github = GithubDeployRole(
            "github-deploy",
            GithubDeployRoleArgs(
                repository=delivery.repository,
                branch=delivery.branch,
                repository_arn=repositories[image_repository(deployed.image)[0]].arn,
                service_arn=fargate.services[deployed.name].arn,
                task_role_arn=task_role,
                execution_role_arn=execution_role,
            ),
            opts=ctx.in_primary,
        )
        exports["githubDeployRoleArn"] = github.role_arn
    if targets["ec2-autoscaling"]:
        instances = Ec2Services(
            "instances",
            Ec2Args(
                services=targets["ec2-autoscaling"],
                first_az=stack.network.availability_zones[0],
                app_security_group_id=network.app_security_group_id,
                repositories=repositories,
                grants=grants,
                protect_volumes=profile.protect_stateful_resources,
                detailed_monitoring=profile.detailed_monitoring,
                tracing=profile.tracing,
                settings=settings,
                target_groups=routed_target_groups(edge),
                workplace=workplace,
            ),
            opts=ctx.in_primary,
        )
        monitored.handles.update({f"asg:{n}": g.name for n, g in instances.groups.items()})
        monitored.log_groups.update(instances.log_groups)
    if targets["eks"]:
        kubernetes = KubernetesCluster(
            "kubernetes",
            KubernetesArgs(
                services=targets["eks"],
                cluster_name=f"{ctx.prefix}-eks",
                vpc_id=network.vpc_id,
                data_key_arn=keys("data"),
                deletion_protection=profile.deletion_protection,
                public_endpoint=stack.config.eks_public_endpoint,
                admin_role_arn=stack.config.eks_admin_role_arn,
                load_balancer_controller=blueprint.kubernetes.load_balancer_controller,
                autoscaler=blueprint.kubernetes.autoscaler,
                workplace=workplace,
            ),
            opts=ctx.in_primary,
        )
        exports["kubeconfig"] = kubernetes.kubeconfig
        monitored.handles["eks-cluster"] = f"{ctx.prefix}-eks"
        monitored.log_groups.update({s.name: kubernetes.application_log_group for s in targets["eks"]})
    if blueprint.functions:
        functions = Functions(
            "functions",
            FunctionsArgs(
                functions=blueprint.functions,
                prefix=ctx.prefix,
                app_security_group_id=network.app_security_group_id,
                grants=grants,
                settings=settings,
                workplace=workplace,
            ),
            opts=ctx.in_primary,
        )
        exports["apiEndpoints"] = functions.api_endpoints
        monitored.handles.update(functions.monitored)
