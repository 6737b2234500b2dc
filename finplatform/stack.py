"""A stack resolved: its validated config with the profile, the blueprint (overrides applied) and the network
layout worked out. Everything here runs before any resource is declared, so a mistake stops ``pulumi up`` and
the offline plan with one message naming the stack file and the key."""

import ipaddress
import re
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from finplatform import PROJECT
from finplatform.blueprint_checks import looks_secret, secret_refusal
from finplatform.blueprints import Blueprint, NetworkLayout, available_blueprints, read_blueprint_document
from finplatform.config import (
    DEFAULT_VPC_CIDR,
    ConfigError,
    ConfigProblem,
    StackConfig,
    _key,
    check_policy_waivers,
    parse_stack_config,
    stack_file_name,
)
from finplatform.network_layout import (
    LayoutError,
    NetworkPlan,
    check_explicit_subnets,
    default_availability_zones,
    derive_subnets,
)
from finplatform.profiles import PROFILES, Environment, Profile
from finplatform.resilience import (
    BUILT_TIERS,
    GLOBAL_DATASTORE_FAMILIES,
    Objectives,
    Tier,
    at_least,
    required_tier,
    supports_global_datastore,
)
from finplatform.safe_yaml import YamlError, loads, render_path, shorten
from finplatform.usage import Assumptions, ResourceUsageError, UsageError, stack_assumptions


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
    dr_tier: Tier | None = None
    """The DR strategy, where the profile enables DR: as configured, else what the objectives need."""

    def assumptions(self) -> Assumptions:
        """The cost model's usage assumptions: the environment's, finplatform:usage, finplatform:resourceUsage."""
        return stack_assumptions(self.environment, self.config.usage, self.config.resource_usage)

    @property
    def failed_over(self) -> bool:
        """Whether the stack serves from its DR region (finplatform:activeRegion: dr)."""
        return self.dr_tier is not None and self.config.active_region == "dr"

    def recovery_objectives(self) -> Objectives | None:
        """What dr-objectives-met and the plan judge the stack's DR against; None without a DR region."""
        if self.dr_tier is None or self.config.dr_region is None:
            return None
        recovery, time_series = self.blueprint.recovery, self.blueprint.time_series
        return Objectives(
            rto_minutes=recovery.rto_minutes,
            rpo_minutes=recovery.rpo_minutes,
            tier=self.dr_tier,
            primary_region=self.region,
            dr_region=self.config.dr_region,
            active_region=self.config.active_region,
            accepted=dict(recovery.accepted_gaps),
            standby_ingestion_seconds=time_series.standby_ingestion_seconds if time_series else None,
        )

    @property
    def dns_failover(self) -> bool:
        """Whether Route 53 failover records own the load balancer's origin name: a DR tier and a domain."""
        return self.dr_tier is not None and bool(self.config.domain_name and self.config.hosted_zone_id)

    @property
    def warm_standby(self) -> bool:
        """Whether DR compute runs before a failover (warm standby)."""
        return self.dr_tier is not None and at_least(self.dr_tier, "warm-standby")

    @property
    def region(self) -> str:
        """The primary region: aws:region (or its alias finplatform:region), else the default."""
        return self.config.primary_region

    @property
    def dr_region(self) -> str | None:
        return self.config.dr_region if self.profile.dr_enabled else None

    @property
    def cdn_assets_bucket(self) -> str | None:
        """The bucket CloudFront serves static paths from (the static frontend's, else the blueprint's first assets
        bucket), once the stack has a domain, a hosted zone and a public service; None otherwise."""
        config, blueprint = self.config, self.blueprint
        if not (config.domain_name and config.hosted_zone_id and any(s.public for s in blueprint.services)):
            return None
        if blueprint.frontend is not None:
            return blueprint.frontend.bucket
        return next((b.name for b in blueprint.buckets if b.purpose == "assets"), None)

    @property
    def prefix(self) -> str:
        """Physical names start with it: finplatform-<stack>."""
        return f"{PROJECT}-{self.stack}"

    @property
    def tags(self) -> dict[str, str]:
        """The standard tags every taggable resource carries (through the providers' default tags)."""
        return {
            "project": PROJECT,
            "stack": self.stack,
            "environment": self.environment,
            "blueprint": self.blueprint.name,
            "owner": self.config.owner,
            "cost-center": self.config.cost_center,
            "data-classification": self.config.data_classification,
        }


