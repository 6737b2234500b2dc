"""finplatform-aws-constraints: a compliant and a violating case for every policy, through the analyzer; the pack
is mandatory in every environment, and every policy cites the AWS documentation it encodes."""

import json
from collections.abc import Mapping, Sequence
from typing import Any

from finplatform.tooling.policy_eval import AnalyzedResource
from policies.aws_constraints import rules as aws
from policies.aws_constraints.rules import RULES
from policies.common import types as t
from tests.policies.checks import GetAnalyzers, pack_tests, policy_infos
from tests.policies.conftest import TAGS, Case, resource

PACK = "aws_constraints"
ACCOUNT = "111122223333"
TG_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/web-0123456/0123456789abcdef"
LB_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/alb-0123456/0123456789abcdef"
LISTENER_ARN = f"arn:aws:lb:us-east-1:{ACCOUNT}:listener/listener-0123"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs-0123456"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:worker"
TASK_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/web:1"


def cert(region: str) -> str:
    return f"arn:aws:acm:{region}:{ACCOUNT}:certificate/0example"


def target_group(target_type: str) -> AnalyzedResource:
    return resource(aws.TARGET_GROUP, "web", {"arn": TG_ARN, "targetType": target_type, "port": 80})


def asg(groups: list[str]) -> AnalyzedResource:
    return resource(t.AUTOSCALING_GROUP, "workers", {"minSize": 1, "maxSize": 2, "targetGroupArns": groups})


def task(
    network_mode: str = "awsvpc", cpu: str = "512", memory: str = "1024", containers: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    return {
        "arn": TASK_ARN,
        "family": "web",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": network_mode,
        "cpu": cpu,
        "memory": memory,
        "containerDefinitions": json.dumps(list(containers) or [{"name": "web", "image": "web:1", "essential": True}]),
    }


def ecs_stack(target_type: str) -> list[AnalyzedResource]:
    return [
        target_group(target_type),
        resource(t.ECS_TASK_DEFINITION, "web-task", task()),
        resource(
            aws.ECS_SERVICE,
            "web-service",
            {"taskDefinition": TASK_ARN, "loadBalancers": [{"targetGroupArn": TG_ARN, "containerPort": 80}]},
        ),
    ]


def listener_rule(name: str, priority: int, conditions: list[dict[str, Any]] | None = None) -> AnalyzedResource:
    return resource(
        aws.LISTENER_RULES[0],
        name,
        {
            "listenerArn": LISTENER_ARN,
            "priority": priority,
            "conditions": conditions or [{"pathPattern": {"values": [f"/{name}/*"]}}],
            "actions": [{"type": "forward", "targetGroupArn": TG_ARN}],
        },
    )


def alb_stack(rules: int) -> list[AnalyzedResource]:
    return [
        resource(t.LOAD_BALANCERS[0], "alb", {"arn": LB_ARN, "loadBalancerType": "application"}),
        resource(t.LISTENERS[0], "https", {"arn": LISTENER_ARN, "loadBalancerArn": LB_ARN, "port": 443}),
        *[listener_rule(f"route-{n}", n + 1) for n in range(rules)],
    ]


def functions(reserved: list[int]) -> list[AnalyzedResource]:
    return [
        resource(aws.LAMBDA_FUNCTION, f"fn-{n}", {"name": f"fn-{n}", "reservedConcurrentExecutions": r})
        for n, r in enumerate(reserved)
    ]


def sqs_trigger(visibility: int, timeout: int, batch: int = 10) -> list[AnalyzedResource]:
    return [
        resource(t.SQS_QUEUE, "jobs", {"arn": QUEUE_ARN, "visibilityTimeoutSeconds": visibility}),
        resource(aws.LAMBDA_FUNCTION, "worker", {"arn": FUNCTION_ARN, "name": "worker", "timeout": timeout}),
        resource(
            aws.EVENT_SOURCE_MAPPING,
            "worker-trigger",
            {"eventSourceArn": QUEUE_ARN, "functionName": FUNCTION_ARN, "batchSize": batch},
        ),
    ]


def global_datastore(node_type: str) -> list[AnalyzedResource]:
    return [
        resource(t.CACHE_REPLICATION_GROUP, "redis", {"replicationGroupId": "redis-0123456", "nodeType": node_type}),
        resource(aws.GLOBAL_REPLICATION_GROUP, "redis-global", {"primaryReplicationGroupId": "redis-0123456"}),
    ]


def failover(role: str, identifier: str, name: str = "app") -> AnalyzedResource:
    return resource(
        t.DNS_RECORD,
        name,
        {
            "zoneId": "Z0EXAMPLE",
            "name": "app.example.com",
            "type": "A",
            "setIdentifier": identifier,
            "failoverRoutingPolicies": [{"type": role}],
        },
    )


def security_group(ingress_rules: int) -> AnalyzedResource:
    ingress = [
        {"fromPort": 443, "toPort": 443, "protocol": "tcp", "cidrBlocks": [f"10.0.{n}.0/24"]}
        for n in range(ingress_rules)
    ]
    return resource(t.SECURITY_GROUP, "app", {"id": "sg-0123456", "ingress": ingress})


def lifecycle(days: int, expiry: int = 365) -> dict[str, Any]:
    return {
        "rules": [
            {
                "id": "logs",
                "status": "Enabled",
                "transitions": [{"storageClass": "STANDARD_IA", "days": days}],
                "expiration": {"days": expiry},
            }
        ]
    }


def replication(metrics: bool) -> dict[str, Any]:
    destination = {
        "bucket": "arn:aws:s3:::dr-bucket",
        "replicationTime": {"status": "Enabled", "time": {"minutes": 15}},
    }
    if metrics:
        destination["metrics"] = {"status": "Enabled", "eventThreshold": {"minutes": 15}}
    return {
        "rules": [
            {
                "id": "to-dr",
                "status": "Enabled",
                "filter": {"prefix": ""},
                "deleteMarkerReplication": {"status": "Enabled"},
                "destination": destination,
            }
        ]
    }


def ecr_policy(any_priority: int) -> dict[str, Any]:
    return {
        "repository": "app",
        "policy": json.dumps(
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "selection": {
                            "tagStatus": "untagged",
                            "countType": "sinceImagePushed",
                            "countUnit": "days",
                            "countNumber": 7,
                        },
                        "action": {"type": "expire"},
                    },
                    {
                        "rulePriority": any_priority,
                        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
                        "action": {"type": "expire"},
                    },
                ]
            }
        ),
    }


