"""Lambda code signing: the AWS Signer profile a stack's functions must be signed with, the code-signing config
that holds Lambda to it (enforced in prod), and the signing job that signs the placeholder package where Lambda
would refuse it unsigned."""

import re
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from finplatform.profiles import Environment

SIGNING_PLATFORM = "AWSLambda-SHA384-ECDSA"  # the AWS Signer platform for Lambda packages
SIGNING_PROFILE_NAME_MAX = 64  # Signer profile names: letters, digits and underscores, at most 64
SIGNING_NAME_SUFFIX = 26  # the unique suffix the provider appends to a name prefix
CodeSigningPolicy = Literal["Enforce", "Warn"]


def code_signing_policy(environment: Environment) -> CodeSigningPolicy:
    """What Lambda does with a package no allowed signing profile signed: refuse it in prod, warn elsewhere (so a
    developer can still deploy an unsigned build to dev)."""
    return "Enforce" if environment == "prod" else "Warn"


def signing_profile_prefix(prefix: str) -> str:
    """A Signer profile name prefix for the stack: Signer names allow only letters, digits and underscores, and
    the provider appends a unique suffix within the 64 characters."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", prefix)
    return cleaned[: SIGNING_PROFILE_NAME_MAX - SIGNING_NAME_SUFFIX - 1].rstrip("_") + "_"


def signing_config(
    name: str, prefix: str, policy: CodeSigningPolicy, parent: pulumi.Resource
) -> tuple[aws.signer.SigningProfile, pulumi.Output[str]]:
    """The signing profile the functions' packages must be signed with, and the ARN of the code-signing config
    that names it as the only allowed publisher."""
    child = pulumi.ResourceOptions(parent=parent)
    profile = aws.signer.SigningProfile(
        f"{name}-signing",
        aws.signer.SigningProfileArgs(platform_id=SIGNING_PLATFORM, name_prefix=signing_profile_prefix(prefix)),
        opts=child,
    )
    config = aws.lambda_.CodeSigningConfig(
        f"{name}-code-signing",
        aws.lambda_.CodeSigningConfigArgs(
            description=f"Packages of {prefix}'s functions must be signed by its signing profile.",
            allowed_publishers=aws.lambda_.CodeSigningConfigAllowedPublishersArgs(
                signing_profile_version_arns=[profile.version_arn]
            ),
            policies=aws.lambda_.CodeSigningConfigPoliciesArgs(untrusted_artifact_on_deployment=policy),
        ),
        opts=child,
    )
    return profile, config.arn


def signed_package(
    prefix: str,
    function: str,
    code: pulumi.Archive,
    *,
    bucket: pulumi.Input[str],
    profile_name: Any,
    parent: pulumi.Resource,
) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """The package uploaded to ``bucket`` (versioned: Signer signs an object version) and signed there by an AWS
    Signer job with the profile: (bucket, key) of the signed copy."""
    child = pulumi.ResourceOptions(parent=parent)
    unsigned = aws.s3.BucketObjectv2(
        f"{prefix}-package",
        aws.s3.BucketObjectv2Args(bucket=bucket, key=f"functions/{function}/placeholder.zip", source=code),
        opts=child,
    )
    job = aws.signer.SigningJob(
        f"{prefix}-signing-job",
        aws.signer.SigningJobArgs(
            profile_name=profile_name,
            source=aws.signer.SigningJobSourceArgs(
                s3=aws.signer.SigningJobSourceS3Args(bucket=bucket, key=unsigned.key, version=unsigned.version_id)
            ),
            destination=aws.signer.SigningJobDestinationArgs(
                s3=aws.signer.SigningJobDestinationS3Args(bucket=bucket, prefix=f"functions/{function}/signed/")
            ),
            ignore_signing_job_failure=False,
        ),
        opts=child,
    )
    signed = job.signed_objects.apply(lambda objects: objects[0].s3s[0] if objects and objects[0].s3s else None)
    return (
        signed.apply(lambda s3: (s3.bucket if s3 else None) or ""),
        signed.apply(lambda s3: (s3.key if s3 else None) or ""),
    )
