"""The architecture diagram: the model read from the planned stacks, a clean layout, SVG, the committed prod
diagram kept current, and the ``diagram`` command."""

import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from finplatform import ROOT
from finplatform.__main__ import main
from finplatform.stack import resolve_stack
from finplatform.tooling import plan as plan_module
from finplatform.tooling.diagram import (
    TIERS,
    Architecture,
    Box,
    ComputeGroup,
    Link,
    Node,
    Region,
    Scene,
    Subnet,
    Text,
    Vpc,
    Wire,
    architecture,
    clashes,
    layout,
    render_svg,
)
from finplatform.tooling.plan import Plan
from finplatform.tooling.stack_files import read_stack_file

SVG = "{http://www.w3.org/2000/svg}"
DIAGRAMS = ROOT / "docs" / "diagrams"


def _prod_stacks() -> list[str]:
    """The committed prod stacks: one per blueprint, the diagrams docs/blueprints/<name>.md embed."""
    stacks = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml"))
    return [s for s in stacks if read_stack_file(s)[0].get("finplatform:environment") == "prod"]


PROD_STACKS = _prod_stacks()


def _labels(plan: Plan, type_: str) -> set[str]:
    return {r.name for r in plan.named(type_)}


def _names(arch: Architecture) -> dict[str, str]:
    return {key: node.label for key, node in arch.nodes().items()}


def _flows(arch: Architecture, kind: str) -> set[tuple[str, str, str]]:
    names = _names(arch)
    return {(names[link.source], names[link.target], link.label) for link in arch.links if link.kind == kind}


def _region(arch: Architecture, role: str) -> Region:
    (found,) = [r for r in arch.regions if r.role == role]
    return found


def _svg_texts(svg: str) -> list[str]:
    return [element.text or "" for element in ET.fromstring(svg).iter(f"{SVG}text")]


def test_prod_spans_its_primary_and_dr_regions_and_dev_one(planned: Callable[[str], Plan]) -> None:
    # GIVEN the planned prod and dev stacks WHEN they are read into the diagram's model
    prod, dev = architecture(planned("prod")), architecture(planned("dev"))
    # THEN prod has the primary region and the DR region its stack file names, dev only its primary region
    assert [(r.name, r.role) for r in prod.regions] == [("us-east-1", "primary"), ("us-west-2", "dr")]
    assert [(r.name, r.role) for r in dev.regions] == [("us-east-1", "primary")]
    # AND the title facts come from the plan: stack, blueprint and environment
    assert (prod.stack, prod.blueprint, prod.environment) == ("prod", "portfolio-analytics", "prod")
    assert (dev.stack, dev.environment) == ("dev", "dev")


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_each_vpc_has_the_plans_tiers_by_az_with_their_cidrs(stack: str, planned: Callable[[str], Plan]) -> None:
    # GIVEN a planned stack and the subnets and NAT gateways awsx will create for its VPCs
    plan = planned(stack)
    arch = architecture(plan)
    derived = plan.to_json()["derived"]
    assert arch.regions, "the stack has regions"
    for region in arch.regions:
        # WHEN the model's VPC of each region is compared with the plan
        assert region.vpc is not None
        (vpc,) = [r for r in plan.resources if r.type == "awsx:ec2:Vpc" and r.name == region.vpc.name]
        subnets = [d for d in derived if d["parent"] == vpc.urn and d["type"] == "aws:ec2/subnet:Subnet"]
        nats = {
            d["inputs"]["availabilityZone"] for d in derived if d["parent"] == vpc.urn and "natGateway" in d["type"]
        }
        # THEN it has a Public, Private and Isolated row for every AZ column, with the plan's CIDR in each cell
        assert subnets, "awsx creates subnets"
        assert region.vpc.azs == tuple(vpc.inputs["availabilityZoneNames"])
        assert region.vpc.cidr == vpc.inputs["cidrBlock"]
        expected = {
            (d["inputs"]["tags"]["SubnetType"], d["inputs"]["availabilityZone"], d["inputs"]["cidrBlock"])
            for d in subnets
        }
        assert {(s.tier, s.az, s.cidr) for s in region.vpc.subnets} == expected
        assert len(region.vpc.subnets) == 3 * len(region.vpc.azs)
        # AND a NAT gateway marks exactly the public subnets of the AZs that have one
        assert {s.az for s in region.vpc.subnets if s.nat} == nats
        assert all(s.tier == "Public" for s in region.vpc.subnets if s.nat)


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_every_service_function_and_store_is_in_its_tier(stack: str, planned: Callable[[str], Plan]) -> None:
    # GIVEN a planned stack WHEN it is read into the model
    plan = planned(stack)
    arch = architecture(plan)
    primary = _region(arch, "primary")
    compute = {n.label for g in primary.compute for n in g.nodes}
    stores = {n.label for r in arch.regions for n in r.stores}
    outside = {n.label for r in arch.regions for n in r.regional}
    services = {
        name.removeprefix("services-").removesuffix("-service") for name in _labels(plan, "aws:ecs/service:Service")
    }
    # The blueprint's functions (the platform's own, such as a secret's rotation function, are not workloads)
    functions = {
        name.removeprefix("functions-")
        for name in _labels(plan, "aws:lambda/function:Function")
        if name.startswith("functions-")
    }
    # THEN every ECS service and VPC Lambda function runs in the private tier, grouped by compute target
    assert services and functions, "the blueprint has services and functions"
    assert compute == services | functions
    assert {g.target for g in primary.compute} == {"ECS Fargate", "Lambda"}
    # AND every database instance and cache is in an isolated tier, every bucket and vault outside the VPC
    rds = _labels(plan, "aws:rds/instance:Instance")
    assert rds and stores == rds | _labels(plan, "aws:elasticache/replicationGroup:ReplicationGroup")
    buckets = {n.removeprefix("storage-") for n in _labels(plan, "finplatform:data:Bucket")}
    assert outside == buckets | _labels(plan, "aws:backup/vault:Vault")
    # AND the edge (WAF and load balancer) is in the primary region's public tier, the audit services beside it
    assert {n.label for n in primary.edge} == {"edge-waf", "edge-alb"}
    assert {n.label for n in arch.audit} >= {
        "audit-trail",
        "audit-config-recorder",
        "audit-guardduty",
        "audit-securityhub",
    }


