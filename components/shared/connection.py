"""The contract between the data layer and the workloads that use it."""

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class ConnectionInfo:
    """What the compute layer needs to reach a store."""

    endpoint: pulumi.Output[str]
    """Host name of the store."""
    port: int
    """TCP port of the store."""
    secret_arn: pulumi.Output[str]
    """Secret holding the store's credentials."""
