"""Monthly cost of a set of planned resources, from the vendored price table and the usage assumptions."""

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

from finplatform.catalog import SIZES_BY_SERVICE
from finplatform.tooling.remote_components import EKS_DEFAULT_DESIRED_CAPACITY, child_urn, unreported_children
from finplatform.usage import USAGE_NAMES, Assumptions, Usage

PRICES_FILE = Path(__file__).with_name("prices.json")
STACK_LAYER = "stack"
RDS_INSTANCE = "aws:rds/instance:Instance"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
GLOBAL_DATASTORE = "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup"
ECR_REPOSITORY = "aws:ecr/repository:Repository"


@cache
def price_table() -> dict[str, Any]:
    """The vendored price table."""
    with PRICES_FILE.open(encoding="utf-8") as handle:
        table: dict[str, Any] = json.load(handle)
    return table


@dataclass(frozen=True)
class PricedResource:
    """What the model needs to know of a resource."""

    urn: str
    type: str
    name: str
    properties: Mapping[str, Any]
    region: str
    parent: str = ""
    provider: str = ""
    """The name of the provider resource that declares it (``aws-dr`` for the DR region's); empty if unknown."""

    @classmethod
    def from_engine(
        cls,
        urn: str,
        type_: str,
        name: str,
        properties: Mapping[str, Any],
        *,
        provider_properties: Mapping[str, Any] | None,
        parent: str = "",
        provider_name: str = "",
    ) -> "PricedResource":
        """A resource as the engine reports it: its region is its own, else its provider's (pulumi-aws 7)."""
        region = properties.get("region") or (provider_properties or {}).get("region") or "us-east-1"
        return cls(urn, type_, name, properties, str(region), parent, provider_name)


# The DR region's provider: components/providers.py names it aws-dr; "dr-region" and the like match too.
DR_PROVIDER = re.compile(r"(^|[-_])dr($|[-_])")


def is_dr_provider(name: str) -> bool:
    """Whether a provider of this name declares the DR region's resources."""
    return bool(DR_PROVIDER.search(name.lower()))


def layer_of(urn: str) -> str:
    """The ``<layer>`` of the outermost ``finplatform:<layer>:<Name>`` component in the URN's type chain;
    ``stack`` for a resource outside every component (or a URN that is not the engine's)."""
    parts = urn.split("::", 3)
    if len(parts) < 4 or not parts[0].startswith("urn:pulumi:"):
        return STACK_LAYER
    for token in parts[2].split("$"):
        package, _, rest = token.partition(":")
        layer, _, name = rest.partition(":")
        if package == "finplatform" and layer and name:
            return layer
    return STACK_LAYER


NOT_PRICED = "not priced: "


def plain_number(value: float, grouping: bool = True) -> str:
    """A number written out in full, never with an exponent (YAML 1.1 reads ``1e-05`` as text, and a person
    misreads it): up to ten decimals (Lambda's $0.0000166667 per GB-second), thousands separated unless
    ``grouping`` is off (for YAML)."""
    text = f"{value:,.10f}" if grouping else f"{value:.10f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Charge:
    """One billed part of a line, as Infracost's breakdown shows it: the quantity billed (after any free
    allowance the line subtracts), its unit, and the price of one unit."""

    name: str
    quantity: float
    unit: str
    unit_price: float

    @property
    def monthly_usd(self) -> float:
        return self.quantity * self.unit_price

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "quantity": round(self.quantity, 6),
            "unit": self.unit,
            "unit_price": self.unit_price,
            "monthly_usd": round(self.monthly_usd, 2),
        }

    def describe(self) -> str:
        """One row of the breakdown: ``NAT gateway hours   730 hours   x $0.045   = $32.85``."""
        return (
            f"{self.name:<48} {plain_number(self.quantity):>12} {self.unit:<16} x ${plain_number(self.unit_price):<10} "
            f"= ${self.monthly_usd:,.2f}"
        )


@dataclass(frozen=True)
class CostItem:
    """One resource's monthly cost, how it was worked out, and the platform layer it belongs to."""

    urn: str
    type: str
    monthly_usd: float
    basis: str
    layer: str = STACK_LAYER
    region: str = ""
    standby: bool = False
    """Declared by the DR region's provider: the whole line is part of the DR standby."""
    replication_usd: float = 0.0
    """The part of the line that copies data to another region (transfer, and replicas it keeps there)."""
    baseline_usd: float = 0.0
    """The part of the line that does not depend on usage: what it costs at zero usage (hours, provisioned
    capacity, monthly fees); the rest is usage-driven."""
    name: str = ""
    """The resource's logical name, as the plan lists it and ``finplatform:resourceUsage`` names it."""
    charges: tuple[Charge, ...] = ()
    """The billed parts the monthly cost adds up from."""
    assumptions: tuple[tuple[str, float], ...] = ()
    """The usage assumptions the line's price read, with the values it took (empty: not usage-priced)."""

    @property
    def usage_usd(self) -> float:
        return round(self.monthly_usd - self.baseline_usd, 2)


@dataclass(frozen=True)
class Standby:
    """What the DR standby costs a month: every line the DR region's provider declares, plus the cross-region
    replication of the lines in the primary region."""

    in_region_usd: float
    replication_usd: float
    resources: int
    regions: tuple[str, ...]
    urns: tuple[str, ...]

    @property
    def monthly_usd(self) -> float:
        return round(self.in_region_usd + self.replication_usd, 2)

    def to_json(self) -> dict[str, Any]:
        return {
            "monthly_usd": self.monthly_usd,
            "in_region_usd": self.in_region_usd,
            "replication_usd": self.replication_usd,
            "resources": self.resources,
            "regions": list(self.regions),
            "urns": list(self.urns),
        }

    def describe(self) -> str:
        """One line for the plan, e.g. ``DR standby: $412.30/month (45 resources in us-west-2: $405.10; ...)``."""
        if not self.urns:
            return "DR standby: none (no resources in a DR region and no cross-region replication)"
        where = ", ".join(self.regions) or "a DR region"
        return (
            f"DR standby: ${self.monthly_usd:,.2f}/month ({self.resources} resources in {where}: "
            f"${self.in_region_usd:,.2f}; replication transfer: ${self.replication_usd:,.2f})"
        )


@dataclass
class Estimate:
    """The priced items, most expensive first, and their total."""

    items: list[CostItem] = field(default_factory=list)

    @property
    def monthly_usd(self) -> float:
        return round(sum(item.monthly_usd for item in self.items), 2)

    def standby(self) -> Standby:
        """The DR standby's monthly cost: the DR region's lines in full (less what they spend on replication,
        counted with the rest of it), and the replication part of every line."""
        dr = [item for item in self.items if item.standby]
        replicating = [item for item in self.items if item.standby or item.replication_usd]
        return Standby(
            in_region_usd=round(sum(item.monthly_usd - item.replication_usd for item in dr), 2),
            replication_usd=round(sum(item.replication_usd for item in self.items), 2),
            resources=len(dr),
            regions=tuple(sorted({item.region for item in dr if item.region})),
            urns=tuple(item.urn for item in replicating),
        )

    @property
    def baseline_usd(self) -> float:
        """What the stack costs at zero usage: hours, provisioned capacity and monthly fees."""
        return round(sum(item.baseline_usd for item in self.items), 2)

    @property
    def usage_usd(self) -> float:
        """What the usage assumptions add on top of the baseline."""
        return round(self.monthly_usd - self.baseline_usd, 2)

    def standby_usd(self) -> float:
        """What the DR standby costs a month (see ``standby``)."""
        return self.standby().monthly_usd

    def unpriced(self) -> list[CostItem]:
        """The lines the model could not price (listed at $0 with the reason), for the plan to warn about."""
        return [item for item in self.items if item.basis.startswith(NOT_PRICED)]

    def by_layer(self) -> dict[str, float]:
        """Each layer's subtotal, most expensive first (then by name)."""
        totals: dict[str, float] = {}
        for item in self.items:
            totals[item.layer] = totals.get(item.layer, 0.0) + item.monthly_usd
        return {layer: round(usd, 2) for layer, usd in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))}

    def in_layer(self, layer: str) -> list[CostItem]:
        """The layer's items, most expensive first."""
        return [item for item in self.items if item.layer == layer]

    def to_json(self) -> dict[str, Any]:
        return {
            "monthly_usd": self.monthly_usd,
            "baseline_usd": self.baseline_usd,
            "usage_usd": self.usage_usd,
            "items": [
                {
                    "urn": i.urn,
                    "name": i.name,
                    "type": i.type,
                    "monthly_usd": i.monthly_usd,
                    "baseline_usd": i.baseline_usd,
                    "usage_usd": i.usage_usd,
                    "charges": [charge.to_json() for charge in i.charges],
                    "usage": dict(i.assumptions),
                    "basis": i.basis,
                    "layer": i.layer,
                }
                for i in self.items
            ],
            "layers": self.by_layer(),
            "standby": self.standby().to_json(),
        }


class _ReadUsage(Usage):
    """A resource's usage assumptions that note each one a pricer reads: ``plan --sync-usage`` lists exactly those,
    and a ``finplatform:resourceUsage`` entry naming another is refused."""

    def __init__(self, base: Usage, reads: dict[str, float]) -> None:
        # The base's values copied as they are (no field-by-field __init__): this runs once per priced resource.
        self.__dict__.update(base.__dict__)
        self.__dict__["_reads"] = reads

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name in USAGE_NAMES:
            object.__getattribute__(self, "_reads")[name] = value
        return value


@dataclass(frozen=True)
class _Context:
    prices: Mapping[str, Any]
    usage: Usage
    hours: float
    by_reference: Mapping[str, PricedResource]
    planned: tuple[PricedResource, ...] = ()
    charges: list[Charge] = field(default_factory=list)

    @property
    def unit(self) -> Mapping[str, float]:
        unit: Mapping[str, float] = self.prices["unit"]
        return unit

    def charge(self, name: str, quantity: float, unit: str, unit_price: float) -> float:
        """Record one billed part of the line and return its monthly cost: every pricer adds its cost up from
        these, so a line's quantities, units and unit prices are the figures it was priced with."""
        self.charges.append(Charge(name, quantity, unit, unit_price))
        return quantity * unit_price

    def per_hour(self, name: str, unit_price: float, count: float = 1.0, unit: str = "hours") -> float:
        """``count`` of something billed by the hour, all month."""
        return self.charge(name, self.hours * count, unit, unit_price)

    def hourly(self, service: str, size: str) -> float:
        rates: Mapping[str, float] = self.prices[service]
        if size not in rates:
            known = size in SIZES_BY_SERVICE.get(service, frozenset())
            raise KeyError(f"no {service} price for {size!r}" + ("" if known else " (not in the size catalogue)"))
        return rates[size]