def test_flows_follow_the_requests_and_the_grants(planned: Callable[[str], Plan]) -> None:
    # GIVEN the planned prod stack, whose load balancer has no certificate yet
    arch = architecture(planned("prod"))
    # WHEN its request and data flows are read
    requests = {(link.source, link.target, link.active) for link in arch.links if link.kind == "request"}
    names = _names(arch)
    # THEN requests go from the internet to the load balancer, and from it to each service it has a target group
    # for, drawn as not routed yet
    assert {(names[s], names[t], active) for s, t, active in requests} == {
        ("Internet", "edge-alb", True),
        ("edge-alb", "web-ui", False),
        ("edge-alb", "analytics-engine", False),
    }
    # AND each workload reaches exactly the stores and buckets the blueprint grants it
    data: dict[str, set[str]] = {}
    for source, target, _label in _flows(arch, "data"):
        data.setdefault(source, set()).add(target)
    assert data == {
        "web-ui": {"redis-group"},
        "analytics-engine": {"postgres-primary", "redis-group", "portfolio-data"},
        "blockchain-anchoring": {"postgres-primary", "audit-trail"},
    }


def test_dr_links_go_from_each_primary_copy_to_its_standby(planned: Callable[[str], Plan]) -> None:
    # GIVEN the planned prod and dev stacks WHEN their replication links are read
    prod, dev = architecture(planned("prod")), architecture(planned("dev"))
    dr = _region(prod, "dr")
    # THEN prod's DR region holds the database replica, the replicated buckets and the copy vault
    assert {n.label for n in dr.stores} == {"postgres-dr-replica"}
    assert {n.label for n in dr.regional} == {
        "portfolio-data-dr",
        "audit-trail-dr",
        "recovery-dr-vault",
        "dr-access-logs",
    }
    assert dr.compute == () and dr.edge == ()
    # AND each is linked, labelled, from its primary copy; the same-region replica is linked too
    assert _flows(prod, "replication") == {
        ("postgres-primary", "postgres-dr-replica", "cross-region replica"),
        ("postgres-primary", "postgres-replica-1", "read replica"),
        ("portfolio-data", "portfolio-data-dr", "S3 replication"),
        ("audit-trail", "audit-trail-dr", "S3 replication"),
        ("recovery-vault", "recovery-dr-vault", "backup copy"),
    }
    # AND dev replicates nothing
    assert _flows(dev, "replication") == set()


