"""The packs' FSBP claims against the catalogue of current controls (policies/common/fsbp.py): no rule claims an
id that is not a current, input-checkable FSBP control, and every input-checkable control has a rule."""

import importlib

import pytest

from finplatform.tooling.policy_docs import claimed_controls, render_coverage
from finplatform.tooling.policy_eval import discover_packs
from policies.common import fsbp
from policies.common.framework import Rule


def _rules() -> list[Rule]:
    return [rule for pack in discover_packs() for rule in importlib.import_module(f"policies.{pack.name}.rules").RULES]


def test_the_catalogue_lists_each_control_once_with_a_known_kind_and_a_reason_when_unenforceable() -> None:
    # GIVEN the catalogue WHEN its entries are read
    ids = [control.id for control in fsbp.CONTROLS]
    # THEN no id repeats, every kind is known, and every control no policy can judge says why
    assert len(ids) == len(set(ids))
    assert {control.kind for control in fsbp.CONTROLS} <= set(fsbp.KINDS)
    assert [c.id for c in fsbp.CONTROLS if not c.checkable and not c.note] == []


def test_every_claimed_id_is_a_current_input_checkable_fsbp_control() -> None:
    # GIVEN every rule of every pack WHEN its FSBP claims are looked up in the catalogue
    claims = claimed_controls()
    # THEN each is a current FSBP control that a policy can judge from inputs
    assert sorted(set(claims) - set(fsbp.BY_ID)) == []
    assert [c for c in claims if not fsbp.BY_ID[c].checkable] == []


def test_other_frameworks_ids_are_not_claimed_as_fsbp() -> None:
    # GIVEN the ids rules keep for other standards (S3.14, KMS.4, EC2.13, ...)
    others = {other for rule in _rules() for other in rule.other_ids}
    # THEN none of them is a current FSBP control, and the retired or non-FSBP ids are among them, not in fsbp
    assert others
    assert sorted(others & set(fsbp.BY_ID)) == []
    claimed = {control for rule in _rules() for control in rule.fsbp}
    assert claimed.isdisjoint({"S3.14", "S3.17", "SNS.1", "KMS.4", "EC2.13", "EC2.14", "CloudWatch.15"})


@pytest.mark.parametrize("service", sorted({c.service for c in fsbp.checkable()}))
def test_every_input_checkable_control_of_the_service_has_a_rule(service: str) -> None:
    # GIVEN the service's controls a policy can judge from resource inputs
    claims = claimed_controls()
    # WHEN the packs' claims are matched to them THEN every one is enforced by a rule
    assert [c.id for c in fsbp.checkable() if c.service == service and c.id not in claims] == []


def test_the_coverage_section_counts_enforced_controls_and_names_each_reason() -> None:
    # GIVEN the generated coverage section
    lines = render_coverage()
    # THEN it counts the enforced controls against the checkable ones and has one row per catalogued control
    enforced = sum(1 for c in fsbp.checkable() if c.id in claimed_controls())
    assert any(f"{enforced} of {len(fsbp.checkable())} input-checkable controls enforced" in line for line in lines)
    rows = [line for line in lines if line.startswith("| ") and not line.startswith(("| Control", "| ---"))]
    assert len(rows) == len(fsbp.CONTROLS)
    assert any("not declared here: Classic Load Balancers" in row for row in rows if row.startswith("| ELB.2 "))
