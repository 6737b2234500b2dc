"""Typed stack configuration: the ``finplatform:*`` keys of ``Pulumi.<stack>.yaml``, validated by pydantic.

The same functions serve ``pulumi up`` (config from the Pulumi runtime) and the offline plan (config read
from the stack file the way the CLI reads it), so both fail the same way on the same mistake: one message
naming the stack file and the key, raised before any resource is declared.
"""

import ipaddress
import json
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from finplatform import PROJECT, ROOT
from finplatform.blueprints import Blueprint, available_blueprints, read_blueprint_document
from finplatform.catalog import LOG_RETENTION_DAYS
from finplatform.cost.usage import UsageError, parse_usage
from finplatform.network_layout import (
    LayoutError,
    NetworkPlan,
    check_explicit_subnets,
    default_availability_zones,
    derive_subnets,
)
from finplatform.profiles import PROFILES, Environment, NatStrategy, Profile

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
    region: Region = Field("us-east-1", description="Primary AWS region.")
    dr_region: Region = Field("us-west-2", description="Disaster-recovery region, used when drEnabled is on.")
    blueprint: str = Field("portfolio-analytics", description="Workload blueprint: the name of a file in blueprints/.")
    owner: str = Field(
        "platform-engineering", min_length=1, description="Owner tag: the team answerable for the stack."
    )
    cost_center: str = Field("finplatform", min_length=1, description="cost-center tag for chargeback.")
    data_classification: Literal["public", "internal", "confidential", "restricted"] = Field(
        "confidential", description="data-classification tag: the most sensitive data the stack holds."
    )
    vpc_cidr: Annotated[str, AfterValidator(_check_vpc_cidr)] = Field(
        "10.0.0.0/16", description="VPC IPv4 range, a private /16 to /28."
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
    eks_public_endpoint: bool = Field(
        False, description="Allow a public EKS API endpoint outside prod (never allowed in prod)."
    )


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


@dataclass(frozen=True)
class ResolvedStack:
    """A stack's validated config with its profile, blueprint and network layout worked out."""

    stack: str
    environment: Environment
    config: StackConfig
    profile: Profile
    blueprint: Blueprint
    network: NetworkPlan
    dr_network: NetworkPlan | None = None

    @property
    def region(self) -> str:
        return self.config.region

    @property
    def dr_region(self) -> str | None:
        return self.config.dr_region if self.profile.dr_enabled else None

    @property
    def tags(self) -> dict[str, str]:
        """The standard tags every taggable resource carries (through the providers' default tags)."""
        return {
            "project": PROJECT,
            "environment": self.environment,
            "blueprint": self.blueprint.name,
            "owner": self.config.owner,
            "cost-center": self.config.cost_center,
            "data-classification": self.config.data_classification,
        }


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
        if namespace != PROJECT:
            hint = f"set {_key('region')} instead" if full_key == "aws:region" else f"only {PROJECT}:* keys are read"
            problems.append(
                ConfigProblem(full_key, f"unknown key; this project declares its providers explicitly, {hint}")
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
    try:
        return StackConfig.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(source, _pydantic_problems(exc)) from None


def _set_path(document: Any, path: list[str], value: Any) -> None:
    """Set ``value`` at ``path``; list items are addressed by their ``name`` or by index."""
    node = document
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, list):
            matches = [i for i, item in enumerate(node) if isinstance(item, dict) and item.get("name") == part]
            if matches:
                index = matches[0]
            elif part.isdigit() and int(part) < len(node):
                index = int(part)
            else:
                names = [str(item.get("name")) for item in node if isinstance(item, dict)]
                raise KeyError(
                    f"no item {part!r} in {'.'.join(path[:depth]) or 'blueprint'}; items: {', '.join(names)}"
                )
            if last:
                node[index] = value
            node = node[index]
        elif isinstance(node, dict):
            if part not in node and not last:
                raise KeyError(f"{'.'.join(path[: depth + 1])} is not set in the blueprint; it has: {', '.join(node)}")
            if last:
                node[part] = value
            node = node[part]
        else:
            raise KeyError(f"{'.'.join(path[:depth])} is a value, not a mapping or list")


def _blueprint_problem(error: ValidationError, prefix: str) -> str:
    item = error.errors()[0]
    where = ".".join(str(p) for p in item["loc"])
    message = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "extra_forbidden":
        message = "unknown field"
    return f"{prefix}{where}: {message}" if where else f"{prefix}{message}"


def load_blueprint(config: StackConfig, source: str) -> Blueprint:
    """The stack's blueprint with its overrides applied, validated."""
    names = available_blueprints()
    if config.blueprint not in names:
        raise ConfigError(
            source,
            [ConfigProblem(_key("blueprint"), f"unknown blueprint {config.blueprint!r}; allowed: {', '.join(names)}")],
        )
    file_name = f"blueprints/{config.blueprint}.yaml"
    document = read_blueprint_document(config.blueprint)
    try:
        blueprint = Blueprint.model_validate(document)
    except ValidationError as exc:
        raise ConfigError(
            source, [ConfigProblem(_key("blueprint"), _blueprint_problem(exc, f"{file_name}: "))]
        ) from None
    for position, override in enumerate(config.overrides):
        key = f"{_key('overrides')}[{position}]"
        path, sep, text = override.partition("=")
        if not sep or not path.strip():
            raise ConfigError(source, [ConfigProblem(key, f"expected path=value (got {override!r})")])
        try:
            _set_path(document, path.strip().split("."), yaml.safe_load(text))
            blueprint = Blueprint.model_validate(document)
        except KeyError as exc:
            raise ConfigError(source, [ConfigProblem(key, str(exc.args[0]))]) from None
        except ValidationError as exc:
            raise ConfigError(source, [ConfigProblem(key, _blueprint_problem(exc, ""))]) from None
    return blueprint


def resolve_environment(stack: str, config: StackConfig, source: str) -> Environment:
    """The configured environment, else the stack's name when it names one: a stack called prod never
    silently gets the dev profile because a key was forgotten."""
    if config.environment is not None:
        return config.environment
    for environment in PROFILES:
        if stack == environment:
            return environment
    message = f"required for stack {stack!r}, whose name is not an environment; allowed: dev, staging, prod"
    raise ConfigError(source, [ConfigProblem(_key("environment"), message)])


def resolve_profile(environment: Environment, config: StackConfig) -> Profile:
    """The environment profile with the stack's explicit overrides applied."""
    overrides = {name: getattr(config, name) for name in Profile.model_fields if getattr(config, name) is not None}
    return PROFILES[environment].model_copy(update=overrides)


def plan_network(config: StackConfig, profile: Profile, source: str) -> NetworkPlan:
    vpc = ipaddress.IPv4Network(config.vpc_cidr)
    azs = config.availability_zones or default_availability_zones(config.region, profile.az_count)
    try:
        if len(azs) != profile.az_count:
            raise LayoutError("availabilityZones", f"names {len(azs)} AZs but azCount is {profile.az_count}")
        if len(set(azs)) != len(azs):
            raise LayoutError("availabilityZones", "names an AZ twice")
        wrong = [az for az in azs if not az.startswith(config.region)]
        if wrong:
            raise LayoutError("availabilityZones", f"{wrong[0]} is not in region {config.region}")
        explicit = {
            "public": [ipaddress.IPv4Network(c) for c in config.public_subnet_cidrs],
            "private": [ipaddress.IPv4Network(c) for c in config.private_subnet_cidrs],
            "isolated": [ipaddress.IPv4Network(c) for c in config.isolated_subnet_cidrs],
        }
        if any(explicit.values()):
            subnets = check_explicit_subnets(vpc, profile.az_count, explicit)  # type: ignore[arg-type]
        else:
            subnets = derive_subnets(vpc, profile.az_count, config.subnet_prefix_length)
    except LayoutError as exc:
        raise ConfigError(source, [ConfigProblem(_key(exc.key), str(exc))]) from None
    return NetworkPlan(vpc_cidr=str(vpc), availability_zones=tuple(azs), subnets=subnets)


# The DR network is a standby: two AZs (the fewest RDS accepts), no NAT until failover.
DR_AZ_COUNT = 2


def plan_dr_network(config: StackConfig, profile: Profile, source: str) -> NetworkPlan:
    """The DR region's VPC layout: the same tiers over two AZs, in a range that cannot clash with the primary."""
    primary, dr = ipaddress.IPv4Network(config.vpc_cidr), ipaddress.IPv4Network(config.dr_vpc_cidr)
    if primary.overlaps(dr):
        message = f"{dr} overlaps vpcCidr {primary}; the regions' VPCs must not overlap so they can be peered"
        raise ConfigError(source, [ConfigProblem(_key("drVpcCidr"), message)])
    try:
        subnets = derive_subnets(dr, DR_AZ_COUNT, config.subnet_prefix_length)
    except LayoutError as exc:
        raise ConfigError(source, [ConfigProblem(_key("drVpcCidr"), str(exc))]) from None
    azs = default_availability_zones(config.dr_region, DR_AZ_COUNT)
    return NetworkPlan(vpc_cidr=str(dr), availability_zones=tuple(azs), subnets=subnets)


def resolve_stack(stack: str, raw: dict[str, str]) -> ResolvedStack:
    """Validate a stack's raw config and work out everything the layers need. Raises ConfigError."""
    source = stack_file_name(stack)
    config = parse_stack_config(raw, source)
    environment = resolve_environment(stack, config, source)
    profile = resolve_profile(environment, config)
    if profile.dr_enabled and config.dr_region == config.region:
        raise ConfigError(source, [ConfigProblem(_key("drRegion"), f"must differ from region ({config.region})")])
    blueprint = load_blueprint(config, source)
    network = plan_network(config, profile, source)
    dr_network = plan_dr_network(config, profile, source) if profile.dr_enabled else None
    try:
        parse_usage(environment, config.usage)
    except UsageError as error:
        raise ConfigError(source, [ConfigProblem(f"{_key('usage')}[{error.position}]", str(error))]) from None
    return ResolvedStack(
        stack=stack,
        environment=environment,
        config=config,
        profile=profile,
        blueprint=blueprint,
        network=network,
        dr_network=dr_network,
    )


# --- reading config the way the Pulumi CLI does -------------------------------------------------------


def _as_engine_string(value: Any) -> str:
    """The CLI passes scalars as text and lists or maps as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def project_config_defaults(root: Path = ROOT) -> dict[str, str]:
    """Defaults declared in the ``config:`` section of Pulumi.yaml, keyed ``finplatform:<key>``."""
    with (root / "Pulumi.yaml").open(encoding="utf-8") as handle:
        project = yaml.safe_load(handle) or {}
    defaults = {}
    for name, spec in (project.get("config") or {}).items():
        key = name if ":" in name else _key(name)
        if isinstance(spec, dict) and "default" in spec:
            defaults[key] = _as_engine_string(spec["default"])
        elif not isinstance(spec, dict):
            defaults[key] = _as_engine_string(spec)
    return defaults


def read_stack_file(stack: str, root: Path = ROOT) -> tuple[dict[str, str], list[str]]:
    """The config map the CLI would hand the program for ``stack``, and the keys holding secrets.

    Encrypted (``secure:``) values cannot be decrypted offline; they are passed as a marked placeholder.
    """
    source = stack_file_name(stack)
    path = root / source
    if not path.is_file():
        stacks = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml"))
        raise ConfigError(source, [ConfigProblem("stack", f"no such stack file; stacks: {', '.join(stacks)}")])
    try:
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(source, [ConfigProblem("config", f"not valid YAML: {exc}")]) from None
    section = document.get("config") or {}
    if not isinstance(section, dict):
        raise ConfigError(source, [ConfigProblem("config", "must be a mapping of key: value")])
    raw = project_config_defaults(root)
    secret_keys = []
    for name, value in section.items():
        key = str(name) if ":" in str(name) else _key(str(name))
        if isinstance(value, dict) and set(value) == {"secure"}:
            raw[key] = "[secret]"
            secret_keys.append(key)
        else:
            raw[key] = _as_engine_string(value)
    return raw, secret_keys


def raw_config_from_runtime() -> dict[str, str]:
    """The config map of the running Pulumi program (set by the language host or by the offline plan)."""
    from pulumi.runtime import config as runtime_config

    merged: dict[str, str] = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return merged