@pytest.mark.parametrize("stack", [*PROD_STACKS, "dev"])
def test_the_layout_is_clean(stack: str, planned: Callable[[str], Plan]) -> None:
    # GIVEN a planned stack WHEN its model is laid out
    arch = architecture(planned(stack))
    scene = layout(arch)
    # THEN no texts overlap, no wire crosses a text or runs through a node, no two wires share a line
    assert clashes(scene) == []
    # AND every node is drawn, and every link as a wire
    assert set(scene.nodes) == set(arch.nodes())
    assert len([w for w in scene.wires if w.kind != "attachment" and w.points[0][0] > 0]) >= len(arch.links)


def test_clashes_are_found() -> None:
    # GIVEN a scene with two overlapping texts and a wire through a node and across a text
    scene = Scene(400, 200, "bad")
    scene.texts += [Text(10, 20, "first label", 12), Text(30, 22, "second label", 12)]
    scene.nodes["urn::node"] = Box(100, 100, 80, 40)
    scene.wires.append(Wire(((0, 120), (300, 120)), "data"))
    scene.wires.append(Wire(((40, 0), (40, 60)), "request"))
    # WHEN it is checked
    found = clashes(scene)
    # THEN all three problems are named
    assert any("overlaps" in f for f in found)
    assert any("runs through node node" in f for f in found)
    assert any("crosses text" in f for f in found)


def test_the_svg_parses_and_names_everything(planned: Callable[[str], Plan]) -> None:
    # GIVEN the planned prod stack WHEN it is rendered
    arch = architecture(planned("prod"))
    svg = render_svg(arch)
    texts = _svg_texts(svg)
    joined = "\n".join(texts)
    # THEN it is SVG of the computed size, with a title
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and int(root.attrib["width"]) > 1000 and int(root.attrib["height"]) > 800
    assert root.find(f"{SVG}title") is not None
    # AND it shows the title facts, every node with its details, the tiers, AZs and CIDRs, and the DR labels
    assert "finplatform · stack prod" in texts
    assert "blueprint portfolio-analytics · environment prod" in joined
    nodes = list(arch.nodes().values())
    assert nodes, "the model has nodes"
    for node in nodes:
        assert node.label in texts
        assert all(detail in texts for detail in node.details)
    for region in arch.regions:
        assert region.vpc is not None
        assert set(region.vpc.azs) <= set(texts)
        assert {s.cidr for s in region.vpc.subnets} <= set(texts)
    assert {"Public", "Private", "Isolated", "cross-region replica", "S3 replication", "backup copy"} <= set(texts)


def test_the_same_plan_gives_the_same_bytes_from_the_plan_or_its_json(planned: Callable[[str], Plan]) -> None:
    # GIVEN the planned dev stack and its JSON as `plan --json` writes it
    plan = planned("dev")
    written = json.loads(json.dumps(plan.to_json(), default=str))
    # WHEN it is rendered twice from the plan and once from the JSON
    # THEN the three are byte-identical
    first = render_svg(architecture(plan))
    assert first == render_svg(architecture(plan)) == render_svg(architecture(written))


@pytest.mark.parametrize("stack", PROD_STACKS)
def test_the_committed_prod_diagrams_are_current(stack: str, planned: Callable[[str], Plan]) -> None:
    # GIVEN docs/diagrams/<stack>.svg of a blueprint's prod stack, which its blueprint doc embeds
    committed = (DIAGRAMS / f"{stack}.svg").read_text(encoding="utf-8")
    # WHEN the stack is rendered now
    fresh = render_svg(architecture(planned(stack)))
    # THEN nothing has drifted
    assert committed == fresh, f"docs/diagrams/{stack}.svg is stale: run python -m finplatform diagram --blueprints"


def test_every_diagram_a_doc_embeds_is_committed() -> None:
    # GIVEN the diagrams the docs embed
    embedded = {
        (doc.parent / link).resolve()
        for doc in (ROOT / "docs").rglob("*.md")
        for link in re.findall(r"\]\(([^)]*diagrams/[^)]+\.svg)\)", doc.read_text(encoding="utf-8"))
    }
    # WHEN they are looked for THEN each is there, one per prod stack
    assert embedded, "the docs embed diagrams"
    assert all(path.exists() for path in embedded), sorted(str(p) for p in embedded if not p.exists())
    assert {p.name for p in DIAGRAMS.glob("*.svg")} == {f"{stack}.svg" for stack in PROD_STACKS}


