"""Stack config: profiles, overrides and every bad-config case the foundation issue lists."""

import json

import pytest

from finplatform.config import ConfigError
from finplatform.stack import resolve_stack
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
    stack = resolve_stack("dev", _raw(environment="dev"))
    assert (stack.profile.az_count, stack.profile.nat_strategy, stack.profile.multi_az) == (2, "single", False)
    assert stack.profile.deletion_protection is False
    assert stack.dr_region is None


def test_any_profile_value_can_be_overridden() -> None:
    # GIVEN a dev stack that asks for a NAT per AZ across three AZs
    stack = resolve_stack("dev", _raw(environment="dev", natStrategy="one-per-az", azCount=3, logRetentionDays=14))
    # THEN the override wins over the profile
    assert (stack.profile.nat_strategy, stack.profile.az_count, stack.profile.log_retention_days) == (
        "one-per-az",
        3,
        14,
    )
    assert len(stack.network.availability_zones) == 3


def test_blueprint_fields_can_be_overridden() -> None:
    stack = resolve_stack("prod", _raw(environment="prod", overrides=["services.web-ui.sizes.prod.max=6"]))
    (web_ui,) = [s for s in stack.blueprint.services if s.name == "web-ui"]
    assert web_ui.sizes.prod.max == 6


def test_tags_carry_the_six_standard_keys() -> None:
    stack = resolve_stack("dev", _raw(owner="risk-team", costCenter="cc-42"))
    assert stack.tags == {
        "project": "finplatform",
        "environment": "dev",
        "blueprint": "portfolio-analytics",
        "owner": "risk-team",
        "cost-center": "cc-42",
        "data-classification": "confidential",
    }


# --- each bad-config case fails before anything is declared, naming the file, the key and what is allowed


def test_unknown_key_is_rejected_with_the_allowed_keys() -> None:
    message = _rejected({"finplatform:vpcCdir": "10.0.0.0/16"})
    assert "finplatform:vpcCdir: unknown key" in message
    assert "finplatform:vpcCidr" in message


def test_key_in_a_foreign_namespace_is_rejected() -> None:
    # GIVEN a provider setting the program would ignore, since it declares its providers explicitly
    message = _rejected({"aws:profile": "admin"})
    # THEN it is refused, saying which keys are read
    assert "aws:profile: unknown key" in message and "aws:region" in message


def test_aws_region_is_the_primary_region() -> None:
    # GIVEN the region set the way every Pulumi AWS user sets it
    stack = resolve_stack("dev", {"aws:region": "eu-west-1"})
    # THEN the stack and its AZs are in that region
    assert stack.region == "eu-west-1"
    assert stack.network.availability_zones == ("eu-west-1a", "eu-west-1b")


def test_finplatform_region_is_kept_as_an_alias() -> None:
    # GIVEN an older stack file that sets only finplatform:region, or both keys to the same value
    # THEN either is the primary region
    assert resolve_stack("dev", _raw(region="eu-west-2")).region == "eu-west-2"
    assert resolve_stack("dev", {**_raw(region="eu-west-2"), "aws:region": "eu-west-2"}).region == "eu-west-2"


def test_region_defaults_to_us_east_1() -> None:
    assert resolve_stack("dev", {}).region == "us-east-1"


def test_aws_region_and_finplatform_region_that_differ_are_one_clear_error() -> None:
    # GIVEN both region keys, disagreeing
    message = _rejected({**_raw(region="eu-west-2"), "aws:region": "eu-west-1"})
    # THEN the message names the alias and says to set only aws:region
    assert "finplatform:region: 'eu-west-2' differs from aws:region ('eu-west-1'); set only aws:region" in message


def test_unknown_aws_region_is_rejected_naming_aws_region() -> None:
    message = _rejected({"aws:region": "mars-north-1"})
    assert "aws:region: unknown AWS region 'mars-north-1'" in message


def test_wrong_type_is_rejected() -> None:
    message = _rejected(_raw(azCount="three"))
    assert "finplatform:azCount" in message and "valid integer" in message and "'three'" in message


