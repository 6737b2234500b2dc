"""The DR standby and delivery prices (issue 12): Route 53 health checks and failover records, the ElastiCache
Global Datastore and its secondary, inter-region replication (RDS, S3, AWS Backup, ECR), CodePipeline, CodeBuild
and connections, and the standby subtotal the plan prints."""

from typing import Any

import pytest

from finplatform.tooling.cost.model import (
    PRICERS,
    CostItem,
    Estimate,
    PricedResource,
    estimate,
    is_dr_provider,
    price_table,
)
from finplatform.tooling.cost.report import standby_section
from finplatform.tooling.plan import Plan, render_cost
from finplatform.usage import DEFAULTS, Usage, parse_usage

PREFIX = "urn:pulumi:prod::finplatform::finplatform:recovery:Standby$"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
RECORD = "aws:route53/record:Record"
GLOBAL = "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
RDS = "aws:rds/instance:Instance"
BUCKET = "aws:s3/bucketV2:BucketV2"
S3_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
BACKUP_PLAN = "aws:backup/plan:Plan"
ECR_REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
REPOSITORY = "aws:ecr/repository:Repository"
PIPELINE = "aws:codepipeline/pipeline:Pipeline"
PROJECT = "aws:codebuild/project:Project"
ALB = "aws:lb/loadBalancer:LoadBalancer"
ALB_DNS = "web-alb-1234.us-east-1.elb.amazonaws.com"
CACHE_HOURLY = 0.206  # cache.r6g.large in both vendored regions


def _resource(
    type_: str, logical: str, region: str = "us-east-1", provider: str = "aws-primary", **props: Any
) -> PricedResource:
    return PricedResource(f"{PREFIX}{type_}::{logical}", type_, logical, props, region, provider=provider)


def _items(resources: list[PricedResource], usage: Usage = DEFAULTS["prod"]) -> dict[str, CostItem]:
    return {item.urn.rsplit("::", 1)[-1]: item for item in estimate(resources, usage).items}


def _price(type_: str, usage: Usage = DEFAULTS["prod"], **props: Any) -> CostItem:
    return _items([_resource(type_, "it", **props)], usage)["it"]


# Route 53


@pytest.mark.parametrize(
    ("props", "monthly", "says"),
    [
        ({"type": "HTTP", "fqdn": ALB_DNS, "resourcePath": "/health"}, 0.50, "health check of an AWS endpoint"),
        (
            {"type": "HTTPS", "fqdn": ALB_DNS, "requestInterval": 10, "measureLatency": True},
            0.50 + 3 * 1.00,
            "3 optional features (HTTPS, fast interval, latency measurement) x $1.0/month",
        ),
        (
            {"type": "HTTPS_STR_MATCH", "fqdn": "status.example.org", "searchString": "ok"},
            0.75 + 2 * 2.00,
            "a non-AWS endpoint (status.example.org) $0.75/month + 2 optional features (HTTPS, string matching)",
        ),
        ({"type": "CALCULATED", "childHealthchecks": ["a", "b"]}, 0.50, "an AWS endpoint (calculated)"),
    ],
)
def test_a_health_check_is_its_endpoints_basic_price_plus_one_per_optional_feature(
    props: dict[str, Any], monthly: float, says: str
) -> None:
    # GIVEN a health check of a load balancer's DNS name (plain, then HTTPS at 10 s measuring latency), of a
    # non-AWS name with HTTPS string matching, or a calculated check WHEN it is priced
    item = _price(HEALTH_CHECK, **props)
    # THEN it is the AWS ($0.50) or non-AWS ($0.75) basic price plus $1 or $2 per optional feature, and says so
    assert item.monthly_usd == pytest.approx(monthly) and says in item.basis


def test_a_health_check_of_a_planned_load_balancers_address_is_of_an_aws_endpoint() -> None:
    # GIVEN a health check of an address that a planned Elastic IP holds
    eip = _resource("aws:ec2/eip:Eip", "nat", publicIp="203.0.113.10")
    check = _resource(HEALTH_CHECK, "it", type="TCP", ipAddress="203.0.113.10", port=443)
    # WHEN it is priced
    item = _items([eip, check])["it"]
    # THEN it is billed as a check of an AWS endpoint
    assert item.monthly_usd == pytest.approx(0.50) and "an AWS endpoint" in item.basis


