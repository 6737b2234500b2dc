"""The stack's CloudWatch dashboard: a row per layer present, a graph per alarm with its threshold, and the
account's estimated charges against the stack's budget."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from finplatform.alerting import AlarmSpec, Handle, Metric

LAYER_TITLES = {
    "edge": "Edge: load balancer, web ACLs and routed services",
    "compute": "Compute: services, nodes and their logged errors",
    "data": "Data stores",
    "functions": "Queues and functions",
}
# CloudWatch publishes the account's estimated charges in us-east-1 only, every few hours.
BILLING_REGION = "us-east-1"
GRAPH_WIDTH, GRAPH_HEIGHT, COLUMNS = 8, 6, 3


def _metric_row(metric: Metric, resolved: Mapping[str, str], *, period: int, **options: Any) -> list[Any]:
    row: list[Any] = [metric.namespace, metric.name]
    for key, value in metric.dimensions:
        row += [key, resolved[value.key] if isinstance(value, Handle) else value]
    return [*row, {"stat": metric.stat, "period": period, **options}]


def alarm_widget(spec: AlarmSpec, resolved: Mapping[str, str], region: str) -> dict[str, Any]:
    """A graph of what the alarm reads: its metric, or its expression over hidden metrics, with the threshold."""
    math = bool(spec.expression) or len(spec.metrics) > 1
    metrics: list[Any] = [
        _metric_row(m, resolved, period=spec.period, id=f"m{i}", visible=not math) for i, m in enumerate(spec.metrics)
    ]
    properties: dict[str, Any] = {
        "title": f"{spec.subject}: {spec.summary}"[:200],
        "region": spec.region or region,
        "view": "timeSeries",
        "stacked": False,
    }
    if spec.anomaly_band is not None:
        metrics.append([{"expression": f"ANOMALY_DETECTION_BAND(m0, {spec.anomaly_band:g})", "id": "band"}])
    elif math:
        metrics.append([{"expression": spec.expression or "m0", "id": "e0", "label": spec.subject}])
    if spec.anomaly_band is None:
        properties["annotations"] = {"horizontal": [{"value": spec.threshold, "label": spec.severity}]}
    properties["metrics"] = metrics
    return {"type": "metric", "width": GRAPH_WIDTH, "height": GRAPH_HEIGHT, "properties": properties}


def dashboard_body(
    alarms: Sequence[AlarmSpec], resolved: Mapping[str, str], *, region: str, stack: str, budget_usd: float
) -> dict[str, Any]:
    """Widgets laid out row by row: a heading per layer present, then its graphs, then the cost row."""
    widgets: list[dict[str, Any]] = []
    y = 0

    def heading(text: str) -> None:
        nonlocal y
        widgets.append({"type": "text", "x": 0, "y": y, "width": 24, "height": 1, "properties": {"markdown": text}})
        y += 1

    def place(row: list[dict[str, Any]]) -> None:
        nonlocal y
        for position, widget in enumerate(row):
            widgets.append(
                {**widget, "x": (position % COLUMNS) * GRAPH_WIDTH, "y": y + (position // COLUMNS) * GRAPH_HEIGHT}
            )
        y += -(-len(row) // COLUMNS) * GRAPH_HEIGHT

    for layer, title in LAYER_TITLES.items():
        in_layer = [a for a in alarms if a.layer == layer]
        if in_layer:
            heading(f"## {title}")
            place([alarm_widget(a, resolved, region) for a in in_layer])
    heading(
        f"## Cost: the stack's budget is ${budget_usd:,.0f} a month (AWS Budgets alerts at 80% forecast, 100% actual)"
    )
    place(
        [
            {
                "type": "metric",
                "width": GRAPH_WIDTH * 2,
                "height": GRAPH_HEIGHT,
                "properties": {
                    "title": f"Estimated charges, account month to date (the {stack} budget line)",
                    "region": BILLING_REGION,
                    "view": "timeSeries",
                    "metrics": [
                        ["AWS/Billing", "EstimatedCharges", "Currency", "USD", {"stat": "Maximum", "period": 21600}]
                    ],
                    "annotations": {"horizontal": [{"value": budget_usd, "label": "budget"}]},
                },
            }
        ]
    )
    return {"widgets": widgets}


@dataclass(frozen=True)
class DashboardArgs:
    """Inputs of the stack's dashboard."""

    alarms: Sequence[AlarmSpec]
    """The alarm catalogue; each alarm gets a graph."""
    handles: Mapping[str, pulumi.Input[str]]
    """Names and ids the graphs' dimensions refer to."""
    name: str
    """Dashboard name."""
    region: str
    """Region of the metrics without a region of their own."""
    stack: str
    """The stack's name."""
    budget_usd: float
    """The stack's monthly budget, drawn on the cost graph."""


class Dashboard(pulumi.ComponentResource):
    """One CloudWatch dashboard for the stack."""

    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:observability:Dashboard", name, None, opts)
        needed = sorted({key for spec in args.alarms for key in spec.handles})
        body = pulumi.Output.all(*[args.handles[key] for key in needed]).apply(
            lambda values: json.dumps(
                dashboard_body(
                    args.alarms,
                    dict(zip(needed, values, strict=True)),
                    region=args.region,
                    stack=args.stack,
                    budget_usd=args.budget_usd,
                ),
                sort_keys=True,
            )
        )
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            aws.cloudwatch.DashboardArgs(dashboard_name=args.name, dashboard_body=body),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"dashboardName": dashboard.dashboard_name})
