"""The architecture diagram of a stack, drawn from its offline plan.

Two plain steps. :func:`architecture` reads a plan (the :class:`~finplatform.tooling.plan.Plan` or its JSON) into a
small typed model: the regions, each with its VPC (tier rows by AZ columns, with the plan's CIDRs and NAT
gateways), the services grouped by compute target in the private tier, the data stores in the isolated tier, the
edge in the public tier, what lives outside the VPC (buckets, backup vaults), the audit services, and the flows
between them (requests, data access, replication and copies to the DR region). :func:`render_svg` lays the model
out on a fixed grid and writes SVG with drawsvg, which is pure Python: no system library, no Graphviz. The same
plan always gives the same bytes, so a test can keep the committed diagrams from drifting.
"""

import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from finplatform.tooling.cost.model import cache_node_count

if TYPE_CHECKING:
    from finplatform.tooling.plan import Plan

Tier = Literal["Public", "Private", "Isolated"]
TIERS: tuple[Tier, ...] = ("Public", "Private", "Isolated")
Kind = Literal[
    "internet", "cdn", "dns", "waf", "alb", "compute", "database", "cache", "timeseries", "bucket", "vault", "audit"
]
LinkKind = Literal["request", "failover", "data", "replication"]

# Compute targets: component type -> (what the diagram calls it, the resource that stands for a workload, the
# suffix the component adds to the workload's name).
COMPUTE_TARGETS: dict[str, tuple[str, str, str]] = {
    "finplatform:compute:FargateServices": ("ECS Fargate", "aws:ecs/service:Service", "-service"),
    "finplatform:compute:Ec2Services": ("EC2 Auto Scaling", "aws:autoscaling/group:Group", "-group"),
    "finplatform:compute:KubernetesCluster": ("EKS", "eks:index:ManagedNodeGroup", "-nodes"),
    "finplatform:compute:Functions": ("Lambda", "aws:lambda/function:Function", ""),
}
RDS_INSTANCE = "aws:rds/instance:Instance"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
GLOBAL_DATASTORE = "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup"
BUCKET_COMPONENT = "finplatform:data:Bucket"


# ---------------------------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Node:
    """One thing on the diagram; ``key`` is the URN of the resource it stands for."""

    key: str
    kind: Kind
    label: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Subnet:
    """One subnet: a tier in one AZ."""

    tier: Tier
    az: str
    cidr: str
    nat: bool = False
    """A NAT gateway sits in this subnet."""


@dataclass(frozen=True)
class Vpc:
    """A VPC as awsx will create it: its tiers by AZ."""

    name: str
    cidr: str
    azs: tuple[str, ...]
    subnets: tuple[Subnet, ...]
    details: tuple[str, ...] = ()

    def subnet(self, tier: Tier, az: str) -> Subnet | None:
        return next((s for s in self.subnets if s.tier == tier and s.az == az), None)


@dataclass(frozen=True)
class ComputeGroup:
    """The workloads of one compute target (an ECS cluster, the Lambda functions ...)."""

    target: str
    name: str
    nodes: tuple[Node, ...]
    notes: tuple[str, ...] = ()
    """Shown under the group's title, e.g. where a standby's images come from."""


@dataclass(frozen=True)
class Region:
    """One AWS region of the stack: ``primary`` runs the workloads, ``dr`` holds the standby copies."""

    name: str
    role: Literal["primary", "dr"]
    vpc: Vpc | None
    edge: tuple[Node, ...] = ()
    """In the public tier: the WAF and the load balancer."""
    compute: tuple[ComputeGroup, ...] = ()
    """In the private tier."""
    stores: tuple[Node, ...] = ()
    """In the isolated tier."""
    regional: tuple[Node, ...] = ()
    """Outside the VPC: buckets, backup vaults, serverless stores and functions without VPC access."""


@dataclass(frozen=True)
class Link:
    """A flow between two nodes: a request, the request a DNS failover record sends to the DR region, data access,
    or replication and copies."""

    source: str
    target: str
    kind: LinkKind
    label: str = ""
    active: bool = True
    """False for a route that exists but carries nothing yet (no certificate on the load balancer)."""


@dataclass(frozen=True)
class Architecture:
    """What the diagram shows of one stack."""

    stack: str
    blueprint: str
    environment: str
    regions: tuple[Region, ...]
    entry: tuple[Node, ...]
    """Outside every region, top to bottom: the internet, CloudFront once the stack has a domain, and the Route 53
    failover records of a warm standby."""
    audit: tuple[Node, ...]
    links: tuple[Link, ...]
    declared: int = 0
    derived: int = 0

    def nodes(self) -> dict[str, Node]:
        found: list[Node] = [*self.entry, *self.audit]
        for region in self.regions:
            found += [*region.edge, *region.stores, *region.regional]
            found += [n for group in region.compute for n in group.nodes]
        return {n.key: n for n in found}

    def region(self, role: Literal["primary", "dr"]) -> Region | None:
        return next((r for r in self.regions if r.role == role), None)


# ---------------------------------------------------------------------------------------------------------------
# From a plan to the model


class _Graph:
    """The plan's resources indexed the ways the model needs them."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.stack = str(data.get("stack", ""))
        self.resources: list[Mapping[str, Any]] = list(data.get("resources", []))
        self.derived: list[Mapping[str, Any]] = list(data.get("derived", []))
        self.by_urn = {r["urn"]: r for r in self.resources}
        self.children: dict[str, list[Mapping[str, Any]]] = {}
        for r in sorted(self.resources, key=lambda r: (r["name"], r["urn"])):
            self.children.setdefault(str(r.get("parent") or ""), []).append(r)
        self.provider_regions = {
            r["urn"]: str(r["inputs"].get("region", "")) for r in self.resources if r["type"] == "pulumi:providers:aws"
        }

    def of_type(self, type_: str) -> list[Mapping[str, Any]]:
        return sorted((r for r in self.resources if r["type"] == type_), key=lambda r: (r["name"], r["urn"]))

    def descendants(self, urn: str) -> list[Mapping[str, Any]]:
        found: list[Mapping[str, Any]] = []
        for child in self.children.get(urn, []):
            found += [child, *self.descendants(child["urn"])]
        return found

    def child(self, urn: str, type_: str, name: str) -> Mapping[str, Any] | None:
        return next((r for r in self.descendants(urn) if r["type"] == type_ and r["name"] == name), None)

    def region(self, resource: Mapping[str, Any]) -> str:
        """The region of the provider a resource, or the nearest ancestor that names one, was given."""
        current: Mapping[str, Any] | None = resource
        while current is not None:
            options = current.get("options") or {}
            reference = str(options.get("provider") or (options.get("providers") or {}).get("aws") or "")
            if reference:
                return self.provider_regions.get(reference.rsplit("::", 1)[0], "")
            current = self.by_urn.get(str(current.get("parent") or ""))
        return ""

    def default_tags(self) -> dict[str, str]:
        for provider in self.of_type("pulumi:providers:aws"):
            raw = provider["inputs"].get("defaultTags")
            value = json.loads(raw) if isinstance(raw, str) else raw
            if isinstance(value, Mapping) and isinstance(value.get("tags"), Mapping):
                return {str(k): str(v) for k, v in value["tags"].items()}
        return {}


def architecture(plan: "Plan | Mapping[str, Any]") -> Architecture:
    """The model of a planned stack: from the :class:`Plan` or from the JSON ``plan --json`` writes."""
    data: Mapping[str, Any] = plan if isinstance(plan, Mapping) else plan.to_json()
    graph = _Graph(data)
    tags = graph.default_tags()
    counts: dict[str, int] = {}
    for r in graph.resources:
        if r.get("custom") and r["type"] != "pulumi:providers:aws":
            counts[graph.region(r)] = counts.get(graph.region(r), 0) + 1
    primary = min(counts, key=lambda name: (-counts[name], name)) if counts else ""

    buckets = _buckets(graph)
    stores = _stores(graph)
    vaults, vault_links = _vaults(graph)
    workloads = _workloads(graph)
    edge, entry, request_links = _edge(graph, workloads)
    links: list[Link] = [*request_links]
    links += _data_links(graph, workloads, stores, buckets)
    links += _replication_links(graph, stores, buckets)
    links += vault_links

    region_names = {graph.region(n) for n in graph.of_type("finplatform:network:Network")}
    region_names |= {region for region, _ in [*stores.values(), *vaults]} | {b.region for b in buckets.values()}
    region_names.discard("")
    replicated = _image_regions(graph)
    regions = []
    for name in sorted(region_names, key=lambda n: (n != primary, n)):
        in_vpc_functions = [w for w in workloads if w.region == name and w.in_vpc]
        groups: dict[tuple[str, str], list[Node]] = {}
        for w in in_vpc_functions:
            groups.setdefault((w.target, w.component), []).append(w.node)
        regions.append(
            Region(
                name=name,
                role="primary" if name == primary else "dr",
                vpc=_vpc(graph, name),
                edge=tuple(n for region, n in edge if region == name),
                compute=tuple(
                    ComputeGroup(
                        t,
                        c,
                        tuple(nodes),
                        ("images replicated by ECR",)
                        if name != primary and name in replicated and t != "Lambda"
                        else (),
                    )
                    for (t, c), nodes in groups.items()
                ),
                stores=_in_store_order(
                    [n for region, n in stores.values() if region == name and n.kind != "timeseries"]
                ),
                regional=tuple(
                    [n for region, n in stores.values() if region == name and n.kind == "timeseries"]
                    + [w.node for w in workloads if w.region == name and not w.in_vpc]
                    + [b.node for b in buckets.values() if b.region == name]
                    + [n for region, n in vaults if region == name]
                ),
            )
        )
    known = {n for region in regions for n in _region_keys(region)} | {n.key for n in entry}
    audit = _audit(graph, regions)
    known |= {n.key for n in audit}
    return Architecture(
        stack=graph.stack,
        blueprint=tags.get("blueprint", ""),
        environment=tags.get("environment", graph.stack),
        regions=tuple(regions),
        entry=entry,
        audit=audit,
        links=tuple(link for link in links if link.source in known and link.target in known),
        declared=len(graph.resources),
        derived=len(graph.derived),
    )


def _image_regions(graph: _Graph) -> set[str]:
    """The regions ECR replicates the registry's images to."""
    return {
        str(destination.get("region", ""))
        for config in graph.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
        for rule in (config["inputs"].get("replicationConfiguration") or {}).get("rules") or []
        for destination in rule.get("destinations") or []
    }


