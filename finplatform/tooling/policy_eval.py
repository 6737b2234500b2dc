"""Evaluate the CrossGuard packs in ``policies/`` over planned resources, through the analyzer protocol.

Each pack is started the way the Pulumi CLI starts a Python policy pack: its ``__main__.py`` with the pack's
virtualenv, the stack's name and config in the environment (``PULUMI_STACK``, ``PULUMI_CONFIG`` ...), the gRPC
port read from its first line of output. It is then sent GetAnalyzerInfo, Configure, ConfigureStack, one
Analyze per resource and one AnalyzeStack, with properties as protobuf Structs as the engine sends them.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from finplatform import PROJECT, ROOT

POLICIES_DIR = ROOT / "policies"
LEVELS = {0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate"}
SEVERITIES = {0: "unspecified", 1: "low", 2: "medium", 3: "high", 4: "critical"}


@dataclass(frozen=True)
class AnalyzedResource:
    """A resource as the engine describes it to an analyzer."""

    urn: str
    type: str
    name: str
    properties: Mapping[str, Any]
    parent: str = ""
    protect: bool = False
    dependencies: Sequence[str] = ()
    provider: "AnalyzedResource | None" = None
    state: Mapping[str, Any] | None = None  # what a stack analysis sees: inputs and known outputs


@dataclass(frozen=True)
class Violation:
    """One diagnostic a pack reported."""

    pack: str
    policy: str
    level: str
    urn: str
    message: str
    severity: str = "unspecified"

    def to_json(self) -> dict[str, str]:
        return {"pack": self.pack, "policy": self.policy, "level": self.level, "urn": self.urn, "message": self.message}


def discover_packs(directory: Path = POLICIES_DIR) -> list[Path]:
    """Every folder under ``policies/`` with a PulumiPolicy.yaml."""
    return sorted(p.parent for p in directory.glob("*/PulumiPolicy.yaml"))


def _pack_python(pack: Path) -> str:
    """The interpreter of the pack's virtualenv, as PulumiPolicy.yaml names it."""
    with (pack / "PulumiPolicy.yaml").open(encoding="utf-8") as handle:
        manifest = yaml.safe_load(handle) or {}
    runtime = manifest.get("runtime") or {}
    virtualenv = (runtime.get("options") or {}).get("virtualenv") if isinstance(runtime, dict) else None
    if virtualenv:
        # normpath, not resolve: the venv's python is a symlink, and following it would leave the venv
        candidate = os.path.normpath(str(pack / str(virtualenv) / "bin" / "python"))
        if os.path.exists(candidate):
            return candidate
    return sys.executable


def read_policy_pack_config(paths: Iterable[Path]) -> dict[str, Any]:
    """Merge ``--policy-pack-config`` files (JSON, as the CLI takes them): policy name -> level or settings."""
    merged: dict[str, Any] = {}
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            merged.update(json.load(handle))
    return merged


def _struct(values: Mapping[str, Any]) -> Any:
    from google.protobuf import struct_pb2

    struct = struct_pb2.Struct()
    struct.update(json.loads(json.dumps(values, default=str)))
    return struct


