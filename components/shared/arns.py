"""ARNs the platform writes by hand: AWS-managed policies and the partition a region belongs to."""


def partition_for(region: str) -> str:
    """The ARN partition of a region."""
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws"


def managed_policy_arn(partition: str, name: str) -> str:
    """An AWS-managed IAM policy, e.g. ``service-role/AWS_ConfigRole``."""
    return f"arn:{partition}:iam::aws:policy/{name}"


def in_region(arn: str, region: str) -> str:
    """The same ARN in another region: a replica secret's ARN is its primary's with the region swapped."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return arn
    parts[3] = region
    return ":".join(parts)
