"""Rules for the edge: load balancers, CloudFront, certificates, API Gateway stages and integrations, and WAF
web ACLs (FSBP ELB, CloudFront, ACM, APIGateway and WAF controls beyond the TLS rules in rules.py)."""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from policies.common import types as t
from policies.common.framework import Context, Rule, Subject, as_list

CERTIFICATE = "aws:acm/certificate:Certificate"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WEB_ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
REST_STAGE = "aws:apigateway/stage:Stage"
REST_METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
REST_INTEGRATION = "aws:apigateway/integration:Integration"
API_V2 = "aws:apigatewayv2/api:Api"
API_V2_STAGE = "aws:apigatewayv2/stage:Stage"
API_V2_INTEGRATION = "aws:apigatewayv2/integration:Integration"
WEAK_KEY_ALGORITHMS = ("RSA_1024",)
# Integrations that call an HTTP backend, which can check API Gateway's client certificate (APIGateway.2).
HTTP_INTEGRATION_TYPES = ("HTTP", "HTTP_PROXY")
# A Lambda function URL: <url-id>.lambda-url.<region>.on.aws (CloudFront.16).
LAMBDA_URL_DOMAIN = re.compile(r"(?:^|\.)lambda-url\.[a-z0-9-]+\.on\.aws\.?$", re.IGNORECASE)
OLD_ORIGIN_PROTOCOLS = ("SSLv3", "TLSv1", "TLSv1.1")
LOG_LEVELS = ("ERROR", "INFO")


def _application(subject: Subject) -> bool:
    return str(subject.get("loadBalancerType", "application")) == "application"


def _alb_drop_invalid_headers(subject: Subject, context: Context) -> Iterable[str]:
    if _application(subject) and subject.get("dropInvalidHeaderFields") is not True:
        yield "set dropInvalidHeaderFields: true"


def _lb_access_logs(subject: Subject, context: Context) -> Iterable[str]:
    logs = subject.get("accessLogs") or {}
    if _application(subject) and not (logs.get("enabled") is True and logs.get("bucket")):
        yield "set accessLogs with enabled: true and the load-balancer log bucket"


def _lb_deletion_protection(subject: Subject, context: Context) -> Iterable[str]:
    if subject.get("enableDeletionProtection") is not True:
        yield "set enableDeletionProtection: true"


def _alb_desync(subject: Subject, context: Context) -> Iterable[str]:
    mode = str(subject.get("desyncMitigationMode") or "defensive")
    if _application(subject) and mode not in ("defensive", "strictest"):
        yield f"desyncMitigationMode {mode}: use defensive (the default) or strictest"


def _lb_multi_az(subject: Subject, context: Context) -> Iterable[str]:
    if max(len(as_list(subject.get("subnets"))), len(as_list(subject.get("subnetMappings")))) < 2:
        yield "place the load balancer in subnets of at least two Availability Zones"


def _port(value: Any) -> str:
    return str(int(value)) if isinstance(value, int | float) else str(value or "?")


def _listener_secure(subject: Subject, context: Context) -> Iterable[str]:
    protocol = str(subject.get("protocol") or "").upper()
    if protocol in ("HTTP", "TCP", "UDP", "TCP_UDP"):
        yield (
            f"the {protocol} listener on port {_port(subject.get('port'))} carries plain text; listen with HTTPS "
            "(or TLS) only"
        )


def _cloudfront_root_object(subject: Subject, context: Context) -> Iterable[str]:
    if not subject.get("defaultRootObject"):
        yield "set defaultRootObject (index.html) so a request for / never lists or reaches the origin's root"


def _cloudfront_origin_failover(subject: Subject, context: Context) -> Iterable[str]:
    groups = as_list(subject.get("originGroups"))
    if not any(len(as_list(g.get("members"))) >= 2 for g in groups):
        yield "add an originGroups entry with a primary and a secondary origin and failover status codes"


def _cloudfront_logging(subject: Subject, context: Context) -> Iterable[str]:
    if not (subject.get("loggingConfig") or {}).get("bucket"):
        yield "set loggingConfig.bucket to the access-log bucket"


def _cloudfront_waf(subject: Subject, context: Context) -> Iterable[str]:
    if not subject.get("webAclId"):
        yield "set webAclId to a WAFv2 web ACL of scope CLOUDFRONT"


def _cloudfront_sni(subject: Subject, context: Context) -> Iterable[str]:
    certificate = subject.get("viewerCertificate") or {}
    if not certificate.get("cloudfrontDefaultCertificate") and certificate.get("sslSupportMethod") != "sni-only":
        yield "set viewerCertificate.sslSupportMethod: sni-only (dedicated IP addresses are for legacy clients)"


