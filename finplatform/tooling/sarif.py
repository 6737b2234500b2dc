"""``plan --sarif FILE``: the policy findings and waivers of one or more planned stacks as SARIF 2.1.0, the format
GitHub code scanning reads.

One run per stack, each with its own ``automationDetails.id`` (``finplatform-plan/<stack>/``), so that code
scanning keeps each stack's alerts apart. In each run:

- ``tool.driver.rules``: every policy of the packs, with its description, help (what it checks, how to fix a
  finding, how to waive one), severity (``properties.security-severity`` as code scanning ranks it) and the FSBP
  controls it covers (``properties.fsbp`` and ``fsbp:<id>`` tags);
- ``results``: every finding, ``error`` when it fails the plan (mandatory) and ``warning`` when it is advisory,
  located in the stack file and, for a resource a blueprint entry declares (a service, function, bucket, secret
  or store), first at that entry's line in ``blueprints/<name>.yaml``, where the fix usually goes; the resource is
  the logical location (its name, its URN as fully qualified name);
- a finding waived by ``finplatform:policyWaivers`` carries a SARIF suppression (``inSource``, ``accepted``, the
  reason, who approved it and the expiry as justification, located at the waiver's entry in the stack file),
  and keeps the level it would have without the waiver;
- every waiver is in ``properties.waivers`` with its status; one that expired or matches no finding is also a
  tool configuration notification at its line.
"""

import hashlib
import importlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from finplatform import BLUEPRINTS_DIR, ROOT

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
TOOL = "finplatform-policies"
STACK_KEY_WAIVERS = "finplatform:policyWaivers"
STACK_KEY_BLUEPRINT = "finplatform:blueprint"
# GitHub code scanning ranks security-severity: critical above 9.0, high 7.0-8.9, medium 4.0-6.9, low below 4.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
LEVELS = {"mandatory": "error", "advisory": "warning"}
FSBP_GUIDE = "https://docs.aws.amazon.com/securityhub/latest/userguide"

# Blueprint sections whose entries have names, and the components that declare resources named after them
# ("storage-portfolio-data-policy" is the portfolio-data bucket's; a DR copy adds a "dr-" prefix).
NAMED_SECTIONS = {
    "services": ("services", "instances", "kubernetes", "registry", "edge"),
    "functions": ("functions",),
    "buckets": ("storage",),
    "secrets": ("secrets",),
}
# Single stores and parts, and the component names their resources start with.
STORE_SECTIONS = {
    "postgres": "postgres",
    "redis": "redis",
    "timeSeries": "time-series",
    "kubernetes": "kubernetes",
    "frontend": "cdn",
    "delivery": "delivery",
}


@dataclass(frozen=True)
class StackFindings:
    """What one stack's plan found: ``policies`` is ``Plan.policies_json()`` (packs, violations, waivers)."""

    stack: str
    blueprint: str
    environment: str
    policies: Mapping[str, Any]


@dataclass(frozen=True)
class Location:
    uri: str
    line: int
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        physical = {"artifactLocation": {"uri": self.uri}, "region": {"startLine": self.line}}
        return {"physicalLocation": physical, **({"message": {"text": self.note}} if self.note else {})}


# --- the rules -------------------------------------------------------------------------------------------


@cache
def _rule_modules() -> tuple[Any, ...]:
    """The rules module of every pack in ``policies/``."""
    return tuple(
        importlib.import_module(f"policies.{module_file.parent.name}.rules")
        for module_file in sorted((ROOT / "policies").glob("*/rules.py"))
        if (module_file.parent / "PulumiPolicy.yaml").is_file()
    )


def catalog() -> dict[str, tuple[str, Any]]:
    """Every policy of the packs in ``policies/`` by name, with the name of its pack."""
    return {rule.name: (module.NAME, rule) for module in _rule_modules() for rule in module.RULES}


