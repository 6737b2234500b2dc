"""Recovery layer: the backup vault, its lock, the daily plan and the DR copy."""

from collections.abc import Callable

from finplatform.tooling.plan import Plan


def test_vault_is_encrypted_with_the_backups_key(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN its primary and DR backup vaults reach the engine
    plan = planned("prod")
    vaults = {v.name: v for v in plan.named("aws:backup/vault:Vault")}
    # THEN the primary vault uses the backups key and the DR vault a key in the DR region
    assert vaults["recovery-vault"].inputs["kmsKeyArn"] == plan.outputs["keyArns"]["backups"]
    assert vaults["recovery-dr-vault"].inputs["kmsKeyArn"].startswith("arn:aws:kms:us-west-2:")


def test_prod_locks_the_vault_and_copies_to_the_dr_region(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod and dev stacks as planned WHEN their vault locks and backup plans reach the engine
    prod, dev = planned("prod"), planned("dev")
    # THEN prod locks its vault after 3 changeable days, keeps backups 30 days and copies them to the DR region
    (lock,) = prod.named("aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    assert lock.inputs["changeableForDays"] == 3
    (rule,) = prod.named("aws:backup/plan:Plan")[0].inputs["rules"]
    assert rule["lifecycle"]["deleteAfter"] == 30
    assert rule["copyActions"][0]["destinationVaultArn"].startswith("arn:aws:backup:us-west-2:")
    # AND dev has no lock, no copy, and keeps backups one day
    assert dev.named("aws:backup/vaultLockConfiguration:VaultLockConfiguration") == []
    (dev_rule,) = dev.named("aws:backup/plan:Plan")[0].inputs["rules"]
    assert "copyActions" not in dev_rule and dev_rule["lifecycle"]["deleteAfter"] == 1


def test_stateful_resources_are_selected_by_tag(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the backup selection reaches the engine
    plan = planned("prod")
    (selection,) = plan.named("aws:backup/selection:Selection")
    # THEN it selects by the prod-daily backup-plan tag
    (tag,) = selection.inputs["selectionTags"]
    assert (tag["key"], tag["value"]) == ("backup-plan", "prod-daily")
    # AND the database and the critical buckets carry that tag
    tagged = {r.name for r in plan.resources if (r.inputs.get("tags") or {}).get("backup-plan") == "prod-daily"}
    assert {"postgres-primary", "storage-portfolio-data", "storage-audit-trail"} <= tagged