@pytest.mark.parametrize("stack", PROD_STACKS)
def test_data_flows_are_the_blueprints_grants(stack: str, planned: Callable[[str], Plan]) -> None:
    # GIVEN a prod stack and what its blueprint grants each service and function (EKS pods' access is granted in
    # Kubernetes, which the program does not declare)
    raw, _ = read_stack_file(stack)
    blueprint = resolve_stack(stack, raw).blueprint
    stores = {"postgres": "postgres-primary", "redis": "redis-group", "timeSeries": "time-series-influxdb"}
    granted = {
        (workload.name, stores.get(item) or item.removeprefix("bucket:"))
        for workload in [*(s for s in blueprint.services if s.target != "eks"), *blueprint.functions]
        for item in workload.access
        if not item.startswith("secret:")
    }
    # WHEN the stack is read into the model
    arch = architecture(planned(stack))
    primary = _keys(_region(arch, "primary"))
    names = _names(arch)
    drawn = {
        (names[link.source], names[link.target])
        for link in arch.links
        if link.kind == "data" and link.source in primary
    }
    # THEN the data flows drawn from the primary region's workloads are exactly those grants
    assert granted, "the blueprint grants access to stores"
    assert drawn == granted
    # AND every data flow stays within its region: a warm standby's services reach the DR region's copies
    regions = [_keys(region) for region in arch.regions]
    for link in arch.links:
        if link.kind == "data":
            assert any(link.source in keys and link.target in keys for keys in regions), (
                names[link.source],
                names[link.target],
            )


def _keys(region: Region) -> set[str]:
    nodes = [*region.edge, *region.stores, *region.regional, *(n for g in region.compute for n in g.nodes)]
    return {n.key for n in nodes}


def test_a_warm_standby_draws_the_dr_regions_services_edge_and_failover(planned: Callable[[str], Plan]) -> None:
    # GIVEN smart-0dte prod, which plans a warm standby in us-west-2 behind Route 53 failover records
    arch = architecture(planned("smart-0dte-prod"))
    primary, dr = _region(arch, "primary"), _region(arch, "dr")
    names = _names(arch)
    # WHEN its model is read
    # THEN the DR region runs the services at their standby count, on the replicated images, behind its own WAF
    # and load balancer
    (group,) = dr.compute
    assert (group.target, group.name, group.notes) == ("ECS Fargate", "dr-services", ("images replicated by ECR",))
    assert {n.label for n in group.nodes} == {
        n.label for g in primary.compute if g.target == "ECS Fargate" for n in g.nodes
    }
    assert all(n.details[0].startswith("1 task") for n in group.nodes)
    assert {n.label for n in dr.edge} == {"dr-edge-waf", "dr-edge-alb"}
    # AND each load balancer routes to its own region's services only
    for region in (primary, dr):
        (alb,) = [n.key for n in region.edge if n.kind == "alb"]
        routed = {link.target for link in arch.links if link.source == alb}
        assert routed and routed <= _keys(region)
    # AND the entry runs internet, CloudFront, then the failover records: the primary balancer for requests, the
    # DR balancer on failover
    assert [n.label for n in arch.entry] == ["Internet", "cdn-distribution", "failover-dns"]
    dns = arch.entry[-1]
    assert dns.details[0] == "Route 53 failover records" and any("health check" in d for d in dns.details)
    from_dns = {(names[link.target], link.kind) for link in arch.links if link.source == dns.key}
    assert from_dns == {("edge-alb", "request"), ("dr-edge-alb", "failover")}
    assert ("cdn-distribution", "failover-dns", "") in _flows(arch, "request")
    # AND the Redis secondary joins the Global Datastore; the InfluxDB standby, which nothing replicates, is fed
    # by the DR region's own backend, so no wire crosses the regions to it
    replication = _flows(arch, "replication")
    assert {
        ("redis-group", "redis-dr-group", "Global Datastore"),
        ("postgres-primary", "postgres-dr-replica", "cross-region replica"),
    } <= replication
    assert not [flow for flow in replication if flow[1] == "dr-time-series-influxdb"]
    (secondary,) = [n for n in dr.stores if n.label == "redis-dr-group"]
    assert secondary.details[-1] == "Global Datastore secondary" and "shards" in secondary.details[1]
    # AND the picture says so: the DR region is a warm standby, the failover route is labelled
    texts = _svg_texts(render_svg(arch))
    assert {
        "DR region: warm standby",
        "failover: secondary record",
        "primary",
        "Global Datastore",
    } <= set(texts)