@pytest.mark.parametrize(
    ("props", "says"),
    [
        (
            {
                "type": "A",
                "aliases": [{"name": ALB_DNS, "zoneId": "Z35SXDOTRQ7X7K", "evaluateTargetHealth": True}],
                "failoverRoutingPolicies": [{"type": "PRIMARY"}],
                "setIdentifier": "primary",
                "healthCheckId": "hc-1",
            },
            "alias record (failover routing): no charge (queries to alias records of AWS resources are free)",
        ),
        ({"type": "CNAME", "records": ["_x.acm-validations.aws."], "ttl": 300}, "queries ($0.4/M standard)"),
    ],
)
def test_a_record_is_free_and_says_why(props: dict[str, Any], says: str) -> None:
    # GIVEN a failover alias record to a load balancer, or a plain CNAME WHEN it is priced
    item = _price(RECORD, **props)
    # THEN it is $0 and its line says why: alias queries are free; other queries are not priced, and it says so
    assert item.monthly_usd == 0 and says in item.basis


# ElastiCache Global Datastore


def _global_datastore(**props: Any) -> list[PricedResource]:
    primary = _resource(
        CACHE,
        "redis-primary",
        replicationGroupId="finplatform-prod-redis",
        nodeType="cache.r6g.large",
        numNodeGroups=2,
        replicasPerNodeGroup=1,
    )
    group = _resource(
        GLOBAL,
        "redis-global",
        globalReplicationGroupIdSuffix="redis-global",
        primaryReplicationGroupId="finplatform-prod-redis",
        **props,
    )
    return [primary, group]


def test_a_secondary_with_no_node_type_or_shards_takes_them_from_its_global_datastore() -> None:
    # GIVEN a cluster-mode primary of 2 shards x (1 + 1 replica) of cache.r6g.large, its Global Datastore, and a
    # secondary in us-west-2 that names only the global group (as AWS spells its id: region prefix, then suffix)
    secondary = _resource(
        CACHE, "redis-dr", "us-west-2", "aws-dr", globalReplicationGroupId="ldgnf-redis-global", description="dr"
    )
    # WHEN they are priced
    items = _items([*_global_datastore(), secondary])
    # THEN the secondary is priced as 2 shards x 2 nodes of the primary's node type, and its line says so
    assert items["redis-dr"].monthly_usd == pytest.approx(4 * CACHE_HOURLY * 730, abs=0.01)
    assert "node type from the primary's" in items["redis-dr"].basis and "2 shards" in items["redis-dr"].basis


def test_a_secondary_whose_global_datastore_id_is_not_known_yet_joins_the_stacks_only_one() -> None:
    # GIVEN a secondary with no node type whose globalReplicationGroupId is unknown before deploy (absent, or the
    # engine's unknown marker), beside the stack's only Global Datastore
    absent = _resource(CACHE, "redis-dr", "us-west-2", "aws-dr", replicasPerNodeGroup=0)
    marked = _resource(CACHE, "redis-dr2", "us-west-2", "aws-dr", globalReplicationGroupId="[unknown]")
    # WHEN they are priced
    items = _items([*_global_datastore(), absent, marked])
    # THEN both are priced as its secondaries (the primary's 2 shards with no replica, then with its 1), and it
    # replicates to both
    assert items["redis-dr"].monthly_usd == pytest.approx(2 * CACHE_HOURLY * 730, abs=0.01)
    assert items["redis-dr2"].monthly_usd == pytest.approx(4 * CACHE_HOURLY * 730, abs=0.01)
    assert "x 2 secondaries in us-west-2" in items["redis-global"].basis


def test_the_global_datastores_node_type_wins_over_the_primarys_and_its_own_replicas_count() -> None:
    # GIVEN a Global Datastore scaled to cache.r6g.xlarge, and a secondary with no replicas of its own
    secondary = _resource(
        CACHE, "redis-dr", "us-west-2", "aws-dr", globalReplicationGroupId="redis-global", replicasPerNodeGroup=0
    )
    items = _items([*_global_datastore(cacheNodeType="cache.r6g.xlarge"), secondary])
    # WHEN it is priced THEN it is 2 shards x 1 node of the global group's node type
    rate = price_table()["regions"]["us-west-2"]["elasticache"]["cache.r6g.xlarge"]
    assert items["redis-dr"].monthly_usd == pytest.approx(2 * rate * 730, abs=0.01)
    assert "node type from the Global Datastore's" in items["redis-dr"].basis