def _behaviours(subject: Subject) -> list[Mapping[str, Any]]:
    return [subject.get("defaultCacheBehavior") or {}, *as_list(subject.get("orderedCacheBehaviors"))]


def _custom_origins(subject: Subject) -> list[tuple[str, Mapping[str, Any]]]:
    return [
        (str(o.get("originId", "?")), o["customOriginConfig"])
        for o in as_list(subject.get("origins"))
        if isinstance(o, Mapping) and o.get("customOriginConfig")
    ]


def _cloudfront_origin_tls(subject: Subject, context: Context) -> Iterable[str]:
    for origin_id, config in _custom_origins(subject):
        policy = str(config.get("originProtocolPolicy", ""))
        viewers = [b for b in _behaviours(subject) if b.get("targetOriginId") == origin_id]
        plain_viewers = any(b.get("viewerProtocolPolicy") == "allow-all" for b in viewers)
        if policy == "http-only" or (policy == "match-viewer" and plain_viewers):
            yield f"origin {origin_id}: set customOriginConfig.originProtocolPolicy: https-only"


def _cloudfront_origin_protocols(subject: Subject, context: Context) -> Iterable[str]:
    for origin_id, config in _custom_origins(subject):
        old = [p for p in as_list(config.get("originSslProtocols")) if p in OLD_ORIGIN_PROTOCOLS]
        if old:
            yield f"origin {origin_id}: remove {', '.join(old)} from originSslProtocols; use TLSv1.2"


def _s3_origin(origin: Mapping[str, Any]) -> bool:
    domain = str(origin.get("domainName", ""))
    return bool(origin.get("s3OriginConfig")) or (".s3." in domain and "s3-website" not in domain)


def _cloudfront_oac(subject: Subject, context: Context) -> Iterable[str]:
    for origin in as_list(subject.get("origins")):
        if isinstance(origin, Mapping) and _s3_origin(origin) and not origin.get("originAccessControlId"):
            yield f"S3 origin {origin.get('originId', '?')}: set originAccessControlId (origin access control)"


def _cloudfront_lambda_url_oac(subject: Subject, context: Context) -> Iterable[str]:
    for origin in as_list(subject.get("origins")):
        if not isinstance(origin, Mapping) or not LAMBDA_URL_DOMAIN.search(str(origin.get("domainName") or "")):
            continue
        if not origin.get("originAccessControlId"):
            yield (
                f"Lambda function URL origin {origin.get('originId', '?')}: set originAccessControlId (an origin "
                "access control of type lambda) and give the function URL authorizationType AWS_IAM"
            )


def _certificate_key(subject: Subject, context: Context) -> Iterable[str]:
    algorithm = str(subject.get("keyAlgorithm") or "RSA_2048")
    if algorithm in WEAK_KEY_ALGORITHMS:
        yield f"keyAlgorithm {algorithm} is too short; use RSA_2048 or an EC key"


def _ids(subject: Subject) -> set[str]:
    return {str(subject.get(k)) for k in ("id", "arn", "name") if subject.get(k)}


def _rest_stages(subjects: Sequence[Subject]) -> list[Subject]:
    return [s for s in subjects if s.type == REST_STAGE]


def _method_settings(subjects: Sequence[Subject], stage: Subject) -> list[Mapping[str, Any]]:
    return [
        s.get("settings") or {}
        for s in subjects
        if s.type == REST_METHOD_SETTINGS
        and str(s.get("stageName")) == str(stage.get("stageName"))
        and str(s.get("restApi")) == str(stage.get("restApi"))
    ]


