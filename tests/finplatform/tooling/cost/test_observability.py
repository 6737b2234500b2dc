"""The observability layer's prices: alarms by the metrics they are billed as, dashboards, metric filters, alert
delivery, X-Ray traces, Container Insights, and the parts that are free, each line saying why."""

from collections.abc import Mapping
from typing import Any

import pytest

from finplatform.tooling.cost.model import PRICERS, CostItem, PricedResource, estimate, price_table, traces_recorded
from finplatform.usage import DEFAULTS, Usage, parse_usage

PREFIX = "urn:pulumi:prod::finplatform::finplatform:observability:Alarms$"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
ADDON = "aws:eks/addon:Addon"


def _resource(type_: str, name: str, **props: Any) -> PricedResource:
    return PricedResource(f"{PREFIX}{type_}::{name}", type_, name, props, "us-east-1")


def _price(type_: str, usage: Usage = DEFAULTS["prod"], **props: Any) -> CostItem:
    (item,) = estimate([_resource(type_, "it", **props)], usage).items
    return item


def _metric(name: str, period: int = 60) -> Mapping[str, Any]:
    return {"metricName": name, "namespace": "AWS/ApplicationELB", "period": period, "stat": "Sum"}


def test_a_plain_alarm_is_one_standard_resolution_alarm_metric() -> None:
    # GIVEN an alarm on one metric over one-minute periods WHEN it is priced
    item = _price(ALARM, metricName="HTTPCode_Target_5XX_Count", period=60)
    # THEN it is one alarm metric at the standard rate
    assert item.monthly_usd == pytest.approx(0.10)
    assert item.basis.startswith("1 alarm metric x $0.1/month") and "standard resolution" in item.basis


def test_an_alarm_over_periods_under_a_minute_is_high_resolution() -> None:
    # GIVEN an alarm on one metric over 10-second periods WHEN it is priced
    item = _price(ALARM, metricName="Latency", period=10)
    # THEN it is one alarm metric at the high-resolution rate
    assert item.monthly_usd == pytest.approx(0.30) and "high resolution" in item.basis


def test_a_metric_math_alarm_is_billed_per_metric_it_queries() -> None:
    # GIVEN an error-rate alarm dividing 5XX responses by requests: two metrics and one expression
    queries = [
        {"id": "m0", "metric": _metric("HTTPCode_Target_5XX_Count")},
        {"id": "m1", "metric": _metric("RequestCount")},
        {"id": "e0", "expression": "100 * m0 / m1", "returnData": True},
    ]
    # WHEN it is priced
    item = _price(ALARM, metricQueries=queries, threshold=5)
    # THEN it is two alarm metrics, the expression adding none
    assert item.monthly_usd == pytest.approx(0.20)
    assert item.basis.startswith("2 alarm metrics") and "metric math" in item.basis


@pytest.mark.parametrize(("period", "monthly"), [(300, 0.30), (30, 0.90)])
def test_an_anomaly_detection_alarm_is_billed_three_metrics(period: int, monthly: float) -> None:
    # GIVEN an anomaly-detection alarm: one metric and the band around it, standard or high resolution
    queries = [
        {"id": "m0", "metric": _metric("TargetResponseTime", period), "returnData": True},
        {"id": "band", "expression": "ANOMALY_DETECTION_BAND(m0, 2)", "returnData": True},
    ]
    # WHEN it is priced
    item = _price(ALARM, metricQueries=queries, thresholdMetricId="band")
    # THEN it is three alarm metrics (the metric and the band's two bounds) at its resolution's rate
    assert item.monthly_usd == pytest.approx(monthly)
    assert item.basis.startswith("3 alarm metrics") and "two band metrics" in item.basis


def test_a_dashboard_is_three_dollars_and_says_the_first_three_are_free() -> None:
    # GIVEN a dashboard WHEN it is priced
    item = _price("aws:cloudwatch/dashboard:Dashboard", dashboardName="ops")
    # THEN it costs $3 a month and its line says the account's first three are free
    assert item.monthly_usd == pytest.approx(3.0) and "first three are free" in item.basis


@pytest.mark.parametrize(("dimensions", "more"), [(None, False), ({"Service": "$.service"}, True)])
def test_a_log_metric_filter_is_one_custom_metric(dimensions: Mapping[str, str] | None, more: bool) -> None:
    # GIVEN a metric filter counting error lines, with or without dimensions
    transformation = {"name": "Errors", "namespace": "finplatform", "value": "1", "dimensions": dimensions}
    # WHEN it is priced
    item = _price("aws:cloudwatch/logMetricFilter:LogMetricFilter", metricTransformation=transformation)
    # THEN it is one custom metric, and the line warns that dimensions add one metric per value
    assert item.monthly_usd == pytest.approx(0.30) and item.basis.startswith("1 custom metric")
    assert ("per distinct dimension value" in item.basis) is more


