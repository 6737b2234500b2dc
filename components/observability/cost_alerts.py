"""Cost alerts: an AWS Budgets monthly budget equal to the stack's cost guardrail (80% forecast, 100% actual)
and a Cost Anomaly Detection monitor on the stack's cost allocation tag (seed 002: daily cost up 20%)."""

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from finplatform.alerting import Severity

# Forecast at 80% is a warning with time to act; actual spend at 100% means the guardrail is already crossed.
BUDGET_NOTIFICATIONS: tuple[tuple[str, float, Severity], ...] = (
    ("FORECASTED", 80.0, "warning"),
    ("ACTUAL", 100.0, "critical"),
)
# The tag every resource of a stack carries (the providers' default tags); Budgets and Cost Explorer filter on it
# once the management account has activated it as a cost allocation tag.
STACK_TAG = "stack"


def tag_filter(stack: str) -> str:
    """Budgets' form of a cost allocation tag filter: user:<key>$<value>."""
    return f"user:{STACK_TAG}${stack}"


def anomaly_monitor_specification(stack: str) -> dict[str, Any]:
    """A custom monitor over the stack's tagged spend (an account has one AWS-services monitor; custom ones
    are per stack)."""
    return {"Tags": {"Key": STACK_TAG, "Values": [stack], "MatchOptions": ["EQUALS"]}}


def anomaly_threshold(percent: float) -> dict[str, Any]:
    """Alert when an anomaly's impact reaches ``percent`` of the expected spend."""
    return {
        "Dimensions": {
            "Key": "ANOMALY_TOTAL_IMPACT_PERCENTAGE",
            "MatchOptions": ["GREATER_THAN_OR_EQUAL"],
            "Values": [f"{percent:g}"],
        }
    }


@dataclass(frozen=True)
class CostAlertsArgs:
    """Inputs of the stack's cost alerts."""

    stack: str
    """The stack's name: the value of its cost allocation tag."""
    prefix: str
    """Budget and monitor names start with it."""
    budget_usd: float
    """Monthly budget: the stack's cost guardrail."""
    increase_percent: float
    """Anomaly impact, in percent of expected spend, that alerts (seed 002: 20)."""
    warning_topic_arn: pulumi.Input[str]
    """Topic for the forecast and anomaly alerts."""
    critical_topic_arn: pulumi.Input[str]
    """Topic for actual spend over budget."""


class CostAlerts(pulumi.ComponentResource):
    """A monthly cost budget with forecast and actual notifications, and an anomaly monitor with an immediate
    subscription (SNS subscribers take only IMMEDIATE)."""

    def __init__(self, name: str, args: CostAlertsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:observability:CostAlerts", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        topics = {"warning": args.warning_topic_arn, "critical": args.critical_topic_arn}
        aws.budgets.Budget(
            f"{name}-budget",
            aws.budgets.BudgetArgs(
                name=f"{args.prefix}-monthly",
                budget_type="COST",
                limit_amount=f"{args.budget_usd:.2f}",
                limit_unit="USD",
                time_unit="MONTHLY",
                cost_filters=[aws.budgets.BudgetCostFilterArgs(name="TagKeyValue", values=[tag_filter(args.stack)])],
                notifications=[
                    aws.budgets.BudgetNotificationArgs(
                        comparison_operator="GREATER_THAN",
                        notification_type=kind,
                        threshold=percent,
                        threshold_type="PERCENTAGE",
                        subscriber_sns_topic_arns=[topics[severity]],
                    )
                    for kind, percent, severity in BUDGET_NOTIFICATIONS
                ],
            ),
            opts=child,
        )
        monitor = aws.costexplorer.AnomalyMonitor(
            f"{name}-anomalies",
            aws.costexplorer.AnomalyMonitorArgs(
                name=f"{args.prefix}-spend",
                monitor_type="CUSTOM",
                monitor_specification=json.dumps(anomaly_monitor_specification(args.stack)),
            ),
            opts=child,
        )
        aws.costexplorer.AnomalySubscription(
            f"{name}-anomaly-alerts",
            aws.costexplorer.AnomalySubscriptionArgs(
                name=f"{args.prefix}-spend-increase",
                frequency="IMMEDIATE",
                monitor_arn_lists=[monitor.arn],
                subscribers=[
                    aws.costexplorer.AnomalySubscriptionSubscriberArgs(type="SNS", address=args.warning_topic_arn)
                ],
                threshold_expression=aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs(
                    dimension=aws.costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs(
                        key="ANOMALY_TOTAL_IMPACT_PERCENTAGE",
                        match_options=["GREATER_THAN_OR_EQUAL"],
                        values=[f"{args.increase_percent:g}"],
                    )
                ),
            ),
            opts=child,
        )
        self.register_outputs({"monitorArn": monitor.arn})