def _region_keys(region: Region) -> list[str]:
    nodes = [*region.edge, *region.stores, *region.regional, *(n for g in region.compute for n in g.nodes)]
    return [n.key for n in nodes]


def _in_store_order(nodes: list[Node]) -> tuple[Node, ...]:
    """Databases first (each primary followed by its replicas), then caches, then the rest; by name within."""
    order = {"database": 0, "cache": 1, "timeseries": 2}
    return tuple(sorted(nodes, key=lambda n: (order.get(n.kind, 3), n.key.rsplit("::", 1)[-1])))


def _vpc(graph: _Graph, region: str) -> Vpc | None:
    for network in graph.of_type("finplatform:network:Network"):
        if graph.region(network) != region:
            continue
        vpc = next((r for r in graph.descendants(network["urn"]) if r["type"] == "awsx:ec2:Vpc"), None)
        if vpc is None:
            continue
        parts = [d for d in graph.derived if d.get("parent") == vpc["urn"]]
        nat_azs = {str(d["inputs"].get("availabilityZone", "")) for d in parts if d["type"].endswith(":NatGateway")}
        subnets = []
        for d in parts:
            if d["type"] != "aws:ec2/subnet:Subnet":
                continue
            tier = str((d["inputs"].get("tags") or {}).get("SubnetType", ""))
            if tier in TIERS:
                az = str(d["inputs"].get("availabilityZone", ""))
                cidr = str(d["inputs"].get("cidrBlock", ""))
                subnets.append(Subnet(tier, az, cidr, nat=tier == "Public" and az in nat_azs))
        azs = tuple(vpc["inputs"].get("availabilityZoneNames") or sorted({s.az for s in subnets}))
        strategy = str((vpc["inputs"].get("natGateways") or {}).get("strategy", "None"))
        details = [{"OnePerAz": "NAT gateway per AZ", "Single": "one NAT gateway"}.get(strategy, "no NAT gateway")]
        if any(r["type"] == "aws:ec2/flowLog:FlowLog" for r in graph.descendants(network["urn"])):
            details.append("flow logs")
        endpoints = [d for d in parts if d["type"] == "aws:ec2/vpcEndpoint:VpcEndpoint"]
        details += [
            f"{str(e['inputs'].get('serviceName', '')).rsplit('.', 1)[-1].upper()} gateway endpoint" for e in endpoints
        ]
        return Vpc(
            name=vpc["name"],
            cidr=str(vpc["inputs"].get("cidrBlock", "")),
            azs=azs,
            subnets=tuple(sorted(subnets, key=lambda s: (TIERS.index(s.tier), azs.index(s.az) if s.az in azs else 99))),
            details=tuple(details),
        )
    return None


