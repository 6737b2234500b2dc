"""The DR layer: the warm standby smart-0dte prod plans, and the failover that activeRegion: dr makes of it."""

from typing import Any

import pytest

from components.build.standby import STANDBY_TASKS
from finplatform.blueprints import Blueprint, read_blueprint_document
from finplatform.tooling.mocks import PlannedResource
from finplatform.tooling.plan import Plan, run_program
from finplatform.tooling.stack_files import read_stack_file

STACK = "smart-0dte-prod"
_FAILED_OVER: dict[str, Plan] = {}


@pytest.fixture
def failed_over() -> Plan:
    """smart-0dte prod planned with finplatform:activeRegion dr, once per session."""
    if STACK not in _FAILED_OVER:
        raw, _ = read_stack_file(STACK)
        _FAILED_OVER[STACK] = run_program(STACK, raw_config={**raw, "finplatform:activeRegion": "dr"})
    return _FAILED_OVER[STACK]


def one(plan: Plan, type_: str, name: str) -> PlannedResource:
    (found,) = [r for r in plan.resources if r.type == type_ and r.name == name]
    return found


def in_region(plan: Plan, resource: PlannedResource) -> str:
    providers = {r.urn: r.inputs.get("region") for r in plan.resources if r.type.startswith("pulumi:providers:")}
    return str(providers.get(str(resource.options.get("provider", "")).rsplit("::", 1)[0], ""))


def scaling(plan: Plan, service: str) -> dict[str, Any]:
    return one(plan, "aws:appautoscaling/target:Target", f"dr-services-{service}-scaling").inputs


def test_the_warm_standby_runs_every_service_scaled_down_in_the_dr_region(planned: Any) -> None:
    # GIVEN smart-0dte prod as committed (a warm standby, from seed 004's RTO of 15 minutes)
    plan = planned(STACK)
    blueprint = Blueprint.model_validate(read_blueprint_document("smart-0dte"))
    # WHEN planned THEN every Fargate service runs one task in us-west-2, able to scale to its usual maximum
    services = [s for s in blueprint.services if s.target == "ecs-fargate"]
    assert services
    for service in services:
        declared = one(plan, "aws:ecs/service:Service", f"dr-services-{service.name}-service")
        assert in_region(plan, declared) == "us-west-2"
        assert declared.inputs["desiredCount"] == STANDBY_TASKS
        target = scaling(plan, service.name)
        assert (target["minCapacity"], target["maxCapacity"]) == (STANDBY_TASKS, service.sizes.prod.max)
    # AND behind a load balancer with its own web ACL and certificate there
    alb = one(plan, "aws:lb/loadBalancer:LoadBalancer", "dr-edge-alb")
    assert in_region(plan, alb) == "us-west-2"
    acl = one(plan, "aws:wafv2/webAclAssociation:WebAclAssociation", "dr-edge-waf-alb")
    assert in_region(plan, acl) == "us-west-2"
    assert in_region(plan, one(plan, "aws:acm/certificate:Certificate", "dr-edge-certificate")) == "us-west-2"


def test_the_warm_standby_replicates_every_store_across(planned: Any) -> None:
    # GIVEN smart-0dte prod WHEN planned
    plan = planned(STACK)
    # THEN Redis joins a Global Datastore whose secondary is in us-west-2 with a replica per shard
    datastore = one(plan, "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup", "redis-global")
    assert datastore.options.get("ignoreChanges") == ["primaryReplicationGroupId"]
    secondary = one(plan, "aws:elasticache/replicationGroup:ReplicationGroup", "redis-dr-group")
    assert in_region(plan, secondary) == "us-west-2"
    assert secondary.inputs["replicasPerNodeGroup"] >= 1 and "numNodeGroups" not in secondary.inputs
    assert secondary.inputs["atRestEncryptionEnabled"] and secondary.inputs["transitEncryptionEnabled"]
    # AND the buckets replicate with Replication Time Control and its metrics
    replications = [r for r in plan.resources if r.type == "aws:s3/bucketReplicationConfig:BucketReplicationConfig"]
    assert replications
    for replication in replications:
        (rule,) = replication.inputs["rules"]
        assert rule["destination"]["replicationTime"] == {"status": "Enabled", "time": {"minutes": 15}}
        assert rule["destination"]["metrics"]["status"] == "Enabled"
    # AND InfluxDB has a standby in us-west-2, which the standby backend (not the primary's, no network path
    # joins the regions) reaches as its own time-series store
    standby = one(plan, "aws:timestreaminfluxdb/dbInstance:DbInstance", "dr-time-series-influxdb")
    assert in_region(plan, standby) == "us-west-2"
    dr_task = one(plan, "aws:ecs/taskDefinition:TaskDefinition", "dr-services-backend-task")
    assert standby.outputs["endpoint"] in dr_task.inputs["containerDefinitions"]
    primary_task = one(plan, "aws:ecs/taskDefinition:TaskDefinition", "services-backend-task")
    assert standby.outputs["endpoint"] not in primary_task.inputs["containerDefinitions"]


