"""Secrets Manager secrets: every secret of the platform, generated or filled in by an operator, comes from here."""

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_random as random


def store_secret(
    name: str,
    secret_name: str,
    description: str,
    kms_key_arn: pulumi.Input[str],
    *,
    recovery_window_days: int,
    parent: pulumi.Resource,
    protect: bool,
    generate: int | None = None,
    replicas: Sequence[aws.secretsmanager.SecretReplicaArgs] | None = None,
    tags: Mapping[str, str] | None = None,
) -> tuple[aws.secretsmanager.Secret, random.RandomPassword | None]:
    """A Secrets Manager secret encrypted with ``kms_key_arn``; with ``generate``, a random value of that many
    characters is made at deploy time and stored as its first version (held by Pulumi only as a secret). ``tags``
    say how it is rotated (``components.shared.rotation.rotation_tags``). A rotation later moves AWSCURRENT to
    a new version; the first one stays as Pulumi declared it, so a later deploy does not put the old value back."""
    secret = aws.secretsmanager.Secret(
        name,
        aws.secretsmanager.SecretArgs(
            name=secret_name,
            description=description,
            kms_key_id=kms_key_arn,
            recovery_window_in_days=recovery_window_days,
            replicas=list(replicas) if replicas else None,
            tags=dict(tags) if tags else None,
        ),
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    if generate is None:
        return secret, None
    value = random.RandomPassword(
        f"{name}-value",
        random.RandomPasswordArgs(length=generate, special=False),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.secretsmanager.SecretVersion(
        f"{name}-version",
        aws.secretsmanager.SecretVersionArgs(secret_id=secret.id, secret_string=value.result),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return secret, value