def test_invalid_cidr_is_rejected() -> None:
    message = _rejected(_raw(vpcCidr="10.0.0.1/16"))
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
    # GIVEN half of the DNS settings, or a malformed zone ID; THEN the message names the camelCase key
    message = _rejected(_raw(**keys))
    assert "finplatform:hostedZoneId: " in message and expected in message


def test_public_vpc_cidr_is_rejected() -> None:
    message = _rejected(_raw(vpcCidr="8.8.0.0/16"))
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
    # THEN the message names the faulty entry and why
    assert expected in _rejected(raw)


def test_min_greater_than_max_capacity_is_rejected() -> None:
    message = _rejected(_raw(overrides=["services.web-ui.sizes.dev.min=5"]))
    assert "finplatform:overrides[0]" in message
    assert "min capacity 5 is greater than max capacity 2" in message


def test_unknown_blueprint_is_rejected() -> None:
    message = _rejected(_raw(blueprint="options-trading"))
    assert "finplatform:blueprint" in message and "allowed: portfolio-analytics" in message


def test_unknown_environment_is_rejected() -> None:
    message = _rejected(_raw(environment="qa"))
    assert "finplatform:environment" in message and "'dev', 'staging' or 'prod'" in message


def test_instance_size_that_does_not_exist_is_rejected() -> None:
    message = _rejected(_raw(overrides=["postgres.sizes.dev.instanceClass=db.t3.huge"]))
    assert "finplatform:overrides[0]" in message and "'db.t3.huge' is not a known RDS instance class" in message
    assert "db.t3.medium" in message


def test_vpc_too_small_for_its_subnets_is_rejected() -> None:
    message = _rejected(_raw(vpcCidr="10.0.0.0/24"))
    assert "finplatform:vpcCidr" in message and "too small for its subnets" in message and "/21" in message


def test_fargate_size_that_does_not_exist_is_rejected() -> None:
    message = _rejected(_raw(overrides=["services.web-ui.sizes.dev.memory=700"]))
    assert "Fargate memory 700 MiB does not fit cpu 256" in message


def test_override_of_a_field_the_blueprint_lacks_is_rejected() -> None:
    message = _rejected(_raw(overrides=["services.trading-ui.sizes.dev.max=3"]))
    assert "no item 'trading-ui'" in message and "web-ui" in message


def test_several_mistakes_are_listed_in_one_message() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", _raw(azCount="three", natStrategy="two"))
    assert [p.key for p in caught.value.problems] == ["finplatform:azCount", "finplatform:natStrategy"]


def test_missing_stack_file_names_the_stacks_there_are() -> None:
    with pytest.raises(ConfigError) as caught:
        read_stack_file("qa")
    assert "Pulumi.qa.yaml" in str(caught.value) and "dev, prod, staging" in str(caught.value)


def test_stack_file_values_reach_the_program_as_the_cli_sends_them() -> None:
    raw, secrets = read_stack_file("prod")
    assert raw["finplatform:environment"] == "prod"
    assert raw["finplatform:subnetPrefixLength"] == "24", "project defaults are merged in, as text"
    assert raw["pulumi:disable-default-providers"] == '["aws"]'
    assert secrets == []


def test_stack_named_after_an_environment_defaults_to_it() -> None:
    # GIVEN a prod stack file that forgot finplatform:environment
    stack = resolve_stack("prod", _raw(owner="risk-team"))
    # THEN it gets the prod profile, not the dev default
    assert stack.environment == "prod" and stack.profile.protect_stateful_resources


def test_other_stack_names_must_set_the_environment() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_stack("eu-prod", _raw(owner="risk-team"))
    assert "Pulumi.eu-prod.yaml: finplatform:environment: required for stack 'eu-prod'" in str(caught.value)


def test_dr_region_must_differ_from_region_only_when_dr_is_on() -> None:
    assert resolve_stack("dev", _raw(region="us-west-2")).dr_region is None
    message = _rejected(_raw(region="us-west-2"), stack="prod")
    assert "finplatform:drRegion: must differ from region (us-west-2)" in message


def test_bad_usage_assumption_is_rejected() -> None:
    message = _rejected(_raw(usage=["natProcessedGb=lots"]))
    assert "finplatform:usage[0]: natProcessedGb needs a number" in message
