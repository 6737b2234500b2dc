"""Where every compute target's workloads run and log."""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.providers import Placement
from components.shared.logs import encrypted_log_group
from finplatform.profiles import Environment


@dataclass(frozen=True)
class Workplace:
    """The region, the private tier, the environment whose sizes apply, and how workloads' logs are kept."""

    placement: Placement
    """Primary region's provider, region and account."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """Private-tier subnets the workloads run in."""
    logs_key_arn: pulumi.Input[str]
    """KMS key of the workloads' log groups."""
    environment: Environment = "dev"
    """Which of each workload's per-environment sizes applies."""
    log_retention_days: int = 30
    """Retention of the workloads' logs."""
    protect_logs: bool = False
    """Pulumi protect on the log groups."""

    def log_group(self, name: str, log_name: str | None, parent: pulumi.Resource) -> aws.cloudwatch.LogGroup:
        """A workload's log group: the logs key, the retention and protection of the workplace."""
        return encrypted_log_group(
            name, log_name, self.logs_key_arn, self.log_retention_days, parent=parent, protect=self.protect_logs
        )