def test_a_secondary_is_matched_to_its_own_global_datastore_among_several() -> None:
    # GIVEN two Global Datastores, and a secondary naming the second by its id
    other = _resource(
        GLOBAL, "sessions-global", globalReplicationGroupIdSuffix="sessions", cacheNodeType="cache.m6g.large"
    )
    secondary = _resource(CACHE, "redis-dr", "us-west-2", "aws-dr", globalReplicationGroupId="ldgnf-redis-global")
    # WHEN they are priced
    items = _items([*_global_datastore(), other, secondary])
    # THEN it takes its own group's primary (cache.r6g.large), and only that group prices replication to it
    assert "cache.r6g.large" in items["redis-dr"].basis
    assert items["redis-global"].monthly_usd > 0 and "no secondary in the plan" in items["sessions-global"].basis


def test_a_secondary_whose_node_type_cannot_be_found_is_never_a_silent_zero() -> None:
    # GIVEN a secondary naming a Global Datastore the plan does not hold, with no node type of its own
    secondary = _resource(CACHE, "redis-dr", "us-west-2", "aws-dr", globalReplicationGroupId="ldgnf-elsewhere")
    # WHEN it is priced
    result = estimate([secondary], DEFAULTS["prod"])
    # THEN it is listed as not priced, saying what is missing, and the estimate reports it for a warning
    (item,) = result.items
    assert item.basis.startswith("not priced: Global Datastore secondary with no node type")
    assert result.unpriced() == [item]


def test_the_global_datastore_costs_the_replication_to_each_secondary_and_nothing_of_its_own() -> None:
    # GIVEN a Global Datastore with one secondary in us-west-2, and 100 GB replicated a month
    secondary = _resource(CACHE, "redis-dr", "us-west-2", "aws-dr", globalReplicationGroupId="ldgnf-redis-global")
    items = _items([*_global_datastore(), secondary], parse_usage("prod", ["cacheReplicationGb=100"]))
    # WHEN it is priced THEN it is 100 GB x $0.02 of inter-region transfer, all of it replication
    item = items["redis-global"]
    assert item.monthly_usd == pytest.approx(2.0) and item.replication_usd == pytest.approx(2.0)
    assert (
        item.basis.startswith("Global Datastore: no charge of its own")
        and "1 secondary in us-west-2 x $0.02/GB" in item.basis
    )


def test_a_global_datastore_with_no_secondary_is_free_and_says_so() -> None:
    # GIVEN a Global Datastore and its primary alone WHEN it is priced
    item = _items(_global_datastore())["redis-global"]
    # THEN nothing crosses regions, and its line says so
    assert item.monthly_usd == 0 and "nothing crosses regions" in item.basis


# Inter-region replication


def test_a_cross_region_read_replica_adds_its_write_volume_at_the_inter_region_rate() -> None:
    # GIVEN a read replica in us-west-2 of a us-east-1 database (named by ARN), 50 GB of changes a month
    replica = _resource(
        RDS,
        "postgres-dr",
        "us-west-2",
        "aws-dr",
        instanceClass="db.t3.medium",
        replicateSourceDb="arn:aws:rds:us-east-1:111122223333:db:finplatform-prod-postgres",
    )
    item = _items([replica], parse_usage("prod", ["dbReplicationGb=50"]))["postgres-dr"]
    # WHEN it is priced THEN it is the instance and storage plus 50 GB x $0.02, the transfer being replication
    assert item.monthly_usd == pytest.approx(730 * 0.072 + 20 * 0.115 + 1.0, abs=0.01)
    assert item.replication_usd == pytest.approx(1.0) and "50 GB replicated from us-east-1 x $0.02/GB" in item.basis


