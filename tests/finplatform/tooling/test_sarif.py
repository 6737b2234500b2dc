"""``plan --sarif FILE``: findings and waivers as SARIF 2.1.0 for GitHub code scanning.

The log is validated against the OASIS SARIF 2.1.0 schema (errata 01, ``tests/data/sarif-schema-2.1.0.json``,
from github.com/oasis-tcs/sarif-spec ``sarif-2.1/schema/``). The project has no JSON-schema library, so a
small draft-04 validator below covers every keyword that schema uses; a test fails if the schema ever uses one
it does not know. Most tests build findings by hand (no planning); one plans a stack end to end."""

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from finplatform import ROOT
from finplatform.tooling.plan_all import StackSummary, findings
from finplatform.tooling.sarif import SECURITY_SEVERITY, StackFindings, catalog, fsbp_link, sarif_log, write_sarif
from tests.projects import committed_stack_text, project

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

# --- a draft-04 validator for the keywords the SARIF schema uses --------------------------------------------

ANNOTATIONS = {"$schema", "id", "title", "description", "default", "definitions"}
SUPPORTED = {
    "$ref",
    "type",
    "properties",
    "additionalProperties",
    "required",
    "items",
    "minItems",
    "uniqueItems",
    "enum",
    "pattern",
    "minimum",
    "maximum",
    "anyOf",
    "oneOf",
    "format",
}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def schema_keywords(schema: Any) -> set[str]:
    """Every keyword used in a schema position (the names under properties and definitions are not)."""
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            found.add(key)
            if key in ("properties", "definitions"):
                for sub in value.values():
                    found |= schema_keywords(sub)
            elif key in ("items", "additionalProperties"):
                found |= schema_keywords(value)
            elif key in ("anyOf", "oneOf"):
                for sub in value:
                    found |= schema_keywords(sub)
    return found


