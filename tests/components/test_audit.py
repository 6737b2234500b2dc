"""Audit layer: CloudTrail, Config, GuardDuty and Security Hub, and the per-stack switches."""

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from components.audit import CONFIG_RULES, GUARDDUTY_PROTECTION_PLANS, ROTATION_RULES, Audit, AuditArgs, AuditSwitches
from components.providers import Placement
from finplatform.tooling.plan import Plan
from tests.conftest import Engine


def test_trail_is_multi_region_validated_encrypted_and_sent_to_logs(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN its one CloudTrail trail reaches the engine
    plan = planned("prod")
    (trail,) = plan.named("aws:cloudtrail/trail:Trail")
    # THEN it covers every region, validates log files, uses the logs key, writes to the audit bucket and
    # streams to a CloudWatch log group
    assert trail.inputs["isMultiRegionTrail"] and trail.inputs["enableLogFileValidation"]
    assert trail.inputs["kmsKeyId"] == plan.outputs["keyArns"]["logs"]
    assert trail.inputs["s3BucketName"] == plan.outputs["bucketNames"]["audit-trail"]
    assert trail.inputs["cloudWatchLogsGroupArn"].endswith(":*")


def test_audit_bucket_lets_only_this_accounts_trails_write(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the audit bucket's policy reaches the engine
    plan = planned("prod")
    (policy,) = [p for p in plan.named("aws:s3/bucketPolicy:BucketPolicy") if p.name == "storage-audit-trail-policy"]
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    writes = statements["CloudTrailWrites"]
    # THEN CloudTrail may write only under this account's AWSLogs prefix, and only for this source account
    assert writes["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert writes["Condition"]["StringEquals"]["aws:SourceAccount"] == "111122223333"
    assert writes["Resource"].endswith("/AWSLogs/111122223333/*")


def test_config_recorder_rules_guardduty_and_fsbp_are_on_by_default(planned: Callable[[str], Plan]) -> None:
    # GIVEN the dev stack as planned WHEN its Config, GuardDuty and Security Hub resources reach the engine
    plan = planned("dev")
    (recorder,) = plan.named("aws:cfg/recorder:Recorder")
    # THEN the recorder records everything, every Config rule is declared, GuardDuty is enabled and Security Hub
    # subscribes to the AWS Foundational Security Best Practices
    assert recorder.inputs["recordingGroup"]["allSupported"] is True
    rules = {r.inputs["source"]["sourceIdentifier"] for r in plan.named("aws:cfg/rule:Rule")}
    assert rules == set(CONFIG_RULES.values()) | {identifier for identifier, _, _ in ROTATION_RULES.values()}
    assert plan.named("aws:guardduty/detector:Detector")[0].inputs["enable"] is True
    (fsbp,) = plan.named("aws:securityhub/standardsSubscription:StandardsSubscription")
    assert "aws-foundational-security-best-practices" in fsbp.inputs["standardsArn"]


def test_account_level_services_can_be_switched_off(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN a stack sharing an account whose trail and recorder another stack owns
    def declare() -> None:
        Audit(
            "audit",
            AuditArgs(
                placement=Placement(provider(), "us-east-1", "111122223333"),
                switches=AuditSwitches(cloudtrail=False, config=False, guardduty=True, securityhub=False),
                audit_bucket_name="audit",
                logs_key_arn="arn:logs",
                data_key_arn="arn:data",
                protect=False,
            ),
            opts=pulumi.ResourceOptions(),
        )

    # WHEN the audit layer is declared with those switches
    engine.declare(declare)
    # THEN only the switched-on service is declared, with its protection plans
    types = {r.type for r in engine.monitor.planned if r.type.startswith("aws:")}
    assert types == {"aws:guardduty/detector:Detector", "aws:guardduty/detectorFeature:DetectorFeature"}
    features = {r.inputs["name"]: r.inputs for r in engine.monitor.planned if r.type.endswith("DetectorFeature")}
    assert set(features) == set(GUARDDUTY_PROTECTION_PLANS)
    assert {c["name"] for c in features["RUNTIME_MONITORING"]["additionalConfigurations"]} == {
        "EKS_ADDON_MANAGEMENT",
        "ECS_FARGATE_AGENT_MANAGEMENT",
        "EC2_AGENT_MANAGEMENT",
    }


def test_config_records_with_its_service_linked_role(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN its Config recorder and what it writes with reach the engine
    plan = planned("prod")
    (recorder,) = plan.named("aws:cfg/recorder:Recorder")
    (linked,) = plan.named("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    # THEN the recorder uses AWSServiceRoleForConfig (Config.1), which the stack declares and keeps on deletion
    # (another stack of the account may use it), and no custom Config role is left
    assert recorder.inputs["roleArn"] == (
        "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    )
    assert linked.inputs["awsServiceName"] == "config.amazonaws.com" and linked.options.get("retainOnDelete")
    assert not [r for r in plan.named("aws:iam/role:Role") if r.name.startswith("audit-config")]
    # AND Config, writing as its service principal, may deliver to the audit bucket for this account only, and
    # encrypt with the data key
    (policy,) = [p for p in plan.named("aws:s3/bucketPolicy:BucketPolicy") if p.name == "storage-audit-trail-policy"]
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    writes = statements["ConfigWrites"]
    assert writes["Principal"] == {"Service": "config.amazonaws.com"}
    assert writes["Resource"].endswith("/AWSLogs/111122223333/Config/*")
    assert writes["Condition"]["StringEquals"]["aws:SourceAccount"] == "111122223333"
    (data_key,) = [k for k in plan.named("aws:kms/key:Key") if k.name == "keys-data"]
    key_statements = {s["Sid"]: s for s in json.loads(data_key.inputs["policy"])["Statement"]}
    config = key_statements["ConfigEncryptsDeliveriesForThisAccount"]
    assert config["Principal"] == {"Service": "config.amazonaws.com"}
    assert config["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}


def test_a_second_stack_of_the_account_uses_the_existing_service_linked_role(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN a stack whose account's Config service-linked role another stack declared
    def declare() -> None:
        Audit(
            "audit",
            AuditArgs(
                placement=Placement(provider(), "us-east-1", "111122223333"),
                switches=AuditSwitches(cloudtrail=False, config_service_linked_role=False),
                audit_bucket_name="audit",
                logs_key_arn="arn:logs",
                data_key_arn="arn:data",
            ),
            opts=pulumi.ResourceOptions(),
        )

    # WHEN the audit layer is declared
    engine.declare(declare)
    # THEN it declares no role and records with the account's existing one
    assert not engine.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert engine.one("aws:cfg/recorder:Recorder").inputs["roleArn"].endswith("/AWSServiceRoleForConfig")


def test_config_reports_secrets_rotated_too_rarely(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN its rotation rules reach the engine
    rules = {r.name: r for r in planned("prod").named("aws:cfg/rule:Rule")}
    scheduled, stale = (
        rules["audit-rule-secrets-rotation-scheduled"],
        rules["audit-rule-secrets-rotated-within-90-days"],
    )
    # THEN function-rotated secrets must keep a schedule of at most 30 days, and no secret, whoever rotates it,
    # may stay unchanged past 90 days (SecretsManager.1 and .4)
    assert scheduled.inputs["source"]["sourceIdentifier"] == "SECRETSMANAGER_ROTATION_ENABLED_CHECK"
    assert json.loads(scheduled.inputs["inputParameters"]) == {"maximumAllowedRotationFrequency": "30"}
    assert scheduled.inputs["scope"] == {"tagKey": "rotation", "tagValue": "automatic"}
    assert stale.inputs["source"]["sourceIdentifier"] == "SECRETSMANAGER_SECRET_PERIODIC_ROTATION"
    assert json.loads(stale.inputs["inputParameters"]) == {"maxDaysSinceRotation": "90"}
