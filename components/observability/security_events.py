"""Security events to the critical topic through EventBridge (seeds 001 and 004): GuardDuty findings of high
severity, Security Hub critical findings, and changes to the trail or to key policies."""

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

# GuardDuty scores 7.0-8.9 high and 9.0-10.0 critical.
GUARDDUTY_HIGH = 7
TRAIL_CHANGES = ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors", "PutInsightSelectors"]
KEY_CHANGES = ["PutKeyPolicy", "DisableKey", "ScheduleKeyDeletion", "DisableKeyRotation"]


def guardduty_pattern() -> dict[str, Any]:
    return {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", GUARDDUTY_HIGH]}]},
    }


def securityhub_pattern() -> dict[str, Any]:
    return {
        "source": ["aws.securityhub"],
        "detail-type": ["Security Hub Findings - Imported"],
        "detail": {
            "findings": {
                "Severity": {"Label": ["CRITICAL"]},
                "Workflow": {"Status": ["NEW"]},
                "RecordState": ["ACTIVE"],
            }
        },
    }


def api_call_pattern(source: str, event_source: str, names: list[str]) -> dict[str, Any]:
    return {
        "source": [source],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": [event_source], "eventName": names},
    }


@dataclass(frozen=True)
class SecurityEventsArgs:
    """Inputs of the security-event routing."""

    prefix: str
    """Rule names start with it (the critical topic admits rules named so)."""
    critical_topic_arn: pulumi.Input[str]
    """Where the events go."""
    guardduty: bool = True
    """This stack declares the GuardDuty detector, so it routes the findings (one router per account and region)."""
    securityhub: bool = True
    """This stack enables Security Hub, so it routes its critical findings."""
    cloudtrail: bool = True
    """A trail records management events, which the trail- and key-change rules read."""


def security_rules(args: SecurityEventsArgs) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, description, pattern) of each rule the stack routes."""
    rules: list[tuple[str, str, dict[str, Any]]] = []
    if args.guardduty:
        rules.append(("guardduty-high", "GuardDuty findings of high or critical severity", guardduty_pattern()))
    if args.securityhub:
        rules.append(
            ("securityhub-critical", "New, active Security Hub findings rated critical", securityhub_pattern())
        )
    if args.cloudtrail:
        rules.append(
            (
                "trail-changes",
                "The trail stopped, deleted or re-scoped",
                api_call_pattern("aws.cloudtrail", "cloudtrail.amazonaws.com", TRAIL_CHANGES),
            )
        )
        rules.append(
            (
                "key-policy-changes",
                "A KMS key policy changed, or a key disabled or scheduled for deletion",
                api_call_pattern("aws.kms", "kms.amazonaws.com", KEY_CHANGES),
            )
        )
    return rules


class SecurityEvents(pulumi.ComponentResource):
    """EventBridge rules on the default bus, each targeting the critical topic."""

    def __init__(self, name: str, args: SecurityEventsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:observability:SecurityEvents", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for short, description, pattern in security_rules(args):
            rule = aws.cloudwatch.EventRule(
                f"{name}-{short}",
                aws.cloudwatch.EventRuleArgs(
                    name=f"{args.prefix}-{short}", description=description, event_pattern=json.dumps(pattern)
                ),
                opts=child,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{short}-alert",
                aws.cloudwatch.EventTargetArgs(rule=rule.name, arn=args.critical_topic_arn),
                opts=child,
            )
        self.register_outputs({})