def web_acl(limit: int) -> dict[str, Any]:
    rate = {"rateBasedStatement": {"limit": limit, "aggregateKeyType": "IP", "evaluationWindowSec": 300}}
    return {"rules": [{"name": "rate", "priority": 0, "action": {"block": {}}, "statement": rate}]}


MANY_TAGS = {f"team-{n}": "x" for n in range(45)}  # with the provider's 6 default tags: 51

CASES = [
    # --- names ---
    Case(
        "lb-names-valid",
        [resource(aws.TARGET_GROUP, "edge-analytics-engine", {"targetType": "ip"})],
        [resource(aws.TARGET_GROUP, "dr-edge-blockchain-service", {"targetType": "ip"})],
        label="autoname",
    ),
    Case(
        "lb-names-valid",
        [resource(t.LOAD_BALANCERS[0], "alb", {"name": "finplatform-prod-alb"})],
        [resource(t.LOAD_BALANCERS[0], "alb", {"name": "finplatform_prod_alb"})],
    ),
    Case(
        "s3-bucket-name-valid",
        [resource(t.S3_BUCKETS[0], "logs", {"bucketPrefix": "storage-access-logs-"})],
        [resource(t.S3_BUCKETS[0], "logs", {"bucket": "Storage_Access_Logs"})],
    ),
    Case(
        "s3-bucket-name-valid",
        [resource(t.S3_BUCKETS[0], "logs", {"bucketPrefix": "audit-trail-"})],
        [resource(t.S3_BUCKETS[0], "logs", {"bucketPrefix": "finplatform-data-pipeline-staging-raw-data-"})],
        label="prefix",
    ),
    Case(
        "iam-names-valid",
        [resource(t.IAM_ROLE, "functions-blockchain-anchoring-role", {"assumeRolePolicy": "{}"})],
        [resource(t.IAM_ROLE, "role", {"name": "finplatform-data-pipeline-staging-ingestion-function-execution-role"})],
    ),
    Case(
        "xray-group-and-sampling-rule",
        [
            resource(
                aws.XRAY_SAMPLING_RULE,
                "sampling",
                {"ruleName": "prod-web-ui", "priority": 1000, "fixedRate": 0.05, "version": 1},
            )
        ],
        [
            resource(
                aws.XRAY_SAMPLING_RULE, "sampling", {"ruleName": "dex-mobile-prod-blockchain-service", "priority": 1000}
            )
        ],
    ),
    Case(
        "rds-identifier-valid",
        [resource(t.RDS_INSTANCE, "db", {"identifier": "finplatform-prod-postgres"})],
        [resource(t.RDS_INSTANCE, "db", {"identifier": "finplatform--prod-postgres-"})],
    ),
    Case(
        "elasticache-replication-group-id-valid",
        [resource(t.CACHE_REPLICATION_GROUP, "redis-group", {"nodeType": "cache.t3.micro"})],
        [
            resource(
                t.CACHE_REPLICATION_GROUP,
                "redis",
                {"replicationGroupId": "finplatform-data-pipeline-staging-redis-group"},
            )
        ],
    ),
    Case(
        "ecr-repository-name-valid",
        [resource(t.ECR_REPOSITORY, "registry-web", {"name": "finplatform-prod/web-ui"})],
        [resource(t.ECR_REPOSITORY, "registry-web", {"name": "finplatform-prod/Web_UI"})],
    ),
    Case(
        "timestream-influxdb-instance-valid",
        [resource(aws.INFLUXDB, "time-series-influxdb", {"allocatedStorage": 400})],
        [resource(aws.INFLUXDB, "time-series-influxdb", {"name": "1-market-data", "allocatedStorage": 10})],
    ),
    # --- tags ---
    Case(
        "tags-per-resource-limit",
        [resource(t.SQS_QUEUE, "jobs", {"tags": {"team": "risk"}})],
        [resource(t.SQS_QUEUE, "jobs", {"tags": MANY_TAGS})],
    ),
    Case(
        "tag-key-value-length",
        [resource(t.SQS_QUEUE, "jobs", {"tags": {"purpose": "x" * 256}})],
        [resource(t.SQS_QUEUE, "jobs", {"tags": {"purpose": "x" * 257}})],
    ),
    Case(
        "tag-key-value-length",
        [resource(t.SQS_QUEUE, "jobs", {})],
        [resource(t.SQS_QUEUE, "jobs", {}, tags=dict(TAGS, owner="o" * 300))],
        label="default-tags",
    ),
    Case(
        "tag-characters-allowed",
        [resource(t.SQS_QUEUE, "jobs", {"tags": {"team": "risk & pricing".replace("&", "+")}})],
        [resource(t.SQS_QUEUE, "jobs", {"tags": {"team": "risk & pricing", "aws:owner": "x"}})],
    ),
    Case(
        "tag-characters-allowed",
        # Unicode letters and spaces are allowed (\p{L}, \p{Z}); a tab is not a space separator
        [resource(t.SQS_QUEUE, "jobs", {"tags": {"desk": "Zürich rates"}})],
        [resource(t.SQS_QUEUE, "jobs", {"tags": {"desk": "Zürich\trates"}})],
        label="unicode",
    ),
    # --- load balancing ---
    Case(
        "asg-target-groups-instance-type",
        [target_group("instance"), asg([TG_ARN])],
        [target_group("ip"), asg([TG_ARN])],
    ),
    Case("ecs-awsvpc-target-groups-ip", ecs_stack("ip"), ecs_stack("instance")),
    Case(
        "alb-listener-rule-conditions",
        [listener_rule("api", 10, [{"pathPattern": {"values": ["/api/*", "/ws/*", "/health"]}}])],
        [
            listener_rule(
                "api",
                10,
                [
                    {"pathPattern": {"values": ["/api/*", "/ws/*", "/health"]}},
                    {"hostHeader": {"values": ["a.example.com", "b.example.com", "c.example.com"]}},
                ],
            )
        ],
    ),
    Case(
        "alb-listener-rule-priorities-unique",
        [listener_rule("api", 10), listener_rule("ws", 20)],
        [listener_rule("api", 10), listener_rule("ws", 10)],
    ),
    Case("alb-quotas-per-load-balancer", alb_stack(3), alb_stack(101)),
    Case(
        "lb-target-group-settings",
        [resource(aws.TARGET_GROUP, "web", {"healthCheck": {"interval": 30, "timeout": 5, "path": "/health"}})],
        [resource(aws.TARGET_GROUP, "web", {"healthCheck": {"interval": 5, "timeout": 10, "path": "health"}})],
    ),
    Case(
        "cloudfront-certificate-us-east-1",
        [resource(t.CLOUDFRONT, "cdn", {"viewerCertificate": {"acmCertificateArn": cert("us-east-1")}})],
        [resource(t.CLOUDFRONT, "cdn", {"viewerCertificate": {"acmCertificateArn": cert("eu-west-1")}})],
    ),
    Case(
        "lb-certificate-same-region",
        [resource(t.LISTENERS[0], "https", {"port": 443, "certificateArn": cert("us-east-1")})],
        [resource(t.LISTENERS[0], "https", {"port": 443, "certificateArn": cert("us-west-2")})],
    ),
    # --- compute ---
    Case(
        "ecs-fargate-task-size",
        [resource(t.ECS_TASK_DEFINITION, "web", task(cpu="1024", memory="2048"))],
        [resource(t.ECS_TASK_DEFINITION, "web", task(cpu="256", memory="4096"))],
    ),
    Case(
        "ecs-fargate-task-size",
        [
            resource(
                t.ECS_TASK_DEFINITION, "web", task(containers=[{"name": "web", "cpu": 256, "memoryReservation": 768}])
            )
        ],
        [
            resource(
                t.ECS_TASK_DEFINITION, "web", task(network_mode="bridge", containers=[{"name": "web", "memory": 2048}])
            )
        ],
        label="containers",
    ),
    Case("lambda-reserved-concurrency", functions([10, 50]), functions([950])),
    Case("lambda-reserved-concurrency", functions([500, 300]), functions([500, 450]), label="total"),
    Case(
        "lambda-function-limits",
        [
            resource(
                aws.LAMBDA_FUNCTION, "fn", {"name": "finplatform-prod-anchoring", "timeout": 120, "memorySize": 256}
            )
        ],
        [
            resource(
                aws.LAMBDA_FUNCTION,
                "fn",
                {"timeout": 1200, "memorySize": 64, "environment": {"variables": {"AWS_REGION": "us-east-1"}}},
            )
        ],
    ),
    Case("lambda-sqs-event-source", sqs_trigger(720, 120), sqs_trigger(30, 120)),
    Case("lambda-sqs-event-source", sqs_trigger(720, 120, 10), sqs_trigger(720, 120, 100), label="batch"),
    Case(
        "scaling-capacity-bounds",
        [resource(t.AUTOSCALING_GROUP, "workers", {"minSize": 2, "maxSize": 6, "desiredCapacity": 2})],
        [resource(t.AUTOSCALING_GROUP, "workers", {"minSize": 2, "maxSize": 6, "desiredCapacity": 8})],
    ),
    Case(
        "scaling-capacity-bounds",
        [resource(aws.APPAUTOSCALING_TARGET, "web-scaling", {"minCapacity": 1, "maxCapacity": 10})],
        [resource(aws.APPAUTOSCALING_TARGET, "web-scaling", {"minCapacity": 4, "maxCapacity": 2})],
        label="scalable-target",
    ),
    # --- data stores ---
    Case(
        "rds-storage-limits",
        [resource(t.RDS_INSTANCE, "db", {"engine": "postgres", "allocatedStorage": 20, "maxAllocatedStorage": 100})],
        [resource(t.RDS_INSTANCE, "db", {"engine": "postgres", "allocatedStorage": 100, "maxAllocatedStorage": 105})],
    ),
    Case(
        "rds-performance-insights-class",
        [resource(t.RDS_INSTANCE, "db", {"instanceClass": "db.t3.medium", "performanceInsightsEnabled": True})],
        [resource(t.RDS_INSTANCE, "db", {"instanceClass": "db.t3.micro", "performanceInsightsEnabled": True})],
    ),
    Case(
        "rds-performance-insights-class",
        [
            resource(
                t.RDS_INSTANCE,
                "db",
                {
                    "instanceClass": "db.r6g.large",
                    "performanceInsightsEnabled": True,
                    "performanceInsightsRetentionPeriod": 93,
                },
            )
        ],
        [
            resource(
                t.RDS_INSTANCE,
                "db",
                {
                    "instanceClass": "db.r6g.large",
                    "performanceInsightsEnabled": True,
                    "performanceInsightsRetentionPeriod": 30,
                },
            )
        ],
        label="retention",
    ),
    Case(
        "rds-backup-and-maintenance-windows",
        [
            resource(
                t.RDS_INSTANCE,
                "db",
                {
                    "backupRetentionPeriod": 30,
                    "backupWindow": "03:00-04:00",
                    "maintenanceWindow": "sun:04:30-sun:05:30",
                },
            )
        ],
        [
            resource(
                t.RDS_INSTANCE,
                "db",
                {
                    "backupRetentionPeriod": 30,
                    "backupWindow": "03:00-04:00",
                    "maintenanceWindow": "sun:03:30-sun:04:30",
                },
            )
        ],
    ),
    Case(
        "rds-backup-and-maintenance-windows",
        [resource(t.RDS_INSTANCE, "db", {"backupRetentionPeriod": 35, "monitoringInterval": 15})],
        [resource(t.RDS_INSTANCE, "db", {"backupRetentionPeriod": 90, "monitoringInterval": 20})],
        label="ranges",
    ),
    Case(
        "elasticache-global-datastore-node-type",
        global_datastore("cache.r6g.large"),
        global_datastore("cache.t3.medium"),
    ),
    Case(
        "elasticache-replication-group-settings",
        [
            resource(
                t.CACHE_REPLICATION_GROUP,
                "redis",
                {
                    "snapshotRetentionLimit": 30,
                    "numCacheClusters": 2,
                    "automaticFailoverEnabled": True,
                    "multiAzEnabled": True,
                },
            )
        ],
        [
            resource(
                t.CACHE_REPLICATION_GROUP,
                "redis",
                {"snapshotRetentionLimit": 40, "numCacheClusters": 1, "automaticFailoverEnabled": True},
            )
        ],
    ),
    Case(
        "s3-lifecycle-transitions",
        [resource(aws.S3_LIFECYCLE[0], "logs-lifecycle", lifecycle(30))],
        [resource(aws.S3_LIFECYCLE[0], "logs-lifecycle", lifecycle(7, expiry=5))],
    ),
    Case(
        "s3-replication-rules",
        [resource(aws.S3_REPLICATION, "replication", replication(metrics=True))],
        [resource(aws.S3_REPLICATION, "replication", replication(metrics=False))],
    ),
    Case(
        "sqs-queue-attribute-ranges",
        [resource(t.SQS_QUEUE, "jobs", {"messageRetentionSeconds": 1209600, "visibilityTimeoutSeconds": 720})],
        [
            resource(
                t.SQS_QUEUE,
                "jobs",
                {"messageRetentionSeconds": 30 * 86400, "redrivePolicy": json.dumps({"maxReceiveCount": 0})},
            )
        ],
    ),
    Case(
        "log-group-retention-values",
        [resource(t.LOG_GROUP, "logs", {"retentionInDays": 365, "name": "/aws/rds/instance/db/postgresql"})],
        [resource(t.LOG_GROUP, "logs", {"retentionInDays": 45})],
    ),
    Case(
        "kms-deletion-window",
        [resource(t.KMS_KEY, "key", {"deletionWindowInDays": 30})],
        [resource(t.KMS_KEY, "key", {"deletionWindowInDays": 45})],
    ),
    Case(
        "secretsmanager-recovery-window",
        [resource(t.SECRET, "secret", {"recoveryWindowInDays": 0})],
        [resource(t.SECRET, "secret", {"recoveryWindowInDays": 3})],
    ),
    Case(
        "ecr-lifecycle-policy-rules",
        [resource(aws.ECR_LIFECYCLE, "lifecycle", ecr_policy(2))],
        [resource(aws.ECR_LIFECYCLE, "lifecycle", ecr_policy(1))],
    ),
    Case(
        "backup-plan-rules",
        [
            resource(
                aws.BACKUP_PLAN,
                "plan",
                {
                    "rules": [
                        {
                            "ruleName": "daily",
                            "startWindow": 60,
                            "schedule": "cron(0 5 ? * * *)",
                            "lifecycle": {"coldStorageAfter": 30, "deleteAfter": 120},
                        }
                    ]
                },
            )
        ],
        [
            resource(
                aws.BACKUP_PLAN,
                "plan",
                {
                    "rules": [
                        {
                            "ruleName": "daily",
                            "startWindow": 30,
                            "schedule": "cron(0 5 * * * *)",
                            "lifecycle": {"coldStorageAfter": 30, "deleteAfter": 60},
                        }
                    ]
                },
            )
        ],
    ),
    # --- DNS, WAF, networking, monitoring, schedules ---
    Case(
        "route53-failover-record-sets",
        [failover("PRIMARY", "primary"), failover("SECONDARY", "secondary", "app-dr")],
        [failover("PRIMARY", "primary"), failover("PRIMARY", "dr", "app-dr")],
    ),
    Case(
        "route53-health-check-settings",
        [resource(aws.HEALTH_CHECK, "check", {"requestInterval": 10, "failureThreshold": 3, "type": "HTTPS"})],
        [resource(aws.HEALTH_CHECK, "check", {"requestInterval": 15, "failureThreshold": 3, "type": "HTTPS"})],
    ),
    Case(
        "wafv2-web-acl-rules",
        [resource(aws.WEB_ACL, "waf", web_acl(100))],
        [resource(aws.WEB_ACL, "waf", web_acl(5))],
    ),
    Case("security-group-rule-quota", [security_group(60)], [security_group(61)]),
    Case(
        "security-groups-per-interface",
        [resource(aws.ECS_SERVICE, "web", {"networkConfiguration": {"securityGroups": ["sg-1", "sg-2"]}})],
        [resource(aws.ECS_SERVICE, "web", {"networkConfiguration": {"securityGroups": [f"sg-{n}" for n in range(6)]}})],
    ),
    Case(
        "cloudwatch-alarm-period-and-evaluation",
        [
            resource(
                t.METRIC_ALARM,
                "alarm",
                {"namespace": "AWS/RDS", "period": 60, "evaluationPeriods": 15, "datapointsToAlarm": 15},
            )
        ],
        [
            resource(
                t.METRIC_ALARM,
                "alarm",
                {"namespace": "AWS/RDS", "period": 30, "evaluationPeriods": 5, "datapointsToAlarm": 6},
            )
        ],
    ),
    Case(
        "cloudwatch-alarm-period-and-evaluation",
        [resource(t.METRIC_ALARM, "alarm", {"namespace": "AWS/Billing", "period": 21600, "evaluationPeriods": 4})],
        [resource(t.METRIC_ALARM, "alarm", {"namespace": "AWS/Billing", "period": 86400, "evaluationPeriods": 2})],
        label="one-day",
    ),
    Case(
        "schedule-expressions-valid",
        [resource(aws.EVENT_RULE, "nightly", {"scheduleExpression": "cron(0 5 ? * MON-FRI *)"})],
        [resource(aws.EVENT_RULE, "nightly", {"scheduleExpression": "cron(0 5 * * MON-FRI *)"})],
    ),
    Case(
        "schedule-expressions-valid",
        [resource(aws.EVENT_RULE, "hourly", {"scheduleExpression": "rate(1 hour)"})],
        [resource(aws.EVENT_RULE, "hourly", {"scheduleExpression": "rate(1 hours)"})],
        label="rate",
    ),
    Case(
        "schedule-expressions-valid",
        [resource(aws.EVENT_RULE, "nightly", {"scheduleExpression": "cron(0 23 ? * MON-FRI *)"})],
        [resource(aws.EVENT_RULE, "nightly", {"scheduleExpression": "cron(0 24 ? * MON-FRI *)"})],
        label="cron-field-range",
    ),
    Case(
        "schedule-expressions-valid",
        [resource(aws.SCHEDULE, "cutover", {"scheduleExpression": "at(2026-07-01T09:00:00)"})],
        [resource(aws.SCHEDULE, "cutover", {"scheduleExpression": "at(2026-07-01 09:00)"})],
        label="one-time",
    ),
    # --- mandatory in every environment ---
    Case(
        "lb-names-valid",
        [resource(aws.TARGET_GROUP, "edge-web-ui", {}, environment="dev")],
        [resource(aws.TARGET_GROUP, "edge-web-ui", {"name": "x" * 33}, environment="dev")],
        environment="dev",
        label="dev",
    ),
    Case(
        "lambda-reserved-concurrency",
        functions([10]),
        functions([950]),
        environment="staging",
        label="staging",
    ),
]