# A monthly cost and how it was worked out, and optionally the part of it that replicates to another region;
# None leaves a resource of a priced type out (no charge of its own and nothing worth a line, such as an EKS add-on
# other than Container Insights).
Priced = tuple[float, str] | tuple[float, str, float]
Pricer = Callable[[PricedResource, _Context], Priced | None]


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _nat(r: PricedResource, c: _Context) -> tuple[float, str]:
    gb = c.usage.natProcessedGb
    cost = c.per_hour("NAT gateway hours", c.unit["natGatewayHour"])
    cost += c.charge("data processed", gb, "GB", c.unit["natGatewayGb"])
    return cost, f"{c.hours:.0f} h x ${c.unit['natGatewayHour']}/h + {gb:g} GB x ${c.unit['natGatewayGb']}/GB"


def _public_ip(r: PricedResource, c: _Context) -> tuple[float, str]:
    return c.per_hour(
        "public IPv4 address hours", c.unit["publicIpv4Hour"]
    ), f"public IPv4 {c.hours:.0f} h x ${c.unit['publicIpv4Hour']}/h"


def _endpoint(r: PricedResource, c: _Context) -> tuple[float, str]:
    if str(r.properties.get("vpcEndpointType", "Gateway")) != "Interface":
        return 0.0, "gateway endpoint: no charge"
    azs = max(1, len(r.properties.get("subnetIds") or []))
    rate = c.unit["vpcInterfaceEndpointHourPerAz"]
    return c.per_hour(
        "interface endpoint hours, one per AZ", rate, azs, "AZ-hours"
    ), f"interface endpoint {azs} AZ x {c.hours:.0f} h x ${rate}/h"


# KMS bills each key version a rotation adds, but only the first two rotations (since April 2024).
KMS_BILLED_ROTATIONS = 2


def _kms(r: PricedResource, c: _Context) -> tuple[float, str]:
    requests = c.usage.kmsRequests10k
    cost = c.charge("customer managed key", 1, "key-months", c.unit["kmsKeyMonth"])
    cost += c.charge("API requests", requests, "10k requests", c.unit["kmsRequests10k"])
    basis = f"key ${c.unit['kmsKeyMonth']}/month + {requests:g}x10k requests x ${c.unit['kmsRequests10k']}"
    if r.properties.get("enableKeyRotation"):
        rate = c.unit["kmsRotationVersionMonth"]
        period = _num(r.properties.get("rotationPeriodInDays"), 365)
        cost += c.charge("rotated key versions", KMS_BILLED_ROTATIONS, "key-months", rate)
        basis += (
            f" + {KMS_BILLED_ROTATIONS} rotated key versions x ${rate}/month (rotation every {period:g} days; only "
            "the first two rotations are billed: the charge once they have happened, $0 before the first)"
        )
    return cost, basis


# Secret rotation runs four steps per secret a month (Secrets Manager calls the function once per step).
ROTATION_PURPOSE = "secret-rotation"
ROTATION_INVOCATIONS_A_MONTH = 4
ROTATION_LOG_GB = 0.001  # a few JSON lines per step
# RDS for PostgreSQL's upgrade log records pg_upgrade runs only: a few lines a year.
RDS_LOG_PREFIX, UPGRADE_LOG_SUFFIX, UPGRADE_LOG_GB = "/aws/rds/instance/", "/upgrade", 0.001


def _rotation(r: PricedResource) -> bool:
    return (r.properties.get("tags") or {}).get("purpose") == ROTATION_PURPOSE


def _log_group(r: PricedResource, c: _Context) -> tuple[float, str]:
    if _rotation(r):
        gb = ROTATION_LOG_GB
        cost = c.charge("ingestion", gb, "GB", c.unit["cloudwatchLogIngestGb"])
        return cost, f"secret-rotation function's log: about {gb:g} GB a month x ${c.unit['cloudwatchLogIngestGb']}"
    if str(r.properties.get("name") or "").startswith(RDS_LOG_PREFIX) and str(r.properties["name"]).endswith(
        UPGRADE_LOG_SUFFIX
    ):
        gb = UPGRADE_LOG_GB
        cost = c.charge("ingestion", gb, "GB", c.unit["cloudwatchLogIngestGb"])
        return cost, f"PostgreSQL upgrade log: written only while the engine upgrades, about {gb:g} GB a month"
    gb = c.usage.logIngestGb
    retention_months = min(_num(r.properties.get("retentionInDays"), 3653), 3653) / 30
    stored = gb * min(retention_months, 12)
    cost = c.charge("ingestion", gb, "GB", c.unit["cloudwatchLogIngestGb"])
    cost += c.charge("storage", stored, "GB-months", c.unit["cloudwatchLogStoreGbMonth"])
    return cost, f"{gb:g} GB ingested x ${c.unit['cloudwatchLogIngestGb']} + {stored:.0f} GB stored"


def arn_region(arn: str) -> str:
    """The region field of an ARN (``arn:aws:rds:us-east-1:...`` gives ``us-east-1``); empty if it has none."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[0] == "arn" else ""


def _planned(c: _Context, type_: str, reference: str, keys: Sequence[str]) -> PricedResource | None:
    """The planned resource of ``type_`` that ``reference`` names: its URN, or one of its ``keys`` properties."""
    if not reference:
        return None
    for r in c.planned:
        if r.type == type_ and (reference == r.urn or any(reference == str(r.properties.get(k) or "") for k in keys)):
            return r
    return None


def replica_source(r: PricedResource, c: _Context) -> PricedResource | None:
    """The planned database an RDS read replica replicates: named by URN, identifier, ARN or id, or by the
    identifier at the end of an ARN (``arn:aws:rds:<region>:<account>:db:<identifier>``)."""
    source = str(r.properties.get("replicateSourceDb") or "")
    identifier = source.rsplit(":db:", 1)[-1] if source.startswith("arn:") else ""
    keys = ("identifier", "arn", "id")
    return _planned(c, RDS_INSTANCE, source, keys) or (
        _planned(c, RDS_INSTANCE, identifier, keys) if identifier else None
    )


def replica_source_region(r: PricedResource, c: _Context) -> str:
    """The region of the database an RDS read replica replicates, when it is another region; else empty.
    A cross-region source is named by its ARN; a source the plan declares also counts with its own region."""
    source = str(r.properties.get("replicateSourceDb") or "")
    planned = replica_source(r, c)
    region = arn_region(source) or (planned.region if planned else "")
    return region if region and region != r.region else ""


def allocated_storage(r: PricedResource, c: _Context) -> tuple[float, str]:
    """The GB an RDS instance is billed for, and where the figure comes from: its own ``allocatedStorage``; a
    read replica that sets none gets its source's (RDS creates it with the source's storage); else RDS's 20."""
    own = r.properties.get("allocatedStorage")
    if own is not None:
        return _num(own, 20), ""
    source = replica_source(r, c) if r.properties.get("replicateSourceDb") else None
    if source is not None and source.properties.get("allocatedStorage") is not None:
        return _num(source.properties.get("allocatedStorage"), 20), " (the source's storage, which a replica takes)"
    return 20.0, ""


def _rds(r: PricedResource, c: _Context) -> Priced:
    size = str(r.properties.get("instanceClass"))
    multi_az = bool(r.properties.get("multiAz"))
    factor = c.unit["rdsMultiAzFactor"] if multi_az else 1.0
    storage, storage_from = allocated_storage(r, c)
    layout = "Multi-AZ" if multi_az else "single-AZ"
    compute = c.per_hour(f"{size} {layout} instance hours", c.hourly("rds", size) * factor)
    disk = c.charge(f"gp3 storage ({layout})", storage, "GB-months", c.unit["rdsGp3GbMonth"] * factor)
    basis = f"{size} {layout} {c.hours:.0f} h + {storage:g} GB gp3{storage_from}"
    if _num(r.properties.get("backupRetentionPeriod"), 0) > 0:
        kept, rate = c.usage.dbBackupGb, c.unit["rdsBackupGbMonth"]
        billed = max(0.0, kept - storage)
        disk += c.charge("backup storage beyond the free allowance", billed, "GB-months", rate)
        basis += (
            f" + backups {kept:g} GB kept - {storage:g} GB free (the provisioned storage) = {billed:g} GB x "
            f"${rate}/GB ({_num(r.properties.get('backupRetentionPeriod')):g} days retained)"
        )
    source = replica_source_region(r, c)
    if not source:
        return compute + disk, basis
    gb, rate = c.usage.dbReplicationGb, c.unit["interRegionTransferGb"]
    transfer = c.charge("inter-region replication transfer", gb, "GB", rate)
    basis += f" + {gb:g} GB replicated from {source} x ${rate}/GB inter-region transfer (cross-region replica)"
    return compute + disk + transfer, basis, transfer


def cache_node_count(p: Mapping[str, Any]) -> int:
    """Nodes of an ElastiCache replication group: shards x (1 + replicas) in cluster mode, else its clusters."""
    if p.get("numNodeGroups") is not None:
        return int(_num(p.get("numNodeGroups"), 1) * (1 + _num(p.get("replicasPerNodeGroup"), 0)))
    return int(_num(p.get("numCacheClusters"), 1))


def global_datastore_of(r: PricedResource, c: _Context) -> PricedResource | None:
    """The Global Datastore a secondary replication group joins: the planned global group its
    ``globalReplicationGroupId`` names (by URN, id, ARN, or the id AWS builds as ``<region prefix>-<suffix>``), else
    the stack's only one."""
    reference = str(r.properties.get("globalReplicationGroupId") or "")
    groups = [g for g in c.planned if g.type == GLOBAL_DATASTORE]
    for g in groups:
        names = {g.urn} | {str(g.properties.get(k) or "") for k in ("id", "globalReplicationGroupId", "arn")}
        suffix = str(g.properties.get("globalReplicationGroupIdSuffix") or "")
        by_suffix = bool(suffix) and (reference == suffix or reference.endswith(f"-{suffix}"))
        if reference and (reference in names or by_suffix):
            return g
    return groups[0] if len(groups) == 1 else None


