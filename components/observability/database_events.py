"""RDS event subscriptions (FSBP RDS.19-22): the events each control names, for this stack's database instances and
parameter groups, sent to the region's alert topics."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import pulumi
import pulumi_aws as aws

from finplatform.alerting import Severity

SourceType = Literal["db-instance", "db-parameter-group", "db-security-group", "db-cluster"]


class EventSubscriptionSpec(NamedTuple):
    """One subscription: what it watches, the categories its control requires, and the topic's severity."""

    short: str
    """Suffix of the resource and subscription names."""
    source_type: SourceType
    """RDS source type."""
    categories: tuple[str, ...]
    """Exactly the event categories the FSBP control requires for the source type."""
    severity: Severity
    """Which alert topic the events go to."""
    control: str
    """The FSBP control it satisfies."""


# The categories are those each Security Hub control checks, no more: RDS.19 clusters (failure, maintenance),
# RDS.20 instances (configuration change, failure, maintenance), RDS.21 parameter groups (configuration change),
# RDS.22 security groups (configuration change, failure).
CLUSTERS = EventSubscriptionSpec("clusters", "db-cluster", ("failure", "maintenance"), "critical", "RDS.19")
INSTANCES = EventSubscriptionSpec(
    "instances", "db-instance", ("configuration change", "failure", "maintenance"), "critical", "RDS.20"
)
PARAMETER_GROUPS = EventSubscriptionSpec(
    "parameter-groups", "db-parameter-group", ("configuration change",), "warning", "RDS.21"
)
SECURITY_GROUPS = EventSubscriptionSpec(
    "security-groups", "db-security-group", ("configuration change", "failure"), "warning", "RDS.22"
)


def event_subscriptions(*, instances: bool, clusters: bool) -> list[EventSubscriptionSpec]:
    """The subscriptions a region needs: instances, their parameter groups and DB security groups where it has
    instances, clusters only where it has clusters (the platform declares none today)."""
    wanted: list[EventSubscriptionSpec] = []
    if instances:
        wanted += [INSTANCES, PARAMETER_GROUPS, SECURITY_GROUPS]
    if clusters:
        wanted.append(CLUSTERS)
    return wanted


@dataclass(frozen=True)
class DatabaseEventsArgs:
    """Inputs of one region's RDS event subscriptions."""

    prefix: str
    """Subscription names start with it (the topics admit RDS for this account's sources)."""
    topic_arns: dict[Severity, pulumi.Output[str]]
    """The region's alert topics by severity."""
    instance_ids: Sequence[pulumi.Input[str]] = ()
    """This stack's DB instance identifiers in the region; the instance subscription names only them."""
    parameter_group_names: Sequence[pulumi.Input[str]] = ()
    """This stack's DB parameter groups in the region; the parameter-group subscription names only them."""
    cluster_ids: Sequence[pulumi.Input[str]] = ()
    """This stack's DB cluster identifiers in the region (none today)."""


class DatabaseEvents(pulumi.ComponentResource):
    """An RDS event subscription per source type the region has, each with its control's categories."""

    def __init__(self, name: str, args: DatabaseEventsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:observability:DatabaseEvents", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        sources: dict[SourceType, Sequence[pulumi.Input[str]]] = {
            "db-instance": args.instance_ids,
            "db-parameter-group": args.parameter_group_names,
            # DB security groups belong to EC2-Classic: none exist in a VPC account, so nothing can be named.
            "db-security-group": (),
            "db-cluster": args.cluster_ids,
        }
        for spec in event_subscriptions(instances=bool(args.instance_ids), clusters=bool(args.cluster_ids)):
            aws.rds.EventSubscription(
                f"{name}-{spec.short}",
                aws.rds.EventSubscriptionArgs(
                    name=f"{args.prefix}-{spec.short}",
                    sns_topic=args.topic_arns[spec.severity],
                    source_type=spec.source_type,
                    source_ids=list(sources[spec.source_type]) or None,
                    event_categories=list(spec.categories),
                    enabled=True,
                ),
                opts=child,
            )
        self.register_outputs({})
