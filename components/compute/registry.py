"""The image registry: an ECR repository per image the services run."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.shared.registry_policy import ecr_lifecycle_policy


def image_repository(image: str) -> tuple[str, str]:
    """('web-ui', ':1.0.0') for 'web-ui:1.0.0'; a digest keeps its '@sha256:...' form."""
    if "@" in image:
        name, digest = image.split("@", 1)
        return name, f"@{digest}"
    name, _, tag = image.partition(":")
    return name, f":{tag or 'latest'}"


@dataclass(frozen=True)
class ImageRepository:
    """What a workload needs of its image's repository."""

    arn: pulumi.Output[str]
    """Repository ARN, for pull permissions."""
    url: pulumi.Output[str]
    """Repository URL; the image reference appends the tag or digest."""


@dataclass(frozen=True)
class RegistryArgs:
    """Inputs of the registry."""

    kms_key_arn: pulumi.Input[str]
    """KMS key images are encrypted with."""
    repositories: Sequence[str] = ()
    """Repository names, one per image the blueprint's services run."""
    prefix: str = "finplatform"
    """Namespace of the repositories, e.g. finplatform-prod."""


class Registry(pulumi.ComponentResource):
    """An ECR repository per image: immutable tags, scan on push, KMS encryption, a lifecycle policy."""

    repositories: dict[str, aws.ecr.Repository]
    """The repositories by name."""

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:compute:Registry", name, None, opts)
        self.repositories = {}
        for repository in args.repositories:
            repo = aws.ecr.Repository(
                f"{name}-{repository}",
                aws.ecr.RepositoryArgs(
                    name=f"{args.prefix}/{repository}",
                    image_tag_mutability="IMMUTABLE",
                    image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
                    encryption_configurations=[
                        aws.ecr.RepositoryEncryptionConfigurationArgs(
                            encryption_type="KMS",
                            kms_key=args.kms_key_arn,
                        )
                    ],
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.ecr.LifecyclePolicy(
                f"{name}-{repository}-lifecycle",
                aws.ecr.LifecyclePolicyArgs(repository=repo.name, policy=json.dumps(ecr_lifecycle_policy())),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.repositories[repository] = repo
        self.register_outputs({n: r.repository_url for n, r in self.repositories.items()})

    def by_image(self) -> dict[str, ImageRepository]:
        """Each repository's ARN and URL, keyed by repository name."""
        return {n: ImageRepository(r.arn, r.repository_url) for n, r in self.repositories.items()}
