"""The DR layer's own resources: image replication to the DR region and DNS failover between the regions.

The standby's compute and edge are the compute and edge layers' components declared a second time in the DR
region (components/build/standby.py); what only DR needs lives here.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.providers import Placement
from components.shared.iam import role_with_policy
from components.shared.registry_policy import ecr_lifecycle_policy

# Route 53 health checks: every 10 seconds (the "fast" interval), three failures in a row declare the primary
# unhealthy, so detection takes about 30 seconds.
HEALTH_CHECK_INTERVAL_SECONDS = 10
HEALTH_CHECK_FAILURES = 3
FAILOVER_ROLES = ("PRIMARY", "SECONDARY")


def creation_template_policy(key_arn: str) -> dict[str, Any]:
    """What ECR needs to create a replicated repository encrypted with the DR region's key."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EncryptReplicatedRepositories",
                "Effect": "Allow",
                "Action": ["kms:CreateGrant", "kms:DescribeKey", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": key_arn,
            }
        ],
    }


@dataclass(frozen=True)
class ImageReplicationArgs:
    """Inputs of the image replication."""

    repository_prefix: str
    """The stack's repositories start with it (finplatform-<stack>/); only they are replicated."""
    dr: Placement
    """The DR region, where the replicas are created."""
    dr_key_arn: pulumi.Input[str]
    """The DR region's data key, which encrypts the replicated repositories."""


class ImageReplication(pulumi.ComponentResource):
    """ECR cross-region replication of the stack's repositories, and the creation template that gives the DR
    region's copies the primary's settings (immutable tags, KMS, lifecycle). ECR keeps one replication
    configuration per registry, so a second stack in the same account would overwrite it: the platform
    assumes an account per workload and environment, as AWS's multi-account guidance does."""

    def __init__(self, name: str, args: ImageReplicationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:dr:ImageReplication", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        in_dr = pulumi.ResourceOptions(parent=self, provider=args.dr.provider)
        aws.ecr.ReplicationConfiguration(
            f"{name}-configuration",
            aws.ecr.ReplicationConfigurationArgs(
                replication_configuration=aws.ecr.ReplicationConfigurationReplicationConfigurationArgs(
                    rules=[
                        aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgs(
                            destinations=[
                                aws.ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs(
                                    region=args.dr.region, registry_id=args.dr.account_id
                                )
                            ],
                            repository_filters=[
                                aws.ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs(
                                    filter=args.repository_prefix, filter_type="PREFIX_MATCH"
                                )
                            ],
                        )
                    ]
                )
            ),
            opts=child,
        )
        # A customer-managed key in a creation template needs a role ECR creates the repositories with.
        role, _ = role_with_policy(
            f"{name}-template-role",
            f"{name}-template-policy",
            "ecr.amazonaws.com",
            args.dr,
            "ECR creates replicated repositories encrypted with the DR key",
            document=pulumi.Output.from_input(args.dr_key_arn).apply(
                lambda key: json.dumps(creation_template_policy(key))
            ),
            parent=self,
        )
        aws.ecr.RepositoryCreationTemplate(
            f"{name}-template",
            aws.ecr.RepositoryCreationTemplateArgs(
                prefix=args.repository_prefix.rstrip("/"),
                applied_fors=["REPLICATION"],
                description="Replicated copies of the stack's repositories",
                image_tag_mutability="IMMUTABLE",
                encryption_configurations=[
                    aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(
                        encryption_type="KMS", kms_key=args.dr_key_arn
                    )
                ],
                lifecycle_policy=json.dumps(ecr_lifecycle_policy()),
                custom_role_arn=role.arn,
            ),
            opts=in_dr,
        )
        self.register_outputs({})


@dataclass(frozen=True)
class Target:
    """A region's load balancer as an alias target."""

    dns_name: pulumi.Input[str]
    """The load balancer's DNS name."""
    zone_id: pulumi.Input[str]
    """Its canonical hosted zone."""
    region: str
    """The region, which names the record's set identifier."""


def failover_roles(active_region: str) -> tuple[str, str]:
    """(primary region's role, DR region's role): the DR region answers first once the stack has failed over."""
    return FAILOVER_ROLES if active_region == "primary" else (FAILOVER_ROLES[1], FAILOVER_ROLES[0])


@dataclass(frozen=True)
class FailoverDnsArgs:
    """Inputs of the DNS failover."""

    zone_id: str
    """The Route 53 hosted zone of the stack's domain."""
    names: Sequence[str]
    """The names that fail over (CloudFront's origin name for the load balancer)."""
    primary: Target
    """The primary region's load balancer."""
    standby: Target | None
    """The DR region's load balancer; None before a pilot light's failover creates it (the primary record then
    stands alone, as Route 53 allows)."""
    health_path: str
    """The path the primary load balancer answers health checks on (its default service's health path)."""
    active_region: str = "primary"
    """primary, or dr after a failover: the DR record becomes the primary one and the primary region's leaves
    rotation until the failback."""


class FailoverDns(pulumi.ComponentResource):
    """Route 53 failover records per name: the primary region's load balancer with an HTTPS health check on its
    health path, the DR region's as the secondary (answering when the check fails)."""

    health_check_id: pulumi.Output[str]
    """The primary load balancer's health check."""

    def __init__(self, name: str, args: FailoverDnsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:dr:FailoverDns", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        check = aws.route53.HealthCheck(
            f"{name}-primary-check",
            aws.route53.HealthCheckArgs(
                type="HTTPS",
                fqdn=args.primary.dns_name,
                port=443,
                resource_path=args.health_path,
                request_interval=HEALTH_CHECK_INTERVAL_SECONDS,
                failure_threshold=HEALTH_CHECK_FAILURES,
                enable_sni=True,
                tags={"Name": f"{name}-primary-{args.primary.region}"},
            ),
            opts=child,
        )
        primary_role, standby_role = failover_roles(args.active_region)
        for position, record_name in enumerate(args.names):
            suffix = "" if position == 0 else f"-{position + 1}"
            targets: list[tuple[Target, str, pulumi.Output[str] | None]] = [(args.primary, primary_role, check.id)]
            if args.standby is not None:
                targets.append((args.standby, standby_role, None))
            for target, role, health in targets:
                aws.route53.Record(
                    f"{name}{suffix}-{target.region}",
                    aws.route53.RecordArgs(
                        zone_id=args.zone_id,
                        name=record_name,
                        type="A",
                        set_identifier=target.region,
                        failover_routing_policies=[aws.route53.RecordFailoverRoutingPolicyArgs(type=role)],
                        health_check_id=health,
                        aliases=[
                            aws.route53.RecordAliasArgs(
                                name=target.dns_name, zone_id=target.zone_id, evaluate_target_health=True
                            )
                        ],
                    ),
                    opts=child,
                )
        self.health_check_id = check.id
        self.register_outputs({"healthCheckId": check.id})
