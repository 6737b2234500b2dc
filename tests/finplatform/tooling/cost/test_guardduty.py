"""GuardDuty's protection plans priced on what they watch: vCPUs of databases and compute, logs and events."""

import pytest

from finplatform.catalog import aws_listed
from finplatform.tooling.cost.model import PricedResource, estimate, instance_vcpus
from finplatform.usage import parse_usage

FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"


@pytest.mark.parametrize(
    ("size", "vcpus"),
    [
        # AWS's published counts: the burstable families' small sizes, Graviton's medium, and the xlarge steps
        ("t2.micro", 1),
        ("t2.medium", 2),
        ("t3.micro", 2),
        ("t3.medium", 2),
        ("t4g.small", 2),
        ("t3.xlarge", 4),
        ("m6g.medium", 1),
        ("m5.large", 2),
        ("c5.xlarge", 4),
        ("r6g.2xlarge", 8),
        ("m5.24xlarge", 96),
        ("db.t3.medium", 2),
        ("db.r6g.xlarge", 4),
    ],
)
def test_vcpus_follow_awss_published_counts(size: str, vcpus: int) -> None:
    # GIVEN an instance type or class WHEN its vCPUs are worked out THEN they are AWS's
    assert instance_vcpus(size) == vcpus


def test_every_listed_size_has_a_vcpu_count() -> None:
    # GIVEN every EC2 type and RDS class of AWS's vendored lists WHEN their vCPUs are worked out
    sizes = [s for service in ("ec2", "rds") for family in aws_listed(service).values() for s in family]
    # THEN each has one: Runtime Monitoring and RDS protection can price any size a stack may declare
    assert sizes
    assert all(instance_vcpus(size) >= 1 for size in sizes)


def _feature(name: str, **extra: object) -> PricedResource:
    return PricedResource(
        f"urn:{name}", FEATURE, f"gd-{name}", {"name": name, "status": "ENABLED", **extra}, "us-east-1"
    )


def test_rds_protection_is_billed_per_vcpu_of_the_regions_databases() -> None:
    # GIVEN RDS protection in us-east-1, a Multi-AZ db.r6g.xlarge there and a replica in us-west-2
    databases = [
        PricedResource(
            "urn:a", "aws:rds/instance:Instance", "a", {"instanceClass": "db.r6g.xlarge", "multiAz": True}, "us-east-1"
        ),
        PricedResource("urn:b", "aws:rds/instance:Instance", "b", {"instanceClass": "db.t3.medium"}, "us-west-2"),
    ]
    # WHEN priced
    items = {i.name: i for i in estimate([_feature("RDS_LOGIN_EVENTS"), *databases], parse_usage("prod", [])).items}
    # THEN it bills the 4 vCPUs of its own region's instance (the standby takes no logins) at $1 a vCPU-month
    line = items["gd-RDS_LOGIN_EVENTS"]
    assert [(c.quantity, c.unit, c.unit_price) for c in line.charges] == [(4, "vCPU-months", 1.0)]


def test_runtime_monitoring_counts_what_its_agent_management_turns_on() -> None:
    # GIVEN Runtime Monitoring with Fargate and EC2 agent management on (EKS off), two 1-vCPU tasks and an Auto
    # Scaling group of three m5.large
    task = PricedResource(
        "urn:td", "aws:ecs/taskDefinition:TaskDefinition", "td", {"arn": "td-arn", "cpu": "1024"}, "us-east-1"
    )
    service = PricedResource(
        "urn:svc", "aws:ecs/service:Service", "svc", {"taskDefinition": "td-arn", "desiredCount": 2}, "us-east-1"
    )
    group = PricedResource(
        "urn:asg", "aws:autoscaling/group:Group", "asg", {"instanceType": "m5.large", "desiredCapacity": 3}, "us-east-1"
    )
    nodes = PricedResource(
        "urn:ng",
        "aws:eks/nodeGroup:NodeGroup",
        "ng",
        {"instanceTypes": ["m5.xlarge"], "scalingConfig": {"desiredSize": 2}},
        "us-east-1",
    )
    feature = _feature(
        "RUNTIME_MONITORING",
        additionalConfigurations=[
            {"name": "ECS_FARGATE_AGENT_MANAGEMENT", "status": "ENABLED"},
            {"name": "EC2_AGENT_MANAGEMENT", "status": "ENABLED"},
            {"name": "EKS_ADDON_MANAGEMENT", "status": "DISABLED"},
        ],
    )
    # WHEN priced
    items = {i.name: i for i in estimate([feature, task, service, group, nodes], parse_usage("prod", [])).items}
    # THEN it bills 2 vCPUs of tasks and 6 of instances at $1.50 a vCPU-month, and not the EKS nodes
    charges = {c.name: c.quantity for c in items["gd-RUNTIME_MONITORING"].charges}
    assert charges == {"monitored vCPUs of Fargate tasks": 2, "monitored vCPUs of EC2 instances": 6}
    assert items["gd-RUNTIME_MONITORING"].monthly_usd == pytest.approx(8 * 1.5)


def test_eks_and_lambda_protection_are_priced_on_their_assumed_volumes() -> None:
    # GIVEN EKS protection with a cluster in the plan, and Lambda protection WHEN priced with prod's assumptions
    cluster = PricedResource("urn:eks", "aws:eks/cluster:Cluster", "eks", {}, "us-east-1")
    usage = parse_usage("prod", ["guarddutyEksAuditEventsMillion=10", "guarddutyLambdaLogGb=2"])
    items = {
        i.name: i for i in estimate([_feature("EKS_AUDIT_LOGS"), _feature("LAMBDA_NETWORK_LOGS"), cluster], usage).items
    }
    # THEN each is its volume at its rate, read from the assumptions
    assert items["gd-EKS_AUDIT_LOGS"].monthly_usd == pytest.approx(10 * 1.6)
    assert items["gd-LAMBDA_NETWORK_LOGS"].monthly_usd == pytest.approx(2 * 1.0)
    assert dict(items["gd-LAMBDA_NETWORK_LOGS"].assumptions) == {"guarddutyLambdaLogGb": 2}
