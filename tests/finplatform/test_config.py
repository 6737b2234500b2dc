"""Stack config: profiles, overrides and every bad-config case the foundation issue lists."""

import json
from collections.abc import Callable

import pytest

from finplatform.config import ConfigError
from finplatform.stack import resolve_stack
from finplatform.tooling.plan import Plan
from finplatform.tooling.stack_files import read_stack_file


def _raw(**keys: object) -> dict[str, str]:
    """A config map as the engine hands it over: finplatform:<key> -> text (JSON for lists)."""
    return {f"finplatform:{k}": json.dumps(v) if isinstance(v, list) else str(v) for k, v in keys.items()}


def _rejected(raw: dict[str, str], stack: str = "dev") -> str:
    with pytest.raises(ConfigError) as caught:
        resolve_stack(stack, raw)
    message = str(caught.value)
    assert message.startswith(f"invalid configuration in Pulumi.{stack}.yaml: ")
    assert "\n" not in message, "a single mistake gives a single-line message"
    return message


def test_prod_profile_has_three_azs_nat_per_az_and_dr() -> None:
    # GIVEN only the environment
    # WHEN the stack resolves
    stack = resolve_stack("prod", _raw(environment="prod"))
    # THEN the prod profile applies
    assert stack.profile.az_count == 3
    assert stack.profile.nat_strategy == "one-per-az"
    assert stack.profile.backup_retention_days == 30
    assert stack.profile.protect_stateful_resources and stack.profile.deletion_protection
    assert stack.dr_region == "us-west-2"
    assert stack.network.subnets["private"] == ("10.0.11.0/24", "10.0.12.0/24", "10.0.13.0/24")


def test_dev_profile_is_cheap_and_has_no_dr() -> None:
    # GIVEN only the environment WHEN a dev stack resolves
    stack = resolve_stack("dev", _raw(environment="dev"))
    # THEN the dev profile applies: two AZs, one NAT gateway, no Multi-AZ, no deletion protection and no DR region
    assert (stack.profile.az_count, stack.profile.nat_strategy, stack.profile.multi_az) == (2, "single", False)
    assert stack.profile.deletion_protection is False
    assert stack.dr_region is None


def test_any_profile_value_can_be_overridden() -> None:
    # GIVEN a dev stack that asks for a NAT per AZ across three AZs WHEN it resolves
    stack = resolve_stack("dev", _raw(environment="dev", natStrategy="one-per-az", azCount=3, logRetentionDays=14))
    # THEN the override wins over the profile
    assert (stack.profile.nat_strategy, stack.profile.az_count, stack.profile.log_retention_days) == (
        "one-per-az",
        3,
        14,
    )
    assert len(stack.network.availability_zones) == 3


def test_blueprint_fields_can_be_overridden() -> None:
    # GIVEN a prod stack whose overrides raise web-ui's prod max capacity to 6 WHEN it resolves
    stack = resolve_stack("prod", _raw(environment="prod", overrides=["services.web-ui.sizes.prod.max=6"]))
    # THEN the blueprint's web-ui service has that max
    (web_ui,) = [s for s in stack.blueprint.services if s.name == "web-ui"]
    assert web_ui.sizes.prod.max == 6


def test_tags_carry_the_six_standard_keys_and_the_stack() -> None:
    # GIVEN a dev stack that sets only an owner and a cost center WHEN it resolves
    stack = resolve_stack("dev", _raw(owner="risk-team", costCenter="cc-42"))
    # THEN its tags are the six standard keys, with the defaults for the rest, and the stack (its cost tag)
    assert stack.tags == {
        "project": "finplatform",
        "stack": "dev",
        "environment": "dev",
        "blueprint": "portfolio-analytics",
        "owner": "risk-team",
        "cost-center": "cc-42",
        "data-classification": "confidential",
    }


# --- each bad-config case fails before anything is declared, naming the file, the key and what is allowed


def test_unknown_key_is_rejected_with_the_allowed_keys() -> None:
    # GIVEN a misspelt key, vpcCdir WHEN the stack resolves
    message = _rejected({"finplatform:vpcCdir": "10.0.0.0/16"})
    # THEN it is rejected as unknown, and the message lists the allowed keys, among them vpcCidr
    assert "finplatform:vpcCdir: unknown key" in message
    assert "finplatform:vpcCidr" in message


def test_key_in_a_foreign_namespace_is_rejected() -> None:
    # GIVEN a provider setting the program would ignore, since it declares its providers explicitly
    # WHEN the stack resolves
    message = _rejected({"aws:profile": "admin"})
    # THEN it is refused, saying which keys are read
    assert "aws:profile: unknown key" in message and "aws:region" in message