def _synthetic() -> dict[str, Any]:
    """A plan with what the committed stacks lack: EC2 and EKS services, a function outside the VPC, InfluxDB,
    LiveAnalytics, two same-region replicas, CloudFront on an edge provider, and services whose names share a
    prefix."""
    stack = "urn:pulumi:lab::finplatform::"
    resources: list[dict[str, Any]] = []

    def add(type_: str, name: str, parent: str = "", provider: str = "primary", **fields: Any) -> str:
        urn = f"{stack}{type_}::{name}"
        reference = f"{stack}pulumi:providers:aws::aws-{provider}::id" if provider else ""
        options = {"provider": reference} if fields.pop("custom", True) else {"providers": {"aws": reference}}
        resources.append(
            {
                "urn": urn,
                "type": type_,
                "name": name,
                "parent": parent,
                "custom": True,
                "inputs": fields.pop("inputs", {}),
                "dependencies": fields.pop("dependencies", []),
                "options": options,
            }
        )
        return urn

    tags = json.dumps({"tags": {"blueprint": "lab", "environment": "staging"}})
    add("pulumi:providers:aws", "aws-primary", provider="", inputs={"region": "eu-west-1", "defaultTags": tags})
    add("pulumi:providers:aws", "aws-edge", provider="", inputs={"region": "us-east-1"})
    network = add("finplatform:network:Network", "network", custom=False)
    azs = ["eu-west-1a", "eu-west-1b"]
    vpc = add(
        "awsx:ec2:Vpc",
        "network-vpc",
        network,
        custom=False,
        inputs={"cidrBlock": "10.9.0.0/16", "availabilityZoneNames": azs, "natGateways": {"strategy": "Single"}},
    )
    derived = [
        {
            "type": "aws:ec2/subnet:Subnet",
            "name": f"s{t}{i}",
            "parent": vpc,
            "inputs": {"availabilityZone": az, "cidrBlock": f"10.9.{10 * t + i}.0/24", "tags": {"SubnetType": tier}},
        }
        for t, tier in enumerate(("Public", "Private", "Isolated"))
        for i, az in enumerate(azs)
    ]
    derived.append(
        {"type": "aws:ec2/natGateway:NatGateway", "name": "nat", "parent": vpc, "inputs": {"availabilityZone": azs[0]}}
    )
    storage = add("finplatform:data:ObjectStorage", "storage", custom=False)
    raw = add(
        "aws:s3/bucket:Bucket",
        "storage-raw",
        add("finplatform:data:Bucket", "storage-raw", storage, custom=False),
        inputs={"bucketPrefix": "storage-raw-", "tags": {"purpose": "data"}},
    )
    add(
        "aws:s3/bucket:Bucket",
        "storage-raw-archive",
        add("finplatform:data:Bucket", "storage-raw-archive", storage, custom=False),
        inputs={"bucketPrefix": "storage-raw-archive-"},
    )
    postgres = add("finplatform:data:Postgres", "postgres", custom=False)
    primary = add(
        "aws:rds/instance:Instance",
        "postgres-primary",
        postgres,
        inputs={"identifier": "lab-postgres", "instanceClass": "db.t3.small", "engine": "postgres"},
    )
    for n in (1, 2):
        add(
            "aws:rds/instance:Instance",
            f"postgres-replica-{n}",
            postgres,
            inputs={
                "identifier": f"lab-postgres-replica-{n}",
                "instanceClass": "db.t3.small",
                "replicateSourceDb": "lab-postgres",
            },
        )
    influx = add(
        "aws:timestreaminfluxdb/dbInstance:DbInstance",
        "time-series-influxdb",
        add("finplatform:data:InfluxDb", "time-series", custom=False),
        inputs={"dbInstanceType": "db.influx.medium"},
    )
    add(
        "aws:timestreamwrite/database:Database",
        "ticks-database",
        add("finplatform:data:LiveAnalytics", "ticks", custom=False),
        inputs={"databaseName": "ticks"},
    )
    instances = add("finplatform:compute:Ec2Services", "instances", custom=False)
    add(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "instances-api-template",
        instances,
        inputs={"instanceType": "t3.small"},
    )
    add(
        "aws:autoscaling/group:Group",
        "instances-api-group",
        instances,
        inputs={"minSize": 2, "maxSize": 4},
        dependencies=[influx],
    )
    add("aws:autoscaling/group:Group", "instances-api-worker-group", instances, inputs={"minSize": 1, "maxSize": 1})
    bucket_policy = json.dumps({"Statement": [{"Resource": ["arn:aws:s3:::storage-raw-0a1b2c3d/*"]}]})
    add(
        "aws:iam/rolePolicy:RolePolicy",
        "instances-api-worker-policy",
        instances,
        inputs={"policy": bucket_policy},
        dependencies=[primary],
    )
    kubernetes = add("finplatform:compute:KubernetesCluster", "kubernetes", custom=False)
    add(
        "eks:index:ManagedNodeGroup",
        "kubernetes-jobs-nodes",
        kubernetes,
        custom=False,
        inputs={"scalingConfig": {"minSize": 1, "maxSize": 3}, "instanceTypes": ["m5.large"], "capacityType": "SPOT"},
    )
    functions = add("finplatform:compute:Functions", "functions", custom=False)
    add(
        "aws:lambda/function:Function",
        "functions-ingest",
        functions,
        inputs={"runtime": "python3.12", "memorySize": 512},
    )
    add("aws:cloudwatch/eventRule:EventRule", "functions-ingest-schedule", functions)
    add("aws:iam/rolePolicy:RolePolicy", "functions-ingest-policy", functions, inputs={"policy": bucket_policy})
    edge = add("finplatform:edge:Edge", "edge", custom=False)
    alb = add("aws:lb/loadBalancer:LoadBalancer", "edge-alb", edge)
    add("aws:lb/targetGroup:TargetGroup", "edge-api", edge)
    add("aws:lb/listener:Listener", "edge-https", edge, inputs={"protocol": "HTTPS"})
    cdn = add("finplatform:edge:Cdn", "cdn", provider="edge", custom=False)
    add(
        "aws:cloudfront/distribution:Distribution",
        "cdn-distribution",
        cdn,
        provider="edge",
        inputs={"origins": [{"originId": "alb"}]},
        dependencies=[alb],
    )
    assert raw and primary
    return {"stack": "lab", "resources": resources, "derived": derived}


