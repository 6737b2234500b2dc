"""What seed 001's cluster runs besides the services: the AWS Load Balancer Controller and the Cluster
Autoscaler, each with its own EKS Pod Identity role, scoped to this cluster.

The charts themselves are installed from inside the network: the cluster's API endpoint is private (never public
in prod), so a `pulumi up` from outside the VPC could not reach it to install them. The roles here are what the
charts' service accounts use once installed."""

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.providers import Placement
from components.shared.iam import attach_managed, role_with_policy, service_role

SYSTEM_NAMESPACE = "kube-system"
LB_CONTROLLER_ACCOUNT = "aws-load-balancer-controller"
AUTOSCALER_ACCOUNTS = {"cluster-autoscaler": "cluster-autoscaler"}
# Read-only calls the controllers make to see the VPC, load balancers and groups; these EC2, ELB and Auto Scaling
# Describe calls support no resource-level permissions, so AWS accepts only "*" for them.
LB_CONTROLLER_READS = [
    "ec2:DescribeAccountAttributes",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeTags",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags",
    "acm:ListCertificates",
    "acm:DescribeCertificate",
    "wafv2:GetWebACLForResource",
]
LB_CONTROLLER_WRITES = [
    "elasticloadbalancing:CreateLoadBalancer",
    "elasticloadbalancing:CreateTargetGroup",
    "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:CreateRule",
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:ModifyRule",
    "elasticloadbalancing:RegisterTargets",
    "elasticloadbalancing:DeregisterTargets",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:DeleteRule",
    "elasticloadbalancing:AddTags",
    "ec2:CreateSecurityGroup",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:DeleteSecurityGroup",
    "ec2:CreateTags",
]
AUTOSCALER_READS = [
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
    "eks:DescribeNodegroup",
]
AUTOSCALER_WRITES = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]


def pod_identity_trust(account_id: str) -> dict[str, Any]:
    """Only EKS Pod Identity, acting for this account's clusters, may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }


def lb_controller_policy(cluster: str) -> dict[str, Any]:
    """Read what it must see; create and change only load balancers, target groups and security groups tagged as
    this cluster's (the tag the controller itself puts on what it creates)."""
    owned = {"StringEquals": {"aws:ResourceTag/elbv2.k8s.aws/cluster": cluster}}
    created = {"StringEquals": {"aws:RequestTag/elbv2.k8s.aws/cluster": cluster}}
    return {
        "Version": "2012-10-17",
        "Statement": [
            # Describe and list calls: no resource-level permissions exist for them (see LB_CONTROLLER_READS).
            {"Sid": "SeeTheNetwork", "Effect": "Allow", "Action": LB_CONTROLLER_READS, "Resource": "*"},
            # Create calls name no existing resource, so AWS checks the request's tags instead of an ARN.
            {
                "Sid": "CreateTaggedForThisCluster",
                "Effect": "Allow",
                "Action": [a for a in LB_CONTROLLER_WRITES if ":Create" in a or a.endswith("AddTags")],
                "Resource": "*",
                "Condition": created,
            },
            # The ARNs of the controller's load balancers are unknown ahead; the cluster tag scopes them.
            {
                "Sid": "ChangeOnlyThisClustersResources",
                "Effect": "Allow",
                "Action": [a for a in LB_CONTROLLER_WRITES if ":Create" not in a and not a.endswith("AddTags")],
                "Resource": "*",
                "Condition": owned,
            },
        ],
    }


