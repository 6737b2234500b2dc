"""Data layer: what the engine receives for PostgreSQL, Redis and the buckets, per profile."""

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.data.postgres import POSTGRES_PORT
from components.data.redis import Redis, RedisArgs
from components.data.stores import StoreNetwork
from finplatform.profiles import PROFILES
from finplatform.stack import resolve_stack
from finplatform.tooling.mocks import PlannedResource
from finplatform.tooling.plan import Plan
from tests.conftest import Engine

SG = "aws:ec2/securityGroup:SecurityGroup"
RDS = "aws:rds/instance:Instance"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"


def _one(plan: Plan, type_: str, name: str) -> PlannedResource:
    (found,) = [r for r in plan.named(type_) if r.name == name]
    return found


def test_postgres_is_multi_az_and_deletion_protected_in_prod_only(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod and dev stacks as planned WHEN their primary PostgreSQL instances reach the engine
    prod, dev = _one(planned("prod"), RDS, "postgres-primary"), _one(planned("dev"), RDS, "postgres-primary")
    # THEN prod is Multi-AZ, deletion-protected and protected, and dev is none of these
    assert (prod.inputs["multiAz"], prod.inputs["deletionProtection"], prod.protect) == (True, True, True)
    assert (dev.inputs["multiAz"], dev.inputs["deletionProtection"], dev.protect) == (False, False, False)
    # AND prod keeps 30 days of backups and a final snapshot, dev 1 day and no final snapshot
    assert prod.inputs["backupRetentionPeriod"] == 30 and dev.inputs["backupRetentionPeriod"] == 1
    assert prod.inputs["skipFinalSnapshot"] is False and prod.inputs["finalSnapshotIdentifier"]
    assert dev.inputs["skipFinalSnapshot"] is True


def test_postgres_credentials_are_managed_and_encrypted(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN its primary PostgreSQL instance reaches the engine
    plan = planned("prod")
    db = _one(plan, RDS, "postgres-primary")
    keys = plan.outputs["keyArns"]
    # THEN RDS manages the master password under the secrets key, IAM auth is on, storage and Performance
    # Insights use the data key, and the instance is private gp3 exporting its logs
    assert db.inputs["manageMasterUserPassword"] is True and "password" not in db.inputs
    assert db.inputs["masterUserSecretKmsKeyId"] == keys["secrets"]
    assert db.inputs["iamDatabaseAuthenticationEnabled"] is True
    assert db.inputs["storageEncrypted"] is True and db.inputs["kmsKeyId"] == keys["data"]
    assert db.inputs["performanceInsightsKmsKeyId"] == keys["data"]
    assert db.inputs["publiclyAccessible"] is False and db.inputs["storageType"] == "gp3"
    assert db.inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]


def test_postgres_parameter_group_forces_tls(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN the PostgreSQL parameter group reaches the engine
    group = _one(planned("prod"), "aws:rds/parameterGroup:ParameterGroup", "postgres-params")
    # THEN it sets rds.force_ssl to 1 for the postgres16 family
    assert {"rds.force_ssl": "1"}.items() <= {p["name"]: p["value"] for p in group.inputs["parameters"]}.items()
    assert group.inputs["family"] == "postgres16"


def test_prod_has_a_read_replica_and_a_dr_replica_in_the_dr_region(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN its PostgreSQL replicas reach the engine
    plan = planned("prod")
    # THEN a read replica follows the primary
    replica = _one(plan, RDS, "postgres-replica-1")
    assert replica.inputs["replicateSourceDb"] == "finplatform-prod-postgres"
    # AND a DR replica copies the primary by its ARN, on the DR-region provider with a DR-region key
    dr = _one(plan, RDS, "postgres-dr-replica")
    (dr_provider,) = [p for p in plan.named("pulumi:providers:aws") if p.inputs["region"] == "us-west-2"]
    assert dr.options["provider"].startswith(dr_provider.urn)
    assert dr.inputs["replicateSourceDb"].startswith("arn:aws:rds:us-east-1:")
    assert dr.inputs["kmsKeyId"].startswith("arn:aws:kms:us-west-2:")
    # AND dev has the primary only
    assert [r.name for r in planned("dev").named(RDS)] == ["postgres-primary"]


@pytest.mark.parametrize(
    ("group", "port"), [("postgres-sg", POSTGRES_PORT), ("redis-sg", 6379), ("postgres-dr-sg", POSTGRES_PORT)]
)
def test_data_stores_admit_only_the_application_tier(planned: Callable[[str], Plan], group: str, port: int) -> None:
    # GIVEN the prod stack WHEN its data-store security groups reach the engine
    plan = planned("prod")
    sg = _one(plan, SG, group)
    app_groups = {g.outputs["id"] for g in plan.named(SG) if g.name.endswith("network-app")}
    # THEN each admits one port, from the application tier's group only, and sends nothing out
    (rule,) = sg.inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["protocol"]) == (port, port, "tcp")
    assert set(rule["securityGroups"]) <= app_groups and rule["securityGroups"]
    assert not rule.get("cidrBlocks") and not rule.get("ipv6CidrBlocks")
    assert sg.inputs["egress"] == []


def test_data_stores_sit_in_the_isolated_tier(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN its database and cache subnet groups reach the engine
    plan = planned("prod")
    db_subnets = _one(plan, "aws:rds/subnetGroup:SubnetGroup", "network-db-subnets")
    # THEN the database subnet group holds exactly the isolated subnets and the database and cache use the
    # network's subnet groups
    assert db_subnets.inputs["subnetIds"] == plan.outputs["isolatedSubnetIds"]
    db = _one(plan, RDS, "postgres-primary")
    assert db.inputs["dbSubnetGroupName"] == db_subnets.outputs["name"]
    cache = _one(plan, CACHE, "redis-group")
    assert (
        cache.inputs["subnetGroupName"]
        == _one(plan, "aws:elasticache/subnetGroup:SubnetGroup", "network-cache-subnets").outputs["name"]
    )


def test_redis_is_encrypted_authenticated_and_fails_over_in_prod(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod and dev stacks as planned WHEN their Redis replication groups reach the engine
    prod, dev = _one(planned("prod"), CACHE, "redis-group"), _one(planned("dev"), CACHE, "redis-group")
    # THEN prod encrypts at rest and in transit, requires an auth token held as a secret, and runs two nodes with
    # automatic Multi-AZ failover
    assert prod.inputs["atRestEncryptionEnabled"] and prod.inputs["transitEncryptionEnabled"]
    assert prod.inputs["transitEncryptionMode"] == "required"
    assert prod.inputs["authToken"] == "[secret]"
    assert (
        prod.inputs["numCacheClusters"],
        prod.inputs["automaticFailoverEnabled"],
        prod.inputs["multiAzEnabled"],
    ) == (2, True, True)
    # AND dev runs one node without failover
    assert (dev.inputs["numCacheClusters"], dev.inputs["automaticFailoverEnabled"]) == (1, False)


def test_redis_cluster_mode_follows_seed_004(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN seed 004's cache: 3 shards with 2 replicas each on cache.r6g.large
    def declare() -> None:
        Redis(
            "redis",
            RedisArgs(
                node_type="cache.r6g.large",
                shards=3,
                replicas_per_shard=2,
                engine_version="7.1",
                multi_az=True,
                network=StoreNetwork("vpc-1", "cache-subnets", "sg-app"),
                data_key_arn="arn:data",
                secrets_key_arn="arn:secrets",
                logs_key_arn="arn:logs",
                secret_path="finplatform/test/redis",
            ),
            opts=pulumi.ResourceOptions(),
        )

    # WHEN the cache is declared
    engine.declare(declare)
    group = engine.one(CACHE)
    # THEN cluster mode is on with six nodes and failover across AZs
    assert (group.inputs["numNodeGroups"], group.inputs["replicasPerNodeGroup"]) == (3, 2)
    assert group.inputs["clusterMode"] == "enabled" and group.inputs["automaticFailoverEnabled"] is True
    assert "numCacheClusters" not in group.inputs


def _bucket_parts(plan: Plan, bucket: str) -> dict[str, PlannedResource]:
    return {
        r.type.split(":")[-1]: r
        for r in plan.resources
        if r.name.startswith(f"storage-{bucket}") and not r.name.startswith(f"storage-{bucket}-dr")
    }


@pytest.mark.parametrize("bucket", ["portfolio-data", "audit-trail", "static-assets", "access-logs"])
def test_every_bucket_is_encrypted_private_versioned_and_tls_only(planned: Callable[[str], Plan], bucket: str) -> None:
    # GIVEN the prod stack as planned WHEN this bucket's parts reach the engine
    parts = _bucket_parts(planned("prod"), bucket)
    # THEN it is KMS-encrypted with a bucket key, blocks all public access, enforces the owner, is versioned,
    # denies non-TLS requests, expires old versions, aborts stale uploads, and logs unless it is the log bucket
    rule = parts["BucketServerSideEncryptionConfiguration"].inputs["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms" and rule["bucketKeyEnabled"]
    block = parts["BucketPublicAccessBlock"].inputs
    assert all(block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    assert parts["BucketOwnershipControls"].inputs["rule"]["objectOwnership"] == "BucketOwnerEnforced"
    assert parts["BucketVersioning"].inputs["versioningConfiguration"]["status"] == "Enabled"
    statements = json.loads(parts["BucketPolicy"].inputs["policy"])["Statement"]
    assert statements[0]["Effect"] == "Deny" and statements[0]["Condition"]["Bool"]["aws:SecureTransport"] == "false"
    rules = parts["BucketLifecycleConfiguration"].inputs["rules"]
    assert rules[0]["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7
    assert rules[0]["noncurrentVersionExpiration"]["noncurrentDays"] > 0
    assert ("BucketLogging" in parts) == (bucket != "access-logs")  # the log bucket does not log to itself


def test_prod_audit_bucket_has_object_lock_in_compliance_mode(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod and dev stacks as planned WHEN their audit bucket's parts reach the engine
    prod = _bucket_parts(planned("prod"), "audit-trail")
    # THEN prod locks objects for seven years in compliance mode and keeps old versions longer than the lock
    retention = prod["BucketObjectLockConfiguration"].inputs["rule"]["defaultRetention"]
    assert retention == {"mode": "COMPLIANCE", "days": 2555}
    assert prod["Bucket"].inputs["objectLockEnabled"] is True
    noncurrent = prod["BucketLifecycleConfiguration"].inputs["rules"][0]["noncurrentVersionExpiration"]
    assert noncurrent["noncurrentDays"] > 2555, "versions must outlive the lock"
    # AND dev has no object lock
    assert "BucketObjectLockConfiguration" not in _bucket_parts(planned("dev"), "audit-trail")


def test_prod_replicates_critical_buckets_to_the_dr_region(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack as planned WHEN its bucket replication configurations reach the engine
    plan = planned("prod")
    replications = {r.name: r for r in plan.named("aws:s3/bucketReplicationConfig:BucketReplicationConfig")}
    # THEN only the audit and portfolio-data buckets replicate, with a DR-region key
    assert sorted(replications) == ["storage-audit-trail-replication", "storage-portfolio-data-replication"]
    rule = replications["storage-portfolio-data-replication"].inputs["rules"][0]
    assert rule["destination"]["encryptionConfiguration"]["replicaKmsKeyId"].startswith("arn:aws:kms:us-west-2:")
    assert plan.named("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    # AND dev replicates nothing
    assert planned("dev").named("aws:s3/bucketReplicationConfig:BucketReplicationConfig") == []


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_secret_value_reaches_the_engine_in_plain_inputs(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack's generated secret values (random passwords), which the engine holds only as secrets
    plan = planned(stack)
    generated = plan.named("random:index/randomPassword:RandomPassword")
    assert generated and {r.outputs["result"] for r in generated} == {"[secret]"}
    # WHEN every resource's inputs reach the engine
    # THEN no input of any resource carries a password or token in plain text
    assert plan.resources
    for resource in plan.resources:
        for key in ("password", "authToken", "secretString", "masterPassword"):
            assert resource.inputs.get(key, "[secret]") == "[secret]", (resource.name, key)
        assert not any(s.startswith("mock-value-") for s in _strings(resource.inputs)), resource.name


def _time_series(engine_name: str, provider: Callable[[], aws.Provider]) -> None:
    from components.data.time_series import InfluxDb, InfluxDbArgs, LiveAnalytics, LiveAnalyticsArgs

    provider()
    if engine_name == "liveanalytics":
        LiveAnalytics("time-series", LiveAnalyticsArgs(data_key_arn="arn:data", protect=True))
        return
    InfluxDb(
        "time-series",
        InfluxDbArgs(
            network=StoreNetwork("vpc-1", "db-subnets", "sg-app"),
            isolated_subnet_ids=["subnet-a", "subnet-b"],
            secrets_key_arn="arn:secrets",
            log_bucket="access-logs",
            secret_path="finplatform/test/time-series",
            instance_type="db.influx.medium",
            multi_az=True,
            protect=True,
        ),
    )


def test_influxdb_is_isolated_multi_az_and_its_password_is_a_secret(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN seed 004's time-series store on the default engine, in prod WHEN it is declared
    engine.declare(lambda: _time_series("influxdb", provider))
    db = engine.one("aws:timestreaminfluxdb/dbInstance:DbInstance")
    # THEN it sits in the isolated subnets, admits only the app tier, has a standby, and logs to the log bucket
    assert db.inputs["vpcSubnetIds"] == ["subnet-a", "subnet-b"] and db.inputs["publiclyAccessible"] is False
    assert db.inputs["deploymentType"] == "WITH_MULTIAZ_STANDBY" and db.protect
    assert db.inputs["password"] == "[secret]"
    assert db.inputs["logDeliveryConfiguration"]["s3Configuration"] == {"bucketName": "access-logs", "enabled": True}
    (rule,) = engine.one(SG).inputs["ingress"]
    assert (rule["fromPort"], rule["securityGroups"]) == (8086, ["sg-app"])
    assert engine.one("aws:secretsmanager/secret:Secret").inputs["kmsKeyId"] == "arn:secrets"


def test_liveanalytics_keeps_seed_004_retention_with_the_data_key(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN seed 004's time-series store on LiveAnalytics WHEN it is declared
    engine.declare(lambda: _time_series("liveanalytics", provider))
    # THEN the database uses the data key and the table keeps 24 hours in memory and 365 days on magnetic storage
    assert engine.one("aws:timestreamwrite/database:Database").inputs["kmsKeyId"] == "arn:data"
    retention = engine.one("aws:timestreamwrite/table:Table").inputs["retentionProperties"]
    assert retention == {"memoryStoreRetentionPeriodInHours": 24, "magneticStoreRetentionPeriodInDays": 365}
    # AND no InfluxDB instance is declared
    assert engine.of_type("aws:timestreaminfluxdb/dbInstance:DbInstance") == []


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_data_stores_follow_each_environment_profile(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack's environment profile
    profile = PROFILES[stack]  # type: ignore[index]
    plan = planned(stack)
    # WHEN its data stores reach the engine
    db, cache = _one(plan, RDS, "postgres-primary"), _one(plan, CACHE, "redis-group")
    # THEN redundancy, retention and protection are the profile's
    assert db.inputs["multiAz"] is profile.multi_az
    assert db.inputs["backupRetentionPeriod"] == profile.backup_retention_days
    assert db.inputs["deletionProtection"] is profile.deletion_protection
    assert db.protect is profile.protect_stateful_resources and cache.protect is profile.protect_stateful_resources
    assert cache.inputs["snapshotRetentionLimit"] == min(profile.backup_retention_days, 35)
    assert cache.inputs["multiAzEnabled"] is (cache.inputs["numCacheClusters"] > 1 and profile.multi_az)
    lock = [r for r in plan.named("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")]
    assert bool(lock) is (stack == "prod")


def test_cloudfront_serves_the_assets_bucket_only_once_the_stack_has_a_domain() -> None:
    # GIVEN the default blueprint, with and without a domain WHEN a dev stack resolves each way
    domain = {"finplatform:domainName": "portfolio.example.com", "finplatform:hostedZoneId": "Z0123456789ABCDEFGHIJ"}
    # THEN only the stack with a domain serves its assets bucket through CloudFront
    assert resolve_stack("dev", domain).cdn_assets_bucket == "static-assets"
    assert resolve_stack("dev", {}).cdn_assets_bucket is None


LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def test_every_replica_exports_its_logs_into_encrypted_groups_declared_first(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack, with a read replica and a DR replica
    plan = planned("prod")
    keys = plan.outputs["keyArns"]
    groups = {g.inputs["name"]: g for g in plan.named(LOG_GROUP) if g.inputs.get("name")}
    for name, region in (("postgres-replica-1", "us-east-1"), ("postgres-dr-replica", "us-west-2")):
        # WHEN each replica reaches the engine
        replica = _one(plan, RDS, name)
        identifier = replica.inputs["identifier"]
        # THEN it exports the primary's logs (RDS.9, RDS.36) into groups named as RDS names them, encrypted with
        # the logs key of its own region, kept like the primary's, and declared before it
        assert replica.inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
        for log in ("postgresql", "upgrade"):
            group = groups[f"/aws/rds/instance/{identifier}/{log}"]
            key = group.inputs["kmsKeyId"]
            assert key.startswith(f"arn:aws:kms:{region}:") and (region != "us-east-1" or key == keys["logs"])
            assert group.protect and group.urn in replica.dependencies + list(replica.options.get("dependsOn") or [])


def test_dr_replica_buckets_log_to_an_access_log_bucket_in_the_dr_region(planned: Callable[[str], Plan]) -> None:
    # GIVEN the prod stack, whose data and audit buckets replicate to us-west-2
    plan = planned("prod")
    (dr_provider,) = [p for p in plan.named("pulumi:providers:aws") if p.inputs["region"] == "us-west-2"]
    buckets = {b.name: b for b in plan.named("aws:s3/bucket:Bucket")}
    logging = {r.name: r for r in plan.named("aws:s3/bucketLogging:BucketLogging")}
    # WHEN the DR log bucket and the replicas' logging reach the engine
    dr_logs = buckets["storage-dr-access-logs"]
    # THEN the log bucket is in the DR region, protected, and each replica logs to it (S3.9: S3 logs only to a
    # bucket in the logged bucket's region), under its own folder
    assert dr_logs.options["provider"].startswith(dr_provider.urn) and dr_logs.protect
    replicas = [name for name in buckets if name.endswith("-dr")]
    assert replicas
    for name in replicas:
        assert logging[f"{name}-logging"].inputs["targetBucket"] == dr_logs.outputs.get(
            "bucket", logging[f"{name}-logging"].inputs["targetBucket"]
        )
        assert logging[f"{name}-logging"].inputs["targetPrefix"] == f"{name}/"
        assert "storage-access-logs" not in str(logging[f"{name}-logging"].inputs["targetBucket"])
    # AND dev, without DR, has no such bucket
    assert "storage-dr-access-logs" not in {b.name for b in planned("dev").named("aws:s3/bucket:Bucket")}
