"""IAM roles for AWS services, each with the one inline policy that says what it may do."""

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.providers import Placement
from components.shared.arns import managed_policy_arn


def service_trust(service: str, account_id: str) -> dict[str, Any]:
    """A trust policy for one AWS service, acting only for this account."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }


def service_role(
    name: str,
    service: str,
    placement: Placement,
    description: str,
    parent: pulumi.Resource,
    *,
    trust: pulumi.Input[str] | None = None,
) -> aws.iam.Role:
    """A role only ``service`` may assume, for this account (or with the given trust policy)."""
    return aws.iam.Role(
        name,
        aws.iam.RoleArgs(
            description=description,
            assume_role_policy=trust
            if trust is not None
            else pulumi.Output.from_input(placement.account_id).apply(
                lambda account: json.dumps(service_trust(service, account))
            ),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def inline_policy(
    name: str, role: aws.iam.Role, document: pulumi.Input[str], parent: pulumi.Resource
) -> aws.iam.RolePolicy:
    """The role's inline policy, given as JSON text."""
    return aws.iam.RolePolicy(
        name, aws.iam.RolePolicyArgs(role=role.id, policy=document), opts=pulumi.ResourceOptions(parent=parent)
    )


def role_with_policy(
    name: str,
    policy_name: str,
    service: str,
    placement: Placement,
    description: str,
    *,
    document: pulumi.Input[str],
    parent: pulumi.Resource,
    trust: pulumi.Input[str] | None = None,
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """A service role and its inline policy, the pair most of the platform's roles are."""
    role = service_role(name, service, placement, description, parent, trust=trust)
    return role, inline_policy(policy_name, role, document, parent)


def attach_managed(
    name: str, role: aws.iam.Role, partition: str, policy: str, parent: pulumi.Resource
) -> aws.iam.RolePolicyAttachment:
    """Attach an AWS-managed policy; callers say why AWS leaves no narrower choice."""
    return aws.iam.RolePolicyAttachment(
        name,
        aws.iam.RolePolicyAttachmentArgs(role=role.name, policy_arn=managed_policy_arn(partition, policy)),
        opts=pulumi.ResourceOptions(parent=parent),
    )