def errors(value: Any, schema: dict[str, Any], path: str = "$") -> Iterator[str]:
    """Where ``value`` breaks ``schema`` (draft-04 semantics, ``$ref`` into SCHEMA's definitions)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/definitions/")
        yield from errors(value, SCHEMA["definitions"][name], path)
        return
    kinds = schema.get("type")
    if kinds is not None:
        allowed = [kinds] if isinstance(kinds, str) else kinds
        if not any(TYPES[k](value) for k in allowed):
            yield f"{path}: expected {kinds}, got {type(value).__name__}"
            return
    if "enum" in schema and value not in schema["enum"]:
        yield f"{path}: {value!r} not in {schema['enum']}"
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            yield f"{path}: {value!r} does not match {schema['pattern']}"
        if schema.get("format") == "uri" and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
            yield f"{path}: {value!r} is not an absolute URI"
        if schema.get("format") == "date-time" and not re.match(r"^\d{4}-\d{2}-\d{2}T", value):
            yield f"{path}: {value!r} is not a date-time"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            yield f"{path}: {value} < {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            yield f"{path}: {value} > {schema['maximum']}"
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            yield f"{path}: fewer than {schema['minItems']} items"
        if schema.get("uniqueItems"):
            encoded = [json.dumps(v, sort_keys=True) for v in value]
            if len(set(encoded)) != len(encoded):
                yield f"{path}: items are not unique"
        if isinstance(schema.get("items"), dict):
            for position, item in enumerate(value):
                yield from errors(item, schema["items"], f"{path}[{position}]")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                yield f"{path}: missing {key}"
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                yield from errors(item, properties[key], f"{path}.{key}")
            elif extra is False:
                yield f"{path}: unexpected property {key}"
            elif isinstance(extra, dict):
                yield from errors(item, extra, f"{path}.{key}")
    if "anyOf" in schema and not any(not list(errors(value, s, path)) for s in schema["anyOf"]):
        yield f"{path}: matches none of anyOf"
    if "oneOf" in schema and sum(1 for s in schema["oneOf"] if not list(errors(value, s, path))) != 1:
        yield f"{path}: does not match exactly one of oneOf"


def test_the_validator_knows_every_keyword_the_schema_uses() -> None:
    # GIVEN the SARIF 2.1.0 schema WHEN its keywords are collected THEN the validator above implements them all
    assert schema_keywords(SCHEMA) - ANNOTATIONS <= SUPPORTED
    # AND it rejects what the schema forbids
    assert list(errors({"version": "2.1.0", "runs": [{"tool": {}}]}, SCHEMA))
    assert list(errors({"version": "2.0", "runs": []}, SCHEMA))


# --- findings written by hand ---------------------------------------------------------------------------

LATER = (date.today() + timedelta(days=90)).isoformat()
EARLIER = (date.today() - timedelta(days=1)).isoformat()


def urn(stack: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::finplatform::{type_}::{name}"


POSTGRES = urn("prod", "finplatform:data:Postgres$aws:rds/instance:Instance", "postgres-primary")
SERVICE = urn("prod", "finplatform:compute:FargateServices$aws:ecs/service:Service", "services-web-ui-service")
BUCKET = urn("prod", "finplatform:data:ObjectStorage$aws:s3/bucket:Bucket", "storage-portfolio-data")
ACL = urn("prod", "finplatform:network:Network$aws:ec2/networkAcl:NetworkAcl", "network-isolated-acl")
WAIVED_MESSAGE = f"waived until {LATER} by CISO: versioned by the DR copy (mandatory without the waiver). Finding: x"


def violation(policy: str, level: str, urn_: str, message: str) -> dict[str, str]:
    return {"pack": "finplatform-test", "policy": policy, "level": level, "urn": urn_, "message": f"Desc.\n{message}"}


def waiver(policy: str, resource: str, expires: str, status: str, found: list[str]) -> dict[str, Any]:
    return {
        "policy": policy,
        "resource": resource,
        "reason": "accepted for the test",
        "approvedBy": "CISO",
        "expires": expires,
        "status": status,
        "findings": found,
    }


POLICIES: dict[str, list[Any]] = {
    "packs": ["finplatform-test"],
    "violations": [
        violation("rds-multi-az", "mandatory", POSTGRES, "postgres-primary: set multiAz"),
        violation("ecs-task-not-privileged", "advisory", SERVICE, "services-web-ui-service: privileged"),
        violation("stack-monthly-budget", "advisory", "", "prod: over budget"),
        violation("s3-versioning", "advisory", BUCKET, WAIVED_MESSAGE),
        violation("rds-deletion-protection", "mandatory", POSTGRES, "postgres-primary: set deletionProtection"),
        violation("network-acl-isolated-tier-closed", "mandatory", ACL, "network-isolated-acl: open"),
    ],
    "waivers": [
        waiver("s3-versioning", "storage-portfolio-data", LATER, "active", [BUCKET]),
        waiver("rds-deletion-protection", "postgres-primary", EARLIER, "expired", [POSTGRES]),
        waiver("kms-key-rotation", "keys-data", LATER, "active", []),
    ],
}
STACK_FILE = f"""# a prod stack with three waivers
config:
  finplatform:environment: prod
  finplatform:blueprint: portfolio-analytics
  finplatform:policyWaivers:
    - policy: s3-versioning
      resource: storage-portfolio-data
      reason: accepted for the test
      approvedBy: CISO
      expires: {LATER}
    - {{policy: rds-deletion-protection, resource: postgres-primary, reason: accepted for the test,
       approvedBy: CISO, expires: {EARLIER}}}
    - {{policy: kms-key-rotation, resource: keys-data, reason: accepted for the test, approvedBy: CISO,
       expires: {LATER}}}
