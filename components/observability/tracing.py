"""X-Ray: a group and a sampling rule per service, so each service's traces can be searched and its share of
traced requests set apart from the others'."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# X-Ray names groups and sampling rules in at most 32 characters.
MAX_XRAY_NAME = 32
# Rules are tried in priority order before the default rule (priority 10000).
FIRST_PRIORITY = 1000


def xray_name(stack: str, service: str) -> str:
    """<stack>-<service> when it fits X-Ray's 32 characters, else a shortened form kept unique by a hash."""
    name = f"{stack}-{service}"
    if len(name) <= MAX_XRAY_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: MAX_XRAY_NAME - len(digest) - 1]}-{digest}"


@dataclass(frozen=True)
class TracingArgs:
    """Inputs of the tracing configuration."""

    stack: str
    """The stack's name; group and rule names start with it."""
    services: Sequence[str]
    """Services and functions that send traces, under their own names."""
    sampled_fraction: float = 0.05
    """Share of requests traced beyond the reservoir."""
    reservoir_per_second: int = 1
    """Requests traced each second before the fixed rate applies; at steady prod traffic a reservoir of one
    records about 2.6 million traces a month per service on its own, so prod relies on the rate."""


class Tracing(pulumi.ComponentResource):
    """Per service: an X-Ray group filtering its traces and a sampling rule for its requests."""

    def __init__(self, name: str, args: TracingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:observability:Tracing", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for position, service in enumerate(args.services):
            short = xray_name(args.stack, service)
            aws.xray.Group(
                f"{name}-{service}-group",
                aws.xray.GroupArgs(group_name=short, filter_expression=f'service("{service}")'),
                opts=child,
            )
            aws.xray.SamplingRule(
                f"{name}-{service}-sampling",
                aws.xray.SamplingRuleArgs(
                    rule_name=short,
                    priority=FIRST_PRIORITY + position,
                    service_name=service,
                    fixed_rate=args.sampled_fraction,
                    reservoir_size=args.reservoir_per_second,
                    host="*",
                    http_method="*",
                    url_path="*",
                    resource_arn="*",
                    service_type="*",
                    version=1,
                ),
                opts=child,
            )
        self.register_outputs({})
