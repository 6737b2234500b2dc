"""What every data store shares: where it lives and where its DR copy goes."""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.providers import Placement
from components.shared.security_groups import admit_one_group_args


@dataclass(frozen=True)
class StoreNetwork:
    """Where a store lives: its VPC, subnet group and the application tier's security group."""

    vpc_id: pulumi.Input[str]
    """VPC of the store."""
    subnet_group_name: pulumi.Input[str]
    """Subnet group on the isolated tier."""
    app_security_group_id: pulumi.Input[str]
    """The application tier's group: the only one the store admits."""


@dataclass(frozen=True)
class DrReplica:
    """Where a cross-region replica goes."""

    placement: Placement
    """The DR region's provider, region and account."""
    network: StoreNetwork
    """The DR network's store placement."""
    data_key_arn: pulumi.Input[str]
    """The DR region's data key."""
    logs_key_arn: pulumi.Input[str] | None = None
    """The DR region's logs key, for the log groups a replica exports to; None: the replica exports none."""


def store_group_args(port: int, network: StoreNetwork) -> aws.ec2.SecurityGroupArgs:
    """A security group that admits the application tier on one port and allows no egress at all."""
    return admit_one_group_args(
        port, network.vpc_id, network.app_security_group_id, source="application tier", tier="data"
    )


def admit_app_tier(name: str, port: int, network: StoreNetwork, parent: pulumi.Resource) -> aws.ec2.SecurityGroup:
    return aws.ec2.SecurityGroup(name, store_group_args(port, network), opts=pulumi.ResourceOptions(parent=parent))