def is_cache_secondary(r: PricedResource, c: _Context) -> bool:
    """A replication group that joins a Global Datastore as a secondary: it names one, or (its id unknown before
    deploy) it has no node type of its own while the plan holds a Global Datastore."""
    if r.type != CACHE_GROUP:
        return False
    if r.properties.get("globalReplicationGroupId"):
        return True
    return not r.properties.get("nodeType") and any(g.type == GLOBAL_DATASTORE for g in c.planned)


def _primary_of(group: PricedResource, c: _Context) -> PricedResource | None:
    reference = str(group.properties.get("primaryReplicationGroupId") or "")
    return _planned(c, CACHE_GROUP, reference, ("replicationGroupId", "id", "arn"))


def _cache_secondary(r: PricedResource, c: _Context) -> tuple[float, str]:
    """A Global Datastore secondary: the node type and shards of its global group apply when it names none. Never
    a silent $0: without a node type from any of them it is listed as not priced, saying what was missing."""
    own = r.properties
    group = global_datastore_of(r, c)
    primary = _primary_of(group, c) if group else None
    sources: list[tuple[str, Mapping[str, Any]]] = [("its own", own)]
    if group:
        sources.append(
            ("the Global Datastore's", {**group.properties, "nodeType": group.properties.get("cacheNodeType")})
        )
    if primary:
        sources.append(("the primary's", primary.properties))
    size_from, size = next(((label, p.get("nodeType")) for label, p in sources if p.get("nodeType")), ("", None))
    if not size:
        found = "its Global Datastore or its primary" if group else "a Global Datastore (none found)"
        raise KeyError(
            f"Global Datastore secondary with no node type of its own, nor from {found} in the plan "
            f"(globalReplicationGroupId {own.get('globalReplicationGroupId')!r})"
        )
    shards_from, shards = next(
        ((label, p.get("numNodeGroups")) for label, p in sources if p.get("numNodeGroups") is not None), ("", None)
    )
    primary_props = primary.properties if primary else {}
    if shards is not None:
        replicas = own.get("replicasPerNodeGroup", primary_props.get("replicasPerNodeGroup"))
        nodes = int(_num(shards, 1) * (1 + _num(replicas, 0)))
        layout = f"{_num(shards, 1):g} shards from {shards_from} x (1 + {_num(replicas, 0):g} replicas)"
    elif own.get("numCacheClusters") is not None or not primary_props:
        nodes = cache_node_count(own)
        layout = f"{nodes} nodes"
    else:
        nodes = cache_node_count(primary_props)
        layout = f"{nodes} nodes, as the primary"
    cost = c.per_hour(f"{size} node hours", c.hourly("elasticache", str(size)), nodes, "node-hours")
    return cost, (
        f"{nodes} x {size} x {c.hours:.0f} h (Global Datastore secondary: node type from {size_from}; {layout}; "
        "its replication transfer is priced on the Global Datastore)"
    )


def _elasticache(r: PricedResource, c: _Context) -> tuple[float, str]:
    if is_cache_secondary(r, c):
        return _cache_secondary(r, c)
    size = str(r.properties.get("nodeType"))
    nodes = (
        cache_node_count(r.properties)
        if r.type.endswith("ReplicationGroup")
        else int(_num(r.properties.get("numCacheNodes"), 1))
    )
    cost = c.per_hour(f"{size} node hours", c.hourly("elasticache", size), nodes, "node-hours")
    basis = f"{nodes} x {size} x {c.hours:.0f} h"
    kept = int(_num(r.properties.get("snapshotRetentionLimit"), 0))
    if kept > 1:
        gb, rate = c.usage.cacheSnapshotGb, c.unit["elasticacheBackupGbMonth"]
        cost += c.charge("backup storage beyond the free backup", (kept - 1) * gb, "GB-months", rate)
        basis += f" + {kept - 1} daily backups beyond the free one x {gb:g} GB x ${rate}/GB"
    return cost, basis


def _global_datastore(r: PricedResource, c: _Context) -> Priced:
    secondaries = [
        s
        for s in c.planned
        if is_cache_secondary(s, c) and (g := global_datastore_of(s, c)) is not None and g.urn == r.urn
    ]
    label = "Global Datastore: no charge of its own (its clusters are priced as replication groups)"
    if not secondaries:
        return 0.0, f"{label}; no secondary in the plan, so nothing crosses regions"
    gb, rate = c.usage.cacheReplicationGb, c.unit["interRegionTransferGb"]
    cost = c.charge("inter-region replication transfer", gb * len(secondaries), "GB", rate)
    regions = ", ".join(sorted({s.region for s in secondaries}))
    count = len(secondaries)
    to = f"{count} secondar{'y' if count == 1 else 'ies'} in {regions}"
    return cost, f"{label}; {gb:g} GB x {to} x ${rate}/GB inter-region", cost


def _ec2(r: PricedResource, c: _Context) -> tuple[float, str]:
    size = str(r.properties.get("instanceType"))
    root = _num((r.properties.get("rootBlockDevice") or {}).get("volumeSize"), 8)
    cost = c.per_hour(f"{size} instance hours", c.hourly("ec2", size))
    cost += c.charge("root volume (gp3)", root, "GB-months", c.unit["ebsGp3GbMonth"])
    return cost, f"{size} x {c.hours:.0f} h + {root:g} GB gp3"


def _ebs(r: PricedResource, c: _Context) -> tuple[float, str]:
    size = _num(r.properties.get("size"), 8)
    return c.charge(
        "gp3 volume", size, "GB-months", c.unit["ebsGp3GbMonth"]
    ), f"{size:g} GB gp3 x ${c.unit['ebsGp3GbMonth']}"


def _launch_template(r: PricedResource, c: _Context) -> tuple[float, str]:
    return 0.0, "priced through the Auto Scaling group that launches it"


def asg_size_and_count(r: PricedResource, c: _Context) -> tuple[str, float]:
    """An Auto Scaling group's instance type and desired capacity: the first of its mixed-instances overrides
    (the one it launches while EC2 has capacity of it), else its own or its launch template's type."""
    template = r.properties.get("launchTemplate") or {}
    mixed = (r.properties.get("mixedInstancesPolicy") or {}).get("launchTemplate") or {}
    specification = mixed.get("launchTemplateSpecification") or {}
    reference = template.get("id") or template.get("name") or specification.get("launchTemplateId") or ""
    source = c.by_reference.get(str(reference))
    overrides = [o.get("instanceType") for o in mixed.get("overrides") or [] if o.get("instanceType")]
    size = str(
        r.properties.get("instanceType")
        or (overrides[0] if overrides else None)
        or (source.properties if source else {}).get("instanceType")
    )
    return size, _num(r.properties.get("desiredCapacity"), _num(r.properties.get("minSize"), 1))


def _asg(r: PricedResource, c: _Context) -> tuple[float, str]:
    """Desired capacity at the group's first instance type."""
    size, count = asg_size_and_count(r, c)
    cost = c.per_hour(f"{size} instance hours", c.hourly("ec2", size), count, "instance-hours")
    return cost, f"{count:g} x {size} x {c.hours:.0f} h (desired capacity)"


# AWS's free internet egress: 100 GB a month, aggregated over the account's services and regions.
FREE_EGRESS_GB = 100.0
CLOUDFRONT = "aws:cloudfront/distribution:Distribution"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")


def _public(r: PricedResource) -> bool:
    return not r.properties.get("internal")


def egress_load_balancer(planned: Iterable[PricedResource]) -> PricedResource | None:
    """The load balancer the stack's internet egress (``dataTransferOutGb``, a per-stack volume) is priced on: the
    first internet-facing one of the primary region; none when a CloudFront distribution serves the stack."""
    planned = list(planned)
    if any(r.type == CLOUDFRONT for r in planned):
        return None
    public = [r for r in planned if r.type in LOAD_BALANCERS and _public(r) and not is_dr_provider(r.provider)]
    return min(public, key=lambda r: r.urn) if public else None


def _alb(r: PricedResource, c: _Context) -> tuple[float, str]:
    if str(r.properties.get("loadBalancerType", "application")) != "application":
        cost, basis = c.per_hour("load balancer hours", c.unit["albHour"]), f"load balancer {c.hours:.0f} h"
    else:
        lcu = c.usage.albLcu
        cost = c.per_hour("ALB hours", c.unit["albHour"])
        cost += c.per_hour("load balancer capacity units", c.unit["albLcuHour"], lcu, "LCU-hours")
        basis = f"ALB {c.hours:.0f} h x (${c.unit['albHour']} + {lcu:g} LCU x ${c.unit['albLcuHour']})"
    if _public(r):
        azs = max(1, len(r.properties.get("subnets") or r.properties.get("subnetMappings") or []))
        rate = c.unit["publicIpv4Hour"]
        cost += c.per_hour("public IPv4 address hours, one per AZ", rate, azs, "address-hours")
        basis += f" + {azs} public IPv4 (one per AZ) x {c.hours:.0f} h x ${rate}/h"
        egress = egress_load_balancer(c.planned)
        if egress is not None and egress.urn == r.urn:
            gb, out_rate = c.usage.dataTransferOutGb, c.unit["dataTransferOutGb"]
            billed = max(0.0, gb - FREE_EGRESS_GB)
            cost += c.charge("internet egress beyond the free 100 GB", billed, "GB", out_rate)
            basis += (
                f" + the stack's internet egress {gb:g} GB - {FREE_EGRESS_GB:g} GB free a month = {billed:g} GB x "
                f"${out_rate}/GB"
            )
    return cost, basis


def _eks_cluster(r: PricedResource, c: _Context) -> tuple[float, str]:
    return c.per_hour(
        "EKS control plane hours", c.unit["eksClusterHour"]
    ), f"EKS control plane {c.hours:.0f} h x ${c.unit['eksClusterHour']}"


def node_group_size(group: PricedResource) -> tuple[str, float]:
    """An EKS node group's first instance type (EKS's default t3.medium when it names none) and desired size."""
    size = str((group.properties.get("instanceTypes") or ["t3.medium"])[0])
    return size, _num((group.properties.get("scalingConfig") or {}).get("desiredSize"), 1)


