"""PostgreSQL on RDS."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.data.stores import DrReplica, StoreNetwork, admit_app_tier, store_group_args
from components.providers import Placement
from components.shared.connection import ConnectionInfo
from components.shared.iam import attach_managed, service_role
from components.shared.logs import encrypted_log_group
from finplatform.aws_limits import offers_performance_insights

# Not the engine's default 5432 (FSBP RDS.23): scans for PostgreSQL try that port first.
POSTGRES_PORT = 5433
RDS_CA = "rds-ca-rsa2048-g1"
ENHANCED_MONITORING_POLICY = "service-role/AmazonRDSEnhancedMonitoringRole"
LOG_EXPORTS = ("postgresql", "upgrade")


def postgres_parameters() -> list[aws.rds.ParameterGroupParameterArgs]:
    """TLS only, and enough logging to investigate slow or failed connections."""
    return [
        aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1"),
        aws.rds.ParameterGroupParameterArgs(name="log_connections", value="1"),
        aws.rds.ParameterGroupParameterArgs(name="log_min_duration_statement", value="1000"),
    ]


@dataclass(frozen=True)
class PostgresArgs:
    """Inputs of the PostgreSQL component."""

    identifier: str
    """RDS instance identifier; replicas append -replica-N and -dr."""
    placement: Placement
    """Primary region's provider, region and account."""
    network: StoreNetwork
    """VPC, isolated subnet group and the application tier's group."""
    data_key_arn: pulumi.Input[str]
    """KMS key for storage and Performance Insights."""
    secrets_key_arn: pulumi.Input[str]
    """KMS key for the RDS-managed master secret and the URL parameter."""
    logs_key_arn: pulumi.Input[str]
    """KMS key for the exported log groups."""
    parameter_path: str
    """SSM path under which the connection URL is stored."""
    instance_class: str = "db.t3.micro"
    """RDS instance class."""
    engine_version: str = "16"
    """PostgreSQL version; the major version picks the parameter group family."""
    database_name: str = "app"
    """Initial database."""
    allocated_storage_gb: int = 20
    """Initial gp3 storage."""
    max_allocated_storage_gb: int = 100
    """Storage autoscaling ceiling."""
    read_replicas: int = 0
    """In-region read replicas."""
    multi_az: bool = False
    """Standby in a second AZ."""
    deletion_protection: bool = True
    """RDS refuses to delete the instance."""
    final_snapshot: bool = True
    """Take a final snapshot on deletion."""
    protect: bool = False
    """Pulumi protect on the instances and their log groups."""
    backup_retention_days: int = 7
    """Automated backup retention."""
    log_retention_days: int = 30
    """Retention of the exported logs."""
    monitoring_interval_seconds: int = 60
    """Enhanced monitoring granularity (15 with detailed monitoring)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags of the instances, such as the backup-plan selection tag."""
    dr: DrReplica | None = None
    """Where the cross-region replica goes; none without DR."""
    restore_snapshot_arn: str = ""
    """Backup-and-restore failover: a new DR instance restored from this snapshot (there is no replica)."""
    promote_dr_replica: bool = False
    """Failover (activeRegion: dr): the DR replica is declared without a source, which promotes it to a
    standalone writer with its own backups and Multi-AZ standby."""


