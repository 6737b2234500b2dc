"""What every EC2 instance of the platform gets, whether it runs a service or an EKS node."""

from typing import Any

import pulumi
import pulumi_aws as aws

from finplatform.catalog import EC2_INSTANCE_TYPES

SSM_CORE = "AmazonSSMManagedInstanceCore"  # SSM Session Manager instead of SSH; AWS scopes it service-wide
# The family an Auto Scaling group falls back to when EC2 has no capacity of the blueprint's (AutoScaling.6):
# same class and the same CPU architecture (an x86_64 AMI does not boot on Graviton, nor arm64 on x86), so the
# same size has the same vCPUs and memory. Graviton has no second burstable family, so a t4g group keeps its one
# type (the platform's EC2 AMI is x86_64 in any case).
SIBLING_FAMILY: dict[str, str] = {
    "t2": "t3",
    "t3": "t3a",
    "t3a": "t3",
    "m5": "m6i",
    "m6i": "m7i",
    "m7i": "m6i",
    "c5": "c6i",
    "c6i": "c7i",
    "c7i": "c6i",
    "r5": "r6i",
    "r6i": "r5",
    "r7i": "r6i",
    "m6g": "m7g",
    "m7g": "m6g",
    "c6g": "c7g",
    "c7g": "c6g",
    "r6g": "r7g",
    "r7g": "r6g",
}


def instance_types(instance_type: str) -> tuple[str, ...]:
    """The types an Auto Scaling group launches, in priority order: the blueprint's, then the same size of its
    sibling family where the catalogue has it (so the cost pack's allowed sizes and the pricer know it)."""
    family, _, size = instance_type.partition(".")
    sibling = f"{SIBLING_FAMILY.get(family, '')}.{size}"
    return (instance_type, sibling) if sibling in EC2_INSTANCE_TYPES else (instance_type,)


def mixed_instances(
    template_id: pulumi.Input[str], instance_type: str, interruptible: bool
) -> aws.autoscaling.GroupMixedInstancesPolicyArgs:
    """How a group launches (AutoScaling.6): from its launch template, as the blueprint's instance type first and
    the same size of a sibling family when EC2 has no capacity of it (``instance_types``). On demand only, in
    that order; an interruptible service keeps one on-demand instance and runs three quarters of the rest on Spot,
    from whichever of the types has the most spare capacity at the lowest price."""
    return aws.autoscaling.GroupMixedInstancesPolicyArgs(
        instances_distribution=aws.autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs(
            on_demand_allocation_strategy="prioritized",
            on_demand_base_capacity=1 if interruptible else 0,
            on_demand_percentage_above_base_capacity=25 if interruptible else 100,
            spot_allocation_strategy="price-capacity-optimized" if interruptible else None,
        ),
        launch_template=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs(
            launch_template_specification=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs(
                launch_template_id=template_id, version="$Latest"
            ),
            overrides=[
                aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArgs(instance_type=size)
                for size in instance_types(instance_type)
            ],
        ),
    )


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
