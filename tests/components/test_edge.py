"""Edge layer: the load balancer, its WAF, listeners and routes, with and without a certificate."""

import json
from collections.abc import Callable

import pytest

from components.edge import MANAGED_RULE_GROUPS, TLS_POLICY
from finplatform.config import read_stack_file
from finplatform.mocks import PlannedResource
from finplatform.plan import Plan, run_program

CERTIFICATE = "arn:aws:acm:us-east-1:111122223333:certificate/0example"
_WITH_CERTIFICATE: dict[str, Plan] = {}


@pytest.fixture
def prod_with_certificate() -> Plan:
    """The prod stack with finplatform:certificateArn set, as an operator with a certificate would run it."""
    if "prod" not in _WITH_CERTIFICATE:
        raw, _ = read_stack_file("prod")
        _WITH_CERTIFICATE["prod"] = run_program("prod", raw_config={**raw, "finplatform:certificateArn": CERTIFICATE})
    return _WITH_CERTIFICATE["prod"]


def _one(plan: Plan, type_: str, name: str) -> PlannedResource:
    (found,) = [r for r in plan.named(type_) if r.name == name]
    return found


def test_alb_is_internet_facing_in_public_subnets_and_drops_invalid_headers(planned: Callable[[str], Plan]) -> None:
    plan = planned("prod")
    alb = _one(plan, "aws:lb/loadBalancer:LoadBalancer", "edge-alb")
    assert alb.inputs["internal"] is False and alb.inputs["subnets"] == plan.outputs["publicSubnetIds"]
    assert alb.inputs["dropInvalidHeaderFields"] is True and alb.inputs["enableDeletionProtection"] is True
    assert (
        _one(planned("dev"), "aws:lb/loadBalancer:LoadBalancer", "edge-alb").inputs["enableDeletionProtection"] is False
    )


def test_only_the_load_balancer_faces_the_internet_and_only_on_80_and_443(planned: Callable[[str], Plan]) -> None:
    group = _one(planned("prod"), "aws:ec2/securityGroup:SecurityGroup", "edge-alb-sg")
    assert {(r["fromPort"], r["toPort"]) for r in group.inputs["ingress"]} == {(80, 80), (443, 443)}
    assert group.inputs["tags"] == {"purpose": "public-load-balancer"}
    assert {(r["fromPort"], tuple(r["securityGroups"])) for r in group.inputs["egress"]} == {
        (8501, (planned("prod").outputs["appSecurityGroupId"],)),
        (8000, (planned("prod").outputs["appSecurityGroupId"],)),
    }


def test_waf_runs_the_managed_groups_and_a_rate_limit_on_the_alb(planned: Callable[[str], Plan]) -> None:
    plan = planned("prod")
    acl = _one(plan, "aws:wafv2/webAcl:WebAcl", "edge-waf")
    names = [rule["name"] for rule in acl.inputs["rules"]]
    assert names == [*MANAGED_RULE_GROUPS, "rate-limit"]
    assert acl.inputs["rules"][-1]["statement"]["rateBasedStatement"]["limit"] == 2000
    association = _one(plan, "aws:wafv2/webAclAssociation:WebAclAssociation", "edge-waf-alb")
    assert (
        association.inputs["resourceArn"] == _one(plan, "aws:lb/loadBalancer:LoadBalancer", "edge-alb").outputs["arn"]
    )


def test_http_only_redirects_and_without_a_certificate_nothing_is_routed(planned: Callable[[str], Plan]) -> None:
    plan = planned("prod")
    (listener,) = plan.named("aws:lb/listener:Listener")
    assert listener.inputs["protocol"] == "HTTP"
    assert listener.inputs["defaultActions"][0]["redirect"] == {
        "protocol": "HTTPS",
        "port": "443",
        "statusCode": "HTTP_301",
    }
    assert any("finplatform:certificateArn is not set" in w for w in plan.warnings)
    service = _one(plan, "aws:ecs/service:Service", "services-web-ui-service")
    assert "loadBalancers" not in service.inputs


def test_with_a_certificate_https_uses_tls13_and_routes_by_path(prod_with_certificate: Plan) -> None:
    plan = prod_with_certificate
    https = _one(plan, "aws:lb/listener:Listener", "edge-https")
    assert (https.inputs["sslPolicy"], https.inputs["certificateArn"]) == (TLS_POLICY, CERTIFICATE)
    rules = {r.name: r.inputs for r in plan.named("aws:lb/listenerRule:ListenerRule")}
    api, ui = rules["edge-analytics-engine-route"], rules["edge-web-ui-route"]
    assert api["priority"] < ui["priority"], "the narrower /api/* path is matched first"
    assert api["conditions"][0]["pathPattern"]["values"] == ["/api/*"]
    assert not plan.warnings


def test_with_a_certificate_services_register_and_the_ui_is_sticky(prod_with_certificate: Plan) -> None:
    plan = prod_with_certificate
    group = _one(plan, "aws:lb/targetGroup:TargetGroup", "edge-web-ui")
    assert group.inputs["stickiness"]["enabled"] is True and group.inputs["healthCheck"]["path"] == "/_stcore/health"
    assert "stickiness" not in _one(plan, "aws:lb/targetGroup:TargetGroup", "edge-analytics-engine").inputs
    service = _one(plan, "aws:ecs/service:Service", "services-web-ui-service")
    (attachment,) = service.inputs["loadBalancers"]
    assert (attachment["targetGroupArn"], attachment["containerPort"]) == (group.outputs["arn"], 8501)


def test_alb_writes_access_logs_to_its_own_sse_s3_bucket(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack's load balancer
    plan = planned("prod")
    alb = _one(plan, "aws:lb/loadBalancer:LoadBalancer", "edge-alb")
    bucket = _one(plan, "aws:s3/bucket:Bucket", "storage-lb-access-logs")
    # THEN it logs under alb/ to a bucket tagged for load-balancer logs, which has no SSE-KMS configuration
    # (ELB writes only with S3-managed keys) and admits ELB's log delivery for this account only
    assert alb.inputs["accessLogs"] == {"bucket": bucket.outputs["bucket"], "prefix": "alb", "enabled": True}
    assert bucket.inputs["tags"]["purpose"] == "lb-logs"
    sse = [r for r in plan.resources if r.name == "storage-lb-access-logs-encryption"]
    assert sse == []
    policy = _one(plan, "aws:s3/bucketPolicy:BucketPolicy", "storage-lb-access-logs-policy")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    assert statements["ElbLogDeliveryAccount"]["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    assert statements["ElbLogDeliveryService"]["Resource"].endswith("/alb/AWSLogs/111122223333/*")
    assert statements["DenyWithoutTls"]["Effect"] == "Deny"
