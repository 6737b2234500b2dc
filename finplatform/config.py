"""Typed stack configuration: the ``finplatform:*`` keys of ``Pulumi.<stack>.yaml`` (and ``aws:region``),
validated by pydantic.

The same functions serve ``pulumi up`` (config from the Pulumi runtime) and the offline plan (config read
from the stack file the way the CLI reads it), so both fail the same way on the same mistake: one message
naming the stack file and the key, raised before any resource is declared.
"""

import ipaddress
import json
import typing
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from finplatform import PROJECT
from finplatform.catalog import LOG_RETENTION_DAYS
from finplatform.profiles import PROFILES, Environment, NatStrategy

AWS_REGIONS = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ca-central-1",
        "ca-west-1",
        "sa-east-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-east-1",
        "me-south-1",
        "me-central-1",
        "il-central-1",
        "af-south-1",
    }
)
# Namespaces a stack file may use besides the project's own: the engine's settings
# (for example pulumi:disable-default-providers).
FOREIGN_NAMESPACES_ALLOWED = ("pulumi",)
# The key every Pulumi AWS user sets the region with; the program reads it for its explicit providers.
AWS_REGION_KEY = "aws:region"
DEFAULT_REGION = "us-east-1"
DEFAULT_VPC_CIDR = "10.0.0.0/16"


def _check_region(value: str) -> str:
    if value not in AWS_REGIONS:
        raise ValueError(f"unknown AWS region {value!r}; allowed: {', '.join(sorted(AWS_REGIONS))}")
    return value


def _check_cidr(value: str) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"invalid CIDR {value!r} ({exc}); allowed: an IPv4 network such as 10.0.0.0/16") from None
    return str(network)


def _check_vpc_cidr(value: str) -> str:
    network = ipaddress.IPv4Network(_check_cidr(value))
    if not 16 <= network.prefixlen <= 28:
        raise ValueError(f"VPC CIDR {network} must be between /16 and /28, the sizes AWS allows")
    if not network.is_private:
        raise ValueError(
            f"VPC CIDR {network} is not a private range; allowed: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16"
        )
    return str(network)


def _check_retention(value: int | None) -> int | None:
    if value is not None and value not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"{value} is not a retention CloudWatch accepts; allowed: {', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    return value


Region = Annotated[str, AfterValidator(_check_region)]
Cidr = Annotated[str, AfterValidator(_check_cidr)]
PROFILE_DEFAULT = "Default: from the environment profile ({})."


def _profile_note(field: str) -> str:
    values = ", ".join(f"{env} {json.dumps(getattr(profile, field))}" for env, profile in PROFILES.items())
    return PROFILE_DEFAULT.format(values)


