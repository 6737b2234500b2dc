"""Monthly cost of a set of planned resources, from the vendored price table and the usage assumptions."""

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from finplatform.catalog import SIZES_BY_SERVICE
from finplatform.tooling.remote_components import EKS_DEFAULT_DESIRED_CAPACITY, child_urn, unreported_children
from finplatform.usage import Usage

PRICES_FILE = Path(__file__).with_name("prices.json")
STACK_LAYER = "stack"


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
    ) -> "PricedResource":
        """A resource as the engine reports it: its region is its own, else its provider's (pulumi-aws 7)."""
        region = properties.get("region") or (provider_properties or {}).get("region") or "us-east-1"
        return cls(urn, type_, name, properties, str(region), parent)


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


@dataclass(frozen=True)
class CostItem:
    """One resource's monthly cost, how it was worked out, and the platform layer it belongs to."""

    urn: str
    type: str
    monthly_usd: float
    basis: str
    layer: str = STACK_LAYER


@dataclass
class Estimate:
    """The priced items, most expensive first, and their total."""

    items: list[CostItem] = field(default_factory=list)

    @property
    def monthly_usd(self) -> float:
        return round(sum(item.monthly_usd for item in self.items), 2)

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
            "items": [
                {"urn": i.urn, "type": i.type, "monthly_usd": i.monthly_usd, "basis": i.basis, "layer": i.layer}
                for i in self.items
            ],
            "layers": self.by_layer(),
        }


@dataclass(frozen=True)
class _Context:
    prices: Mapping[str, Any]
    usage: Usage
    hours: float
    by_reference: Mapping[str, PricedResource]
    planned: tuple[PricedResource, ...] = ()

    @property
    def unit(self) -> Mapping[str, float]:
        unit: Mapping[str, float] = self.prices["unit"]
        return unit

    def hourly(self, service: str, size: str) -> float:
        rates: Mapping[str, float] = self.prices[service]
        if size not in rates:
            known = size in SIZES_BY_SERVICE.get(service, frozenset())
            raise KeyError(f"no {service} price for {size!r}" + ("" if known else " (not in the size catalogue)"))
        return rates[size]


# A monthly cost and how it was worked out; None leaves a resource of a priced type out (no charge of its own
# and nothing worth a line, such as an EKS add-on other than Container Insights).
Pricer = Callable[[PricedResource, _Context], tuple[float, str] | None]


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _nat(r: PricedResource, c: _Context) -> tuple[float, str]:
    gb = c.usage.natProcessedGb
    cost = c.hours * c.unit["natGatewayHour"] + gb * c.unit["natGatewayGb"]
    return cost, f"{c.hours:.0f} h x ${c.unit['natGatewayHour']}/h + {gb:g} GB x ${c.unit['natGatewayGb']}/GB"


def _public_ip(r: PricedResource, c: _Context) -> tuple[float, str]:
    return c.hours * c.unit["publicIpv4Hour"], f"public IPv4 {c.hours:.0f} h x ${c.unit['publicIpv4Hour']}/h"


def _endpoint(r: PricedResource, c: _Context) -> tuple[float, str]:
    if str(r.properties.get("vpcEndpointType", "Gateway")) != "Interface":
        return 0.0, "gateway endpoint: no charge"
    azs = max(1, len(r.properties.get("subnetIds") or []))
    rate = c.unit["vpcInterfaceEndpointHourPerAz"]
    return c.hours * rate * azs, f"interface endpoint {azs} AZ x {c.hours:.0f} h x ${rate}/h"


def _kms(r: PricedResource, c: _Context) -> tuple[float, str]:
    requests = c.usage.kmsRequests10k
    cost = c.unit["kmsKeyMonth"] + requests * c.unit["kmsRequests10k"]
    return cost, f"key ${c.unit['kmsKeyMonth']}/month + {requests:g}x10k requests x ${c.unit['kmsRequests10k']}"


def _log_group(r: PricedResource, c: _Context) -> tuple[float, str]:
    gb = c.usage.logIngestGb
    retention_months = min(_num(r.properties.get("retentionInDays"), 3653), 3653) / 30
    stored = gb * min(retention_months, 12)
    cost = gb * c.unit["cloudwatchLogIngestGb"] + stored * c.unit["cloudwatchLogStoreGbMonth"]
    return cost, f"{gb:g} GB ingested x ${c.unit['cloudwatchLogIngestGb']} + {stored:.0f} GB stored"