def mandatory_everywhere() -> frozenset[str]:
    """The packs whose default enforcement is mandatory in every environment, not only prod."""
    return frozenset(m.NAME for m in _rule_modules() if getattr(m, "MANDATORY_EVERYWHERE", False))


def _default_level(pack: str, environment: str) -> str:
    """A policy's level before pack config: mandatory (error) in prod, or everywhere for such packs."""
    return "error" if environment == "prod" or pack in mandatory_everywhere() else "warning"


def fsbp_link(control: str) -> str:
    """The Security Hub user guide's page for an FSBP control: RDS.3 -> rds-controls.html#rds-3."""
    service, _, number = control.partition(".")
    return f"{FSBP_GUIDE}/{service.lower()}-controls.html#{service.lower()}-{number}"


def _rule_descriptor(pack: str, rule: Any, environment: str) -> dict[str, Any]:
    controls = list(rule.fsbp)
    severity = str(rule.severity)
    scope = "the whole stack" if rule.stack_check else (", ".join(rule.types) or "every taggable AWS resource")
    fix = (
        "Each finding's message names the resource and what to set. Change it where it is declared: the "
        "blueprint entry the finding points to, the stack file, or the component in components/. To accept a "
        "finding on purpose, waive it for that resource in the stack file (finplatform:policyWaivers: policy, "
        "resource, reason, approvedBy, expires); critical policies cannot be waived in prod."
    )
    covered = f" Covers FSBP {', '.join(controls)}." if controls else ""
    source = str(getattr(rule, "source", "") or "")
    text = f"{rule.description}{covered} Severity {severity}; applies to {scope}.\n\nHow to fix: {fix}"
    links = [f"[{c}]({fsbp_link(c)})" for c in controls] + ([f"[AWS documentation]({source})"] if source else [])
    markdown = (
        f"**{rule.description}**\n\nSeverity: {severity}. Pack: `{pack}`. Applies to {scope}."
        + (f"\n\nAWS Security Hub FSBP: {', '.join(links)}." if links else "")
        + f"\n\n**How to fix.** {fix}\n\nSee docs/policies.md."
    )
    descriptor: dict[str, Any] = {
        "id": rule.name,
        "name": rule.name,
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": f"{rule.description}{covered}"},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": _default_level(pack, environment)},
        "properties": {
            "tags": ["security", pack, *(f"fsbp:{c}" for c in controls)],
            "precision": "high",
            "security-severity": SECURITY_SEVERITY.get(severity, "5.5"),
            "severity": severity,
            "fsbp": controls,
            "pack": pack,
            **({"otherIds": list(others)} if (others := getattr(rule, "other_ids", ())) else {}),
        },
    }
    if controls:
        descriptor["helpUri"] = fsbp_link(controls[0])
    elif source.startswith("https://"):
        descriptor["helpUri"] = source
    return descriptor


# --- where things are written ----------------------------------------------------------------------------


def _compose(path: Path) -> Any:
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _mapping_items(node: Any) -> list[tuple[Any, Any]]:
    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def _scalar(node: Any) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


@dataclass(frozen=True)
class StackFile:
    """A stack file's lines: its config section, its blueprint key and each waiver's entry."""

    uri: str
    config_line: int = 1
    blueprint_line: int = 0
    waiver_lines: tuple[int, ...] = ()

    @classmethod
    def read(cls, stack: str, root: Path) -> "StackFile":
        path = root / f"Pulumi.{stack}.yaml"
        uri = path.name  # relative to the project folder, the repository's root where code scanning reads it
        document = _compose(path)
        for key, value in _mapping_items(document):
            if _scalar(key) != "config":
                continue
            blueprint_line, waivers = 0, ()
            for name, setting in _mapping_items(value):
                if _scalar(name) == STACK_KEY_BLUEPRINT:
                    blueprint_line = name.start_mark.line + 1
                if _scalar(name) == STACK_KEY_WAIVERS and isinstance(setting, yaml.SequenceNode):
                    waivers = tuple(item.start_mark.line + 1 for item in setting.value)
            return cls(uri, key.start_mark.line + 1, blueprint_line, waivers)
        return cls(uri)

    def here(self, from_blueprint: bool, note: str = "") -> Location:
        """The stack file: at its blueprint key for what the blueprint declares, else at its config section."""
        return Location(self.uri, (from_blueprint and self.blueprint_line) or self.config_line, note)

    def waiver(self, position: int, note: str = "") -> Location:
        line = self.waiver_lines[position] if position < len(self.waiver_lines) else self.config_line
        return Location(self.uri, line, note)