test_compliant_case_passes, test_violating_case_is_reported, test_every_policy_has_both_cases = pack_tests(
    PACK, RULES, CASES, mandatory_everywhere=True
)


def test_every_policy_cites_the_aws_documentation_it_encodes() -> None:
    # GIVEN the pack's rules WHEN their sources are read
    # THEN each names an AWS documentation page, and the pack has at least 25 rules
    assert len(RULES) >= 25
    assert [r.name for r in RULES if not r.source.startswith("https://docs.aws.amazon.com/")] == []


def test_the_pack_is_mandatory_in_every_environment(analyzers: GetAnalyzers) -> None:
    # GIVEN the pack started for a dev stack WHEN it describes its policies to the engine
    # THEN every policy's default enforcement is mandatory, where the other packs' are advisory
    from google.protobuf import empty_pb2

    levels = {
        name: {p.enforcementLevel for p in process._stub.GetAnalyzerInfo(empty_pb2.Empty()).policies}
        for name, process in analyzers("dev", {}).processes.items()
    }
    assert levels[PACK] == {1}  # MANDATORY
    assert levels["encryption"] == {0}  # ADVISORY
    assert set(policy_infos(analyzers, PACK)) == {r.name for r in RULES}


def test_pack_config_raises_a_quota(analyzers: GetAnalyzers) -> None:
    # GIVEN two functions reserving 1,400 executions between them WHEN the pack judges them with the default
    # account limit, and with pack config naming an account limit of 3,000
    # THEN the default reports the total, and the raised limit accepts it
    from finplatform.tooling.policy_eval import POLICIES_DIR, PackProcess

    reserved = functions([700, 700])
    default = [v for v in analyzers("prod", {}).violations(PACK, reserved) if v.policy == "lambda-reserved-concurrency"]
    process = PackProcess(POLICIES_DIR / PACK, "prod", {"finplatform:environment": "prod"})
    try:
        process.connect({"lambda-reserved-concurrency": {"accountConcurrencyLimit": 3000}})
        raised = [v for v in process.analyze_stack(reserved) if v.policy == "lambda-reserved-concurrency"]
    finally:
        process.close()
    assert default and raised == []


def test_schedule_messages_name_the_property(analyzers: GetAnalyzers) -> None:
    # GIVEN an EventBridge rule and a backup plan rule whose cron hours field is out of range
    rule = resource(aws.EVENT_RULE, "nightly", {"scheduleExpression": "cron(0 24 ? * MON-FRI *)"})
    plan = resource(aws.BACKUP_PLAN, "plan", {"rules": [{"ruleName": "daily", "schedule": "cron(0 24 ? * * *)"}]})
    # WHEN the pack judges them
    found = [v.message for v in analyzers("dev", {}).violations(PACK, [rule, plan])]
    # THEN each message names the property as written and says which field is wrong (the blueprint's grammar)
    assert any("scheduleExpression 'cron(0 24 ? * MON-FRI *)' has hours '24'" in m for m in found), found
    assert any("schedule 'cron(0 24 ? * * *)' has hours '24'" in m for m in found), found