def test_other_targets_stores_and_the_cdn_are_drawn_too() -> None:
    # GIVEN a plan with EC2, EKS and a function outside the VPC, InfluxDB, LiveAnalytics, two replicas and CloudFront
    arch = architecture(_synthetic())
    # WHEN it is read and laid out
    scene = layout(arch)
    (region,) = arch.regions
    groups = {g.target: {n.label: n.details for n in g.nodes} for g in region.compute}
    # THEN the CloudFront provider's region is no region of the stack, and the entry runs internet, CDN, ALB
    assert region.name == "eu-west-1" and arch.environment == "staging"
    assert [n.label for n in arch.entry] == ["Internet", "cdn-distribution"]
    # AND the services are grouped by target, each with its size, and the function without VPC access is outside
    assert groups == {
        "EC2 Auto Scaling": {"api": ("2-4 instances · t3.small",), "api-worker": ("1 instance",)},
        "EKS": {"jobs": ("1-3 nodes · m5.large · spot",)},
    }
    assert {n.label for n in region.regional} == {"ingest", "ticks-database", "raw", "raw-archive"}
    # AND InfluxDB and the replicas are in the isolated tier, LiveAnalytics outside
    assert {n.label for n in region.stores} == {
        "postgres-primary",
        "postgres-replica-1",
        "postgres-replica-2",
        "time-series-influxdb",
    }
    # AND each workload reaches what it references, the bucket matched by name, not by a longer bucket's prefix
    assert _flows(arch, "data") == {
        ("api", "time-series-influxdb", ""),
        ("api-worker", "raw", ""),
        ("ingest", "raw", ""),
    }
    assert {(s, t) for s, t, _ in _flows(arch, "replication")} == {
        ("postgres-primary", "postgres-replica-1"),
        ("postgres-primary", "postgres-replica-2"),
    }
    assert _flows(arch, "request") == {
        ("Internet", "cdn-distribution", ""),
        ("cdn-distribution", "edge-alb", ""),
        ("edge-alb", "api", ""),
    }
    # AND the layout stays clean: the second replica's link runs under the row, the function's along the top
    assert clashes(scene) == []
    assert set(scene.nodes) == set(arch.nodes())


