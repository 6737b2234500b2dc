"""The checks every policy case goes through, shared by the per-pack test modules."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from policies.common.framework import Rule, default_level
from tests.conftest import Analyzers
from tests.policies.conftest import Case

GetAnalyzers = Callable[[str, Mapping[str, str]], Analyzers]


def policy_infos(analyzers: GetAnalyzers, pack: str) -> dict[str, Any]:
    """The pack's policies as its analyzer describes them to the engine (GetAnalyzerInfo), by name."""
    from google.protobuf import empty_pb2

    stub = analyzers("prod", {}).processes[pack]._stub
    return {policy.name: policy for policy in stub.GetAnalyzerInfo(empty_pb2.Empty()).policies}


def assert_compliant(analyzers: GetAnalyzers, pack: str, case: Case) -> None:
    """The pack, analyzing the case's compliant resources, reports nothing under the case's rule."""
    violations = analyzers(case.environment, case.config).violations(pack, case.compliant)
    assert [v.message for v in violations if v.policy == case.policy] == []


def assert_violating(analyzers: GetAnalyzers, pack: str, case: Case, mandatory_everywhere: bool = False) -> None:
    """The pack, analyzing the case's violating resources, reports them under the case's rule at the
    environment's level (mandatory everywhere for a pack that says so), each message naming its resource (or,
    for a stack-wide rule, the environment)."""
    violations = [
        v for v in analyzers(case.environment, case.config).violations(pack, case.violating) if v.policy == case.policy
    ]
    assert violations, f"{case.policy} let the violating case through"
    expected_level = default_level(case.environment, mandatory_everywhere)
    assert {v.level for v in violations} == {expected_level}
    names = [r.name for r in case.violating]
    for violation in violations:
        if violation.urn:  # about one resource: the message names it
            assert any(name in violation.message for name in names), violation.message
        else:  # about the whole stack: the message names the environment whose limit it breaks
            assert case.environment in violation.message, violation.message


def assert_every_rule_has_cases(rules: Sequence[Rule], cases: Sequence[Case]) -> None:
    """Every rule of the pack has a case with both compliant and violating resources."""
    assert rules
    covered = {c.policy for c in cases if c.compliant and c.violating}
    assert [r.name for r in rules if r.name not in covered] == []


def pack_tests(
    pack: str, rules: Sequence[Rule], cases: Sequence[Case], *, mandatory_everywhere: bool = False
) -> tuple[Callable[..., None], ...]:
    """The three tests every pack's module runs: compliant cases pass, violating cases are reported, and
    every rule has both."""

    @pytest.mark.parametrize("case", cases, ids=lambda c: c.id)
    def test_compliant_case_passes(analyzers: GetAnalyzers, case: Case) -> None:
        # GIVEN resources that follow the case's rule WHEN the pack analyzes them THEN the rule reports nothing
        assert_compliant(analyzers, pack, case)

    @pytest.mark.parametrize("case", cases, ids=lambda c: c.id)
    def test_violating_case_is_reported(analyzers: GetAnalyzers, case: Case) -> None:
        # GIVEN resources that break the case's rule WHEN the pack analyzes them
        # THEN the rule reports them at the pack's default level (mandatory in prod, advisory elsewhere, unless the
        # pack is mandatory everywhere), each message naming its resource
        assert_violating(analyzers, pack, case, mandatory_everywhere)

    def test_every_policy_has_both_cases() -> None:
        # GIVEN the pack's rules and its module's cases WHEN the cases are matched to the rules
        # THEN no rule lacks a case with both compliant and violating resources
        assert_every_rule_has_cases(rules, cases)

    return test_compliant_case_passes, test_violating_case_is_reported, test_every_policy_has_both_cases