def _rds(r: PricedResource, c: _Context) -> tuple[float, str]:
    size = str(r.properties.get("instanceClass"))
    multi_az = bool(r.properties.get("multiAz"))
    factor = c.unit["rdsMultiAzFactor"] if multi_az else 1.0
    storage = _num(r.properties.get("allocatedStorage"), 20)
    compute = c.hourly("rds", size) * c.hours * factor
    disk = storage * c.unit["rdsGp3GbMonth"] * factor
    layout = "Multi-AZ" if multi_az else "single-AZ"
    return compute + disk, f"{size} {layout} {c.hours:.0f} h + {storage:g} GB gp3"


def cache_node_count(p: Mapping[str, Any]) -> int:
    """Nodes of an ElastiCache replication group: shards x (1 + replicas) in cluster mode, else its clusters."""
    if p.get("numNodeGroups") is not None:
        return int(_num(p.get("numNodeGroups"), 1) * (1 + _num(p.get("replicasPerNodeGroup"), 0)))
    return int(_num(p.get("numCacheClusters"), 1))


def _elasticache(r: PricedResource, c: _Context) -> tuple[float, str]:
    size = str(r.properties.get("nodeType"))
    nodes = (
        cache_node_count(r.properties)
        if r.type.endswith("ReplicationGroup")
        else int(_num(r.properties.get("numCacheNodes"), 1))
    )
    return c.hourly("elasticache", size) * c.hours * nodes, f"{nodes} x {size} x {c.hours:.0f} h"


def _ec2(r: PricedResource, c: _Context) -> tuple[float, str]:
    size = str(r.properties.get("instanceType"))
    root = _num((r.properties.get("rootBlockDevice") or {}).get("volumeSize"), 8)
    cost = c.hourly("ec2", size) * c.hours + root * c.unit["ebsGp3GbMonth"]
    return cost, f"{size} x {c.hours:.0f} h + {root:g} GB gp3"


def _ebs(r: PricedResource, c: _Context) -> tuple[float, str]:
    size = _num(r.properties.get("size"), 8)
    return size * c.unit["ebsGp3GbMonth"], f"{size:g} GB gp3 x ${c.unit['ebsGp3GbMonth']}"


def _launch_template(r: PricedResource, c: _Context) -> tuple[float, str]:
    return 0.0, "priced through the Auto Scaling group that launches it"


def _asg(r: PricedResource, c: _Context) -> tuple[float, str]:
    template = r.properties.get("launchTemplate") or {}
    mixed = ((r.properties.get("mixedInstancesPolicy") or {}).get("launchTemplate") or {}).get(
        "launchTemplateSpecification"
    ) or {}
    reference = template.get("id") or template.get("name") or mixed.get("launchTemplateId") or ""
    source = c.by_reference.get(str(reference))
    size = str(r.properties.get("instanceType") or (source.properties if source else {}).get("instanceType"))
    count = _num(r.properties.get("desiredCapacity"), _num(r.properties.get("minSize"), 1))
    return c.hourly("ec2", size) * c.hours * count, f"{count:g} x {size} x {c.hours:.0f} h (desired capacity)"


def _alb(r: PricedResource, c: _Context) -> tuple[float, str]:
    if str(r.properties.get("loadBalancerType", "application")) != "application":
        return c.hours * c.unit["albHour"], f"load balancer {c.hours:.0f} h"
    lcu = c.usage.albLcu
    cost = c.hours * (c.unit["albHour"] + lcu * c.unit["albLcuHour"])
    return cost, f"ALB {c.hours:.0f} h x (${c.unit['albHour']} + {lcu:g} LCU x ${c.unit['albLcuHour']})"


def _eks_cluster(r: PricedResource, c: _Context) -> tuple[float, str]:
    return c.hours * c.unit["eksClusterHour"], f"EKS control plane {c.hours:.0f} h x ${c.unit['eksClusterHour']}"


def _eks_nodes(r: PricedResource, c: _Context) -> tuple[float, str]:
    scaling = r.properties.get("scalingConfig") or {}
    count = _num(scaling.get("desiredSize"), 1)
    size = str((r.properties.get("instanceTypes") or ["t3.medium"])[0])
    spot = r.properties.get("capacityType") == "SPOT"
    rate = c.hourly("ec2", size) * (c.unit["ec2SpotFactor"] if spot else 1.0)
    return rate * c.hours * count, f"{count:g} x {size}{' Spot' if spot else ''} x {c.hours:.0f} h"


