"""Waivers (``finplatform:policyWaivers``): one policy accepted for one named resource, with a reason, an
approver and an expiry date. The stack config validates them, the packs honour them (reporting the finding as
advisory, with the waiver) and the plan lists every one; an expired waiver is no waiver, and critical policies
cannot be waived in prod."""

import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from finplatform import ROOT
from finplatform.config import ConfigError
from finplatform.stack import resolve_stack
from finplatform.tooling.plan import is_waived, render_policies, waiver_statuses
from finplatform.tooling.policy_eval import PolicyReport, Violation
from finplatform.tooling.stack_files import read_stack_file
from policies.common import types as t
from policies.common.framework import WAIVERS_KEY, Context, Rule, Waiver, stack_waivers
from tests.policies.checks import GetAnalyzers
from tests.policies.conftest import resource

TODAY = date.today()
LATER = (TODAY + timedelta(days=90)).isoformat()
EARLIER = (TODAY - timedelta(days=1)).isoformat()


def entry(policy: str, resource_: str, expires: str = LATER, **fields: str) -> dict[str, str]:
    return {
        "policy": policy,
        "resource": resource_,
        "reason": "accepted until the migration",
        "approvedBy": "CISO",
        "expires": expires,
        **fields,
    }


def config(*entries: Mapping[str, str]) -> dict[str, str]:
    """The stack config as the CLI hands it to a pack: a list as JSON."""
    return {WAIVERS_KEY: json.dumps(list(entries))}


# --- the framework, in-process with an injected date ----------------------------------------------------

RULE = Rule("rds-multi-az", "RDS runs Multi-AZ.", "high")
CRITICAL = Rule("rds-not-public", "RDS is private.", "critical")


def context(environment: str, today: date, *entries: Mapping[str, str]) -> Context:
    return Context(environment, environment, config(*entries), {}, today=today)


def test_a_waiver_is_in_force_until_the_day_it_expires() -> None:
    # GIVEN a waiver of one policy for one resource, expiring on 2026-06-30
    waived = entry("rds-multi-az", "db", "2026-06-30")
    # WHEN the packs look for it on several days
    # THEN it applies the day before its expiry, and no longer on the day itself or after
    assert context("prod", date(2026, 6, 29), waived).waiver(RULE, "db") is not None
    assert context("prod", date(2026, 6, 30), waived).waiver(RULE, "db") is None
    assert context("prod", date(2026, 7, 1), waived).waiver(RULE, "db") is None


def test_a_waiver_covers_its_policy_and_its_resource_only() -> None:
    # GIVEN a waiver of rds-multi-az for db
    ctx = context("prod", TODAY, entry("rds-multi-az", "db"))
    # WHEN other resources or policies are looked up THEN it waives nothing else
    assert ctx.waiver(RULE, "db", "urn:pulumi:prod::finplatform::aws:rds/instance:Instance::db") is not None
    assert ctx.waiver(RULE, "db-2") is None
    assert ctx.waiver(Rule("rds-backup-retention", "x", "high"), "db") is None
    # AND a waiver may name the resource by its URN
    by_urn = context("prod", TODAY, entry("rds-multi-az", "urn:pulumi:prod::finplatform::x::db"))
    assert by_urn.waiver(RULE, "db", "urn:pulumi:prod::finplatform::x::db") is not None


def test_a_critical_policy_is_never_waived_in_prod_even_if_a_pack_is_handed_the_waiver() -> None:
    # GIVEN a waiver of a critical policy WHEN a pack looks for it in prod and in dev
    waived = entry("rds-not-public", "db")
    # THEN prod does not honour it, dev does
    assert context("prod", TODAY, waived).waiver(CRITICAL, "db") is None
    assert context("dev", TODAY, waived).waiver(CRITICAL, "db") is not None