@dataclass(frozen=True)
class BlueprintFile:
    """A blueprint's entries: (the names its resources carry, as tokens; line; what it is), most specific first."""

    uri: str
    entries: tuple[tuple[tuple[str, ...], int, str], ...] = ()

    @classmethod
    def read(cls, name: str) -> "BlueprintFile":
        path = BLUEPRINTS_DIR / f"{name}.yaml"
        named: list[tuple[tuple[str, ...], int, str]] = []
        stores: list[tuple[tuple[str, ...], int, str]] = []
        for key, value in _mapping_items(_compose(path)):
            section = _scalar(key)
            if section in NAMED_SECTIONS and isinstance(value, yaml.SequenceNode):
                for item in value.value:
                    entry = next((_scalar(v) for k, v in _mapping_items(item) if _scalar(k) == "name"), "")
                    if not entry:
                        continue
                    line, what = item.start_mark.line + 1, f"{section} entry {entry}"
                    for prefix in NAMED_SECTIONS[section]:
                        named.append(((*prefix.split("-"), *entry.split("-")), line, what))
            elif section in STORE_SECTIONS:
                stores.append((tuple(STORE_SECTIONS[section].split("-")), key.start_mark.line + 1, section))
        named.sort(key=lambda e: -len(e[0]))
        return cls(_relative(path), (*named, *stores))

    def locate(self, resource: str) -> Location | None:
        """The entry that declares the resource with this logical name, if a blueprint entry does."""
        tokens = resource.split("-")
        for pattern, line, what in self.entries:
            width = len(pattern)
            if any(tuple(tokens[i : i + width]) == pattern for i in range(len(tokens) - width + 1)):
                return Location(self.uri, line, f"declared by the blueprint's {what}")
        return None


def _relative(path: Path) -> str:
    for base in (ROOT, Path.cwd()):
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.resolve().as_uri()


# --- results ---------------------------------------------------------------------------------------------


def _waived_level(message: str) -> str | None:
    """The level a waived finding would have without its waiver, as the pack wrote it."""
    for level in LEVELS:
        if f"({level} without the waiver)" in message:
            return level
    return None


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _waiver_text(waiver: Mapping[str, Any]) -> str:
    return f"{waiver['reason']} (approved by {waiver['approvedBy']}; expires {waiver['expires']})"


