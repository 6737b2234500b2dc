"""Security groups and rules: a group that admits one source group on one port, and rules that open a port
from one group to another."""

import pulumi
import pulumi_aws as aws


def admit_one_group_args(
    port: int, vpc_id: pulumi.Input[str], source_group_id: pulumi.Input[str], *, source: str, tier: str
) -> aws.ec2.SecurityGroupArgs:
    """A group that admits ``source_group_id`` on one port and allows no egress at all."""
    return aws.ec2.SecurityGroupArgs(
        vpc_id=vpc_id,
        description=f"Admits only the {source} on {port}.",
        ingress=[
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp", from_port=port, to_port=port, security_groups=[source_group_id], description=source
            )
        ],
        egress=[],
        tags={"tier": tier},
    )


def allow_from_group(
    name: str,
    group_id: pulumi.Input[str],
    source_group_id: pulumi.Input[str],
    port: int,
    *,
    description: str,
    parent: pulumi.Resource,
) -> aws.vpc.SecurityGroupIngressRule:
    """One ingress rule on ``group_id``: TCP ``port`` from members of ``source_group_id``."""
    return aws.vpc.SecurityGroupIngressRule(
        name,
        aws.vpc.SecurityGroupIngressRuleArgs(
            security_group_id=group_id,
            referenced_security_group_id=source_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=description,
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