def test_an_alert_topic_has_no_standing_charge_and_its_publishes_round_to_nothing() -> None:
    # GIVEN an alert topic and the default hundred alert messages a month WHEN it is priced
    item = _price("aws:sns/topic:Topic", kmsMasterKeyId="alias/alerts")
    # THEN the line is there, at $0.00, saying what it would charge for
    assert item.monthly_usd == 0 and item.basis.startswith("100 publishes x $0.5/M")
    assert "no standing charge" in item.basis


@pytest.mark.parametrize(
    ("protocol", "entries", "monthly", "says"),
    [
        ("email", [], 0.0, "first 1,000 a month are free"),
        ("email", ["alertMessages=1000000"], 20.0, "1e+06 emails x $2.0/100,000"),
        ("sms", ["alertMessages=1000"], 6.45, "1000 SMS x $0.00645 each (US"),
        ("https", ["alertMessages=2000000"], 1.2, "HTTPS deliveries x $0.6/M"),
        ("sqs", [], 0.0, "no SNS charge"),
        ("lambda", [], 0.0, "no SNS charge"),
        ("application", [], 0.0, "not priced: application deliveries"),
    ],
)
def test_a_subscription_is_priced_by_its_protocol_on_the_alert_messages(
    protocol: str, entries: list[str], monthly: float, says: str
) -> None:
    # GIVEN a subscription to an alert topic and a number of alert messages a month
    usage = parse_usage("prod", entries)
    # WHEN it is priced
    item = _price(SUBSCRIPTION, usage, protocol=protocol, endpoint="ops@example.com")
    # THEN it costs the protocol's delivery rate times the messages (email at $0.00 at low volumes, still listed)
    assert item.monthly_usd == pytest.approx(monthly, abs=0.01) and says in item.basis


@pytest.mark.parametrize(
    "type_",
    [
        "aws:budgets/budget:Budget",
        "aws:costexplorer/anomalyMonitor:AnomalyMonitor",
        "aws:costexplorer/anomalySubscription:AnomalySubscription",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:xray/group:Group",
        "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration",
    ],
)
def test_free_parts_are_listed_at_zero_saying_so(type_: str) -> None:
    # GIVEN a part of the observability layer AWS does not charge for WHEN it is priced
    item = _price(type_)
    # THEN it is listed at $0 and its line says there is no charge
    assert item.monthly_usd == 0 and "no charge" in item.basis


@pytest.mark.parametrize(
    ("destination", "says"),
    [
        ("arn:aws:logs:us-east-1:111122223333:log-group:aws-waf-logs-edge", "priced there"),
        ("arn:aws:s3:::aws-waf-logs-edge", "not priced"),
    ],
)
def test_waf_logging_points_at_where_its_vended_logs_are_billed(destination: str, says: str) -> None:
    # GIVEN a web ACL's logging configuration to a log group, or to a bucket WHEN it is priced
    item = _price(
        "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", logDestinationConfigs=[destination]
    )
    # THEN it is $0 itself and says where the logs are billed
    assert item.monthly_usd == 0 and says in item.basis


def test_traces_recorded_take_the_reservoir_each_second_then_the_rate_of_the_rest() -> None:
    # GIVEN 100 seconds of traffic and a rule keeping 1 request a second plus 10% of the rest
    # WHEN 50 requests (half a second's worth each second) or 1,000 (10 a second) arrive
    # THEN every one of the 50 is kept, and of the 1,000 the 100 from the reservoir plus 10% of the other 900
    assert traces_recorded(50, 1, 0.1, 100) == pytest.approx(50)
    assert traces_recorded(1000, 1, 0.1, 100) == pytest.approx(100 + 90)