def test_a_same_region_read_replica_has_no_transfer() -> None:
    # GIVEN a read replica of a database in its own region, named by identifier WHEN it is priced
    primary = _resource(RDS, "postgres", instanceClass="db.t3.medium", identifier="finplatform-prod-postgres")
    replica = _resource(RDS, "replica", instanceClass="db.t3.medium", replicateSourceDb="finplatform-prod-postgres")
    item = _items([primary, replica])["replica"]
    # THEN it is priced as an instance alone
    assert item.replication_usd == 0 and "replicated" not in item.basis


def _bucket_replication(rule: dict[str, Any]) -> list[PricedResource]:
    destination = _resource(BUCKET, "data-dr", "us-west-2", "aws-dr", bucket="data-dr", arn="arn:aws:s3:::data-dr")
    config = _resource(S3_REPLICATION, "it", bucket="data", rules=[rule])
    return [destination, config]


@pytest.mark.parametrize(
    ("destination", "monthly", "says"),
    [
        ({"bucket": "arn:aws:s3:::data-dr"}, 100 * 0.02, "100 GB to data-dr (us-west-2) x $0.02/GB inter-region"),
        (
            {
                "bucket": "arn:aws:s3:::data-dr",
                "replicationTime": {"status": "Enabled", "time": {"minutes": 15}},
                "metrics": {"status": "Enabled", "eventThreshold": {"minutes": 15}},
            },
            100 * 0.02 + 100 * 0.015 + 4 * 0.30,
            "Replication Time Control 100 GB x $0.015/GB + 4 replication metrics x $0.3/month",
        ),
        ({"bucket": "arn:aws:s3:::elsewhere"}, 100 * 0.02, "assumed another"),
    ],
)
def test_bucket_replication_is_transfer_plus_replication_time_control_when_a_rule_enables_it(
    destination: dict[str, Any], monthly: float, says: str
) -> None:
    # GIVEN a replication rule to the DR bucket (plain, then with RTC and its metrics), or to a bucket the plan
    # does not show; 100 GB replicated a month
    resources = _bucket_replication({"id": "to-dr", "status": "Enabled", "destination": destination})
    # WHEN it is priced
    item = _items(resources, parse_usage("prod", ["s3ReplicationGb=100"]))["it"]
    # THEN it is the transfer, plus RTC's $0.015/GB and the metrics when enabled, all of it replication
    assert item.monthly_usd == pytest.approx(monthly) and item.replication_usd == pytest.approx(monthly)
    assert says in item.basis


def test_backup_copies_to_another_region_are_priced_per_copy_action() -> None:
    # GIVEN a plan copying each daily backup to a us-west-2 vault, and one keeping a same-region copy
    rule = {"ruleName": "daily", "targetVaultName": "vault"}
    cross = {"destinationVaultArn": "arn:aws:backup:us-west-2:111122223333:backup-vault:dr"}
    local = {"destinationVaultArn": "arn:aws:backup:us-east-1:111122223333:backup-vault:second"}
    items = _items(
        [
            _resource(BACKUP_PLAN, "to-dr", rules=[{**rule, "copyActions": [cross]}]),
            _resource(BACKUP_PLAN, "local", rules=[{**rule, "copyActions": [local]}]),
            _resource(BACKUP_PLAN, "plain", rules=[rule]),
        ],
        parse_usage("prod", ["backupCopyGb=40"]),
    )
    # WHEN they are priced THEN the cross-region copy is 40 GB x $0.02, and the others are free, saying why
    assert items["to-dr"].monthly_usd == pytest.approx(0.80) and items["to-dr"].replication_usd == pytest.approx(0.8)
    assert "1 cross-region copy action x 40 GB x $0.02/GB to us-west-2" in items["to-dr"].basis
    assert items["local"].monthly_usd == 0 and "no transfer charge" in items["local"].basis
    assert items["plain"].monthly_usd == 0 and "no charge of its own" in items["plain"].basis


def test_registry_replication_is_the_pushed_layers_plus_the_replicas_of_the_matching_repositories() -> None:
    # GIVEN two repositories, one under the rule's "app/" prefix, replicated to us-west-2
    repositories = [_resource(REPOSITORY, "app", name="app/web"), _resource(REPOSITORY, "tools", name="tools/ci")]
    rule = {
        "destinations": [{"region": "us-west-2", "registryId": "111122223333"}],
        "repositoryFilters": [{"filter": "app/", "filterType": "PREFIX_MATCH"}],
    }
    config = _resource(ECR_REPLICATION, "it", replicationConfiguration={"rules": [rule]})
    # WHEN it is priced for prod (5 GB pushed, 5 GB per repository)
    item = _items([*repositories, config])["it"]
    # THEN it is 5 GB x $0.02 plus one replica of 5 GB x $0.10, all of it replication
    assert item.monthly_usd == pytest.approx(5 * 0.02 + 5 * 0.10) and item.replication_usd == item.monthly_usd
    assert "to us-west-2: 5 GB pushed x $0.02/GB + 1 repository kept there x 5 GB x $0.1/GB" in item.basis


