"""Hostile input (issue 13): every malformed stack file, blueprint file or override fails before anything is
declared, with one bounded message naming the file and the key as written and what is allowed; never a
traceback, never silently accepted.

Two paths read a stack: the offline plan reads the stack file (read_stack_file) and `pulumi up` hands the program
the engine's strings (resolve_stack on the raw map). Values are checked on the second, which both take."""

import copy
import functools
import json
import runpy
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from finplatform import ROOT
from finplatform import blueprints as blueprint_module
from finplatform import stack as stack_module
from finplatform.config import ConfigError
from finplatform.safe_yaml import MAX_DEPTH, MAX_FILE_BYTES, YamlError, loads
from finplatform.stack import resolve_stack
from finplatform.tooling.mocks import install_mocks, run_declarations
from finplatform.tooling.stack_files import read_stack_file
from policies.common.framework import Context
from policies.cost_guardrails.rules import _budget

MESSAGE_LIMIT = 2500
"""No message is longer: the longest legitimate one lists the allowed keys once."""


def _bounded(message: str, source: str = "Pulumi.dev.yaml") -> str:
    assert message.startswith(f"invalid configuration in {source}: "), message
    assert "\n" not in message, "one mistake, one line"
    assert "Traceback" not in message
    assert len(message) <= MESSAGE_LIMIT, f"{len(message)} characters"
    return message


# --- the stack file as the plan reads it


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    return tmp_path


def _file_rejected(project: Path, content: str | bytes) -> str:
    path = project / "Pulumi.dev.yaml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(ConfigError) as caught:
        raw, _secrets = read_stack_file("dev", project)
        resolve_stack("dev", raw)
    return _bounded(str(caught.value))


