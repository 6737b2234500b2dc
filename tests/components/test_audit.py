"""Audit layer: CloudTrail, Config, GuardDuty and Security Hub, and the per-stack switches."""

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from components.audit import CONFIG_RULES, Audit, AuditArgs, AuditSwitches
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
    assert rules == set(CONFIG_RULES.values())
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
                audit_bucket_arn="arn:aws:s3:::audit",
                logs_key_arn="arn:logs",
                data_key_arn="arn:data",
                protect=False,
            ),
            opts=pulumi.ResourceOptions(),
        )

    # WHEN the audit layer is declared with those switches
    engine.declare(declare)
    # THEN only the switched-on service is declared
    types = {r.type for r in engine.monitor.planned if r.type.startswith("aws:")}
    assert types == {"aws:guardduty/detector:Detector"}