# Delivery


def _stage(name: str, *categories: str) -> dict[str, Any]:
    actions = [
        {"name": f"{name}-{n}", "category": c, "owner": "AWS", "provider": "x"} for n, c in enumerate(categories)
    ]
    return {"name": name, "actions": actions}


def test_a_v2_pipeline_is_billed_per_action_minute_and_approvals_are_free() -> None:
    # GIVEN a V2 pipeline: source, build and test, deploy to staging, a manual approval, deploy to prod
    stages = [
        _stage("Source", "Source"),
        _stage("Build", "Build", "Test"),
        _stage("Staging", "Deploy"),
        _stage("Approve", "Approval"),
        _stage("Prod", "Deploy"),
    ]
    # WHEN it is priced for 30 runs, 10-minute builds and 5-minute other actions
    item = _price(PIPELINE, pipelineType="V2", stages=stages)
    # THEN each run is 2 x 10 + 3 x 5 = 35 action minutes at $0.002, the approval free
    assert item.monthly_usd == pytest.approx(30 * 35 * 0.002)
    assert item.basis.startswith("V2 pipeline: 30 runs x 35 action minutes") and "1 approval/custom free" in item.basis


def test_a_v1_pipeline_is_one_dollar_when_active_and_free_when_it_never_runs() -> None:
    # GIVEN a V1 pipeline, with the default runs and with none WHEN it is priced
    active = _price(PIPELINE, stages=[_stage("Source", "Source")])
    idle = _price(PIPELINE, parse_usage("prod", ["pipelineRuns=0"]), stages=[_stage("Source", "Source")])
    # THEN it costs $1 a month when active, and nothing, saying why, when idle
    assert active.monthly_usd == pytest.approx(1.0) and "1 active pipeline x $1.0/month" in active.basis
    assert idle.monthly_usd == 0 and "inactive" in idle.basis


@pytest.mark.parametrize(
    ("environment", "monthly", "says"),
    [
        ({"computeType": "BUILD_GENERAL1_SMALL", "type": "LINUX_CONTAINER"}, 30 * 10 * 0.005, "30 builds x 10 min"),
        ({"computeType": "BUILD_GENERAL1_MEDIUM", "type": "LINUX_CONTAINER"}, 30 * 10 * 0.01, "$0.01/min"),
        ({"computeType": "BUILD_GENERAL1_SMALL", "type": "ARM_CONTAINER"}, 30 * 10 * 0.0034, "ARM_CONTAINER"),
        ({"computeType": "BUILD_GENERAL1_2XLARGE", "type": "LINUX_GPU_CONTAINER"}, 0, "not priced: no CodeBuild"),
    ],
)
def test_a_codebuild_project_is_billed_per_build_minute_by_compute_type(
    environment: dict[str, str], monthly: float, says: str
) -> None:
    # GIVEN a project on a compute type WHEN it is priced for 30 builds of 10 minutes
    item = _price(PROJECT, environment={**environment, "image": "aws/codebuild/standard:7.0"})
    # THEN it is the minutes at the type's rate, or, for a type the table lacks, listed as not priced
    assert item.monthly_usd == pytest.approx(monthly) and says in item.basis


@pytest.mark.parametrize(
    "type_",
    [
        "aws:codestarconnections/connection:Connection",
        "aws:codedeploy/application:Application",
        "aws:codedeploy/deploymentGroup:DeploymentGroup",
    ],
)
def test_connections_and_codedeploy_are_free_and_say_so(type_: str) -> None:
    # GIVEN a connection to the repository, or CodeDeploy's parts for ECS blue/green WHEN it is priced
    item = _price(type_, providerType="GitHub")
    # THEN it is $0 and says there is no charge
    assert item.monthly_usd == 0 and "no charge" in item.basis