def test_aws_region_is_the_primary_region() -> None:
    # GIVEN the region set the way every Pulumi AWS user sets it WHEN a dev stack resolves
    stack = resolve_stack("dev", {"aws:region": "eu-west-1"})
    # THEN the stack and its AZs are in that region
    assert stack.region == "eu-west-1"
    assert stack.network.availability_zones == ("eu-west-1a", "eu-west-1b")


def test_finplatform_region_is_kept_as_an_alias() -> None:
    # GIVEN an older stack file that sets only finplatform:region, or both keys to the same value
    # WHEN each resolves
    # THEN either is the primary region
    assert resolve_stack("dev", _raw(region="eu-west-2")).region == "eu-west-2"
    assert resolve_stack("dev", {**_raw(region="eu-west-2"), "aws:region": "eu-west-2"}).region == "eu-west-2"


def test_region_defaults_to_us_east_1() -> None:
    # GIVEN a dev stack with no region set WHEN it resolves
    # THEN its region is us-east-1
    assert resolve_stack("dev", {}).region == "us-east-1"


def test_aws_region_and_finplatform_region_that_differ_are_one_clear_error() -> None:
    # GIVEN both region keys, disagreeing WHEN the stack resolves
    message = _rejected({**_raw(region="eu-west-2"), "aws:region": "eu-west-1"})
    # THEN the message names the alias and says to set only aws:region
    assert "finplatform:region: 'eu-west-2' differs from aws:region ('eu-west-1'); set only aws:region" in message


def test_unknown_aws_region_is_rejected_naming_aws_region() -> None:
    # GIVEN an aws:region that does not exist WHEN the stack resolves
    message = _rejected({"aws:region": "mars-north-1"})
    # THEN it is rejected under aws:region, naming the value
    assert "aws:region: unknown AWS region 'mars-north-1'" in message


def test_wrong_type_is_rejected() -> None:
    # GIVEN azCount set to text WHEN the stack resolves
    message = _rejected(_raw(azCount="three"))
    # THEN it is rejected under azCount, saying it needs an integer and quoting the value
    assert "finplatform:azCount" in message and "valid integer" in message and "'three'" in message


def test_invalid_cidr_is_rejected() -> None:
    # GIVEN a VPC CIDR with host bits set WHEN the stack resolves
    message = _rejected(_raw(vpcCidr="10.0.0.1/16"))
    # THEN it is rejected under vpcCidr, suggesting the network address 10.0.0.0/16
    assert "finplatform:vpcCidr" in message and "host bits set" in message and "10.0.0.0/16" in message


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"domainName": "portfolio.example.com"}, "go together"),
        ({"hostedZoneId": "Z0123456789EXAMPLE"}, "go together"),
        ({"domainName": "portfolio.example.com", "hostedZoneId": "zone-1"}, "not a Route 53 hosted zone ID"),
    ],
)
def test_domain_and_hosted_zone_are_set_together_and_the_zone_id_is_checked(
    keys: dict[str, str], expected: str
) -> None:
    # GIVEN half of the DNS settings, or a malformed zone ID WHEN the stack resolves
    message = _rejected(_raw(**keys))
    # THEN the message names the camelCase key
    assert "finplatform:hostedZoneId: " in message and expected in message


def test_public_vpc_cidr_is_rejected() -> None:
    # GIVEN a public VPC range WHEN the stack resolves
    message = _rejected(_raw(vpcCidr="8.8.0.0/16"))
    # THEN it is rejected under vpcCidr as not a private range
    assert "finplatform:vpcCidr" in message and "private range" in message


@pytest.mark.parametrize(
    ("private", "expected"),
    [
        (["10.0.1.128/25", "10.0.12.0/24"], "finplatform:privateSubnetCidrs[0]: 10.0.1.128/25 overlaps 10.0.1.0/24"),
        (["10.0.11.0/24", "10.1.12.0/24"], "finplatform:privateSubnetCidrs[1]: 10.1.12.0/24 is outside the VPC"),
    ],
    ids=["overlapping", "outside-the-vpc"],
)
def test_explicit_subnet_cidrs_must_fit_the_vpc_without_overlap(private: list[str], expected: str) -> None:
    # GIVEN explicit CIDRs for the three tiers, one of them wrong
    raw = _raw(
        publicSubnetCidrs=["10.0.1.0/24", "10.0.2.0/24"],
        privateSubnetCidrs=private,
        isolatedSubnetCidrs=["10.0.21.0/24", "10.0.22.0/24"],
    )
    # WHEN the stack resolves THEN the message names the faulty entry and why
    assert expected in _rejected(raw)