def _set_path(document: Any, path: list[str], value: Any) -> None:
    """Set ``value`` at ``path``; list items are addressed by their ``name`` or by index."""
    node = document
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, list):
            matches = [i for i, item in enumerate(node) if isinstance(item, dict) and item.get("name") == part]
            if matches:
                index = matches[0]
            elif part.isascii() and part.isdigit() and int(part) < len(node):
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


def _written_path(loc: tuple[str | int, ...], document: Any) -> str:
    """A validation error's location as the user would write it in an override: list items by their name where
    they have one (services.web-ui.image), else by position."""
    parts, node = [], document
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
            name = node.get("name") if isinstance(node, dict) else None
            parts.append(name if isinstance(name, str) and name else str(part))
        else:
            node = node.get(part) if isinstance(node, dict) and isinstance(part, str) else None
            parts.append(str(part))
    return render_path(tuple(parts)).replace("[", ".").replace("]", "") if parts else ""


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The blueprint model a location points into (for the fields an unknown one could have been)."""
    model: type[BaseModel] | None = Blueprint
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        field = next((f for name, f in model.model_fields.items() if part in (f.alias, name)), None)
        model = _inner_model(field.annotation) if field is not None else None
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _inner_model(argument)
        if found is not None:
            return found
    return None


def _blueprint_problem(error: ValidationError, prefix: str, document: Any = None) -> str:
    """The first problem of a blueprint validation: where, as written, what is wrong and what is allowed."""
    errors = error.errors()
    item = errors[0]
    loc = tuple(item["loc"])
    where = _written_path(loc, document)
    message = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        fields = [f.alias or n for n, f in model.model_fields.items()] if model is not None else []
        field = str(loc[-1])
        camel = to_camel(field)
        hint = f"; did you mean {camel}? fields are camelCase" if camel != field and camel in fields else ""
        message = f"unknown field{hint}" + (f"; allowed: {', '.join(fields)}" if fields else "")
    elif item["type"] not in ("value_error", "assertion_error"):
        message += f" (got {shorten(item['input'])})"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''} in the blueprint)"
    return f"{prefix}{where}: {message}" if where else f"{prefix}{message}"


def _validate(document: dict[str, Any]) -> Blueprint:
    """A blueprint document validated the way YAML is written: camelCase keys only."""
    return Blueprint.model_validate(document, by_name=False)


def load_blueprint(config: StackConfig, source: str) -> Blueprint:
    """The stack's blueprint with its size tier and overrides applied, validated."""
    names = available_blueprints()
    if config.blueprint not in names:
        message = f"unknown blueprint {shorten(config.blueprint)}; allowed: {', '.join(names)}"
        raise ConfigError(source, [ConfigProblem(_key("blueprint"), message)])
    file_name = f"blueprints/{config.blueprint}.yaml"
    try:
        document = read_blueprint_document(config.blueprint)
    except YamlError as exc:
        where = exc.where()
        line = f" (line {exc.line})" if exc.line is not None else ""
        message = f"{file_name}: {where}{line}: {exc}" if where else f"{file_name}{line}: {exc}"
        raise ConfigError(source, [ConfigProblem(_key("blueprint"), message)]) from None
    try:
        blueprint = _validate(document)
    except ValidationError as exc:
        message = _blueprint_problem(exc, f"{file_name}: ", document)
        raise ConfigError(source, [ConfigProblem(_key("blueprint"), message)]) from None
    if blueprint.name != config.blueprint:
        message = (
            f"{file_name}: name: {shorten(blueprint.name)} differs from the file name; a blueprint's name is its file "
            f"name without .yaml: write name: {config.blueprint}"
        )
        raise ConfigError(source, [ConfigProblem(_key("blueprint"), message)])
    blueprint = _apply_size_tier(config, document, blueprint, source)
    return _apply_overrides(config, document, blueprint, source)


def _apply_size_tier(config: StackConfig, document: dict[str, Any], blueprint: Blueprint, source: str) -> Blueprint:
    tier = config.size_tier or blueprint.default_size_tier
    if not tier or tier == blueprint.default_size_tier:
        return blueprint
    file_name = f"blueprints/{config.blueprint}.yaml"
    key = _key("sizeTier")
    if tier not in blueprint.size_tiers:
        allowed = ", ".join(blueprint.size_tiers) or "none (the blueprint defines no size tiers)"
        raise ConfigError(source, [ConfigProblem(key, f"unknown size tier {shorten(tier)}; allowed: {allowed}")])
    try:
        for path, value in blueprint.size_tiers[tier].items():
            _set_path(document, path.split("."), value)
        return _validate(document)
    except KeyError as exc:
        raise ConfigError(source, [ConfigProblem(key, f"{file_name}: {exc.args[0]}")]) from None
    except ValidationError as exc:
        problem = _blueprint_problem(exc, f"{file_name}: size tier {tier}: ", document)
        raise ConfigError(source, [ConfigProblem(key, problem)]) from None