def test_every_new_price_is_in_both_regions_with_its_source() -> None:
    # GIVEN the vendored price table WHEN the DR and delivery prices are read
    table = price_table()
    new = {
        "route53HealthCheckNonAwsMonth",
        "route53HealthCheckOptionMonth",
        "route53HealthCheckOptionNonAwsMonth",
        "route53QueriesMillion",
        "interRegionTransferGb",
        "s3RtcGb",
        "codepipelineV1Month",
        "codepipelineActionMinute",
    }
    # THEN each is in both regions with CodeBuild's rates, and names its source page and the date it was checked
    for region in table["regions"].values():
        assert new <= set(region["unit"]) and region["codebuild"]
    for key in [*new, "route53HealthCheckMonth", "codebuild"]:
        assert table["unitSources"][key]["url"].startswith("https://aws.amazon.com/")
        assert table["unitSources"][key]["checked"]
    assert set(table["freeSources"]) <= set(PRICERS)


def test_the_replication_and_delivery_usage_keys_have_modest_defaults_and_can_be_overridden() -> None:
    # GIVEN prod's defaults and entries for two of the new keys WHEN they are parsed
    usage = parse_usage("prod", ["dbReplicationGb=80", "pipelineRuns=60"])
    # THEN the entries win, and every default is a positive volume of tens of GB at most
    assert (usage.dbReplicationGb, usage.pipelineRuns) == (80, 60)
    for defaults in DEFAULTS.values():
        volumes = (
            defaults.dbReplicationGb,
            defaults.cacheReplicationGb,
            defaults.s3ReplicationGb,
            defaults.backupCopyGb,
            defaults.registryReplicationGb,
        )
        assert all(0 < gb <= 100 for gb in volumes)
        assert defaults.pipelineRuns > 0 and defaults.buildMinutesPerRun > 0 and defaults.actionMinutesPerRun > 0


# The standby subtotal


@pytest.mark.parametrize(
    ("name", "dr"),
    [
        ("aws-dr", True),
        ("dr-region", True),
        ("finplatform-prod-aws-dr", True),
        ("aws-primary", False),
        ("aws-edge", False),
        ("drain", False),
        ("", False),
    ],
)
def test_the_dr_provider_is_recognised_by_its_name(name: str, dr: bool) -> None:
    # GIVEN a provider name WHEN it is checked THEN only a DR one ("dr" as a word of the name) counts
    assert is_dr_provider(name) is dr


def _standby_stack() -> Estimate:
    replica = _resource(
        RDS,
        "postgres-dr",
        "us-west-2",
        "aws-dr",
        instanceClass="db.t3.medium",
        replicateSourceDb="arn:aws:rds:us-east-1:111122223333:db:finplatform-prod-postgres",
    )
    dr_key = _resource("aws:kms/key:Key", "dr-key", "us-west-2", "aws-dr")
    primary_key = _resource("aws:kms/key:Key", "key")
    edge_key = _resource("aws:kms/key:Key", "edge-key", provider="aws-edge")
    plan = _resource(
        BACKUP_PLAN,
        "plan",
        rules=[{"copyActions": [{"destinationVaultArn": "arn:aws:backup:us-west-2:111122223333:backup-vault:dr"}]}],
    )
    return estimate([replica, dr_key, primary_key, edge_key, plan], DEFAULTS["prod"])


def test_the_standby_is_the_dr_regions_lines_plus_the_replication_of_the_primarys() -> None:
    # GIVEN a DR replica and key declared by the DR provider, a primary and an edge key, and a backup plan in the
    # primary region copying to the DR region WHEN the estimate's standby is read
    result = _standby_stack()
    items = {i.urn.rsplit("::", 1)[-1]: i for i in result.items}
    standby = result.standby()
    # THEN it is the two DR lines in full plus the backup copy's transfer, nothing of the other keys
    expected = items["postgres-dr"].monthly_usd + items["dr-key"].monthly_usd + items["plan"].monthly_usd
    assert result.standby_usd() == pytest.approx(expected, abs=0.01)
    assert standby.resources == 2 and standby.regions == ("us-west-2",)
    # AND the replica's own transfer is counted with the replication, not with the region's resources
    assert standby.replication_usd == pytest.approx(items["postgres-dr"].replication_usd + items["plan"].monthly_usd)
    assert items["key"].urn not in standby.urns and items["edge-key"].urn not in standby.urns