def _fargate_service(r: PricedResource, c: _Context) -> tuple[float, str]:
    task = c.by_reference.get(str(r.properties.get("taskDefinition") or ""))
    props = task.properties if task else {}
    cpu, memory = _num(props.get("cpu"), 256) / 1024, _num(props.get("memory"), 512) / 1024
    count = _num(r.properties.get("desiredCount"), 1)
    strategies = r.properties.get("capacityProviderStrategies") or []
    spot = any(s.get("capacityProvider") == "FARGATE_SPOT" and _num(s.get("weight"), 0) > 0 for s in strategies)
    vcpu_rate = c.unit["fargateSpotVcpuHour" if spot else "fargateVcpuHour"]
    gb_rate = c.unit["fargateSpotGbHour" if spot else "fargateGbHour"]
    cost = count * c.hours * (cpu * vcpu_rate + memory * gb_rate)
    return cost, f"{count:g} task(s) x {cpu:g} vCPU/{memory:g} GB x {c.hours:.0f} h{' on Spot' if spot else ''}"


def _lambda(r: PricedResource, c: _Context) -> tuple[float, str]:
    memory_gb = _num(r.properties.get("memorySize"), 128) / 1024
    invocations = c.usage.lambdaInvocationsMillion
    gb_seconds = invocations * 1e6 * c.usage.lambdaAvgDurationMs / 1000 * memory_gb
    cost = invocations * c.unit["lambdaRequestsMillion"] + gb_seconds * c.unit["lambdaGbSecond"]
    return cost, f"{invocations:g}M invocations x {c.usage.lambdaAvgDurationMs:g} ms x {memory_gb:g} GB"


def _bucket(r: PricedResource, c: _Context) -> tuple[float, str]:
    gb = c.usage.s3StorageGb
    rate: float = c.prices["s3"]["STANDARD"]
    return gb * rate, f"{gb:g} GB x ${rate}/GB (Standard; Intelligent-Tiering lowers it)"


def _flat(key: str, label: str) -> Pricer:
    def price(r: PricedResource, c: _Context) -> tuple[float, str]:
        return c.unit[key], f"{label} ${c.unit[key]}/month"

    return price


def _requests(key: str, usage_name: str, label: str) -> Pricer:
    def price(r: PricedResource, c: _Context) -> tuple[float, str]:
        volume: float = getattr(c.usage, usage_name)
        return volume * c.unit[key], f"{volume:g}M {label} x ${c.unit[key]}/M"

    return price


def _per_gb(key: str, usage_name: str, label: str) -> Pricer:
    def price(r: PricedResource, c: _Context) -> tuple[float, str]:
        volume: float = getattr(c.usage, usage_name)
        return volume * c.unit[key], f"{volume:g} GB {label} x ${c.unit[key]}/GB"

    return price


def _waf(r: PricedResource, c: _Context) -> tuple[float, str]:
    rules = len(r.properties.get("rules") or [])
    cost = c.unit["wafWebAclMonth"] + rules * c.unit["wafRuleMonth"]
    requests = c.usage.apiRequestsMillion
    return cost + requests * c.unit["wafRequestsMillion"], f"web ACL + {rules} rules + {requests:g}M requests"


def _cloudfront(r: PricedResource, c: _Context) -> tuple[float, str]:
    gb = c.usage.cloudfrontGb
    return gb * c.unit["cloudfrontGbOut"], f"{gb:g} GB out x ${c.unit['cloudfrontGbOut']}/GB"


def _secret(r: PricedResource, c: _Context) -> tuple[float, str]:
    copies = 1 + len(r.properties.get("replicas") or [])
    rate = c.unit["secretsManagerSecretMonth"]
    return copies * rate, f"{copies} cop{'y' if copies == 1 else 'ies'} x ${rate}/month"


def _influx(r: PricedResource, c: _Context) -> tuple[float, str]:
    size = str(r.properties.get("dbInstanceType"))
    factor = 2.0 if str(r.properties.get("deploymentType", "")).startswith("WITH_MULTIAZ") else 1.0
    storage = _num(r.properties.get("allocatedStorage"), 20)
    cost = c.hourly("timestreamInfluxdb", size) * c.hours * factor + storage * c.unit["timestreamInfluxStorageGbMonth"]
    return cost, f"{size}{' Multi-AZ' if factor > 1 else ''} x {c.hours:.0f} h + {storage:g} GB"


def _timestream_table(r: PricedResource, c: _Context) -> tuple[float, str]:
    gb = c.usage.timeSeriesStorageGb
    return gb * c.unit["timestreamMagneticGbMonth"], f"{gb:g} GB magnetic x ${c.unit['timestreamMagneticGbMonth']}/GB"


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
    return metrics * rate, f"{metrics} alarm metric{'s' if metrics > 1 else ''} x ${rate}/month ({why}; {resolution})"


def _dashboard(r: PricedResource, c: _Context) -> tuple[float, str]:
    rate = c.unit["cloudwatchDashboardMonth"]
    return rate, f"dashboard ${rate}/month (the account's first three are free)"