class StackConfig(BaseModel):
    """Every ``finplatform:`` key a stack file may set. Keys are camelCase in YAML."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=False)

    environment: Environment | None = Field(
        None,
        description="Environment profile the stack starts from: dev, staging or prod. "
        "Default: the stack's name when it is one of those; other stack names must set it.",
    )
    region: Region | None = Field(
        None,
        description="Primary AWS region; an alias of aws:region, which is the key to set "
        "(pulumi config set aws:region ...). Both may be set only to the same value. "
        f"Default: aws:region, else {DEFAULT_REGION}.",
    )
    dr_region: Region = Field("us-west-2", description="Disaster-recovery region, used when drEnabled is on.")
    dr_tier: Literal["backup-restore", "pilot-light", "warm-standby", "multi-site"] | None = Field(
        None,
        description="DR strategy, one of AWS's four: backup-restore, pilot-light, warm-standby (multi-site is "
        "refused: no seed's application writes in two regions). Default: the lowest tier the blueprint's RTO and "
        "RPO need; a stack may choose a higher one, never a lower one. Needs drEnabled.",
    )
    dr_restore_snapshot_arn: str = Field(
        "",
        pattern=r"^$|^arn:aws[a-z-]*:(rds|backup):[a-z0-9-]+:\d{12}:(snapshot|recovery-point):.+$",
        description="Backup-and-restore failover: the database snapshot (or AWS Backup recovery point) in the DR "
        "region that activeRegion dr restores the database from; needed then, ignored otherwise.",
    )
    active_region: Literal["primary", "dr"] = Field(
        "primary",
        description="Where the stack serves from. dr is the failover: the next pulumi up promotes the DR "
        "database replica, scales the DR services to their prod sizes and points DNS at the DR load balancer "
        "(docs/disaster-recovery.md); setting primary again, once the primary is rebuilt, is the failback.",
    )
    blueprint: str = Field("portfolio-analytics", description="Workload blueprint: the name of a file in blueprints/.")
    owner: str = Field(
        "platform-engineering", min_length=1, description="Owner tag: the team answerable for the stack."
    )
    cost_center: str = Field("finplatform", min_length=1, description="cost-center tag for chargeback.")
    data_classification: Literal["public", "internal", "confidential", "restricted"] = Field(
        "confidential", description="data-classification tag: the most sensitive data the stack holds."
    )
    vpc_cidr: Annotated[str | None, AfterValidator(lambda v: v if v is None else _check_vpc_cidr(v))] = Field(
        None,
        description=f"VPC IPv4 range, a private /16 to /28. Default: the blueprint's network.vpcCidr, else "
        f"{DEFAULT_VPC_CIDR}.",
    )
    dr_vpc_cidr: Annotated[str, AfterValidator(_check_vpc_cidr)] = Field(
        "10.1.0.0/16", description="DR-region VPC range, used when drEnabled is on; must not overlap vpcCidr."
    )
    availability_zones: list[str] = Field(
        default_factory=list, description="AZ names to use. Default: the first azCount AZs of the region (a, b, c...)."
    )
    subnet_prefix_length: int = Field(
        24,
        ge=16,
        le=28,
        description="Prefix length of derived subnets (one per tier per AZ) when no explicit CIDRs are given.",
    )
    public_subnet_cidrs: list[Cidr] = Field(
        default_factory=list, description="Explicit public-tier CIDRs, one per AZ. Default: derived (10.0.1.0/24, ...)."
    )
    private_subnet_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="Explicit private-tier CIDRs, one per AZ. Default: derived (10.0.11.0/24, ...).",
    )
    isolated_subnet_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="Explicit isolated-tier CIDRs, one per AZ. Default: derived (10.0.21.0/24, ...).",
    )
    az_count: int | None = Field(
        None, ge=2, le=6, description="Availability zones the VPC spans. " + _profile_note("az_count")
    )
    nat_strategy: NatStrategy | None = Field(
        None, description="NAT gateways: none, single or one-per-az. " + _profile_note("nat_strategy")
    )
    multi_az: bool | None = Field(
        None, description="Data stores keep a standby in another AZ. " + _profile_note("multi_az")
    )
    deletion_protection: bool | None = Field(
        None, description="Stateful resources refuse deletion. " + _profile_note("deletion_protection")
    )
    protect_stateful_resources: bool | None = Field(
        None, description="Pulumi protect on stateful resources. " + _profile_note("protect_stateful_resources")
    )
    final_snapshot: bool | None = Field(
        None, description="Databases take a final snapshot on deletion. " + _profile_note("final_snapshot")
    )
    backup_retention_days: int | None = Field(
        None,
        ge=1,
        le=35,
        description="Automated backup retention in days (1-35). " + _profile_note("backup_retention_days"),
    )
    log_retention_days: Annotated[int | None, AfterValidator(_check_retention)] = Field(
        None, description="CloudWatch log retention in days, flow logs included. " + _profile_note("log_retention_days")
    )
    dr_enabled: bool | None = Field(
        None, description="Declare the DR region's provider and keys. " + _profile_note("dr_enabled")
    )
    detailed_monitoring: bool | None = Field(
        None,
        description="Full monitoring: detailed metrics, insights and alarms. " + _profile_note("detailed_monitoring"),
    )
    key_deletion_window_days: int | None = Field(
        None,
        ge=7,
        le=30,
        description="Days before a deleted KMS key is destroyed (7-30). " + _profile_note("key_deletion_window_days"),
    )
    tracing: bool | None = Field(
        None, description="X-Ray tracing for services and functions. " + _profile_note("tracing")
    )
    interface_endpoints: bool | None = Field(
        None,
        description="VPC interface endpoints (ECR, Secrets Manager, KMS, Logs, SSM, STS, X-Ray) in the private "
        "tier, so the workloads' calls to AWS stay off the NAT gateways. " + _profile_note("interface_endpoints"),
    )
    alert_emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = Field(
        default_factory=list,
        description="Addresses every alert is mailed to, critical and warning (each confirms once). Not secret; "
        "a distribution list is better than a person.",
    )
    alert_sms_numbers: list[Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")]] = Field(
        default_factory=list, description="E.164 phone numbers (+15551234567) critical alerts are texted to."
    )
    slack_workspace_id: str = Field(
        "",
        pattern=r"^$|^T[A-Z0-9]{6,}$",
        description="Slack workspace (team) id for the AWS Chatbot alert channel, authorised once in the Chatbot "
        "console; set with slackChannelId.",
    )
    slack_channel_id: str = Field(
        "",
        pattern=r"^$|^[CG][A-Z0-9]{6,}$",
        validate_default=True,
        description="Slack channel id the alerts are posted to (seed 004); set with slackWorkspaceId.",
    )
    chatbot_region: Literal["us-east-2", "us-west-2", "eu-west-1", "ap-southeast-1"] = Field(
        "us-west-2",
        description="Region of the Chatbot configuration: its API runs only in these four; it takes topics from "
        "any region.",
    )

    @field_validator("slack_channel_id")
    @classmethod
    def _slack_together(cls, channel: str, info: ValidationInfo) -> str:
        if bool(channel) != bool(info.data.get("slack_workspace_id", "")):
            raise ValueError("slackWorkspaceId and slackChannelId go together: set both or neither")
        return channel

    audit_log_retention_days: Annotated[int | None, AfterValidator(_check_retention)] = Field(
        None,
        description="Retention in days of the audit log groups (CloudTrail, VPC flow logs, WAF request logs). "
        + _profile_note("audit_log_retention_days"),
    )
    overrides: list[str] = Field(
        default_factory=list,
        description="Blueprint field overrides as path=value, e.g. services.web-ui.sizes.prod.max=6.",
    )
    usage: list[str] = Field(
        default_factory=list,
        description="Cost-model usage assumptions as name=value, e.g. natProcessedGb=500; unset names take the "
        "environment's defaults (docs/cost.md).",
    )
    enable_cloudtrail: bool = Field(
        True, description="Declare the CloudTrail trail (off when another stack in the account already has one)."
    )
    enable_config: bool = Field(
        True,
        description="Declare the AWS Config recorder, delivery channel and rules "
        "(one recorder per account and region).",
    )
    enable_guardduty: bool = Field(True, description="Declare the GuardDuty detector (one per account and region).")
    enable_securityhub: bool = Field(
        True, description="Enable Security Hub with the FSBP standard (once per account and region)."
    )
    audit_lock_days: int = Field(
        2555,
        ge=1,
        le=36500,
        description="S3 Object Lock compliance-mode retention of the "
        "audit bucket in prod (7 years by default); other environments do not lock.",
    )
    certificate_arn: str = Field(
        "",
        description="ACM certificate for the load balancer's HTTPS listener. Without it (or a domain), the "
        "HTTPS listener and the services' routes are left out and the plan says so.",
    )
    domain_name: str = Field(
        "",
        description="Public domain (e.g. portfolio.example.com). With hostedZoneId it brings ACM certificates "
        "validated through DNS, the CloudFront distribution and the alias records; empty: no CDN.",
    )
    hosted_zone_id: str = Field(
        "",
        validate_default=True,
        description="Route 53 hosted zone that answers for domainName (e.g. Z0123456789ABCDEFGHIJ); "
        "set both or neither.",
    )

    @field_validator("hosted_zone_id")
    @classmethod
    def _domain_and_zone_together(cls, zone: str, info: ValidationInfo) -> str:
        domain = info.data.get("domain_name", "")
        if bool(domain) != bool(zone):
            raise ValueError("domainName and hostedZoneId go together: set both (for the CDN and DNS) or neither")
        if zone and not (zone.startswith("Z") and zone.isalnum()):
            raise ValueError(f"{zone!r} is not a Route 53 hosted zone ID (Z followed by letters and digits)")
        return zone

    waf_rate_limit: int = Field(
        2000, ge=100, le=2_000_000_000, description="Requests per 5 minutes from one IP before the web ACL blocks it."
    )
    eks_admin_role_arn: str = Field(
        "", description="IAM role granted cluster-admin through an EKS access entry (none when empty)."
    )
    monthly_budget_usd: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description="The stack's monthly budget in USD: the cost-guardrails pack checks the cost model against it "
        "(pack config, where an organisation sets one, wins) and the AWS Budgets budget alerts on real spend. "
        + _profile_note("monthly_budget_usd"),
    )
    size_tier: str = Field(
        "",
        description="Named size tier of the blueprint (e.g. startup, growth, scale for accunode). Default: the "
        "blueprint's sizes as written.",
    )
    eks_public_endpoint: bool = Field(
        False, description="Allow a public EKS API endpoint outside prod (never allowed in prod)."
    )

    @property
    def primary_region(self) -> str:
        """aws:region (or finplatform:region, its alias), else the default region."""
        return self.region or DEFAULT_REGION


class ConfigProblem(NamedTuple):
    key: str
    message: str


class ConfigError(Exception):
    """Invalid stack configuration: one message naming the stack file, the key and what is allowed."""

    def __init__(self, source: str, problems: list[ConfigProblem]) -> None:
        super().__init__(source, problems)
        self.source = source
        self.problems = problems

    def __str__(self) -> str:
        lines = [f"{p.key}: {p.message}" for p in self.problems]
        if len(lines) == 1:
            return f"invalid configuration in {self.source}: {lines[0]}"
        return f"invalid configuration in {self.source}:\n  " + "\n  ".join(lines)


def stack_file_name(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def _key(name: str) -> str:
    # A default that fails validation is reported under the Python name; the user knows the camelCase key.
    return f"{PROJECT}:{to_camel(name) if name in StackConfig.model_fields else name}"


def _is_list_field(field: str) -> bool:
    annotation = StackConfig.model_fields[field].annotation
    return typing.get_origin(annotation) is list


_FIELD_BY_ALIAS = {to_camel(name): name for name in StackConfig.model_fields}


def _pydantic_problems(error: ValidationError) -> list[ConfigProblem]:
    problems = []
    allowed_keys = ", ".join(_key(a) for a in _FIELD_BY_ALIAS)
    for item in error.errors():
        loc = item["loc"]
        key = _key(str(loc[0])) + "".join(f"[{part}]" for part in loc[1:] if isinstance(part, int))
        if item["type"] == "extra_forbidden":
            problems.append(ConfigProblem(key, f"unknown key; allowed keys: {allowed_keys}"))
            continue
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] not in ("value_error", "assertion_error"):
            message += f" (got {item['input']!r})"
        problems.append(ConfigProblem(key, message))
    return problems


def parse_stack_config(raw: dict[str, str], source: str) -> StackConfig:
    """Validate the raw ``namespace:key -> string`` map the Pulumi engine hands a program."""
    values: dict[str, Any] = {}
    problems: list[ConfigProblem] = []
    for full_key, value in raw.items():
        namespace, _, name = full_key.partition(":")
        if namespace in FOREIGN_NAMESPACES_ALLOWED:
            continue
        if full_key == AWS_REGION_KEY:
            continue
        if namespace != PROJECT:
            problems.append(
                ConfigProblem(
                    full_key,
                    f"unknown key; this project declares its providers explicitly and reads only {PROJECT}:* keys "
                    f"and {AWS_REGION_KEY}",
                )
            )
            continue
        field = _FIELD_BY_ALIAS.get(name)
        if field is not None and _is_list_field(field):
            try:
                values[name] = json.loads(value)
            except (json.JSONDecodeError, TypeError):
                problems.append(ConfigProblem(full_key, f"expected a list (got {value!r})"))
                continue
        else:
            values[name] = value
    if problems:
        raise ConfigError(source, problems)
    aws_region = raw.get(AWS_REGION_KEY)
    if aws_region is not None:
        own = values.get("region")
        if own is not None and own != aws_region:
            message = f"{own!r} differs from {AWS_REGION_KEY} ({aws_region!r}); set only {AWS_REGION_KEY}"
            raise ConfigError(source, [ConfigProblem(_key("region"), message)])
        try:
            _check_region(aws_region)
        except ValueError as exc:
            raise ConfigError(source, [ConfigProblem(AWS_REGION_KEY, str(exc))]) from None
        values["region"] = aws_region
    try:
        return StackConfig.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(source, _pydantic_problems(exc)) from None


def raw_config_from_runtime() -> dict[str, str]:
    """The config map of the running Pulumi program (set by the language host or by the offline plan)."""
    from pulumi.runtime import config as runtime_config

    merged: dict[str, str] = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return merged
