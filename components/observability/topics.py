"""Alert topics: one SNS topic per severity, encrypted with the alerts key, whose policy admits only the AWS
services that publish to it, with the stack's email, SMS and chat endpoints subscribed."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws

from components.providers import Placement
from components.shared.iam import attach_managed, service_role
from finplatform.alerting import SEVERITIES, Severity

# What the account may still do with its own topics once the policy replaces SNS's default one.
TOPIC_ADMIN_ACTIONS = [
    "sns:GetTopicAttributes",
    "sns:SetTopicAttributes",
    "sns:AddPermission",
    "sns:RemovePermission",
    "sns:DeleteTopic",
    "sns:Subscribe",
    "sns:ListSubscriptionsByTopic",
]
# SMS reaches a phone at once; a critical alert must wake someone, a warning can wait for the inbox.
SMS_SEVERITIES: tuple[Severity, ...] = ("critical",)
# Read-only: the chat channel shows alarm details, it never changes anything.
CHATBOT_POLICY = "CloudWatchReadOnlyAccess"


def source_arn_pattern(publisher: str, partition: str, region: str, account: str, prefix: str) -> str:
    """The ARNs a publishing service acts for: this stack's alarms and rules, the account's budgets and
    anomaly monitors."""
    patterns = {
        "cloudwatch.amazonaws.com": f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{prefix}-*",
        "events.amazonaws.com": f"arn:{partition}:events:{region}:{account}:rule/{prefix}-*",
        "budgets.amazonaws.com": f"arn:{partition}:budgets::{account}:*",
        "costalerts.amazonaws.com": f"arn:{partition}:ce::{account}:anomalysubscription/*",
        # RDS names the source of the event (an instance, a parameter group ...): any of this account's here.
        "events.rds.amazonaws.com": f"arn:{partition}:rds:{region}:{account}:*",
    }
    return patterns[publisher]


def publisher_sid(publisher: str) -> str:
    """A statement id per publisher, unique in the policy: PublishEvents for EventBridge, PublishEventsRds for
    RDS event subscriptions."""
    return "Publish" + "".join(part.title() for part in publisher.removesuffix(".amazonaws.com").split("."))


def topic_policy(
    topic_arn: str, publishers: Sequence[str], *, partition: str, region: str, account: str, prefix: str
) -> dict[str, Any]:
    """Only ``publishers``, acting for this account's stack, may publish; the account administers the topic;
    nobody publishes without TLS."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountAdministersTopic",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": TOPIC_ADMIN_ACTIONS,
            "Resource": topic_arn,
        },
        {
            "Sid": "DenyPublishWithoutTls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]
    for publisher in publishers:
        statements.append(
            {
                "Sid": publisher_sid(publisher),
                "Effect": "Allow",
                "Principal": {"Service": publisher},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": source_arn_pattern(publisher, partition, region, account, prefix)},
                },
            }
        )
    return {"Version": "2012-10-17", "Id": "alert-publishers", "Statement": statements}


def _render_policy(values: list[str], *, publishers: Sequence[str], args: "AlertTopicsArgs") -> str:
    topic_arn, account = values
    placement = args.placement
    return json.dumps(
        topic_policy(
            topic_arn,
            publishers,
            partition=placement.partition,
            region=placement.region,
            account=account,
            prefix=args.prefix,
        )
    )


@dataclass(frozen=True)
class SlackChannel:
    """A Slack channel AWS Chatbot posts the alerts to (seed 004)."""

    workspace_id: str
    """Slack workspace (team) id, e.g. T0123ABCD; the workspace must be authorised in the Chatbot console once."""
    channel_id: str
    """Slack channel id, e.g. C0123ABCDEF."""
    provider: pulumi.ProviderResource
    """A provider in a region where the Chatbot API runs (us-east-2, us-west-2, eu-west-1, ap-southeast-1); a
    configuration takes topics from any region."""


@dataclass(frozen=True)
class AlertTopicsArgs:
    """Inputs of the alert topics of one region."""

    key_arn: pulumi.Input[str]
    """The region's alerts key; the publishers may use it, nobody else decrypts through anything but SNS."""
    prefix: str
    """Topics are <prefix>-alerts-<severity>; the publishers' source ARNs start with <prefix>-."""
    placement: Placement
    """Region, provider and account of the topics."""
    publishers: Mapping[Severity, Sequence[str]] = field(default_factory=dict)
    """AWS service principals that publish to each severity's topic."""
    emails: Sequence[str] = ()
    """Addresses every severity is mailed to (each confirms its subscription once)."""
    sms_numbers: Sequence[str] = ()
    """E.164 phone numbers critical alerts are texted to."""
    slack: SlackChannel | None = None
    """A Slack channel for every severity, when the stack configures one."""


class AlertTopics(pulumi.ComponentResource):
    """An encrypted SNS topic per severity with its publishers' policy and the stack's endpoints."""

    arns: dict[Severity, pulumi.Output[str]]
    """Topic ARNs by severity."""

    def __init__(self, name: str, args: AlertTopicsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:observability:AlertTopics", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.arns = {}
        for severity in SEVERITIES:
            topic = aws.sns.Topic(
                f"{name}-{severity}",
                aws.sns.TopicArgs(name=f"{args.prefix}-alerts-{severity}", kms_master_key_id=args.key_arn),
                opts=child,
            )
            publishers = list(args.publishers.get(severity, ()))
            aws.sns.TopicPolicy(
                f"{name}-{severity}-policy",
                aws.sns.TopicPolicyArgs(
                    arn=topic.arn,
                    policy=pulumi.Output.all(topic.arn, args.placement.account_id).apply(
                        partial(_render_policy, publishers=publishers, args=args)
                    ),
                ),
                opts=child,
            )
            endpoints = [("email", e) for e in args.emails]
            if severity in SMS_SEVERITIES:
                endpoints += [("sms", n) for n in args.sms_numbers]
            for position, (protocol, endpoint) in enumerate(endpoints):
                aws.sns.TopicSubscription(
                    f"{name}-{severity}-{protocol}-{position + 1}",
                    aws.sns.TopicSubscriptionArgs(topic=topic.arn, protocol=protocol, endpoint=endpoint),
                    opts=child,
                )
            self.arns[severity] = topic.arn
        if args.slack is not None:
            self._slack(name, args, args.slack)
        self.register_outputs({f"{s}TopicArn": arn for s, arn in self.arns.items()})

    def _slack(self, name: str, args: AlertTopicsArgs, slack: SlackChannel) -> None:
        placement = args.placement
        role = service_role(f"{name}-chatbot", "chatbot.amazonaws.com", placement, "AWS Chatbot alert channel", self)
        # Chatbot shows alarm graphs and details through the role; AWS's read-only CloudWatch policy is the
        # narrowest that covers what its console actions read.
        attach_managed(f"{name}-chatbot-read", role, placement.partition, CHATBOT_POLICY, self)
        aws.chatbot.SlackChannelConfiguration(
            f"{name}-slack",
            aws.chatbot.SlackChannelConfigurationArgs(
                configuration_name=f"{args.prefix}-alerts"[:128],
                iam_role_arn=role.arn,
                slack_team_id=slack.workspace_id,
                slack_channel_id=slack.channel_id,
                sns_topic_arns=list(self.arns.values()),
                guardrail_policy_arns=[f"arn:{placement.partition}:iam::aws:policy/{CHATBOT_POLICY}"],
                logging_level="ERROR",
            ),
            opts=pulumi.ResourceOptions(parent=self, provider=slack.provider),
        )