def _log_metric_filter(r: PricedResource, c: _Context) -> tuple[float, str]:
    rate = c.unit["cloudwatchMetricMonth"]
    transformation = r.properties.get("metricTransformation") or {}
    extra = "; one more per distinct dimension value" if transformation.get("dimensions") else ""
    return rate, f"1 custom metric x ${rate}/month{extra}"


def _topic(r: PricedResource, c: _Context) -> tuple[float, str]:
    messages = c.usage.alertMessages
    rate = c.unit["snsRequestsMillion"]
    label = f"{messages:g} publishes x ${rate}/M (no standing charge; deliveries priced per subscription)"
    return messages / 1e6 * rate, label


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
    return messages / per * c.unit[key], f"{messages:g} {what} x ${c.unit[key]}{note}"


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
    return traces / 1e6 * price, (
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
    return sum(_num((g.properties.get("scalingConfig") or {}).get("desiredSize"), 1) for g in groups)


def _eks_addon(r: PricedResource, c: _Context) -> tuple[float, str] | None:
    if r.properties.get("addonName") != "amazon-cloudwatch-observability":
        return None
    nodes = cluster_nodes(str(r.properties.get("clusterName") or ""), c.planned)
    counted = f"{nodes:g} nodes of its node groups" if nodes else f"{EKS_DEFAULT_DESIRED_CAPACITY} nodes assumed"
    nodes = nodes or EKS_DEFAULT_DESIRED_CAPACITY
    observations, rate = c.usage.containerObservationsMillion, c.unit["containerInsightsObservationsMillion"]
    return nodes * observations * rate, (
        f"Container Insights (enhanced): {counted} x {observations:g}M observations x ${rate}/M "
        "(assumed rate; the container logs it ships are not priced)"
    )


def _waf_logging(r: PricedResource, c: _Context) -> tuple[float, str]:
    destinations = [str(d) for d in r.properties.get("logDestinationConfigs") or []]
    if destinations and all(":logs:" in d for d in destinations):
        return 0.0, "vended WAF logs: billed as ingestion into the destination log group, priced there"
    return 0.0, "vended WAF logs: billed at the destination (S3 or Firehose delivery not priced)"


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
    "aws:rds/instance:Instance": _rds,
    "aws:elasticache/replicationGroup:ReplicationGroup": _elasticache,
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
    "aws:route53/healthCheck:HealthCheck": _flat("route53HealthCheckMonth", "health check"),
    "aws:timestreaminfluxdb/dbInstance:DbInstance": _influx,
    "aws:timestreamwrite/table:Table": _timestream_table,
    "aws:ecr/repository:Repository": _per_gb("ecrGbMonth", "registryStorageGb", "of images"),
    "aws:backup/vault:Vault": _per_gb("backupWarmGbMonth", "backupStorageGb", "of backups"),
    "aws:sqs/queue:Queue": _requests("sqsRequestsMillion", "queueRequestsMillion", "requests"),
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicSubscription:TopicSubscription": _subscription,
    "aws:budgets/budget:Budget": _free("budget without actions: no charge"),
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": _free("Cost Anomaly Detection: no charge"),
    "aws:costexplorer/anomalySubscription:AnomalySubscription": _free("Cost Anomaly Detection: no charge"),
    "aws:xray/group:Group": _free("X-Ray group: no charge of its own (traces are priced on the sampling rules)"),
    "aws:xray/samplingRule:SamplingRule": _sampling_rule,
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": _waf_logging,
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": _free("AWS Chatbot channel: no charge"),
    "aws:eks/addon:Addon": _eks_addon,
    "aws:apigatewayv2/api:Api": _requests("apiGatewayHttpRequestsMillion", "apiRequestsMillion", "requests"),
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
                )
            )
    return result


def estimate(resources: Iterable[PricedResource], usage: Usage) -> Estimate:
    """Price every billable resource; resources with no charge of their own are left out."""
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
        context = _Context(prices, usage, table["hoursPerMonth"], references, everything)
        try:
            priced = pricer(r, context)
        except KeyError as missing:  # a size not known yet (a preview before deploy) or not in the table
            priced = 0.0, f"not priced: {missing.args[0]}"
        if priced is None:
            continue
        monthly, basis = priced
        if r.region not in regions:
            basis += f" (us-east-1 prices; none vendored for {r.region})"
        items.append(CostItem(r.urn, r.type, round(monthly, 2), basis, layer_of(r.urn)))
    items.sort(key=lambda i: (-i.monthly_usd, i.urn))
    return Estimate(items)
