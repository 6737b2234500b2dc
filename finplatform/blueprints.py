"""Blueprints: data files in ``blueprints/`` that describe a workload and its sizes per environment.

Adding a workload is adding a YAML file; the models below are its schema. Sizes are checked against the
AWS catalogue, and scaling bounds against each other, when the file is loaded.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from finplatform import BLUEPRINTS_DIR
from finplatform.blueprint_checks import (
    check_health_check_path,
    check_image,
    check_path_pattern,
    check_postgres_version,
    check_redis_version,
    check_schedule,
    check_settings,
)
from finplatform.catalog import (
    EC2_INSTANCE_TYPES,
    ELASTICACHE_NODE_TYPES,
    RDS_INSTANCE_CLASSES,
    TIMESTREAM_INFLUXDB_TYPES,
    check_fargate,
    check_size,
)
from finplatform.config import Cidr, _check_vpc_cidr
from finplatform.profiles import Environment
from finplatform.safe_yaml import load_mapping

T = TypeVar("T")
# Built-in alarms a blueprint's alerts may set thresholds for (finplatform.alerting holds their defaults), and
# alerts that are routed without an alarm (cost anomalies, security events).
ALARM_METRICS = (
    "cpu",
    "memory",
    "errorRate",
    "responseTimeMs",
    "queueBacklog",
    "databaseConnectionsPercent",
    "freeStoragePercent",
    "replicaLagPercentOfRpo",
    "evictions",
    "unhealthyHosts",
    "deadLetterMessages",
    "throttles",
    "loggedErrors",
    "blockedRequestsBand",
    "podRestarts",
    "primaryUnhealthy",
)
ROUTED_METRICS = ("dailyCostIncreasePercent", "securityEvents")
KNOWN_METRICS = frozenset(ALARM_METRICS + ROUTED_METRICS)
# The daily backup, copied across regions, loses at most a day.
DAILY_BACKUP_RPO_MINUTES = 24 * 60


def catalogued(kind: str, allowed: frozenset[str]) -> Callable[[str], str]:
    """A validator that accepts only sizes the AWS catalogue lists for ``kind``."""
    return lambda value: check_size(kind, value, allowed)


RdsInstanceClass = Annotated[str, AfterValidator(catalogued("RDS instance class", RDS_INSTANCE_CLASSES))]
CacheNodeType = Annotated[str, AfterValidator(catalogued("ElastiCache node type", ELASTICACHE_NODE_TYPES))]
InfluxInstanceType = Annotated[
    str, AfterValidator(catalogued("Timestream for InfluxDB instance type", TIMESTREAM_INFLUXDB_TYPES))
]
Ec2InstanceType = Annotated[str, AfterValidator(catalogued("EC2 instance type", EC2_INSTANCE_TYPES))]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")]
# Lambda's regional concurrency quota can be raised to tens of thousands; more than this is a typo.
MAX_RESERVED_CONCURRENCY = 100_000


class _Model(BaseModel):
    # populate_by_name lets Python build models by field name; YAML is validated by alias only (by_name=False in
    # finplatform.stack), so a snake_case key in a blueprint is an unknown field, not a silent synonym.
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True, allow_inf_nan=False
    )


class PerEnvironment(_Model, Generic[T]):
    """One value for each environment."""

    dev: T = Field(description="Value for dev stacks.")
    staging: T = Field(description="Value for staging stacks.")
    prod: T = Field(description="Value for prod stacks.")

    def for_env(self, environment: Environment) -> T:
        value: T = getattr(self, environment)
        return value


class Scaling(_Model):
    """Task or instance counts; desired must lie within min..max."""

    desired: int = Field(1, ge=0, description="Count at deployment.")
    min: int = Field(1, ge=0, description="Autoscaling floor.")
    max: int = Field(1, ge=1, description="Autoscaling ceiling; bounds the bill.")

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"min capacity {self.min} is greater than max capacity {self.max}")
        if not self.min <= self.desired <= self.max:
            raise ValueError(f"desired count {self.desired} is outside min..max ({self.min}..{self.max})")
        return self


class ServiceSize(Scaling):
    """Size of one service in one environment: Fargate cpu/memory, or an instance type for EC2 and EKS."""

    cpu: int | None = Field(None, description="Fargate CPU units (1024 = 1 vCPU).")
    memory: int | None = Field(None, description="Fargate memory in MiB.")
    instance_type: Ec2InstanceType | None = Field(
        None, description="EC2 instance type for ec2-autoscaling and eks targets."
    )


ComputeTarget = Literal["ecs-fargate", "ec2-autoscaling", "eks"]


class CustomMetric(_Model):
    """A CloudWatch metric the service publishes, which ECS target tracking keeps at ``target`` per task."""

    namespace: str = Field(min_length=1, description="CloudWatch namespace, e.g. smart-0dte/Signals.")
    name: str = Field(min_length=1, description="Metric name, e.g. ActiveSignals.")
    target: float = Field(gt=0, description="Value per task that target tracking holds.")
    statistic: Literal["Average", "Sum", "Maximum", "Minimum", "SampleCount"] = Field(
        "Average", description="Statistic the metric is tracked by."
    )


class Service(_Model):
    """A long-running containerised service."""

    name: Name = Field(description="Service name; prefixes its resources.")
    description: str = Field("", description="What the service does.")
    target: ComputeTarget = Field("ecs-fargate", description="Where it runs.")
    image: Annotated[str, AfterValidator(check_image)] = Field(
        description="Container image repository and tag or digest, e.g. web-ui:1.4.2."
    )
    port: int = Field(8080, ge=1, le=65535, description="Container port.")
    health_check_path: Annotated[str, AfterValidator(check_health_check_path)] = Field(
        "/health", description="HTTP path the load balancer and container probe."
    )
    public: bool = Field(True, description="Routed from the internet-facing load balancer.")
    path_patterns: list[Annotated[str, AfterValidator(check_path_pattern)]] = Field(
        default_factory=lambda: ["/*"], min_length=1, description="ALB paths routed to it."
    )
    sticky_sessions: bool = Field(False, description="Pin a user's session to one task (Streamlit needs it).")
    interruptible: bool = Field(False, description="Tolerates interruption, so it may run on Spot capacity.")
    access: list[str] = Field(
        default_factory=list,
        description="What the service may reach, for its least-privilege role: postgres, redis, timeSeries, "
        "secret:<name>, bucket:<name>.",
    )
    volume_gb: int | None = Field(
        None, ge=1, le=16384, description="ec2-autoscaling only: a persistent encrypted EBS volume (monitoring data)."
    )
    websocket_paths: list[str] = Field(
        default_factory=list,
        description="Paths of long-lived WebSocket connections: routed like pathPatterns, never cached by the CDN, "
        "and the load balancer's idle timeout is raised for them.",
    )
    custom_metrics: list[CustomMetric] = Field(
        default_factory=list,
        description="ecs-fargate: metrics the service publishes that scaling tracks, beside CPU and memory.",
    )
    target_protocol: Literal["HTTPS", "HTTP"] | None = Field(
        None,
        description="How the load balancer reaches the service: HTTPS (the container serves TLS on its port, with a "
        "certificate it makes at start-up; docs/architecture.md) or HTTP. Default: HTTPS in prod, HTTP elsewhere.",
    )
    run_as_user: str | None = Field(
        "1000:1000",
        pattern=r"^[0-9]{1,10}(:[0-9]{1,10})?$",
        description="ecs-fargate: the numeric UID[:GID] the container runs as (not root). null: the image's own USER, "
        "for an image that cannot run as another user.",
    )
    writable_paths: list[str] = Field(
        default_factory=lambda: ["/tmp"],
        description="ecs-fargate: the only paths the container writes to, each a task-level volume (the root "
        "filesystem is read-only). Fargate has no tmpfs: these are ephemeral bind mounts, gone when the task stops.",
    )
    cpu_target: float = Field(70.0, gt=0, le=100, description="Average CPU % that scaling holds (seed 003: 70).")
    memory_target: float = Field(80.0, gt=0, le=100, description="Average memory % that scaling holds (seed 003: 80).")
    sizes: PerEnvironment[ServiceSize] = Field(description="Size and scaling per environment.")

    def target_protocol_in(self, environment: Environment) -> Literal["HTTPS", "HTTP"]:
        """The protocol from the load balancer to the service: as the blueprint says, else HTTPS in prod (the seeds
        ask for TLS on every connection there) and HTTP elsewhere."""
        if self.target_protocol is not None:
            return self.target_protocol
        return "HTTPS" if environment == "prod" else "HTTP"

    @field_validator("writable_paths")
    @classmethod
    def _writable_paths(cls, paths: list[str]) -> list[str]:
        for path in paths:
            parts = path.split("/")
            if not path.startswith("/") or path == "/" or path.endswith("/") or ".." in parts or "" in parts[1:]:
                raise ValueError(f"writablePaths: {path!r} is not an absolute directory below / (e.g. /tmp)")
        if len(set(paths)) != len(paths):
            raise ValueError("writablePaths: each path once")
        return paths

    @model_validator(mode="after")
    def _sizes_fit_target(self) -> Self:
        for env in ("dev", "staging", "prod"):
            size = self.sizes.for_env(env)
            if self.target == "ecs-fargate":
                if size.cpu is None or size.memory is None:
                    raise ValueError(f"sizes.{env}: ecs-fargate services need cpu and memory")
                try:
                    check_fargate(size.cpu, size.memory)
                except ValueError as exc:
                    raise ValueError(f"sizes.{env}: {exc}") from None
            elif size.instance_type is None:
                raise ValueError(f"sizes.{env}: {self.target} services need instanceType")
        return self


class HttpApi(_Model):
    """Who may call a function's HTTP API: callers with a token from the stack's identity provider (a JWT
    authorizer, finplatform:apiJwtIssuer and apiJwtAudience), unless the API is marked public with a reason."""

    public: bool = Field(False, description="Anyone may call the route, with no token. Needs publicReason.")
    public_reason: str = Field("", description="Why an unauthenticated route is acceptable; required with public.")
    scopes: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, description="OAuth scopes a caller's token must carry (none: any valid token)."
    )

    @model_validator(mode="after")
    def _public_needs_a_reason(self) -> Self:
        if self.public and len(self.public_reason.strip()) < 10:
            raise ValueError("httpApi.public needs publicReason: why anyone may call it without a token")
        if self.public_reason and not self.public:
            raise ValueError("httpApi.publicReason is given but public is false")
        if self.public and self.scopes:
            raise ValueError("httpApi.scopes need a token: a public API has none")
        return self


class Function(_Model):
    """A Lambda function and its triggers."""

    name: Name = Field(description="Function name.")
    description: str = Field("", description="What the function does.")
    runtime: Literal["python3.11", "python3.12", "python3.13", "nodejs20.x", "nodejs22.x"] = Field(
        "python3.12", description="Lambda runtime."
    )
    handler: str = Field("app.handler", description="Entry point.")
    memory_mb: int = Field(256, ge=128, le=10240, description="Memory in MB.")
    timeout_seconds: int = Field(30, ge=1, le=900, description="Timeout in seconds.")
    vpc_access: bool = Field(True, description="Attach to the private subnets to reach the data stores.")
    triggers: list[Literal["http", "queue", "schedule"]] = Field(
        default_factory=list, description="API Gateway route, SQS queue and/or EventBridge schedule."
    )
    access: list[str] = Field(default_factory=list, description="What the function may reach (as for services).")
    schedule: Annotated[str, AfterValidator(check_schedule)] = Field(
        "rate(1 hour)", description="EventBridge schedule expression, for the schedule trigger."
    )
    http_api: HttpApi = Field(
        default_factory=HttpApi,
        description="http trigger: who may call the API (a JWT from the stack's identity provider unless public).",
    )
    reserved_concurrency: PerEnvironment[Annotated[int, Field(ge=0, le=MAX_RESERVED_CONCURRENCY)]] = Field(
        description="Reserved concurrency per environment (0 stops the function)."
    )

    @model_validator(mode="after")
    def _http_api_needs_the_trigger(self) -> Self:
        if self.http_api != HttpApi() and "http" not in self.triggers:
            raise ValueError(f"{self.name}: httpApi is set but the function has no http trigger")
        return self


class PostgresSize(_Model):
    """RDS size in one environment."""

    instance_class: RdsInstanceClass = Field(description="RDS instance class, e.g. db.t3.medium.")
    allocated_storage_gb: int = Field(20, ge=20, le=65536, description="Initial gp3 storage in GiB.")
    max_allocated_storage_gb: int = Field(100, ge=20, le=65536, description="Storage autoscaling ceiling in GiB.")
    read_replicas: int = Field(0, ge=0, le=15, description="In-region read replicas.")

    @model_validator(mode="after")
    def _storage(self) -> Self:
        if self.max_allocated_storage_gb < self.allocated_storage_gb:
            raise ValueError("maxAllocatedStorageGb is smaller than allocatedStorageGb")
        return self


class Postgres(_Model):
    """PostgreSQL on RDS."""

    engine_version: Annotated[str, AfterValidator(check_postgres_version)] = Field(
        "16", description="PostgreSQL major or major.minor version, one RDS offers."
    )
    database_name: str = Field("app", pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Initial database.")
    cross_region_replica: bool | None = Field(
        None,
        description="Keep a replica in the DR region when DR is on. Default: when the recovery point objective is "
        "under a day, which the daily cross-region backup copy cannot meet.",
    )
    sizes: PerEnvironment[PostgresSize] = Field(description="Size per environment.")


class RedisSize(_Model):
    """ElastiCache size in one environment."""

    node_type: CacheNodeType = Field(description="ElastiCache node type, e.g. cache.t3.micro.")
    shards: int = Field(1, ge=1, le=500, description="Node groups; more than one turns cluster mode on.")
    replicas_per_shard: int = Field(0, ge=0, le=5, description="Replicas in each shard.")
    cluster_mode: bool = Field(
        False, description="Cluster mode even with one shard (seed 001), so shards can be added online later."
    )


class Redis(_Model):
    """Redis on ElastiCache."""

    engine_version: Annotated[str, AfterValidator(check_redis_version)] = Field(
        "7.1", description="Redis OSS engine version, one ElastiCache offers (6.0, 6.2, 7.0, 7.1)."
    )
    sizes: PerEnvironment[RedisSize] = Field(description="Size per environment.")


class TimeSeriesSize(_Model):
    """Time-series store size in one environment (Timestream for InfluxDB)."""

    instance_type: InfluxInstanceType = Field("db.influx.medium", description="InfluxDB instance type.")
    allocated_storage_gb: int = Field(20, ge=20, le=16384, description="Storage in GiB.")


class TimeSeries(_Model):
    """A time-series store for market data (seed 004)."""

    engine: Literal["influxdb", "liveanalytics"] = Field(
        "influxdb",
        description="influxdb: Timestream for InfluxDB (the default; LiveAnalytics is closed to new AWS "
        "customers); liveanalytics: Timestream for LiveAnalytics, for accounts that already have it.",
    )
    database: str = Field("market_data", pattern=r"^[a-zA-Z0-9_.-]{3,64}$", description="Bucket or database name.")
    memory_retention_hours: int = Field(24, ge=1, le=8766, description="LiveAnalytics memory-store retention.")
    magnetic_retention_days: int = Field(365, ge=1, le=73000, description="LiveAnalytics magnetic-store retention.")
    sizes: PerEnvironment[TimeSeriesSize] = Field(description="Size per environment (InfluxDB).")
    standby_ingestion_seconds: int | None = Field(
        None,
        ge=1,
        le=3600,
        description="InfluxDB has no cross-region replication, and no network path joins the regions: with a warm "
        "standby the DR region's services ingest the same feeds into the DR region's instance, at most this many "
        "seconds behind the primary; what the primary derives from them is recomputed from PostgreSQL after a "
        "failover. The platform runs the standby services and the instance; it cannot observe the ingestion.",
    )


class Bucket(_Model):
    """An S3 bucket the workload needs."""

    name: Name = Field(description="Bucket purpose name; the physical name is generated.")
    purpose: Literal["data", "audit", "assets", "backups", "artifacts"] = Field(description="Which defaults apply.")


class Secret(_Model):
    """An application secret, in Secrets Manager or as an SSM Parameter Store SecureString."""

    name: Name = Field(description="Secret name within the stack.")
    description: str = Field("", description="What the secret is for.")
    source: Literal["generated", "operator"] = Field(
        "operator", description="generated: random value made at deploy; operator: set by hand after deploy."
    )
    store: Literal["secretsmanager", "parameterstore"] = Field(
        "secretsmanager",
        description="secretsmanager (replicated to the DR region, rotatable) or parameterstore (a SecureString "
        "encrypted with the secrets key; seed 002 chooses it).",
    )


ACCEPTABLE_GAPS = ("postgres", "redis", "timeSeries", "secrets", "serving")


class Recovery(_Model):
    """Recovery objectives; they decide cross-region replication, and the DR layer reads them."""

    rto_minutes: int = Field(240, ge=1, description="Recovery time objective.")
    rpo_minutes: int = Field(60, ge=1, description="Recovery point objective.")
    availability_target: float = Field(99.9, ge=90, le=100, description="Availability target in percent.")
    cross_region_snapshots: bool = Field(
        False, description="The seed asks for database snapshots copied to the DR region (seed 003)."
    )
    accepted_gaps: dict[str, str] = Field(
        default_factory=dict,
        description="Stores whose recovery may fall short of the objectives (postgres, redis, timeSeries, "
        "secrets, serving, or bucket:<name>), each with the reason the workload accepts it (e.g. a cache rebuilt "
        "from the database). The plan and dr-objectives-met still show the gap.",
    )

    @field_validator("accepted_gaps")
    @classmethod
    def _reasons_given(cls, gaps: dict[str, str]) -> dict[str, str]:
        for store, reason in gaps.items():
            if store not in ACCEPTABLE_GAPS and not store.startswith("bucket:"):
                raise ValueError(
                    f"acceptedGaps.{store}: not a store; one of {', '.join(ACCEPTABLE_GAPS)}, bucket:<name>"
                )
            if len(reason.strip()) < 10:
                raise ValueError(f"acceptedGaps.{store}: give the reason the gap is acceptable")
        return gaps


class AlertThreshold(_Model):
    """One alert the seed names: a threshold for a built-in alarm (cpu, memory, errorRate, responseTimeMs, ...),
    or, with namespace and metricName, an alarm on a metric the workload publishes itself."""

    metric: str = Field(
        min_length=1,
        description=f"What is measured: {', '.join(ALARM_METRICS + ROUTED_METRICS)}; or the name of a custom "
        "alert (with namespace and metricName).",
    )
    threshold: float = Field(description="The level that raises the alert.")
    minutes: int = Field(5, ge=1, le=1440, description="How long the level must hold.")
    severity: Literal["critical", "warning"] = Field("warning", description="Which topic the alert goes to.")
    applies_to: str = Field("stack", description="A service, function or store name, or stack for the whole stack.")
    statistic: str = Field(
        "",
        pattern=r"^$|^(Average|Sum|Maximum|Minimum|SampleCount|p\d{1,2}(\.\d+)?)$",
        description="Statistic to compare (e.g. Average for seed 002's average response time); default: the "
        "alarm's own (p95 for response time).",
    )
    namespace: str = Field("", description="Custom alerts: the CloudWatch namespace the workload publishes to.")
    metric_name: str = Field("", description="Custom alerts: the metric name; per service it carries ServiceName.")
    look_first: str = Field("", description="Custom alerts: where an operator looks first when it fires.")

    @model_validator(mode="after")
    def _custom_has_metric(self) -> Self:
        if bool(self.namespace) != bool(self.metric_name):
            raise ValueError(f"alert {self.metric}: namespace and metricName go together")
        return self


class Delivery(_Model):
    """How software reaches the platform: the pipeline the seed names, the application repository it builds, and
    how a release rolls out (docs/delivery.md)."""

    pipeline: Literal["none", "codepipeline", "github-actions"] = Field(
        "none", description="The seed's delivery pipeline."
    )
    repository: str = Field(
        "", pattern=r"^$|^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", description="GitHub owner/name of the application."
    )
    branch: str = Field("main", min_length=1, description="Branch that deploys.")
    deploy_service: str = Field("", description="github-actions: the ECS service the deploy role may update.")
    test_command: str = Field(
        "make test", min_length=1, description="codepipeline: the command the test project runs in the repository."
    )
    build_contexts: dict[str, str] = Field(
        default_factory=dict,
        description="codepipeline: the Docker build context of each image repository, relative to the "
        "application repository's root; an image without an entry is built from the folder named after it.",
    )
    bake_time_minutes: int = Field(
        10,
        ge=0,
        le=1440,
        description="codepipeline: minutes a blue/green ECS release runs beside the old one, under its alarms, "
        "before the old tasks stop.",
    )
    min_healthy_percent: int = Field(
        90,
        ge=0,
        le=100,
        description="Share of an EC2 service's capacity an instance refresh keeps in service while it replaces "
        "instances.",
    )
    staging_stack: str = Field(
        "",
        pattern=r"^$|^[A-Za-z0-9_.-]+$",
        description="codepipeline: the stack the pipeline deploys to before the approval; default: the prod "
        "stack's name with prod replaced by staging (smart-0dte-prod -> smart-0dte-staging).",
    )

    @model_validator(mode="after")
    def _pipeline_needs_a_repository(self) -> Self:
        if self.pipeline != "none" and not self.repository:
            raise ValueError(f"delivery.pipeline {self.pipeline} needs delivery.repository (GitHub owner/name)")
        if self.pipeline == "github-actions" and not self.deploy_service:
            raise ValueError("delivery.pipeline github-actions needs delivery.deployService")
        if any(not path or path.startswith("/") or ".." in path.split("/") for path in self.build_contexts.values()):
            raise ValueError("delivery.buildContexts: paths are relative to the repository root, without '..'")
        return self


class NetworkLayout(_Model):
    """A blueprint's own VPC layout (the seed's CIDRs and AZ count); a stack's keys still override it."""

    vpc_cidr: Annotated[str | None, AfterValidator(lambda v: v if v is None else _check_vpc_cidr(v))] = Field(
        None, description="VPC range; default: the stack's vpcCidr."
    )
    az_count: int | None = Field(None, ge=2, le=6, description="AZs the VPC spans; default: the profile's.")
    public_subnet_cidrs: list[Cidr] = Field(default_factory=list, description="Public-tier CIDRs, one per AZ.")
    private_subnet_cidrs: list[Cidr] = Field(default_factory=list, description="Private-tier CIDRs, one per AZ.")
    isolated_subnet_cidrs: list[Cidr] = Field(default_factory=list, description="Isolated-tier CIDRs, one per AZ.")