def test_a_waiver_the_pack_cannot_read_waives_nothing() -> None:
    # GIVEN config the program would refuse WHEN a pack reads it THEN it finds no waiver, rather than failing
    assert stack_waivers({WAIVERS_KEY: "not json"}) == []
    assert stack_waivers({WAIVERS_KEY: json.dumps([{"policy": "rds-multi-az"}, "x", entry("a", "b", "soon")])}) == []
    assert stack_waivers(config(entry("rds-multi-az", "db", "2026-06-30"))) == [
        Waiver("rds-multi-az", "db", "accepted until the migration", "CISO", date(2026, 6, 30))
    ]


# --- the packs, through the analyzer protocol -----------------------------------------------------------

PROD_WAIVERS = config(
    entry("rds-multi-az", "db-waived"),
    entry("rds-multi-az", "db-expired", EARLIER),
    entry("rds-multi-az", "db-expires-today", TODAY.isoformat()),
    entry("s3-versioning", "audit"),
    entry("rds-not-public", "db-public"),  # refused by the program in prod; here handed to the packs anyway
)
BUCKET = {"id": "audit-bucket", "bucket": "audit-bucket"}
SUSPENDED = {"bucket": "audit-bucket", "versioningConfiguration": {"status": "Suspended"}}


def found(
    analyzers: GetAnalyzers, environment: str, waivers: Mapping[str, str], pack: str, policy: str, *resources: Any
) -> dict[str, Violation]:
    """The pack's findings under ``policy`` for ``resources``, by resource name."""
    violations = analyzers(environment, waivers).violations(pack, list(resources))
    return {v.urn.rsplit("::", 1)[-1]: v for v in violations if v.policy == policy}


def test_a_waived_finding_is_reported_as_advisory_with_the_waiver(analyzers: GetAnalyzers) -> None:
    # GIVEN a prod stack that waives rds-multi-az for db-waived, and two single-AZ databases
    databases = [resource(t.RDS_INSTANCE, name, {"multiAz": False}, protect=True) for name in ("db-waived", "db-other")]
    # WHEN the data-protection pack analyzes them
    reported = found(analyzers, "prod", PROD_WAIVERS, "data_protection", "rds-multi-az", *databases)
    # THEN the waived one is advisory and says who waived it, until when, why, and what it would be without it
    waived = reported["db-waived"]
    assert waived.level == "advisory" and is_waived(waived)
    message = waived.message.split("\n", 1)[1]
    assert message.startswith(f"waived until {LATER} by CISO: accepted until the migration (mandatory without")
    assert "Finding: db-waived (aws:rds/instance:Instance): set multiAz" in message
    # AND the database no waiver names still fails
    assert reported["db-other"].level == "mandatory" and not is_waived(reported["db-other"])


def test_an_expired_waiver_is_no_waiver(analyzers: GetAnalyzers) -> None:
    # GIVEN waivers that expired yesterday and that expire today
    names = ("db-expired", "db-expires-today")
    databases = [resource(t.RDS_INSTANCE, n, {"multiAz": False}, protect=True) for n in names]
    # WHEN the pack analyzes their databases THEN both findings are mandatory again, without a word of the waiver
    reported = found(analyzers, "prod", PROD_WAIVERS, "data_protection", "rds-multi-az", *databases)
    assert {name: v.level for name, v in reported.items()} == dict.fromkeys(names, "mandatory")
    assert not any("waived" in v.message for v in reported.values())


def test_a_stack_wide_policy_is_waived_for_the_resource_it_names(analyzers: GetAnalyzers) -> None:
    # GIVEN a bucket whose versioning is suspended, and a waiver of s3-versioning (a stack policy) for it
    bucket = [
        resource(t.S3_BUCKETS[0], "audit", BUCKET, protect=True),
        resource(t.S3_VERSIONING[0], "audit-v", SUSPENDED),
    ]
    # WHEN the pack analyzes the stack THEN the finding on that bucket is advisory, with the waiver
    reported = found(analyzers, "prod", PROD_WAIVERS, "data_protection", "s3-versioning", *bucket)
    assert reported["audit"].level == "advisory" and is_waived(reported["audit"])


