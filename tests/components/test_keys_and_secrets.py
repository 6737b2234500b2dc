"""Keys layer: rotation, aliases and key policies that grant only the account root and the domain's services."""

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws
import pytest

from components.keys_and_secrets import KEY_DOMAINS, Keys, KeysArgs, key_domains, key_policy
from finplatform.blueprints import Blueprint
from finplatform.tooling.plan import Plan
from tests.conftest import Engine

ROOT = "arn:aws:iam::111122223333:root"


def _keys(provider: Callable[[], aws.Provider], protect: bool = False) -> None:
    Keys(
        "keys",
        KeysArgs(
            domains=KEY_DOMAINS,
            account_id="111122223333",
            region="us-east-1",
            alias_prefix="finplatform-test",
            deletion_window_days=30,
            protect=protect,
        ),
        opts=pulumi.ResourceOptions(provider=provider()),
    )


def test_one_rotating_key_and_alias_per_domain(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN the keys layer for every key domain WHEN it is declared
    engine.declare(lambda: _keys(provider))
    # THEN there is one key per domain, each rotating yearly
    keys = engine.of_type("aws:kms/key:Key")
    assert sorted(k.name for k in keys) == sorted(f"keys-{d}" for d in KEY_DOMAINS)
    assert all(k.inputs["enableKeyRotation"] is True and k.inputs["rotationPeriodInDays"] == 365 for k in keys)
    # AND one alias per domain under the stack's prefix
    aliases = sorted(a.inputs["name"] for a in engine.of_type("aws:kms/alias:Alias"))
    assert aliases == sorted(f"alias/finplatform-test-{d}" for d in KEY_DOMAINS)


@pytest.mark.parametrize("domain", KEY_DOMAINS)
def test_key_policy_principals_are_root_or_aws_services(domain: str) -> None:
    # GIVEN this domain WHEN its key policy is rendered
    policy = key_policy(domain, "111122223333", "us-east-1", "aws")  # type: ignore[arg-type]
    # THEN every principal is the account root or an AWS service, and a service is always under a condition
    assert policy["Statement"]
    for statement in policy["Statement"]:
        principal = statement["Principal"]
        assert principal != "*" and principal.get("AWS") in (None, ROOT)
        assert set(principal) <= {"AWS", "Service"}
        if "Service" in principal:
            services = principal["Service"] if isinstance(principal["Service"], list) else [principal["Service"]]
            assert services and all(s.endswith(".amazonaws.com") for s in services) and "Condition" in statement


def test_root_administers_but_cannot_decrypt_outside_services() -> None:
    # GIVEN the data key WHEN its policy is rendered
    statements = key_policy("data", "111122223333", "us-east-1", "aws")["Statement"]
    # THEN the root's administering statement grants no decrypt, and use goes through the domain's services
    # (RDS among them) for callers in this account
    admin = next(s for s in statements if s["Sid"] == "AccountRootAdministersKey")
    assert "kms:Decrypt" not in admin["Action"] and "kms:*" not in admin["Action"]
    use = next(s for s in statements if s["Sid"] == "UseThroughDomainServices")
    assert "rds.us-east-1.amazonaws.com" in use["Condition"]["StringEquals"]["kms:ViaService"]
    assert use["Condition"]["StringEquals"]["kms:CallerAccount"] == "111122223333"


def test_logs_key_lets_cloudwatch_logs_encrypt_only_this_accounts_groups() -> None:
    # GIVEN the logs key in eu-west-1 WHEN its policy is rendered
    statements = key_policy("logs", "111122223333", "eu-west-1", "aws")["Statement"]
    # THEN CloudWatch Logs of that region may use it only for this account's log groups
    logs = next(s for s in statements if s["Sid"] == "CloudWatchLogsEncryptsAccountLogGroups")
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"]["ArnLike"] == {
        "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111122223333:log-group:*"
    }