def _billion_laughs(levels: int = 9) -> str:
    lines = ["lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join([*lines, "config:", f"  finplatform:owner: *a{levels}", ""])


FILE_CASES = {
    "a-list": ("- config\n- finplatform:owner: x\n", "the document is a list; it must be a mapping"),
    "a-scalar": ("just some text\n", "the document is a string; it must be a mapping"),
    "empty": ("# nothing but a comment\n", "the document is empty; it must be a mapping"),
    "config-a-list": ("config:\n  - finplatform:owner\n", "config: must be a mapping of key: value (got a list)"),
    "not-utf8": (
        b"config:\n  finplatform:owner: caf\xe9\n",
        "line 2: not UTF-8 text (byte 0xe9); save the file as UTF-8",
    ),
    "utf16": ("config:\n  finplatform:owner: x\n".encode("utf-16"), "line 1: not UTF-8 text (byte 0xff)"),
    "deep-flow": ("config: " + "[" * 5000 + "]" * 5000 + "\n", f"nested more than {MAX_DEPTH} levels deep"),
    "deep-block": (
        "config:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(200)) + "  " * 201 + "x\n",
        f"nested more than {MAX_DEPTH} levels deep",
    ),
    "recursive-alias": ("config: &loop\n  finplatform:owner: *loop\n", "finplatform:owner (line 2): an alias refers"),
    "billion-laughs": (_billion_laughs(), "more than 100,000 values once its aliases are expanded"),
    "duplicate-key": (
        "config:\n  finplatform:owner: a\n  finplatform:owner: b\n",
        "finplatform:owner (line 3): duplicate key 'finplatform:owner' (first at line 2)",
    ),
    "second-config": (
        "config:\n  finplatform:owner: a\nconfig:\n  finplatform:owner: b\n",
        "config (line 3): duplicate key 'config' (first at line 1)",
    ),
    "duplicate-in-a-list-item": (
        "config:\n  finplatform:policyWaivers:\n    - {policy: a, policy: b}\n",
        "finplatform:policyWaivers[0].policy (line 3): duplicate key 'policy'",
    ),
    "python-tag": ("config:\n  finplatform:owner: !!python/object/apply:os.system [id]\n", "'!!python/object/apply"),
    "binary-tag": (
        "config:\n  finplatform:owner: !!binary aGk=\n",
        "finplatform:owner (line 2): the YAML tag '!!binary'",
    ),
    "local-tag": ("config:\n  finplatform:owner: !Ref Owner\n", "the YAML tag '!Ref' is not allowed"),
    "syntax": ("config:\n  finplatform:owner: [a, b\n", "not valid YAML: while parsing a flow sequence"),
    "two-documents": ("config: {}\n---\nconfig: {}\n", "expected a single document in the stream"),
    "huge-file": ("config:\n" + "  # padding\n" * (MAX_FILE_BYTES // 10), f"at most {MAX_FILE_BYTES:,} are read"),
}


@pytest.mark.parametrize(("content", "expected"), FILE_CASES.values(), ids=FILE_CASES.keys())
def test_malformed_stack_file_is_one_message(project: Path, content: str | bytes, expected: str) -> None:
    # GIVEN a stack file that is malformed as YAML, or as a document
    # WHEN the plan reads it, as the CLI would hand it to the program
    started = time.perf_counter()
    message = _file_rejected(project, content)
    # THEN one bounded line names the file, where, and what is allowed, quickly and without exhausting memory
    assert expected in message
    assert time.perf_counter() - started < 10


def test_pulumi_yaml_is_read_as_strictly(project: Path) -> None:
    # GIVEN a project file with a duplicate key
    (project / "Pulumi.yaml").write_text("name: finplatform\nname: other\nruntime: python\n")
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    # WHEN a stack is read
    with pytest.raises(ConfigError) as caught:
        read_stack_file("dev", project)
    # THEN the message names Pulumi.yaml and the key
    assert "name (line 2): duplicate key 'name'" in _bounded(str(caught.value), "Pulumi.yaml")


def test_dates_stay_text_and_core_tags_are_fine(project: Path) -> None:
    # GIVEN values YAML 1.1 would turn into a date, or that carry the core tags
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  finplatform:owner: 2024-01-01\n  finplatform:costCenter: !!str 42\n"
        "  finplatform:dataClassification: internal\n"
    )
    # WHEN the stack is read THEN they reach the program as the text written
    raw, _secrets = read_stack_file("dev", project)
    assert (raw["finplatform:owner"], raw["finplatform:costCenter"]) == ("2024-01-01", "42")
    assert resolve_stack("dev", raw).tags["owner"] == "2024-01-01"


def test_secure_values_are_not_refused(project: Path) -> None:
    # GIVEN a value encrypted by `pulumi config set --secret`
    (project / "Pulumi.dev.yaml").write_text("config:\n  finplatform:eksAdminRoleArn:\n    secure: AAABAHxy==\n")
    # WHEN the stack file is read THEN it is a secret placeholder, not a mapping where text belongs
    raw, secrets = read_stack_file("dev", project)
    assert secrets == ["finplatform:eksAdminRoleArn"] and raw["finplatform:eksAdminRoleArn"] == "[secret]"


CLI_CASES = {
    "a-list": ("- a\n- b\n", "the document is a list"),
    "second-config": ("config: {}\nconfig: {}\n", "config (line 2): duplicate key 'config'"),
    "billion-laughs": (_billion_laughs(), "once its aliases are expanded"),
}


@pytest.mark.parametrize(("content", "expected"), CLI_CASES.values(), ids=CLI_CASES.keys())
def test_cli_exits_2_with_one_line(project: Path, content: str, expected: str) -> None:
    # GIVEN a malformed stack file in a project folder
    (project / "Pulumi.dev.yaml").write_text(content)
    # WHEN a user plans it
    result = subprocess.run(
        [sys.executable, "-m", "finplatform", "plan", "--stack", "dev", "--project-dir", str(project)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN exit code 2, nothing on stdout, one line on stderr naming the file, and no traceback
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: invalid configuration in Pulumi.dev.yaml: ") and expected in line


# --- values: the same message whether the plan read the file or the engine handed the program its strings


def _both_rejected(project: Path, yaml_value: str, engine_value: str, key: str = "owner") -> str:
    """The message for ``finplatform:<key>`` from the stack file and from the engine's raw map, which must agree."""
    from_file = _file_rejected(project, f"config:\n  finplatform:{key}: {yaml_value}\n")
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", {f"finplatform:{key}": engine_value})
    assert _bounded(str(caught.value)) == from_file
    return from_file


VALUE_CASES = {
    "owner-a-list": ("owner", "[team-a, team-b]", '["team-a", "team-b"]', "not a list"),
    "owner-a-mapping": ("owner", "{team: a}", '{"team": "a"}', "not a mapping"),
    "cost-center-a-list": ("costCenter", "[cc-1]", '["cc-1"]', "expected a single value"),
    "owner-markup": ("owner", "'team<script>'", "team<script>", "'<' is not allowed"),
    "owner-too-long": ("owner", "x" * 300, "x" * 300, "at most 256 characters"),
    "cost-center-quote": ("costCenter", '''"cc'42"''', "cc'42", "becomes a tag value"),
    "budget-nan": ("monthlyBudgetUsd", ".nan", "nan", "finite number"),
    "budget-inf": ("monthlyBudgetUsd", ".inf", "inf", "finite number"),
    "budget-absurd": ("monthlyBudgetUsd", "1e15", "1e15", "less than or equal to 100000000"),
    "az-count-inf": ("azCount", ".inf", "inf", "valid integer"),
    "vpc-loopback": ("vpcCidr", "127.0.0.0/16", "127.0.0.0/16", "not a private range"),
    "vpc-link-local": ("vpcCidr", "169.254.0.0/16", "169.254.0.0/16", "not a private range"),
    "vpc-public": ("vpcCidr", "8.8.0.0/16", "8.8.0.0/16", "allowed: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16"),
    "dr-vpc-shared-space": ("drVpcCidr", "100.64.0.0/16", "100.64.0.0/16", "not a private range"),
    "usage-nan": ("usage", "[natProcessedGb=nan]", '["natProcessedGb=nan"]', "from 0 to 1,000,000,000"),
    "usage-inf": ("usage", "[albLcu=inf]", '["albLcu=inf"]', "albLcu needs a finite number"),
    "usage-absurd": ("usage", "[s3StorageGb=1e308]", '["s3StorageGb=1e308"]', "(got '1e308')"),
    "usage-negative": ("usage", "[s3StorageGb=-1]", '["s3StorageGb=-1"]', "cannot be negative"),
    "az-other-region": ("availabilityZones", "[eu-west-1a, eu-west-1b]", '["eu-west-1a", "eu-west-1b"]', "not an AZ"),
    "az-prefix-trick": (
        "availabilityZones",
        "[us-east-10a, us-east-1b]",
        '["us-east-10a", "us-east-1b"]',
        "us-east-10a",
    ),
    "az-id": ("availabilityZones", "[use1-az1, use1-az2]", '["use1-az1", "use1-az2"]', "such as us-east-1a"),
    "certificate-malformed": ("certificateArn", "my-cert", "my-cert", "is not an ACM certificate ARN"),
    "certificate-other-service": (
        "certificateArn",
        "arn:aws:iam::123456789012:server-certificate/web",
        "arn:aws:iam::123456789012:server-certificate/web",
        "allowed: arn:aws:acm:<region>:<account>:certificate/<id>",
    ),
    "certificate-other-region": (
        "certificateArn",
        "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
        "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
        "the certificate is in eu-west-1, but the load balancer is in us-east-1",
    ),
    "eks-admin-not-a-role": ("eksAdminRoleArn", "admin", "admin", "finplatform:eksAdminRoleArn: String should match"),
}


@pytest.mark.parametrize(
    ("key", "yaml_value", "engine_value", "expected"), VALUE_CASES.values(), ids=VALUE_CASES.keys()
)
def test_bad_value_is_one_message_on_both_paths(
    project: Path, key: str, yaml_value: str, engine_value: str, expected: str
) -> None:
    # GIVEN a value of the wrong shape, outside AWS's rules, non-finite or absurd
    # WHEN the stack resolves from its file and from the engine's strings
    message = _both_rejected(project, yaml_value, engine_value, key)
    # THEN both refuse it with the same message, naming the key and what is allowed
    assert f"finplatform:{key}" in message and expected in message


PROGRAM_CASES = {
    "owner-a-list": {"finplatform:owner": '["a", "b"]'},
    "usage-nan": {"finplatform:usage": '["natProcessedGb=nan"]'},
    "resource-usage-text": {"finplatform:resourceUsage": "lots"},
    "resource-usage-negative": {"finplatform:resourceUsage": '{"network-vpc-1": {"natProcessedGb": -5}}'},
    "resource-usage-huge": {"finplatform:resourceUsage": '{"nat": {"natProcessedGb": 1e400}}'},
    "secret-override": {"finplatform:overrides": '["settings.dev.DB_PASSWORD=hunter2"]'},
    "tagged-override": {"finplatform:overrides": '["services.web-ui.port=!!python/object:os.system x"]'},
    "thousand-unknown-keys": {f"finplatform:k{i}": "x" for i in range(1000)},
}


@pytest.mark.parametrize("raw", PROGRAM_CASES.values(), ids=PROGRAM_CASES.keys())
def test_pulumi_up_ends_with_the_same_message(raw: dict[str, str]) -> None:
    # GIVEN the config the engine hands the program under `pulumi up`
    with pytest.raises(ConfigError) as expected:
        resolve_stack("dev", raw)
    monitor = install_mocks("dev", raw)
    try:
        # WHEN the program starts
        with pytest.raises(pulumi.RunError) as caught:
            run_declarations(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"))
        # THEN it ends with RunError (printed without a traceback) carrying the plan's message, declaring nothing
        assert str(caught.value) == _bounded(str(expected.value))
        assert monitor.planned == []
    finally:
        pulumi.runtime.settings.reset_options()


DOMAIN_CASES = {
    "domain-with-scheme": ("https://portfolio.example.com", "Z0123456789ABCDEFGHIJ", "is not a domain name"),
    "domain-upper-case": ("Portfolio.Example.com", "Z0123456789ABCDEFGHIJ", "lower-case labels"),
    "domain-trailing-dot": ("portfolio.example.com.", "Z0123456789ABCDEFGHIJ", "no scheme, path or trailing dot"),
    "domain-one-label": ("localhost", "Z0123456789ABCDEFGHIJ", "is not a domain name"),
    "domain-label-hyphen": ("-portfolio.example.com", "Z0123456789ABCDEFGHIJ", "is not a domain name"),
    "zone-with-prefix": ("portfolio.example.com", "/hostedzone/Z0123456789ABCDEFGHIJ", "without /hostedzone/"),
    "zone-too-short": ("portfolio.example.com", "Z12", "Z followed by 8 to 31 upper-case letters and digits"),
    "zone-lower-case": ("portfolio.example.com", "z0123456789abcdefghij", "is not a Route 53 hosted zone ID"),
}


@pytest.mark.parametrize(("domain", "zone", "expected"), DOMAIN_CASES.values(), ids=DOMAIN_CASES.keys())
def test_malformed_domain_or_zone_is_refused(domain: str, zone: str, expected: str) -> None:
    # GIVEN a domain and hosted zone, one of them malformed WHEN the stack resolves
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", {"finplatform:domainName": domain, "finplatform:hostedZoneId": zone})
    # THEN one problem names it: the other key is not blamed as well
    assert expected in _bounded(str(caught.value))


def test_well_formed_domain_certificate_and_zone_are_accepted() -> None:
    # GIVEN a domain, a zone and a certificate in the stack's own region WHEN the stack resolves THEN they stand
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    raw = {"aws:region": "eu-west-1", "finplatform:certificateArn": arn}
    raw |= {"finplatform:domainName": "portfolio.example.co.uk", "finplatform:hostedZoneId": "Z2FDTNDATAQYW2"}
    assert resolve_stack("dev", raw).config.certificate_arn == arn


def test_nan_never_switches_off_the_budget_policy() -> None:
    # GIVEN a budget that is not a finite number, from pack config or from the stack, or NaN usage
    cases = [
        Context("prod", "prod", {}, {"monthlyBudgetUsd": {"prod": float("nan")}}),
        Context("prod", "prod", {}, {"monthlyBudgetUsd": {"prod": "lots"}}),
        Context("prod", "prod", {"finplatform:monthlyBudgetUsd": "inf"}, {}),
        Context("prod", "prod", {"finplatform:usage": '["natProcessedGb=nan"]'}, {}),
    ]
    # WHEN the budget policy judges an empty stack THEN each is a violation, never a pass
    for context in cases:
        assert list(_budget([], context)), context
    assert list(_budget([], Context("prod", "prod", {}, {}))) == []


# --- blueprints: a file of its own in a temporary blueprints folder


@pytest.fixture
def blueprint_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "blueprints"
    directory.mkdir()
    monkeypatch.setattr(
        stack_module, "available_blueprints", functools.partial(blueprint_module.available_blueprints, directory)
    )
    monkeypatch.setattr(
        stack_module,
        "read_blueprint_document",
        functools.partial(blueprint_module.read_blueprint_document, directory=directory),
    )
    return directory


BASE_BLUEPRINT: dict[str, Any] = yaml.safe_load((ROOT / "blueprints" / "portfolio-analytics.yaml").read_text()) | {
    "name": "ledger"
}


def _blueprint_rejected(
    directory: Path,
    change: Callable[[dict[str, Any]], object] | None = None,
    *,
    text: str = "",
    overrides: list[str] | None = None,
) -> str:
    document = copy.deepcopy(BASE_BLUEPRINT)
    if change is not None:
        change(document)
    (directory / "ledger.yaml").write_text(text or yaml.safe_dump(document, sort_keys=False))
    raw = {"finplatform:blueprint": "ledger", "finplatform:overrides": json.dumps(overrides or [])}
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", raw)
    return _bounded(str(caught.value))


def _service(**fields: object) -> Callable[[dict[str, Any]], object]:
    return lambda document: document["services"][0].update(fields)


def _function(**fields: object) -> Callable[[dict[str, Any]], object]:
    return lambda document: document["functions"][0].update(fields)


def test_the_base_blueprint_is_accepted(blueprint_dir: Path) -> None:
    # GIVEN a copy of a shipped blueprint under its own file name WHEN a stack uses it THEN it resolves
    (blueprint_dir / "ledger.yaml").write_text(yaml.safe_dump(BASE_BLUEPRINT, sort_keys=False))
    assert resolve_stack("dev", {"finplatform:blueprint": "ledger"}).blueprint.name == "ledger"


BLUEPRINT_CASES: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "name-differs-from-file": (lambda d: d.update(name="other"), "name: 'other' differs from the file name"),
    "image-with-spaces": (_service(image="Web UI:latest"), "services.web-ui.image: 'Web UI:latest' is not an image"),
    "image-with-a-registry-port": (_service(image="localhost:5000/web:1"), "no registry host"),
    "image-tag-and-digest": (_service(image="web:1@sha256:" + "a" * 64), "is not an image reference"),
    "image-short-digest": (_service(image="web@sha256:abc"), "<repository>@sha256:<64 hex digits>"),
    "negative-concurrency": (
        lambda d: d["functions"][0]["reservedConcurrency"].update(prod=-1),
        "functions.blockchain-anchoring.reservedConcurrency.prod: Input should be greater than or equal to 0 (got -1)",
    ),
    "schedule-prose": (_function(schedule="every 5 minutes"), "is not a schedule expression; allowed: rate("),
    "schedule-five-field-cron": (_function(schedule="cron(0 12 * * ?)"), "has 5 fields, not 6"),
    "schedule-two-day-fields": (
        _function(schedule="cron(0 12 * * * *)"),
        "exactly one of day-of-month and day-of-week",
    ),
    "schedule-minute-60": (_function(schedule="cron(60 12 * * ? *)"), "minutes '60': '60' is not a value"),
    "schedule-plural-one": (_function(schedule="rate(1 hours)"), "write rate(1 hour)"),
    "schedule-zero-rate": (_function(schedule="rate(0 minutes)"), "a rate is at least 1"),
    "postgres-version-gone": (lambda d: d["postgres"].update(engineVersion="9.6"), "RDS offers no PostgreSQL '9.6'"),
    "postgres-minor-invented": (
        lambda d: d["postgres"].update(engineVersion="16.99"),
        "PostgreSQL 16.99 does not exist",
    ),
    "redis-version-invented": (lambda d: d["redis"].update(engineVersion="7.3"), "allowed: 6.0, 6.2, 7.0, 7.1"),
    "health-check-without-slash": (
        _service(healthCheckPath="health"),
        "healthCheckPath: 'health' is not a health-check",
    ),
    "empty-path-patterns": (_service(pathPatterns=[]), "pathPatterns: List should have at least 1 item"),
    "path-pattern-too-long": (_service(pathPatterns=["/" + "a" * 200]), "at most 128 characters"),
    "snake-case-field": (
        _service(health_check_path="/x"),
        "services.web-ui.health_check_path: unknown field; did you mean healthCheckPath?",
    ),
    "list-where-text-belongs": (
        lambda d: d.update(description=["a", "b"]),
        "description: Input should be a valid string (got ['a', 'b'])",
    ),
    "nan-threshold": (
        lambda d: d.update(alerts=[{"metric": "cpu", "threshold": float("nan")}]),
        "alerts.0.threshold: Input should be a finite number",
    ),
    "loopback-vpc": (
        lambda d: d.update(network={"vpcCidr": "127.0.0.0/16"}),
        "network.vpcCidr: VPC CIDR 127.0.0.0/16 is not a private range",
    ),
    "bad-subnet-cidr": (
        lambda d: d.update(network={"publicSubnetCidrs": ["10.0.1.0/33"]}),
        "network.publicSubnetCidrs.0: invalid CIDR",
    ),
    "secret-setting": (
        lambda d: d["settings"]["prod"].update(DB_PASSWORD="hunter2"),
        "'DB_PASSWORD' looks like a secret",
    ),
    "camel-case-secret-setting": (
        lambda d: d["settings"]["dev"].update(stripeApiKey="sk_live"),
        "declare it in the blueprint's secrets: list",
    ),
    "setting-not-a-variable-name": (
        lambda d: d["settings"]["dev"].update({"2FAST": "x"}),
        "is not an environment variable name",
    ),
}


@pytest.mark.parametrize(("change", "expected"), BLUEPRINT_CASES.values(), ids=BLUEPRINT_CASES.keys())
def test_bad_blueprint_field_is_one_message(
    blueprint_dir: Path, change: Callable[[dict[str, Any]], object], expected: str
) -> None:
    # GIVEN a blueprint with one malformed field WHEN a stack uses it
    message = _blueprint_rejected(blueprint_dir, change)
    # THEN the message names the stack key, the blueprint file and the field as written, and what is allowed
    assert "finplatform:blueprint: blueprints/ledger.yaml: " in message
    assert expected in message


BLUEPRINT_FILE_CASES = {
    "duplicate-key": ("name: ledger\nseed: '1'\nseed: '2'\n", "blueprints/ledger.yaml: seed (line 3): duplicate key"),
    "a-list": ("- name: ledger\n", "blueprints/ledger.yaml: the document is a list"),
    "empty": ("", "blueprints/ledger.yaml: the document is empty"),
    "recursive-alias": ("name: ledger\nsettings: &s\n  dev: *s\n", "settings.dev (line 3): an alias refers"),
    "python-tag": ("name: !!python/name:os.system ledger\n", "name (line 1): the YAML tag '!!python/name:os.system'"),
}


@pytest.mark.parametrize(("text", "expected"), BLUEPRINT_FILE_CASES.values(), ids=BLUEPRINT_FILE_CASES.keys())
def test_malformed_blueprint_file_is_one_message(blueprint_dir: Path, text: str, expected: str) -> None:
    # GIVEN a blueprint file malformed as YAML WHEN a stack uses it THEN one message names the file and where
    (blueprint_dir / "ledger.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", {"finplatform:blueprint": "ledger"})
    assert expected in _bounded(str(caught.value))


def test_blueprint_that_is_not_utf8_is_one_message(blueprint_dir: Path) -> None:
    # GIVEN a blueprint saved as Latin-1 WHEN a stack uses it THEN the message names the file and the line
    (blueprint_dir / "ledger.yaml").write_bytes(b"name: ledger\ndescription: caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", {"finplatform:blueprint": "ledger"})
    assert "blueprints/ledger.yaml (line 2): not UTF-8 text (byte 0xe9)" in _bounded(str(caught.value))


OVERRIDE_CASES = {
    "not-yaml": ("services.web-ui.image=[unclosed", "the value '[unclosed' is refused: not valid YAML"),
    "python-tag": ("services.web-ui.image=!!python/object/apply:os.system [id]", "the YAML tag '!!python/object/apply"),
    "core-tag": ("services.web-ui.port=!!str 80", "the YAML tag '!!str' is not allowed here; write a plain value"),
    "alias-bomb": ("services.web-ui.image=*a", "found undefined alias"),
    "secret-setting": ("settings.prod.API_TOKEN=abc", "'API_TOKEN' looks like a secret"),
    "secret-in-a-mapping": ("settings.dev={PRIVATE_KEY: abc}", "settings.dev: 'PRIVATE_KEY' looks like a secret"),
    "negative-concurrency": ("functions.blockchain-anchoring.reservedConcurrency.dev=-5", "greater than or equal to 0"),
    "bad-schedule": ("functions.blockchain-anchoring.schedule=cron(* * * * * *)", "exactly one of day-of-month"),
    "rename": ("name=other", "name cannot be overridden"),
    "no-equals": ("services.web-ui.image", "expected path=value"),
    "snake-case": ("services.web-ui.health_check_path=/x", "unknown field; did you mean healthCheckPath?"),
}


@pytest.mark.parametrize(("override", "expected"), OVERRIDE_CASES.values(), ids=OVERRIDE_CASES.keys())
def test_bad_override_is_one_message(override: str, expected: str) -> None:
    # GIVEN an override of the shipped blueprint that is malformed, tagged or a plaintext secret
    # WHEN the stack resolves
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", {"finplatform:overrides": json.dumps([override])})
    # THEN one message names the override by position and says what is wrong
    message = _bounded(str(caught.value))
    assert "finplatform:overrides[0]: " in message and expected in message


def test_override_values_are_plain_yaml() -> None:
    # GIVEN plain values: a number, a list, a mapping WHEN parsed as override values THEN they are those values
    assert loads("6", tags=False) == 6
    assert loads("[/api/*, /v2/*]", tags=False) == ["/api/*", "/v2/*"]
    assert loads("{A: b}", tags=False) == {"A": "b"}
    with pytest.raises(YamlError):
        loads("!!int 6", tags=False)


# --- messages: bounded, named as written


def test_huge_value_is_quoted_shortened() -> None:
    # GIVEN an owner of a hundred thousand characters WHEN the stack resolves
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", {"finplatform:owner": "x" * 100_000})
    # THEN the message quotes the start and says how long it is
    message = _bounded(str(caught.value))
    assert "(100,000 characters)" in message and len(message) < 400


def test_huge_unknown_key_is_named_shortened() -> None:
    # GIVEN an unknown key of ten thousand characters WHEN the stack resolves THEN it is named shortened
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", {"finplatform:" + "k" * 10_000: "x"})
    assert "(10,012 characters)" in _bounded(str(caught.value))


def test_a_thousand_unknown_keys_list_the_allowed_keys_once(project: Path) -> None:
    # GIVEN a stack file with a thousand unknown keys
    keys = "".join(f"  finplatform:unknown{i}: x\n" for i in range(1000))
    # WHEN it resolves
    message = _file_rejected(project, "config:\n" + keys)
    # THEN one message names the first few, counts the rest and lists the allowed keys once
    assert message.count("finplatform:vpcCidr") == 1
    assert "finplatform:unknown0, finplatform:unknown1" in message and "and 995 more: unknown keys" in message


def test_a_thousand_foreign_keys_are_one_problem() -> None:
    # GIVEN a thousand keys in another namespace WHEN the stack resolves THEN one bounded problem counts them
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", {f"aws:k{i}": "x" for i in range(1000)})
    message = _bounded(str(caught.value))
    assert "and 995 more: unknown keys; this project declares its providers explicitly" in message


def test_snake_case_key_is_named_as_written() -> None:
    # GIVEN cost_center where the key is costCenter WHEN the stack resolves
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", {"finplatform:cost_center": "cc-1"})
    # THEN the message names the key as written and suggests the camelCase one
    message = _bounded(str(caught.value))
    assert message.startswith(
        "invalid configuration in Pulumi.dev.yaml: finplatform:cost_center: unknown key; did you mean "
        "finplatform:costCenter? keys are camelCase"
    )


def test_many_problems_are_capped() -> None:
    # GIVEN a stack with many bad values at once WHEN it resolves
    raw = {"finplatform:alertEmails": json.dumps([f"not-an-address-{i}" for i in range(50)])}
    with pytest.raises(ConfigError) as caught:
        resolve_stack("dev", raw)
    # THEN the message lists the first ten and counts the rest
    lines = str(caught.value).splitlines()
    assert len(lines) == 12 and lines[-1].strip() == "and 40 more problems"