"""


def line_of(path: Path, text: str) -> int:
    (number,) = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line.strip() == text]
    return number


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("project")
    (root / "Pulumi.prod.yaml").write_text(STACK_FILE, encoding="utf-8")
    return sarif_log([StackFindings("prod", "portfolio-analytics", "prod", POLICIES)], root)


def results(log: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["ruleId"], r["properties"].get("resource", "")): r for r in log["runs"][0]["results"]}


def test_the_log_is_valid_sarif_2_1_0(log: dict[str, Any]) -> None:
    # GIVEN a stack's findings and waivers WHEN they are written as SARIF THEN the schema accepts the log
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    assert list(errors(log, SCHEMA)) == []


def test_every_policy_is_a_rule_with_its_fsbp_controls_severity_and_help(log: dict[str, Any]) -> None:
    # GIVEN the run's rules WHEN they are compared with the packs' rules
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    # THEN every policy is there, with its FSBP controls, its severity as code scanning reads it, and help
    assert set(rules) == set(catalog())
    for name, (pack, rule) in catalog().items():
        descriptor = rules[name]
        assert descriptor["shortDescription"]["text"] == rule.description
        assert descriptor["properties"]["fsbp"] == list(rule.fsbp)
        assert {f"fsbp:{c}" for c in rule.fsbp} | {"security", pack} <= set(descriptor["properties"]["tags"])
        assert descriptor["properties"]["security-severity"] == SECURITY_SEVERITY[rule.severity]
        assert descriptor["defaultConfiguration"]["level"] == "error"  # prod: every pack is mandatory
        assert "How to fix" in descriptor["help"]["text"] and rule.description in descriptor["help"]["markdown"]
        assert all(fsbp_link(c) in descriptor["help"]["markdown"] for c in rule.fsbp)
    # AND each result points at its rule
    ids = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in log["runs"][0]["results"])


def test_severity_is_the_level_the_finding_fails_at() -> None:
    # GIVEN the FSBP link of a control and the severities WHEN they are mapped THEN they follow code scanning's bands
    assert fsbp_link("RDS.3") == "https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-3"
    bands = {"critical": (9.0, 10.0), "high": (7.0, 8.9), "medium": (4.0, 6.9), "low": (0.1, 3.9)}
    assert all(low <= float(SECURITY_SEVERITY[s]) <= high for s, (low, high) in bands.items())


def test_every_violation_is_a_result_at_its_level(log: dict[str, Any]) -> None:
    # GIVEN six findings WHEN written THEN each is a result: mandatory ones errors, advisory ones warnings
    found = results(log)
    assert len(log["runs"][0]["results"]) == len(POLICIES["violations"])
    assert found[("rds-multi-az", "postgres-primary")]["level"] == "error"
    assert found[("ecs-task-not-privileged", "services-web-ui-service")]["level"] == "warning"
    assert found[("stack-monthly-budget", "")]["level"] == "warning"
    # AND the run is this stack's own category for code scanning
    assert log["runs"][0]["automationDetails"]["id"] == "finplatform-plan/prod/"
    fingerprints = [r["partialFingerprints"]["finplatformFinding/v1"] for r in log["runs"][0]["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_a_blueprint_resource_is_located_at_its_entry_then_in_the_stack_file(log: dict[str, Any]) -> None:
    # GIVEN findings on a blueprint's service, store and bucket, and on the network WHEN they are located
    found = results(log)
    blueprint = ROOT / "blueprints" / "portfolio-analytics.yaml"
    stack_file = "Pulumi.prod.yaml"

    def where(key: tuple[str, str]) -> list[tuple[str, int]]:
        return [
            (loc["physicalLocation"]["artifactLocation"]["uri"], loc["physicalLocation"]["region"]["startLine"])
            for loc in found[key]["locations"]
        ]

    # THEN a service's finding is at its entry in the blueprint first, then at the stack's blueprint key
    web_ui = line_of(blueprint, "- name: web-ui")
    assert where(("ecs-task-not-privileged", "services-web-ui-service")) == [
        ("blueprints/portfolio-analytics.yaml", web_ui),
        (stack_file, 4),
    ]
    assert where(("rds-multi-az", "postgres-primary"))[0] == (
        "blueprints/portfolio-analytics.yaml",
        line_of(blueprint, "postgres:"),
    )
    bucket_line = line_of(blueprint, "- {name: portfolio-data, purpose: data}")
    assert where(("s3-versioning", "storage-portfolio-data"))[0][1] == bucket_line
    # AND what no blueprint entry declares is in the stack file, at its config section
    assert where(("network-acl-isolated-tier-closed", "network-isolated-acl")) == [(stack_file, 2)]
    assert where(("stack-monthly-budget", "")) == [(stack_file, 2)]
    # AND the resource is the logical location
    (logical,) = found[("rds-multi-az", "postgres-primary")]["locations"][0]["logicalLocations"]
    assert logical == {"name": "postgres-primary", "fullyQualifiedName": POSTGRES, "kind": "resource"}


def test_a_waived_finding_is_suppressed_with_the_waiver_as_justification(log: dict[str, Any]) -> None:
    # GIVEN a finding a waiver in force covers WHEN written
    result = results(log)[("s3-versioning", "storage-portfolio-data")]
    # THEN it keeps the level it would fail at, and carries an accepted suppression at the waiver's entry
    assert result["level"] == "error"
    (suppression,) = result["suppressions"]
    assert suppression["kind"] == "inSource" and suppression["status"] == "accepted"
    assert suppression["justification"] == f"accepted for the test (approved by CISO; expires {LATER})"
    location = suppression["location"]["physicalLocation"]
    assert (location["artifactLocation"]["uri"], location["region"]["startLine"]) == ("Pulumi.prod.yaml", 6)


def test_an_expired_waiver_suppresses_nothing_and_every_waiver_is_listed(log: dict[str, Any]) -> None:
    # GIVEN an expired waiver and one that matches nothing WHEN written
    run = log["runs"][0]
    expired = results(log)[("rds-deletion-protection", "postgres-primary")]
    # THEN the expired one's finding is an unsuppressed error that names the waiver
    assert "suppressions" not in expired and expired["level"] == "error"
    assert expired["properties"]["expiredWaivers"][0]["expires"] == EARLIER
    # AND both are notifications at their entries, and all three waivers are in the run's properties
    notes = run["invocations"][0]["toolConfigurationNotifications"]
    assert [(n["descriptor"]["id"], n["locations"][0]["physicalLocation"]["region"]["startLine"]) for n in notes] == [
        ("waiver-expired", 11),
        ("waiver-unused", 13),
    ]
    assert [(w["policy"], w["status"]) for w in run["properties"]["waivers"]] == [
        ("s3-versioning", "active"),
        ("rds-deletion-protection", "expired"),
        ("kms-key-rotation", "active"),
    ]


def test_plan_all_writes_one_run_per_planned_stack(tmp_path: Path) -> None:
    # GIVEN two planned stacks and one that could not be planned
    planned: dict[str, Any] = {"policies": {"packs": [], "violations": [], "waivers": []}}
    summaries = [
        StackSummary("dev", "portfolio-analytics", "dev", plan=planned),
        StackSummary("broken", "?", "?", error="invalid configuration in Pulumi.broken.yaml: x"),
        StackSummary("prod", "portfolio-analytics", "prod", plan=planned),
    ]
    # WHEN they are written as one SARIF file
    out = tmp_path / "all.sarif"
    write_sarif(out, findings(summaries))
    document = json.loads(out.read_text())
    # THEN each planned stack is its own run and category; the unplanned one is left out, so that code scanning
    # keeps its alerts rather than closing them as fixed
    categories = [r["automationDetails"]["id"] for r in document["runs"]]
    assert categories == ["finplatform-plan/dev/", "finplatform-plan/prod/"]
    assert list(errors(document, SCHEMA)) == []


# --- end to end -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_plan_writes_sarif_and_lists_the_waivers(tmp_path: Path) -> None:
    # GIVEN the dev stack with a waiver in force for one of its findings, an expired one, and pack config that
    # makes that policy mandatory
    project(tmp_path, [])
    stack = committed_stack_text("dev")
    waivers = f"""  finplatform:policyWaivers:
    - policy: stateful-resources-protected
      resource: postgres-primary
      reason: dev is rebuilt from migrations nightly
      approvedBy: Head of Platform
      expires: {LATER}
    - policy: stateful-resources-protected
      resource: redis-group
      reason: a cache
      approvedBy: Head of Platform
      expires: {EARLIER}
