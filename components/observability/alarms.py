"""Alarms: one CloudWatch alarm per catalogue entry, routed to its severity's topic, and the log metric filters
that feed the services' error alarms."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from finplatform.alerting import (
    ERROR_PATTERN,
    AlarmSpec,
    Handle,
    Metric,
    Severity,
    alarm_name,
    describe,
    evaluation,
)

STANDARD_STATISTICS = frozenset({"Average", "Sum", "Maximum", "Minimum", "SampleCount"})


def resolve_dimensions(metric: Metric, handles: Mapping[str, pulumi.Input[str]]) -> dict[str, pulumi.Input[str]]:
    """The metric's dimensions with each handle replaced by the declared resource's name or id."""
    resolved: dict[str, pulumi.Input[str]] = {}
    for key, value in metric.dimensions:
        if isinstance(value, Handle):
            if value.key not in handles:
                raise ValueError(
                    f"alarm on {metric.namespace}/{metric.name} needs {value.key!r}, which no layer declared; "
                    f"declared: {', '.join(sorted(handles))}"
                )
            resolved[key] = handles[value.key]
        else:
            resolved[key] = value
    return resolved


def metric_alarm_args(
    spec: AlarmSpec,
    *,
    name: str,
    stack: str,
    topic_arn: pulumi.Input[str],
    handles: Mapping[str, pulumi.Input[str]],
) -> aws.cloudwatch.MetricAlarmArgs:
    """The alarm's arguments: a plain alarm on one metric, metric math over several, or an anomaly band."""
    periods, datapoints = evaluation(spec)
    common = dict(
        name=name,
        alarm_description=describe(spec, stack),
        comparison_operator=spec.comparison,
        evaluation_periods=periods,
        datapoints_to_alarm=datapoints,
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        treat_missing_data="notBreaching",
    )
    if len(spec.metrics) == 1 and not spec.expression and spec.anomaly_band is None:
        (metric,) = spec.metrics
        standard = metric.stat in STANDARD_STATISTICS
        return aws.cloudwatch.MetricAlarmArgs(
            namespace=metric.namespace,
            metric_name=metric.name,
            statistic=metric.stat if standard else None,
            extended_statistic=None if standard else metric.stat,
            dimensions=resolve_dimensions(metric, handles) or None,
            period=spec.period,
            threshold=spec.threshold,
            **common,  # type: ignore[arg-type]
        )
    queries = [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=f"m{position}",
            # An anomaly alarm returns its metric beside the band; a math alarm returns only the expression.
            return_data=spec.anomaly_band is not None and position == 0,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=metric.namespace,
                metric_name=metric.name,
                stat=metric.stat,
                period=spec.period,
                dimensions=resolve_dimensions(metric, handles) or None,
            ),
        )
        for position, metric in enumerate(spec.metrics)
    ]
    if spec.anomaly_band is not None:
        queries.append(
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="band", expression=f"ANOMALY_DETECTION_BAND(m0, {spec.anomaly_band:g})", return_data=True
            )
        )
        return aws.cloudwatch.MetricAlarmArgs(metric_queries=queries, threshold_metric_id="band", **common)  # type: ignore[arg-type]
    queries.append(
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="e0", expression=spec.expression, label=spec.summary[:255], return_data=True
        )
    )
    return aws.cloudwatch.MetricAlarmArgs(metric_queries=queries, threshold=spec.threshold, **common)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ErrorFilter:
    """A metric filter counting a service's error lines."""

    service: str
    """The service whose log group it reads."""
    log_group: pulumi.Input[str]
    """The service's log group name."""
    namespace: str
    """Namespace of the metric it publishes."""
    metric: str
    """Name of the metric it publishes."""
    pattern: str = ERROR_PATTERN
    """CloudWatch Logs filter pattern."""


@dataclass(frozen=True)
class AlarmsArgs:
    """Inputs of the alarms of one region."""

    alarms: Sequence[AlarmSpec]
    """The catalogue entries to declare here."""
    topic_arns: Mapping[Severity, pulumi.Input[str]]
    """The region's alert topics by severity."""
    handles: Mapping[str, pulumi.Input[str]]
    """Names and ids of what the other layers declared, by the handle the catalogue uses."""
    prefix: str
    """Alarm names start with it (the topics admit alarms named so)."""
    stack: str
    """The stack's name, for descriptions."""
    error_filters: Sequence[ErrorFilter] = field(default_factory=tuple)
    """Metric filters on the services' log groups."""


class Alarms(pulumi.ComponentResource):
    """CloudWatch alarms from the catalogue, each with a description saying where to look first."""

    names: dict[str, pulumi.Output[str]]
    """Alarm names by catalogue key."""

    def __init__(self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:observability:Alarms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for f in args.error_filters:
            aws.cloudwatch.LogMetricFilter(
                f"{name}-{f.service}-errors",
                aws.cloudwatch.LogMetricFilterArgs(
                    log_group_name=f.log_group,
                    pattern=f.pattern,
                    metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                        name=f.metric, namespace=f.namespace, value="1", default_value="0", unit="Count"
                    ),
                ),
                opts=child,
            )
        self.names = {}
        for spec in args.alarms:
            alarm = aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key}",
                metric_alarm_args(
                    spec,
                    name=alarm_name(args.prefix, spec),
                    stack=args.stack,
                    topic_arn=args.topic_arns[spec.severity],
                    handles=args.handles,
                ),
                opts=child,
            )
            self.names[spec.key] = alarm.name
        self.register_outputs({"alarmNames": self.names})
