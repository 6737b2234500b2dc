"""Typed stack configuration: the ``finplatform:*`` keys of ``Pulumi.<stack>.yaml`` (and ``aws:region``),
validated by pydantic.

The same functions serve ``pulumi up`` (config from the Pulumi runtime) and the offline plan (config read
from the stack file the way the CLI reads it), so both fail the same way on the same mistake: one message
naming the stack file and the key, raised before any resource is declared.
"""

import difflib
import ipaddress
import json
import re
import typing
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from finplatform import PROJECT
from finplatform.aws_limits import TAG_TEXT_ALLOWED, TAG_VALUE_MAX, bad_tag_characters
from finplatform.blueprint_checks import looks_secret
from finplatform.catalog import LOG_RETENTION_DAYS
from finplatform.profiles import PROFILES, Environment, NatStrategy
from finplatform.safe_yaml import shorten

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
        raise ValueError(f"unknown AWS region {shorten(value)}; allowed: {', '.join(sorted(AWS_REGIONS))}")
    return value


def _check_cidr(value: str) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        reason = f" ({exc})" if len(value) <= 40 else ""
        raise ValueError(
            f"invalid CIDR {shorten(value)}{reason}; allowed: an IPv4 network such as 10.0.0.0/16"
        ) from None
    return str(network)


def _check_vpc_cidr(value: str) -> str:
    network = ipaddress.IPv4Network(_check_cidr(value))
    if not 16 <= network.prefixlen <= 28:
        raise ValueError(f"VPC CIDR {network} must be between /16 and /28, the sizes AWS allows")
    # RFC 1918 only: ipaddress calls loopback, link-local and documentation ranges private too, and a VPC in
    # 127.0.0.0/8 or 169.254.0.0/16 (where the instance metadata service lives) cannot work.
    if not any(network.subnet_of(block) for block in RFC1918):
        raise ValueError(
            f"VPC CIDR {network} is not a private range; allowed: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16"
        )
    return str(network)


