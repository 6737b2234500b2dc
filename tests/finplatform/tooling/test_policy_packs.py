"""The packs `make policy-packs` builds run on their own: started as the CLI starts a published pack, from a
folder outside the repository, in a virtualenv that has the third-party packages but not the project."""

import subprocess
import sysconfig
import venv
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from finplatform import ROOT
from finplatform.__main__ import main
from finplatform.tooling.policy_eval import POLICIES_DIR, AnalyzedResource, PackProcess, Violation
from finplatform.tooling.policy_packs import PACK_VIRTUALENV, build_pack, locked_versions
from policies.common import types as t
from tests.policies.conftest import KEY, resource

PROD = {"finplatform:environment": "prod"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every pack built, as `make policy-packs` builds them, into a folder outside the repository."""
    out = tmp_path_factory.mktemp("dist") / "policies"
    assert not out.resolve().is_relative_to(ROOT)
    assert main(["build-policy-packs", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway virtualenv that sees the project venv's site-packages as a plain path entry: the third-party
    packages import, but the project's editable-install .pth in there is never processed, so the repository
    does not."""
    environment = tmp_path_factory.mktemp("bare") / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(environment)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(environment), "platbase": str(environment)}))
    (site / "project-site-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return environment


@pytest.fixture
def no_pythonpath(monkeypatch: pytest.MonkeyPatch) -> None:
    """Started packs inherit this process's environment; nothing in it may lead them to the repository."""
    monkeypatch.delenv("PYTHONPATH", raising=False)


@contextmanager
def started(pack: Path, environment: Path, stack_config: Mapping[str, str]) -> Iterator[PackProcess]:
    """The built pack started in its own folder with ``environment`` as the virtualenv PulumiPolicy.yaml names."""
    (pack / PACK_VIRTUALENV).symlink_to(environment, target_is_directory=True)
    process = PackProcess(pack, "prod", stack_config)
    try:
        assert process.process.args[0] == str(pack / PACK_VIRTUALENV / "bin" / "python")  # type: ignore[index]
        process.connect({})
        yield process
    finally:
        process.close()


def _of(violations: Sequence[Violation], policy: str) -> list[Violation]:
    return [v for v in violations if v.policy == policy]


def test_the_bare_virtualenv_reaches_the_sdks_but_not_the_repository(bare_python: Path, no_pythonpath: None) -> None:
    # GIVEN the throwaway virtualenv the built packs run in
    python = bare_python / "bin" / "python"
    # WHEN it imports the policy SDK, and then the project's packages, from outside the repository
    sdk = subprocess.run(
        [python, "-c", "import pulumi, pulumi_policy"], check=False, cwd=bare_python, capture_output=True
    )
    for package in ("components", "policies", "finplatform"):
        project = subprocess.run(
            [python, "-c", f"import {package}"], check=False, cwd=bare_python, capture_output=True, text=True
        )
        # THEN the SDK imports, and none of the project does: a built pack can use only what it carries
        assert project.returncode != 0 and "ModuleNotFoundError" in project.stderr, package
    assert sdk.returncode == 0, sdk.stderr


def test_each_built_pack_carries_its_manifest_code_and_pinned_requirements(built: Path) -> None:
    # GIVEN the packs as built WHEN their folders are read
    versions = locked_versions()
    sources = sorted(p.parent for p in POLICIES_DIR.glob("*/PulumiPolicy.yaml"))
    # THEN there is one per pack in the repository
    assert sources
    assert sorted(p.name for p in built.iterdir()) == [s.name for s in sources]
    for source in sources:
        pack = built / source.name
        manifest = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
        pins = [line for line in (pack / "requirements.txt").read_text().splitlines() if not line.startswith("#")]
        # AND the CLI builds each one's own virtualenv, the code is the repository's, and the SDKs are uv.lock's
        assert manifest["runtime"] == {"name": "python", "options": {"virtualenv": PACK_VIRTUALENV}}
        assert (pack / "__main__.py").read_text() == (source / "__main__.py").read_text()
        assert (pack / "policies" / source.name / "rules.py").read_bytes() == (source / "rules.py").read_bytes()
        assert (pack / "policies" / "common" / "framework.py").is_file()
        assert not (pack / "components").exists()
        assert f"pulumi=={versions['pulumi']}" in pins and f"pulumi-policy=={versions['pulumi-policy']}" in pins
    # AND the cost pack carries the cost model, with the price table and the size catalogue it reads
    cost = built / "cost_guardrails"
    assert (cost / "finplatform" / "tooling" / "cost" / "prices.json").is_file()
    assert (cost / "finplatform" / "catalog.json").is_file()
    # AND the data-protection pack the stack model and the blueprints dr-objectives-met reads objectives from
    protection = built / "data_protection"
    assert (protection / "finplatform" / "resilience.py").is_file()
    assert (protection / "blueprints" / "smart-0dte.yaml").is_file()
    # AND the packs that judge single resources carry none of the project's code
    assert not (built / "encryption" / "finplatform").exists()
    assert not (built / "least_privilege" / "finplatform").exists()


def test_a_build_replaces_an_earlier_build_but_no_other_folder(tmp_path: Path) -> None:
    # GIVEN an earlier build of the encryption pack, and a folder named like the cost pack that is not a build
    earlier = tmp_path / "dist" / "encryption"
    build_pack(POLICIES_DIR / "encryption", earlier)
    (earlier / "stale.py").write_text("", encoding="utf-8")
    other = tmp_path / "other" / "cost_guardrails"
    other.mkdir(parents=True)
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    # WHEN the pack is built over the earlier build, and every pack into the other folder's parent
    build_pack(POLICIES_DIR / "encryption", earlier)
    refused = main(["build-policy-packs", "--out", str(other.parent)])
    # THEN the earlier build is replaced whole, and the other folder is refused and left as it was
    assert not (earlier / "stale.py").exists() and (earlier / "__main__.py").is_file()
    assert refused == 2 and [p.name for p in other.iterdir()] == ["notes.txt"]


def test_checkout_packs_leave_sys_path_alone() -> None:
    # GIVEN the packs in the repository WHEN their entry points are read
    entries = sorted(POLICIES_DIR.glob("*/__main__.py"))
    # THEN none reaches into the repository itself: the project environment provides the shared code
    assert entries
    for entry in entries:
        assert "sys.path" not in entry.read_text(), entry


def test_built_encryption_pack_reports_an_unencrypted_database(
    built: Path, bare_python: Path, no_pythonpath: None
) -> None:
    # GIVEN the built encryption pack, started outside the repository for a prod stack
    with started(built / "encryption", bare_python, PROD) as pack:
        # WHEN it analyzes an encrypted and an unencrypted RDS instance
        encrypted = pack.analyze(resource(t.RDS_INSTANCE, "db", {"storageEncrypted": True, "kmsKeyId": KEY}))
        plain = pack.analyze(resource(t.RDS_INSTANCE, "db", {"storageEncrypted": False}))
    # THEN only the unencrypted one is reported, as mandatory in prod
    assert _of(encrypted, "rds-storage-encrypted") == []
    reported = _of(plain, "rds-storage-encrypted")
    assert reported and {v.level for v in reported} == {"mandatory"}
    assert any("set storageEncrypted: true" in v.message for v in reported), reported


def test_built_cost_pack_prices_the_stack_against_its_budget(
    built: Path, bare_python: Path, no_pythonpath: None
) -> None:
    # GIVEN the built cost-guardrails pack (the cost model, price table and catalogue vendored), for prod
    small: list[AnalyzedResource] = [
        resource(t.RDS_INSTANCE, "db", {"instanceClass": "db.t3.medium", "multiAz": True, "allocatedStorage": 20})
    ]
    large: list[AnalyzedResource] = [
        resource(
            t.RDS_INSTANCE, f"db-{i}", {"instanceClass": "db.r6g.4xlarge", "multiAz": True, "allocatedStorage": 1000}
        )
        for i in range(3)
    ]
    with started(built / "cost_guardrails", bare_python, PROD) as pack:
        # WHEN it analyzes a small stack and one of three large Multi-AZ databases
        within = pack.analyze_stack(small)
        over = pack.analyze_stack(large)
    # THEN only the large stack breaks the prod budget
    assert _of(within, "stack-monthly-budget") == []
    (violation,) = _of(over, "stack-monthly-budget")
    assert violation.level == "mandatory" and "prod" in violation.message


def test_built_aws_constraints_pack_judges_a_dev_stack_with_the_shared_limits(
    built: Path, bare_python: Path, no_pythonpath: None
) -> None:
    # GIVEN the built aws-constraints pack (the shared AWS limits, the Fargate catalogue and the Global Datastore
    # families vendored), started for a dev stack
    assert (built / "aws_constraints" / "finplatform" / "aws_limits.py").is_file()
    assert (built / "aws_constraints" / "finplatform" / "catalog.json").is_file()
    stack: list[AnalyzedResource] = [
        resource(t.CACHE_REPLICATION_GROUP, "redis", {"replicationGroupId": "redis-1", "nodeType": "cache.t3.medium"}),
        resource(
            "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup",
            "redis-global",
            {"primaryReplicationGroupId": "redis-1"},
        ),
    ]
    database = resource(t.RDS_INSTANCE, "db", {"instanceClass": "db.t3.micro", "performanceInsightsEnabled": True})
    task = resource(
        t.ECS_TASK_DEFINITION,
        "web",
        {"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "4096"},
    )
    with started(built / "aws_constraints", bare_python, {"finplatform:environment": "dev"}) as pack:
        # WHEN it analyzes a Global Datastore on a burstable node, Performance Insights on a micro class and a
        # Fargate size that does not exist
        found = pack.analyze_stack(stack) + pack.analyze(database) + pack.analyze(task)
    # THEN it reports each, mandatory although the stack is dev
    for policy in ("elasticache-global-datastore-node-type", "rds-performance-insights-class", "ecs-fargate-task-size"):
        reported = _of(found, policy)
        assert reported and {v.level for v in reported} == {"mandatory"}, policy