def test_min_greater_than_max_capacity_is_rejected() -> None:
    # GIVEN an override that sets web-ui's dev min above its max WHEN the stack resolves
    message = _rejected(_raw(overrides=["services.web-ui.sizes.dev.min=5"]))
    # THEN the override is blamed by position, with both capacities
    assert "finplatform:overrides[0]" in message
    assert "min capacity 5 is greater than max capacity 2" in message


def test_unknown_blueprint_is_rejected() -> None:
    # GIVEN a blueprint that does not exist WHEN the stack resolves
    message = _rejected(_raw(blueprint="options-trading"))
    # THEN it is rejected under blueprint, listing the five there are
    allowed = "allowed: accunode, data-pipeline, dex-mobile, portfolio-analytics, smart-0dte"
    assert "finplatform:blueprint" in message and allowed in message


def test_unknown_environment_is_rejected() -> None:
    # GIVEN an environment that does not exist WHEN the stack resolves
    message = _rejected(_raw(environment="qa"))
    # THEN it is rejected under environment, listing dev, staging and prod
    assert "finplatform:environment" in message and "'dev', 'staging' or 'prod'" in message


def test_instance_size_that_does_not_exist_is_rejected() -> None:
    # GIVEN an override to an RDS instance class that does not exist WHEN the stack resolves
    message = _rejected(_raw(overrides=["postgres.sizes.dev.instanceClass=db.t3.huge"]))
    # THEN the override is blamed by position, naming the class and suggesting one that exists
    assert "finplatform:overrides[0]" in message and "'db.t3.huge' is not a known RDS instance class" in message
    assert "db.t3.medium" in message


def test_vpc_too_small_for_its_subnets_is_rejected() -> None:
    # GIVEN a /24 VPC, too small for two AZs of three /24 tiers WHEN the stack resolves
    message = _rejected(_raw(vpcCidr="10.0.0.0/24"))
    # THEN it is rejected under vpcCidr, naming the /21 it needs
    assert "finplatform:vpcCidr" in message and "too small for its subnets" in message and "/21" in message


def test_fargate_size_that_does_not_exist_is_rejected() -> None:
    # GIVEN an override to a Fargate memory that does not fit the CPU WHEN the stack resolves
    message = _rejected(_raw(overrides=["services.web-ui.sizes.dev.memory=700"]))
    # THEN the message says which memory does not fit which CPU
    assert "Fargate memory 700 MiB does not fit cpu 256" in message


def test_override_of_a_field_the_blueprint_lacks_is_rejected() -> None:
    # GIVEN an override of a service the blueprint does not have WHEN the stack resolves
    message = _rejected(_raw(overrides=["services.trading-ui.sizes.dev.max=3"]))
    # THEN the message names the missing item and the services there are
    assert "no item 'trading-ui'" in message and "web-ui" in message


def test_several_mistakes_are_listed_in_one_message() -> None:
    # GIVEN two bad values at once WHEN the stack resolves
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", _raw(azCount="three", natStrategy="two"))
    # THEN both keys are reported, in order, in one error
    assert [p.key for p in caught.value.problems] == ["finplatform:azCount", "finplatform:natStrategy"]


def test_missing_stack_file_names_the_stacks_there_are() -> None:
    # GIVEN a stack name with no stack file WHEN its file is read
    with pytest.raises(ConfigError) as caught:
        read_stack_file("qa")
    # THEN the error names the missing file and the stacks there are
    assert "Pulumi.qa.yaml" in str(caught.value)
    assert "accunode-dev, accunode-prod" in str(caught.value) and "smart-0dte-staging, staging" in str(caught.value)


def test_stack_file_values_reach_the_program_as_the_cli_sends_them() -> None:
    # GIVEN the prod stack file WHEN it is read as the CLI reads it
    raw, secrets = read_stack_file("prod")
    # THEN values arrive as text, with the project defaults merged in and default providers disabled
    assert raw["finplatform:environment"] == "prod"
    assert raw["finplatform:subnetPrefixLength"] == "24", "project defaults are merged in, as text"
    assert raw["pulumi:disable-default-providers"] == '["aws"]'
    # AND no secret is listed
    assert secrets == []


def test_stack_named_after_an_environment_defaults_to_it() -> None:
    # GIVEN a prod stack file that forgot finplatform:environment WHEN it resolves
    stack = resolve_stack("prod", _raw(owner="risk-team"))
    # THEN it gets the prod profile, not the dev default
    assert stack.environment == "prod" and stack.profile.protect_stateful_resources