"""
    (tmp_path / "Pulumi.dev.yaml").write_text(stack.rstrip("\n") + "\n" + waivers, encoding="utf-8")
    config = tmp_path / "strict.json"
    config.write_text(json.dumps({"stateful-resources-protected": "mandatory"}), encoding="utf-8")
    sarif, graph = tmp_path / "dev.sarif", tmp_path / "dev.json"
    # WHEN it is planned with --sarif and --json as a user runs it
    command = ["plan", "--stack", "dev", "--project-dir", str(tmp_path), "--policy-pack-config", str(config)]
    result = subprocess.run(
        [sys.executable, "-m", "finplatform", *command, "--sarif", str(sarif), "--json", str(graph)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # THEN the waived finding is advisory and says so, the expired waiver's finding still fails the plan
    assert result.returncode == 1, result.stderr
    assert f"waived until {LATER} by Head of Platform: dev is rebuilt from migrations nightly" in result.stdout
    assert "Policy waivers: 1 in force, 1 expired (finplatform:policyWaivers)" in result.stdout
    assert f"redis-group: EXPIRED on {EARLIER}, no longer a waiver" in result.stdout
    # AND the JSON lists both waivers with their status and findings
    listed = json.loads(graph.read_text())["policies"]["waivers"]
    assert [(w["resource"], w["status"], len(w["findings"])) for w in listed] == [
        ("postgres-primary", "active", 1),
        ("redis-group", "expired", 1),
    ]
    # AND the SARIF file is valid, with the waived finding suppressed and the expired one an error
    document = json.loads(sarif.read_text())
    assert list(errors(document, SCHEMA)) == []
    found = {
        r["properties"].get("resource"): r
        for r in document["runs"][0]["results"]
        if r["ruleId"] == "stateful-resources-protected"
    }
    assert found["postgres-primary"]["suppressions"][0]["status"] == "accepted"
    assert found["postgres-primary"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "blueprints/portfolio-analytics.yaml"
    )
    assert "suppressions" not in found["redis-group"] and found["redis-group"]["level"] == "error"
