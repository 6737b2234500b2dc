"""Edge layer: the load balancer, its WAF, listeners and routes, with and without a certificate."""

import json
from collections.abc import Callable, Mapping

import pytest

from components.edge.cdn import CACHING_DISABLED
from components.edge.load_balancer import TLS_POLICY
from components.shared.waf import MANAGED_RULE_GROUPS
from finplatform.tooling.mocks import PlannedResource
from finplatform.tooling.plan import Plan, run_program
from finplatform.tooling.stack_files import read_stack_file
from tests.conftest import Analyzers

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
    # GIVEN the prod and dev stacks as planned WHEN their application load balancers reach the engine
    plan = planned("prod")
    alb = _one(plan, "aws:lb/loadBalancer:LoadBalancer", "edge-alb")
    # THEN prod's faces the internet from the public subnets, drops invalid headers and is deletion-protected
    assert alb.inputs["internal"] is False and alb.inputs["subnets"] == plan.outputs["publicSubnetIds"]
    assert alb.inputs["dropInvalidHeaderFields"] is True and alb.inputs["enableDeletionProtection"] is True
    # AND dev's is not deletion-protected
    assert (
        _one(planned("dev"), "aws:lb/loadBalancer:LoadBalancer", "edge-alb").inputs["enableDeletionProtection"] is False
    )