def _eks_nodes(r: PricedResource, c: _Context) -> tuple[float, str]:
    size, count = node_group_size(r)
    spot = r.properties.get("capacityType") == "SPOT"
    rate = c.hourly("ec2", size) * (c.unit["ec2SpotFactor"] if spot else 1.0)
    cost = c.per_hour(f"{size}{' Spot' if spot else ''} node hours", rate, count, "node-hours")
    return cost, f"{count:g} x {size}{' Spot' if spot else ''} x {c.hours:.0f} h"


def fargate_task_size(service: PricedResource, c: _Context) -> tuple[float, float, float]:
    """An ECS service's task size, vCPUs and GB, from its task definition (Fargate's smallest when it is not in
    the plan), and its desired count."""
    task = c.by_reference.get(str(service.properties.get("taskDefinition") or ""))
    props = task.properties if task else {}
    cpu, memory = _num(props.get("cpu"), 256) / 1024, _num(props.get("memory"), 512) / 1024
    return cpu, memory, _num(service.properties.get("desiredCount"), 1)


def _fargate_service(r: PricedResource, c: _Context) -> tuple[float, str]:
    cpu, memory, count = fargate_task_size(r, c)
    strategies = r.properties.get("capacityProviderStrategies") or []
    spot = any(s.get("capacityProvider") == "FARGATE_SPOT" and _num(s.get("weight"), 0) > 0 for s in strategies)
    vcpu_rate = c.unit["fargateSpotVcpuHour" if spot else "fargateVcpuHour"]
    gb_rate = c.unit["fargateSpotGbHour" if spot else "fargateGbHour"]
    on = " (Spot)" if spot else ""
    cost = c.per_hour(f"vCPU hours{on}", vcpu_rate, count * cpu, "vCPU-hours")
    cost += c.per_hour(f"memory hours{on}", gb_rate, count * memory, "GB-hours")
    return cost, f"{count:g} task(s) x {cpu:g} vCPU/{memory:g} GB x {c.hours:.0f} h{' on Spot' if spot else ''}"


def _lambda(r: PricedResource, c: _Context) -> tuple[float, str]:
    memory_gb = _num(r.properties.get("memorySize"), 128) / 1024
    if _rotation(r):
        # Each rotation step runs seconds (a Redis token change waits minutes for the group): at most 15 minutes.
        calls, seconds = ROTATION_INVOCATIONS_A_MONTH, 900
        cost = c.charge("requests", calls / 1e6, "1M requests", c.unit["lambdaRequestsMillion"])
        cost += c.charge("compute", calls * seconds * memory_gb, "GB-seconds", c.unit["lambdaGbSecond"])
        return cost, f"secret rotation: {calls} steps a month x at most {seconds} s x {memory_gb:g} GB"
    invocations = c.usage.lambdaInvocationsMillion
    gb_seconds = invocations * 1e6 * c.usage.lambdaAvgDurationMs / 1000 * memory_gb
    cost = c.charge("requests", invocations, "1M requests", c.unit["lambdaRequestsMillion"])
    cost += c.charge("compute", gb_seconds, "GB-seconds", c.unit["lambdaGbSecond"])
    return cost, f"{invocations:g}M invocations x {c.usage.lambdaAvgDurationMs:g} ms x {memory_gb:g} GB"


LIFECYCLE_CONFIGURATION = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
# Objects without an expiry are assumed kept this long when blending the classes a lifecycle moves them through.
UNEXPIRED_HORIZON_DAYS = 365 * 3


def storage_blend(transitions: Sequence[tuple[int, str]], expiry_days: int | None) -> list[tuple[str, float]]:
    """The share of a bucket's bytes in each storage class, in a steady state where objects arrive evenly and
    move through the lifecycle's transitions: the time an object spends in a class over its whole life.
    (Intelligent-Tiering from day 0 is priced as Standard, its frequent tier, which is an upper bound.)"""
    life = float(expiry_days or UNEXPIRED_HORIZON_DAYS)
    steps = sorted((days, cls) for days, cls in transitions if days < life)
    starts = [(0, "STANDARD"), *steps] if not steps or steps[0][0] > 0 else steps
    shares: list[tuple[str, float]] = []
    for position, (start, cls) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else life
        if end > start:
            shares.append((cls, (end - start) / life))
    return shares


def _lifecycle_of(bucket: PricedResource, c: _Context) -> tuple[list[tuple[int, str]], int | None] | None:
    """The bucket's declared lifecycle (current versions): its transitions and expiry; None without one."""
    keys = {str(bucket.properties.get(k)) for k in ("id", "bucket") if bucket.properties.get(k)} | {bucket.name}
    for r in c.planned:
        if r.type == LIFECYCLE_CONFIGURATION and str(r.properties.get("bucket")) in keys:
            transitions: list[tuple[int, str]] = []
            expiry: int | None = None
            for rule in r.properties.get("rules") or []:
                if str(rule.get("status", "Enabled")) != "Enabled":
                    continue
                for t in rule.get("transitions") or []:
                    if t.get("storageClass"):
                        transitions.append((int(_num(t.get("days"), 0)), str(t["storageClass"])))
                days = (rule.get("expiration") or {}).get("days")
                if days:
                    expiry = int(days) if expiry is None else min(expiry, int(days))
            return transitions, expiry
    return None


def _bucket(r: PricedResource, c: _Context) -> tuple[float, str]:
    gb = c.usage.s3StorageGb
    rates: Mapping[str, float] = c.prices["s3"]
    lifecycle = _lifecycle_of(r, c)
    if lifecycle is None or not lifecycle[0]:
        rate = rates["STANDARD"]
        cost = c.charge("Standard storage", gb, "GB-months", rate)
        return cost, f"{gb:g} GB x ${rate}/GB (Standard; no lifecycle transition declared)"
    shares = storage_blend(*lifecycle)
    for cls, share in shares:
        c.charge(
            f"{cls} storage ({share:.0%} of the bytes)", gb * share, "GB-months", rates.get(cls, rates["STANDARD"])
        )
    rate = sum(share * rates.get(cls, rates["STANDARD"]) for cls, share in shares)
    mix = ", ".join(f"{share:.0%} {cls}" for cls, share in shares)
    return gb * rate, f"{gb:g} GB x ${rate:.4f}/GB blended over the declared lifecycle ({mix})"


def _flat(key: str, label: str) -> Pricer:
    def price(r: PricedResource, c: _Context) -> tuple[float, str]:
        return c.charge(label, 1, "months", c.unit[key]), f"{label} ${c.unit[key]}/month"

    return price


def _requests(key: str, usage_name: str, label: str) -> Pricer:
    def price(r: PricedResource, c: _Context) -> tuple[float, str]:
        volume: float = getattr(c.usage, usage_name)
        return c.charge(label, volume, "1M requests", c.unit[key]), f"{volume:g}M {label} x ${c.unit[key]}/M"

    return price


def _per_gb(key: str, usage_name: str, label: str) -> Pricer:
    def price(r: PricedResource, c: _Context) -> tuple[float, str]:
        volume: float = getattr(c.usage, usage_name)
        cost = c.charge(f"storage {label}", volume, "GB-months", c.unit[key])
        return cost, f"{volume:g} GB {label} x ${c.unit[key]}/GB"

    return price


def _waf(r: PricedResource, c: _Context) -> tuple[float, str]:
    rules = len(r.properties.get("rules") or [])
    cost = c.charge("web ACL", 1, "months", c.unit["wafWebAclMonth"])
    cost += c.charge("rules", rules, "rule-months", c.unit["wafRuleMonth"])
    requests = c.usage.apiRequestsMillion
    return cost + c.charge(
        "requests", requests, "1M requests", c.unit["wafRequestsMillion"]
    ), f"web ACL + {rules} rules + {requests:g}M requests"


# CloudFront's always-free tier, per account a month.
CLOUDFRONT_FREE_GB, CLOUDFRONT_FREE_REQUESTS_MILLION = 1024.0, 10.0


def _cloudfront(r: PricedResource, c: _Context) -> tuple[float, str]:
    gb, requests = c.usage.cloudfrontGb, c.usage.cloudfrontRequestsMillion
    billed_gb = max(0.0, gb - CLOUDFRONT_FREE_GB)
    billed_requests = max(0.0, requests - CLOUDFRONT_FREE_REQUESTS_MILLION)
    rate, request_rate = c.unit["cloudfrontGbOut"], c.unit["cloudfrontHttpsRequests10k"]
    cost = c.charge("data out beyond the free 1 TB", billed_gb, "GB", rate)
    cost += c.charge("HTTPS requests beyond the free 10M", billed_requests * 100, "10k requests", request_rate)
    return cost, (
        f"{gb:g} GB out - {CLOUDFRONT_FREE_GB:g} GB free = {billed_gb:g} GB x ${rate}/GB + {requests:g}M requests - "
        f"{CLOUDFRONT_FREE_REQUESTS_MILLION:g}M free = {billed_requests:g}M x ${request_rate}/10k (the always-free "
        "tier is per account: shared when an account has several distributions; carries the stack's internet egress)"
    )


def _secret(r: PricedResource, c: _Context) -> Priced:
    replicas = len(r.properties.get("replicas") or [])
    copies = 1 + replicas
    rate = c.unit["secretsManagerSecretMonth"]
    cost = c.charge("secret, with its replicas", copies, "secret-months", rate)
    return cost, f"{copies} cop{'y' if copies == 1 else 'ies'} x ${rate}/month", replicas * rate


def _influx(r: PricedResource, c: _Context) -> tuple[float, str]:
    size = str(r.properties.get("dbInstanceType"))
    factor = 2.0 if str(r.properties.get("deploymentType", "")).startswith("WITH_MULTIAZ") else 1.0
    storage = _num(r.properties.get("allocatedStorage"), 20)
    layout = " Multi-AZ" if factor > 1 else ""
    cost = c.per_hour(f"{size}{layout} instance hours", c.hourly("timestreamInfluxdb", size) * factor)
    cost += c.charge("storage", storage, "GB-months", c.unit["timestreamInfluxStorageGbMonth"])
    return cost, f"{size}{' Multi-AZ' if factor > 1 else ''} x {c.hours:.0f} h + {storage:g} GB"


