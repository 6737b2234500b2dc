"""What every EC2 instance of the platform gets, whether it runs a service or an EKS node."""

from typing import Any

import pulumi
import pulumi_aws as aws

SSM_CORE = "AmazonSSMManagedInstanceCore"  # SSM Session Manager instead of SSH; AWS scopes it service-wide


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