def test_only_the_load_balancer_faces_the_internet_and_only_on_443(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the load balancer's security group reaches the engine
    group = _one(planned("prod"), "aws:ec2/securityGroup:SecurityGroup", "edge-alb-sg")
    # THEN it is tagged as the public load balancer, admits only port 443 (ELB.18: no HTTP listener to reach),
    # and sends only to the two services' ports on the app tier's group
    assert {(r["fromPort"], r["toPort"]) for r in group.inputs["ingress"]} == {(443, 443)}
    assert group.inputs["tags"] == {"purpose": "public-load-balancer"}
    assert {(r["fromPort"], tuple(r["securityGroups"])) for r in group.inputs["egress"]} == {
        (8501, (planned("prod").outputs["appSecurityGroupId"],)),
        (8000, (planned("prod").outputs["appSecurityGroupId"],)),
    }


def test_waf_runs_the_managed_groups_and_a_rate_limit_on_the_alb(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the load balancer's web ACL reaches the engine
    plan = planned("prod")
    acl = _one(plan, "aws:wafv2/webAcl:WebAcl", "edge-waf")
    # THEN it runs the managed rule groups then a 2000-request rate limit, and is associated with the ALB
    names = [rule["name"] for rule in acl.inputs["rules"]]
    assert names == [*MANAGED_RULE_GROUPS, "rate-limit"]
    assert acl.inputs["rules"][-1]["statement"]["rateBasedStatement"]["limit"] == 2000
    association = _one(plan, "aws:wafv2/webAclAssociation:WebAclAssociation", "edge-waf-alb")
    assert (
        association.inputs["resourceArn"] == _one(plan, "aws:lb/loadBalancer:LoadBalancer", "edge-alb").outputs["arn"]
    )


def test_without_a_certificate_the_load_balancer_has_no_listener_and_nothing_is_routed(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN the prod stack without a certificate ARN WHEN its listeners reach the engine
    plan = planned("prod")
    # THEN there is none: no plain-HTTP listener, not even one that redirects (ELB.18)
    assert plan.named("aws:lb/listener:Listener") == []
    # AND the missing certificate is warned about and the UI service is not attached to the load balancer
    assert any("finplatform:certificateArn is not set" in w for w in plan.warnings)
    service = _one(plan, "aws:ecs/service:Service", "services-web-ui-service")
    assert "loadBalancers" not in service.inputs


def test_with_a_certificate_https_uses_tls13_and_routes_by_path(prod_with_certificate: Plan) -> None:
    # GIVEN prod with a certificate ARN WHEN its HTTPS listener and routing rules reach the engine
    plan = prod_with_certificate
    # THEN HTTPS uses the TLS13-1-2 security policy with that certificate and /api/* is matched before the UI's route
    https = _one(plan, "aws:lb/listener:Listener", "edge-https")
    assert (https.inputs["sslPolicy"], https.inputs["certificateArn"]) == (TLS_POLICY, CERTIFICATE)
    # AND it is the load balancer's only listener, on 443
    assert [(r.inputs["port"], r.inputs["protocol"]) for r in plan.named("aws:lb/listener:Listener")] == [
        (443, "HTTPS")
    ]
    rules = {r.name: r.inputs for r in plan.named("aws:lb/listenerRule:ListenerRule")}
    api, ui = rules["edge-analytics-engine-route"], rules["edge-web-ui-route"]
    assert api["priority"] < ui["priority"], "the narrower /api/* path is matched first"
    assert api["conditions"][0]["pathPattern"]["values"] == ["/api/*"]
    # AND no warning about the certificate is raised
    assert not [w for w in plan.warnings if "certificateArn" in w]


def test_with_a_certificate_services_register_and_the_ui_is_sticky(prod_with_certificate: Plan) -> None:
    # GIVEN prod with a certificate ARN WHEN its target groups and the UI service reach the engine
    plan = prod_with_certificate
    # THEN the UI's target group is sticky with Streamlit's health check and the API's is not
    group = _one(plan, "aws:lb/targetGroup:TargetGroup", "edge-web-ui")
    assert group.inputs["stickiness"]["enabled"] is True and group.inputs["healthCheck"]["path"] == "/_stcore/health"
    assert "stickiness" not in _one(plan, "aws:lb/targetGroup:TargetGroup", "edge-analytics-engine").inputs
    # AND the UI service registers its port 8501 with its target group
    service = _one(plan, "aws:ecs/service:Service", "services-web-ui-service")
    (attachment,) = service.inputs["loadBalancers"]
    assert (attachment["targetGroupArn"], attachment["containerPort"]) == (group.outputs["arn"], 8501)


def test_alb_writes_access_logs_to_its_own_sse_s3_bucket(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack's load balancer
    # WHEN its access-log bucket and that bucket's policy reach the engine
    plan = planned("prod")
    alb = _one(plan, "aws:lb/loadBalancer:LoadBalancer", "edge-alb")
    bucket = _one(plan, "aws:s3/bucket:Bucket", "edge-access-logs")
    # THEN it logs under alb/ to a bucket tagged for load-balancer logs, which has no SSE-KMS configuration
    # (ELB writes only with S3-managed keys) and admits ELB's log delivery for this account only
    assert alb.inputs["accessLogs"] == {"bucket": bucket.outputs["bucket"], "prefix": "alb", "enabled": True}
    assert bucket.inputs["tags"]["purpose"] == "lb-logs"
    sse = [r for r in plan.resources if r.name == "edge-access-logs-encryption"]
    assert sse == []
    policy = _one(plan, "aws:s3/bucketPolicy:BucketPolicy", "edge-access-logs-policy")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    assert statements["ElbLogDeliveryAccount"]["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    assert statements["ElbLogDeliveryService"]["Resource"].endswith("/alb/AWSLogs/111122223333/*")
    assert statements["DenyWithoutTls"]["Effect"] == "Deny"


DOMAIN = {"finplatform:domainName": "portfolio.example.com", "finplatform:hostedZoneId": "Z0123456789EXAMPLE"}


@pytest.fixture
def prod_with_domain() -> Plan:
    """The prod stack with a domain and its hosted zone: certificates through DNS, CloudFront, alias records."""
    if "domain" not in _WITH_CERTIFICATE:
        raw, _ = read_stack_file("prod")
        _WITH_CERTIFICATE["domain"] = run_program("prod", raw_config={**raw, **DOMAIN})
    return _WITH_CERTIFICATE["domain"]


def test_without_a_domain_there_is_no_cdn_dns_or_certificate(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack without a domain WHEN it is planned
    types = {r.type for r in planned("prod").resources}
    # THEN it declares nothing of CloudFront, Route 53 or ACM
    assert not {t for t in types if t.split(":")[1].split("/")[0] in ("cloudfront", "route53", "acm")}


def test_a_domain_gives_the_alb_a_dns_validated_certificate(prod_with_domain: Plan) -> None:
    # GIVEN prod with domainName and hostedZoneId but no certificateArn
    plan = prod_with_domain
    # WHEN its certificate, validation records and listeners reach the engine
    # THEN the ALB's certificate covers the apex and its subdomains and is validated through one DNS record
    certificate = _one(plan, "aws:acm/certificate:Certificate", "edge-certificate")
    assert (certificate.inputs["domainName"], certificate.inputs["subjectAlternativeNames"]) == (
        "portfolio.example.com",
        ["*.portfolio.example.com"],
    )
    assert certificate.inputs["validationMethod"] == "DNS"
    (record,) = [r for r in plan.named("aws:route53/record:Record") if r.name.endswith("-validation")]
    option = certificate.outputs["domainValidationOptions"][0]
    assert (record.inputs["name"], record.inputs["type"], record.inputs["records"]) == (
        option["resourceRecordName"],
        "CNAME",
        [option["resourceRecordValue"]],
    )
    assert record.inputs["zoneId"] == "Z0123456789EXAMPLE"
    # AND the HTTPS listener serves it once validated, so the services are routed
    https = _one(plan, "aws:lb/listener:Listener", "edge-https")
    validated = _one(plan, "aws:acm/certificateValidation:CertificateValidation", "edge-certificate-validated")
    assert https.inputs["certificateArn"] == validated.outputs["certificateArn"] == certificate.outputs["arn"]
    assert not any("certificateArn is not set" in w for w in plan.warnings)
    # AND the CloudFront certificate reuses that record instead of declaring a second owner of it
    cdn_validated = _one(plan, "aws:acm/certificateValidation:CertificateValidation", "cdn-certificate-validated")
    assert cdn_validated.inputs["validationRecordFqdns"] == validated.inputs["validationRecordFqdns"]


def test_cloudfront_caches_static_a_year_the_api_a_minute_and_realtime_not_at_all(prod_with_domain: Plan) -> None:
    # GIVEN prod with a domain WHEN its CloudFront distribution and cache policies reach the engine
    plan = prod_with_domain
    # THEN static paths are cached a year, /api/* a minute, streams, websockets and the default not at all,
    # and every path redirects to HTTPS
    distribution = _one(plan, "aws:cloudfront/distribution:Distribution", "cdn-distribution")
    policies = {p.outputs["id"]: p for p in plan.named("aws:cloudfront/cachePolicy:CachePolicy")}
    ttl = {
        b["pathPattern"]: policies[b["cachePolicyId"]].inputs["defaultTtl"]
        if b["cachePolicyId"] in policies
        else b["cachePolicyId"]
        for b in distribution.inputs["orderedCacheBehaviors"]
    }
    assert ttl == {
        "/static/*": 31_536_000,
        "/assets/*": 31_536_000,
        "/api/*": 60,
        "/_stcore/stream*": CACHING_DISABLED,
        "/ws/*": CACHING_DISABLED,
    }
    assert distribution.inputs["defaultCacheBehavior"]["cachePolicyId"] == CACHING_DISABLED
    assert {b["viewerProtocolPolicy"] for b in distribution.inputs["orderedCacheBehaviors"]} == {"redirect-to-https"}
    # AND viewers get TLS 1.2+ on the domain, and CloudFront reaches the ALB over HTTPS only
    viewer = distribution.inputs["viewerCertificate"]
    assert (viewer["minimumProtocolVersion"], viewer["sslSupportMethod"]) == ("TLSv1.2_2021", "sni-only")
    assert distribution.inputs["aliases"] == ["portfolio.example.com"]
    origins = {o["originId"]: o for o in distribution.inputs["origins"]}
    assert origins["alb"]["domainName"] == "origin.portfolio.example.com"
    assert origins["alb"]["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    # AND static paths come from the assets bucket, through an origin group that fails over to its DR copy on
    # the primary's server errors (prod has a DR tier), everything else from the ALB
    targets = {b["pathPattern"]: b["targetOriginId"] for b in distribution.inputs["orderedCacheBehaviors"]}
    assert {p for p, origin in targets.items() if origin == "assets-group"} == {"/static/*", "/assets/*"}
    (group,) = distribution.inputs["originGroups"]
    assert [m["originId"] for m in group["members"]] == ["assets", "assets-dr"]
    assert group["failoverCriteria"]["statusCodes"] == [500, 502, 503, 504]
    assert distribution.inputs["defaultCacheBehavior"]["targetOriginId"] == "alb"


def test_cloudfront_reads_the_kms_encrypted_assets_bucket_through_origin_access_control(
    prod_with_domain: Plan,
) -> None:
    # GIVEN prod with a domain and the default blueprint's assets bucket
    plan = prod_with_domain
    # WHEN its distribution, origin access control and the policies of its buckets and keys reach the engine
    distribution = _one(plan, "aws:cloudfront/distribution:Distribution", "cdn-distribution")
    access = _one(plan, "aws:cloudfront/originAccessControl:OriginAccessControl", "cdn-assets-access")
    bucket = _one(plan, "aws:s3/bucket:Bucket", "storage-static-assets")
    # THEN the S3 origin is the bucket's regional name, signed with SigV4 on every request
    (origin,) = [o for o in distribution.inputs["origins"] if o["originId"] == "assets"]
    assert origin["domainName"] == bucket.outputs["bucketRegionalDomainName"]
    assert origin["originAccessControlId"] == access.outputs["id"]
    assert (access.inputs["signingBehavior"], access.inputs["signingProtocol"]) == ("always", "sigv4")
    # AND only that bucket and its DR copy admit CloudFront, for GetObject from this account's distributions
    distributions = "arn:aws:cloudfront::111122223333:distribution/*"
    readers = {
        p.name: s
        for p in plan.named("aws:s3/bucketPolicy:BucketPolicy")
        for s in json.loads(p.inputs["policy"])["Statement"]
        if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}
    }
    assert sorted(readers) == ["storage-static-assets-dr-policy", "storage-static-assets-policy"]
    statement = readers["storage-static-assets-policy"]
    assert statement["Action"] == "s3:GetObject" and statement["Resource"] == f"{bucket.outputs['arn']}/*"
    assert statement["Condition"] == {"StringLike": {"AWS:SourceArn": distributions}}
    copy = _one(plan, "aws:s3/bucket:Bucket", "storage-static-assets-dr")
    assert readers["storage-static-assets-dr-policy"]["Resource"] == f"{copy.outputs['arn']}/*"
    # AND the data key lets CloudFront decrypt for those distributions; no other key does
    decrypters = {
        k.name: s
        for k in plan.named("aws:kms/key:Key")
        for s in json.loads(k.inputs["policy"])["Statement"]
        if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}
    }
    assert sorted(decrypters) == ["dr-keys-data", "keys-data"]
    assert decrypters["keys-data"]["Action"] == "kms:Decrypt"
    assert decrypters["keys-data"]["Condition"] == {"StringLike": {"AWS:SourceArn": distributions}}


def test_without_a_domain_no_bucket_or_key_admits_cloudfront(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack without a domain WHEN its key and bucket policies reach the engine
    plan = planned("prod")
    # THEN there are some, and none names CloudFront as a principal
    policies = [
        r.inputs["policy"] for r in plan.resources if r.type in ("aws:kms/key:Key", "aws:s3/bucketPolicy:BucketPolicy")
    ]
    assert policies and not any("cloudfront.amazonaws.com" in p for p in policies)


def test_cloudfront_has_its_own_web_acl_and_the_domain_points_at_it(prod_with_domain: Plan) -> None:
    # GIVEN prod with a domain WHEN its CloudFront web ACL and DNS records reach the engine
    plan = prod_with_domain
    # THEN the distribution uses its own CloudFront-scoped web ACL with the managed groups and rate limit
    distribution = _one(plan, "aws:cloudfront/distribution:Distribution", "cdn-distribution")
    acl = _one(plan, "aws:wafv2/webAcl:WebAcl", "cdn-waf")
    assert acl.inputs["scope"] == "CLOUDFRONT" and distribution.inputs["webAclId"] == acl.outputs["arn"]
    assert [rule["name"] for rule in acl.inputs["rules"]] == [*MANAGED_RULE_GROUPS, "rate-limit"]
    # AND the apex A and AAAA records alias the distribution
    for kind in ("a", "aaaa"):
        record = _one(plan, "aws:route53/record:Record", f"cdn-alias-{kind}")
        assert record.inputs["name"] == "portfolio.example.com" and record.inputs["type"] == kind.upper()
        assert record.inputs["aliases"][0]["name"] == distribution.outputs["domainName"]
    # AND, prod having a DR tier, the origin name is the primary failover record aliasing the ALB (CloudFront
    # itself declares no record for it), and the stack exports the distribution's domain
    assert not [r for r in plan.named("aws:route53/record:Record") if r.name == "cdn-origin"]
    origin = _one(plan, "aws:route53/record:Record", "failover-dns-us-east-1")
    alb = _one(plan, "aws:lb/loadBalancer:LoadBalancer", "edge-alb")
    assert origin.inputs["name"] == "origin.portfolio.example.com"
    assert origin.inputs["failoverRoutingPolicies"] == [{"type": "PRIMARY"}]
    assert (origin.inputs["aliases"][0]["name"], origin.inputs["aliases"][0]["zoneId"]) == (
        alb.outputs["dnsName"],
        alb.outputs["zoneId"],
    )
    assert plan.outputs["cdnDomainName"] == distribution.outputs["domainName"]


def test_without_dr_cloudfront_declares_the_origin_record_itself() -> None:
    # GIVEN dev (no DR region) with a domain WHEN planned
    raw, _ = read_stack_file("dev")
    plan = run_program("dev", raw_config={**raw, **DOMAIN})
    # THEN CloudFront's own alias record names the origin, and no failover records exist
    origin = _one(plan, "aws:route53/record:Record", "cdn-origin")
    assert origin.inputs["name"] == "origin.portfolio.example.com"
    assert not plan.named("aws:route53/healthCheck:HealthCheck")


def test_packs_accept_the_cdn_and_dns_in_prod(
    prod_with_domain: Plan, analyzers: Callable[[str, Mapping[str, str]], Analyzers]
) -> None:
    # GIVEN prod with a domain, as the engine would show it to the packs, with the stack file's waivers and the
    # two a CDN in front of this blueprint needs: its default behaviour is the Streamlit app, which serves / itself,
    # and standard logging needs an ACL-enabled bucket, which S3.12 forbids (the web ACL logs every request)
    view = prod_with_domain.engine_view()
    assert view
    raw, _ = read_stack_file("prod")
    waivers = json.loads(raw["finplatform:policyWaivers"]) + [
        {
            "policy": policy,
            "resource": "cdn-distribution",
            "reason": reason,
            "approvedBy": "Security architecture board",
            "expires": "2099-12-31",
        }
        for policy, reason in (
            ("cloudfront-default-root-object", "the default behaviour is the app on the load balancer"),
            ("cloudfront-access-logs", "standard logging needs bucket ACLs; the web ACL logs every request"),
        )
    ]
    config = {**raw, **DOMAIN, "finplatform:policyWaivers": json.dumps(waivers)}
    # WHEN each pack analyzes it
    # THEN no mandatory policy fails (the assets' DR copy gives CloudFront its origin failover), and every input
    # is known
    for pack in ("encryption", "least_privilege", "data_protection", "cost_guardrails", "aws_constraints"):
        failing = [v for v in analyzers("prod", config).violations(pack, view) if v.level == "mandatory"]
        assert failing == [], failing
    assert "[unknown]" not in json.dumps([r.inputs for r in prod_with_domain.resources])


def test_outside_us_east_1_cloudfront_parts_get_a_us_east_1_provider() -> None:
    # GIVEN dev moved to eu-west-1 with a domain
    raw, _ = read_stack_file("dev")
    # WHEN it is planned
    plan = run_program("dev", raw_config={**raw, **DOMAIN, "aws:region": "eu-west-1"})
    # THEN the CloudFront certificate, web ACL and its logs, cache policies and distribution use a us-east-1
    # provider, as do the keys, topics and alarm the web ACL's logs and metrics need there
    (edge,) = [r for r in plan.resources if r.type == "pulumi:providers:aws" and r.name == "aws-edge"]
    assert edge.inputs["region"] == "us-east-1"
    at_edge = {r.name for r in plan.resources if "::aws-edge::" in r.options.get("provider", "")}
    assert at_edge == {
        "cdn-certificate",
        "cdn-certificate-validated",
        "cdn-assets-access",
        "cdn-waf",
        "cdn-waf-logs",
        "cdn-waf-logging",
        "edge-keys-logs",
        "edge-keys-logs-alias",
        "edge-keys-alerts",
        "edge-keys-alerts-alias",
        "alerts-us-east-1-critical",
        "alerts-us-east-1-critical-policy",
        "alerts-us-east-1-warning",
        "alerts-us-east-1-warning-policy",
        "alarms-us-east-1-cdn-waf-blocked-spike",
        "cdn-static-cache",
        "cdn-api-cache",
        "cdn-distribution",
    }
    # AND the ALB's certificate stays in the stack's region
    (alb_certificate,) = [r for r in plan.resources if r.name == "edge-certificate"]
    assert "::aws-primary::" in alb_certificate.options["provider"]