def test_route53_fails_the_origin_over_on_the_primary_health_path(planned: Any) -> None:
    # GIVEN smart-0dte prod WHEN planned
    plan = planned(STACK)
    # THEN a health check probes the primary load balancer on the backend's health path every 10 seconds
    check = one(plan, "aws:route53/healthCheck:HealthCheck", "failover-dns-primary-check")
    assert check.inputs["type"] == "HTTPS" and check.inputs["resourcePath"] == "/health"
    assert check.inputs["requestInterval"] == 10
    # AND the origin name has a PRIMARY record with that check and a SECONDARY one for us-west-2
    primary = one(plan, "aws:route53/record:Record", "failover-dns-us-east-1")
    secondary = one(plan, "aws:route53/record:Record", "failover-dns-us-west-2")
    assert primary.inputs["name"] == secondary.inputs["name"] == "origin.trading.example.com"
    assert primary.inputs["failoverRoutingPolicies"] == [{"type": "PRIMARY"}]
    assert primary.inputs["healthCheckId"]
    assert secondary.inputs["failoverRoutingPolicies"] == [{"type": "SECONDARY"}]
    # AND CloudFront reaches the load balancers only through that name (no second record owns it)
    assert not [r for r in plan.resources if r.name == "cdn-origin"]


def test_failover_promotes_the_replica_scales_the_services_and_moves_dns(planned: Any, failed_over: Plan) -> None:
    # GIVEN smart-0dte prod, and the same stack with finplatform:activeRegion dr
    before = planned(STACK)
    blueprint = Blueprint.model_validate(read_blueprint_document("smart-0dte"))
    # THEN the DR database has lost its source: the provider promotes it, and it keeps backups like a writer
    replica = one(before, "aws:rds/instance:Instance", "postgres-dr-replica")
    promoted = one(failed_over, "aws:rds/instance:Instance", "postgres-dr-replica")
    assert replica.inputs.get("replicateSourceDb")
    assert "replicateSourceDb" not in promoted.inputs
    assert promoted.inputs["backupRetentionPeriod"] == 30 and promoted.inputs["multiAz"] is True
    assert replica.urn == promoted.urn  # the same instance, not a new one
    # AND the DR services run at their prod sizes
    services = [s for s in blueprint.services if s.target == "ecs-fargate"]
    assert any(s.sizes.prod.desired > STANDBY_TASKS for s in services)  # so the scaling is visible
    for service in services:
        assert scaling(failed_over, service.name)["minCapacity"] == service.sizes.prod.min
        declared = one(failed_over, "aws:ecs/service:Service", f"dr-services-{service.name}-service")
        assert declared.inputs["desiredCount"] == service.sizes.prod.desired
    # AND the DR load balancer answers first; the primary region's record is the secondary until the failback
    west = one(failed_over, "aws:route53/record:Record", "failover-dns-us-west-2")
    east = one(failed_over, "aws:route53/record:Record", "failover-dns-us-east-1")
    assert west.inputs["failoverRoutingPolicies"] == [{"type": "PRIMARY"}]
    assert east.inputs["failoverRoutingPolicies"] == [{"type": "SECONDARY"}]
    # AND nothing stateful is replaced: the Global Datastore, buckets and databases keep their URNs
    stateful = {r.urn for r in before.resources if r.protect}
    assert stateful
    assert stateful <= {r.urn for r in failed_over.resources}


def test_the_plan_judges_the_standby_against_seed_004s_objectives(planned: Any) -> None:
    # GIVEN smart-0dte prod WHEN its recovery is assessed from what it declares
    from finplatform.resilience import assess
    from finplatform.stack import resolve_stack
    from finplatform.tooling.plan import priced

    plan = planned(STACK)
    raw, _ = read_stack_file(STACK)
    objectives = resolve_stack(STACK, raw).recovery_objectives()
    assert objectives is not None
    rows = {row.subject: row for row in assess(priced(plan.engine_view()), objectives).rows}
    # THEN the database, the cache, the time series and the serving path meet RTO 15 and RPO 5 minutes
    for subject in ("postgres", "redis", "timeSeries", "serving"):
        assert rows[subject].meets, rows[subject]
    # AND the buckets fall short by RTC's 15-minute SLA, each gap accepted by the blueprint with its reason
    buckets = [row for name, row in rows.items() if name.startswith("bucket:")]
    assert buckets
    assert all(row.gaps and row.accepted_because and not row.failing for row in buckets)


RESTORE_SNAPSHOT = "arn:aws:rds:us-west-2:111122223333:snapshot:awsbackup:job-0example"


@pytest.mark.parametrize(
    ("stack", "extra", "targets"),
    [
        # EKS and EC2 services behind a pilot light: the failover builds both in us-west-2
        ("dex-mobile-prod", {}, {"dr-kubernetes", "dr-instances"}),
        # backup and restore: the database comes back from the named snapshot, the EC2 services are rebuilt
        ("accunode-prod", {"finplatform:drRestoreSnapshotArn": RESTORE_SNAPSHOT}, {"dr-instances"}),
    ],
    ids=["pilot-light-eks-ec2", "backup-restore"],
)
def test_a_failover_from_a_lower_tier_builds_every_compute_target_in_the_dr_region(
    stack: str, extra: dict[str, str], targets: set[str]
) -> None:
    # GIVEN a prod stack below warm standby, failed over
    raw, _ = read_stack_file(stack)
    plan = run_program(stack, raw_config={**raw, "finplatform:activeRegion": "dr", **extra})
    components = {r.name for r in plan.resources if not r.custom}
    # THEN its compute targets, a load balancer and an empty Redis stand in the DR region
    assert targets | {"dr-edge", "dr-redis"} <= components
    dr_writer = [r for r in plan.named("aws:rds/instance:Instance") if r.name.startswith("postgres-dr-")]
    assert len(dr_writer) == 1
    (writer,) = dr_writer
    assert in_region(plan, writer) == "us-west-2" and "replicateSourceDb" not in writer.inputs
    # AND with backup and restore the writer is a new instance restored from the snapshot the stack names
    if "finplatform:drRestoreSnapshotArn" in extra:
        assert writer.name == "postgres-dr-restored" and writer.inputs["snapshotIdentifier"] == RESTORE_SNAPSHOT