@pytest.mark.parametrize(
    ("props", "entries", "monthly"),
    [
        ({"reservoirSize": 0, "fixedRate": 0.1}, ["tracedRequestsMillion=5"], 0.5 * 5.0),
        ({"reservoirSize": 1, "fixedRate": 0.05}, ["tracedRequestsMillion=0.1"], 0.1 * 5.0),
    ],
)
def test_a_sampling_rule_is_priced_on_the_traces_its_reservoir_and_rate_record(
    props: Mapping[str, float], entries: list[str], monthly: float
) -> None:
    # GIVEN a sampling rule with no reservoir and 10% of 5M requests, or the default reservoir of one a second on
    # 0.1M requests (fewer than one a second, so the reservoir keeps them all)
    usage = parse_usage("prod", entries)
    # WHEN it is priced
    item = _price("aws:xray/samplingRule:SamplingRule", usage, ruleName="api", **props)
    # THEN it costs the recorded traces at $5 per million, and its line says so
    assert item.monthly_usd == pytest.approx(monthly, abs=0.01)
    assert "traces of" in item.basis and "x $5.0/M recorded" in item.basis


def _node_group(name: str, desired: int, cluster: str | None) -> PricedResource:
    props: dict[str, Any] = {"scalingConfig": {"desiredSize": desired}, "instanceTypes": ["t3.medium"]}
    if cluster is not None:
        props["clusterName"] = cluster
    return _resource(NODE_GROUP, name, **props)


def _observability_addon(resources: list[PricedResource]) -> CostItem:
    addon = _resource(ADDON, "cw", addonName="amazon-cloudwatch-observability", clusterName="apps")
    (item,) = [i for i in estimate([addon, *resources], DEFAULTS["prod"]).items if i.type == ADDON]
    return item


def test_container_insights_is_priced_per_node_of_its_clusters_node_groups() -> None:
    # GIVEN the CloudWatch observability add-on on cluster "apps", whose node groups want 3 and 2 nodes (one named
    # by the cluster, one derived from pulumi-eks and naming none), beside another cluster's group of 4
    groups = [_node_group("a", 3, "apps"), _node_group("b", 2, None), _node_group("c", 4, "batch")]
    # WHEN the add-on is priced for prod
    item = _observability_addon(groups)
    # THEN it is 5 nodes x 25M observations a node x $0.21 per million, and the line says the rate is assumed
    assert item.monthly_usd == pytest.approx(5 * 25 * 0.21)
    assert item.basis.startswith("Container Insights (enhanced): 5 nodes") and "assumed rate" in item.basis


def test_container_insights_assumes_two_nodes_when_no_node_group_is_reachable() -> None:
    # GIVEN the add-on alone WHEN it is priced
    item = _observability_addon([])
    # THEN two nodes are assumed, and the line says so
    assert item.monthly_usd == pytest.approx(2 * 25 * 0.21) and "2 nodes assumed" in item.basis


def test_other_eks_add_ons_are_left_out() -> None:
    # GIVEN the pod identity agent add-on, which has no charge of its own WHEN it is priced
    addon = _resource(ADDON, "pod-identity", addonName="eks-pod-identity-agent", clusterName="apps")
    # THEN it adds no line
    assert estimate([addon], DEFAULTS["prod"]).items == []


def test_every_new_price_is_in_both_regions_with_its_source() -> None:
    # GIVEN the vendored price table WHEN its observability prices are read
    table = price_table()
    new = {
        "cloudwatchHighResAlarmMonth",
        "snsEmail100k",
        "snsHttpMillion",
        "snsSmsUs",
        "xrayTracesRecordedMillion",
        "xrayTracesRetrievedMillion",
        "containerInsightsObservationsMillion",
    }
    # THEN each is in both regions and names its source page and the date it was checked
    for region in table["regions"].values():
        assert new <= set(region["unit"])
    for key in new:
        assert table["unitSources"][key]["url"].startswith("https://aws.amazon.com/")
        assert table["unitSources"][key]["checked"]


def test_every_free_type_names_the_page_that_says_so() -> None:
    # GIVEN the types the model prices at $0 for the observability layer WHEN the table's sources are read
    free = set(price_table()["freeSources"])
    # THEN each is a priced type with a source URL
    assert free <= set(PRICERS)
    assert all(source["url"].startswith("https://") for source in price_table()["freeSources"].values())


def test_the_new_usage_keys_have_defaults_and_can_be_overridden() -> None:
    # GIVEN prod's defaults and entries for the three observability usage keys WHEN they are parsed
    usage = parse_usage("prod", ["alertMessages=250", "tracedRequestsMillion=2", "containerObservationsMillion=40"])
    # THEN the entries win, and each default is a positive volume in every environment
    assert (usage.alertMessages, usage.tracedRequestsMillion, usage.containerObservationsMillion) == (250, 2, 40)
    for defaults in DEFAULTS.values():
        assert defaults.alertMessages > 0 and defaults.tracedRequestsMillion > 0
        assert defaults.containerObservationsMillion > 0
