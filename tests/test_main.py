"""The program itself, planned for each stack of this repository."""

import json
import runpy
from collections import Counter
from collections.abc import Callable

import pulumi
import pytest

from finplatform import ROOT
from finplatform.tooling.mocks import install_mocks, run_declarations
from finplatform.tooling.plan import Plan
from finplatform.tooling.remote_components import DerivedResource

STACKS = ("dev", "staging", "prod")
# The six standard tags and the stack's name, which Budgets and Cost Anomaly Detection filter on.
STANDARD_TAGS = {"project", "environment", "blueprint", "owner", "cost-center", "data-classification", "stack"}


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_plans_the_network_and_keys_layers(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack as planned WHEN its components, keys and outputs reach the engine
    plan = planned(stack)
    counts = plan.by_type()
    # THEN there is one network (two in prod, with the DR one), the keys layer with at least four keys, and the
    # network and key outputs
    assert counts["finplatform:network:Network"] == (2 if stack == "prod" else 1)  # prod adds the DR network
    assert counts["finplatform:keys:Keys"] >= 1
    assert counts["aws:kms/key:Key"] >= 4
    assert set(plan.outputs) >= {"vpcId", "publicSubnetIds", "privateSubnetIds", "isolatedSubnetIds", "keyArns"}


def _vpc_parts(plan: Plan, vpc_name: str, type_: str) -> list[DerivedResource]:
    (vpc,) = [r for r in plan.named("awsx:ec2:Vpc") if r.name == vpc_name]
    return [d for d in plan.derived[vpc.urn] if d.type == type_]


def test_prod_plans_three_azs_by_three_tiers_with_a_nat_per_az(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the parts derived for its primary awsx VPC are listed
    plan = planned("prod")
    # THEN there are three NAT gateways and nine subnets, three per AZ and three per tier
    assert len(_vpc_parts(plan, "network-vpc", "aws:ec2/natGateway:NatGateway")) == 3
    subnets = _vpc_parts(plan, "network-vpc", "aws:ec2/subnet:Subnet")
    assert Counter(d.inputs["availabilityZone"] for d in subnets) == {"us-east-1a": 3, "us-east-1b": 3, "us-east-1c": 3}
    assert Counter(d.inputs["tags"]["SubnetType"] for d in subnets) == {"Public": 3, "Private": 3, "Isolated": 3}
    # AND three private subnet IDs are exported
    assert len(plan.outputs["privateSubnetIds"]) == 3


def test_dev_plans_one_nat_gateway(planned: Callable[[str], Plan]) -> None:
    # GIVEN the dev stack as planned WHEN the parts derived for its VPCs are counted
    derived = planned("dev").derived_by_type()
    # THEN there is one NAT gateway and six subnets
    assert derived["aws:ec2/natGateway:NatGateway"] == 1
    assert derived["aws:ec2/subnet:Subnet"] == 6


def test_staging_is_production_like_at_smaller_scale(planned: Callable[[str], Plan]) -> None:
    # GIVEN the staging stack as planned WHEN the parts derived for its VPCs are counted
    derived = planned("staging").derived_by_type()
    # THEN there are two NAT gateways, one per AZ, and six subnets
    assert derived["aws:ec2/natGateway:NatGateway"] == 2 and derived["aws:ec2/subnet:Subnet"] == 6


@pytest.mark.parametrize("stack", STACKS)
def test_every_aws_resource_uses_an_explicit_provider(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack as planned WHEN its resources and their provider options reach the engine
    plan = planned(stack)
    providers = {r.urn for r in plan.resources if r.type == "pulumi:providers:aws"}
    # THEN every AWS resource names one of the stack's explicit AWS providers, and every awsx one too
    assert plan.resources
    for resource in plan.resources:
        if resource.type.startswith("aws:"):
            assert resource.options["provider"].rsplit("::", 1)[0] in providers, resource.urn
        if resource.type.startswith("awsx:"):
            assert resource.options["providers"]["aws"].rsplit("::", 1)[0] in providers, resource.urn


@pytest.mark.parametrize("stack", STACKS)
def test_providers_carry_the_standard_tags(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack as planned WHEN its AWS providers reach the engine
    providers = planned(stack).named("pulumi:providers:aws")
    # THEN each carries exactly the six standard tags, with this stack's environment
    assert providers
    for provider in providers:
        tags = json.loads(provider.inputs["defaultTags"])["tags"]
        assert set(tags) == STANDARD_TAGS and tags["environment"] == stack


def test_only_prod_declares_the_dr_region(planned: Callable[[str], Plan]) -> None:
    # GIVEN each stack as planned WHEN its AWS providers reach the engine
    regions = {s: sorted(p.inputs["region"] for p in planned(s).named("pulumi:providers:aws")) for s in STACKS}
    # THEN only prod adds a us-west-2 provider
    assert regions == {"dev": ["us-east-1"], "staging": ["us-east-1"], "prod": ["us-east-1", "us-west-2"]}
    # AND prod's DR provider holds a key for each domain
    prod = planned("prod")
    (dr_provider,) = [p for p in prod.named("pulumi:providers:aws") if p.inputs["region"] == "us-west-2"]
    dr_keys = [r for r in prod.named("aws:kms/key:Key") if r.options["provider"].startswith(dr_provider.urn + "::")]
    assert sorted(k.name for k in dr_keys) == [
        "dr-keys-alerts",
        "dr-keys-backups",
        "dr-keys-data",
        "dr-keys-logs",
        "dr-keys-secrets",
    ]


def test_prod_dr_network_is_a_standby_without_nat(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the parts derived for its DR awsx VPC are listed
    plan = planned("prod")
    # THEN it has no NAT gateway, and its subnets are in two us-west-2 AZs within 10.1.0.0/16
    assert _vpc_parts(plan, "dr-network-vpc", "aws:ec2/natGateway:NatGateway") == []
    subnets = _vpc_parts(plan, "dr-network-vpc", "aws:ec2/subnet:Subnet")
    assert {d.inputs["availabilityZone"] for d in subnets} == {"us-west-2a", "us-west-2b"}
    assert all(d.inputs["cidrBlock"].startswith("10.1.") for d in subnets)


def test_prod_protects_stateful_resources_and_dev_does_not(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod and dev stacks as planned WHEN their keys and log groups reach the engine
    # THEN every one is protected in prod and none is in dev
    for stack, expected in (("prod", True), ("dev", False)):
        plan = planned(stack)
        stateful = plan.named("aws:kms/key:Key") + plan.named("aws:cloudwatch/logGroup:LogGroup")
        assert {r.protect for r in stateful} == {expected}, stack


@pytest.mark.parametrize("stack", STACKS)
def test_flow_logs_keep_the_audit_retention_and_use_the_logs_key(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack as planned WHEN its flow-log group reaches the engine
    plan = planned(stack)
    (group,) = [g for g in plan.named("aws:cloudwatch/logGroup:LogGroup") if g.name == "network-flow-logs"]
    (logs_key,) = [k for k in plan.named("aws:kms/key:Key") if k.name == "keys-logs"]
    # THEN it keeps the profile's audit retention (a year in staging and prod) and is encrypted with the logs key
    assert group.inputs["retentionInDays"] == {"dev": 90, "staging": 365, "prod": 365}[stack]
    assert group.inputs["kmsKeyId"] == plan.outputs["keyArns"]["logs"]
    assert logs_key.urn in group.dependencies


def test_program_stops_on_bad_config_with_a_run_error_and_declares_nothing() -> None:
    # GIVEN the program run as `pulumi up` runs it, with a bad key in the stack's config
    monitor = install_mocks("prod", {"finplatform:natStrategy": "two"})
    try:
        # WHEN it starts
        with pytest.raises(pulumi.RunError) as caught:
            run_declarations(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"))
        # THEN it ends with the one-line message (RunError prints without a traceback) before declaring anything
        assert str(caught.value).startswith(
            "invalid configuration in Pulumi.prod.yaml: finplatform:natStrategy: Input should be 'none', 'single'"
        )
        assert monitor.planned == []
    finally:
        pulumi.runtime.settings.reset_options()


def _unknowns(value: object, path: str = "") -> list[str]:
    if value == "[unknown]":
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _unknowns(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _unknowns(v, f"{path}[{i}]")]
    return []


@pytest.mark.parametrize("stack", STACKS)
def test_every_input_is_known_in_the_plan(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack as planned WHEN every resource's inputs reach the engine
    # An unknown input means the mocks lack an attribute AWS computes, so the plan would hide a value.
    unknown = {r.name: _unknowns(r.inputs) for r in planned(stack).resources}
    # THEN no input anywhere is still unknown
    assert unknown
    assert {name: paths for name, paths in unknown.items() if paths} == {}