def _apply_overrides(config: StackConfig, document: dict[str, Any], blueprint: Blueprint, source: str) -> Blueprint:
    """finplatform:overrides applied in order. A value is plain YAML without tags; a secret-looking setting is
    refused (secrets belong in the blueprint's secrets: list); the name cannot change."""
    for position, override in enumerate(config.overrides):
        key = f"{_key('overrides')}[{position}]"

        def problem(message: str, key: str = key) -> ConfigError:
            return ConfigError(source, [ConfigProblem(key, message)])

        path, sep, text = override.partition("=")
        parts = path.strip().split(".")
        if not sep or not path.strip():
            raise problem(f"expected path=value, e.g. services.web-ui.sizes.prod.max=6 (got {shorten(override)})")
        if parts[0] == "settings" and looks_secret(parts[-1]):
            raise problem(secret_refusal(parts[-1]))
        if parts == ["name"]:
            raise problem(f"name cannot be overridden: it is the blueprint's file name ({config.blueprint})")
        try:
            value = loads(text, tags=False)
        except YamlError as exc:
            where = path.strip() if len(path.strip()) <= 80 else shorten(path.strip(), 80)
            raise problem(f"{where}: the value {shorten(text.strip())} is refused: {exc}") from None
        try:
            _set_path(document, parts, value)
            blueprint = _validate(document)
        except KeyError as exc:
            raise problem(str(exc.args[0])) from None
        except ValidationError as exc:
            raise problem(_blueprint_problem(exc, "", document)) from None
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


def resolve_profile(environment: Environment, config: StackConfig, blueprint: Blueprint | None = None) -> Profile:
    """The environment profile, then the blueprint's AZ count (the seed's layout), then the stack's explicit
    overrides."""
    overrides: dict[str, Any] = {}
    if blueprint is not None and blueprint.network.az_count is not None:
        overrides["az_count"] = blueprint.network.az_count
    overrides |= {name: getattr(config, name) for name in Profile.model_fields if getattr(config, name) is not None}
    return PROFILES[environment].model_copy(update=overrides)