def test_engine_receives_the_rendered_key_policy(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN the keys layer WHEN it is declared
    engine.declare(lambda: _keys(provider))
    # THEN the secrets key reaches the engine with exactly the policy key_policy renders
    (secrets,) = [k for k in engine.of_type("aws:kms/key:Key") if k.name == "keys-secrets"]
    assert json.loads(secrets.inputs["policy"]) == key_policy("secrets", "111122223333", "us-east-1", "aws")


def test_protect_applies_to_keys(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN the keys layer with protect on WHEN it is declared
    engine.declare(lambda: _keys(provider, protect=True))
    # THEN every key is protected
    keys = engine.of_type("aws:kms/key:Key")
    assert keys
    assert all(k.protect for k in keys)


def test_workload_without_data_stores_needs_no_secrets_key() -> None:
    # GIVEN a stateless workload with no secrets
    blueprint = Blueprint.model_validate(
        {
            "name": "stateless",
            "functions": [
                {"name": "tick", "reservedConcurrency": {"dev": 1, "staging": 1, "prod": 1}},
            ],
        }
    )
    # WHEN its key domains are chosen
    # THEN it has no secrets key, but keeps data and backups keys: every stack still has an audit bucket, an
    # access-log bucket, a backup vault (without them the recovery layer could not be declared) and alert topics
    assert key_domains(blueprint) == ["data", "logs", "backups", "alerts"]


def test_influxdb_alone_needs_the_secrets_key_for_its_password() -> None:
    # GIVEN a workload whose only store is InfluxDB
    sizes = {env: {"instanceType": "db.influx.medium"} for env in ("dev", "staging", "prod")}
    blueprint = Blueprint.model_validate({"name": "ticks", "timeSeries": {"engine": "influxdb", "sizes": sizes}})
    # WHEN its key domains are chosen
    # THEN the secrets key exists for the generated administrator password
    assert "secrets" in key_domains(blueprint)


def test_logs_key_lets_cloudtrail_encrypt_only_this_accounts_trails() -> None:
    # GIVEN the logs key in us-east-1 WHEN its policy is rendered
    statements = key_policy("logs", "111122223333", "us-east-1", "aws")["Statement"]
    # THEN CloudTrail may generate data keys with it only for this account's trails
    trail = next(s for s in statements if s["Sid"] == "CloudTrailEncryptsThisAccountsTrails")
    assert trail["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert trail["Action"] == "kms:GenerateDataKey*"
    assert trail["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:111122223333:trail/*"
    }
    assert trail["Condition"]["StringEquals"] == {"aws:SourceAccount": "111122223333"}


def test_application_secrets_are_encrypted_and_replicated_in_prod(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN its application secrets reach the engine
    plan = planned("prod")
    secrets = {s.name: s for s in plan.named("aws:secretsmanager/secret:Secret") if s.name.startswith("secrets-")}
    # THEN there are the blueprint's three, each protected, under the secrets key, replicated to the DR region,
    # and named under the stack's path
    assert sorted(secrets) == ["secrets-ethereum-signing-key", "secrets-jwt-signing-key", "secrets-market-data-api-key"]
    for secret in secrets.values():
        assert secret.inputs["kmsKeyId"] == plan.outputs["keyArns"]["secrets"] and secret.protect
        assert secret.inputs["replicas"][0]["region"] == "us-west-2"
    assert secrets["secrets-jwt-signing-key"].inputs["name"] == "finplatform/prod/jwt-signing-key"


def test_only_generated_secrets_get_a_value_and_it_is_secret(planned: Callable[[str], Plan]) -> None:
    # GIVEN the dev stack as planned WHEN its secret versions reach the engine
    versions = planned("dev").named("aws:secretsmanager/secretVersion:SecretVersion")
    by_name = {v.name: v for v in versions}
    # THEN only the generated JWT signing key gets a version, not the operator-filled Ethereum key, and every
    # version's value reaches the engine as a secret
    assert "secrets-jwt-signing-key-version" in by_name
    assert "secrets-ethereum-signing-key-version" not in by_name, "operator secrets are filled by hand"
    assert all(v.inputs["secretString"] == "[secret]" for v in versions)
