"""What every layer function of ``build`` receives: the stack, where it deploys, how its resources are named,
and its keys."""

from dataclasses import dataclass, field

import pulumi

from components.keys_and_secrets import KeyDomain, Keys
from components.providers import Placement
from finplatform import PROJECT
from finplatform.profiles import Profile
from finplatform.stack import ResolvedStack


@dataclass(frozen=True)
class KeyRing:
    """Hands out the ARN of a region's key for a data domain."""

    primary: Keys
    """The primary region's keys."""
    dr: Keys | None = None
    """The DR region's keys, where the profile enables DR."""

    def __call__(self, domain: KeyDomain) -> pulumi.Output[str]:
        return self.primary.arn(domain)

    def optional(self, domain: KeyDomain) -> pulumi.Output[str] | None:
        """The primary key for ``domain`` when the workload has one."""
        return self.primary.arns.get(domain)

    def dr_arn(self, domain: KeyDomain) -> pulumi.Output[str] | None:
        """The DR region's key for ``domain``; None without DR."""
        return self.dr.arn(domain) if self.dr is not None else None


@dataclass(frozen=True)
class StackContext:
    """A stack being built: its resolved config, its placements, its name prefix and its key ring."""

    stack: ResolvedStack
    """The validated config with profile, blueprint and network layout."""
    primary: Placement
    """Provider, region and account of the primary region."""
    dr: Placement | None
    """The DR region's, where the profile enables DR."""
    keys: KeyRing
    """Key ARNs by domain."""

    @property
    def profile(self) -> Profile:
        return self.stack.profile

    @property
    def prefix(self) -> str:
        """Physical names start with it: finplatform-<stack>."""
        return self.stack.prefix

    @property
    def path(self) -> str:
        """Secrets Manager and SSM paths start with it: finplatform/<stack>."""
        return f"{PROJECT}/{self.stack.stack}"

    @property
    def in_primary(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(provider=self.primary.provider)


@dataclass
class Monitored:
    """What the layers declared that the observability layer watches, filled in as they declare it."""

    handles: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    """Names and ids by the handle the alarm catalogue uses (finplatform.alerting.Handle)."""
    log_groups: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    """Each service's log group name, for its error metric filter."""
