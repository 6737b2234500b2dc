"""Services on EKS through pulumi-eks (seed 001's blockchain-service)."""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.compute.eks_addons import addon_roles, container_insights_groups, observability_addon
from components.compute.instances import SSM_CORE, hardened_instances
from components.compute.workplace import Workplace
from components.shared.iam import attach_managed, service_role
from finplatform.blueprints import Service

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

    workplace: Workplace
    """Region, private tier, environment and log settings the workloads share."""
    vpc_id: pulumi.Input[str]
    """VPC of the cluster."""
    data_key_arn: pulumi.Input[str]
    """KMS key for Kubernetes secrets and node disks."""
    cluster_name: str = "finplatform-eks"
    """EKS cluster name."""
    services: Sequence[Service] = ()
    """The blueprint's eks services: one managed node group each."""
    deletion_protection: bool = False
    """EKS refuses to delete the cluster."""
    public_endpoint: bool = False
    """Allow a public API endpoint (ignored in prod)."""
    admin_role_arn: str = ""
    """Role granted cluster-admin through an access entry; none when empty."""
    load_balancer_controller: bool = False
    """A pod-identity role for the AWS Load Balancer Controller, scoped to this cluster's load balancers."""
    autoscaler: str = "none"
    """none or cluster-autoscaler: a pod-identity role scoped to this cluster's node groups."""


class KubernetesCluster(pulumi.ComponentResource):
    """A pulumi-eks cluster: API authentication with access entries, a private endpoint (public only where the
    stack allows it, never in prod), secrets envelope-encrypted with the data key, control-plane logs on, an OIDC
    provider and the pod-identity add-on for workload roles, and a managed node group per service."""

    kubeconfig: pulumi.Output[str]
    """The cluster's kubeconfig, as a secret."""
    application_log_group: pulumi.Output[str]
    """Container Insights' application log group, where the pods' output lands."""

    def __init__(self, name: str, args: KubernetesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        import pulumi_eks as eks

        super().__init__("finplatform:compute:KubernetesCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        placement = args.workplace.placement
        public = args.public_endpoint and args.workplace.environment != "prod"
        logs = args.workplace.log_group(f"{name}-control-plane-logs", f"/aws/eks/{args.cluster_name}/cluster", self)
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
                private_subnet_ids=args.workplace.private_subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=public,
                authentication_mode=eks.AuthenticationMode.API,
                access_entries=access_entries,
                encryption_config_key_arn=args.data_key_arn,
                enabled_cluster_log_types=EKS_LOG_TYPES,
                create_oidc_provider=True,
                skip_default_node_group=True,
                node_associate_public_ip_address=False,
                deletion_protection=args.deletion_protection,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs]),
        )
        node_role = service_role(f"{name}-nodes", "ec2.amazonaws.com", placement, "EKS worker nodes", self)
        for policy in EKS_NODE_POLICIES:
            attach_managed(f"{name}-nodes-{policy}", node_role, placement.partition, policy, self)
        template = aws.ec2.LaunchTemplate(
            f"{name}-nodes-template",
            aws.ec2.LaunchTemplateArgs(
                **hardened_instances(args.data_key_arn, disk_gb=50, hop_limit=2),
            ),
            opts=child,
        )
        groups = []
        for service in args.services:
            size = service.sizes.for_env(args.workplace.environment)
            groups.append(
                eks.ManagedNodeGroup(
                    f"{name}-{service.name}-nodes",
                    eks.ManagedNodeGroupArgs(
                        cluster=cluster,
                        node_role=node_role,
                        subnet_ids=args.workplace.private_subnet_ids,
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
        pod_identity = aws.eks.Addon(
            f"{name}-pod-identity",
            aws.eks.AddonArgs(cluster_name=args.cluster_name, addon_name="eks-pod-identity-agent"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[cluster, *groups]),
        )
        addon_roles(
            name,
            args.cluster_name,
            args.workplace.placement,
            self,
            load_balancer_controller=args.load_balancer_controller,
            autoscaler=args.autoscaler,
            depends_on=[pod_identity],
        )
        insights_logs = [
            args.workplace.log_group(f"{name}-insights-{group.rsplit('/', 1)[1]}", group, self)
            for group in container_insights_groups(args.cluster_name)
        ]
        self.application_log_group = insights_logs[0].name
        observability_addon(name, args.cluster_name, placement, self, depends_on=[pod_identity, *insights_logs])
        self.kubeconfig = pulumi.Output.secret(cluster.kubeconfig_json)
        self.register_outputs({"kubeconfig": self.kubeconfig})