class PackProcess:
    """A running policy pack and its analyzer stub."""

    def __init__(self, pack: Path, stack: str, config: Mapping[str, str], dry_run: bool = True) -> None:
        self.pack = pack
        self.stack = stack
        self.config = dict(config)
        environment = {
            **os.environ,
            "PULUMI_CONFIG": json.dumps(self.config),
            "PULUMI_STACK": stack,
            "PULUMI_PROJECT": PROJECT,
            "PULUMI_ORGANIZATION": "organization",
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
        }
        self.process = subprocess.Popen(
            [_pack_python(pack), "-u", str(pack)],
            cwd=pack,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.name = pack.name
        self._stub: Any = None
        self._channel: Any = None
        self.policy_levels: dict[str, str] = {}

    def connect(self, pack_config: Mapping[str, Any]) -> None:
        """Wait for the port, then describe and configure the pack as the CLI does."""
        import grpc
        from google.protobuf import empty_pb2
        from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            _, errors = self.process.communicate(timeout=30)
            raise RuntimeError(f"policy pack {self.pack} did not start:\n{line}\n{errors.decode()}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        info = self._stub.GetAnalyzerInfo(empty_pb2.Empty())
        self.name = info.name
        policy_config = {}
        for policy in info.policies:
            level, properties = LEVELS.get(policy.enforcementLevel, "advisory"), {}
            for key in ("all", policy.name):
                setting = pack_config.get(key)
                if isinstance(setting, str):
                    level = setting
                elif isinstance(setting, Mapping):
                    level = str(setting.get("enforcementLevel", level))
                    if key == policy.name:
                        properties = {k: v for k, v in setting.items() if k != "enforcementLevel"}
            self.policy_levels[policy.name] = level
            policy_config[policy.name] = analyzer_pb2.PolicyConfig(
                enforcementLevel=analyzer_pb2.EnforcementLevel.Value(level.upper()), properties=_struct(properties)
            )
        self._stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=policy_config))
        self._stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=self.stack,
                project=PROJECT,
                organization="organization",
                dry_run=True,
                config=self.config,
            )
        )

    def _options(self, resource: AnalyzedResource) -> Any:
        from pulumi.runtime.proto import analyzer_pb2

        return analyzer_pb2.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent)

    def _provider(self, resource: AnalyzedResource) -> Any:
        from pulumi.runtime.proto import analyzer_pb2

        provider = resource.provider
        if provider is None:
            return None
        return analyzer_pb2.AnalyzerProviderResource(
            type=provider.type, properties=_struct(provider.properties), urn=provider.urn, name=provider.name
        )

    def _violations(self, response: Any) -> list[Violation]:
        return [
            Violation(
                self.name,
                d.policyName,
                LEVELS.get(d.enforcementLevel, "advisory"),
                d.urn,
                d.message,
                SEVERITIES.get(d.severity, "unspecified"),
            )
            for d in response.diagnostics
        ]

    def analyze(self, resource: AnalyzedResource) -> list[Violation]:
        from pulumi.runtime.proto import analyzer_pb2

        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            properties=_struct(resource.properties),
            urn=resource.urn,
            name=resource.name,
            options=self._options(resource),
            provider=self._provider(resource),
        )
        return [replace_urn(v, resource.urn) for v in self._violations(self._stub.Analyze(request))]

    def analyze_stack(self, resources: Sequence[AnalyzedResource]) -> list[Violation]:
        from pulumi.runtime.proto import analyzer_pb2

        request = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=r.type,
                    properties=_struct(r.state if r.state is not None else r.properties),
                    urn=r.urn,
                    name=r.name,
                    options=self._options(r),
                    provider=self._provider(r),
                    parent=r.parent,
                    dependencies=list(r.dependencies),
                )
                for r in resources
            ]
        )
        return self._violations(self._stub.AnalyzeStack(request))

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
        self.process.kill()
        self.process.wait(timeout=30)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def replace_urn(violation: Violation, urn: str) -> Violation:
    """Resource diagnostics leave the URN empty: the engine knows which resource it asked about."""
    if violation.urn:
        return violation
    return Violation(violation.pack, violation.policy, violation.level, urn, violation.message, violation.severity)


@dataclass
class PolicyReport:
    """What every pack said about a stack."""

    violations: list[Violation] = field(default_factory=list)
    packs: list[str] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]

    def to_json(self) -> dict[str, Any]:
        return {"packs": self.packs, "violations": [v.to_json() for v in self.violations]}


def start_packs(stack: str, config: Mapping[str, str], packs: Sequence[Path] | None = None) -> list[PackProcess]:
    """Start every pack now, so they boot while the program runs."""
    return [PackProcess(pack, stack, config) for pack in (packs if packs is not None else discover_packs())]


def evaluate(
    processes: Sequence[PackProcess], resources: Sequence[AnalyzedResource], pack_config: Mapping[str, Any]
) -> PolicyReport:
    """Configure each started pack, analyze every resource and the stack, then stop the packs.

    The packs are separate processes, so they are driven concurrently; the report keeps pack order."""

    def run(process: PackProcess) -> list[Violation]:
        process.connect(pack_config)
        found = [v for resource in resources for v in process.analyze(resource)]
        return found + process.analyze_stack(resources)

    report = PolicyReport()
    try:
        with ThreadPoolExecutor(max_workers=max(1, len(processes))) as pool:
            results = list(pool.map(run, processes))
        for process, violations in zip(processes, results, strict=True):
            report.packs.append(process.name)
            report.violations += violations
    finally:
        for process in processes:
            process.close()
    return report