def _free(label: str) -> Pricer:
    def price(r: PricedResource, c: _Context) -> tuple[float, str]:
        return 0.0, label

    return price


def alarm_metrics(p: Mapping[str, Any]) -> tuple[int, str]:
    """How many alarm metrics CloudWatch bills an alarm as, and why: a plain alarm one, a metric-math alarm one
    per metric it queries, an anomaly-detection alarm three (its metric and the band's upper and lower bounds)."""
    queries: list[Mapping[str, Any]] = p.get("metricQueries") or []
    bands = [q for q in queries if str(q.get("expression") or "").strip().upper().startswith("ANOMALY_DETECTION_BAND")]
    if p.get("thresholdMetricId") or bands:
        return 3, "anomaly detection: the metric and its two band metrics"
    if queries:
        return max(1, sum(1 for q in queries if q.get("metric"))), "metric math: one per metric queried"
    return 1, "one metric"


def high_resolution(p: Mapping[str, Any]) -> bool:
    """Whether the alarm evaluates a period under 60 seconds (a high-resolution alarm)."""
    queries: list[Mapping[str, Any]] = p.get("metricQueries") or []
    periods = [p.get("period")] + [q.get("period") for q in queries]
    periods += [(q.get("metric") or {}).get("period") for q in queries]
    return any(0 < _num(period, 60) < 60 for period in periods if period is not None)


def _alarm(r: PricedResource, c: _Context) -> tuple[float, str]:
    metrics, why = alarm_metrics(r.properties)
    fast = high_resolution(r.properties)
    rate = c.unit["cloudwatchHighResAlarmMonth" if fast else "cloudwatchAlarmMonth"]
    resolution = "high resolution" if fast else "standard resolution"
    return c.charge(
        "alarm metrics", metrics, "metric-months", rate
    ), f"{metrics} alarm metric{'s' if metrics > 1 else ''} x ${rate}/month ({why}; {resolution})"


def _dashboard(r: PricedResource, c: _Context) -> tuple[float, str]:
    rate = c.unit["cloudwatchDashboardMonth"]
    return c.charge("dashboard", 1, "months", rate), f"dashboard ${rate}/month (the account's first three are free)"


def _log_metric_filter(r: PricedResource, c: _Context) -> tuple[float, str]:
    rate = c.unit["cloudwatchMetricMonth"]
    transformation = r.properties.get("metricTransformation") or {}
    extra = "; one more per distinct dimension value" if transformation.get("dimensions") else ""
    return c.charge("custom metric", 1, "metric-months", rate), f"1 custom metric x ${rate}/month{extra}"


def _topic(r: PricedResource, c: _Context) -> tuple[float, str]:
    messages = c.usage.alertMessages
    rate = c.unit["snsRequestsMillion"]
    label = f"{messages:g} publishes x ${rate}/M (no standing charge; deliveries priced per subscription)"
    return c.charge("publishes", messages / 1e6, "1M requests", rate), label


# SNS delivery charges by protocol: (price key, messages per priced unit, what is delivered, note).
SNS_DELIVERIES: dict[str, tuple[str, float, str, str]] = {
    "email": ("snsEmail100k", 1e5, "emails", "/100,000 (the account's first 1,000 a month are free)"),
    "email-json": ("snsEmail100k", 1e5, "emails", "/100,000 (the account's first 1,000 a month are free)"),
    "sms": ("snsSmsUs", 1, "SMS", " each (US; other countries differ)"),
    "http": ("snsHttpMillion", 1e6, "HTTP deliveries", "/M (the first 100,000 a month are free)"),
    "https": ("snsHttpMillion", 1e6, "HTTPS deliveries", "/M (the first 100,000 a month are free)"),
}


def _subscription(r: PricedResource, c: _Context) -> tuple[float, str]:
    protocol = str(r.properties.get("protocol") or "").lower()
    if protocol in ("sqs", "lambda"):
        return 0.0, f"deliveries to {'SQS' if protocol == 'sqs' else 'Lambda'}: no SNS charge"
    if protocol not in SNS_DELIVERIES:
        return 0.0, f"not priced: {protocol or 'unknown'} deliveries"
    key, per, what, note = SNS_DELIVERIES[protocol]
    messages = c.usage.alertMessages
    unit = what if per == 1 else f"{per / 1e6:g}M {what}" if per >= 1e6 else f"{per / 1e3:g}k {what}"
    return c.charge(what, messages / per, unit, c.unit[key]), f"{messages:g} {what} x ${c.unit[key]}{note}"


def traces_recorded(requests: float, reservoir: float, rate: float, seconds: float) -> float:
    """Traces an X-Ray sampling rule records of ``requests`` spread evenly over ``seconds``: the first
    ``reservoir`` requests of each second, then ``rate`` of the rest."""
    per_second = requests / seconds
    return seconds * (min(per_second, reservoir) + rate * max(per_second - reservoir, 0.0))


def _sampling_rule(r: PricedResource, c: _Context) -> tuple[float, str]:
    reservoir = _num(r.properties.get("reservoirSize"), 1)
    rate = _num(r.properties.get("fixedRate"), 0.05)
    requests = c.usage.tracedRequestsMillion * 1e6
    traces = traces_recorded(requests, reservoir, rate, c.hours * 3600)
    price = c.unit["xrayTracesRecordedMillion"]
    return c.charge("traces recorded", traces / 1e6, "1M traces", price), (
        f"{traces / 1e6:.2f}M traces of {requests / 1e6:g}M requests ({reservoir:g}/s + {rate:.0%} of the rest, "
        f"traffic even) x ${price}/M recorded (first 100,000 a month free; retrievals not priced)"
    )


def cluster_nodes(cluster: str, planned: Iterable[PricedResource]) -> float:
    """The desired nodes of the EKS node groups of ``cluster``; a node group that names no cluster (derived
    from a pulumi-eks ManagedNodeGroup) counts as the stack's."""
    groups = [
        r
        for r in planned
        if r.type == "aws:eks/nodeGroup:NodeGroup" and str(r.properties.get("clusterName") or cluster) == cluster
    ]
    return sum(node_group_size(g)[1] for g in groups)


def _eks_addon(r: PricedResource, c: _Context) -> tuple[float, str] | None:
    if r.properties.get("addonName") != "amazon-cloudwatch-observability":
        return None
    nodes = cluster_nodes(str(r.properties.get("clusterName") or ""), c.planned)
    counted = f"{nodes:g} nodes of its node groups" if nodes else f"{EKS_DEFAULT_DESIRED_CAPACITY} nodes assumed"
    nodes = nodes or EKS_DEFAULT_DESIRED_CAPACITY
    observations, rate = c.usage.containerObservationsMillion, c.unit["containerInsightsObservationsMillion"]
    return c.charge("Container Insights observations", nodes * observations, "1M observations", rate), (
        f"Container Insights (enhanced): {counted} x {observations:g}M observations x ${rate}/M "
        "(assumed rate; the container logs it ships are not priced)"
    )


def _waf_logging(r: PricedResource, c: _Context) -> tuple[float, str]:
    destinations = [str(d) for d in r.properties.get("logDestinationConfigs") or []]
    if destinations and all(":logs:" in d for d in destinations):
        return 0.0, "vended WAF logs: billed as ingestion into the destination log group, priced there"
    return 0.0, "vended WAF logs: billed at the destination (S3 or Firehose delivery not priced)"


# Where AWS's own endpoints answer: a health check of one of these is of an AWS endpoint.
AWS_DOMAINS = (".amazonaws.com", ".cloudfront.net", ".on.aws", ".awsglobalaccelerator.com")
# Health checks with no endpoint of their own, billed as basic health checks of AWS endpoints.
ENDPOINTLESS_CHECKS = ("CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL")


def aws_endpoint(p: Mapping[str, Any], planned: Iterable[PricedResource]) -> bool:
    """Whether a health check's endpoint is an AWS resource (its name under an AWS domain, or a planned load
    balancer's, distribution's or Elastic IP's name or address), as Route 53 bills it."""
    fqdn = str(p.get("fqdn") or "").rstrip(".").lower()
    address = str(p.get("ipAddress") or "")
    if fqdn.endswith(AWS_DOMAINS):
        return True
    endpoints = {
        str(r.properties.get(k) or "").rstrip(".").lower()
        for r in planned
        for k in ("dnsName", "domainName", "publicIp", "publicDns")
    } - {""}
    return bool((fqdn and fqdn in endpoints) or (address and address in endpoints))


def health_check_options(p: Mapping[str, Any]) -> list[str]:
    """The optional features a health check is billed for: HTTPS, string matching, the 10-second interval, and
    latency measurement."""
    kind = str(p.get("type") or "").upper()
    options = []
    if kind.startswith("HTTPS"):
        options.append("HTTPS")
    if kind.endswith("STR_MATCH"):
        options.append("string matching")
    if _num(p.get("requestInterval"), 30) == 10:
        options.append("fast interval")
    if p.get("measureLatency"):
        options.append("latency measurement")
    return options


def _health_check(r: PricedResource, c: _Context) -> tuple[float, str]:
    p = r.properties
    endpointless = str(p.get("type") or "").upper() in ENDPOINTLESS_CHECKS
    aws = endpointless or aws_endpoint(p, c.planned)
    base = c.unit["route53HealthCheckMonth" if aws else "route53HealthCheckNonAwsMonth"]
    option_rate = c.unit["route53HealthCheckOptionMonth" if aws else "route53HealthCheckOptionNonAwsMonth"]
    options = [] if endpointless else health_check_options(p)
    target = str(p.get("type")).lower() if endpointless else str(p.get("fqdn") or p.get("ipAddress") or "?")
    what = "an AWS endpoint" if aws else "a non-AWS endpoint"
    basis = f"health check of {what} ({target}) ${base}/month"
    if options:
        basis += f" + {len(options)} optional feature{'s' if len(options) > 1 else ''} ({', '.join(options)}) x "
        basis += f"${option_rate}/month"
    if aws:
        basis += " (the account's first 50 basic AWS-endpoint checks are free; not subtracted)"
    cost = c.charge(f"health check of {what}", 1, "months", base)
    if options:
        cost += c.charge("optional features", len(options), "feature-months", option_rate)
    return cost, basis


