"""Environment profiles: the defaults each environment starts from (seed 000's environment strategy).

Every value here can be overridden per stack through the key of the same name in ``Pulumi.<stack>.yaml``.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Environment = Literal["dev", "staging", "prod"]
# Secrets Manager keeps a deleted secret restorable for 7 to 30 days.
SECRET_RECOVERY_DAYS_MINIMUM = 7
SECRET_RECOVERY_DAYS_PROTECTED = 30
NatStrategy = Literal["none", "single", "one-per-az"]


class Profile(BaseModel):
    """The resolved environment settings a stack deploys with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    az_count: int = Field(description="Availability zones the VPC spans.")
    nat_strategy: NatStrategy = Field(description="NAT gateways: none, one shared, or one per AZ.")
    multi_az: bool = Field(description="Data stores run a standby in a second AZ.")
    deletion_protection: bool = Field(description="Stateful resources refuse deletion until it is turned off.")
    protect_stateful_resources: bool = Field(description="Pulumi `protect` on stateful resources.")
    final_snapshot: bool = Field(description="Databases take a final snapshot when deleted.")
    backup_retention_days: int = Field(description="Automated backup retention.")
    log_retention_days: int = Field(description="CloudWatch log retention, flow logs included.")
    dr_enabled: bool = Field(description="Declare the DR region's provider and keys.")
    detailed_monitoring: bool = Field(description="Full monitoring: detailed metrics, insights, alarms.")
    key_deletion_window_days: int = Field(description="Waiting period before a deleted KMS key is destroyed.")
    tracing: bool = Field(description="X-Ray tracing: a daemon sidecar in each task, active tracing in functions.")
    interface_endpoints: bool = Field(
        description="VPC interface endpoints for the AWS APIs the workloads call, so that traffic stays off NAT."
    )
    audit_log_retention_days: int = Field(
        description="Retention of the audit log groups: CloudTrail, VPC flow logs and WAF request logs."
    )
    monthly_budget_usd: float = Field(
        description="The stack's monthly budget: the cost-guardrails pack checks the plan against it and an AWS "
        "Budgets budget alerts on real spend."
    )

    @property
    def secret_recovery_window_days(self) -> int:
        """Days a deleted secret can still be restored: the longest Secrets Manager allows where stateful
        resources are deletion-protected, else the shortest, so a dev stack can be rebuilt within a week."""
        return SECRET_RECOVERY_DAYS_PROTECTED if self.deletion_protection else SECRET_RECOVERY_DAYS_MINIMUM


# dev keeps two AZs: RDS subnet groups and ALBs refuse fewer, so "single AZ" in seed 000 means
# single-AZ data stores and one NAT gateway, not a one-AZ VPC.
PROFILES: dict[Environment, Profile] = {
    "dev": Profile(
        az_count=2,
        nat_strategy="single",
        multi_az=False,
        deletion_protection=False,
        protect_stateful_resources=False,
        final_snapshot=False,
        backup_retention_days=1,
        log_retention_days=7,
        dr_enabled=False,
        detailed_monitoring=False,
        key_deletion_window_days=7,
        tracing=False,
        interface_endpoints=False,
        audit_log_retention_days=90,
        monthly_budget_usd=300.0,
    ),
    "staging": Profile(
        az_count=2,
        nat_strategy="one-per-az",
        multi_az=True,
        deletion_protection=True,
        protect_stateful_resources=False,
        final_snapshot=True,
        backup_retention_days=7,
        log_retention_days=30,
        dr_enabled=False,
        detailed_monitoring=True,
        key_deletion_window_days=30,
        tracing=True,
        interface_endpoints=False,
        audit_log_retention_days=365,
        monthly_budget_usd=900.0,
    ),
    "prod": Profile(
        az_count=3,
        nat_strategy="one-per-az",
        multi_az=True,
        deletion_protection=True,
        protect_stateful_resources=True,
        final_snapshot=True,
        backup_retention_days=30,
        log_retention_days=30,
        dr_enabled=True,
        detailed_monitoring=True,
        key_deletion_window_days=30,
        tracing=True,
        interface_endpoints=True,
        audit_log_retention_days=365,
        monthly_budget_usd=2500.0,
    ),
}