RFC1918 = tuple(ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def check_tag_value(value: str) -> str:
    """A value that becomes an AWS tag value as it is (owner, costCenter); what AWS takes is in aws_limits."""
    if len(value) > TAG_VALUE_MAX:
        raise ValueError(f"becomes a tag value, at most {TAG_VALUE_MAX} characters (got {shorten(value)})")
    bad = bad_tag_characters(value)
    if bad:
        raise ValueError(
            f"becomes a tag value, which allows {TAG_TEXT_ALLOWED}; {bad[0]!r} is not allowed (got {shorten(value)})"
        )
    return value


TagValue = Annotated[str, AfterValidator(check_tag_value)]
# A budget above this is no budget: the cost-guardrails pack could never fire.
MAX_MONTHLY_BUDGET_USD = 100_000_000
# Route 53 hosted zone ids are Z and upper-case letters and digits (Z0123456789ABCDEFGHIJ, Z2FDTNDATAQYW2).
HOSTED_ZONE_ID = re.compile(r"Z[A-Z0-9]{8,31}")
# RFC 1123 host names, lower case, with at least two labels, as Route 53 and ACM take them; no trailing dot.
DOMAIN_NAME = re.compile(r"(?=.{4,253}$)((?!-)[a-z0-9-]{1,63}(?<!-)\.)+(?!-)[a-z0-9-]{2,63}(?<!-)")
# An ACM certificate: arn:<partition>:acm:<region>:<account>:certificate/<id> (the id is a UUID).
CERTIFICATE_ARN = re.compile(
    r"arn:aws(?:-cn|-us-gov)?:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]{1,128}"
)
IAM_ROLE_ARN = r"^$|^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$"


def _check_domain(value: str) -> str:
    if value and not (DOMAIN_NAME.fullmatch(value) and not value.rsplit(".", 1)[-1].isdigit()):
        raise ValueError(
            f"{shorten(value)} is not a domain name; allowed: lower-case labels of letters, digits and hyphens "
            "joined by dots, such as portfolio.example.com (no scheme, path or trailing dot)"
        )
    return value


def _check_retention(value: int | None) -> int | None:
    if value is not None and value not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"{value} is not a retention CloudWatch accepts; allowed: {', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    return value


def _check_issuer(value: str) -> str:
    # API Gateway fetches the issuer's OpenID configuration over HTTPS, so only an https URL can work.
    if value and not re.fullmatch(r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?", value):
        raise ValueError(
            f"{value[:80]!r} is not an issuer URL; allowed: https://host[/path], as the identity provider's "
            "tokens name it in their iss claim"
        )
    return value


Region = Annotated[str, AfterValidator(_check_region)]
Cidr = Annotated[str, AfterValidator(_check_cidr)]
PROFILE_DEFAULT = "Default: from the environment profile ({})."


def _profile_note(field: str) -> str:
    values = ", ".join(f"{env} {json.dumps(getattr(profile, field))}" for env, profile in PROFILES.items())
    return PROFILE_DEFAULT.format(values)


class IndexedPolicy(NamedTuple):
    """What a waiver check needs of a policy: its pack and its severity."""

    pack: str
    severity: str


# Every pack's policies, generated by `python -m finplatform generate` (a test keeps it current), so that the
# program checks a waiver without importing the packs (and the cost model one of them carries).
POLICY_INDEX = Path(__file__).with_name("policy_index.json")
# AWS rejects what the aws-constraints pack finds at `pulumi up`, whatever a waiver says.
UNWAIVABLE_PACK = "aws_constraints"


@cache
def policy_rules() -> dict[str, IndexedPolicy]:
    """Every policy of the packs in ``policies/``, by name: the policies a waiver may name."""
    with POLICY_INDEX.open(encoding="utf-8") as handle:
        index: dict[str, dict[str, str]] = json.load(handle)
    return {name: IndexedPolicy(entry["pack"], entry["severity"]) for name, entry in index.items()}


def deploy_time_constraints() -> set[str]:
    """The aws-constraints pack's policies."""
    return {name for name, policy in policy_rules().items() if policy.pack == UNWAIVABLE_PACK}


WAIVER_KEYS = ("policy", "resource", "reason", "approvedBy", "expires")
_WAIVER_TEXT_LIMIT = 500


def _quoted(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_waiver(entry: Any) -> Any:
    """One ``policyWaivers`` entry as written: a mapping of the five keys, each text, the policy one the packs
    have and the expiry an ISO date. Checked here so that each message names what is wrong in the entry."""
    if not isinstance(entry, dict):
        raise ValueError(f"a waiver is a mapping of {', '.join(WAIVER_KEYS)} (got {_quoted(entry)})")
    unknown = [key for key in entry if key not in WAIVER_KEYS]
    if unknown:
        raise ValueError(f"unknown key {_quoted(unknown[0])}; a waiver has {', '.join(WAIVER_KEYS)}")
    missing = [key for key in WAIVER_KEYS if key not in entry]
    if missing:
        raise ValueError(
            f"missing {', '.join(missing)}; a waiver names the policy and the resource, and states the reason, "
            "who approved it (approvedBy) and when it expires (expires, an ISO date such as 2026-06-30)"
        )
    for key in WAIVER_KEYS:
        value = entry[key]
        if not isinstance(value, str) or not value.strip() or len(value) > _WAIVER_TEXT_LIMIT:
            raise ValueError(f"{key} must be text of 1 to {_WAIVER_TEXT_LIMIT} characters (got {_quoted(value)})")
    try:
        date.fromisoformat(entry["expires"])
    except ValueError:
        raise ValueError(f"expires must be an ISO date such as 2026-06-30 (got {_quoted(entry['expires'])})") from None
    rules = policy_rules()
    if entry["policy"] not in rules:
        close = difflib.get_close_matches(entry["policy"], list(rules), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"unknown policy {_quoted(entry['policy'])}{hint}; docs/policies.md lists every policy")
    if entry["policy"] in deploy_time_constraints():
        raise ValueError(
            f"{entry['policy']} is an AWS deploy-time constraint: AWS rejects the resource at pulumi up whatever a "
            "waiver says, so it cannot be waived; fix the resource"
        )
    return entry


class PolicyWaiver(BaseModel):
    """A policy finding accepted on purpose: one policy waived for one named resource until a date."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=False)

    policy: str
    resource: str
    reason: str
    approved_by: str
    expires: date


class StackConfig(BaseModel):
    """Every ``finplatform:`` key a stack file may set. Keys are camelCase in YAML."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=False, allow_inf_nan=False
    )

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
    owner: TagValue = Field(
        "platform-engineering", min_length=1, description="Owner tag: the team answerable for the stack."
    )
    cost_center: TagValue = Field("finplatform", min_length=1, description="cost-center tag for chargeback.")
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
    resource_usage: dict[str, Any] = Field(
        default_factory=dict,
        description="Per-resource usage assumptions, {logical name: {assumption: number}}, over finplatform:usage "
        "for that resource only; `python -m finplatform plan --sync-usage` writes every usage-priced resource with "
        "its current values. A name no usage-priced resource has, or an assumption its price does not read, is an "
        "error (docs/cost.md). Default: none.",
    )
    enable_cloudtrail: bool = Field(
        True, description="Declare the CloudTrail trail (off when another stack in the account already has one)."
    )
    enable_config: bool = Field(
        True,
        description="Declare the AWS Config recorder, delivery channel and rules "
        "(one recorder per account and region).",
    )
    config_service_linked_role: bool = Field(
        True,
        description="Declare AWSServiceRoleForConfig, the role the Config recorder uses (FSBP Config.1). It exists "
        "once per account: a second stack in the account sets false and uses the existing one.",
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

    @field_validator("certificate_arn")
    @classmethod
    def _certificate_in_the_region(cls, arn: str, info: ValidationInfo) -> str:
        if not arn:
            return arn
        match = CERTIFICATE_ARN.fullmatch(arn)
        if match is None:
            raise ValueError(
                f"{shorten(arn)} is not an ACM certificate ARN; allowed: "
                "arn:aws:acm:<region>:<account>:certificate/<id>"
            )
        if "region" in info.data:  # absent when the region itself was refused
            region = info.data["region"] or DEFAULT_REGION
            if match["region"] != region:
                raise ValueError(
                    f"the certificate is in {match['region']}, but the load balancer is in {region}: ACM "
                    f"certificates serve load balancers of their own region; request or import one in {region}"
                )
        return arn

    domain_name: Annotated[str, AfterValidator(_check_domain)] = Field(
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
        if "domain_name" not in info.data:  # the domain itself was refused: that is the message
            return zone
        domain = info.data["domain_name"]
        if bool(domain) != bool(zone):
            raise ValueError("domainName and hostedZoneId go together: set both (for the CDN and DNS) or neither")
        if zone and not HOSTED_ZONE_ID.fullmatch(zone):
            raise ValueError(
                f"{shorten(zone)} is not a Route 53 hosted zone ID; allowed: Z followed by 8 to 31 upper-case letters "
                "and digits, such as Z0123456789ABCDEFGHIJ (without /hostedzone/)"
            )
        return zone

    api_jwt_issuer: Annotated[str, AfterValidator(_check_issuer)] = Field(
        "",
        description="Issuer URL of the identity provider whose tokens the functions' HTTP APIs accept (a JWT "
        "authorizer; e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example); set with apiJwtAudience. "
        "Without both, an HTTP API that is not public has no route (nothing can call it) and the plan says so.",
    )
    api_jwt_audience: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        default_factory=list,
        validate_default=True,
        description="Audiences (client ids) a token must name for the HTTP APIs' JWT authorizer; set with "
        "apiJwtIssuer.",
    )

    @field_validator("api_jwt_audience")
    @classmethod
    def _issuer_and_audience_together(cls, audience: list[str], info: ValidationInfo) -> list[str]:
        if "api_jwt_issuer" in info.data and bool(info.data["api_jwt_issuer"]) != bool(audience):
            raise ValueError(
                "apiJwtIssuer and apiJwtAudience go together: set both (for the JWT authorizer) or neither"
            )
        return audience

    waf_rate_limit: int = Field(
        2000, ge=100, le=2_000_000_000, description="Requests per 5 minutes from one IP before the web ACL blocks it."
    )
    eks_admin_role_arn: str = Field(
        "",
        pattern=IAM_ROLE_ARN,
        description="IAM role granted cluster-admin through an EKS access entry (none when empty).",
    )
    monthly_budget_usd: float | None = Field(
        None,
        gt=0,
        le=MAX_MONTHLY_BUDGET_USD,
        allow_inf_nan=False,
        description="The stack's monthly budget in USD: the cost-guardrails pack checks the cost model against it "
        "(pack config, where an organisation sets one, wins) and the AWS Budgets budget alerts on real spend. "
        + _profile_note("monthly_budget_usd"),
    )
    policy_waivers: list[Annotated[PolicyWaiver, BeforeValidator(_check_waiver)]] = Field(
        default_factory=list,
        description="Policy findings accepted on purpose, each {policy, resource, reason, approvedBy, expires}: "
        "the policy is waived for the resource with that logical name (as the plan lists it) until the expiry "
        "date (ISO), from which day it is no waiver. The finding is still reported, as advisory, with the "
        "waiver; critical policies cannot be waived in prod (docs/policies.md). Default: none.",
    )

    @field_validator("policy_waivers")
    @classmethod
    def _one_waiver_per_finding(cls, waivers: list[PolicyWaiver]) -> list[PolicyWaiver]:
        seen: set[tuple[str, str]] = set()
        for position, waiver in enumerate(waivers):
            if (waiver.policy, waiver.resource) in seen:
                raise ValueError(f"[{position}] waives {waiver.policy} for {waiver.resource} a second time")
            seen.add((waiver.policy, waiver.resource))
        return waivers

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


# One message lists at most this many problems: fix those, and the next run shows the rest.
MAX_PROBLEMS_SHOWN = 10


class ConfigError(Exception):
    """Invalid stack configuration: one message naming the stack file, the key and what is allowed."""

    def __init__(self, source: str, problems: list[ConfigProblem]) -> None:
        super().__init__(source, problems)
        self.source = source
        self.problems = problems

    def __str__(self) -> str:
        lines = [f"{p.key}: {p.message}" if p.key else p.message for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"and {len(self.problems) - MAX_PROBLEMS_SHOWN:,} more problems")
        if len(lines) == 1:
            return f"invalid configuration in {self.source}: {lines[0]}"
        return f"invalid configuration in {self.source}:\n  " + "\n  ".join(lines)


def check_policy_waivers(config: StackConfig, environment: str, source: str) -> None:
    """Critical policies cannot be waived in prod: such a waiver is a config error, not a quiet no-op."""
    if environment != "prod":
        return
    rules = policy_rules()
    problems = [
        ConfigProblem(
            f"{PROJECT}:policyWaivers[{position}]",
            f"{waiver.policy} is a critical policy, which cannot be waived in prod; fix {waiver.resource} instead",
        )
        for position, waiver in enumerate(config.policy_waivers)
        if rules[waiver.policy].severity == "critical"
    ]
    if problems:
        raise ConfigError(source, problems)


def stack_file_name(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def _key(name: str) -> str:
    # A default that fails validation is reported under the Python name; the user knows the camelCase key.
    return f"{PROJECT}:{to_camel(name) if name in StackConfig.model_fields else name}"


def _json_collection(value: str) -> list[Any] | dict[str, Any] | None:
    """The list or mapping ``value`` is the JSON text of, else None."""
    if not value.startswith(("[", "{")):
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    return decoded if isinstance(decoded, list | dict) else None


def _collection_kind(field: str) -> type | None:
    """``list`` or ``dict`` for a field the engine hands over as JSON text, else None."""
    origin = typing.get_origin(StackConfig.model_fields[field].annotation)
    return origin if origin in (list, dict) else None


_FIELD_BY_ALIAS = {to_camel(name): name for name in StackConfig.model_fields}


# A message names at most this many unknown keys, then says how many more there are.
MAX_KEYS_NAMED = 5


def _written(key: str) -> str:
    """A key as the user wrote it, shortened if it is huge."""
    return key if len(key) <= 80 else shorten(key, 80)


def _named(keys: list[str]) -> str:
    """The first few keys as written, and how many more there are."""
    named = ", ".join(_written(key) for key in keys[:MAX_KEYS_NAMED])
    return named + (f" and {len(keys) - MAX_KEYS_NAMED:,} more" if len(keys) > MAX_KEYS_NAMED else "")


def _unknown_keys(keys: list[str], allowed: str) -> ConfigProblem:
    """One problem for any number of unknown keys: each named as written (the first few), the allowed keys once,
    and for one key, the key it was probably meant to be (a snake_case key's camelCase form)."""
    hint = ""
    if len(keys) == 1 and keys[0].startswith(f"{PROJECT}:"):
        name = keys[0].removeprefix(f"{PROJECT}:")
        camel = to_camel(name)
        if camel != name and camel in _FIELD_BY_ALIAS:
            hint = f"; did you mean {PROJECT}:{camel}? keys are camelCase"
        else:
            close = difflib.get_close_matches(name, list(_FIELD_BY_ALIAS), n=1, cutoff=0.8)
            hint = f"; did you mean {PROJECT}:{close[0]}?" if close else ""
        if looks_secret(name):
            hint += "; a secret never goes in the stack config: declare it in the blueprint's secrets: list"
    return ConfigProblem(_named(keys), f"unknown key{'s' if len(keys) > 1 else ''}{hint}; allowed keys: {allowed}")


def _pydantic_problems(error: ValidationError) -> list[ConfigProblem]:
    problems = []
    unknown: list[str] = []
    for item in error.errors():
        loc = item["loc"]
        if item["type"] == "extra_forbidden":
            unknown.append(f"{PROJECT}:{loc[0]}")  # as written: the alias generator would camelCase a snake_case key
            continue
        key = _key(str(loc[0])) + "".join(f"[{part}]" for part in loc[1:] if isinstance(part, int))
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] not in ("value_error", "assertion_error"):
            message += f" (got {shorten(item['input'])})"
        problems.append(ConfigProblem(key, message))
    if unknown:
        problems.insert(0, _unknown_keys(unknown, ", ".join(_key(a) for a in _FIELD_BY_ALIAS)))
    return problems


def _field_value(full_key: str, field: str | None, value: str) -> Any:
    """A key's value as the model takes it, or the ConfigProblem it is. The engine hands lists and mappings over
    as JSON text: a list or mapping field gets it decoded; one where a single value belongs is refused, never
    turned into a tag or a name as its JSON text."""
    kind = _collection_kind(field) if field is not None else None
    if kind is not None:
        try:
            decoded_value = json.loads(value)
        except (json.JSONDecodeError, TypeError):
            decoded_value = None
        if not isinstance(decoded_value, kind):
            expected = "a list" if kind is list else "a mapping"
            return ConfigProblem(full_key, f"expected {expected} (got {shorten(value)})")
        return decoded_value
    decoded = _json_collection(value) if field is not None else None
    if decoded is not None:
        written = "list" if isinstance(decoded, list) else "mapping"
        return ConfigProblem(
            full_key, f"expected a single value (text, a number or true/false), not a {written} (got {shorten(value)})"
        )
    return value


def parse_stack_config(raw: dict[str, str], source: str) -> StackConfig:
    """Validate the raw ``namespace:key -> string`` map the Pulumi engine hands a program."""
    values: dict[str, Any] = {}
    problems: list[ConfigProblem] = []
    foreign: list[str] = []
    for full_key, value in raw.items():
        namespace, _, name = full_key.partition(":")
        if namespace in FOREIGN_NAMESPACES_ALLOWED:
            continue
        if full_key == AWS_REGION_KEY:
            continue
        if namespace != PROJECT:
            foreign.append(full_key)
            continue
        read = _field_value(full_key, _FIELD_BY_ALIAS.get(name), value)
        if isinstance(read, ConfigProblem):
            problems.append(read)
        else:
            values[name] = read
    if foreign:
        message = (
            f"unknown key{'s' if len(foreign) > 1 else ''}; this project declares its providers explicitly and reads "
            f"only {PROJECT}:* keys and {AWS_REGION_KEY}"
        )
        problems.insert(0, ConfigProblem(_named(foreign), message))
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