def _record(r: PricedResource, c: _Context) -> tuple[float, str]:
    p = r.properties
    routing = " (failover routing)" if p.get("failoverRoutingPolicies") else ""
    if p.get("aliases"):
        return 0.0, f"alias record{routing}: no charge (queries to alias records of AWS resources are free)"
    rate = c.unit["route53QueriesMillion"]
    return 0.0, (
        f"record{routing}: no standing charge; its queries (${rate}/M standard) are not priced, no DNS query "
        "volume being assumed"
    )


def _bucket_replication(r: PricedResource, c: _Context) -> Priced:
    """Cross-region replication: each destination receives s3ReplicationGb, at the inter-region transfer rate
    when it is in another region, plus Replication Time Control's fee and the replication metrics' when a rule
    turns them on. The replicas' storage is priced on the destination bucket."""
    rules = [rule for rule in r.properties.get("rules") or [] if str(rule.get("status", "Enabled")) == "Enabled"]
    if not rules:
        return 0.0, "bucket replication with no enabled rule: nothing replicated"
    destinations: dict[str, list[Mapping[str, Any]]] = {}
    for rule in rules:
        destinations.setdefault(str((rule.get("destination") or {}).get("bucket") or "?"), []).append(rule)
    gb, transfer_rate = c.usage.s3ReplicationGb, c.unit["interRegionTransferGb"]
    rtc_rate, metric_rate = c.unit["s3RtcGb"], c.unit["cloudwatchMetricMonth"]
    total, parts = 0.0, []
    for bucket, its_rules in destinations.items():
        name = bucket.rsplit(":", 1)[-1]
        target = _planned(c, "aws:s3/bucketV2:BucketV2", bucket, ("arn", "bucket", "id")) or _planned(
            c, "aws:s3/bucket:Bucket", bucket, ("arn", "bucket", "id")
        )
        region = target.region if target else ""
        cost, part = 0.0, f"{gb:g} GB to {name}"
        if region != r.region:
            cost += c.charge(f"replication transfer to {name}", gb, "GB", transfer_rate)
            where = region or "a region the plan does not show, assumed another"
            part += f" ({where}) x ${transfer_rate}/GB inter-region"
        else:
            part += " (same region: no transfer charge)"
        destination_of = [rule.get("destination") or {} for rule in its_rules]
        if any(str((d.get("replicationTime") or {}).get("status")) == "Enabled" for d in destination_of):
            cost += c.charge(f"Replication Time Control to {name}", gb, "GB", rtc_rate)
            part += f" + Replication Time Control {gb:g} GB x ${rtc_rate}/GB"
        metered = sum(1 for d in destination_of if str((d.get("metrics") or {}).get("status")) == "Enabled")
        if metered:
            cost += c.charge(f"replication metrics of {name}", 4 * metered, "metric-months", metric_rate)
            part += f" + {4 * metered} replication metrics x ${metric_rate}/month"
        total += cost
        parts.append(part)
    return total, "; ".join(parts) + " (replica storage priced on the destination bucket)", total


def _backup_plan(r: PricedResource, c: _Context) -> Priced:
    actions = [a for rule in r.properties.get("rules") or [] for a in rule.get("copyActions") or []]
    if not actions:
        return 0.0, "backup plan: no charge of its own (backups are priced on their vault)"
    regions = [arn_region(str(a.get("destinationVaultArn") or "")) for a in actions]
    crossing = [region or "an unknown region, assumed another" for region in regions if region != r.region]
    gb, rate = c.usage.backupCopyGb, c.unit["interRegionTransferGb"]
    if not crossing:
        return 0.0, f"backup plan: {len(actions)} same-region copy action(s), no transfer charge (storage on the vault)"
    cost = c.charge("cross-region copy transfer", len(crossing) * gb, "GB", rate)
    basis = (
        f"{len(crossing)} cross-region copy action{'s' if len(crossing) > 1 else ''} x {gb:g} GB x ${rate}/GB "
        f"to {', '.join(sorted(set(crossing)))} (the copies' storage is priced on the destination vault)"
    )
    return cost, basis, cost


def _repository_matches(name: str, filters: Sequence[Mapping[str, Any]]) -> bool:
    return not filters or any(name.startswith(str(f.get("filter") or "")) for f in filters)


def _registry_replication(r: PricedResource, c: _Context) -> Priced:
    """ECR replication: each destination region receives registryReplicationGb of pushed layers at the
    inter-region rate, and keeps a replica of every repository the rule's filters match (registryStorageGb
    each)."""
    rules = (r.properties.get("replicationConfiguration") or {}).get("rules") or []
    repositories = [str(x.properties.get("name") or x.name) for x in c.planned if x.type == ECR_REPOSITORY]
    gb, rate = c.usage.registryReplicationGb, c.unit["interRegionTransferGb"]
    stored, storage_rate = c.usage.registryStorageGb, c.unit["ecrGbMonth"]
    total, parts = 0.0, []
    for rule in rules:
        filters = rule.get("repositoryFilters") or []
        matched = sum(1 for name in repositories if _repository_matches(name, filters))
        for destination in rule.get("destinations") or []:
            region = str(destination.get("region") or "")
            if region == r.region:
                parts.append(f"to {region}: same region (another account), not priced as standby")
                continue
            cost = c.charge(f"replication transfer to {region}", gb, "GB", rate)
            cost += c.charge(f"replica storage in {region}", matched * stored, "GB-months", storage_rate)
            total += cost
            parts.append(
                f"to {region}: {gb:g} GB pushed x ${rate}/GB + {matched} repositor{'y' if matched == 1 else 'ies'} "
                f"kept there x {stored:g} GB x ${storage_rate}/GB"
            )
    if not parts:
        return 0.0, "registry replication with no destination: nothing replicated"
    return total, "; ".join(parts), total


def _pipeline(r: PricedResource, c: _Context) -> tuple[float, str]:
    runs = c.usage.pipelineRuns
    if str(r.properties.get("pipelineType") or "V1").upper() != "V2":
        if runs == 0:
            return 0.0, "V1 pipeline with no runs: an inactive pipeline has no charge"
        rate = c.unit["codepipelineV1Month"]
        return c.charge(
            "active V1 pipeline", 1, "pipeline-months", rate
        ), f"V1 pipeline: 1 active pipeline x ${rate}/month (one V1 pipeline per account is free)"
    actions = [a for stage in r.properties.get("stages") or [] for a in stage.get("actions") or []]
    free = [a for a in actions if str(a.get("category")) == "Approval" or str(a.get("owner")) == "Custom"]
    builds = [a for a in actions if a not in free and str(a.get("category")) in ("Build", "Test")]
    others = len(actions) - len(free) - len(builds)
    minutes = len(builds) * c.usage.buildMinutesPerRun + others * c.usage.actionMinutesPerRun
    rate = c.unit["codepipelineActionMinute"]
    return c.charge("action minutes", runs * minutes, "minutes", rate), (
        f"V2 pipeline: {runs:g} runs x {minutes:g} action minutes ({len(builds)} build/test x "
        f"{c.usage.buildMinutesPerRun:g} min + {others} other x {c.usage.actionMinutesPerRun:g} min; "
        f"{len(free)} approval/custom free) x ${rate}/min (the account's first 100 minutes a month are free)"
    )


def _codebuild(r: PricedResource, c: _Context) -> tuple[float, str]:
    environment = r.properties.get("environment") or {}
    kind = str(environment.get("type") or "LINUX_CONTAINER")
    compute = str(environment.get("computeType") or "BUILD_GENERAL1_SMALL")
    rates: Mapping[str, float] = c.prices["codebuild"]
    if f"{kind}:{compute}" not in rates:
        raise KeyError(f"no CodeBuild price for {compute} on {kind}")
    rate = rates[f"{kind}:{compute}"]
    runs, minutes = c.usage.pipelineRuns, c.usage.buildMinutesPerRun
    return c.charge(f"{compute} build minutes", runs * minutes, "minutes", rate), (
        f"{runs:g} builds x {minutes:g} min x ${rate}/min ({compute} {kind}; the account's first 100 minutes a "
        "month of general1.small or arm1.small are free)"
    )


def _vault(r: PricedResource, c: _Context) -> tuple[float, str]:
    """A backup vault of RDS snapshots is billed at the RDS snapshot rate; of S3, EBS or EFS backups at the warm
    rate. The vault holds RDS snapshots when the plan declares a database carrying a backup-plan tag."""
    gb = c.usage.backupStorageGb
    databases = any(x.type == RDS_INSTANCE and "backup-plan" in (x.properties.get("tags") or {}) for x in c.planned)
    key = "backupRdsSnapshotGbMonth" if databases else "backupWarmGbMonth"
    what = "RDS snapshots (and bucket backups at this rate, on the safe side)" if databases else "warm backups"
    return c.charge("backup storage", gb, "GB-months", c.unit[key]), f"{gb:g} GB of {what} x ${c.unit[key]}/GB"


def _timestream_table(r: PricedResource, c: _Context) -> tuple[float, str]:
    gb = c.usage.timeSeriesStorageGb
    rate = c.unit["timestreamMagneticGbMonth"]
    return c.charge("magnetic storage", gb, "GB-months", rate), (
        f"{gb:g} GB magnetic x ${rate}/GB (Timestream for LiveAnalytics: closed to new customers since 2025-06-20; "
        "queries, billed in TCUs, are not priced)"
    )


def _config_recorder(r: PricedResource, c: _Context) -> tuple[float, str]:
    items, rate = c.usage.configItems, c.unit["configItem"]
    return c.charge(
        "configuration items", items, "items", rate
    ), f"{items:g} configuration items x ${rate} (continuous recording)"


def _config_rule(r: PricedResource, c: _Context) -> tuple[float, str]:
    evaluations, rate = c.usage.configRuleEvaluations, c.unit["configRuleEvaluation"]
    return c.charge(
        "rule evaluations", evaluations, "evaluations", rate
    ), f"{evaluations:g} rule evaluations x ${rate} (first 100,000 a month tier)"


