"""The stack's explicit AWS providers: the primary region and, where the profile has one, the DR region.

Every AWS resource takes one of these, so the region is never implicit and the standard tags reach every
taggable resource through the providers' default tags.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.shared.arns import partition_for
from finplatform.stack import ResolvedStack


@dataclass(frozen=True)
class RegionalProviders:
    """The providers a stack declares."""

    primary: aws.Provider
    """The primary region's provider."""
    dr: aws.Provider | None
    """The DR region's provider, where the profile enables DR."""


def regional_provider(name: str, region: str, tags: dict[str, str]) -> aws.Provider:
    """A provider for ``region`` that puts the standard tags on everything it declares."""
    return aws.Provider(
        name,
        aws.ProviderArgs(region=region, default_tags=aws.ProviderDefaultTagsArgs(tags=tags)),
    )


def declare_providers(stack: ResolvedStack) -> RegionalProviders:
    """Declare the primary provider, and the DR provider when the profile enables DR."""
    primary = regional_provider("aws-primary", stack.region, stack.tags)
    dr = regional_provider("aws-dr", stack.dr_region, stack.tags) if stack.dr_region else None
    return RegionalProviders(primary=primary, dr=dr)


EDGE_REGION = "us-east-1"  # CloudFront takes certificates and web ACLs from this region only


def edge_provider(stack: ResolvedStack, providers: RegionalProviders) -> aws.Provider:
    """The provider for CloudFront's certificate and web ACL: the primary one when it is already in us-east-1."""
    if stack.region == EDGE_REGION:
        return providers.primary
    return regional_provider("aws-edge", EDGE_REGION, stack.tags)


@dataclass(frozen=True)
class Placement:
    """Where a component's resources go: the provider, its region and partition, and the account."""

    provider: aws.Provider
    """The explicit provider of the region."""
    region: str
    """The region's name."""
    account_id: pulumi.Input[str]
    """The account the stack deploys to."""

    @property
    def partition(self) -> str:
        return partition_for(self.region)

    def arn(self, service: str, resource: str, region: bool = True) -> pulumi.Output[str]:
        """An ARN in this account, e.g. arn("logs", "log-group:*")."""
        where = self.region if region else ""
        return pulumi.Output.from_input(self.account_id).apply(
            lambda account: f"arn:{self.partition}:{service}:{where}:{account}:{resource}"
        )


@dataclass(frozen=True)
class EdgePlacement:
    """us-east-1, where CloudFront's certificate, web ACL and that web ACL's logs and alarms must live, with the
    keys the logs and alert topics there are encrypted with."""

    placement: Placement
    """The us-east-1 placement (the primary one when the stack is there already)."""
    logs_key_arn: pulumi.Input[str]
    """A logs key in us-east-1."""
    alerts_key_arn: pulumi.Input[str]
    """An alerts key in us-east-1."""