def autoscaler_policy(cluster: str) -> dict[str, Any]:
    """See the node groups; resize and shrink only those EKS tags as this cluster's autoscaling groups."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            # Describe calls: no resource-level permissions exist for them (see AUTOSCALER_READS).
            {"Sid": "SeeNodeGroups", "Effect": "Allow", "Action": AUTOSCALER_READS, "Resource": "*"},
            # Managed node groups' Auto Scaling groups are created by EKS with this tag; their ARNs are unknown.
            {
                "Sid": "ResizeOnlyThisClustersGroups",
                "Effect": "Allow",
                "Action": AUTOSCALER_WRITES,
                "Resource": "*",
                "Condition": {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster}": "owned"}},
            },
        ],
    }


def addon_roles(
    name: str,
    cluster_name: str,
    placement: Placement,
    parent: pulumi.Resource,
    *,
    load_balancer_controller: bool,
    autoscaler: str,
    depends_on: list[pulumi.Resource],
) -> list[aws.eks.PodIdentityAssociation]:
    """A role and a pod-identity association for each add-on the blueprint asks for."""
    wanted: list[tuple[str, str, dict[str, Any]]] = []
    if load_balancer_controller:
        wanted.append(("lb-controller", LB_CONTROLLER_ACCOUNT, lb_controller_policy(cluster_name)))
    if autoscaler != "none":
        wanted.append(("autoscaler", AUTOSCALER_ACCOUNTS[autoscaler], autoscaler_policy(cluster_name)))
    trust = pulumi.Output.from_input(placement.account_id).apply(lambda a: json.dumps(pod_identity_trust(a)))
    associations = []
    for short, account, policy in wanted:
        role, _ = role_with_policy(
            f"{name}-{short}",
            f"{name}-{short}-policy",
            "pods.eks.amazonaws.com",
            placement,
            f"{account} in {cluster_name}",
            document=json.dumps(policy),
            parent=parent,
            trust=trust,
        )
        associations.append(
            aws.eks.PodIdentityAssociation(
                f"{name}-{short}-identity",
                aws.eks.PodIdentityAssociationArgs(
                    cluster_name=cluster_name, namespace=SYSTEM_NAMESPACE, service_account=account, role_arn=role.arn
                ),
                opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on),
            )
        )
    return associations


OBSERVABILITY_ADDON = "amazon-cloudwatch-observability"
OBSERVABILITY_NAMESPACE = "amazon-cloudwatch"
OBSERVABILITY_ACCOUNT = "cloudwatch-agent"
# The add-on's agent publishes Container Insights and relays traces; AWS documents these two managed policies
# for its service account and scopes them by namespace condition and X-Ray's lack of resource ARNs.
OBSERVABILITY_POLICIES = ("CloudWatchAgentServerPolicy", "AWSXrayWriteOnlyAccess")
# Container Insights writes to these groups; declared here, they are encrypted and expire instead of being
# created by the agent without a key and kept for ever.
CONTAINER_INSIGHTS_GROUPS = ("application", "dataplane", "host", "performance")


def container_insights_groups(cluster: str) -> list[str]:
    return [f"/aws/containerinsights/{cluster}/{group}" for group in CONTAINER_INSIGHTS_GROUPS]


def observability_addon(
    name: str,
    cluster_name: str,
    placement: Placement,
    parent: pulumi.Resource,
    *,
    depends_on: list[pulumi.Resource],
) -> aws.eks.Addon:
    """The CloudWatch Observability add-on (Container Insights with enhanced observability, the agent that
    receives the services' traces), its service account bound to a role through EKS Pod Identity."""
    trust = pulumi.Output.from_input(placement.account_id).apply(lambda a: json.dumps(pod_identity_trust(a)))
    role = service_role(
        f"{name}-observability",
        "pods.eks.amazonaws.com",
        placement,
        f"CloudWatch agent in {cluster_name}",
        parent,
        trust=trust,
    )
    for policy in OBSERVABILITY_POLICIES:
        attach_managed(f"{name}-observability-{policy}", role, placement.partition, policy, parent)
    return aws.eks.Addon(
        f"{name}-observability",
        aws.eks.AddonArgs(
            cluster_name=cluster_name,
            addon_name=OBSERVABILITY_ADDON,
            pod_identity_associations=[
                aws.eks.AddonPodIdentityAssociationArgs(role_arn=role.arn, service_account=OBSERVABILITY_ACCOUNT)
            ],
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on),
    )