def _guardduty(r: PricedResource, c: _Context) -> tuple[float, str]:
    if r.properties.get("enable") is False:
        return 0.0, "GuardDuty detector disabled: no charge"
    events, gb = c.usage.guarddutyEventsMillion, c.usage.guarddutyLogGb
    event_rate, log_rate = c.unit["guarddutyCloudTrailEventsMillion"], c.unit["guarddutyFlowDnsLogGb"]
    cost = c.charge("CloudTrail management events", events, "1M events", event_rate)
    return cost + c.charge("VPC flow and DNS logs", gb, "GB", log_rate), (
        f"foundational threat detection: {events:g}M CloudTrail management events x ${event_rate}/M + {gb:g} GB of "
        f"VPC flow and DNS logs x ${log_rate}/GB (the 30-day trial not subtracted)"
    )


# vCPUs of the sizes AWS lists for the general-purpose, compute and memory families (EC2 and the same sizes as
# RDS classes): the burstable families' small sizes have 2 (t2's smallest 1), Graviton's medium 1, large 2, and
# each xlarge step 4 per multiple.
BURSTABLE_VCPUS = {
    "t2": {"nano": 1, "micro": 1, "small": 1, "medium": 2, "large": 2},
    "t3": {"nano": 2, "micro": 2, "small": 2, "medium": 2, "large": 2},
}


def instance_vcpus(size: str) -> int:
    """The vCPUs of an EC2 instance type or RDS instance class (``t3.medium``, ``db.r6g.xlarge``); a KeyError for a
    size whose vCPUs this rule does not know."""
    family, _, suffix = size.removeprefix("db.").partition(".")
    burstable = BURSTABLE_VCPUS["t2" if family == "t2" else "t3"] if family[:2] in ("t2", "t3", "t4") else {}
    if suffix in burstable:
        return burstable[suffix]
    if suffix == "medium":
        return 1
    if suffix == "large":
        return 2
    if suffix == "xlarge":
        return 4
    multiple = suffix.removesuffix("xlarge")
    if suffix.endswith("xlarge") and multiple.isdigit():
        return 4 * int(multiple)
    raise KeyError(f"no vCPU count known for {size}")


def _in_region(x: PricedResource, r: PricedResource) -> bool:
    return x.region == r.region


def runtime_monitored_vcpus(r: PricedResource, c: _Context) -> dict[str, float]:
    """The vCPUs GuardDuty Runtime Monitoring watches in the detector's region, by kind, as its agent management
    turns each on: Fargate tasks (ECS_FARGATE_AGENT_MANAGEMENT), EKS nodes (EKS_ADDON_MANAGEMENT), and EC2
    instances outside EKS (EC2_AGENT_MANAGEMENT), at their desired counts."""
    managed = {
        str(a.get("name")): str(a.get("status") or "ENABLED") == "ENABLED"
        for a in r.properties.get("additionalConfigurations") or []
    }
    here = [x for x in c.planned if _in_region(x, r)]
    found: dict[str, float] = {}
    if managed.get("ECS_FARGATE_AGENT_MANAGEMENT"):
        tasks = [fargate_task_size(x, c) for x in here if x.type == "aws:ecs/service:Service"]
        found["Fargate tasks"] = sum(cpu * count for cpu, _memory, count in tasks)
    if managed.get("EKS_ADDON_MANAGEMENT"):
        groups = [node_group_size(x) for x in here if x.type == "aws:eks/nodeGroup:NodeGroup"]
        found["EKS nodes"] = sum(instance_vcpus(size) * count for size, count in groups)
    if managed.get("EC2_AGENT_MANAGEMENT"):
        vcpus = 0.0
        for x in here:
            if x.type == "aws:ec2/instance:Instance":
                vcpus += instance_vcpus(str(x.properties.get("instanceType")))
            elif x.type == "aws:autoscaling/group:Group":
                size, count = asg_size_and_count(x, c)
                vcpus += instance_vcpus(size) * count
        found["EC2 instances"] = vcpus
    return {kind: vcpus for kind, vcpus in found.items() if vcpus}


def _guardduty_feature(r: PricedResource, c: _Context) -> tuple[float, str]:
    name = str(r.properties.get("name") or "")
    if str(r.properties.get("status") or "ENABLED") != "ENABLED":
        return 0.0, f"GuardDuty {name} disabled: no charge"
    if name == "S3_DATA_EVENTS":
        events, rate = c.usage.guarddutyS3EventsMillion, c.unit["guarddutyS3EventsMillion"]
        return c.charge(
            "S3 data events", events, "1M events", rate
        ), f"S3 protection: {events:g}M S3 data events x ${rate}/M"
    if name == "EKS_AUDIT_LOGS":
        if not any(x.type in ("aws:eks/cluster:Cluster", "eks:index:Cluster") for x in c.planned):
            return 0.0, "EKS protection: no EKS cluster in the plan, no audit logs to analyse"
        events, rate = c.usage.guarddutyEksAuditEventsMillion, c.unit["guarddutyEksAuditEventsMillion"]
        cost = c.charge("EKS audit log events", events, "1M events", rate)
        return cost, f"EKS protection: {events:g}M audit log events x ${rate}/M"
    if name == "EBS_MALWARE_PROTECTION":
        return 0.0, "malware protection: billed per GB scanned, only when a finding starts a scan; none assumed"
    if name == "RDS_LOGIN_EVENTS":
        rate = c.unit["guarddutyRdsVcpuMonth"]
        databases = [x for x in c.planned if x.type == RDS_INSTANCE and _in_region(x, r)]
        vcpus = sum(instance_vcpus(str(x.properties.get("instanceClass"))) for x in databases)
        cost = c.charge("vCPUs of the protected databases", vcpus, "vCPU-months", rate)
        return cost, (
            f"RDS protection: {len(databases)} database instance(s) in {r.region}, {vcpus} vCPUs x ${rate}/vCPU-month "
            "(a Multi-AZ standby takes no logins and is not counted)"
        )
    if name == "LAMBDA_NETWORK_LOGS":
        gb, rate = c.usage.guarddutyLambdaLogGb, c.unit["guarddutyLambdaLogGb"]
        cost = c.charge("Lambda network activity logs", gb, "GB", rate)
        return cost, f"Lambda protection: {gb:g} GB of function network activity logs x ${rate}/GB"
    if name == "RUNTIME_MONITORING":
        rate = c.unit["guarddutyRuntimeVcpuMonth"]
        watched = runtime_monitored_vcpus(r, c)
        cost = sum(
            c.charge(f"monitored vCPUs of {kind}", vcpus, "vCPU-months", rate) for kind, vcpus in watched.items()
        )
        what = ", ".join(f"{vcpus:g} of {kind}" for kind, vcpus in watched.items()) or "none"
        return cost, (
            f"Runtime Monitoring: monitored vCPUs at desired counts in {r.region} ({what}) x ${rate}/vCPU-month "
            "(first 500 vCPUs tier)"
        )
    raise KeyError(f"GuardDuty {name}: protection plan not modeled")


def _security_hub_standard(r: PricedResource, c: _Context) -> tuple[float, str]:
    checks, rate = c.usage.securityHubChecks, c.unit["securityHubCheck"]
    return c.charge(
        "security checks", checks, "checks", rate
    ), f"{checks:g} security checks x ${rate} (Security Hub CSPM, first 100,000 a month tier)"