def test_the_json_has_the_standby_beside_the_total() -> None:
    # GIVEN the estimate WHEN it is exported as the plan's JSON does
    document = _standby_stack().to_json()
    # THEN "standby" gives its total, how it splits, the count and regions, and the lines it counts
    standby = document["standby"]
    assert set(standby) == {"monthly_usd", "in_region_usd", "replication_usd", "resources", "regions", "urns"}
    assert standby["monthly_usd"] == pytest.approx(standby["in_region_usd"] + standby["replication_usd"])
    assert standby["regions"] == ["us-west-2"] and len(standby["urns"]) == 3


def test_the_engines_provider_reaches_the_standby() -> None:
    # GIVEN a key as the engine reports it, declared by the DR provider WHEN it is priced
    key = PricedResource.from_engine(
        f"{PREFIX}aws:kms/key:Key::k",
        "aws:kms/key:Key",
        "k",
        {},
        provider_properties={"region": "us-west-2"},
        provider_name="aws-dr",
    )
    (item,) = estimate([key], DEFAULTS["prod"]).items
    # THEN it is in the DR region and part of the standby
    assert item.region == "us-west-2" and item.standby


def test_the_plan_prints_one_standby_line_and_warns_of_what_it_could_not_price() -> None:
    # GIVEN a plan whose cost has a standby and a secondary cache it could not price
    secondary = _resource(CACHE, "redis-dr", "us-west-2", "aws-dr", globalReplicationGroupId="ldgnf-elsewhere")
    cost = estimate([*_standby_stack_resources(), secondary], DEFAULTS["prod"])
    plan = Plan(stack="prod", resources=[], derived={}, outputs={}, environment="prod", cost=cost)
    # WHEN its cost section is rendered
    lines = render_cost(plan).splitlines()
    # THEN one line gives the standby's monthly cost, its resources in the DR region and the replication transfer
    (line,) = [line for line in lines if line.startswith("DR standby:")]
    standby = cost.standby()
    assert line == (
        f"DR standby: ${standby.monthly_usd:,.2f}/month (3 resources in us-west-2: ${standby.in_region_usd:,.2f}; "
        f"replication transfer: ${standby.replication_usd:,.2f})"
    )
    # AND the secondary it could not price is named in a warning
    assert any(line.startswith("Warning: 1 resource(s) listed at $0.00") for line in lines)
    assert any(line.startswith("  - redis-dr: not priced: Global Datastore secondary") for line in lines)


def _standby_stack_resources() -> list[PricedResource]:
    return [
        _resource(RDS, "postgres-dr", "us-west-2", "aws-dr", instanceClass="db.t3.medium"),
        _resource("aws:kms/key:Key", "dr-key", "us-west-2", "aws-dr"),
        _resource("aws:kms/key:Key", "key"),
    ]


def test_a_stack_without_dr_says_it_has_no_standby() -> None:
    # GIVEN an estimate with nothing in a DR region and no replication WHEN its standby is described
    # THEN it costs nothing and the line says there is none
    result = estimate([_resource("aws:kms/key:Key", "key")], DEFAULTS["dev"])
    assert result.standby_usd() == 0
    assert result.standby().describe().startswith("DR standby: none")


def test_the_cost_doc_explains_the_standby_and_gives_each_stacks() -> None:
    # GIVEN a stack with a standby and one without WHEN the doc's standby section is rendered
    lines = standby_section({"dev": Estimate(), "prod": _standby_stack()})
    standby = _standby_stack().standby()
    # THEN it says how the standby is counted and why the transfer volumes are modest, then a row per stack
    text = " ".join(lines)
    assert "## The DR standby" in lines and "tens of GB, not terabytes" in text and "`cost.standby`" in text
    assert "| dev | $0.00 | $0.00 | $0.00 | none |" in lines
    assert (
        f"| prod | ${standby.monthly_usd:,.2f} | ${standby.in_region_usd:,.2f} | ${standby.replication_usd:,.2f} "
        "| 2 in us-west-2 |"
    ) in lines