def test_a_critical_policy_stays_mandatory_in_prod_and_is_waivable_elsewhere(analyzers: GetAnalyzers) -> None:
    # GIVEN a public database and a waiver of rds-not-public (critical) for it
    public = resource(t.RDS_INSTANCE, "db-public", {"publiclyAccessible": True})
    # WHEN the least-privilege pack analyzes it in prod THEN the waiver is not honoured
    (prod,) = found(analyzers, "prod", PROD_WAIVERS, "least_privilege", "rds-not-public", public).values()
    assert prod.level == "mandatory" and not is_waived(prod)
    # AND in dev it is
    dev_public = resource(t.RDS_INSTANCE, "db-public", {"publiclyAccessible": True}, environment="dev")
    dev_waivers = config(entry("rds-not-public", "db-public"))
    (dev,) = found(analyzers, "dev", dev_waivers, "least_privilege", "rds-not-public", dev_public).values()
    assert dev.level == "advisory" and is_waived(dev)


# --- the stack config ------------------------------------------------------------------------------------


def resolve(stack: str, *entries: Any) -> Any:
    raw, _ = read_stack_file(stack)
    return resolve_stack(stack, {**raw, WAIVERS_KEY: json.dumps(list(entries))})


@pytest.mark.parametrize(
    ("waiver", "message"),
    [
        (entry("rds-mult-az", "db"), "unknown policy 'rds-mult-az' (did you mean rds-multi-az?)"),
        ({k: v for k, v in entry("rds-multi-az", "db").items() if k != "approvedBy"}, "missing approvedBy"),
        (entry("rds-multi-az", "db", "30/06/2026"), "expires must be an ISO date such as 2026-06-30"),
        (entry("rds-multi-az", "db", approver="me"), "unknown key 'approver'"),
        (entry("rds-multi-az", "db", reason=""), "reason must be text of 1 to 500 characters"),
        ("rds-multi-az", "a waiver is a mapping of policy, resource, reason, approvedBy, expires"),
        (entry("lb-names-valid", "edge-alb"), "lb-names-valid is an AWS deploy-time constraint"),
    ],
    ids=["unknown-policy", "no-approver", "not-iso", "unknown-key", "no-reason", "not-a-mapping", "aws-constraint"],
)
def test_a_malformed_waiver_is_a_config_error_naming_the_entry(waiver: Any, message: str) -> None:
    # GIVEN the prod stack with a malformed waiver WHEN its config is resolved
    with pytest.raises(ConfigError) as raised:
        resolve("prod", waiver)
    # THEN one message names the stack file, the entry and what is wrong
    assert str(raised.value).startswith("invalid configuration in Pulumi.prod.yaml: finplatform:policyWaivers[0]: ")
    assert message in str(raised.value)


def test_a_critical_policy_cannot_be_waived_in_prod() -> None:
    # GIVEN a waiver of a critical policy WHEN the prod stack's config is resolved THEN it is refused
    with pytest.raises(ConfigError) as raised:
        resolve("prod", entry("rds-multi-az", "postgres-primary"), entry("rds-not-public", "postgres-primary"))
    assert str(raised.value) == (
        "invalid configuration in Pulumi.prod.yaml: finplatform:policyWaivers[1]: rds-not-public is a critical "
        "policy, which cannot be waived in prod; fix postgres-primary instead"
    )
    # AND the same waiver is accepted in dev, and the same resource's non-critical one in prod
    (dev,) = resolve("dev", entry("rds-not-public", "postgres-primary")).config.policy_waivers
    assert dev.policy == "rds-not-public" and dev.approved_by == "CISO"
    (prod,) = resolve("prod", entry("rds-multi-az", "postgres-primary")).config.policy_waivers
    assert prod.expires.isoformat() == LATER


def test_the_same_finding_cannot_be_waived_twice() -> None:
    with pytest.raises(ConfigError, match=r"policyWaivers: \[1\] waives rds-multi-az for db a second time"):
        resolve("dev", entry("rds-multi-az", "db"), entry("rds-multi-az", "db", reason="again"))


