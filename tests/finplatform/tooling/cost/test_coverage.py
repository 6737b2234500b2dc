"""Every resource type the prod stacks declare is priced, or listed as free or unpriced with the reason."""

import pytest

from finplatform.tooling.cost.model import FREE_TYPES, PRICERS, UNPRICED_TYPES, coverage, with_remote_children
from finplatform.tooling.plan import planned_program, priced

PROD_STACKS = ("prod", "smart-0dte-prod", "dex-mobile-prod", "accunode-prod", "data-pipeline-prod")


@pytest.mark.parametrize("stack", PROD_STACKS)
def test_every_declared_type_is_priced_or_listed_with_a_reason(stack: str) -> None:
    # GIVEN a prod stack's plan (the session's cached one), with the parts its remote components create
    resources = with_remote_children(priced(planned_program(stack).engine_view()))
    # WHEN each resource type is looked up in the model
    missing = sorted({r.type for r in resources if coverage(r.type)[0] == "missing"})
    # THEN none falls through silently: each is priced, free with a reason, unpriced with a reason, or a component
    assert missing == []


def test_no_type_is_both_priced_and_listed() -> None:
    # GIVEN the model's pricers and its lists of free and unpriced types WHEN they are compared
    # THEN a type is in at most one of them, and every listed type gives a reason
    assert not set(PRICERS) & set(FREE_TYPES)
    assert not set(PRICERS) & set(UNPRICED_TYPES)
    assert not set(FREE_TYPES) & set(UNPRICED_TYPES)
    assert all(reason.strip() for reason in [*FREE_TYPES.values(), *UNPRICED_TYPES.values()])
