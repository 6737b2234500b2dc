"""Log groups: every one the platform declares is encrypted with the logs key and keeps a set retention."""

import pulumi
import pulumi_aws as aws


def encrypted_log_group(
    name: str,
    log_name: str | None,
    key_arn: pulumi.Input[str],
    days: int,
    *,
    parent: pulumi.Resource,
    protect: bool,
    provider: pulumi.ProviderResource | None = None,
    tags: dict[str, str] | None = None,
) -> aws.cloudwatch.LogGroup:
    """A log group encrypted with the logs key; declared before the service that writes to it (with
    ``provider``, in another region than its parent's, with that region's logs key)."""
    return aws.cloudwatch.LogGroup(
        name,
        aws.cloudwatch.LogGroupArgs(name=log_name, retention_in_days=days, kms_key_id=key_arn, tags=tags),
        opts=pulumi.ResourceOptions(parent=parent, protect=protect, provider=provider),
    )
