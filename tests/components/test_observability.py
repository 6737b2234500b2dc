"""The observability layer as the engine receives it: alarms routed by severity to encrypted topics that admit
only their publishers, the dashboard, the budget and anomaly monitor, security-event routing, tracing and WAF
logging; on the committed prod stacks, and on synthetic stacks for what they do not configure."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from components.observability.tracing import MAX_XRAY_NAME
from finplatform.alerting import alarm_catalogue
from finplatform.stack import resolve_stack
from finplatform.tooling.plan import Plan
from finplatform.tooling.stack_files import read_stack_file
from tests.components.test_build import SIZES_FARGATE, _build, _named, _stack
from tests.conftest import Engine

PROD_STACKS = ["prod", "accunode-prod", "data-pipeline-prod", "dex-mobile-prod", "smart-0dte-prod"]
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"


def _topics(plan: Plan) -> dict[str, Any]:
    return {r.name: r for r in plan.named(TOPIC)}


@pytest.mark.parametrize("stack", PROD_STACKS)
def test_every_catalogued_alarm_is_declared_and_routed_to_its_severitys_topic(
    planned: Callable[[str], Plan], stack: str
) -> None:
    # GIVEN a committed prod stack and its alarm catalogue
    plan = planned(stack)
    raw, _ = read_stack_file(stack)
    catalogue = alarm_catalogue(resolve_stack(stack, raw))
    topics = {r.outputs["arn"]: r.inputs["name"] for r in plan.named(TOPIC)}
    # WHEN its alarms are read from what the engine receives (scaling alarms act on scaling policies instead)
    alarms = {r.inputs["name"]: r for r in plan.named(ALARM) if "-scale-" not in r.name}
    # THEN each catalogue entry is one alarm whose actions are its severity's topic in its region, described
    assert catalogue and len(alarms) == len(catalogue)
    for name, alarm in alarms.items():
        severity = "critical" if "-critical-" in name else "warning"
        (action,) = alarm.inputs["alarmActions"]
        assert topics[action].endswith(f"alerts-{severity}"), name
        assert alarm.inputs["okActions"] == [action]
        assert "Look first at" in alarm.inputs["alarmDescription"]


@pytest.mark.parametrize("stack", PROD_STACKS)
def test_every_alarm_dimension_and_dashboard_graph_names_a_known_resource(
    planned: Callable[[str], Plan], stack: str
) -> None:
    # GIVEN a committed prod stack WHEN its alarms and dashboard reach the engine
    plan = planned(stack)
    alarms = plan.named(ALARM)
    (dashboard,) = plan.named("aws:cloudwatch/dashboard:Dashboard")
    # THEN no dimension is left unknown at preview: each names a resource the plan can show
    assert alarms
    assert "[unknown]" not in json.dumps([a.inputs for a in alarms])
    assert "[unknown]" not in dashboard.inputs["dashboardBody"]
    # AND the database alarms name instances the plan declares
    declared = {r.inputs["identifier"] for r in plan.named("aws:rds/instance:Instance")}
    watched = {a.inputs.get("dimensions", {}).get("DBInstanceIdentifier") for a in alarms} - {None}
    assert watched <= declared


@pytest.mark.parametrize("stack", PROD_STACKS)
def test_topics_are_encrypted_and_admit_only_their_publishers(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN a committed prod stack WHEN its topics and topic policies are read
    plan = planned(stack)
    topics = _topics(plan)
    policies = {r.name: json.loads(r.inputs["policy"]) for r in plan.named("aws:sns/topicPolicy:TopicPolicy")}
    # THEN every topic uses the alerts key, and only AWS services publish, for this account, with TLS
    assert topics and all(t.inputs["kmsMasterKeyId"].startswith("arn:aws:kms:") for t in topics.values())
    critical = policies["alerts-critical-policy"]["Statement"]
    publishers = {s["Principal"]["Service"] for s in critical if s["Effect"] == "Allow" and "Service" in s["Principal"]}
    # (RDS publishes where the stack has PostgreSQL, for its event subscriptions)
    rds = {"events.rds.amazonaws.com"} if plan.named("aws:rds/instance:Instance") else set()
    assert publishers == {"cloudwatch.amazonaws.com", "budgets.amazonaws.com", "events.amazonaws.com"} | rds
    warning = policies["alerts-warning-policy"]["Statement"]
    assert "costalerts.amazonaws.com" in {s["Principal"].get("Service") for s in warning if s["Effect"] == "Allow"}
    for statement in critical + warning:
        if statement["Effect"] == "Allow" and "Service" in statement["Principal"]:
            assert statement["Condition"]["StringEquals"]["aws:SourceAccount"]
            assert statement["Action"] == "sns:Publish"
    assert any(s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in critical)


def test_the_alerts_key_lets_only_the_publishing_services_encrypt(planned: Callable[[str], Plan]) -> None:
    # GIVEN prod's alerts key WHEN its policy is read
    (key,) = [k for k in planned("prod").named("aws:kms/key:Key") if k.name == "keys-alerts"]
    statements = json.loads(key.inputs["policy"])["Statement"]
    # THEN the publishers may generate data keys and decrypt for this account only
    (publishers,) = [s for s in statements if s["Sid"] == "AlertPublishersEncryptForThisAccount"]
    assert set(publishers["Principal"]["Service"]) == {
        "cloudwatch.amazonaws.com",
        "events.amazonaws.com",
        "budgets.amazonaws.com",
        "costalerts.amazonaws.com",
        "events.rds.amazonaws.com",
    }
    assert publishers["Condition"]["StringEquals"]["aws:SourceAccount"]


def test_the_budget_equals_the_guardrail_and_alerts_at_80_forecast_and_100_actual(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN dex-mobile-prod, whose stack file sets a budget of its own
    plan = planned("dex-mobile-prod")
    raw, _ = read_stack_file("dex-mobile-prod")
    amount = f"{float(raw['finplatform:monthlyBudgetUsd']):.2f}"
    (budget,) = plan.named("aws:budgets/budget:Budget")
    (subscription,) = plan.named("aws:costexplorer/anomalySubscription:AnomalySubscription")
    topics = {r.outputs["arn"]: r.inputs["name"] for r in plan.named(TOPIC)}
    # THEN the budget is that amount on the stack's tag, with its two notifications on their topics
    assert (budget.inputs["limitAmount"], budget.inputs["timeUnit"]) == (amount, "MONTHLY")
    assert budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": ["user:stack$dex-mobile-prod"]}]
    notices = {
        (n["notificationType"], n["threshold"]): topics[n["subscriberSnsTopicArns"][0]]
        for n in budget.inputs["notifications"]
    }
    assert notices == {
        ("FORECASTED", 80): "finplatform-dex-mobile-prod-alerts-warning",
        ("ACTUAL", 100): "finplatform-dex-mobile-prod-alerts-critical",
    }
    # AND the anomaly subscription alerts at once on a 20% impact
    assert subscription.inputs["frequency"] == "IMMEDIATE"
    assert subscription.inputs["thresholdExpression"]["dimension"]["values"] == ["20"]


def test_security_events_reach_the_critical_topic(planned: Callable[[str], Plan]) -> None:
    # GIVEN prod WHEN its EventBridge rules and targets are read
    plan = planned("prod")
    rules = {
        r.name: json.loads(r.inputs["eventPattern"])
        for r in plan.named("aws:cloudwatch/eventRule:EventRule")
        if r.name.startswith("security-events")
    }
    targets = [t for t in plan.named("aws:cloudwatch/eventTarget:EventTarget") if t.name.startswith("security-events")]
    critical = next(t for t in plan.named(TOPIC) if t.name == "alerts-critical").outputs["arn"]
    # THEN GuardDuty high, Security Hub critical, trail and key changes each go to the critical topic
    assert rules["security-events-guardduty-high"]["detail"]["severity"] == [{"numeric": [">=", 7]}]
    assert rules["security-events-securityhub-critical"]["detail"]["findings"]["Severity"]["Label"] == ["CRITICAL"]
    assert "StopLogging" in rules["security-events-trail-changes"]["detail"]["eventName"]
    assert "PutKeyPolicy" in rules["security-events-key-policy-changes"]["detail"]["eventName"]
    assert len(targets) == 4 and all(t.inputs["arn"] == critical for t in targets)


def test_the_dashboard_has_a_row_per_layer_and_resolved_dimensions(planned: Callable[[str], Plan]) -> None:
    # GIVEN prod WHEN its dashboard body is read
    (dashboard,) = planned("prod").named("aws:cloudwatch/dashboard:Dashboard")
    widgets = json.loads(dashboard.inputs["dashboardBody"])["widgets"]
    headings = [w["properties"]["markdown"] for w in widgets if w["type"] == "text"]
    # THEN edge, compute, data, functions and cost rows appear in that order, and no widget overlaps another
    assert [h.split(":")[0] for h in headings] == [
        "## Edge",
        "## Compute",
        "## Data stores",
        "## Queues and functions",
        "## Cost",
    ]
    cells = [(w["x"] + dx, w["y"] + dy) for w in widgets for dx in range(w["width"]) for dy in range(w["height"])]
    assert len(cells) == len(set(cells))
    body = dashboard.inputs["dashboardBody"]
    assert "Handle(" not in body and "app/" in body and "finplatform-prod-postgres" in body


def test_waf_logs_and_audit_groups_keep_a_year_in_prod(planned: Callable[[str], Plan]) -> None:
    # GIVEN prod WHEN the WAF logging and audit log groups are read
    plan = planned("prod")
    groups = {g.name: g for g in plan.named("aws:cloudwatch/logGroup:LogGroup")}
    (logging,) = plan.named("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    waf = groups["edge-waf-logs"]
    # THEN the web ACL logs to an encrypted aws-waf-logs-* group, and audit groups keep 365 days
    assert waf.inputs["name"].startswith("aws-waf-logs-") and waf.inputs["kmsKeyId"]
    assert logging.inputs["logDestinationConfigs"] == [waf.outputs["arn"]]
    for name in ("edge-waf-logs", "audit-trail-logs", "network-flow-logs"):
        assert groups[name].inputs["retentionInDays"] == 365, name


def test_tracing_declares_a_group_and_rule_per_service_within_xrays_limits(planned: Callable[[str], Plan]) -> None:
    # GIVEN dex-mobile-prod, whose service names are long
    plan = planned("dex-mobile-prod")
    groups = plan.named("aws:xray/group:Group")
    rules = plan.named("aws:xray/samplingRule:SamplingRule")
    # THEN each of its five services has a group and a rule, every name within 32 characters
    assert len(groups) == len(rules) == 5
    assert all(len(g.inputs["groupName"]) <= MAX_XRAY_NAME for g in groups)
    assert all(len(r.inputs["ruleName"]) <= MAX_XRAY_NAME and r.inputs["fixedRate"] == 0.05 for r in rules)


def test_eks_gets_container_insights_with_encrypted_groups(planned: Callable[[str], Plan]) -> None:
    # GIVEN dex-mobile-prod's cluster WHEN its add-ons and log groups are read
    plan = planned("dex-mobile-prod")
    addons = {a.inputs["addonName"]: a for a in plan.named("aws:eks/addon:Addon")}
    groups = [
        g
        for g in plan.named("aws:cloudwatch/logGroup:LogGroup")
        if "/aws/containerinsights/" in str(g.inputs.get("name"))
    ]
    # THEN the CloudWatch Observability add-on runs under its own pod-identity role, its groups encrypted
    observability = addons["amazon-cloudwatch-observability"]
    assert observability.inputs["podIdentityAssociations"][0]["serviceAccount"] == "cloudwatch-agent"
    assert len(groups) == 4 and all(g.inputs["kmsKeyId"] for g in groups)


def test_endpoints_and_a_slack_channel_come_from_config(engine: Engine) -> None:
    # GIVEN a stack with two addresses, a phone and a Slack channel
    config = {
        "finplatform:alertEmails": json.dumps(["oncall@example.com", "platform@example.com"]),
        "finplatform:alertSmsNumbers": json.dumps(["+15555550100"]),
        "finplatform:slackWorkspaceId": "T0123ABCD",
        "finplatform:slackChannelId": "C0123ABCDEF",
    }
    blueprint = {"services": [{"name": "api", "image": "api:1", "sizes": SIZES_FARGATE}]}
    resources = _build(engine, _stack("staging", blueprint, config))
    subscriptions = _named(resources, "aws:sns/topicSubscription:TopicSubscription")
    # THEN both severities mail both addresses, only critical alerts text the phone
    protocols = sorted((n.split("-")[1], s.inputs["protocol"]) for n, s in subscriptions.items())
    assert protocols == [
        ("critical", "email"),
        ("critical", "email"),
        ("critical", "sms"),
        ("warning", "email"),
        ("warning", "email"),
    ]
    # AND one Chatbot configuration posts both topics, declared through a provider in us-west-2
    (slack,) = _named(resources, "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration").values()
    assert (slack.inputs["slackTeamId"], slack.inputs["slackChannelId"]) == ("T0123ABCD", "C0123ABCDEF")
    assert len(slack.inputs["snsTopicArns"]) == 2
    assert "aws-chatbot" in str(slack.options.get("provider"))


def test_a_cdn_outside_us_east_1_gets_its_web_acl_logs_and_alarm_there(engine: Engine) -> None:
    # GIVEN a stack in eu-west-1 with a domain, so CloudFront's web ACL lives in us-east-1
    config = {
        "aws:region": "eu-west-1",
        "finplatform:domainName": "example.com",
        "finplatform:hostedZoneId": "Z0123456789ABCDEFGHIJ",
    }
    blueprint = {"services": [{"name": "api", "image": "api:1", "sizes": SIZES_FARGATE}]}
    resources = _build(engine, _stack("staging", blueprint, config))
    groups = _named(resources, "aws:cloudwatch/logGroup:LogGroup")
    topics = _named(resources, TOPIC)
    alarms = _named(resources, ALARM)
    # THEN the CDN's WAF log group, its spike alarm and a topic for it are declared in us-east-1 with keys there
    assert "aws-edge" in str(groups["cdn-waf-logs"].options.get("provider"))
    assert "aws-edge" in str(alarms["alarms-us-east-1-cdn-waf-blocked-spike"].options.get("provider"))
    assert "alerts-us-east-1-warning" in topics
    assert any(k.startswith("edge-keys-") for k in _named(resources, "aws:kms/key:Key"))


def test_rds_events_reach_the_alert_topics_with_each_controls_categories(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack, with a primary, a read replica and a DR replica
    plan = planned("prod")
    subscriptions = {s.name: s for s in plan.named("aws:rds/eventSubscription:EventSubscription")}
    topic_names = {t.outputs.get("arn"): t.inputs["name"] for t in plan.named(TOPIC)}
    # WHEN its RDS event subscriptions reach the engine
    # THEN each region has one per source type with exactly the FSBP control's categories (RDS.20-22; no
    # clusters are declared, so no RDS.19 subscription)
    expected = {
        "instances": ("db-instance", ["configuration change", "failure", "maintenance"], "critical"),
        "parameter-groups": ("db-parameter-group", ["configuration change"], "warning"),
        "security-groups": ("db-security-group", ["configuration change", "failure"], "warning"),
    }
    for suffix, region in (("", "us-east-1"), ("-us-west-2", "us-west-2")):
        for short, (source, categories, severity) in expected.items():
            sub = subscriptions[f"database-events{suffix}-{short}"]
            assert (sub.inputs["sourceType"], sub.inputs["eventCategories"]) == (source, categories)
            assert sub.inputs["snsTopic"].startswith(f"arn:aws:sns:{region}:") and sub.inputs["enabled"] is True
            assert topic_names[sub.inputs["snsTopic"]].endswith(f"-alerts-{severity}")
    assert len(subscriptions) == 6
    # AND the instance subscriptions name this stack's instances only, in their region
    assert subscriptions["database-events-instances"].inputs["sourceIds"] == [
        "finplatform-prod-postgres",
        "finplatform-prod-postgres-replica-1",
    ]
    assert subscriptions["database-events-us-west-2-instances"].inputs["sourceIds"] == ["finplatform-prod-postgres-dr"]
    # AND every topic they publish to admits RDS, for this account's sources
    for topic_policy in plan.named("aws:sns/topicPolicy:TopicPolicy"):
        statements = json.loads(topic_policy.inputs["policy"])["Statement"]
        rds = [s for s in statements if s["Principal"] == {"Service": "events.rds.amazonaws.com"}]
        assert len(rds) == 1 and ":rds:" in rds[0]["Condition"]["ArnLike"]["aws:SourceArn"]
        assert len({s["Sid"] for s in statements}) == len(statements)


def test_a_stack_without_postgres_subscribes_to_no_rds_events() -> None:
    # GIVEN the subscriptions a region needs WHEN it has instances, clusters, or neither
    from components.observability.database_events import event_subscriptions

    # THEN clusters get RDS.19's categories only where clusters exist, and nothing is declared without either
    assert [s.control for s in event_subscriptions(instances=True, clusters=False)] == ["RDS.20", "RDS.21", "RDS.22"]
    (clusters,) = event_subscriptions(instances=False, clusters=True)
    assert (clusters.source_type, clusters.categories) == ("db-cluster", ("failure", "maintenance"))
    assert event_subscriptions(instances=False, clusters=False) == []