@dataclass(frozen=True)
class _Workload:
    """A service or function with the resources its component declared for it."""

    node: Node
    name: str
    target: str
    component: str
    region: str
    in_vpc: bool
    resources: tuple[Mapping[str, Any], ...]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _plural(count: object, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _range(low: object, high: object, noun: str) -> str:
    """``2-4 tasks``, ``1 node``: ``noun`` is singular."""
    return _plural(low, noun) if low == high else f"{low}-{_plural(high, noun)}"


def _workloads(graph: _Graph) -> list[_Workload]:
    found: list[_Workload] = []
    for type_, (target, member_type, suffix) in COMPUTE_TARGETS.items():
        for component in graph.of_type(type_):
            prefix = f"{component['name']}-"
            descendants = graph.descendants(component["urn"])
            members = {
                r["name"][len(prefix) : len(r["name"]) - len(suffix)]: r
                for r in descendants
                if r["type"] == member_type and r["name"].startswith(prefix) and r["name"].endswith(suffix)
            }
            owned: dict[str, list[Mapping[str, Any]]] = {name: [] for name in members}
            for r in descendants:
                matches = [n for n in members if r["name"] == prefix + n or r["name"].startswith(f"{prefix}{n}-")]
                if matches:
                    owned[max(matches, key=len)].append(r)
            for name, member in sorted(members.items()):
                details, in_vpc = _workload_details(graph, component, target, name, member)
                found.append(
                    _Workload(
                        node=Node(member["urn"], "compute", name, details),
                        name=name,
                        target=target,
                        component=component["name"],
                        region=graph.region(member),
                        in_vpc=in_vpc,
                        resources=tuple(owned[name]),
                    )
                )
    return found


def _workload_details(
    graph: _Graph, component: Mapping[str, Any], target: str, name: str, member: Mapping[str, Any]
) -> tuple[tuple[str, ...], bool]:
    inputs = member["inputs"]
    prefix = f"{component['name']}-{name}"
    if target == "ECS Fargate":
        task = graph.child(component["urn"], "aws:ecs/taskDefinition:TaskDefinition", f"{prefix}-task")
        size = ""
        if task is not None and str(task["inputs"].get("cpu", "")).isdigit():
            cpu, memory = int(task["inputs"]["cpu"]), int(task["inputs"].get("memory", 0) or 0)
            size = f" · {_number(cpu / 1024)} vCPU / {_number(memory / 1024)} GB"
        return (f"{_plural(inputs.get('desiredCount', 1), 'task')}{size}",), True
    if target == "EC2 Auto Scaling":
        template = graph.child(component["urn"], "aws:ec2/launchTemplate:LaunchTemplate", f"{prefix}-template")
        instance_type = str((template or {}).get("inputs", {}).get("instanceType", "")) if template else ""
        overrides = ((inputs.get("mixedInstancesPolicy") or {}).get("launchTemplate") or {}).get("overrides") or []
        listed = [str(o.get("instanceType")) for o in overrides if isinstance(o, Mapping) and o.get("instanceType")]
        instance_type = instance_type or "/".join(listed)
        line = _range(inputs.get("minSize", "?"), inputs.get("maxSize", "?"), "instance")
        return ((f"{line} · {instance_type}" if instance_type else line),), True
    if target == "EKS":
        scaling = inputs.get("scalingConfig") or {}
        line = _range(scaling.get("minSize", "?"), scaling.get("maxSize", "?"), "node")
        types = "/".join(str(t) for t in inputs.get("instanceTypes") or [])
        spot = " · spot" if inputs.get("capacityType") == "SPOT" else ""
        return ((f"{line} · {types}{spot}" if types else line),), True
    triggers = [
        label
        for suffix, label in (("api", "HTTP API"), ("queue-trigger", "SQS queue"), ("schedule", "schedule"))
        if graph.child(component["urn"], _TRIGGER_TYPES[suffix], f"{prefix}-{suffix}") is not None
    ]
    runtime = f"{inputs.get('runtime', '')} · {inputs.get('memorySize', 128)} MB".strip(" ·")
    in_vpc = bool((inputs.get("vpcConfig") or {}).get("subnetIds"))
    return ((runtime, "on " + ", ".join(triggers)) if triggers else (runtime,)), in_vpc


_TRIGGER_TYPES = {
    "api": "aws:apigatewayv2/api:Api",
    "queue-trigger": "aws:lambda/eventSourceMapping:EventSourceMapping",
    "schedule": "aws:cloudwatch/eventRule:EventRule",
}


def _stores(graph: _Graph) -> dict[str, tuple[str, Node]]:
    """Databases, caches and time-series stores by URN, with their region."""
    found: dict[str, tuple[str, Node]] = {}
    primaries = {str(r["inputs"].get("identifier", "")): r for r in graph.of_type(RDS_INSTANCE)}
    for r in graph.of_type(RDS_INSTANCE):
        inputs = r["inputs"]
        source = _rds_source(graph, r, primaries)
        size = str(inputs.get("instanceClass", ""))
        if source is None:
            engine = {"postgres": "PostgreSQL", "mysql": "MySQL"}.get(str(inputs.get("engine", "")), "RDS")
            version = f" {inputs['engineVersion']}" if inputs.get("engineVersion") else ""
            low, high = inputs.get("allocatedStorage"), inputs.get("maxAllocatedStorage")
            storage = f" · {low}-{high} GB" if low and high and low != high else f" · {low} GB" if low else ""
            availability = "Multi-AZ" if inputs.get("multiAz") else "single-AZ"
            details: tuple[str, ...] = (f"{engine}{version} · {size}", f"{availability}{storage}")
        elif graph.region(source) == graph.region(r):
            details = (f"read replica · {size}", f"of {source['name']}")
        else:
            details = (f"cross-region replica · {size}", f"of {source['name']}")
        found[r["urn"]] = (graph.region(r), Node(r["urn"], "database", r["name"], details))
    secondaries = _global_datastores(graph)
    for r in graph.of_type(CACHE_GROUP):
        primary = secondaries.get(r["urn"])
        # A Global Datastore secondary takes its engine, node type and shards from the primary.
        inputs = {**(primary["inputs"] if primary else {}), **{k: v for k, v in r["inputs"].items() if v is not None}}
        nodes = cache_node_count(inputs)
        shards = inputs.get("numNodeGroups")
        layout = f"{_plural(nodes, 'node')} in {_plural(int(shards), 'shard')}" if shards else _plural(nodes, "node")
        availability = " · Multi-AZ" if inputs.get("multiAzEnabled") else ""
        details = (
            f"Redis {inputs.get('engineVersion', '')} · {inputs.get('nodeType', '')}".replace("  ", " "),
            f"{layout}{availability}",
        )
        if primary is not None:
            details += ("Global Datastore secondary",)
        found[r["urn"]] = (graph.region(r), Node(r["urn"], "cache", r["name"], details))
    for r in graph.of_type("aws:timestreaminfluxdb/dbInstance:DbInstance"):
        inputs = r["inputs"]
        availability = "Multi-AZ standby" if inputs.get("deploymentType") == "WITH_MULTIAZ_STANDBY" else "single-AZ"
        details = (f"InfluxDB · {inputs.get('dbInstanceType', '')}", availability)
        found[r["urn"]] = (graph.region(r), Node(r["urn"], "database", r["name"], details))
    for r in graph.of_type("aws:timestreamwrite/database:Database"):
        details = ("Timestream LiveAnalytics", f"database {r['inputs'].get('databaseName', '')}")
        found[r["urn"]] = (graph.region(r), Node(r["urn"], "timeseries", r["name"], details))
    return found


def _global_datastores(graph: _Graph) -> dict[str, Mapping[str, Any]]:
    """The replication groups that join an ElastiCache Global Datastore as secondaries, each with the Global
    Datastore's primary group: the global group references its primary, a secondary references the global group."""
    found: dict[str, Mapping[str, Any]] = {}
    for datastore in graph.of_type(GLOBAL_DATASTORE):
        named = str(datastore["inputs"].get("primaryReplicationGroupId") or "")
        groups = [graph.by_urn[d] for d in datastore.get("dependencies", []) if d in graph.by_urn]
        primary = next((g for g in groups if g["type"] == CACHE_GROUP), None) or next(
            (g for g in graph.of_type(CACHE_GROUP) if named and named.startswith(g["name"])), None
        )
        if primary is None:
            continue
        for group in graph.of_type(CACHE_GROUP):
            if group is not primary and datastore["urn"] in group.get("dependencies", []):
                found[group["urn"]] = primary
    return found


def _rds_source(
    graph: _Graph, instance: Mapping[str, Any], primaries: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    source = str(instance["inputs"].get("replicateSourceDb") or "")
    if not source:
        return None
    identifier = source.rsplit(":db:", 1)[-1]
    return primaries.get(identifier) or next(
        (
            graph.by_urn[d]
            for d in instance.get("dependencies", [])
            if graph.by_urn.get(d, {}).get("type") == RDS_INSTANCE
        ),
        None,
    )


@dataclass(frozen=True)
class _Bucket:
    region: str
    node: Node
    names: tuple[str, ...]
    """The bucket's name, or the prefix AWS completes it from."""


def _buckets(graph: _Graph) -> dict[str, _Bucket]:
    """Buckets by the URN of their aws:s3/bucket:Bucket."""
    found: dict[str, _Bucket] = {}
    for component in graph.of_type(BUCKET_COMPONENT):
        bucket = next((r for r in graph.descendants(component["urn"]) if r["type"] == "aws:s3/bucket:Bucket"), None)
        if bucket is None:
            continue
        parent = graph.by_urn.get(str(component.get("parent") or ""), {})
        label = component["name"]
        if parent.get("type") == "finplatform:data:ObjectStorage":
            label = label.removeprefix(f"{parent['name']}-")
        inputs = bucket["inputs"]
        details = [f"S3 · {(inputs.get('tags') or {}).get('purpose', 'bucket')}"]
        if inputs.get("objectLockEnabled"):
            details.append("object lock")
        names = tuple(str(inputs[k]) for k in ("bucket", "bucketPrefix") if inputs.get(k))
        found[bucket["urn"]] = _Bucket(
            graph.region(bucket), Node(bucket["urn"], "bucket", label, tuple(details)), names
        )
    return found


def _vaults(graph: _Graph) -> tuple[list[tuple[str, Node]], list[Link]]:
    """Backup vaults with their region, and a link from each plan's vault to the vaults it copies to."""
    vaults = {r["urn"]: r for r in graph.of_type("aws:backup/vault:Vault")}
    details: dict[str, list[str]] = {urn: ["AWS Backup vault"] for urn in vaults}
    links: list[Link] = []
    for plan in graph.of_type("aws:backup/plan:Plan"):
        linked = [vaults[d] for d in plan.get("dependencies", []) if d in vaults]
        home = [v for v in linked if graph.region(v) == graph.region(plan)]
        for rule in plan["inputs"].get("rules") or []:
            kept = (rule.get("lifecycle") or {}).get("deleteAfter")
            for vault in home:
                details[vault["urn"]].append(f"{rule.get('ruleName', 'backups')}, kept {_plural(kept, 'day')}")
            for action in rule.get("copyActions") or []:
                destination_region = str(action.get("destinationVaultArn", "")).split(":")[3:4]
                copies = [v for v in linked if [graph.region(v)] == destination_region]
                copy_kept = (action.get("lifecycle") or {}).get("deleteAfter", kept)
                for vault in copies:
                    details[vault["urn"]].append(f"copies kept {_plural(copy_kept, 'day')}")
                    links += [Link(h["urn"], vault["urn"], "replication", "backup copy") for h in home]
    nodes = [
        (graph.region(v), Node(urn, "vault", v["name"], tuple(dict.fromkeys(details[urn]))))
        for urn, v in vaults.items()
    ]
    return nodes, sorted(set(links), key=lambda link: (link.source, link.target))


def _edge(graph: _Graph, workloads: Sequence[_Workload]) -> tuple[list[tuple[str, Node]], tuple[Node, ...], list[Link]]:
    """The WAF and load balancer by region, the internet, CloudFront and the Route 53 failover records, and the
    request links between them: a failover record's name stands between CloudFront (or the internet) and the
    balancers its records answer with."""
    edge: list[tuple[str, Node]] = []
    links: list[Link] = []
    balancers: list[str] = []
    for component in graph.of_type("finplatform:edge:Edge"):
        parts = graph.descendants(component["urn"])
        alb = next((r for r in parts if r["type"] == "aws:lb/loadBalancer:LoadBalancer"), None)
        waf = next((r for r in parts if r["type"] == "aws:wafv2/webAcl:WebAcl"), None)
        if alb is None:
            continue
        routed = any(r["type"] == "aws:lb/listener:Listener" and r["inputs"].get("protocol") == "HTTPS" for r in parts)
        groups = {r["urn"]: r["name"] for r in parts if r["type"] == "aws:lb/targetGroup:TargetGroup"}
        targets = [w for w in workloads if _routed_to(graph, w, alb, component["name"], groups)]
        facing = "internal" if alb["inputs"].get("internal") else "internet-facing"
        routes = f"HTTPS to {_plural(len(targets), 'service')}" if routed else "no listener"
        if waf is not None:
            rules = len(waf["inputs"].get("rules") or [])
            edge.append((graph.region(waf), Node(waf["urn"], "waf", waf["name"], ("WAF web ACL", f"{rules} rules"))))
        alb_details = (f"load balancer, {facing}", routes if routed or not targets else f"{routes}: no certificate")
        edge.append((graph.region(alb), Node(alb["urn"], "alb", alb["name"], alb_details)))
        balancers.append(alb["urn"])
        links += [Link(alb["urn"], w.node.key, "request", active=routed) for w in targets]
    entry: list[Node] = []
    cdn = next(iter(graph.of_type("aws:cloudfront/distribution:Distribution")), None)
    if balancers or cdn is not None:
        entry.append(Node("internet", "internet", "Internet", ("users",)))
    front = "internet"
    origins: set[str] = set()
    if cdn is not None:
        names = ", ".join(str(o.get("originId", "")) for o in cdn["inputs"].get("origins") or [])
        aliases = ", ".join(str(a) for a in cdn["inputs"].get("aliases") or [])
        cdn_details = ("CloudFront distribution", aliases, f"origins: {names}" if names else "")
        entry.append(Node(cdn["urn"], "cdn", cdn["name"], tuple(d for d in cdn_details if d)))
        links.append(Link("internet", cdn["urn"], "request"))
        front = cdn["urn"]
        origins = {str(o.get("domainName", "")) for o in cdn["inputs"].get("origins") or []}
    fronted: set[str] = set()
    for node, name, roles in _failover_records(graph, balancers):
        entry.append(node)
        links.append(Link(front if name in origins or cdn is None else "internet", node.key, "request"))
        for balancer, role in roles.items():
            if role == "PRIMARY":
                links.append(Link(node.key, balancer, "request", "primary"))
            else:
                links.append(Link(node.key, balancer, "failover", "failover: secondary record"))
        fronted |= set(roles)
    links += [Link(front, balancer, "request") for balancer in balancers if balancer not in fronted]
    return edge, tuple(entry), links


def _failover_records(graph: _Graph, balancers: Sequence[str]) -> list[tuple[Node, str, dict[str, str]]]:
    """Route 53 failover records by the name they answer: a node for the name (its FailoverDns component's when
    there is one), the name, and the balancers its records alias with their role, PRIMARY or SECONDARY."""
    by_name: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for record in graph.of_type("aws:route53/record:Record"):
        if record["inputs"].get("failoverRoutingPolicies"):
            by_name.setdefault(
                (str(record["inputs"].get("zoneId", "")), str(record["inputs"].get("name", ""))), []
            ).append(record)
    found: list[tuple[Node, str, dict[str, str]]] = []
    for (_zone, name), records in sorted(by_name.items()):
        roles: dict[str, str] = {}
        checks: list[Mapping[str, Any]] = []
        for record in records:
            role = str((record["inputs"]["failoverRoutingPolicies"][0] or {}).get("type", ""))
            for reference in record.get("dependencies", []):
                if reference in balancers:
                    roles[reference] = role
                elif graph.by_urn.get(reference, {}).get("type") == "aws:route53/healthCheck:HealthCheck":
                    checks.append(graph.by_urn[reference])
        if not roles:
            continue
        parent = graph.by_urn.get(str(records[0].get("parent") or ""), {})
        key, label = (
            (parent["urn"], parent["name"])
            if parent.get("type") == "finplatform:dr:FailoverDns"
            else (records[0]["urn"], name)
        )
        details = ["Route 53 failover records", name]
        for check in checks[:1]:
            inputs = check["inputs"]
            every = f", every {inputs['requestInterval']} s" if inputs.get("requestInterval") else ""
            details.append(
                f"health check {inputs.get('type', '')} {inputs.get('resourcePath', '')}{every}".replace("  ", " ")
            )
        found.append((Node(key, "dns", label, tuple(details)), name, roles))
    return found


def _routed_to(
    graph: _Graph, workload: _Workload, alb: Mapping[str, Any], edge: str, groups: Mapping[str, str]
) -> bool:
    """A load balancer routes to a workload that references one of its target groups, or (when the workload
    references none) one named after the workload in the balancer's own region: a DR region's balancer routes
    to the DR region's copy of a service, never to the primary's."""
    references = {d for r in workload.resources for d in r.get("dependencies", [])}
    if references & set(groups):
        return True
    named = f"{edge}-{workload.name}" in groups.values()
    return (
        named
        and workload.region == graph.region(alb)
        and not any(graph.by_urn.get(d, {}).get("type") == "aws:lb/targetGroup:TargetGroup" for d in references)
    )


_S3_ARN = re.compile(r"^arn:[^:]+:s3:::([^/]+)")
_RDS_CONNECT = re.compile(r"^arn:[^:]+:rds-db:([^:]+):")


def _data_links(
    graph: _Graph,
    workloads: Sequence[_Workload],
    stores: Mapping[str, tuple[str, Node]],
    buckets: Mapping[str, _Bucket],
) -> list[Link]:
    """What each workload reaches, from what it was granted: the database its role may connect to (an
    ``rds-db:connect`` grant), the other stores its own resources reference, directly or through another part of
    the store's component (an EC2 service reads Redis's AUTH secret, not the group), and the buckets its
    policies name. Role policies wait on every bucket, and EC2 launch templates on the database, whatever the
    workload may reach, so neither counts as a reference.

    Data access stays within a region: a DR region's services reach the DR copies. A workload that references a
    store in another region as well as a store of the same type in its own writes to both: that is drawn as a
    "dual write by the app" from the one store to the other, not as a flow across regions."""
    # A store component's parts stand, in each region, for the component's first store there: in the component's
    # own region its primary, elsewhere its standby (a Global Datastore secondary, a cross-region replica).
    standing: dict[tuple[str, str], str] = {}
    for urn, (region, _node) in sorted(
        stores.items(), key=lambda item: bool(graph.by_urn[item[0]]["inputs"].get("replicateSourceDb"))
    ):
        component = str(graph.by_urn[urn].get("parent") or "")
        if component:
            standing.setdefault((component, region), urn)
    databases = {urn: region for urn, (region, node) in stores.items() if graph.by_urn[urn]["type"] == RDS_INSTANCE}

    def near(w: _Workload, region: str) -> bool:
        return not (w.region and region) or w.region == region

    links: set[Link] = set()
    for w in workloads:
        reached: set[str] = set()
        far: set[str] = set()
        references = {d for r in w.resources if not r["type"].startswith("aws:iam/") for d in r.get("dependencies", [])}
        for reference in sorted(references - set(databases)):
            parent = str(graph.by_urn.get(reference, {}).get("parent") or "")
            if reference in stores:
                (reached if near(w, stores[reference][0]) else far).add(reference)
            else:
                store = standing.get((parent, w.region)) or standing.get(
                    (parent, graph.region(graph.by_urn.get(parent, {})))
                )
                if store is not None and store not in databases and near(w, stores[store][0]):
                    reached.add(store)
        for region in sorted(_policy_targets(w.resources, _RDS_CONNECT)):
            if near(w, region):
                reached |= {
                    urn
                    for urn, at in databases.items()
                    if at == region and standing.get((_parent(graph, urn), at)) == urn
                }
        for name in sorted(_policy_targets(w.resources, _S3_ARN)):
            for urn, bucket in buckets.items():
                if near(w, bucket.region) and any(
                    name == n or (name.startswith(n) and n.endswith("-") and name[len(n) :].isalnum())
                    for n in bucket.names
                ):
                    reached.add(urn)
        links |= {Link(w.node.key, urn, "data") for urn in reached}
        for target in far:
            kind = graph.by_urn[target]["type"]
            links |= {
                Link(s, target, "replication", "dual write by the app")
                for s in reached
                if graph.by_urn[s]["type"] == kind
            }
    return sorted(links, key=lambda link: (link.source, link.target))


def _parent(graph: _Graph, urn: str) -> str:
    return str(graph.by_urn.get(urn, {}).get("parent") or "")


def _policy_targets(resources: Iterable[Mapping[str, Any]], pattern: re.Pattern[str]) -> set[str]:
    """The first group of ``pattern`` in the resources the role policies among ``resources`` grant."""
    found: set[str] = set()
    for r in resources:
        document = r["inputs"].get("policy") if r["type"].startswith("aws:iam/") else None
        if not isinstance(document, str):
            continue
        try:
            statements = json.loads(document).get("Statement", [])
        except (ValueError, AttributeError):
            continue
        for statement in statements if isinstance(statements, list) else [statements]:
            targets = statement.get("Resource", []) if isinstance(statement, Mapping) else []
            for target in [targets] if isinstance(targets, str) else targets:
                match = pattern.match(str(target))
                if match:
                    found.add(match.group(1))
    return found


def _replication_links(
    graph: _Graph, stores: Mapping[str, tuple[str, Node]], buckets: Mapping[str, _Bucket]
) -> list[Link]:
    links: list[Link] = []
    primaries = {str(r["inputs"].get("identifier", "")): r for r in graph.of_type(RDS_INSTANCE)}
    for r in graph.of_type(RDS_INSTANCE):
        source = _rds_source(graph, r, primaries)
        if source is not None and source["urn"] in stores:
            same = graph.region(source) == graph.region(r)
            links.append(
                Link(source["urn"], r["urn"], "replication", "read replica" if same else "cross-region replica")
            )
    for secondary, primary in sorted(_global_datastores(graph).items()):
        if primary["urn"] in stores and secondary in stores:
            links.append(Link(primary["urn"], secondary, "replication", "Global Datastore"))
    for config in graph.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig"):
        linked = [d for d in config.get("dependencies", []) if d in buckets]
        sources = [d for d in linked if buckets[d].region == graph.region(config)]
        links += [
            Link(s, d, "replication", "S3 replication")
            for s in sources
            for d in linked
            if buckets[d].region != buckets[s].region
        ]
    return links


def _audit(graph: _Graph, regions: Sequence[Region]) -> tuple[Node, ...]:
    nodes: list[Node] = []
    labels = {n.key: n.label for region in regions for n in region.regional}
    for component in graph.of_type("finplatform:audit:Audit"):
        parts = graph.descendants(component["urn"])
        for trail in (r for r in parts if r["type"] == "aws:cloudtrail/trail:Trail"):
            lines = ["CloudTrail, multi-region" if trail["inputs"].get("isMultiRegionTrail") else "CloudTrail"]
            if trail["inputs"].get("enableLogFileValidation"):
                lines.append("log file validation")
            lines += [f"to bucket {labels[d]}" for d in trail.get("dependencies", []) if d in labels]
            nodes.append(Node(trail["urn"], "audit", trail["name"], tuple(lines)))
        for recorder in (r for r in parts if r["type"] == "aws:cfg/recorder:Recorder"):
            rules = sum(1 for r in parts if r["type"] == "aws:cfg/rule:Rule")
            nodes.append(Node(recorder["urn"], "audit", recorder["name"], ("AWS Config recorder", f"{rules} rules")))
        for detector in (r for r in parts if r["type"] == "aws:guardduty/detector:Detector"):
            nodes.append(Node(detector["urn"], "audit", detector["name"], ("GuardDuty detector",)))
        for hub in (r for r in parts if r["type"] == "aws:securityhub/account:Account"):
            standards = [r for r in parts if r["type"] == "aws:securityhub/standardsSubscription:StandardsSubscription"]
            names = [
                "FSBP"
                if "foundational-security-best-practices" in str(s["inputs"].get("standardsArn", ""))
                else s["name"]
                for s in standards
            ]
            hub_details = ("Security Hub", f"standards: {', '.join(names)}") if names else ("Security Hub",)
            nodes.append(Node(hub["urn"], "audit", hub["name"], hub_details))
    keys = graph.of_type("aws:kms/key:Key")
    key_components = graph.of_type("finplatform:keys:Keys")
    if keys and key_components:
        key_regions = sorted({graph.region(k) for k in keys})
        key_details = (_plural(len(keys), "customer-managed key"), f"in {', '.join(key_regions)}")
        nodes.append(Node(key_components[0]["urn"], "audit", "KMS keys", key_details))
    secrets = graph.of_type("aws:secretsmanager/secret:Secret")
    secret_components = graph.of_type("finplatform:keys:Secrets")
    if secrets and secret_components:
        replicated = sorted({str(rep.get("region")) for s in secrets for rep in s["inputs"].get("replicas") or []})
        secret_details = (_plural(len(secrets), "secret"),) + (
            (f"replicas in {', '.join(replicated)}",) if replicated else ()
        )
        nodes.append(Node(secret_components[0]["urn"], "audit", "Secrets Manager", secret_details))
    return tuple(nodes)


# ---------------------------------------------------------------------------------------------------------------
# Layout: the model on a fixed grid, as boxes, texts and wires with integer coordinates

FONT = "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
INK, MUTED, WHITE = "#16191F", "#545B64", "#FFFFFF"
# Helvetica's advance widths (1/1000 em) for printable ASCII, from its AFM; text is measured with them, with a
# margin for the wider fonts a viewer may substitute.
_ASCII_WIDTHS = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 "
    "556 556 556 556 556 556 556 556 556 556 278 278 584 584 584 556 "
    "1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 "
    "333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 "
    "556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_WIDTHS = {chr(32 + i): int(w) for i, w in enumerate(_ASCII_WIDTHS.split())} | {"\u00b7": 278, "\u00d7": 584}


def text_width(text: str, size: int, bold: bool = False) -> int:
    """The width of ``text`` in pixels, erring wide."""
    units = sum(_WIDTHS.get(c, 667) for c in text)
    return math.ceil(units * size / 1000 * (1.1 if bold else 1.0) * 1.15)


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2

    def overlaps(self, other: "Box") -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom


@dataclass(frozen=True)
class Text:
    """One line of text; ``y`` is its baseline."""

    x: int
    y: int
    text: str
    size: int = 11
    bold: bool = False
    anchor: Literal["start", "middle", "end"] = "start"
    color: str = INK
    italic: bool = False

    def bounds(self) -> Box:
        width = text_width(self.text, self.size, self.bold)
        left = {"start": self.x, "middle": self.x - width // 2, "end": self.x - width}[self.anchor]
        return Box(left, self.y - math.ceil(self.size * 0.8), width, math.ceil(self.size * 1.05))


@dataclass(frozen=True)
class Shape:
    box: Box
    fill: str
    stroke: str
    radius: int = 6
    dashed: bool = False
    stroke_width: float = 1.0


WireKind = Literal["request", "failover", "data", "replication", "inactive", "attachment"]


@dataclass(frozen=True)
class Wire:
    """An arrow (or, for ``attachment``, a plain dotted line) through ``points``."""

    points: tuple[tuple[int, int], ...]
    kind: WireKind
    label: Text | None = None


@dataclass
class Scene:
    """Everything drawn, in drawing order within each list: shapes, then wires, then texts."""

    width: int
    height: int
    title: str
    shapes: list[Shape] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    wires: list[Wire] = field(default_factory=list)
    nodes: dict[str, Box] = field(default_factory=dict)
    """Where each node of the model was drawn."""


KIND_COLOURS: dict[str, tuple[str, str]] = {
    "internet": ("#F2F3F3", "#545B64"),
    "cdn": ("#F4EEFF", "#8C4FFF"),
    "dns": ("#F4EEFF", "#8C4FFF"),
    "alb": ("#F4EEFF", "#8C4FFF"),
    "waf": ("#FDEEF0", "#DD344C"),
    "compute": ("#FFF4E8", "#ED7100"),
    "database": ("#EAF1FB", "#2E6BB8"),
    "cache": ("#EAF1FB", "#2E6BB8"),
    "timeseries": ("#EAF1FB", "#2E6BB8"),
    "bucket": ("#EFF7E8", "#3F8624"),
    "vault": ("#EFF7E8", "#3F8624"),
    "audit": ("#FDEEF0", "#DD344C"),
}
TIER_COLOURS: dict[str, tuple[str, str, str]] = {  # band tint, subnet fill, subnet stroke
    "Public": ("#F7FBF3", "#E6F2DA", "#7AA116"),
    "Private": ("#F4F9FC", "#E0EEF7", "#147EBA"),
    "Isolated": ("#F9F7FC", "#ECE6F5", "#7D5BA6"),
}
WIRE_COLOURS: dict[str, str] = {
    "request": "#232F3E",
    "failover": "#232F3E",
    "data": "#1F6FB2",
    "replication": "#C925D1",
    "inactive": "#9AA3AD",
    "attachment": "#DD344C",
}
REGION_STROKE, VPC_STROKE = "#147EBA", "#8C4FFF"

LABEL_SIZE, DETAIL_SIZE = 13, 11
NODE_MIN_W, NODE_PAD = 132, 10
LANE_GAP, ROW_GAP = 28, 12
TRACK, LABELLED_TRACK = 12, 24
TIER_LABEL_W = 132
MARGIN = 24
GUTTER = 24
"""Left of the regions, for the failover route from the DNS records down to the DR region's load balancer."""

_TIER_ROUTE = {"Public": "internet gateway", "Private": "egress via NAT", "Isolated": "no internet route"}


def _node_size(node: Node) -> tuple[int, int]:
    widths = [text_width(node.label, LABEL_SIZE, True), *(text_width(d, DETAIL_SIZE) for d in node.details)]
    return max(NODE_MIN_W, max(widths) + 2 * NODE_PAD), 28 + 14 * len(node.details)


@dataclass
class _Route:
    """How one link is drawn: its kind of path, and the attachment points and tracks it was given."""

    link: Link
    how: Literal["straight", "gutter", "corridor", "channel", "adjacent", "under", "strip", "dr", "direct"]
    region: int = 0
    corridor: int = 0
    sx: int = 0
    tx: int = 0
    tracks: list[int] = field(default_factory=list)
    channel: int = 0


@dataclass
class _Frame:
    """A region's measures, and where its parts ended up."""

    index: int
    region: Region
    box: Box
    width: int = 0
    """Of the VPC and of the row outside it."""
    az_w: int = 0
    lane_x: int = 0
    """Where the rows of workloads start, right of the tier labels and subnets."""
    lane_right: int = 0
    header_right: int = 0
    """Where the region's and the VPC's headers end: the request arrow from above passes right of them."""
    group_w: dict[str, int] = field(default_factory=dict)
    group_title_w: dict[str, int] = field(default_factory=dict)
    private_h: int = 0
    rows: dict[str, Box] = field(default_factory=dict)
    """The content box of each row: public, private, isolated, regional."""
    vpc_bottom: int = 0
    channel_xs: list[int] = field(default_factory=list)

    @property
    def inner(self) -> int:
        return self.box.x + 16


class _Layout:
    """Places the model: title, the internet and CloudFront, each region top to bottom, the audit panel to the
    right and the legend below. Every coordinate is an integer computed from the model alone."""

    def __init__(self, arch: Architecture) -> None:
        self.arch = arch
        self.nodes = arch.nodes()
        self.size = {key: _node_size(node) for key, node in self.nodes.items()}
        self.row_of: dict[str, tuple[int, str]] = {n.key: (-1, "entry") for n in arch.entry}
        self.row_of |= {n.key: (-1, "audit") for n in arch.audit}
        for index, region in enumerate(arch.regions):
            if region.vpc is not None:  # the tiers' rows are the VPC's
                self.row_of |= {n.key: (index, "public") for n in region.edge}
                self.row_of |= {n.key: (index, "private") for g in region.compute for n in g.nodes}
                self.row_of |= {n.key: (index, "isolated") for n in region.stores}
            self.row_of |= {n.key: (index, "regional") for n in region.regional}
        self.box: dict[str, Box] = {}
        self.frames: list[_Frame] = []
        self.adjacent = {(link.source, link.target) for link in arch.links if self._adjacent(link)}
        # A link to or from something that gets no box (not in the model, or in the tiers of a region without a
        # VPC) is not drawn.
        drawn = [link for link in arch.links if link.source in self.row_of and link.target in self.row_of]
        self.routes = [self._classify(link) for link in drawn]
        self.left = MARGIN + (GUTTER if any(r.how == "gutter" for r in self.routes) else 0)
        """Where the regions start: right of the gutter when a route runs down it."""
        self.scene = Scene(0, 0, f"finplatform stack {arch.stack}: architecture")

    # -- the steps

    def run(self) -> Scene:
        y = self._title()
        entry_top = y
        y += sum(self.size[n.key][1] + 40 for n in self.arch.entry)
        for index, region in enumerate(self.arch.regions):
            frame = self._region(index, region, y)
            self.frames.append(frame)
            y = frame.box.bottom + 56
        self._entry(entry_top)
        self._wires()
        right = max([f.box.right for f in self.frames] + [r.channel + 12 for r in self.routes if r.how == "dr"] + [0])
        audit_bottom = self._audit(right + 40, self.frames[0].box.y if self.frames else y)
        legend_bottom = self._legend(MARGIN, y - 56 + 32 if self.frames else y)
        content = [*(s.box for s in self.scene.shapes), *(t.bounds() for t in self.scene.texts)]
        self.scene.width = max(b.right for b in content) + MARGIN
        self.scene.height = max(audit_bottom, legend_bottom) + MARGIN
        return self.scene

    def _title(self) -> int:
        a = self.arch
        regions = ", ".join(f"{r.name} ({'primary' if r.role == 'primary' else 'DR'})" for r in a.regions)
        self._text(MARGIN, MARGIN + 22, f"finplatform · stack {a.stack}", 22, bold=True)
        self._text(
            MARGIN, MARGIN + 46, f"blueprint {a.blueprint} · environment {a.environment} · {regions}", 14, color=INK
        )
        source = (
            f"Drawn from the offline plan: {a.declared} resources declared, {a.derived} created by remote components."
            f"  Regenerate: python -m finplatform diagram --stack {a.stack}"
        )
        self._text(MARGIN, MARGIN + 66, source, 11, color=MUTED)
        return MARGIN + 92

    # -- regions

    def _region(self, index: int, region: Region, top: int) -> _Frame:
        """Measure the region's rows, then draw its header, its VPC and what lives outside the VPC."""
        frame = _Frame(index, region, Box(self.left, top, 0, 0))
        inner = frame.inner
        vpc = region.vpc
        frame.az_w = max([112] + [text_width(az, 12, True) + 28 for az in (vpc.azs if vpc else ())])
        grid_w = TIER_LABEL_W + len(vpc.azs) * frame.az_w if vpc else 0
        frame.lane_x = inner + grid_w + 24
        channel = sum(1 for r in self.routes if r.how == "channel" and r.region == index)
        channel_w = TRACK * channel + 16 if channel else 0
        for g in region.compute:
            lines = [text_width(self._group_count(g, region), 11), *(text_width(n, 11) for n in g.notes)]
            frame.group_title_w[g.name] = max(text_width(g.target, 12, True), *lines) + 20
            frame.group_w[g.name] = frame.group_title_w[g.name] + sum(self.size[n.key][0] + 12 for n in g.nodes)
        frame.private_h = max(
            [self.size[n.key][1] for g in region.compute for n in g.nodes]
            + [20 + 15 * len(g.notes) for g in region.compute]
            + [0]
        )
        private_w = sum(frame.group_w.values()) + LANE_GAP * max(0, len(region.compute) - 1)
        stores = self._store_order(region)
        isolated_w = sum(self.size[n.key][0] + self._gap_after(n, stores) for n in stores)
        public_w = sum(self.size[n.key][0] for n in region.edge) + 40 * max(0, len(region.edge) - 1)
        lane_w = max(private_w, isolated_w, public_w, 220) + 24 + channel_w
        strip_w = TIER_LABEL_W + sum(self.size[n.key][0] + 14 for n in region.regional) + 16
        frame.width = max(grid_w + 24 + lane_w, strip_w) if vpc else strip_w
        frame.lane_right = inner + frame.width - 8
        frame.channel_xs = [frame.lane_right - channel_w + 8 + TRACK * j for j in range(channel)]

        role = {"primary": "primary region", "dr": "DR region: standby copies"}[region.role]
        if region.role == "dr" and region.compute:
            role = "DR region: warm standby"
        header = self._text(inner, top + 28, f"AWS {region.name}", 16, bold=True)
        frame.header_right = self._text(header.bounds().right + 10, top + 28, role, 13, color=MUTED).bounds().right
        y = top + 44
        if vpc is not None:
            y = self._vpc(frame, vpc, y) + 16
            self._private_row(frame)
            self._isolated_row(frame)
            self._public_row(frame)
        y = self._strip(index, region, frame, inner, y)
        frame.box = Box(self.left, top, frame.width + 32, y + 10 - top)
        self.scene.shapes.insert(
            0, Shape(frame.box, "#FCFDFE", REGION_STROKE, radius=10, dashed=True, stroke_width=1.5)
        )
        return frame

    def _vpc(self, frame: _Frame, vpc: Vpc, top: int) -> int:
        """The VPC: its header, the AZ columns and a band per tier, each with its subnets' CIDRs on the left and
        the row its workloads go in on the right. Returns the VPC's bottom."""
        inner, region, az_w = frame.inner, frame.region, frame.az_w
        counts = self._counts(frame.index)
        title = self._text(inner + 12, top + 22, f"VPC {vpc.name} · {vpc.cidr}", 13, bold=True)
        details = self._text(inner + 12, top + 39, " · ".join(vpc.details), 11, color=MUTED)
        frame.header_right = max(frame.header_right, title.bounds().right, details.bounds().right)
        for column, az in enumerate(vpc.azs):
            self._text(inner + TIER_LABEL_W + column * az_w + az_w // 2, top + 66, az, 12, bold=True, anchor="middle")
        corridors = [max(40, TRACK * (counts[f"corridor{k}"] + 1)) for k in (0, 1)]
        content = {
            "Public": max([self.size[n.key][1] for n in region.edge] + [40]),
            "Private": max(frame.private_h + 20, 40),
            "Isolated": max([self.size[n.key][1] for n in region.stores] + [40]),
        }
        below_stores = TRACK * (counts["under"] + counts["iso_src"]) + LABELLED_TRACK * counts["iso_tgt"] + 14
        margins = {
            "Public": (18, corridors[0] - corridors[0] // 2),
            "Private": (corridors[0] // 2, corridors[1] - corridors[1] // 2),
            "Isolated": (corridors[1] // 2, max(18, below_stores)),
        }
        y = top + 76
        shapes: list[Shape] = []
        for tier in TIERS:
            above, below = margins[tier]
            band = Box(inner + 1, y, frame.width - 2, above + content[tier] + below)
            tint, fill, stroke = TIER_COLOURS[tier]
            shapes.append(Shape(band, tint, tint, radius=0))
            frame.rows[tier.lower()] = Box(frame.lane_x, y + above, frame.lane_right - frame.lane_x, content[tier])
            route = _TIER_ROUTE[tier]
            if tier == "Private" and not any(s.nat for s in vpc.subnets):
                route = "no NAT gateway"
            self._text(inner + 12, band.cy - 3, tier, 13, bold=True)
            self._text(inner + 12, band.cy + 13, route, 11, color=MUTED)
            for column, az in enumerate(vpc.azs):
                subnet = vpc.subnet(tier, az)
                if subnet is not None:
                    cell = Box(inner + TIER_LABEL_W + column * az_w + 6, y + 6, az_w - 12, band.h - 12)
                    shapes.append(Shape(cell, fill, stroke, radius=4))
                    shapes += self._subnet(cell, subnet)
            y = band.bottom
        frame.vpc_bottom = y + 6
        vpc_box = Box(inner, top, frame.width, frame.vpc_bottom - top)
        self.scene.shapes += [Shape(vpc_box, WHITE, VPC_STROKE, radius=6, stroke_width=1.5), *shapes]
        return frame.vpc_bottom

    def _subnet(self, cell: Box, subnet: Subnet) -> list[Shape]:
        """A subnet's CIDR, and a badge when a NAT gateway sits in it."""
        if not subnet.nat:
            self._text(cell.cx, cell.cy + 4, subnet.cidr, 12, anchor="middle")
            return []
        self._text(cell.cx, cell.cy - 4, subnet.cidr, 12, anchor="middle")
        badge = Box(cell.cx - 40, cell.cy + 4, 80, 17)
        self._text(cell.cx, badge.y + 12, "NAT gateway", 10, anchor="middle", color="#3F6212")
        return [Shape(badge, WHITE, "#7AA116", radius=8)]

    def _private_row(self, frame: _Frame) -> None:
        """The compute groups, each with its target named on its left."""
        x, row = frame.lane_x, frame.rows["private"]
        for group in frame.region.compute:
            box = Box(x, row.y, frame.group_w[group.name], row.h)
            self.scene.shapes.append(Shape(box, "#FFFBF6", "#ED7100", radius=6, dashed=True))
            self._text(x + 10, row.y + 20, group.target, 12, bold=True, color="#B45309")
            self._text(x + 10, row.y + 35, self._group_count(group, frame.region), 11, color=MUTED)
            for line, note in enumerate(group.notes):
                self._text(x + 10, row.y + 50 + 15 * line, note, 11, color=MUTED)
            nx = x + frame.group_title_w[group.name]
            for node in group.nodes:
                w = self.size[node.key][0]
                self._node(node, Box(nx, row.y + 10, w, frame.private_h))
                nx += w + 12
            x = box.right + LANE_GAP
        if frame.region.role != "primary" and not frame.region.compute:
            note = "standby network: no workloads run here"
            self._text(frame.lane_x, row.cy + 4, note, 11, italic=True, color=MUTED)

    def _isolated_row(self, frame: _Frame) -> None:
        """Databases and caches, each replica beside its primary."""
        x, row = frame.lane_x, frame.rows["isolated"]
        order = self._store_order(frame.region)
        for node in order:
            w = self.size[node.key][0]
            self._node(node, Box(x, row.y, w, row.h))
            x += w + self._gap_after(node, order)

    def _public_row(self, frame: _Frame) -> None:
        """The load balancer above the services it routes to (clear of the headers, so that the request arrow
        from above crosses no text), its WAF on its left."""
        row = frame.rows["public"]
        wafs = [n for n in frame.region.edge if n.kind != "alb"]
        waf_w = sum(self.size[n.key][0] + 40 for n in wafs)
        channel_w = TRACK * len(frame.channel_xs) + 16 if frame.channel_xs else 0
        for alb in (n for n in frame.region.edge if n.kind == "alb"):
            w, h = self.size[alb.key]
            targets = [
                self.box[r.link.target].cx
                for r in self.routes
                if r.link.source == alb.key and r.link.target in self.box
            ]
            centre = sum(targets) // len(targets) if targets else frame.lane_x + waf_w + w // 2
            x = max(centre - w // 2, frame.lane_x + waf_w, frame.header_right + 24 - w // 2)
            box = self._node(alb, Box(min(x, frame.lane_right - channel_w - w), row.y, w, h))
            wx = box.x
            for waf in wafs:
                ww, wh = self.size[waf.key]
                wx -= 40 + ww
                waf_box = self._node(waf, Box(wx, row.y, ww, wh))
                self.scene.wires.append(Wire(((waf_box.right, waf_box.cy), (box.x, waf_box.cy)), "attachment"))

    def _strip(self, index: int, region: Region, frame: _Frame, inner: int, top: int) -> int:
        counts = self._counts(index)
        above = max(16, TRACK * (counts["strip_top"] + 1)) if region.vpc else 8
        height = max([self.size[n.key][1] for n in region.regional] + [40])
        below = max(16, TRACK * counts["strip_src"] + LABELLED_TRACK * counts["strip_tgt"] + 14)
        row = Box(inner + TIER_LABEL_W, top + above, frame.lane_right - inner - TIER_LABEL_W, height)
        frame.rows["regional"] = row
        self._text(inner + 12, row.cy - 3, "Outside the VPC", 12, bold=True)
        self._text(inner + 12, row.cy + 13, "regional services", 11, color=MUTED)
        x = row.x
        for node in self._strip_order(region):
            w = self.size[node.key][0]
            self._node(node, Box(x, row.y, w, height))
            x += w + 14
        return row.bottom + below

    def _entry(self, top: int) -> None:
        if not self.arch.entry:
            return
        albs = [self.box[n.key] for r in self.arch.regions[:1] for n in r.edge if n.kind == "alb"]
        centre = albs[0].cx if albs else MARGIN + 400
        y = top
        for node in self.arch.entry:
            w, h = self.size[node.key]
            self._node(node, Box(centre - w // 2, y, w, h))
            y += h + 40

    # -- wires

    def _wires(self) -> None:
        attachments: dict[tuple[str, str], list[tuple[int, str, _Route, str]]] = {}

        def attach(key: str, side: str, other: int, route: _Route, end: str) -> None:
            attachments.setdefault((key, side), []).append((other, route.link.source + route.link.target, route, end))

        far = 10**6
        for r in self.routes:
            s, t = self.box[r.link.source], self.box[r.link.target]
            if r.how == "corridor":
                attach(r.link.source, "bottom", t.cx, r, "s")
                attach(r.link.target, "top", s.cx, r, "t")
            elif r.how == "channel":
                attach(r.link.source, "bottom", far, r, "s")
                attach(r.link.target, "top", far, r, "t")
            elif r.how == "under":
                attach(r.link.source, "bottom", t.cx, r, "s")
                attach(r.link.target, "bottom", s.cx, r, "t")
            elif r.how == "strip":
                attach(r.link.source, "top", t.cx, r, "s")
                attach(r.link.target, "top", s.cx, r, "t")
            elif r.how == "dr":
                attach(r.link.source, "bottom", far, r, "s")
                attach(r.link.target, "bottom", far, r, "t")
            else:
                r.sx, r.tx = s.cx, t.cx
        for (key, _side), items in sorted(attachments.items()):
            box = self.box[key]
            items.sort(key=lambda item: (item[0], item[1]))
            for position, (_other, _name, route, end) in enumerate(items):
                x = box.x + round(box.w * (position + 1) / (len(items) + 1))
                if end == "s":
                    route.sx = x
                else:
                    route.tx = x
        self._corridor_tracks()
        self._channel_tracks()
        self._row_tracks()
        self._dr_tracks()
        for r in self.routes:
            self.scene.wires.append(self._wire(r))

    def _corridor_tracks(self) -> None:
        groups: dict[tuple[int, int], list[_Route]] = {}
        for r in self.routes:
            if r.how in ("corridor", "channel"):
                groups.setdefault((r.region, r.corridor), []).append(r)
        for (region, corridor), routes in sorted(groups.items()):
            frame = self.frames[region]
            upper, lower = (("public", "private"), ("private", "isolated"))[corridor]
            top = max((self.box[r.link.source].bottom for r in routes), default=frame.rows[upper].bottom)
            bottom = frame.rows[lower].y
            if corridor == 1:
                private = frame.rows["private"]
                top = max(top, private.bottom)
            routes.sort(
                key=lambda r: (
                    (0, self._far_x(r)) if self._far_x(r) < r.sx else (1, -self._far_x(r)),
                    r.sx,
                )
            )
            for position, r in enumerate(routes):
                r.tracks = [top + round((bottom - top) * (position + 1) / (len(routes) + 1))]

    def _far_x(self, r: _Route) -> int:
        if r.how == "channel":
            return self.frames[r.region].lane_right
        return r.tx

    def _channel_tracks(self) -> None:
        for index, frame in enumerate(self.frames):
            routes = sorted(
                (r for r in self.routes if r.how in ("channel", "strip") and r.region == index),
                key=lambda r: (r.how != "channel", r.tx, r.link.source),
            )
            if not routes:
                continue
            row = frame.rows["regional"]
            top, bottom = frame.vpc_bottom, row.y
            channels = [r for r in routes if r.how == "channel"]
            for position, r in enumerate(channels):
                r.channel = frame.channel_xs[position]
            for position, r in enumerate(routes):
                y = top + round((bottom - top) * (position + 1) / (len(routes) + 1))
                r.tracks = [*r.tracks, y]

    def _row_tracks(self) -> None:
        for index, frame in enumerate(self.frames):
            routes = sorted((r for r in self.routes if r.how == "under" and r.region == index), key=lambda r: -r.sx)
            for position, r in enumerate(routes):
                r.tracks = [frame.rows["isolated"].bottom + TRACK * (position + 1)]

    def _dr_tracks(self) -> None:
        routes = [r for r in self.routes if r.how == "dr"]
        if not routes:
            return
        by_source: dict[tuple[int, str], list[_Route]] = {}
        by_target: dict[tuple[int, str], list[_Route]] = {}
        for r in routes:
            by_source.setdefault(self.row_of[r.link.source], []).append(r)
            by_target.setdefault(self.row_of[r.link.target], []).append(r)
        for (region, row), items in sorted(by_source.items()):
            base = self.frames[region].rows[row].bottom
            base += TRACK * sum(1 for r in self.routes if r.how == "under" and r.region == region and row == "isolated")
            for position, r in enumerate(sorted(items, key=lambda r: (-r.sx, r.link.target))):
                r.tracks = [base + TRACK * (position + 1)]
        for (region, row), items in sorted(by_target.items()):
            base = self.frames[region].rows[row].bottom
            base += TRACK * sum(1 for r in self.routes if r.how == "under" and r.region == region and row == "isolated")
            base += TRACK * len(by_source.get((region, row), []))
            for position, r in enumerate(sorted(items, key=lambda r: (-r.tx, r.link.source))):
                r.tracks.append(base + LABELLED_TRACK * (position + 1))
        label_w = max(text_width(r.link.label, 11, True) for r in routes)
        start = max(
            [f.box.right + 24 for f in self.frames]
            + [self.frames[self.row_of[r.link.target][0]].box.right + 16 + label_w + 8 for r in routes]
        )
        for position, r in enumerate(sorted(routes, key=lambda r: (r.tracks[-1], r.link.source))):
            r.channel = start + 14 * position

    def _wire(self, r: _Route) -> Wire:
        s, t = self.box[r.link.source], self.box[r.link.target]
        kind: WireKind = r.link.kind if r.link.active else "inactive"
        label = None
        points: list[tuple[int, int]]
        if r.how == "straight":
            points = [(t.cx, s.bottom), (t.cx, t.y)]
            if r.link.label:
                label = Text(t.cx + 8, s.bottom + 22, r.link.label, 11, bold=True, color=WIRE_COLOURS[kind])
        elif r.how == "gutter":
            # Left from the record, down the gutter, along the gap above the target's region, into its top.
            x, y = MARGIN + GUTTER // 3, self.frames[self.row_of[r.link.target][0]].box.y - 28
            points = [(s.x, s.cy), (x, s.cy), (x, y), (t.cx, y), (t.cx, t.y)]
            if r.link.label:
                label = Text(x + 14, y - 6, r.link.label, 11, bold=True, color=WIRE_COLOURS[kind])
        elif r.how == "corridor":
            (y,) = r.tracks
            points = (
                [(r.sx, s.bottom), (r.tx, t.y)]
                if r.sx == r.tx
                else [(r.sx, s.bottom), (r.sx, y), (r.tx, y), (r.tx, t.y)]
            )
        elif r.how == "channel":
            y1, y2 = r.tracks
            points = [(r.sx, s.bottom), (r.sx, y1), (r.channel, y1), (r.channel, y2), (r.tx, y2), (r.tx, t.y)]
        elif r.how == "adjacent":
            y = min(s.cy, t.cy)
            points = [(s.right, y), (t.x, y)]
            if r.link.label:
                label = Text((s.right + t.x) // 2, y - 6, r.link.label, 11, anchor="middle", color=WIRE_COLOURS[kind])
        elif r.how == "under":
            (y,) = r.tracks
            points = [(r.sx, s.bottom), (r.sx, y), (r.tx, y), (r.tx, t.bottom)]
        elif r.how == "strip":
            (y,) = r.tracks
            points = [(r.sx, s.y), (r.sx, y), (r.tx, y), (r.tx, t.y)]
        elif r.how == "dr":
            ys, yt = r.tracks
            points = [(r.sx, s.bottom), (r.sx, ys), (r.channel, ys), (r.channel, yt), (r.tx, yt), (r.tx, t.bottom)]
            # In the free space just right of the target's region, where no other wire passes.
            beside = self.frames[self.row_of[r.link.target][0]].box.right + 16
            label = Text(beside, yt - 6, r.link.label, 11, bold=True, color=WIRE_COLOURS[kind])
        else:
            points = [(s.cx, s.bottom), (t.cx, t.y)]
        return Wire(tuple(points), kind, label)

    # -- the side panel and the legend

    def _audit(self, x: int, top: int) -> int:
        if not self.arch.audit:
            return top
        width = max([self.size[n.key][0] for n in self.arch.audit] + [200])
        primary = self.arch.regions[0].name if self.arch.regions else ""
        self._text(x + 14, top + 26, "Security and audit", 14, bold=True)
        self._text(x + 14, top + 43, f"account-wide, from {primary}", 11, color=MUTED)
        y = top + 58
        for node in self.arch.audit:
            h = self.size[node.key][1]
            self._node(node, Box(x + 14, y, width, h))
            y += h + 10
        panel = Box(x, top, width + 28, y + 4 - top)
        self.scene.shapes.insert(0, Shape(panel, "#FFFAFA", "#DD344C", radius=10, dashed=True, stroke_width=1.2))
        return panel.bottom

    def _legend(self, x: int, top: int) -> int:
        kinds = {n.kind for n in self.nodes.values()}
        wires = {w.kind for w in self.scene.wires}
        items: list[tuple[str, str, str]] = []  # (swatch kind, key, text)
        for kind, text in (
            (
                "alb",
                "Edge: load balancer"
                + (", CloudFront" if "cdn" in kinds else "")
                + (", Route 53" if "dns" in kinds else ""),
            ),
            ("waf", "WAF, security and audit services"),
            ("compute", "Compute: services and functions"),
            ("database", "Databases and caches"),
            ("bucket", "Buckets and backup vaults"),
        ):
            if kind in kinds or (kind == "waf" and "audit" in kinds):
                items.append(("box", kind, text))
        items += [("tier", tier, f"{tier} subnet") for tier in TIERS]
        items.append(("nat", "", "NAT gateway in the subnet"))
        for kind, text in (
            ("request", "request path"),
            ("failover", "request path on failover (Route 53 secondary record)"),
            ("inactive", "routed once the load balancer has a certificate"),
            ("data", "data access (references and IAM grants)"),
            ("replication", "replication and backup copies"),
            ("attachment", "WAF attached"),
        ):
            if kind in wires:
                items.append(("wire", kind, text))
        self._text(x, top + 14, "Legend", 13, bold=True)
        limit = max([f.box.right for f in self.frames] + [900])
        cx, cy = x, top + 26
        for swatch, key, text in items:
            width = 44 + text_width(text, 11) + 24
            if cx + width > limit:
                cx, cy = x, cy + 26
            if swatch == "box":
                fill, stroke = KIND_COLOURS[key]
                self.scene.shapes.append(Shape(Box(cx, cy + 3, 34, 16), fill, stroke, radius=4, stroke_width=1.4))
            elif swatch == "tier":
                _tint, fill, stroke = TIER_COLOURS[key]
                self.scene.shapes.append(Shape(Box(cx, cy + 3, 34, 16), fill, stroke, radius=3))
            elif swatch == "nat":
                self.scene.shapes.append(Shape(Box(cx, cy + 3, 34, 16), WHITE, "#7AA116", radius=8))
            else:
                self.scene.wires.append(Wire(((cx, cy + 11), (cx + 34, cy + 11)), key))  # type: ignore[arg-type]
            self._text(cx + 44, cy + 15, text, 11)
            cx += width
        return cy + 26

    # -- helpers

    def _classify(self, link: Link) -> _Route:
        (si, sr), (ti, tr) = self.row_of[link.source], self.row_of[link.target]
        if sr == "entry":
            return _Route(link, "straight" if ti <= 0 else "gutter")
        if si == ti and (sr, tr) == ("public", "private"):
            return _Route(link, "corridor", si, 0)
        if si == ti and (sr, tr) == ("private", "isolated"):
            return _Route(link, "corridor", si, 1)
        if si == ti and (sr, tr) == ("private", "regional"):
            return _Route(link, "channel", si, 1)
        if si == ti and sr == tr == "isolated":
            return _Route(link, "adjacent" if (link.source, link.target) in self.adjacent else "under", si)
        if si == ti and sr == tr == "regional":
            return _Route(link, "strip", si)
        if si != ti and sr in ("isolated", "regional") and tr in ("isolated", "regional"):
            return _Route(link, "dr", si)
        return _Route(link, "direct", si)

    def _adjacent(self, link: Link) -> bool:
        """A same-region replica placed right after its primary."""
        if link.kind != "replication":
            return False
        for region in self.arch.regions:
            keys = [n.key for n in self._store_order(region)]
            if link.source in keys and link.target in keys:
                return keys.index(link.target) == keys.index(link.source) + 1
        return False

    def _store_order(self, region: Region) -> list[Node]:
        """The isolated row: each store followed by its first same-region replica; in a DR region, the copies in
        the order of the primary region's stores they copy, so that the wires between the regions nest."""
        replicas = {
            link.target: link.source
            for link in self.arch.links
            if link.kind == "replication" and link.target in {n.key for n in region.stores}
        }
        stores = list(region.stores)
        if self.arch.regions and region is not self.arch.regions[0]:
            upstream = [n.key for n in self._store_order(self.arch.regions[0])]
            stores.sort(
                key=lambda n: upstream.index(replicas[n.key]) if replicas.get(n.key) in upstream else len(upstream)
            )
        keys = {n.key for n in stores}
        order: list[Node] = []
        for node in stores:
            if node in order or (replicas.get(node.key) in keys and node.key in replicas):
                continue
            order.append(node)
            order += [n for n in stores if replicas.get(n.key) == node.key and n not in order]
        return order + [n for n in stores if n not in order]

    def _strip_order(self, region: Region) -> list[Node]:
        """Outside the VPC: what nothing links to first, so that the linked nodes sit nearer the channel."""
        linked = {k for link in self.arch.links for k in (link.source, link.target)}
        kinds = {"timeseries": 0, "compute": 1, "bucket": 2, "vault": 3}
        return sorted(
            region.regional, key=lambda n: (n.kind == "vault", n.key in linked, kinds.get(n.kind, 4), n.label)
        )

    def _gap_after(self, node: Node, order: Sequence[Node]) -> int:
        position = order.index(node)
        following = order[position + 1] if position + 1 < len(order) else None
        for link in self.arch.links:
            if following is not None and (link.source, link.target) == (node.key, following.key) and link.label:
                return max(LANE_GAP, text_width(link.label, 11) + 28)
        return LANE_GAP

    def _counts(self, index: int) -> dict[str, int]:
        counts = dict.fromkeys(
            ("corridor0", "corridor1", "strip_top", "under", "iso_src", "iso_tgt", "strip_src", "strip_tgt"), 0
        )
        for r in self.routes:
            if r.how in ("corridor", "channel") and r.region == index:
                counts[f"corridor{r.corridor}"] += 1
            if r.how in ("channel", "strip") and r.region == index:
                counts["strip_top"] += 1
            if r.how == "under" and r.region == index:
                counts["under"] += 1
            if r.how == "dr":
                (si, sr), (ti, tr) = self.row_of[r.link.source], self.row_of[r.link.target]
                if si == index:
                    counts["iso_src" if sr == "isolated" else "strip_src"] += 1
                if ti == index:
                    counts["iso_tgt" if tr == "isolated" else "strip_tgt"] += 1
        return counts

    @staticmethod
    def _group_count(group: ComputeGroup, region: Region) -> str:
        noun = "function" if group.target == "Lambda" else "service"
        return _plural(len(group.nodes), noun) + (" · warm standby" if region.role == "dr" else "")

    def _node(self, node: Node, box: Box) -> Box:
        fill, stroke = KIND_COLOURS[node.kind]
        self.scene.shapes.append(Shape(box, fill, stroke, radius=6, stroke_width=1.4))
        self._text(box.x + NODE_PAD, box.y + 19, node.label, LABEL_SIZE, bold=True)
        for line, detail in enumerate(node.details):
            self._text(box.x + NODE_PAD, box.y + 34 + 14 * line, detail, DETAIL_SIZE, color=MUTED)
        self.box[node.key] = box
        self.scene.nodes[node.key] = box
        return box

    def _text(
        self,
        x: int,
        y: int,
        text: str,
        size: int,
        *,
        bold: bool = False,
        anchor: Literal["start", "middle", "end"] = "start",
        color: str = INK,
        italic: bool = False,
    ) -> Text:
        item = Text(x, y, text, size, bold, anchor, color, italic)
        self.scene.texts.append(item)
        return item


def layout(arch: Architecture) -> Scene:
    """The model placed on the page."""
    return _Layout(arch).run()


def clashes(scene: Scene) -> list[str]:
    """What would make the picture hard to read: two texts overlapping, a wire across a text or through a node,
    two wires along the same line. Empty for a clean layout; a test keeps the stacks' diagrams so."""
    found: list[str] = []
    texts = [*scene.texts, *(w.label for w in scene.wires if w.label is not None)]
    for position, a in enumerate(texts):
        found += [
            f"text {a.text!r} overlaps {b.text!r}" for b in texts[position + 1 :] if a.bounds().overlaps(b.bounds())
        ]
    segments = [(index, p, q) for index, w in enumerate(scene.wires) for p, q in itertools.pairwise(w.points)]
    for index, p, q in segments:
        span = Box(min(p[0], q[0]), min(p[1], q[1]), abs(q[0] - p[0]) or 1, abs(q[1] - p[1]) or 1)
        wire = scene.wires[index]
        found += [
            f"{wire.kind} wire {p}-{q} crosses text {t.text!r}"
            for t in texts
            if t is not wire.label and span.overlaps(t.bounds())
        ]
        found += [
            f"{wire.kind} wire {p}-{q} runs through node {key.rsplit('::', 1)[-1]}"
            for key, b in scene.nodes.items()
            if span.overlaps(Box(b.x + 2, b.y + 2, b.w - 4, b.h - 4))
        ]
    for position, (i, p1, q1) in enumerate(segments):
        for j, p2, q2 in segments[position + 1 :]:
            for axis in (0, 1):
                if i != j and p1[axis] == q1[axis] == p2[axis] == q2[axis]:
                    a0, a1 = sorted((p1[1 - axis], q1[1 - axis]))
                    b0, b1 = sorted((p2[1 - axis], q2[1 - axis]))
                    if a0 < b1 and b0 < a1:
                        found.append(f"wires {p1}-{q1} and {p2}-{q2} overlap")
    return found


# ---------------------------------------------------------------------------------------------------------------
# SVG


def render_svg(diagram: "Architecture | Scene") -> str:
    """The diagram as an SVG document (drawsvg, pure Python)."""
    import drawsvg as dw

    scene = layout(diagram) if isinstance(diagram, Architecture) else diagram
    drawing = dw.Drawing(scene.width, scene.height, font_family=FONT)
    drawing.append(dw.Title(scene.title))
    drawing.append(dw.Rectangle(0, 0, scene.width, scene.height, fill=WHITE))
    for shape in scene.shapes:
        b = shape.box
        extra = {"stroke_dasharray": "6 4"} if shape.dashed else {}
        drawing.append(
            dw.Rectangle(
                b.x,
                b.y,
                b.w,
                b.h,
                rx=shape.radius,
                fill=shape.fill,
                stroke=shape.stroke,
                stroke_width=shape.stroke_width,
                **extra,
            )
        )
    markers: dict[str, Any] = {}
    for kind, colour in WIRE_COLOURS.items():
        marker = dw.Marker(-1, -0.5, 0.2, 0.5, scale=8, orient="auto", id=f"arrow-{kind}")
        marker.append(dw.Lines(-1, -0.5, 0.2, 0, -1, 0.5, close=True, fill=colour))
        markers[kind] = marker
    for wire in scene.wires:
        coords = [c for point in wire.points for c in point]
        style: dict[str, Any] = {"fill": "none", "stroke": WIRE_COLOURS[wire.kind], "stroke_width": 1.6}
        if wire.kind in ("replication", "inactive", "failover"):
            style["stroke_dasharray"] = "7 4"
        if wire.kind == "attachment":
            style["stroke_dasharray"] = "2 3"
        else:
            style["marker_end"] = markers[wire.kind]
        drawing.append(dw.Lines(*coords, **style))
    labels = [w.label for w in scene.wires if w.label is not None]
    for text in [*scene.texts, *labels]:
        extra = {}
        if text.bold:
            extra["font_weight"] = "bold"
        if text.italic:
            extra["font_style"] = "italic"
        if text.anchor != "start":
            extra["text_anchor"] = text.anchor
        drawing.append(dw.Text(text.text, text.size, text.x, text.y, fill=text.color, **extra))
    svg: str = drawing.as_svg()
    return svg


def diagram_svg(plan: "Plan | Mapping[str, Any]") -> str:
    """A planned stack's architecture as SVG."""
    return render_svg(architecture(plan))