def test_a_link_to_something_without_a_box_is_skipped() -> None:
    # GIVEN a model whose links name a resource that is not in it, a service in a region without a VPC (which gets
    # no box), and a service in a later region, laid out after the balancer that routes to it
    subnets = tuple(Subnet(tier, "az-a", f"10.0.{i}.0/24") for i, tier in enumerate(TIERS))
    vpc = Vpc("vpc", "10.0.0.0/16", ("az-a",), subnets)
    alb, api = Node("urn::alb", "alb", "edge-alb", ("load balancer",)), Node("urn::api", "compute", "api", ("1 task",))
    later = Node("urn::later", "compute", "later", ("1 task",))
    lost = Node("urn::lost", "compute", "lost", ("1 task",))
    logs = Node("urn::logs", "bucket", "logs", ("S3",))
    arch = Architecture(
        stack="lab",
        blueprint="lab",
        environment="lab",
        regions=(
            Region("r-1", "primary", vpc, edge=(alb,), compute=(ComputeGroup("ECS Fargate", "services", (api,)),)),
            Region("r-2", "dr", vpc, compute=(ComputeGroup("ECS Fargate", "dr-services", (later,)),)),
            Region("r-3", "dr", None, compute=(ComputeGroup("ECS Fargate", "lost", (lost,)),), regional=(logs,)),
        ),
        entry=(),
        audit=(),
        links=(
            Link("urn::alb", "urn::api", "request"),
            Link("urn::alb", "urn::later", "request"),
            Link("urn::alb", "urn::nowhere", "request"),
            Link("urn::alb", "urn::lost", "request"),
            Link("urn::lost", "urn::logs", "data"),
        ),
    )
    # WHEN it is laid out and rendered THEN nothing fails
    scene = layout(arch)
    assert render_svg(scene).startswith("<?xml")
    # AND the links to what has a box are drawn, from the balancer's bottom; the others are skipped
    assert "urn::lost" not in scene.nodes and "urn::nowhere" not in scene.nodes
    balancer = scene.nodes["urn::alb"]
    ends = [w.points[-1] for w in scene.wires if w.kind == "request" and w.points[0][1] == balancer.bottom]
    assert sorted(ends) == sorted((scene.nodes[k].cx, scene.nodes[k].y) for k in ("urn::api", "urn::later"))


def test_the_command_writes_the_svg_and_says_where(
    tmp_path: Path, planned: Callable[[str], Plan], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the dev stack, already planned in this session, as the command's plan
    monkeypatch.setattr(plan_module, "run_program", lambda stack, root: planned(stack))
    out = tmp_path / "dev.svg"
    # WHEN the diagram command runs for it
    code = main(["diagram", "--stack", "dev", "--out", str(out)])
    # THEN it writes the rendered SVG and prints where
    assert code == 0
    assert out.read_text(encoding="utf-8") == render_svg(architecture(planned("dev")))
    assert f"Wrote {out}" in capsys.readouterr().out


def test_the_command_draws_every_blueprints_prod_stack(
    tmp_path: Path, planned: Callable[[str], Plan], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the prod stacks, planned once in this session (before the stub, which the cache then answers)
    plans = {stack: planned(stack) for stack in PROD_STACKS}
    monkeypatch.setattr(plan_module, "run_program", lambda stack, root: plans[stack])
    # WHEN the diagram command runs for every blueprint into a folder
    code = main(["diagram", "--blueprints", "--dir", str(tmp_path)])
    # THEN it writes each blueprint's prod diagram there, as committed, and says so for each
    assert code == 0
    assert PROD_STACKS, "there are prod stacks"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{stack}.svg" for stack in PROD_STACKS)
    for stack in PROD_STACKS:
        assert (tmp_path / f"{stack}.svg").read_bytes() == (DIAGRAMS / f"{stack}.svg").read_bytes()
    assert capsys.readouterr().out.count("Wrote ") == len(PROD_STACKS)


def test_the_command_names_the_package_to_install_when_drawsvg_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an environment without drawsvg
    monkeypatch.setitem(sys.modules, "drawsvg", None)
    # WHEN the diagram command runs
    code = main(["diagram", "--stack", "dev", "--out", "unused.svg"])
    # THEN it stops before planning, naming the package and how to install it
    assert code == 1
    message = capsys.readouterr().err
    assert "drawsvg" in message and "uv sync --locked" in message
    assert not Path("unused.svg").exists()