def test_other_stack_names_must_set_the_environment() -> None:
    # GIVEN a stack named neither dev, staging nor prod that omits the environment WHEN it resolves
    with pytest.raises(ConfigError) as caught:
        resolve_stack("eu-prod", _raw(owner="risk-team"))
    # THEN it is rejected, naming the file and the key
    assert "Pulumi.eu-prod.yaml: finplatform:environment: required for stack 'eu-prod'" in str(caught.value)


def test_dr_region_must_differ_from_region_only_when_dr_is_on() -> None:
    # GIVEN the primary region set to us-west-2, the DR default WHEN a dev stack and a prod stack resolve
    # THEN dev, which has no DR, accepts it
    assert resolve_stack("dev", _raw(region="us-west-2")).dr_region is None
    # AND prod, which has DR, rejects it under drRegion
    message = _rejected(_raw(region="us-west-2"), stack="prod")
    assert "finplatform:drRegion: must differ from region (us-west-2)" in message


def test_bad_usage_assumption_is_rejected() -> None:
    # GIVEN a usage assumption whose value is not a number WHEN the stack resolves
    message = _rejected(_raw(usage=["natProcessedGb=lots"]))
    # THEN it is rejected by position, saying a number is needed
    assert "finplatform:usage[0]: natProcessedGb needs a number" in message


@pytest.mark.parametrize(("environment", "days"), [("dev", 7), ("staging", 30), ("prod", 30)])
def test_secret_recovery_window_is_decided_once_by_the_profile(environment: str, days: int) -> None:
    # GIVEN an environment's profile, and the same profile with deletion protection switched over
    # WHEN both stacks resolve
    stack = resolve_stack(environment, _raw(environment=environment))
    flipped = resolve_stack(
        environment, _raw(environment=environment, deletionProtection=str(environment == "dev").lower())
    )
    # THEN deleted secrets stay restorable 30 days where stateful resources are deletion-protected, else 7
    assert stack.profile.secret_recovery_window_days == days
    assert flipped.profile.secret_recovery_window_days == 37 - days


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_secret_takes_the_profiles_recovery_window(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack planned, with its application secrets, the Redis token and any other secret
    plan = planned(stack)
    # WHEN its Secrets Manager secrets reach the engine
    secrets = plan.named("aws:secretsmanager/secret:Secret")
    assert len(secrets) >= 4
    # THEN every one of them uses the window the profile decides
    expected = resolve_stack(stack, read_stack_file(stack)[0]).profile.secret_recovery_window_days
    assert {s.name: s.inputs["recoveryWindowInDays"] for s in secrets} == {s.name: expected for s in secrets}


@pytest.mark.parametrize(
    ("stack", "keys", "key", "expected"),
    [
        ("prod", {"environment": "prod", "drTier": "backup-restore"}, "drTier", "below pilot-light"),
        ("prod", {"environment": "prod", "drTier": "multi-site"}, "drTier", "not built by this platform"),
        ("prod", {"environment": "prod", "drTier": "warm-standby"}, "domainName", "fails over through Route 53"),
        ("prod", {"environment": "prod", "drTier": "cold"}, "drTier", "'backup-restore'"),
        ("dev", {"activeRegion": "dr"}, "activeRegion", "drEnabled false"),
        ("dev", {"drTier": "pilot-light"}, "drTier", "needs a DR region"),
        ("prod", {"environment": "prod", "activeRegion": "west"}, "activeRegion", "'primary' or 'dr'"),
        (
            "accunode-prod",
            {"environment": "prod", "blueprint": "accunode", "activeRegion": "dr"},
            "drRestoreSnapshotArn",
            "no DR replica to promote",
        ),
        ("prod", {"environment": "prod", "drRestoreSnapshotArn": "snap-1"}, "drRestoreSnapshotArn", "pattern"),
    ],
    ids=[
        "tier-below-objectives",
        "multi-site",
        "warm-standby-without-domain",
        "unknown-tier",
        "failover-without-dr",
        "tier-without-dr",
        "unknown-active-region",
        "restore-without-snapshot",
        "malformed-snapshot",
    ],
)
def test_dr_settings_a_stack_cannot_have_are_rejected_by_key(
    stack: str, keys: dict[str, str], key: str, expected: str
) -> None:
    # GIVEN a DR setting the stack cannot have WHEN it resolves
    message = _rejected(_raw(**keys), stack)
    # THEN one line names the stack file, the key and why
    assert f"finplatform:{key}: " in message and expected in message, message