class Postgres(pulumi.ComponentResource):
    """PostgreSQL on RDS: Multi-AZ per profile, TLS forced, RDS-managed rotating master password, IAM
    authentication, Performance Insights, enhanced monitoring, log exports, read replicas and a DR replica."""

    connection: ConnectionInfo
    """Endpoint, port and master-secret ARN."""
    instance: aws.rds.Instance
    """The primary instance."""
    standby: ConnectionInfo | None
    """The DR replica's endpoint (the DR region's services use it); none without DR."""
    standby_resource_id: pulumi.Output[str] | None
    """The DR replica's resource id, for IAM database authentication in the DR region."""
    parameter_group_name: pulumi.Output[str]
    """The primary region's parameter group, whose changes RDS event subscriptions report."""
    dr_parameter_group_name: pulumi.Output[str] | None
    """The DR instance's parameter group; none without one."""
    instance_ids: list[pulumi.Output[str]]
    """The primary's and the in-region replicas' identifiers (RDS event subscriptions name them)."""
    dr_instance_id: pulumi.Output[str] | None
    """The DR instance's identifier; none without one."""

    def __init__(self, name: str, args: PostgresArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:data:Postgres", name, None, opts)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        major = args.engine_version.split(".")[0]

        group = admit_app_tier(f"{name}-sg", POSTGRES_PORT, args.network, self)
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            aws.rds.ParameterGroupArgs(
                family=f"postgres{major}", description="TLS only", parameters=postgres_parameters()
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.parameter_group_name = parameters.name
        self.dr_parameter_group_name = None
        log_groups = self._log_groups(name, args.identifier, args.logs_key_arn, args)
        monitoring = service_role(
            f"{name}-monitoring", "monitoring.rds.amazonaws.com", args.placement, "RDS enhanced monitoring", self
        )
        # AWS publishes the enhanced-monitoring permissions only as this managed policy.
        attach_managed(
            f"{name}-monitoring-policy", monitoring, args.placement.partition, ENHANCED_MONITORING_POLICY, self
        )
        insights = offers_performance_insights(args.instance_class)
        common: dict[str, Any] = {
            "port": POSTGRES_PORT,
            "instance_class": args.instance_class,
            "storage_encrypted": True,
            "kms_key_id": args.data_key_arn,
            "parameter_group_name": parameters.name,
            "vpc_security_group_ids": [group.id],
            "publicly_accessible": False,
            "performance_insights_enabled": insights,
            "performance_insights_kms_key_id": args.data_key_arn if insights else None,
            "performance_insights_retention_period": 7 if insights else None,
            "monitoring_interval": args.monitoring_interval_seconds,
            "monitoring_role_arn": monitoring.arn,
            "iam_database_authentication_enabled": True,
            "ca_cert_identifier": RDS_CA,
            "auto_minor_version_upgrade": True,
            "copy_tags_to_snapshot": True,
            "deletion_protection": args.deletion_protection,
            "tags": dict(args.tags),
        }
        self.instance = aws.rds.Instance(
            f"{name}-primary",
            aws.rds.InstanceArgs(
                identifier=args.identifier,
                engine="postgres",
                engine_version=args.engine_version,
                db_name=args.database_name,
                username="platform_admin",
                manage_master_user_password=True,
                master_user_secret_kms_key_id=args.secrets_key_arn,
                allocated_storage=args.allocated_storage_gb,
                max_allocated_storage=args.max_allocated_storage_gb,
                storage_type="gp3",
                multi_az=args.multi_az,
                db_subnet_group_name=args.network.subnet_group_name,
                backup_retention_period=args.backup_retention_days,
                backup_window="03:00-04:00",
                maintenance_window="sun:04:30-sun:05:30",
                enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
                skip_final_snapshot=not args.final_snapshot,
                final_snapshot_identifier=f"{args.identifier}-final" if args.final_snapshot else None,
                **common,
            ),
            opts=pulumi.ResourceOptions.merge(stateful, pulumi.ResourceOptions(depends_on=log_groups)),
        )
        self.instance_ids = [self.instance.identifier]
        for position in range(args.read_replicas):
            identifier = f"{args.identifier}-replica-{position + 1}"
            # A replica writes its own logs (RDS.9, RDS.36): into groups of its own, encrypted, declared first.
            replica_logs = self._log_groups(f"{name}-replica-{position + 1}", identifier, args.logs_key_arn, args)
            replica = aws.rds.Instance(
                f"{name}-replica-{position + 1}",
                aws.rds.InstanceArgs(
                    identifier=identifier,
                    replicate_source_db=self.instance.identifier,
                    skip_final_snapshot=True,
                    enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
                    **common,
                ),
                opts=pulumi.ResourceOptions.merge(stateful, pulumi.ResourceOptions(depends_on=replica_logs)),
            )
            self.instance_ids.append(replica.identifier)
        secret_arn = self.instance.master_user_secrets.apply(lambda secrets: str(secrets[0].secret_arn))
        self.standby, self.standby_resource_id, self.dr_instance_id = None, None, None
        if args.dr is not None:
            replica = self._dr_replica(name, args, args.dr, common)
            self.dr_instance_id = replica.identifier
            self.standby = ConnectionInfo(replica.address, POSTGRES_PORT, secret_arn)
            self.standby_resource_id = replica.resource_id

        aws.ssm.Parameter(
            f"{name}-url",
            aws.ssm.ParameterArgs(
                name=f"{args.parameter_path}/url",
                type="SecureString",
                key_id=args.secrets_key_arn,
                description="Connection URL without credentials; the password is in the RDS-managed secret.",
                value=pulumi.Output.concat(
                    "postgresql://",
                    self.instance.address,
                    f":{POSTGRES_PORT}/{args.database_name}",
                    "?sslmode=verify-full",
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.connection = ConnectionInfo(self.instance.address, POSTGRES_PORT, secret_arn)
        self.register_outputs({"endpoint": self.instance.address, "secretArn": secret_arn})

    def _log_groups(
        self,
        name: str,
        identifier: str,
        key_arn: pulumi.Input[str],
        args: PostgresArgs,
        provider: pulumi.ProviderResource | None = None,
    ) -> list[aws.cloudwatch.LogGroup]:
        """The encrypted groups RDS exports an instance's logs to, named as RDS names them."""
        return [
            encrypted_log_group(
                f"{name}-{log}-logs",
                f"/aws/rds/instance/{identifier}/{log}",
                key_arn,
                args.log_retention_days,
                parent=self,
                protect=args.protect,
                provider=provider,
            )
            for log in LOG_EXPORTS
        ]

    def _dr_replica(self, name: str, args: PostgresArgs, dr: DrReplica, common: dict[str, Any]) -> aws.rds.Instance:
        in_dr = pulumi.ResourceOptions(parent=self, provider=dr.placement.provider)
        group = aws.ec2.SecurityGroup(f"{name}-dr-sg", store_group_args(POSTGRES_PORT, dr.network), opts=in_dr)
        major = args.engine_version.split(".")[0]
        parameters = aws.rds.ParameterGroup(
            f"{name}-dr-params",
            aws.rds.ParameterGroupArgs(
                family=f"postgres{major}", description="TLS only", parameters=postgres_parameters()
            ),
            opts=in_dr,
        )
        self.dr_parameter_group_name = parameters.name
        dr_settings = {
            **common,
            "kms_key_id": dr.data_key_arn,
            "performance_insights_kms_key_id": dr.data_key_arn if common["performance_insights_enabled"] else None,
            "parameter_group_name": parameters.name,
            "vpc_security_group_ids": [group.id],
        }
        identifier = f"{args.identifier}-dr"
        # Promotion: the AWS provider promotes a replica whose source is removed. The writer it becomes (or the
        # one restored from a snapshot) keeps backups and a final snapshot like the primary, and a standby in a
        # second AZ per the profile.
        writer: dict[str, Any] = {
            "backup_retention_period": args.backup_retention_days,
            "backup_window": "03:00-04:00",
            "multi_az": args.multi_az,
            "skip_final_snapshot": not args.final_snapshot,
            "final_snapshot_identifier": f"{identifier}-final" if args.final_snapshot else None,
        }
        resource_name = f"{name}-dr-replica"
        if args.restore_snapshot_arn:
            role: dict[str, Any] = {**writer, "snapshot_identifier": args.restore_snapshot_arn}
            resource_name = f"{name}-dr-restored"
        elif args.promote_dr_replica:
            role = writer
        else:
            role = {"replicate_source_db": self.instance.arn, "skip_final_snapshot": True}
        # The DR instance exports its logs too (RDS.9, RDS.36), into DR-region groups under the DR logs key; the
        # groups keep their names through a promotion, since the identifier does not change.
        exported: list[aws.cloudwatch.LogGroup] = []
        if dr.logs_key_arn is not None:
            exported = self._log_groups(f"{name}-dr", identifier, dr.logs_key_arn, args, dr.placement.provider)
            role["enabled_cloudwatch_logs_exports"] = list(LOG_EXPORTS)
        return aws.rds.Instance(
            resource_name,
            aws.rds.InstanceArgs(
                identifier=identifier,
                db_subnet_group_name=dr.network.subnet_group_name,
                **role,
                **dr_settings,
            ),
            opts=pulumi.ResourceOptions.merge(in_dr, pulumi.ResourceOptions(protect=args.protect, depends_on=exported)),
        )