def plan_network(
    config: StackConfig, profile: Profile, source: str, layout: NetworkLayout | None = None
) -> NetworkPlan:
    """The primary VPC: the stack's keys, else the blueprint's layout, else subnets derived from the VPC range."""
    layout = layout or NetworkLayout()
    vpc = ipaddress.IPv4Network(config.vpc_cidr or layout.vpc_cidr or DEFAULT_VPC_CIDR)
    azs = config.availability_zones or default_availability_zones(config.primary_region, profile.az_count)
    try:
        if len(azs) != profile.az_count:
            raise LayoutError("availabilityZones", f"names {len(azs)} AZs but azCount is {profile.az_count}")
        if len(set(azs)) != len(azs):
            raise LayoutError("availabilityZones", "names an AZ twice")
        # An AZ name is its region's name and one letter (us-east-1a); us-east-10a starts with us-east-1 too.
        wrong = [az for az in azs if not re.fullmatch(re.escape(config.primary_region) + "[a-z]", az)]
        if wrong:
            raise LayoutError(
                "availabilityZones",
                f"{shorten(wrong[0])} is not an AZ of region {config.primary_region}; allowed: "
                f"{config.primary_region} and one letter, such as {config.primary_region}a",
            )
        stack_cidrs = (config.public_subnet_cidrs, config.private_subnet_cidrs, config.isolated_subnet_cidrs)
        blueprint_cidrs = (layout.public_subnet_cidrs, layout.private_subnet_cidrs, layout.isolated_subnet_cidrs)
        chosen = stack_cidrs if any(stack_cidrs) or config.vpc_cidr else blueprint_cidrs
        explicit = {
            tier: [ipaddress.IPv4Network(c) for c in cidrs]
            for tier, cidrs in zip(("public", "private", "isolated"), chosen, strict=True)
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


def plan_dr_network(config: StackConfig, source: str, primary_cidr: str) -> NetworkPlan:
    """The DR region's VPC layout: the same tiers over two AZs, in a range that cannot clash with the primary."""
    primary = ipaddress.IPv4Network(primary_cidr)
    dr = ipaddress.IPv4Network(config.dr_vpc_cidr)
    if primary.overlaps(dr):
        message = f"{dr} overlaps vpcCidr {primary}; the regions' VPCs must not overlap so they can be peered"
        raise ConfigError(source, [ConfigProblem(_key("drVpcCidr"), message)])
    try:
        subnets = derive_subnets(dr, DR_AZ_COUNT, config.subnet_prefix_length)
    except LayoutError as exc:
        raise ConfigError(source, [ConfigProblem(_key("drVpcCidr"), str(exc))]) from None
    azs = default_availability_zones(config.dr_region, DR_AZ_COUNT)
    return NetworkPlan(vpc_cidr=str(dr), availability_zones=tuple(azs), subnets=subnets)


def resolve_dr_tier(
    config: StackConfig, profile: Profile, blueprint: Blueprint, environment: Environment, source: str
) -> Tier | None:
    """The stack's DR tier: the configured one, which may not be lower than what the blueprint's objectives
    need, else that; None without a DR region. Raises ConfigError for a tier the stack cannot have."""
    recovery = blueprint.recovery
    needed = required_tier(recovery.rto_minutes, recovery.rpo_minutes)
    chosen = config.dr_tier

    def problem(key: str, message: str) -> ConfigError:
        return ConfigError(source, [ConfigProblem(_key(key), message)])

    if not profile.dr_enabled:
        if chosen is not None:
            raise problem("drTier", f"needs a DR region: set finplatform:drEnabled to true ({environment} has none)")
        if config.active_region == "dr":
            raise problem("activeRegion", f"dr needs a DR region: {environment} has drEnabled false")
        return None
    objectives = f"RTO {recovery.rto_minutes} min and RPO {recovery.rpo_minutes} min"
    if chosen is not None and not at_least(chosen, needed):
        raise problem("drTier", f"{chosen} is below {needed}, which blueprint {blueprint.name}'s {objectives} need")
    tier = chosen or needed
    if tier not in BUILT_TIERS:
        raise problem(
            "drTier" if chosen else "blueprint",
            f"{tier} (active-active in two regions) is not built by this platform; {blueprint.name}'s "
            f"{objectives} need it",
        )
    restores = config.active_region == "dr" and blueprint.postgres is not None
    if restores and not blueprint.needs_cross_region_replica() and not config.dr_restore_snapshot_arn:
        raise problem(
            "drRestoreSnapshotArn",
            "the database has no DR replica to promote: name the snapshot in the DR vault to restore from",
        )
    if at_least(tier, "warm-standby"):
        if not (config.domain_name and config.hosted_zone_id):
            raise problem("domainName", f"{tier} fails over through Route 53: set domainName and hostedZoneId")
        if blueprint.redis is not None:
            size = blueprint.redis.sizes.for_env(environment)
            if not supports_global_datastore(size.node_type):
                raise problem(
                    "blueprint",
                    f"{tier} replicates Redis through a Global Datastore, which does not support "
                    f"{size.node_type} (families {', '.join(GLOBAL_DATASTORE_FAMILIES)}, large and up); "
                    f"resize redis.sizes.{environment}.nodeType in blueprints/{blueprint.name}.yaml",
                )
    return tier


def resolve_stack(stack: str, raw: dict[str, str]) -> ResolvedStack:
    """Validate a stack's raw config and work out everything the layers need. Raises ConfigError."""
    source = stack_file_name(stack)
    config = parse_stack_config(raw, source)
    environment = resolve_environment(stack, config, source)
    check_policy_waivers(config, environment, source)
    blueprint = load_blueprint(config, source)
    profile = resolve_profile(environment, config, blueprint)
    if profile.dr_enabled and config.dr_region == config.primary_region:
        raise ConfigError(
            source, [ConfigProblem(_key("drRegion"), f"must differ from region ({config.primary_region})")]
        )
    network = plan_network(config, profile, source, blueprint.network)
    dr_network = plan_dr_network(config, source, network.vpc_cidr) if profile.dr_enabled else None
    dr_tier = resolve_dr_tier(config, profile, blueprint, environment, source)
    try:
        stack_assumptions(environment, config.usage, config.resource_usage)
    except UsageError as error:
        raise ConfigError(source, [ConfigProblem(f"{_key('usage')}[{error.position}]", str(error))]) from None
    except ResourceUsageError as error:
        key = _key("resource_usage") + (f".{error.key}" if error.key else "")
        raise ConfigError(source, [ConfigProblem(key, str(error))]) from None
    return ResolvedStack(
        stack=stack,
        environment=environment,
        config=config,
        profile=profile,
        blueprint=blueprint,
        network=network,
        dr_network=dr_network,
        dr_tier=dr_tier,
    )