# Types with no charge of their own, each with the reason; they are not lines of the estimate.
FREE_TYPES: dict[str, str] = {
    "aws:acm/certificate:Certificate": "public ACM certificates are free",
    "aws:acm/certificateValidation:CertificateValidation": "a validation waiter, not a resource AWS bills",
    "aws:apigatewayv2/integration:Integration": "billed per request on the API",
    "aws:apigatewayv2/route:Route": "billed per request on the API",
    "aws:apigatewayv2/stage:Stage": "billed per request on the API",
    "aws:appautoscaling/policy:Policy": "Application Auto Scaling is free (the scaled service is priced)",
    "aws:appautoscaling/target:Target": "Application Auto Scaling is free (the scaled service is priced)",
    "aws:autoscaling/policy:Policy": "EC2 Auto Scaling is free (the instances are priced)",
    "aws:backup/selection:Selection": "backups are priced on the vault",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "Vault Lock is free",
    "aws:cfg/deliveryChannel:DeliveryChannel": "delivery to S3 is priced as the bucket's storage",
    "aws:cfg/recorderStatus:RecorderStatus": "configuration items are priced on the recorder",
    "aws:cloudfront/cachePolicy:CachePolicy": "policies are free",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "origin access control is free",
    "aws:cloudtrail/trail:Trail": (
        "the first copy of management events is free; its S3 and CloudWatch Logs delivery is priced on the bucket "
        "and the log group; no data events are selected"
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "security groups are free",
    "aws:ec2/flowLog:FlowLog": "flow logs are billed as ingestion into the destination log group, priced there",
    "aws:ec2/internetGateway:InternetGateway": "internet gateways are free (egress is priced per stack)",
    "aws:ec2/networkAcl:NetworkAcl": "network ACLs are free",
    "aws:ec2/route:Route": "routes are free",
    "aws:ec2/routeTable:RouteTable": "route tables are free",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "route table associations are free",
    "aws:ec2/securityGroup:SecurityGroup": "security groups are free",
    "aws:ec2/subnet:Subnet": "subnets are free",
    "aws:ec2/vpc:Vpc": "VPCs are free (NAT gateways, endpoints and public IPv4 are priced)",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "lifecycle policies are free",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "creation templates are free",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": "capacity providers are free",
    "aws:ecs/taskDefinition:TaskDefinition": "priced through the service that runs it",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": "EKS Pod Identity is free",
    "aws:elasticache/subnetGroup:SubnetGroup": "subnet groups are free",
    "aws:iam/instanceProfile:InstanceProfile": "IAM is free",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "IAM is free",
    "aws:iam/role:Role": "IAM is free",
    "aws:iam/rolePolicy:RolePolicy": "IAM is free",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": "IAM is free",
    "aws:kms/alias:Alias": "aliases are free (the key is priced)",
    "aws:lambda/codeSigningConfig:CodeSigningConfig": "code signing for Lambda is free",
    "aws:lambda/eventSourceMapping:EventSourceMapping": "priced as the function's invocations and the queue's requests",
    "aws:lambda/permission:Permission": "permissions are free",
    "aws:lb/listener:Listener": "billed on the load balancer's hours and LCUs",
    "aws:lb/listenerRule:ListenerRule": "billed on the load balancer's LCUs (the first 10 rule evaluations are free)",
    "aws:lb/targetGroup:TargetGroup": "billed on the load balancer",
    "aws:rds/parameterGroup:ParameterGroup": "parameter groups are free",
    "aws:rds/subnetGroup:SubnetGroup": "subnet groups are free",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "lifecycle rules are free",
    "aws:s3/bucketLogging:BucketLogging": "server access logging is free (the logs are priced as the target's storage)",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "Object Lock is free",
    "aws:s3/bucketObjectv2:BucketObjectv2": "an object: priced in the bucket's storage",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "bucket settings are free",
    "aws:s3/bucketPolicy:BucketPolicy": "bucket settings are free",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "bucket settings are free",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "bucket settings are free (KMS requests are priced on the key)"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": "versioning is free (noncurrent versions are in the bucket's storage)",
    "aws:secretsmanager/secretVersion:SecretVersion": "versions are included in the secret's price",
    "aws:securityhub/account:Account": "no charge of its own: checks are priced on the enabled standards",
    "aws:signer/signingJob:SigningJob": "AWS Signer is free for Lambda code signing",
    "aws:signer/signingProfile:SigningProfile": "AWS Signer is free for Lambda code signing",
    "aws:sns/topicPolicy:TopicPolicy": "policies are free",
    "aws:ssm/parameter:Parameter": "standard parameters are free (advanced ones are not declared)",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "security group rules are free",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "billed on the web ACL",
    "random:index/randomPassword:RandomPassword": "not an AWS resource",
}
# Billable types the model does not price, each with the reason.
UNPRICED_TYPES: dict[str, str] = {
    "aws:ecs/cluster:Cluster": (
        "Container Insights, when a cluster turns it on, is billed as custom metrics and log ingestion; not priced"
    ),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": (
        "Cloud Map creates a Route 53 private hosted zone ($0.50/month); not priced"
    ),
    "aws:servicediscovery/service:Service": "Cloud Map bills registered instances and discovery calls; not priced",
}
# Components (the platform's, remote ones and providers): no charge of their own; their children are priced.
COMPONENT_PACKAGES = ("finplatform:", "awsx:", "eks:index:", "pulumi:providers:")


def coverage(type_: str) -> tuple[str, str]:
    """How the model treats a resource type: ``priced``, ``free`` (with the reason), ``unpriced`` (with the
    reason) or ``component``; ``("missing", "")`` for a type nothing lists."""
    if type_ in PRICERS:
        return "priced", ""
    if type_ in FREE_TYPES:
        return "free", FREE_TYPES[type_]
    if type_ in UNPRICED_TYPES:
        return "unpriced", UNPRICED_TYPES[type_]
    if type_.startswith(COMPONENT_PACKAGES):
        return "component", "no charge of its own; what it creates is priced"
    return "missing", ""


PRICERS: dict[str, Pricer] = {
    "aws:ec2/natGateway:NatGateway": _nat,
    "aws:ec2/eip:Eip": _public_ip,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _endpoint,
    "aws:kms/key:Key": _kms,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": _log_metric_filter,
    "aws:cloudwatch/eventRule:EventRule": _free("rule: no charge (AWS service events on the default bus are free)"),
    "aws:cloudwatch/eventTarget:EventTarget": _free("event target: no charge of its own"),
    RDS_INSTANCE: _rds,
    CACHE_GROUP: _elasticache,
    "aws:elasticache/cluster:Cluster": _elasticache,
    "aws:ec2/instance:Instance": _ec2,
    "aws:ebs/volume:Volume": _ebs,
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:autoscaling/group:Group": _asg,
    "aws:lb/loadBalancer:LoadBalancer": _alb,
    "aws:alb/loadBalancer:LoadBalancer": _alb,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": _eks_nodes,
    "aws:ecs/service:Service": _fargate_service,
    "aws:lambda/function:Function": _lambda,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:wafv2/webAcl:WebAcl": _waf,
    "aws:cloudfront/distribution:Distribution": _cloudfront,
    "aws:route53/zone:Zone": _flat("route53ZoneMonth", "hosted zone"),
    "aws:route53/healthCheck:HealthCheck": _health_check,
    "aws:route53/record:Record": _record,
    "aws:timestreaminfluxdb/dbInstance:DbInstance": _influx,
    "aws:timestreamwrite/table:Table": _timestream_table,
    "aws:ecr/repository:Repository": _per_gb("ecrGbMonth", "registryStorageGb", "of images"),
    "aws:backup/vault:Vault": _vault,
    "aws:sqs/queue:Queue": _requests("sqsRequestsMillion", "queueRequestsMillion", "requests"),
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicSubscription:TopicSubscription": _subscription,
    "aws:budgets/budget:Budget": _free("budget without actions: no charge"),
    "aws:guardduty/detector:Detector": _guardduty,
    "aws:guardduty/detectorFeature:DetectorFeature": _guardduty_feature,
    "aws:cfg/recorder:Recorder": _config_recorder,
    "aws:cfg/rule:Rule": _config_rule,
    "aws:securityhub/standardsSubscription:StandardsSubscription": _security_hub_standard,
    "aws:rds/eventSubscription:EventSubscription": _free(
        "RDS event subscription: no charge (the notifications are priced as publishes on the topic)"
    ),
    "aws:secretsmanager/secretRotation:SecretRotation": _free(
        "rotation schedule: no charge of its own (the secret and the rotation function are priced)"
    ),
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": _free("Cost Anomaly Detection: no charge"),
    "aws:costexplorer/anomalySubscription:AnomalySubscription": _free("Cost Anomaly Detection: no charge"),
    "aws:xray/group:Group": _free("X-Ray group: no charge of its own (traces are priced on the sampling rules)"),
    "aws:xray/samplingRule:SamplingRule": _sampling_rule,
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": _waf_logging,
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": _free("AWS Chatbot channel: no charge"),
    "aws:eks/addon:Addon": _eks_addon,
    "aws:apigatewayv2/api:Api": _requests("apiGatewayHttpRequestsMillion", "apiRequestsMillion", "requests"),
    GLOBAL_DATASTORE: _global_datastore,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _bucket_replication,
    "aws:backup/plan:Plan": _backup_plan,
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": _registry_replication,
    "aws:codepipeline/pipeline:Pipeline": _pipeline,
    "aws:codebuild/project:Project": _codebuild,
    "aws:codestarconnections/connection:Connection": _free("CodeStar connection: no charge"),
    "aws:codeconnections/connection:Connection": _free("CodeConnections connection: no charge"),
    "aws:codedeploy/application:Application": _free(
        "CodeDeploy application: no charge (deployments to ECS, Lambda and EC2 are free)"
    ),
    "aws:codedeploy/deploymentGroup:DeploymentGroup": _free(
        "CodeDeploy deployment group: no charge (deployments to ECS, Lambda and EC2 are free)"
    ),
}


def with_remote_children(resources: Sequence[PricedResource]) -> list[PricedResource]:
    """Add the parts remote components create, derived from their arguments, unless the engine already
    reported them (during a real preview the components' children are registered; under mocks they are not)."""
    result = list(resources)
    by_urn = {r.urn: r for r in resources}
    derived = unreported_children((r.urn, r.type, r.name, r.properties, r.parent) for r in resources)
    for urn, children in derived.items():
        r = by_urn[urn]
        for child in children:
            result.append(
                PricedResource(
                    urn=child_urn(r.urn, child.type, child.name),
                    type=child.type,
                    name=child.name,
                    properties=child.inputs,
                    region=r.region,
                    parent=r.urn,
                    provider=r.provider,
                )
            )
    return result


NO_USAGE = Usage(**{f.name: 0.0 for f in fields(Usage)})


def estimate(resources: Iterable[PricedResource], usage: Usage | Assumptions) -> Estimate:
    """Price every billable resource; resources with no charge of their own are left out. ``usage`` is the
    stack's assumptions, with or without per-resource values (``finplatform:resourceUsage``)."""
    assumptions = usage if isinstance(usage, Assumptions) else Assumptions(usage)
    table = price_table()
    planned = with_remote_children(list(resources))
    references: dict[str, PricedResource] = {}
    for r in planned:
        for key in ("id", "arn", "name"):
            value = r.properties.get(key)
            if isinstance(value, str) and value:
                references[value] = r
    items = []
    everything = tuple(planned)
    for r in planned:
        pricer = PRICERS.get(r.type)
        if pricer is None:
            continue
        regions = table["regions"]
        prices = regions.get(r.region) or regions["us-east-1"]
        reads: dict[str, float] = {}
        context = _Context(
            prices, _ReadUsage(assumptions.of(r.name), reads), table["hoursPerMonth"], references, everything
        )
        try:
            priced = pricer(r, context)
            # The same resource at zero usage: what does not depend on usage is the line's baseline.
            at_rest = pricer(r, replace(context, usage=NO_USAGE, charges=[]))
        except KeyError as missing:  # a size not known yet (a preview before deploy) or not in the table
            priced = at_rest = 0.0, f"{NOT_PRICED}{missing.args[0]}"
            context.charges.clear()
        if priced is None:
            continue
        monthly, basis = priced[0], priced[1]
        replication = priced[2] if len(priced) == 3 else 0.0
        if r.region not in regions:
            basis += f" (us-east-1 prices; none vendored for {r.region})"
        standby = is_dr_provider(r.provider)
        baseline = min(monthly, at_rest[0]) if at_rest is not None else 0.0
        items.append(
            CostItem(
                r.urn,
                r.type,
                round(monthly, 2),
                basis,
                layer_of(r.urn),
                r.region,
                standby,
                round(replication, 2),
                round(baseline, 2),
                r.name,
                tuple(context.charges),
                tuple(sorted(reads.items())),
            )
        )
    items.sort(key=lambda i: (-i.monthly_usd, i.urn))
    return Estimate(items)


def usage_reads(result: Estimate) -> dict[str, set[str]]:
    """Each usage-priced resource's logical name and the assumptions its price read (a name two such resources
    share reads the union: a ``finplatform:resourceUsage`` entry applies to both)."""
    reads: dict[str, set[str]] = {}
    for item in result.items:
        if item.assumptions:
            reads.setdefault(item.name, set()).update(name for name, _value in item.assumptions)
    return reads
