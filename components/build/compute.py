"""The compute layer: the registry and each target the blueprint's services and functions run on."""

from typing import Any

from components.build.data import DataLayer
from components.build.foundation import Networks
from components.build.workloads import Site, declare_workloads
from components.compute.access import Grants
from components.compute.registry import Registry, RegistryArgs, image_repository
from components.context import Monitored, StackContext
from components.delivery.github import GithubDeployRole, GithubDeployRoleArgs
from components.edge.load_balancer import Edge, blue_green_routes
from components.keys_and_secrets import Secrets
from components.shared.deployment import stack_deployment


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
    stack, blueprint, keys = ctx.stack, ctx.stack.blueprint, ctx.keys
    network = networks.primary
    grants = Grants(
        data_key_arn=keys("data"),
        secrets_key_arn=keys.optional("secrets"),
        secret_arns=secrets.arns if secrets else {},
        bucket_arns={n: b.arn for n, b in data.storage.by_name.items()},
        stores=data.connections,
        postgres_resource_id=data.postgres_resource_id,
    )
    deployment = stack_deployment(stack, blue_green_routes(edge))
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
    site = Site(
        prefix="",
        placement=ctx.primary,
        network=network,
        first_az=stack.network.availability_zones[0],
        logs_key_arn=keys("logs"),
        data_key_arn=keys("data"),
        grants=grants,
        repositories=repositories,
        edge=edge,
        services=blueprint.services,
        deployment=deployment,
        code_bucket=next(
            (data.storage.by_name[b.name].name for b in blueprint.buckets if b.purpose == "artifacts"), None
        ),
    )
    declared = declare_workloads(ctx, site)
    fargate, instances, kubernetes, functions = (
        declared.fargate,
        declared.instances,
        declared.kubernetes,
        declared.functions,
    )
    if fargate is not None:
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
    if instances is not None:
        monitored.handles.update({f"asg:{n}": g.name for n, g in instances.groups.items()})
        monitored.log_groups.update(instances.log_groups)
    if kubernetes is not None:
        exports["kubeconfig"] = kubernetes.kubeconfig
        monitored.handles["eks-cluster"] = f"{ctx.prefix}-eks"
        eks_services = [s for s in blueprint.services if s.target == "eks"]
        monitored.log_groups.update({s.name: kubernetes.application_log_group for s in eks_services})
    if functions is not None:
        exports["apiEndpoints"] = functions.api_endpoints
        monitored.handles.update(functions.monitored)
