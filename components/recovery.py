"""Recovery layer: an AWS Backup vault (KMS-encrypted, locked in prod), a daily plan with the profile's
retention and, in prod, a copy to a vault in the DR region; resources are selected by tag."""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.providers import Placement
from components.shared.iam import attach_managed, service_role
from finplatform.resilience import backup_schedule

BACKUP_TAG = "backup-plan"
# AWS-managed policies for the AWS Backup service role: AWS Backup needs service-wide rights over every
# resource it protects, which no customer policy can list ahead of time.
BACKUP_POLICIES = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Backup",
    "AWSBackupServiceRolePolicyForS3Restore",
)
LOCK_MIN_DAYS = 7
LOCK_MAX_DAYS = 3650
LOCK_GRACE_DAYS = 3  # after these days the lock can no longer be removed, by anyone


def backup_tag(stack: str) -> dict[str, str]:
    """The tag that puts a resource into the stack's daily backup plan."""
    return {BACKUP_TAG: f"{stack}-daily"}


@dataclass(frozen=True)
class RecoveryArgs:
    """Inputs of the recovery layer."""

    stack: str
    """The stack's name: its backup-plan tag is <stack>-daily."""
    placement: Placement
    """Primary region's provider, region and account."""
    backups_key_arn: pulumi.Input[str]
    """KMS key of the vault."""
    retention_days: int = 7
    """Days each recovery point is kept, in both vaults."""
    locked: bool = False
    """Lock the vault in compliance mode (prod)."""
    protect: bool = False
    """Pulumi protect on the vaults."""
    dr_placement: Placement | None = None
    """The DR region, where each backup is copied; none without DR."""
    dr_backups_key_arn: pulumi.Input[str] | None = None
    """The DR region's backups key."""
    period_hours: int = 24
    """Hours between backups: with DR, the longest period whose copy still meets the RPO
    (finplatform.resilience.backup_period_hours)."""


class Recovery(pulumi.ComponentResource):
    """AWS Backup for the stack's stateful resources."""

    vault_arn: pulumi.Output[str]
    """The primary vault's ARN."""

    def __init__(self, name: str, args: RecoveryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:recovery:Recovery", name, None, opts)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        vault = aws.backup.Vault(f"{name}-vault", aws.backup.VaultArgs(kms_key_arn=args.backups_key_arn), opts=stateful)
        copy_actions = None
        if args.dr_placement is not None:
            dr_vault = aws.backup.Vault(
                f"{name}-dr-vault",
                aws.backup.VaultArgs(kms_key_arn=args.dr_backups_key_arn),
                opts=pulumi.ResourceOptions.merge(
                    stateful, pulumi.ResourceOptions(provider=args.dr_placement.provider)
                ),
            )
            copy_actions = [
                aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=dr_vault.arn,
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(delete_after=args.retention_days),
                )
            ]
        if args.locked:
            # Vault lock in compliance mode: once the grace period ends, nobody can shorten retention or delete.
            aws.backup.VaultLockConfiguration(
                f"{name}-vault-lock",
                aws.backup.VaultLockConfigurationArgs(
                    backup_vault_name=vault.name,
                    min_retention_days=min(LOCK_MIN_DAYS, args.retention_days),
                    max_retention_days=LOCK_MAX_DAYS,
                    changeable_for_days=LOCK_GRACE_DAYS,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        plan = aws.backup.Plan(
            f"{name}-plan",
            aws.backup.PlanArgs(
                rules=[
                    aws.backup.PlanRuleArgs(
                        rule_name="daily" if args.period_hours >= 24 else f"every-{args.period_hours}-hours",
                        target_vault_name=vault.name,
                        schedule=backup_schedule(args.period_hours),
                        start_window=60,
                        completion_window=360,
                        lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=args.retention_days),
                        copy_actions=copy_actions,
                    )
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        role = service_role(f"{name}-role", "backup.amazonaws.com", args.placement, "AWS Backup service role", self)
        for position, policy in enumerate(BACKUP_POLICIES):
            attach_managed(f"{name}-role-policy-{position + 1}", role, args.placement.partition, policy, self)
        ((key, value),) = backup_tag(args.stack).items()
        aws.backup.Selection(
            f"{name}-selection",
            aws.backup.SelectionArgs(
                iam_role_arn=role.arn,
                plan_id=plan.id,
                selection_tags=[aws.backup.SelectionSelectionTagArgs(type="STRINGEQUALS", key=key, value=value)],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.vault_arn = vault.arn
        self.register_outputs({"vaultArn": self.vault_arn})
