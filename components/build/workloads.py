"""The services and functions of a blueprint on their compute targets, in one region: the primary, or the DR
region for a warm standby or after a failover. The compute layer and the DR layer both declare through here."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi

from components.compute.access import Grants
from components.compute.code_signing import code_signing_policy
from components.compute.ec2 import Ec2Args, Ec2Services
from components.compute.eks import KubernetesArgs, KubernetesCluster
from components.compute.fargate import FargateArgs, FargateServices
from components.compute.functions import Functions, FunctionsArgs
from components.compute.registry import ImageRepository
from components.compute.workplace import Workplace
from components.context import StackContext
from components.edge.load_balancer import Edge, routed_target_groups
from components.network import Network
from components.providers import Placement
from components.shared.deployment import Deployment
from finplatform.blueprints import Service

TARGETS = ("ecs-fargate", "ec2-autoscaling", "eks")


@dataclass(frozen=True)
class Site:
    """Where the workloads run, and what they reach there."""

    prefix: str
    """Prepended to the components' names: empty in the primary region, ``dr-`` in the DR region."""
    placement: Placement
    """The region's provider, region and account."""
    network: Network
    """The region's network: private subnets, the application tier's group, the VPC."""
    first_az: str
    """The AZ a service's single-instance volumes go to."""
    logs_key_arn: pulumi.Input[str]
    """The region's logs key."""
    data_key_arn: pulumi.Input[str]
    """The region's data key (the EKS secrets envelope)."""
    grants: Grants
    """What the workloads may reach, in this region."""
    repositories: Mapping[str, ImageRepository]
    """The region's image repositories, by name."""
    edge: Edge | None
    """The region's load balancer, which routes to the public services."""
    services: Sequence[Service]
    """The services, sized for this region (a warm standby runs fewer tasks)."""
    deployment: Deployment = field(default_factory=Deployment)
    """How releases reach the services (the primary's are the pipeline's)."""
    code_bucket: pulumi.Input[str] | None = None
    """A versioned bucket in this region (the blueprint's artifacts bucket, or its DR replica) where the functions'
    packages are signed; None: there is none here."""


@dataclass
class Workloads:
    """What was declared, for the layers that read it."""

    fargate: FargateServices | None = None
    instances: Ec2Services | None = None
    kubernetes: KubernetesCluster | None = None
    functions: Functions | None = None


def declare_workloads(ctx: StackContext, site: Site) -> Workloads:
    """Each compute target the site's services use, and the blueprint's functions."""
    stack, profile, blueprint = ctx.stack, ctx.profile, ctx.stack.blueprint
    opts = pulumi.ResourceOptions(provider=site.placement.provider)
    targets = {t: [s for s in site.services if s.target == t] for t in TARGETS}
    settings = blueprint.settings.for_env(stack.environment) if blueprint.settings else {}
    workplace = Workplace(
        placement=site.placement,
        private_subnet_ids=site.network.private_subnet_ids,
        logs_key_arn=site.logs_key_arn,
        environment=stack.environment,
        log_retention_days=profile.log_retention_days,
        protect_logs=profile.protect_stateful_resources,
    )
    declared = Workloads()
    if targets["ecs-fargate"]:
        declared.fargate = FargateServices(
            f"{site.prefix}services",
            FargateArgs(
                services=targets["ecs-fargate"],
                app_security_group_id=site.network.app_security_group_id,
                repositories=site.repositories,
                grants=site.grants,
                tracing=profile.tracing,
                settings=settings,
                target_groups=routed_target_groups(site.edge),
                workplace=workplace,
                discovery_namespace=f"{blueprint.name}.internal" if blueprint.service_discovery else "",
                vpc_id=site.network.vpc_id,
                deployment=site.deployment,
            ),
            opts=opts,
        )
    if targets["ec2-autoscaling"]:
        declared.instances = Ec2Services(
            f"{site.prefix}instances",
            Ec2Args(
                services=targets["ec2-autoscaling"],
                first_az=site.first_az,
                app_security_group_id=site.network.app_security_group_id,
                repositories=site.repositories,
                grants=site.grants,
                protect_volumes=profile.protect_stateful_resources,
                detailed_monitoring=profile.detailed_monitoring,
                tracing=profile.tracing,
                settings=settings,
                target_groups=routed_target_groups(site.edge),
                workplace=workplace,
                deployment=site.deployment,
            ),
            opts=opts,
        )
    if targets["eks"]:
        declared.kubernetes = KubernetesCluster(
            f"{site.prefix}kubernetes",
            KubernetesArgs(
                services=targets["eks"],
                cluster_name=f"{ctx.prefix}-eks",
                vpc_id=site.network.vpc_id,
                data_key_arn=site.data_key_arn,
                deletion_protection=profile.deletion_protection,
                public_endpoint=stack.config.eks_public_endpoint,
                admin_role_arn=stack.config.eks_admin_role_arn,
                load_balancer_controller=blueprint.kubernetes.load_balancer_controller,
                autoscaler=blueprint.kubernetes.autoscaler,
                workplace=workplace,
            ),
            opts=opts,
        )
    if blueprint.functions:
        declared.functions = Functions(
            f"{site.prefix}functions",
            FunctionsArgs(
                functions=blueprint.functions,
                prefix=ctx.prefix,
                app_security_group_id=site.network.app_security_group_id,
                grants=site.grants,
                settings=settings,
                workplace=workplace,
                jwt_issuer=stack.config.api_jwt_issuer,
                jwt_audience=stack.config.api_jwt_audience,
                code_signing=code_signing_policy(stack.environment),
                code_bucket=site.code_bucket,
            ),
            opts=opts,
        )
    return declared
