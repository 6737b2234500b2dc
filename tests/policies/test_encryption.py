"""finplatform-encryption: a compliant and a violating case for every policy, through the analyzer."""

import json

from finplatform.tooling.policy_eval import AnalyzedResource
from policies.common import types as t
from policies.encryption.data_services import RULES as DATA_SERVICE_RULES
from policies.encryption.rules import RULES
from tests.policies.checks import GetAnalyzers, pack_tests, policy_infos
from tests.policies.conftest import KEY, Case, resource

PACK = "encryption"
SSE_KMS = {
    "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY},
    "bucketKeyEnabled": True,
}
TLS_ONLY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    }
)
BLOCKED = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}


def _bucket() -> AnalyzedResource:
    return resource(t.S3_BUCKETS[0], "data", {"id": "data-bucket", "bucket": "data-bucket"})


CASES = [
    Case(
        "rds-storage-encrypted",
        [resource(t.RDS_INSTANCE, "db", {"storageEncrypted": True, "kmsKeyId": KEY})],
        [resource(t.RDS_INSTANCE, "db", {"storageEncrypted": False})],
    ),
    Case(
        "rds-tls-required",
        [
            resource(
                t.RDS_PARAMETER_GROUP,
                "pg",
                {"family": "postgres16", "parameters": [{"name": "rds.force_ssl", "value": "1"}]},
            )
        ],
        [resource(t.RDS_PARAMETER_GROUP, "pg", {"family": "postgres16", "parameters": []})],
    ),
    Case(
        "rds-tls-required",
        [resource(t.RDS_INSTANCE, "db", {"engine": "postgres", "parameterGroupName": "db-tls"})],
        [resource(t.RDS_INSTANCE, "db", {"engine": "postgres", "parameterGroupName": "default.postgres16"})],
        label="default-group",
    ),
    Case(
        "elasticache-encrypted-at-rest",
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {"atRestEncryptionEnabled": True, "kmsKeyId": KEY})],
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {"atRestEncryptionEnabled": False})],
    ),
    Case(
        "elasticache-encrypted-in-transit",
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {"transitEncryptionEnabled": True})],
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {"transitEncryptionEnabled": False})],
    ),
    Case(
        "elasticache-auth-required",
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {"userGroupIds": ["app-users"]})],
        [resource(t.CACHE_REPLICATION_GROUP, "cache", {})],
    ),
    Case(
        "s3-sse-kms-bucket-key",
        [resource(t.S3_SSE[0], "data-sse", {"bucket": "data-bucket", "rules": [SSE_KMS]})],
        [
            resource(
                t.S3_SSE[0],
                "data-sse",
                {
                    "bucket": "data-bucket",
                    "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
                },
            )
        ],
    ),
    Case(
        "s3-bucket-encryption-configured",
        [_bucket(), resource(t.S3_SSE[0], "data-sse", {"bucket": "data-bucket", "rules": [SSE_KMS]})],
        [_bucket()],
    ),
    Case(
        "s3-bucket-encryption-configured",
        [
            resource(
                t.S3_BUCKETS[0], "alb-logs", {"id": "alb-logs", "bucket": "alb-logs", "tags": {"purpose": "lb-logs"}}
            )
        ],
        [resource(t.S3_BUCKETS[0], "alb-logs", {"id": "alb-logs", "bucket": "alb-logs", "tags": {"purpose": "logs"}})],
        label="only-load-balancer-logs-may-use-sse-s3",
    ),
    Case(
        "s3-tls-only",
        [_bucket(), resource(t.S3_POLICY, "data-policy", {"bucket": "data-bucket", "policy": TLS_ONLY})],
        [_bucket(), resource(t.S3_POLICY, "data-policy", {"bucket": "data-bucket", "policy": "{}"})],
    ),
    Case(
        "s3-public-access-blocked",
        [_bucket(), resource(t.S3_PUBLIC_ACCESS_BLOCK, "data-pab", {"bucket": "data-bucket", **BLOCKED})],
        [
            _bucket(),
            resource(
                t.S3_PUBLIC_ACCESS_BLOCK,
                "data-pab",
                {"bucket": "data-bucket", **BLOCKED, "restrictPublicBuckets": False},
            ),
        ],
    ),
    Case(
        "ebs-encrypted",
        [resource(t.EBS_VOLUME, "metrics", {"encrypted": True, "kmsKeyId": KEY, "size": 50})],
        [resource(t.EBS_VOLUME, "metrics", {"encrypted": False, "size": 50})],
    ),
    Case(
        "ebs-encrypted",
        [
            resource(
                t.LAUNCH_TEMPLATE,
                "api",
                {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": KEY}}]},
            )
        ],
        [
            resource(
                t.LAUNCH_TEMPLATE,
                "api",
                {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]},
            )
        ],
        label="launch-template",
    ),
    Case(
        "eks-secrets-encrypted",
        [
            resource(
                t.EKS_CLUSTER, "chain", {"encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": KEY}}}
            )
        ],
        [resource(t.EKS_CLUSTER, "chain", {})],
    ),
    Case(
        "cloudwatch-log-group-encrypted",
        [resource(t.LOG_GROUP, "app-logs", {"kmsKeyId": KEY})],
        [resource(t.LOG_GROUP, "app-logs", {})],
    ),
    Case(
        "sns-topic-encrypted",
        [resource(t.SNS_TOPIC, "alarms", {"kmsMasterKeyId": KEY})],
        [resource(t.SNS_TOPIC, "alarms", {"kmsMasterKeyId": "alias/aws/sns"})],
    ),
    Case(
        "sns-topic-encrypted",
        [resource(t.SNS_TOPIC, "alarms", {"kmsMasterKeyId": KEY})],
        [resource(t.SNS_TOPIC, "alarms", {"kmsMasterKeyId": "arn:aws:kms:us-east-1:111122223333:alias/aws/sns"})],
        label="aws-managed-alias-arn",
    ),
    Case(
        "sns-topic-encrypted",
        [resource(t.SNS_TOPIC, "alarms", {"kmsMasterKeyId": KEY})],
        [resource(t.SNS_TOPIC, "alarms", {})],
        label="key-missing",
    ),
    Case(
        "sns-topic-encrypted",
        [resource(t.SNS_TOPIC, "alarms", {"kmsMasterKeyId": KEY})],
        [resource(t.SNS_TOPIC, "alarms", {"kmsMasterKeyId": ""})],
        label="key-empty",
    ),
    Case(
        "sqs-queue-encrypted",
        [resource(t.SQS_QUEUE, "anchoring", {"kmsMasterKeyId": KEY})],
        [resource(t.SQS_QUEUE, "anchoring", {"sqsManagedSseEnabled": True})],
    ),
    Case(
        "secretsmanager-secret-encrypted",
        [resource(t.SECRET, "jwt", {"kmsKeyId": KEY})],
        [resource(t.SECRET, "jwt", {})],
    ),
    Case(
        "timestream-encrypted",
        [resource(t.TIMESTREAM_DATABASE, "market", {"kmsKeyId": KEY})],
        [resource(t.TIMESTREAM_DATABASE, "market", {})],
    ),
    Case(
        "ecr-repository-encrypted",
        [
            resource(
                t.ECR_REPOSITORY, "web-ui", {"encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY}]}
            )
        ],
        [resource(t.ECR_REPOSITORY, "web-ui", {"encryptionConfigurations": [{"encryptionType": "AES256"}]})],
    ),
    # The template ECR creates the DR region's replicated repositories from
    Case(
        "ecr-repository-encrypted",
        [
            resource(
                t.ECR_CREATION_TEMPLATE,
                "replicas",
                {
                    "appliedFors": ["REPLICATION"],
                    "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY}],
                },
            )
        ],
        [resource(t.ECR_CREATION_TEMPLATE, "replicas", {"appliedFors": ["REPLICATION"]})],
        label="replication-template",
    ),
    Case(
        "backup-vault-encrypted",
        [resource(t.BACKUP_VAULT, "vault", {"kmsKeyArn": KEY})],
        [resource(t.BACKUP_VAULT, "vault", {})],
    ),
    Case(
        "alb-listener-tls",
        [resource(t.LISTENERS[0], "https", {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"})],
        [resource(t.LISTENERS[0], "https", {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-2016-08"})],
    ),
    Case(
        "alb-listener-tls",
        [
            resource(
                t.LISTENERS[0],
                "http",
                {
                    "protocol": "HTTP",
                    "defaultActions": [
                        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
                    ],
                },
            )
        ],
        [resource(t.LISTENERS[0], "http", {"protocol": "HTTP", "defaultActions": [{"type": "forward"}]})],
        label="http-redirect",
    ),
    Case(
        "cloudfront-viewer-tls",
        [
            resource(
                t.CLOUDFRONT,
                "cdn",
                {
                    "defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"},
                    "orderedCacheBehaviors": [{"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only"}],
                    "viewerCertificate": {
                        "acmCertificateArn": "arn:aws:acm:us-east-1:111122223333:certificate/x",
                        "minimumProtocolVersion": "TLSv1.2_2021",
                    },
                },
            )
        ],
        [
            resource(
                t.CLOUDFRONT,
                "cdn",
                {
                    "defaultCacheBehavior": {"viewerProtocolPolicy": "allow-all"},
                    "viewerCertificate": {"cloudfrontDefaultCertificate": True},
                },
            )
        ],
    ),
    Case(
        "kms-key-rotation",
        [resource(t.KMS_KEY, "data", {"enableKeyRotation": True}, protect=True)],
        [resource(t.KMS_KEY, "data", {"enableKeyRotation": False}, protect=True)],
    ),
    Case(
        "codebuild-project-encrypted",
        [resource(t.CODEBUILD_PROJECT, "delivery-test", {"encryptionKey": KEY})],
        [resource(t.CODEBUILD_PROJECT, "delivery-test", {"encryptionKey": "alias/aws/s3"})],
    ),
    Case(
        "codebuild-logs-encrypted",
        [
            resource(
                t.CODEBUILD_PROJECT,
                "delivery-test",
                {"logsConfig": {"cloudwatchLogs": {"status": "ENABLED"}, "s3Logs": {"status": "DISABLED"}}},
            )
        ],
        [
            resource(
                t.CODEBUILD_PROJECT,
                "delivery-test",
                {"logsConfig": {"cloudwatchLogs": {"status": "DISABLED"}, "s3Logs": {"status": "DISABLED"}}},
            )
        ],
    ),
    Case(
        "codebuild-logs-encrypted",
        [
            resource(
                t.CODEBUILD_PROJECT,
                "delivery-test",
                {"logsConfig": {"s3Logs": {"status": "ENABLED", "location": "logs/build"}}},
            )
        ],
        [
            resource(
                t.CODEBUILD_PROJECT,
                "delivery-test",
                {"logsConfig": {"s3Logs": {"status": "ENABLED", "location": "logs/build", "encryptionDisabled": True}}},
            )
        ],
        label="s3-logs",
    ),
    Case(
        "codepipeline-artifacts-encrypted",
        [
            resource(
                t.CODEPIPELINE,
                "delivery-pipeline",
                {
                    "artifactStores": [
                        {"location": "artifacts", "type": "S3", "encryptionKey": {"id": KEY, "type": "KMS"}}
                    ]
                },
            )
        ],
        [
            resource(
                t.CODEPIPELINE,
                "delivery-pipeline",
                {"artifactStores": [{"location": "artifacts", "type": "S3"}]},
            )
        ],
    ),
]


LB = t.LOAD_BALANCERS[0]
GOOD_ALB = {
    "loadBalancerType": "application",
    "subnets": ["subnet-a", "subnet-b"],
    "dropInvalidHeaderFields": True,
    "accessLogs": {"enabled": True, "bucket": "lb-logs"},
    "enableDeletionProtection": True,
}
CERT = "arn:aws:acm:us-east-1:111122223333:certificate/x"
ORIGIN = {"originId": "alb", "domainName": "origin.example.com"}
HTTPS_ORIGIN = {
    "originProtocolPolicy": "https-only",
    "originSslProtocols": ["TLSv1.2"],
    "httpPort": 80,
    "httpsPort": 443,
}


def _cdn(**props: object) -> AnalyzedResource:
    return resource(t.CLOUDFRONT, "cdn", props)


def _acl(**props: object) -> AnalyzedResource:
    metrics = {"cloudwatchMetricsEnabled": True, "sampledRequestsEnabled": True, "metricName": "m"}
    base = {"visibilityConfig": metrics, "rules": [{"name": "common", "visibilityConfig": metrics}]}
    return resource("aws:wafv2/webAcl:WebAcl", "waf", {**base, **props})


REST_STAGE = "aws:apigateway/stage:Stage"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
REST_INTEGRATION = "aws:apigateway/integration:Integration"

CASES += [
    Case(
        "alb-listener-tls",
        # ELB.17 accepts the TLS 1.3 policies only; a TLS 1.2-only policy fails it
        [
            resource(
                t.LISTENERS[0], "https", {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"}
            )
        ],
        [resource(t.LISTENERS[0], "https", {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS-1-2-2017-01"})],
        label="tls13-only",
    ),
    Case(
        "cloudfront-viewer-tls",
        # CloudFront.15 accepts TLSv1.2_2021 and TLSv1.2_2025 and rejects TLSv1.2_2018 and TLSv1.2_2019
        [
            _cdn(
                defaultCacheBehavior={"viewerProtocolPolicy": "https-only"},
                viewerCertificate={"acmCertificateArn": CERT, "minimumProtocolVersion": "TLSv1.2_2025"},
            )
        ],
        [
            _cdn(
                defaultCacheBehavior={"viewerProtocolPolicy": "https-only"},
                viewerCertificate={"acmCertificateArn": CERT, "minimumProtocolVersion": "TLSv1.2_2019"},
            )
        ],
        label="recommended-policy",
    ),
    Case(
        "alb-drop-invalid-headers",
        [resource(LB, "alb", GOOD_ALB)],
        [resource(LB, "alb", {**GOOD_ALB, "dropInvalidHeaderFields": False})],
    ),
    Case(
        "alb-access-logs",
        [resource(LB, "alb", GOOD_ALB)],
        [resource(LB, "alb", {**GOOD_ALB, "accessLogs": {"enabled": False}})],
    ),
    Case(
        "lb-deletion-protection",
        [resource(LB, "alb", GOOD_ALB)],
        [resource(LB, "alb", {**GOOD_ALB, "enableDeletionProtection": False})],
    ),
    Case(
        "alb-desync-mitigation",
        [resource(LB, "alb", {**GOOD_ALB, "desyncMitigationMode": "strictest"})],
        [resource(LB, "alb", {**GOOD_ALB, "desyncMitigationMode": "monitor"})],
    ),
    Case("lb-multi-az", [resource(LB, "alb", GOOD_ALB)], [resource(LB, "alb", {**GOOD_ALB, "subnets": ["subnet-a"]})]),
    Case(
        "lb-listener-secure-protocol",
        [resource(t.LISTENERS[0], "https", {"protocol": "HTTPS", "port": 443})],
        [resource(t.LISTENERS[0], "http", {"protocol": "HTTP", "port": 80})],
    ),
    Case("cloudfront-default-root-object", [_cdn(defaultRootObject="index.html")], [_cdn()]),
    Case(
        "cloudfront-origin-failover",
        [_cdn(originGroups=[{"originId": "group", "members": [{"originId": "a"}, {"originId": "b"}]}])],
        [_cdn(originGroups=[])],
    ),
    Case("cloudfront-access-logs", [_cdn(loggingConfig={"bucket": "logs.s3.amazonaws.com"})], [_cdn()]),
    Case("cloudfront-waf", [_cdn(webAclId="arn:aws:wafv2:us-east-1:111122223333:global/webacl/x")], [_cdn()]),
    Case(
        "cloudfront-sni",
        [_cdn(viewerCertificate={"acmCertificateArn": CERT, "sslSupportMethod": "sni-only"})],
        [_cdn(viewerCertificate={"acmCertificateArn": CERT, "sslSupportMethod": "vip"})],
    ),
    Case(
        "cloudfront-origin-https",
        [_cdn(origins=[{**ORIGIN, "customOriginConfig": HTTPS_ORIGIN}])],
        [_cdn(origins=[{**ORIGIN, "customOriginConfig": {**HTTPS_ORIGIN, "originProtocolPolicy": "http-only"}}])],
    ),
    Case(
        "cloudfront-origin-tls-protocols",
        [_cdn(origins=[{**ORIGIN, "customOriginConfig": HTTPS_ORIGIN}])],
        [
            _cdn(
                origins=[{**ORIGIN, "customOriginConfig": {**HTTPS_ORIGIN, "originSslProtocols": ["SSLv3", "TLSv1.2"]}}]
            )
        ],
    ),
    Case(
        "cloudfront-origin-access-control",
        [
            _cdn(
                origins=[
                    {
                        "originId": "assets",
                        "domainName": "assets.s3.us-east-1.amazonaws.com",
                        "originAccessControlId": "oac-1",
                    }
                ]
            )
        ],
        [_cdn(origins=[{"originId": "assets", "domainName": "assets.s3.us-east-1.amazonaws.com"}])],
    ),
    Case(
        "cloudfront-lambda-url-origin-access-control",
        [
            _cdn(
                origins=[
                    {
                        "originId": "fn",
                        "domainName": "abcdefghij0123456789.lambda-url.eu-west-1.on.aws",
                        "originAccessControlId": "oac-fn",
                        "customOriginConfig": HTTPS_ORIGIN,
                    }
                ]
            )
        ],
        [
            _cdn(
                origins=[
                    {
                        "originId": "fn",
                        "domainName": "abcdefghij0123456789.lambda-url.eu-west-1.on.aws",
                        "customOriginConfig": HTTPS_ORIGIN,
                    }
                ]
            )
        ],
    ),
    Case(
        "acm-certificate-key-length",
        [resource("aws:acm/certificate:Certificate", "cert", {"domainName": "example.com", "validationMethod": "DNS"})],
        [
            resource(
                "aws:acm/certificate:Certificate", "cert", {"domainName": "example.com", "keyAlgorithm": "RSA_1024"}
            )
        ],
    ),
    Case(
        "apigateway-execution-logging",
        [
            resource(REST_STAGE, "api-prod", {"restApi": "api-1", "stageName": "prod"}),
            resource(
                METHOD_SETTINGS,
                "api-logging",
                {"restApi": "api-1", "stageName": "prod", "methodPath": "*/*", "settings": {"loggingLevel": "ERROR"}},
            ),
        ],
        [resource(REST_STAGE, "api-prod", {"restApi": "api-1", "stageName": "prod"})],
    ),
    Case(
        "apigateway-execution-logging",
        [
            resource("aws:apigatewayv2/api:Api", "ws", {"id": "ws-1", "protocolType": "WEBSOCKET"}),
            resource(
                "aws:apigatewayv2/stage:Stage",
                "ws-prod",
                {"apiId": "ws-1", "defaultRouteSettings": {"loggingLevel": "INFO"}},
            ),
        ],
        [
            resource("aws:apigatewayv2/api:Api", "ws", {"id": "ws-1", "protocolType": "WEBSOCKET"}),
            resource("aws:apigatewayv2/stage:Stage", "ws-prod", {"apiId": "ws-1"}),
        ],
        label="websocket",
    ),
    Case(
        "apigateway-rest-backend-certificate",
        [
            resource(REST_STAGE, "api-prod", {"restApi": "api-1", "stageName": "prod", "clientCertificateId": "cc-1"}),
            resource(REST_INTEGRATION, "api-backend", {"restApi": "api-1", "type": "HTTP_PROXY"}),
        ],
        [
            resource(REST_STAGE, "api-prod", {"restApi": "api-1", "stageName": "prod"}),
            resource(REST_INTEGRATION, "api-backend", {"restApi": "api-1", "type": "HTTP_PROXY"}),
        ],
    ),
    Case(
        "apigateway-rest-backend-certificate",
        # a REST API whose integrations are all Lambda proxies has no HTTP backend to authenticate to
        [
            resource(REST_STAGE, "api-prod", {"restApi": "api-1", "stageName": "prod"}),
            resource(REST_INTEGRATION, "api-function", {"restApi": "api-1", "type": "AWS_PROXY"}),
        ],
        # integrations the stack does not declare may reach an HTTP backend: the stage is judged
        [resource(REST_STAGE, "api-prod", {"restApi": "api-1", "stageName": "prod"})],
        label="no-http-backend",
    ),
    Case(
        "apigateway-rest-xray",
        [resource(REST_STAGE, "api-prod", {"xrayTracingEnabled": True})],
        [resource(REST_STAGE, "api-prod", {"xrayTracingEnabled": False})],
    ),
    Case(
        "apigateway-rest-waf",
        [
            resource(REST_STAGE, "api-prod", {"arn": "arn:aws:apigateway:us-east-1::/restapis/a/stages/prod"}),
            resource(
                "aws:wafv2/webAclAssociation:WebAclAssociation",
                "api-waf",
                {"resourceArn": "arn:aws:apigateway:us-east-1::/restapis/a/stages/prod", "webAclArn": "arn:waf"},
            ),
        ],
        [resource(REST_STAGE, "api-prod", {"arn": "arn:aws:apigateway:us-east-1::/restapis/a/stages/prod"})],
    ),
    Case(
        "apigateway-rest-cache-encrypted",
        [resource(METHOD_SETTINGS, "api-cache", {"settings": {"cachingEnabled": True, "cacheDataEncrypted": True}})],
        [resource(METHOD_SETTINGS, "api-cache", {"settings": {"cachingEnabled": True}})],
    ),
    Case(
        "apigateway-v2-access-logs",
        [
            resource(
                "aws:apigatewayv2/stage:Stage",
                "http-prod",
                {"accessLogSettings": {"destinationArn": "arn:logs", "format": "$context.requestId"}},
            )
        ],
        [resource("aws:apigatewayv2/stage:Stage", "http-prod", {})],
    ),
    Case(
        "apigateway-v2-private-integration-tls",
        [
            resource(
                "aws:apigatewayv2/integration:Integration",
                "private",
                {"connectionType": "VPC_LINK", "tlsConfig": {"serverNameToVerify": "api.internal"}},
            )
        ],
        [resource("aws:apigatewayv2/integration:Integration", "private", {"connectionType": "VPC_LINK"})],
    ),
    Case("waf-web-acl-has-rules", [_acl()], [_acl(rules=[])]),
    Case(
        "waf-cloudwatch-metrics",
        [_acl()],
        [_acl(rules=[{"name": "common", "visibilityConfig": {"cloudwatchMetricsEnabled": False}}])],
    ),
    Case(
        "waf-logging",
        [
            _acl(arn="arn:aws:wafv2:us-east-1:111122223333:regional/webacl/waf"),
            resource(
                "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
                "waf-logging",
                {
                    "resourceArn": "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/waf",
                    "logDestinationConfigs": ["arn:logs"],
                },
            ),
        ],
        [_acl(arn="arn:aws:wafv2:us-east-1:111122223333:regional/webacl/waf")],
    ),
]


# The data and security services' rules have their cases in test_data_services_*.py.
OWN_RULES = [rule for rule in RULES if rule not in DATA_SERVICE_RULES]
test_compliant_case_passes, test_violating_case_is_reported, test_every_policy_has_both_cases = pack_tests(
    PACK, OWN_RULES, CASES
)


def test_sns_topic_encryption_claims_no_fsbp_control(analyzers: GetAnalyzers) -> None:
    # GIVEN the running encryption pack WHEN it describes its policies
    policies = policy_infos(analyzers, PACK)
    # THEN sns-topic-encrypted is among them, with no FSBP tag or compliance framework: SNS.1 is retired
    assert "sns-topic-encrypted" in policies
    sns = policies["sns-topic-encrypted"]
    assert [tag for tag in sns.tags if tag.startswith("fsbp:")] == []
    assert not sns.HasField("framework")
