"""Time-series stores for market data (seed 004): Timestream for InfluxDB, or Timestream LiveAnalytics.

Both were once one component, ``finplatform:data:TimeSeries``; each now aliases that type so that a stack
deployed before the split keeps its database.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.data.stores import StoreNetwork, admit_app_tier
from components.shared.connection import ConnectionInfo
from components.shared.rotation import rotation_tags
from components.shared.secrets import store_secret

INFLUX_PORT = 8086
FORMER_TYPE = "finplatform:data:TimeSeries"


def _with_former_type(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=FORMER_TYPE)]))


@dataclass(frozen=True)
class InfluxDbArgs:
    """Inputs of the InfluxDB store."""

    network: StoreNetwork
    """VPC and the application tier's group (the subnet group is unused: InfluxDB takes subnet ids)."""
    isolated_subnet_ids: pulumi.Input[Sequence[str]]
    """Isolated-tier subnets the instance is placed in."""
    secrets_key_arn: pulumi.Input[str]
    """KMS key of the administrator-password secret."""
    log_bucket: pulumi.Input[str] | None
    """Bucket InfluxDB delivers its logs to (the stack's access-log bucket, which admits the service); None:
    no log delivery (a standby in a region without such a bucket)."""
    secret_path: str
    """Secrets Manager path of the store, e.g. finplatform/prod/time-series."""
    bucket: str = "market_data"
    """InfluxDB bucket created with the instance."""
    instance_type: str = "db.influx.medium"
    """Timestream for InfluxDB instance type."""
    allocated_storage_gb: int = 20
    """Storage in GiB."""
    multi_az: bool = False
    """Run a standby in a second AZ."""
    protect: bool = False
    """Pulumi protect on the instance and its secret."""
    secret_recovery_window_days: int = 30
    """Days the password secret stays restorable after deletion."""
    secret_replica: tuple[str, pulumi.Input[str]] | None = None
    """(region, KMS key) the password secret is replicated to, for a standby instance there."""
    shared_credentials: "InfluxCredentials | None" = None
    """A standby's: the primary's password and its replica secret, so that the services of both regions log in
    with the one secret, which a failover does not change; None: a password of its own."""


@dataclass(frozen=True)
class InfluxCredentials:
    """An InfluxDB administrator password and the secret holding it."""

    password: pulumi.Output[str]
    """The generated password (a Pulumi secret)."""
    secret_arn: pulumi.Output[str]
    """Its Secrets Manager secret."""


class InfluxDb(pulumi.ComponentResource):
    """Timestream for InfluxDB in the isolated tier: Multi-AZ standby where the profile says so, the password
    generated into Secrets Manager, logs to the log bucket."""

    connection: ConnectionInfo
    """Endpoint, port and the password secret's ARN."""
    instance_name: pulumi.Output[str]
    """The instance's name (the DbInstanceName dimension of its metrics)."""
    credentials: InfluxCredentials
    """The administrator password and its secret."""

    def __init__(self, name: str, args: InfluxDbArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:data:InfluxDb", name, None, _with_former_type(opts))
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        group = admit_app_tier(f"{name}-sg", INFLUX_PORT, args.network, self)
        self.credentials = args.shared_credentials or self._own_credentials(name, args)
        instance = aws.timestreaminfluxdb.DbInstance(
            f"{name}-influxdb",
            aws.timestreaminfluxdb.DbInstanceArgs(
                db_instance_type=args.instance_type,
                allocated_storage=args.allocated_storage_gb,
                db_storage_type="InfluxIOIncludedT1",
                deployment_type="WITH_MULTIAZ_STANDBY" if args.multi_az else "SINGLE_AZ",
                bucket=args.bucket,
                organization="finplatform",
                username="platform_admin",
                password=self.credentials.password,
                vpc_subnet_ids=args.isolated_subnet_ids,
                vpc_security_group_ids=[group.id],
                publicly_accessible=False,
                log_delivery_configuration=aws.timestreaminfluxdb.DbInstanceLogDeliveryConfigurationArgs(
                    s3_configuration=aws.timestreaminfluxdb.DbInstanceLogDeliveryConfigurationS3ConfigurationArgs(
                        bucket_name=args.log_bucket,
                        enabled=True,
                    ),
                )
                if args.log_bucket is not None
                else None,
            ),
            opts=stateful,
        )
        self.connection = ConnectionInfo(instance.endpoint, INFLUX_PORT, self.credentials.secret_arn)
        self.instance_name = instance.name
        self.register_outputs({"endpoint": instance.endpoint, "secretArn": self.credentials.secret_arn})

    def _own_credentials(self, name: str, args: InfluxDbArgs) -> InfluxCredentials:
        replica = args.secret_replica
        secret, password = store_secret(
            f"{name}-credentials",
            f"{args.secret_path}/credentials",
            "InfluxDB administrator password",
            args.secrets_key_arn,
            recovery_window_days=args.secret_recovery_window_days,
            parent=self,
            protect=args.protect,
            generate=40,
            replicas=[aws.secretsmanager.SecretReplicaArgs(region=replica[0], kms_key_id=replica[1])]
            if replica
            else None,
            # No AWS API changes an InfluxDB password (it is changed through InfluxDB's own API, inside the
            # VPC, on the primary and its standby together), so the on-call rotates it by runbook.
            tags=rotation_tags("manual", "operator"),
        )
        assert password is not None
        return InfluxCredentials(password.result, secret.arn)


@dataclass(frozen=True)
class LiveAnalyticsArgs:
    """Inputs of the LiveAnalytics store."""

    data_key_arn: pulumi.Input[str]
    """KMS key of the database."""
    database: str = "market_data"
    """Database name."""
    table: str = "ticks"
    """Table name."""
    memory_retention_hours: int = 24
    """Memory-store retention (seed 004: 24 hours)."""
    magnetic_retention_days: int = 365
    """Magnetic-store retention (seed 004: one year)."""
    protect: bool = False
    """Pulumi protect on the database and table."""


class LiveAnalytics(pulumi.ComponentResource):
    """A Timestream LiveAnalytics database and table with the blueprint's retention, encrypted with the data key
    (for accounts that already have LiveAnalytics: it is closed to new AWS customers)."""

    def __init__(self, name: str, args: LiveAnalyticsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:data:LiveAnalytics", name, None, _with_former_type(opts))
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        database = aws.timestreamwrite.Database(
            f"{name}-database",
            aws.timestreamwrite.DatabaseArgs(database_name=args.database, kms_key_id=args.data_key_arn),
            opts=stateful,
        )
        aws.timestreamwrite.Table(
            f"{name}-table",
            aws.timestreamwrite.TableArgs(
                database_name=database.database_name,
                table_name=args.table,
                retention_properties=aws.timestreamwrite.TableRetentionPropertiesArgs(
                    memory_store_retention_period_in_hours=args.memory_retention_hours,
                    magnetic_store_retention_period_in_days=args.magnetic_retention_days,
                ),
            ),
            opts=stateful,
        )
        self.register_outputs({})