def _results(
    findings: StackFindings, stack_file: StackFile, blueprint: BlueprintFile, rule_index: Mapping[str, int]
) -> list[dict[str, Any]]:
    waivers = list(findings.policies.get("waivers") or [])
    results = []
    seen: dict[tuple[str, str], int] = {}
    for violation in findings.policies.get("violations") or []:
        policy, urn = str(violation["policy"]), str(violation.get("urn") or "")
        message = str(violation["message"]).split("\n", 1)[-1]
        name = urn.rsplit("::", 1)[-1] if urn else ""
        covering = [
            (position, w)
            for position, w in enumerate(waivers)
            if w["policy"] == policy and urn and urn in w.get("findings", [])
        ]
        # Suppressed only where the pack did waive it (it says so, and at which level it would fail otherwise).
        was = _waived_level(message)
        active = [(p, w) for p, w in covering if w.get("status") == "active"] if was else []
        level = was or str(violation["level"])
        placed = blueprint.locate(name) if name else None
        locations = [stack_file.here(placed is not None, f"stack {findings.stack}")]
        if placed is not None:
            locations.insert(0, placed)
        first = locations[0].to_json()
        if urn:
            first["logicalLocations"] = [{"name": name, "fullyQualifiedName": urn, "kind": "resource"}]
        occurrence = seen[(policy, urn)] = seen.get((policy, urn), -1) + 1
        result: dict[str, Any] = {
            "ruleId": policy,
            "level": LEVELS.get(level, "note"),
            "kind": "fail",
            "message": {"text": message},
            "locations": [first, *(loc.to_json() for loc in locations[1:])],
            "partialFingerprints": {
                "finplatformFinding/v1": _fingerprint(findings.stack, policy, urn or message, str(occurrence))
            },
            "properties": {
                "stack": findings.stack,
                "environment": findings.environment,
                "pack": violation.get("pack", ""),
                "enforcement": level,
                **({"resource": name, "urn": urn} if urn else {}),
            },
        }
        if policy in rule_index:
            result["ruleIndex"] = rule_index[policy]
        if active:
            result["suppressions"] = [
                {
                    "kind": "inSource",
                    "status": "accepted",
                    "justification": _waiver_text(w),
                    "location": stack_file.waiver(p, "finplatform:policyWaivers").to_json(),
                    "properties": {"approvedBy": w["approvedBy"], "expires": w["expires"]},
                }
                for p, w in active
            ]
        expired = [w for _, w in covering if w.get("status") == "expired"]
        if expired:
            result["properties"]["expiredWaivers"] = [dict(w, findings=len(w.get("findings", []))) for w in expired]
        results.append(result)
    return results


def _notifications(findings: StackFindings, stack_file: StackFile) -> list[dict[str, Any]]:
    """A waiver that expired, or in force but matching no finding, as a notification at its entry."""
    notes = []
    for position, waiver in enumerate(findings.policies.get("waivers") or []):
        head = f"waiver of {waiver['policy']} for {waiver['resource']}"
        if waiver.get("status") == "expired":
            kind, text = "waiver-expired", f"{head} expired on {waiver['expires']}: it waives nothing"
        elif not waiver.get("findings"):
            kind, text = "waiver-unused", f"{head} matches no finding: remove it or correct it"
        else:
            continue
        notes.append(
            {
                "descriptor": {"id": kind},
                "level": "warning",
                "message": {"text": text},
                "locations": [stack_file.waiver(position).to_json()],
            }
        )
    return notes


def run(findings: StackFindings, root: Path = ROOT) -> dict[str, Any]:
    """One stack's run."""
    rules = catalog()
    names = sorted(rules)
    rule_index = {name: position for position, name in enumerate(names)}
    stack_file = StackFile.read(findings.stack, root)
    blueprint = BlueprintFile.read(findings.blueprint)
    waivers = [dict(w, findings=list(w.get("findings", []))) for w in findings.policies.get("waivers") or []]
    return {
        "tool": {
            "driver": {
                "name": TOOL,
                "informationUri": "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                "rules": [_rule_descriptor(*rules[name], findings.environment) for name in names],
            }
        },
        "automationDetails": {"id": f"finplatform-plan/{findings.stack}/"},
        "invocations": [
            {
                "executionSuccessful": True,
                "toolConfigurationNotifications": _notifications(findings, stack_file),
            }
        ],
        "results": _results(findings, stack_file, blueprint, rule_index),
        "properties": {
            "stack": findings.stack,
            "blueprint": findings.blueprint,
            "environment": findings.environment,
            "packs": list(findings.policies.get("packs") or []),
            "waivers": waivers,
        },
    }


def sarif_log(stacks: Iterable[StackFindings], root: Path = ROOT) -> dict[str, Any]:
    """The SARIF log: one run per stack."""
    return {"$schema": SCHEMA, "version": VERSION, "runs": [run(findings, root) for findings in stacks]}


def write_sarif(path: Path, stacks: Sequence[StackFindings], root: Path = ROOT) -> None:
    path.write_text(json.dumps(sarif_log(stacks, root), indent=2) + "\n", encoding="utf-8")