class Frontend(_Model):
    """A static web frontend (seed 004's React app) served from S3 through CloudFront."""

    bucket: Name = Field(description="The assets bucket holding the built site.")
    index_document: str = Field("index.html", description="Object served for / and, for a single-page app, 404s.")
    single_page_app: bool = Field(True, description="Serve the index document for unknown paths (client routing).")


class Kubernetes(_Model):
    """What the EKS cluster runs besides the services' node groups (seed 001)."""

    load_balancer_controller: bool = Field(
        False, description="AWS Load Balancer Controller, with a pod-identity role scoped to this cluster."
    )
    autoscaler: Literal["none", "cluster-autoscaler"] = Field(
        "none",
        description="Node autoscaler: cluster-autoscaler, with a pod-identity role scoped to this cluster's node "
        "groups (Karpenter, which launches instances itself, would need a role of its own).",
    )


class Blueprint(_Model):
    """A workload: services, functions, data stores and their sizes per environment."""

    name: Name = Field(description="Blueprint name; equals the file name without .yaml.")
    description: str = Field("", description="What the workload is.")
    seed: str = Field("", description="The architecture document it follows.")
    recovery: Recovery = Field(default_factory=Recovery, description="Recovery objectives.")
    settings: PerEnvironment[Annotated[dict[str, str], AfterValidator(check_settings)]] | None = Field(
        None,
        description="Plain settings per environment: environment variables, never secrets (a name with PASSWORD, "
        "SECRET, TOKEN, PRIVATE_KEY or API_KEY is refused; such values go in secrets).",
    )
    services: list[Service] = Field(default_factory=list, description="Long-running services.")
    functions: list[Function] = Field(default_factory=list, description="Lambda functions.")
    postgres: Postgres | None = Field(None, description="PostgreSQL database, if any.")
    redis: Redis | None = Field(None, description="Redis cache, if any.")
    time_series: TimeSeries | None = Field(None, description="Time-series store, if any.")
    buckets: list[Bucket] = Field(default_factory=list, description="S3 buckets by purpose.")
    secrets: list[Secret] = Field(default_factory=list, description="Application secrets.")
    network: NetworkLayout = Field(default_factory=NetworkLayout, description="The seed's VPC layout, if it names one.")
    size_tiers: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Named size tiers a stack selects with finplatform:sizeTier: each maps blueprint paths "
        "(as in overrides, e.g. services.api.sizes.prod.desired) to values. The blueprint as written is the tier "
        "named by defaultSizeTier.",
    )
    default_size_tier: str = Field("", description="Name of the tier the blueprint's own sizes are (e.g. startup).")
    service_discovery: bool = Field(
        False, description="Register the ECS services in a private AWS Cloud Map namespace (<name>.internal)."
    )
    frontend: Frontend | None = Field(None, description="A static frontend served by CloudFront, if any.")
    kubernetes: Kubernetes = Field(default_factory=Kubernetes, description="EKS add-ons, for eks services.")
    alerts: list[AlertThreshold] = Field(default_factory=list, description="The seed's alert thresholds.")
    delivery: Delivery = Field(default_factory=Delivery, description="The seed's delivery pipeline.")

    def needs_cross_region_replica(self) -> bool:
        """Whether PostgreSQL keeps a DR-region replica: as configured, else when RPO is under a day."""
        if self.postgres is None:
            return False
        if self.postgres.cross_region_replica is not None:
            return self.postgres.cross_region_replica
        return self.recovery.rpo_minutes < DAILY_BACKUP_RPO_MINUTES

    @model_validator(mode="after")
    def _accepted_buckets_exist(self) -> Self:
        names = {b.name for b in self.buckets}
        for store in self.recovery.accepted_gaps:
            if store.startswith("bucket:") and store.removeprefix("bucket:") not in names:
                raise ValueError(f"recovery.acceptedGaps names {store}, which is not one of the blueprint's buckets")
        return self

    @model_validator(mode="after")
    def _access_names_exist(self) -> Self:
        stores = {"postgres": self.postgres, "redis": self.redis, "timeSeries": self.time_series}
        known = {f"secret:{s.name}" for s in self.secrets} | {f"bucket:{b.name}" for b in self.buckets}
        known |= {name for name, store in stores.items() if store is not None}
        workloads: list[Service | Function] = [*self.services, *self.functions]
        for workload in workloads:
            unknown = [a for a in workload.access if a not in known]
            if unknown:
                raise ValueError(f"{workload.name} accesses {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")
        return self

    @model_validator(mode="after")
    def _references_exist(self) -> Self:
        if self.frontend is not None:
            assets = [b.name for b in self.buckets if b.purpose == "assets"]
            if self.frontend.bucket not in assets:
                raise ValueError(f"frontend.bucket {self.frontend.bucket!r} is not an assets bucket; allowed: {assets}")
        fargate = [s.name for s in self.services if s.target == "ecs-fargate"]
        if self.delivery.deploy_service and self.delivery.deploy_service not in fargate:
            raise ValueError(f"delivery.deployService {self.delivery.deploy_service!r} is not an ecs-fargate service")
        if self.delivery.pipeline == "codepipeline":
            if not any(b.purpose == "artifacts" for b in self.buckets):
                raise ValueError("delivery.pipeline codepipeline keeps its artifacts in a bucket of purpose artifacts")
            images = {s.image.split("@")[0].partition(":")[0] for s in self.services}
            unknown = sorted(set(self.delivery.build_contexts) - images)
            if unknown:
                raise ValueError(
                    f"delivery.buildContexts names {', '.join(unknown)}; images: {', '.join(sorted(images))}"
                )
        if self.default_size_tier and self.size_tiers and self.default_size_tier not in self.size_tiers:
            raise ValueError(f"defaultSizeTier {self.default_size_tier!r} is not one of sizeTiers")
        for service in self.services:
            paths = [*service.path_patterns, *service.websocket_paths]
            if not all(p.startswith("/") for p in paths):
                raise ValueError(f"{service.name}: paths must start with /")
            if service.custom_metrics and service.target != "ecs-fargate":
                raise ValueError(f"{service.name}: customMetrics scale ecs-fargate services only")
        return self

    @model_validator(mode="after")
    def _alerts_name_what_exists(self) -> Self:
        stores = {"postgres": self.postgres, "redis": self.redis, "timeSeries": self.time_series}
        subjects = {"stack", *(s.name for s in self.services), *(f.name for f in self.functions)}
        subjects |= {name for name, store in stores.items() if store is not None}
        for alert in self.alerts:
            if not alert.namespace and alert.metric not in KNOWN_METRICS:
                raise ValueError(
                    f"alert {alert.metric!r} is not a built-in alarm ({', '.join(sorted(KNOWN_METRICS))}); "
                    "a custom alert needs namespace and metricName"
                )
            if alert.applies_to not in subjects:
                raise ValueError(
                    f"alert {alert.metric!r} applies to {alert.applies_to!r}; allowed: {', '.join(sorted(subjects))}"
                )
        return self

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        for kind, items in (
            ("service", self.services),
            ("function", self.functions),
            ("bucket", self.buckets),
            ("secret", self.secrets),
        ):
            names = [i.name for i in items]
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"duplicate {kind} name(s): {', '.join(duplicates)}")
        return self


def available_blueprints(directory: Path = BLUEPRINTS_DIR) -> list[str]:
    """Names of the blueprint files present."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


def read_blueprint_document(name: str, directory: Path = BLUEPRINTS_DIR) -> dict[str, object]:
    """The raw YAML mapping of a blueprint, read strictly (finplatform.safe_yaml: no duplicate keys, bounded
    aliases and nesting, UTF-8); raises FileNotFoundError for an unknown name and YamlError for a malformed file."""
    path = directory / f"{name}.yaml"
    if not path.is_file():
        raise FileNotFoundError(path)
    return load_mapping(path)