def _execution_logging(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    for stage in _rest_stages(subjects):
        if not any(str(m.get("loggingLevel", "OFF")) in LOG_LEVELS for m in _method_settings(subjects, stage)):
            yield stage.urn, f"{stage.name}: add method settings (*/*) with loggingLevel ERROR or INFO"
    websockets = {
        ref
        for a in subjects
        if a.type == API_V2 and str(a.get("protocolType", "")).upper() == "WEBSOCKET"
        for ref in _ids(a)
    }
    for stage in (s for s in subjects if s.type == API_V2_STAGE and str(s.get("apiId")) in websockets):
        level = str((stage.get("defaultRouteSettings") or {}).get("loggingLevel", "OFF"))
        if level not in LOG_LEVELS:
            yield stage.urn, f"{stage.name}: set defaultRouteSettings.loggingLevel to ERROR or INFO"


def _backend_certificate(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    """APIGateway.2 (Config rule api-gw-ssl-enabled) judges REST stages whose API calls an HTTP backend; a stage
    whose API's integrations are all visible and none is HTTP is not applicable. A stage whose integrations this
    stack does not declare (an OpenAPI body, another stack) is judged: it may reach an HTTP backend."""
    integrations: dict[str, list[str]] = {}
    for s in subjects:
        if s.type == REST_INTEGRATION:
            integrations.setdefault(str(s.get("restApi")), []).append(str(s.get("type") or "").upper())
    for stage in _rest_stages(subjects):
        types = integrations.get(str(stage.get("restApi")))
        if types and not any(kind in HTTP_INTEGRATION_TYPES for kind in types):
            continue
        if not stage.get("clientCertificateId"):
            yield (
                stage.urn,
                (
                    f"{stage.name}: set clientCertificateId to an API Gateway client certificate so that the HTTP "
                    "backend can tell requests from API Gateway apart"
                ),
            )


def _rest_tracing(subject: Subject, context: Context) -> Iterable[str]:
    if subject.get("xrayTracingEnabled") is not True:
        yield "set xrayTracingEnabled: true"


def _rest_waf(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    protected = {str(s.get("resourceArn")) for s in subjects if s.type == WEB_ACL_ASSOCIATION}
    for stage in _rest_stages(subjects):
        if not ({str(stage.get("arn"))} & protected) and not stage.get("webAclArn"):
            yield stage.urn, f"{stage.name}: associate a regional WAFv2 web ACL with the stage"


def _rest_cache_encrypted(subject: Subject, context: Context) -> Iterable[str]:
    settings = subject.get("settings") or {}
    if settings.get("cachingEnabled") is True and settings.get("cacheDataEncrypted") is not True:
        yield "caching is on: set settings.cacheDataEncrypted: true"


def _stage_access_logs(subject: Subject, context: Context) -> Iterable[str]:
    logs = subject.get("accessLogSettings") or {}
    if not (logs.get("destinationArn") and logs.get("format")):
        yield "set accessLogSettings with a destinationArn (a log group) and a format"


def _private_integration_tls(subject: Subject, context: Context) -> Iterable[str]:
    private = str(subject.get("connectionType", "INTERNET")) == "VPC_LINK"
    if private and not (subject.get("tlsConfig") or {}).get("serverNameToVerify"):
        yield "the private integration is plain HTTP: set tlsConfig.serverNameToVerify and an https:// target"


def _web_acl_rules(subject: Subject, context: Context) -> Iterable[str]:
    if not as_list(subject.get("rules")):
        yield "add at least one rule or managed rule group; an empty web ACL only applies its default action"


def _web_acl_metrics(subject: Subject, context: Context) -> Iterable[str]:
    if (subject.get("visibilityConfig") or {}).get("cloudwatchMetricsEnabled") is not True:
        yield "set visibilityConfig.cloudwatchMetricsEnabled: true"
    for rule in as_list(subject.get("rules")):
        if (rule.get("visibilityConfig") or {}).get("cloudwatchMetricsEnabled") is not True:
            yield f"rule {rule.get('name', '?')}: set visibilityConfig.cloudwatchMetricsEnabled: true"


def _web_acl_logging(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    logged = {str(s.get("resourceArn")) for s in subjects if s.type == WEB_ACL_LOGGING}
    for acl in (s for s in subjects if s.type == WEB_ACL):
        if not _ids(acl) & logged:
            yield acl.urn, f"{acl.name}: add a WAFv2 logging configuration to an aws-waf-logs- log group"


RULES: list[Rule] = [
    Rule(
        "alb-drop-invalid-headers",
        "Application Load Balancers drop HTTP headers with invalid fields.",
        "medium",
        ("ELB.4",),
        t.LOAD_BALANCERS,
        check=_alb_drop_invalid_headers,
    ),
    Rule(
        "alb-access-logs",
        "Application Load Balancers write access logs to S3.",
        "medium",
        ("ELB.5",),
        t.LOAD_BALANCERS,
        check=_lb_access_logs,
    ),
    Rule(
        "lb-deletion-protection",
        "Load balancers have deletion protection.",
        "medium",
        ("ELB.6",),
        t.LOAD_BALANCERS,
        check=_lb_deletion_protection,
    ),
    Rule(
        "alb-desync-mitigation",
        "Application Load Balancers mitigate HTTP desync in defensive or strictest mode.",
        "medium",
        ("ELB.12",),
        t.LOAD_BALANCERS,
        check=_alb_desync,
    ),
    Rule(
        "lb-multi-az",
        "Load balancers span at least two Availability Zones.",
        "medium",
        ("ELB.13",),
        t.LOAD_BALANCERS,
        check=_lb_multi_az,
    ),
    Rule(
        "lb-listener-secure-protocol",
        "Load balancer listeners use HTTPS or TLS; none listens in plain text, not even to redirect.",
        "medium",
        ("ELB.18",),
        t.LISTENERS,
        check=_listener_secure,
    ),
    Rule(
        "cloudfront-default-root-object",
        "CloudFront distributions have a default root object.",
        "high",
        ("CloudFront.1",),
        (t.CLOUDFRONT,),
        check=_cloudfront_root_object,
    ),
    Rule(
        "cloudfront-origin-failover",
        "CloudFront distributions have an origin group that fails over to a second origin.",
        "low",
        ("CloudFront.4",),
        (t.CLOUDFRONT,),
        check=_cloudfront_origin_failover,
    ),
    Rule(
        "cloudfront-access-logs",
        "CloudFront distributions log requests.",
        "medium",
        ("CloudFront.5",),
        (t.CLOUDFRONT,),
        check=_cloudfront_logging,
    ),
    Rule(
        "cloudfront-waf",
        "CloudFront distributions are protected by a WAF web ACL.",
        "medium",
        ("CloudFront.6",),
        (t.CLOUDFRONT,),
        check=_cloudfront_waf,
    ),
    Rule(
        "cloudfront-sni",
        "CloudFront serves HTTPS with SNI.",
        "low",
        ("CloudFront.8",),
        (t.CLOUDFRONT,),
        check=_cloudfront_sni,
    ),
    Rule(
        "cloudfront-origin-https",
        "CloudFront reaches custom origins over HTTPS only.",
        "medium",
        ("CloudFront.9",),
        (t.CLOUDFRONT,),
        check=_cloudfront_origin_tls,
    ),
    Rule(
        "cloudfront-origin-tls-protocols",
        "CloudFront offers custom origins no SSLv3, TLS 1.0 or TLS 1.1.",
        "medium",
        ("CloudFront.10",),
        (t.CLOUDFRONT,),
        check=_cloudfront_origin_protocols,
    ),
    Rule(
        "cloudfront-origin-access-control",
        "CloudFront reaches S3 origins through origin access control.",
        "medium",
        ("CloudFront.13",),
        (t.CLOUDFRONT,),
        check=_cloudfront_oac,
    ),
    Rule(
        "cloudfront-lambda-url-origin-access-control",
        "CloudFront reaches Lambda function URL origins through origin access control.",
        "medium",
        ("CloudFront.16",),
        (t.CLOUDFRONT,),
        check=_cloudfront_lambda_url_oac,
    ),
    Rule(
        "acm-certificate-key-length",
        "ACM certificates use RSA keys of at least 2,048 bits, or EC keys.",
        "high",
        ("ACM.2",),
        (CERTIFICATE,),
        check=_certificate_key,
    ),
    Rule(
        "apigateway-execution-logging",
        "API Gateway REST and WebSocket stages log execution at ERROR or INFO.",
        "medium",
        ("APIGateway.1",),
        stack_check=_execution_logging,
    ),
    Rule(
        "apigateway-rest-backend-certificate",
        "API Gateway REST stages that call HTTP backends present a client certificate to them.",
        "medium",
        ("APIGateway.2",),
        stack_check=_backend_certificate,
    ),
    Rule(
        "apigateway-rest-xray",
        "API Gateway REST stages trace with X-Ray.",
        "low",
        ("APIGateway.3",),
        (REST_STAGE,),
        check=_rest_tracing,
    ),
    Rule(
        "apigateway-rest-waf",
        "API Gateway REST stages are associated with a WAF web ACL.",
        "medium",
        ("APIGateway.4",),
        stack_check=_rest_waf,
    ),
    Rule(
        "apigateway-rest-cache-encrypted",
        "API Gateway REST stage caches are encrypted at rest.",
        "medium",
        ("APIGateway.5",),
        (REST_METHOD_SETTINGS,),
        check=_rest_cache_encrypted,
    ),
    Rule(
        "apigateway-v2-access-logs",
        "API Gateway v2 stages write access logs.",
        "medium",
        ("APIGateway.9",),
        (API_V2_STAGE,),
        check=_stage_access_logs,
    ),
    Rule(
        "apigateway-v2-private-integration-tls",
        "API Gateway v2 private integrations reach their targets over HTTPS.",
        "medium",
        (),
        (API_V2_INTEGRATION,),
        check=_private_integration_tls,
        other_ids=("APIGateway.10",),
    ),
    Rule(
        "waf-web-acl-has-rules",
        "WAF web ACLs have at least one rule or rule group.",
        "medium",
        ("WAF.10",),
        (WEB_ACL,),
        check=_web_acl_rules,
    ),
    Rule(
        "waf-cloudwatch-metrics",
        "WAF web ACLs and each of their rules publish CloudWatch metrics.",
        "medium",
        ("WAF.12",),
        (WEB_ACL,),
        check=_web_acl_metrics,
    ),
    Rule(
        "waf-logging",
        "Every WAF web ACL has a logging configuration.",
        "medium",
        (),
        stack_check=_web_acl_logging,
        other_ids=("WAF.11",),
    ),
]