def test_the_plan_stops_on_a_bad_waiver_with_exit_code_2(tmp_path: Path) -> None:
    # GIVEN a stack file whose waiver names no policy the packs have, dates unquoted as users write them
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    stack = (ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8").rstrip("\n")
    waiver = (
        "\n  finplatform:policyWaivers:\n"
        "    - {policy: no-such-policy, resource: db, reason: r, approvedBy: me, expires: 2026-06-30}\n"
    )
    (tmp_path / "Pulumi.bad.yaml").write_text(stack + waiver, encoding="utf-8")
    # WHEN the plan runs as a user runs it
    result = subprocess.run(
        [sys.executable, "-m", "finplatform", "plan", "--stack", "bad", "--project-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN it stops before any resource with one message naming the file and the key
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: invalid configuration in Pulumi.bad.yaml: finplatform:policyWaivers[0]: unknown policy "
        "'no-such-policy'; docs/policies.md lists every policy"
    ]


# --- the plan's listing ----------------------------------------------------------------------------------


def test_the_plan_lists_every_waiver_with_its_status_on_the_day() -> None:
    # GIVEN three waivers and the findings the packs reported: one waived, one under an expired waiver
    urn = "urn:pulumi:prod::finplatform::aws:rds/instance:Instance::"
    waivers = stack_waivers(
        config(
            entry("rds-multi-az", "db", "2026-06-30"),
            entry("rds-deletion-protection", "db", "2026-01-01"),
            entry("kms-key-rotation", "no-such-key", "2026-06-30"),
        )
    )
    waived = "Desc.\nwaived until 2026-06-30 by CISO: reason (mandatory without the waiver). Finding: f"
    report = PolicyReport(
        violations=[
            Violation("p", "rds-multi-az", "advisory", urn + "db", waived),
            Violation("p", "rds-deletion-protection", "mandatory", urn + "db", "Desc.\ndb: set deletionProtection"),
        ],
        packs=["p"],
    )
    # WHEN the plan works out their statuses on 2026-03-01 and renders them
    statuses = waiver_statuses(waivers, report, {urn + "db": "db"}, today=date(2026, 3, 1))
    text = render_policies(report, statuses)
    # THEN each is listed: in force and what it waives, expired, and in force but matching nothing
    assert [(s.status, len(s.findings)) for s in statuses] == [("active", 1), ("expired", 1), ("active", 0)]
    assert "Policy violations: 1 mandatory, 1 advisory (1 waived)" in text
    assert text.splitlines()[-4:] == [
        "Policy waivers: 2 in force, 1 expired (finplatform:policyWaivers)",
        "  - rds-multi-az on db: waived until 2026-06-30 by CISO: accepted until the migration; waives 1 finding",
        "  - rds-deletion-protection on db: EXPIRED on 2026-01-01, no longer a waiver (its 1 finding reported as "
        "usual; approved by CISO: accepted until the migration)",
        "  - kms-key-rotation on no-such-key: waived until 2026-06-30 by CISO: accepted until the migration; matches "
        "no finding; no resource named no-such-key in this stack: remove it or correct it",
    ]
    # AND the JSON carries the same
    assert statuses[1].to_json() == {
        "policy": "rds-deletion-protection",
        "resource": "db",
        "reason": "accepted until the migration",
        "approvedBy": "CISO",
        "expires": "2026-01-01",
        "status": "expired",
        "findings": [urn + "db"],
    }
    # AND a stack without violations still lists its waivers
    assert render_policies(PolicyReport(packs=["p"]), statuses[2:]).splitlines()[1].startswith("Policy waivers:")


def test_the_documented_example_is_a_valid_waiver() -> None:
    # GIVEN the example in docs/policies.md's generator WHEN its entry is read as a stack would hand it over
    import yaml

    from finplatform.config import policy_rules
    from finplatform.tooling.policy_docs import render_waivers_section

    text = "\n".join(render_waivers_section())
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    (waiver,) = yaml.safe_load(example)["config"][WAIVERS_KEY]
    # THEN it names a policy the packs have, and the config accepts it in prod (it is not critical)
    assert waiver["policy"] in policy_rules()
    assert resolve("prod", dict(waiver, expires=str(waiver["expires"]))).config.policy_waivers
