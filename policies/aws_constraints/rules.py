"""AWS deploy-time constraints: what AWS would reject at `pulumi up` although the offline plan's mocks accept it.

cfn-lint is the model: each rule encodes limits AWS documents (its ``source``) for resource types this platform
declares: names and their lengths, tag limits, quotas per load balancer or security group, value ranges and
combinations of settings that only work together. The pack is mandatory in every environment.

Pulumi names a resource whose name is unset ``<logical name>-<7 hex>``, and Terraform appends 26 characters to
a ``namePrefix``; the name rules judge those lengths as well as explicit names.
"""

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from finplatform.aws_limits import (
    PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    PREFIX_SUFFIX_LENGTH,
    TAG_KEY_MAX,
    TAG_TEXT_ALLOWED,
    TAG_VALUE_MAX,
    autoname_length,
    bad_tag_characters,
    offers_performance_insights,
    schedule_problem,
)
from finplatform.catalog import FARGATE_MEMORY_BY_CPU, LOG_RETENTION_DAYS
from finplatform.resilience import GLOBAL_DATASTORE_FAMILIES, supports_global_datastore
from policies.common import types as t
from policies.common.framework import Context, Rule, Subject, as_list, decoded

NAME = "finplatform-aws-constraints"
DESCRIPTION = (
    "What AWS would reject at `pulumi up` (names, quotas, value ranges, settings that only work together) is "
    "caught at preview, in every environment."
)
MANDATORY_EVERYWHERE = True

TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
LISTENER_CERTIFICATE = "aws:lb/listenerCertificate:ListenerCertificate"
IAM_POLICY = "aws:iam/policy:Policy"
XRAY_GROUP = "aws:xray/group:Group"
XRAY_SAMPLING_RULE = "aws:xray/samplingRule:SamplingRule"
ECS_SERVICE = "aws:ecs/service:Service"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
EVENT_SOURCE_MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
APPAUTOSCALING_TARGET = "aws:appautoscaling/target:Target"
GLOBAL_REPLICATION_GROUP = "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup"
S3_LIFECYCLE = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
S3_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
ECR_LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
SG_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
SCHEDULE = "aws:scheduler/schedule:Schedule"
BACKUP_PLAN = "aws:backup/plan:Plan"
INFLUXDB = "aws:timestreaminfluxdb/dbInstance:DbInstance"
LAMBDA_TYPES = (LAMBDA_FUNCTION,)

# --- helpers --------------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """A numeric property as a finite number; None when unset or not a number (strings of digits count)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _outside(label: str, value: Any, low: float, high: float) -> Iterable[str]:
    number = _number(value)
    if number is not None and not low <= number <= high:
        yield f"{label} is {_fmt(number)}; AWS accepts {_fmt(low)} to {_fmt(high)}"


def _region(subject: Subject) -> str:
    return str(subject.get("region") or subject.provider_props.get("region") or "")


def _arn_region(arn: Any) -> str:
    parts = str(arn or "").split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" else ""


def _mapping(value: Any) -> Mapping[str, Any]:
    value = decoded(value)
    return value if isinstance(value, Mapping) else {}


def _names(subject: Subject, key: str, prefix_key: str | None, limit: int, label: str) -> Iterable[str]:
    """The name the resource will get, explicit, from a prefix or Pulumi's autoname, against AWS's limit."""
    name = subject.get(key)
    prefix = subject.get(prefix_key) if prefix_key else None
    if name:
        if len(str(name)) > limit:
            yield f"{label} {name!r} is {len(str(name))} characters; AWS allows {limit}"
    elif prefix:
        if len(str(prefix)) + PREFIX_SUFFIX_LENGTH > limit:
            yield (
                f"{prefix_key} {prefix!r} plus the 26 characters the provider appends is longer than the "
                f"{limit} characters AWS allows; keep it within {limit - PREFIX_SUFFIX_LENGTH}"
            )
    elif autoname_length(subject.name) > limit:
        yield (
            f"the {label} Pulumi generates, {subject.name!r} plus 8 random characters, is "
            f"{autoname_length(subject.name)} characters; AWS allows {limit}: shorten the logical name or set {key}"
        )


def _named(subject: Subject, key: str, prefix_key: str | None = None) -> str:
    """The name to check the pattern of: explicit, else the prefix, else the logical name Pulumi starts from."""
    return str(subject.get(key) or (subject.get(prefix_key) if prefix_key else None) or subject.name)


def _by(subjects: Sequence[Subject], types: Iterable[str], key: str = "arn") -> dict[str, Subject]:
    wanted = set(types)
    return {str(s.get(key)): s for s in subjects if s.type in wanted and s.get(key)}


# --- names ----------------------------------------------------------------------------------------------

_LB_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")


def _lb_names(subject: Subject, context: Context) -> Iterable[str]:
    label = "target group name" if subject.type == TARGET_GROUP else "load balancer name"
    yield from _names(subject, "name", "namePrefix", 32, label)
    name = _named(subject, "name", "namePrefix")
    if subject.get("name") and not _LB_NAME.match(name):
        yield f"{label} {name!r} may hold only letters, digits and hyphens, and not begin or end with a hyphen"
    if subject.type != TARGET_GROUP and name.startswith("internal-"):
        yield f"{label} {name!r} may not begin with 'internal-'"


_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def _bucket_name(subject: Subject, context: Context) -> Iterable[str]:
    yield from _names(subject, "bucket", "bucketPrefix", 63, "bucket name")
    bucket, prefix = subject.get("bucket"), subject.get("bucketPrefix")
    if bucket:
        name = str(bucket)
        if len(name) < 3 or not _BUCKET.match(name):
            yield (
                f"bucket name {name!r} must be 3-63 lowercase letters, digits, dots and hyphens, starting and ending "
                "with a letter or digit"
            )
        if ".." in name or re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
            yield f"bucket name {name!r} may not hold adjacent dots or look like an IP address"
        if name.endswith(_BUCKET_SUFFIXES):
            yield f"bucket name {name!r} ends with a suffix AWS reserves ({', '.join(_BUCKET_SUFFIXES)})"
    else:
        start = str(prefix or subject.name.lower())
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", start):
            yield (
                f"bucket prefix {start!r} must start with a lowercase letter or digit and hold only a-z, 0-9, '.' and "
                "'-'"
            )
        name = start
    if name.startswith(_BUCKET_PREFIXES):
        yield f"bucket name {name!r} begins with a prefix AWS reserves ({', '.join(_BUCKET_PREFIXES)})"


_IAM_NAME = re.compile(r"^[\w+=,.@-]+$")


def _iam_names(subject: Subject, context: Context) -> Iterable[str]:
    limit = 64 if subject.type == t.IAM_ROLE else 128
    label = "role name" if subject.type == t.IAM_ROLE else "policy name"
    yield from _names(subject, "name", "namePrefix", limit, label)
    name = _named(subject, "name", "namePrefix")
    if not _IAM_NAME.match(name):
        yield f"{label} {name!r} may hold only letters, digits and + = , . @ _ -"
    path = str(subject.get("path") or "/")
    if len(path) > 512 or not re.fullmatch(r"/(?:[\x21-\x7e]*/)?", path):
        yield f"path {path!r} must begin and end with '/' and be at most 512 characters"
    if subject.type == t.IAM_ROLE:
        yield from _outside("maxSessionDuration", subject.get("maxSessionDuration"), 3600, 43200)
        if len(str(subject.get("description") or "")) > 1000:
            yield "description is longer than the 1,000 characters IAM allows"


def _xray(subject: Subject, context: Context) -> Iterable[str]:
    key = "groupName" if subject.type == XRAY_GROUP else "ruleName"
    name = str(subject.get(key) or "")
    if len(name) > 32:
        yield f"{key} {name!r} is {len(name)} characters; X-Ray allows 32"
    if subject.type == XRAY_SAMPLING_RULE:
        yield from _outside("priority", subject.get("priority"), 1, 9999)
        yield from _outside("fixedRate", subject.get("fixedRate"), 0, 1)
        yield from _outside("reservoirSize", subject.get("reservoirSize"), 0, math.inf)
        if _number(subject.get("version")) not in (None, 1):
            yield "version must be 1"


_DB_IDENTIFIER = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$")


def _identifier(subject: Subject, key: str, limit: int, label: str) -> Iterable[str]:
    yield from _names(subject, key, f"{key}Prefix" if subject.type == t.RDS_INSTANCE else None, limit, label)
    name = _named(subject, key, f"{key}Prefix" if subject.type == t.RDS_INSTANCE else None)
    if not _DB_IDENTIFIER.match(name) or (subject.get(key) and name.endswith("-")):
        yield (
            f"{label} {name!r} must begin with a letter and hold letters, digits and single hyphens, not ending in one"
        )


def _rds_identifier(subject: Subject, context: Context) -> Iterable[str]:
    yield from _identifier(subject, "identifier", 63, "DB instance identifier")


def _cache_identifier(subject: Subject, context: Context) -> Iterable[str]:
    yield from _identifier(subject, "replicationGroupId", 40, "replication group id")


_ECR_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


def _ecr_name(subject: Subject, context: Context) -> Iterable[str]:
    yield from _names(subject, "name", None, 256, "repository name")
    name = _named(subject, "name")
    if len(name) < 2 or not _ECR_NAME.match(name):
        yield f"repository name {name!r} must be lowercase letters and digits, separated by single '.', '_', '-' or '/'"


def _influxdb(subject: Subject, context: Context) -> Iterable[str]:
    yield from _names(subject, "name", None, 40, "DB instance name")
    name = _named(subject, "name")
    if len(name) < 3 or not re.fullmatch(r"[A-Za-z](?:[A-Za-z0-9]|-(?!-))*", name) or name.endswith("-"):
        yield f"name {name!r} must be 3-40 letters, digits and single hyphens, beginning with a letter"
    yield from _outside("allocatedStorage (GiB)", subject.get("allocatedStorage"), 20, 16384)


# --- tags -----------------------------------------------------------------------------------------------

MAX_TAGS = 50


def _own_and_default_tags(subject: Subject) -> dict[str, str] | None:
    """The user tags AWS will apply (provider default tags merged), or None for a type without tags."""
    if not subject.type.startswith("aws:") or subject.type in t.NOT_TAGGABLE:
        return None
    default_tags = _mapping(subject.provider_props.get("defaultTags")).get("tags") or {}
    tags = {str(k): v for k, v in (default_tags.items() if isinstance(default_tags, Mapping) else [])}
    own = decoded(subject.get("tags")) or {}
    if isinstance(own, Sequence) and not isinstance(own, str):
        own = {b.get("key"): b.get("value") for b in own if isinstance(b, Mapping)}
    if isinstance(own, Mapping):
        tags.update({str(k): v for k, v in own.items()})
    return {k: "" if v is None else v for k, v in tags.items()}


def _tag_count(subject: Subject, context: Context) -> Iterable[str]:
    tags = _own_and_default_tags(subject)
    if tags is not None:
        user = [k for k in tags if not k.lower().startswith("aws:")]
        if len(user) > MAX_TAGS:
            yield f"carries {len(user)} tags (its own and the provider's default tags); AWS allows {MAX_TAGS}"


def _tag_lengths(subject: Subject, context: Context) -> Iterable[str]:
    for key, value in (_own_and_default_tags(subject) or {}).items():
        if not 1 <= len(key) <= TAG_KEY_MAX:
            yield f"tag key {key[:40]!r}... is {len(key)} characters; AWS allows 1 to {TAG_KEY_MAX}"
        if not isinstance(value, str):
            yield f"tag {key!r} has a {type(value).__name__} value; tag values are strings"
        elif len(value) > TAG_VALUE_MAX:
            yield f"tag {key!r} has a value of {len(value)} characters; AWS allows {TAG_VALUE_MAX}"


def _tag_characters(subject: Subject, context: Context) -> Iterable[str]:
    for key, value in (_own_and_default_tags(subject) or {}).items():
        if key.lower().startswith("aws:"):
            yield f"tag key {key!r} uses the prefix aws:, which AWS reserves"
        for label, text in (("key", key), ("value", value)):
            bad = bad_tag_characters(text) if isinstance(text, str) else []
            if bad:
                yield f"tag {label} {text[:60]!r} holds {''.join(bad)!r}; AWS allows {TAG_TEXT_ALLOWED}"


# --- load balancing -------------------------------------------------------------------------------------


def _asg_target_types(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    groups = _by(subjects, (TARGET_GROUP,))
    for s in subjects:
        if s.type != t.AUTOSCALING_GROUP:
            continue
        for arn in as_list(s.get("targetGroupArns")):
            group = groups.get(str(arn))
            if group is not None and str(group.get("targetType") or "instance") != "instance":
                yield (
                    s.urn,
                    f"{s.name} ({s.type}): target group {group.name} has target type "
                    f"{group.get('targetType')!r}; an Auto Scaling group registers instances, so it attaches only to "
                    "target groups of type 'instance'",
                )


def _ecs_target_types(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    groups = _by(subjects, (TARGET_GROUP,))
    tasks = _by(subjects, (t.ECS_TASK_DEFINITION,))
    for s in subjects:
        if s.type != ECS_SERVICE:
            continue
        task = tasks.get(str(s.get("taskDefinition")))
        if task is None or task.get("networkMode") != "awsvpc":
            continue
        for balancer in as_list(s.get("loadBalancers")):
            group = groups.get(str(balancer.get("targetGroupArn")))
            if group is not None and str(group.get("targetType") or "instance") != "ip":
                yield (
                    s.urn,
                    f"{s.name} ({s.type}): target group {group.name} has target type "
                    f"{group.get('targetType') or 'instance'!r}; tasks in awsvpc mode register by IP address, so the "
                    "target group must be of type 'ip'",
                )


ONE_PER_RULE = ("hostHeader", "httpRequestMethod", "pathPattern", "sourceIp")
MAX_CONDITION_VALUES = 5


def _rule_conditions(subject: Subject, context: Context) -> Iterable[str]:
    values: list[str] = []
    kinds: dict[str, int] = defaultdict(int)
    for condition in as_list(subject.get("conditions")):
        for kind, body in condition.items():
            if body is None:
                continue
            kinds[kind] += 1
            if kind == "queryStrings":
                values += [f"{q.get('key') or ''}={q.get('value') or ''}" for q in as_list(body)]
            elif isinstance(body, Mapping):
                values += [str(v) for v in as_list(body.get("values"))]
    for kind in ONE_PER_RULE:
        if kinds.get(kind, 0) > 1:
            yield f"has {kinds[kind]} {kind} conditions; a rule takes at most one"
    if len(values) > MAX_CONDITION_VALUES:
        yield f"has {len(values)} condition values; an ALB rule takes at most {MAX_CONDITION_VALUES}"
    wildcards = sum(v.count("*") + v.count("?") for v in values)
    if wildcards > MAX_CONDITION_VALUES:
        yield f"has {wildcards} wildcards in its conditions; an ALB rule takes at most {MAX_CONDITION_VALUES}"
    yield from _outside("priority", subject.get("priority"), 1, 50000)
    for action in as_list(subject.get("actions")):
        targets = as_list((action.get("forward") or {}).get("targetGroups"))
        if len(targets) > 5:
            yield f"forwards to {len(targets)} target groups in one action; AWS allows 5"


def _rule_priorities(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    seen: dict[tuple[str, float], Subject] = {}
    for s in subjects:
        priority = _number(s.get("priority"))
        if s.type in LISTENER_RULES and priority is not None and s.get("listenerArn"):
            key = (str(s.get("listenerArn")), priority)
            if key in seen:
                yield (
                    s.urn,
                    f"{s.name} ({s.type}): priority {_fmt(priority)} is already taken by {seen[key].name} on the "
                    "same listener; priorities are unique per listener",
                )
            else:
                seen[key] = s


def _targets_of(actions: Any) -> set[str]:
    found: set[str] = set()
    for action in as_list(actions):
        if action.get("targetGroupArn"):
            found.add(str(action["targetGroupArn"]))
        for target in as_list((action.get("forward") or {}).get("targetGroups")):
            if target.get("arn"):
                found.add(str(target["arn"]))
    return found


ALB_QUOTAS = {"listenersPerLoadBalancer": 50, "rulesPerLoadBalancer": 100, "targetGroupsPerLoadBalancer": 100}


def _alb_quotas(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    quotas = {k: int(context.policy_config.get(k) or v) for k, v in ALB_QUOTAS.items()}
    balancers = _by(subjects, t.LOAD_BALANCERS)
    listeners = {str(s.get("arn")): s for s in subjects if s.type in t.LISTENERS and s.get("arn")}
    counts: dict[str, dict[str, Any]] = {arn: {"listeners": 0, "rules": 0, "groups": set()} for arn in balancers}
    for listener in listeners.values():
        count = counts.get(str(listener.get("loadBalancerArn")))
        if count is not None:
            count["listeners"] += 1
            count["groups"] |= _targets_of(listener.get("defaultActions"))
    for s in subjects:
        if s.type in LISTENER_RULES:
            owner = listeners.get(str(s.get("listenerArn")))
            count = counts.get(str(owner.get("loadBalancerArn"))) if owner else None
            if count is not None:
                count["rules"] += 1
                count["groups"] |= _targets_of(s.get("actions"))
    for arn, count in counts.items():
        balancer = balancers[arn]
        for label, value, quota in (
            ("listeners", count["listeners"], quotas["listenersPerLoadBalancer"]),
            ("listener rules", count["rules"], quotas["rulesPerLoadBalancer"]),
            ("target groups", len(count["groups"]), quotas["targetGroupsPerLoadBalancer"]),
        ):
            if value > quota:
                yield balancer.urn, f"{balancer.name} ({balancer.type}): {value} {label}; the quota is {quota}"


def _health_check(subject: Subject, context: Context) -> Iterable[str]:
    check = subject.get("healthCheck") or {}
    yield from _outside("healthCheck.interval", check.get("interval"), 5, 300)
    yield from _outside("healthCheck.timeout", check.get("timeout"), 2, 120)
    yield from _outside("healthCheck.healthyThreshold", check.get("healthyThreshold"), 2, 10)
    yield from _outside("healthCheck.unhealthyThreshold", check.get("unhealthyThreshold"), 2, 10)
    interval, timeout = _number(check.get("interval")), _number(check.get("timeout"))
    if interval is not None and timeout is not None and timeout >= interval:
        yield f"healthCheck.timeout ({_fmt(timeout)} s) must be shorter than the interval ({_fmt(interval)} s)"
    path = check.get("path")
    if path is not None and (not str(path).startswith("/") or len(str(path)) > 1024):
        yield f"healthCheck.path {str(path)[:60]!r} must begin with '/' and be at most 1,024 characters"
    yield from _outside("deregistrationDelay", subject.get("deregistrationDelay"), 0, 3600)
    stickiness = subject.get("stickiness") or {}
    yield from _outside("stickiness.cookieDuration", stickiness.get("cookieDuration"), 1, 604800)


def _cloudfront_certificate(subject: Subject, context: Context) -> Iterable[str]:
    arn = (subject.get("viewerCertificate") or {}).get("acmCertificateArn")
    region = _arn_region(arn)
    if arn and region and region != "us-east-1":
        yield f"its ACM certificate is in {region}; CloudFront uses only certificates in us-east-1"


def _lb_certificate(subject: Subject, context: Context) -> Iterable[str]:
    region = _region(subject)
    for arn in [subject.get("certificateArn")]:
        if arn and region and _arn_region(arn) and _arn_region(arn) != region:
            yield (
                f"its certificate is in {_arn_region(arn)}; a load balancer in {region} uses certificates from its own "
                "Region"
            )


# --- compute --------------------------------------------------------------------------------------------


def _size(value: Any, unit: str) -> float | None:
    """Task cpu (units) or memory (MiB); ECS also takes '1 vCPU' and '2 GB'."""
    number = _number(value)
    if number is not None:
        return number
    match = re.fullmatch(r"\s*([\d.]+)\s*(vcpu|gb)\s*", str(value or ""), re.IGNORECASE)
    if match:
        return float(match.group(1)) * 1024
    return None


def _fargate(subject: Subject, context: Context) -> Iterable[str]:
    if "FARGATE" not in [str(c) for c in as_list(subject.get("requiresCompatibilities"))]:
        return
    if subject.get("networkMode") != "awsvpc":
        yield f"network mode is {subject.get('networkMode')!r}; Fargate tasks use 'awsvpc'"
    cpu, memory = _size(subject.get("cpu"), "cpu"), _size(subject.get("memory"), "memory")
    if cpu is None or memory is None:
        yield "Fargate task definitions set both cpu and memory at task level"
        return
    allowed = FARGATE_MEMORY_BY_CPU.get(int(cpu))
    if allowed is None:
        yield f"cpu {_fmt(cpu)} is not a Fargate size; allowed: {', '.join(map(str, FARGATE_MEMORY_BY_CPU))}"
    else:
        low, high, step = allowed
        if not (low <= memory <= high and (memory - low) % step == 0):
            yield (
                f"memory {_fmt(memory)} MiB does not fit cpu {_fmt(cpu)}; allowed: {low} to {high} MiB in steps of "
                f"{step}"
            )
    containers = decoded(subject.get("containerDefinitions"))
    containers = [c for c in as_list(containers) if isinstance(c, Mapping)]
    total_cpu = sum(_number(c.get("cpu")) or 0 for c in containers)
    if total_cpu > cpu:
        yield f"its containers reserve {_fmt(total_cpu)} cpu units, more than the task's {_fmt(cpu)}"
    reserved = sum(_number(c.get("memoryReservation")) or _number(c.get("memory")) or 0 for c in containers)
    if reserved > memory:
        yield f"its containers reserve {_fmt(reserved)} MiB, more than the task's {_fmt(memory)} MiB"
    for c in containers:
        hard = _number(c.get("memory"))
        if hard is not None and hard > memory:
            yield (
                f"container {c.get('name')!r} has a memory limit of {_fmt(hard)} MiB, above the task's {_fmt(memory)} "
                "MiB"
            )


ACCOUNT_CONCURRENCY = 1000
UNRESERVED_MINIMUM = 100


def _reserved_concurrency(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    limit = int(context.policy_config.get("accountConcurrencyLimit") or ACCOUNT_CONCURRENCY)
    available = limit - UNRESERVED_MINIMUM
    reserved = [
        (s, n)
        for s in subjects
        if s.type == LAMBDA_FUNCTION and (n := _number(s.get("reservedConcurrentExecutions"))) is not None and n > 0
    ]
    for s, n in reserved:
        if n > available:
            yield (
                s.urn,
                f"{s.name} ({s.type}): reserves {_fmt(n)} concurrent executions; an account limit of {limit} leaves "
                f"{available} to reserve, since {UNRESERVED_MINIMUM} stay unreserved",
            )
    total = sum(n for _, n in reserved)
    if total > available and len(reserved) > 1:
        yield (
            "",
            f"the stack's functions reserve {_fmt(total)} concurrent executions in all; an account limit of {limit} "
            f"leaves {available} to reserve ({context.environment} stack; set accountConcurrencyLimit if the account's "
            "is higher)",
        )


LAMBDA_RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)


def _lambda_limits(subject: Subject, context: Context) -> Iterable[str]:
    yield from _names(subject, "name", None, 64, "function name")
    name = _named(subject, "name")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        yield f"function name {name!r} may hold only letters, digits, hyphens and underscores"
    yield from _outside("timeout (s)", subject.get("timeout"), 1, 900)
    yield from _outside("memorySize (MB)", subject.get("memorySize"), 128, 10240)
    yield from _outside("ephemeralStorage.size (MB)", (subject.get("ephemeralStorage") or {}).get("size"), 512, 10240)
    variables = (subject.get("environment") or {}).get("variables") or {}
    size = sum(len(str(k).encode()) + len(str(v).encode()) for k, v in variables.items())
    if size > 4096:
        yield f"its environment variables take {size} bytes; Lambda allows 4 KB in all"
    reserved = sorted(k for k in variables if k in LAMBDA_RESERVED_VARIABLES)
    if reserved:
        yield f"sets {', '.join(reserved)}, which Lambda reserves"


def _sqs_event_source(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    queues = _by(subjects, (t.SQS_QUEUE,))
    functions = {**_by(subjects, LAMBDA_TYPES), **_by(subjects, LAMBDA_TYPES, "name")}
    for s in subjects:
        if s.type != EVENT_SOURCE_MAPPING:
            continue
        queue = queues.get(str(s.get("eventSourceArn")))
        if queue is None:
            continue
        where = f"{s.name} ({s.type})"
        function = functions.get(str(s.get("functionName")))
        visibility = _number(queue.get("visibilityTimeoutSeconds"))
        visibility = 30 if visibility is None else visibility
        timeout = _number(function.get("timeout")) if function else None
        timeout = 3 if timeout is None else timeout
        if function is not None and visibility < timeout:
            yield (
                s.urn,
                f"{where}: queue {queue.name} has a visibility timeout of {_fmt(visibility)} s, shorter than "
                f"function {function.name}'s timeout of {_fmt(timeout)} s",
            )
        batch = _number(s.get("batchSize"))
        fifo = bool(queue.get("fifoQueue"))
        window = _number(s.get("maximumBatchingWindowInSeconds")) or 0
        if batch is not None and (batch > (10 if fifo else 10000) or batch < 1):
            yield s.urn, f"{where}: batch size {_fmt(batch)}; SQS allows 1 to {10 if fifo else 10000}"
        elif batch is not None and batch > 10 and window < 1:
            yield s.urn, f"{where}: a batch size above 10 needs maximumBatchingWindowInSeconds of at least 1"


def _capacity_bounds(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.AUTOSCALING_GROUP:
        low, high, desired = (_number(subject.get(k)) for k in ("minSize", "maxSize", "desiredCapacity"))
        refresh = ((subject.get("instanceRefresh") or {}).get("preferences") or {}).get("minHealthyPercentage")
        yield from _outside("instanceRefresh.preferences.minHealthyPercentage", refresh, 0, 100)
    else:
        low, high, desired = _number(subject.get("minCapacity")), _number(subject.get("maxCapacity")), None
    if low is not None and high is not None and low > high:
        yield f"minimum capacity {_fmt(low)} is above the maximum {_fmt(high)}"
    if desired is not None and ((low is not None and desired < low) or (high is not None and desired > high)):
        yield f"desired capacity {_fmt(desired)} is outside {_fmt(low or 0)}..{_fmt(high or 0)}"


# --- data stores ----------------------------------------------------------------------------------------


def _rds_storage(subject: Subject, context: Context) -> Iterable[str]:
    allocated, ceiling = _number(subject.get("allocatedStorage")), _number(subject.get("maxAllocatedStorage"))
    if allocated is not None and ceiling and ceiling < allocated * 1.1:
        yield (
            f"maxAllocatedStorage {_fmt(ceiling)} GiB must be at least 10% above allocatedStorage "
            f"{_fmt(allocated)} GiB ({math.ceil(allocated * 1.1)} GiB or more), or 0 to turn storage autoscaling off"
        )
    storage_type = str(subject.get("storageType") or "gp2")
    if subject.get("engine") == "postgres" and storage_type in ("gp2", "gp3") and not subject.get("replicateSourceDb"):
        yield from _outside(f"allocatedStorage (GiB) on {storage_type}", allocated, 20, 65536)


def _performance_insights(subject: Subject, context: Context) -> Iterable[str]:
    if not subject.get("performanceInsightsEnabled"):
        return
    instance_class = str(subject.get("instanceClass") or "")
    if instance_class and not offers_performance_insights(instance_class):
        yield f"enables Performance Insights on {instance_class}, a class that does not offer it"
    retention = _number(subject.get("performanceInsightsRetentionPeriod"))
    if retention is not None and int(retention) not in PERFORMANCE_INSIGHTS_RETENTION_DAYS:
        yield f"performanceInsightsRetentionPeriod {_fmt(retention)} is not 7, a multiple of 31 up to 713, or 731"


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAILY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_WEEKLY = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$"
)
WEEK = 7 * 24 * 60


def _window_problems(label: str, window: Any, weekly: bool) -> tuple[list[str], list[tuple[int, int]]]:
    """Problems with a window and, if it is valid, its spans in minutes of the week."""
    text = str(window or "").lower()
    match = (_WEEKLY if weekly else _DAILY).match(text)
    if not match:
        shape = "ddd:hh24:mi-ddd:hh24:mi" if weekly else "hh24:mi-hh24:mi"
        return [f"{label} {text!r} is not in the form {shape} (UTC)"], []
    g = match.groups()
    if weekly:
        start = DAYS.index(g[0]) * 1440 + int(g[1]) * 60 + int(g[2])
        end = DAYS.index(g[3]) * 1440 + int(g[4]) * 60 + int(g[5])
        length = (end - start) % WEEK
        starts = [start]
    else:
        start, end = int(g[0]) * 60 + int(g[1]), int(g[2]) * 60 + int(g[3])
        length = (end - start) % 1440
        starts = [day * 1440 + start for day in range(7)]
    if length < 30:
        return [f"{label} {text!r} lasts {length} minutes; AWS needs at least 30"], []
    return [], [(s, s + length) for s in starts]


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    shifted = [(s + k * WEEK, e + k * WEEK) for s, e in b for k in (-1, 0, 1)]
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in shifted)


def _windows(subject: Subject, backup_key: str, maintenance_key: str) -> Iterable[str]:
    spans = {}
    for key, weekly in ((backup_key, False), (maintenance_key, True)):
        if subject.get(key):
            problems, spans[key] = _window_problems(key, subject.get(key), weekly)
            yield from problems
    if spans.get(backup_key) and spans.get(maintenance_key) and _overlap(spans[backup_key], spans[maintenance_key]):
        yield f"{backup_key} {subject.get(backup_key)} overlaps {maintenance_key} {subject.get(maintenance_key)}"


def _rds_windows(subject: Subject, context: Context) -> Iterable[str]:
    yield from _outside("backupRetentionPeriod (days)", subject.get("backupRetentionPeriod"), 0, 35)
    interval = _number(subject.get("monitoringInterval"))
    if interval is not None and interval not in (0, 1, 5, 10, 15, 30, 60):
        yield f"monitoringInterval {_fmt(interval)} is not one of 0, 1, 5, 10, 15, 30, 60"
    yield from _windows(subject, "backupWindow", "maintenanceWindow")


def _global_datastore(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    groups = _by(subjects, (t.CACHE_REPLICATION_GROUP,), "replicationGroupId")
    for s in subjects:
        if s.type != GLOBAL_REPLICATION_GROUP:
            continue
        primary = groups.get(str(s.get("primaryReplicationGroupId")))
        for node_type in {str(s.get("cacheNodeType") or ""), str(primary.get("nodeType") or "") if primary else ""}:
            if node_type and not supports_global_datastore(node_type):
                yield (
                    s.urn,
                    f"{s.name} ({s.type}): node type {node_type} cannot join a Global Datastore; use "
                    f"{', '.join(GLOBAL_DATASTORE_FAMILIES)} nodes, large or bigger",
                )


def _cache_settings(subject: Subject, context: Context) -> Iterable[str]:
    yield from _outside("snapshotRetentionLimit (days)", subject.get("snapshotRetentionLimit"), 0, 35)
    clusters = _number(subject.get("numCacheClusters"))
    replicas = _number(subject.get("replicasPerNodeGroup"))
    failover = bool(subject.get("automaticFailoverEnabled"))
    if failover and not subject.get("globalReplicationGroupId") and (clusters or 1) < 2 and not replicas:
        yield "automatic failover needs at least one replica (numCacheClusters of 2 or more)"
    if subject.get("multiAzEnabled") and not failover:
        yield "Multi-AZ needs automaticFailoverEnabled"
    yield from _windows(subject, "snapshotWindow", "maintenanceWindow")


INFREQUENT_ACCESS = ("STANDARD_IA", "ONEZONE_IA")


def _lifecycle(subject: Subject, context: Context) -> Iterable[str]:
    for rule in as_list(subject.get("rules")):
        rule_id = rule.get("id") or "?"
        transitions = [(x, _number(x.get("days"))) for x in as_list(rule.get("transitions"))]
        for transition, days in transitions:
            if transition.get("storageClass") in INFREQUENT_ACCESS and days is not None and days < 30:
                yield (
                    f"rule {rule_id!r}: transition to {transition['storageClass']} after {_fmt(days)} days; S3 needs "
                    "30 or more"
                )
        for transition in as_list(rule.get("noncurrentVersionTransitions")):
            days = _number(transition.get("noncurrentDays"))
            if transition.get("storageClass") in INFREQUENT_ACCESS and days is not None and days < 30:
                yield (
                    f"rule {rule_id!r}: noncurrent transition to {transition['storageClass']} after {_fmt(days)} days; "
                    "S3 needs 30 or more"
                )
        expiry = _number((rule.get("expiration") or {}).get("days"))
        latest = max((d for _, d in transitions if d is not None), default=None)
        if expiry is not None and latest is not None and expiry <= latest:
            yield (
                f"rule {rule_id!r}: expiration after {_fmt(expiry)} days must come after the last transition "
                f"({_fmt(latest)} days)"
            )


def _replication(subject: Subject, context: Context) -> Iterable[str]:
    rules = as_list(subject.get("rules"))
    priorities = [_number(r.get("priority")) for r in rules if r.get("filter") is not None]
    if len(rules) > 1 and len([p for p in priorities if p is not None]) != len(
        set(p for p in priorities if p is not None)
    ):
        yield "replication rules share a priority; each rule with a filter needs its own"
    for rule in rules:
        rule_id = rule.get("id") or "?"
        destination = rule.get("destination") or {}
        rtc = destination.get("replicationTime") or {}
        metrics = destination.get("metrics") or {}
        if rtc.get("status") == "Enabled":
            if metrics.get("status") != "Enabled":
                yield f"rule {rule_id!r}: Replication Time Control needs replication metrics enabled"
            minutes = _number((rtc.get("time") or {}).get("minutes"))
            if minutes is not None and minutes != 15:
                yield f"rule {rule_id!r}: Replication Time Control takes a time of 15 minutes, not {_fmt(minutes)}"
        threshold = _number((metrics.get("eventThreshold") or {}).get("minutes"))
        if threshold is not None and threshold != 15:
            yield f"rule {rule_id!r}: metrics eventThreshold must be 15 minutes, not {_fmt(threshold)}"
        if rule.get("filter") is not None and not rule.get("deleteMarkerReplication"):
            yield f"rule {rule_id!r}: a rule with a filter must state deleteMarkerReplication"


def _sqs(subject: Subject, context: Context) -> Iterable[str]:
    yield from _outside("messageRetentionSeconds", subject.get("messageRetentionSeconds"), 60, 1209600)
    yield from _outside("visibilityTimeoutSeconds", subject.get("visibilityTimeoutSeconds"), 0, 43200)
    yield from _outside("delaySeconds", subject.get("delaySeconds"), 0, 900)
    yield from _outside("maxMessageSize (bytes)", subject.get("maxMessageSize"), 1024, 1048576)
    yield from _outside("receiveWaitTimeSeconds", subject.get("receiveWaitTimeSeconds"), 0, 20)
    fifo = bool(subject.get("fifoQueue"))
    yield from _names(subject, "name", "namePrefix", 80, "queue name")
    name = subject.get("name")
    if name and (str(name).endswith(".fifo") != fifo):
        yield f"queue name {name!r}: a FIFO queue's name ends in .fifo, and only a FIFO queue's does"
    redrive = _mapping(subject.get("redrivePolicy"))
    yield from _outside("redrivePolicy.maxReceiveCount", redrive.get("maxReceiveCount"), 1, 1000)


def _log_retention(subject: Subject, context: Context) -> Iterable[str]:
    days = _number(subject.get("retentionInDays"))
    if days is not None and days != 0 and int(days) not in LOG_RETENTION_DAYS:
        yield (
            f"retentionInDays {_fmt(days)} is not a value CloudWatch Logs accepts: "
            f"{', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    name = subject.get("name")
    if name and (len(str(name)) > 512 or not re.fullmatch(r"[.\-_/#A-Za-z0-9]+", str(name))):
        yield f"log group name {str(name)[:60]!r} must be 1-512 characters of a-z, A-Z, 0-9, '.', '-', '_', '/', '#'"


def _kms_window(subject: Subject, context: Context) -> Iterable[str]:
    yield from _outside("deletionWindowInDays", subject.get("deletionWindowInDays"), 7, 30)


def _secret_window(subject: Subject, context: Context) -> Iterable[str]:
    days = _number(subject.get("recoveryWindowInDays"))
    if days is not None and days != 0 and not 7 <= days <= 30:
        yield f"recoveryWindowInDays is {_fmt(days)}; Secrets Manager takes 0 (delete at once) or 7 to 30"


def _ecr_lifecycle(subject: Subject, context: Context) -> Iterable[str]:
    rules = [r for r in as_list(_mapping(subject.get("policy")).get("rules")) if isinstance(r, Mapping)]
    priorities = [_number(r.get("rulePriority")) for r in rules]
    if len(priorities) != len(set(priorities)):
        yield "rulePriority values repeat; each lifecycle rule needs its own"
    for rule in rules:
        selection = rule.get("selection") or {}
        priority = _number(rule.get("rulePriority"))
        if selection.get("tagStatus") == "any" and priority != max(p or 0 for p in priorities):
            yield f"rule {_fmt(priority or 0)} selects tagStatus 'any', so it must have the highest rulePriority"
        if selection.get("tagStatus") == "tagged" and not (
            selection.get("tagPrefixList") or selection.get("tagPatternList")
        ):
            yield f"rule {_fmt(priority or 0)} selects tagged images without tagPrefixList or tagPatternList"
        if selection.get("countType") == "sinceImagePushed" and selection.get("countUnit") != "days":
            yield f"rule {_fmt(priority or 0)}: countType sinceImagePushed needs countUnit 'days'"
        if selection.get("countType") == "imageCountMoreThan" and selection.get("countUnit"):
            yield f"rule {_fmt(priority or 0)}: countType imageCountMoreThan takes no countUnit"


def _backup_lifecycle(subject: Subject, context: Context) -> Iterable[str]:
    for rule in as_list(subject.get("rules")):
        name = rule.get("ruleName") or "?"
        start = _number(rule.get("startWindow"))
        if start is not None and start < 60:
            yield f"rule {name!r}: startWindow is {_fmt(start)} minutes; AWS Backup needs at least 60"
        lifecycles = [
            rule.get("lifecycle") or {},
            *[(c.get("lifecycle") or {}) for c in as_list(rule.get("copyActions"))],
        ]
        for lifecycle in lifecycles:
            cold, delete = _number(lifecycle.get("coldStorageAfter")), _number(lifecycle.get("deleteAfter"))
            if cold and delete is not None and delete < cold + 90:
                yield (
                    f"rule {name!r}: recovery points move to cold storage after {_fmt(cold)} days and must stay there "
                    f"90 days, so deleteAfter must be at least {_fmt(cold + 90)}, not {_fmt(delete)}"
                )
        yield from _schedule_problems("schedule", rule.get("schedule"))


# --- DNS, WAF, networking, monitoring, schedules ---------------------------------------------------------


def _failover_records(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    sets: dict[tuple[str, str, str], list[Subject]] = defaultdict(list)
    for s in subjects:
        if s.type == t.DNS_RECORD:
            name = str(s.get("name") or "").rstrip(".").lower()
            sets[(str(s.get("zoneId")), name, str(s.get("type")))].append(s)
    for (_, name, kind), records in sets.items():
        failover = [r for r in records if as_list(r.get("failoverRoutingPolicies"))]
        if not failover:
            continue
        roles = [str(as_list(r.get("failoverRoutingPolicies"))[0].get("type")) for r in failover]
        for record in records:
            where = f"{record.name} ({record.type})"
            if record not in failover:
                yield record.urn, f"{where}: a simple {kind} record for {name} conflicts with its failover records"
            elif not record.get("setIdentifier"):
                yield record.urn, f"{where}: a failover record needs a setIdentifier"
        for role in ("PRIMARY", "SECONDARY"):
            if roles.count(role) > 1:
                first = failover[roles.index(role)]
                yield (
                    first.urn,
                    f"{first.name} ({first.type}): {name} {kind} has {roles.count(role)} {role} records; failover "
                    "takes one",
                )
        identifiers = [r.get("setIdentifier") for r in failover if r.get("setIdentifier")]
        if len(identifiers) != len(set(identifiers)):
            yield (
                failover[0].urn,
                f"{failover[0].name} ({failover[0].type}): setIdentifier values repeat for {name} {kind}",
            )


def _health_check_settings(subject: Subject, context: Context) -> Iterable[str]:
    interval = _number(subject.get("requestInterval"))
    if interval is not None and interval not in (10, 30):
        yield f"requestInterval is {_fmt(interval)}; Route 53 checks every 10 or 30 seconds"
    yield from _outside("failureThreshold", subject.get("failureThreshold"), 1, 10)
    yield from _outside("port", subject.get("port"), 1, 65535)
    path = subject.get("resourcePath")
    if path is not None and len(str(path)) > 255:
        yield "resourcePath is longer than 255 characters"


def _statements(statement: Any) -> Iterable[Mapping[str, Any]]:
    """A WAF statement and every statement nested in it."""
    if not isinstance(statement, Mapping):
        return
    yield statement
    for value in statement.values():
        if isinstance(value, Mapping):
            yield from _statements(value.get("statement") or value.get("scopeDownStatement") or {})
            for nested in as_list(value.get("statements")):
                yield from _statements(nested)


def _web_acl(subject: Subject, context: Context) -> Iterable[str]:
    rules = [r for r in as_list(subject.get("rules")) if isinstance(r, Mapping)]
    priorities = [_number(r.get("priority")) for r in rules]
    if len(priorities) != len(set(priorities)):
        yield "rule priorities repeat; each rule in a web ACL needs its own"
    names = [r.get("name") for r in rules]
    if len(names) != len(set(names)):
        yield "rule names repeat; each rule in a web ACL needs its own"
    for rule in rules:
        for statement in _statements(rule.get("statement")):
            rate = statement.get("rateBasedStatement")
            if isinstance(rate, Mapping):
                yield from _outside(f"rule {rule.get('name')!r}: rate limit", rate.get("limit"), 10, 2_000_000_000)
                window = _number(rate.get("evaluationWindowSec"))
                if window is not None and window not in (60, 120, 300, 600):
                    yield f"rule {rule.get('name')!r}: evaluationWindowSec {_fmt(window)} is not 60, 120, 300 or 600"


RULES_PER_GROUP = 60


def _sg_rule_quota(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    quota = int(context.policy_config.get("rulesPerSecurityGroup") or RULES_PER_GROUP)
    counts: dict[tuple[str, str, str], int] = defaultdict(int)

    def add(group: str, direction: str, rule: Mapping[str, Any]) -> None:
        v4 = len(as_list(rule.get("cidrBlocks"))) + (1 if rule.get("cidrIpv4") else 0)
        v6 = len(as_list(rule.get("ipv6CidrBlocks"))) + (1 if rule.get("cidrIpv6") else 0)
        others = (
            len(as_list(rule.get("securityGroups")))
            + len(as_list(rule.get("prefixListIds")))
            + (1 if rule.get("referencedSecurityGroupId") or rule.get("sourceSecurityGroupId") else 0)
            + (1 if rule.get("prefixListId") or rule.get("self") else 0)
        )
        counts[(group, direction, "IPv4")] += v4 + others
        counts[(group, direction, "IPv6")] += v6 + others

    groups = {str(s.get("id")): s for s in subjects if s.type == t.SECURITY_GROUP and s.get("id")}
    for s in subjects:
        if s.type == t.SECURITY_GROUP and s.get("id"):
            for direction in ("ingress", "egress"):
                for rule in as_list(s.get(direction)):
                    add(str(s.get("id")), direction, rule)
        elif s.type in (t.SG_INGRESS_RULE, SG_EGRESS_RULE):
            add(str(s.get("securityGroupId")), "ingress" if s.type == t.SG_INGRESS_RULE else "egress", s.props)
        elif s.type == t.SG_RULE:
            add(str(s.get("securityGroupId")), str(s.get("type")), s.props)
    for (group_id, direction, version), count in sorted(counts.items()):
        group = groups.get(group_id)
        if group is not None and count > quota:
            yield (
                group.urn,
                f"{group.name} ({group.type}): {count} {version} {direction} rules; a security group takes {quota}",
            )


GROUP_LISTS = {
    t.LOAD_BALANCERS[0]: ("securityGroups",),
    t.LOAD_BALANCERS[1]: ("securityGroups",),
    t.RDS_INSTANCE: ("vpcSecurityGroupIds",),
    t.CACHE_REPLICATION_GROUP: ("securityGroupIds",),
    t.LAUNCH_TEMPLATE: ("vpcSecurityGroupIds",),
    LAMBDA_FUNCTION: ("vpcConfig", "securityGroupIds"),
    ECS_SERVICE: ("networkConfiguration", "securityGroups"),
    INFLUXDB: ("vpcSecurityGroupIds",),
    t.EC2_INSTANCE: ("vpcSecurityGroupIds",),
}
GROUPS_PER_INTERFACE = 5


def _groups_per_interface(subject: Subject, context: Context) -> Iterable[str]:
    limit = int(context.policy_config.get("securityGroupsPerInterface") or GROUPS_PER_INTERFACE)
    path = GROUP_LISTS[subject.type]
    value: Any = subject.props
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    groups = as_list(value)
    if len(groups) > limit:
        yield f"{'.'.join(path)} names {len(groups)} security groups; a network interface takes {limit}"


def _alarm(subject: Subject, context: Context) -> Iterable[str]:
    period = _number(subject.get("period"))
    evaluations = _number(subject.get("evaluationPeriods"))
    datapoints = _number(subject.get("datapointsToAlarm"))
    if period is not None:
        if period not in (10, 30) and (period < 60 or period % 60):
            yield f"period {_fmt(period)} s is not 10, 30 or a multiple of 60"
        elif period < 60 and str(subject.get("namespace") or "").startswith("AWS/"):
            yield f"period {_fmt(period)} s is below 60; metrics in AWS/ namespaces are not high-resolution"
        if evaluations is not None and period * evaluations > 86400:
            yield f"period {_fmt(period)} s times {_fmt(evaluations)} evaluation periods exceeds one day (86,400 s)"
    if datapoints is not None and evaluations is not None and datapoints > evaluations:
        yield f"datapointsToAlarm {_fmt(datapoints)} exceeds evaluationPeriods {_fmt(evaluations)}"
    yield from _outside("evaluationPeriods", evaluations, 1, math.inf)
    name = subject.get("name")
    if name and len(str(name)) > 255:
        yield "alarm name is longer than 255 characters"


def _schedule_problems(label: str, expression: Any) -> Iterable[str]:
    """The grammar is aws_limits', shared with the blueprint check; at(...) one-time schedules pass here."""
    if not expression:
        return
    text = str(expression)
    problem = schedule_problem(text, one_time=True)
    if problem:
        yield f"{label} {text[:120]!r} {problem}"


def _schedules(subject: Subject, context: Context) -> Iterable[str]:
    yield from _schedule_problems("scheduleExpression", subject.get("scheduleExpression"))
    if subject.type == EVENT_RULE:
        yield from _names(subject, "name", "namePrefix", 64, "rule name")


# --- the pack -------------------------------------------------------------------------------------------

DOCS = "https://docs.aws.amazon.com"
TAGGING = f"{DOCS}/tag-editor/latest/userguide/tagging.html#tag-conventions"
TAGGED = ()  # every AWS resource with tags


def _rule(name: str, description: str, source: str, **kwargs: Any) -> Rule:
    return Rule(name, description, "high", (), source=source, **kwargs)


RULES: list[Rule] = [
    _rule(
        "lb-names-valid",
        "Load balancer and target group names, given or generated, are at most 32 letters, digits and hyphens.",
        f"{DOCS}/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
        types=(TARGET_GROUP, *t.LOAD_BALANCERS),
        check=_lb_names,
    ),
    _rule(
        "s3-bucket-name-valid",
        "Bucket names, given or generated, follow S3's naming rules: 3-63 lowercase characters, no reserved prefix or "
        "suffix.",
        f"{DOCS}/AmazonS3/latest/userguide/bucketnamingrules.html",
        types=t.S3_BUCKETS,
        check=_bucket_name,
    ),
    _rule(
        "iam-names-valid",
        "IAM role (64) and policy (128) names, paths, session durations and descriptions are within IAM's limits.",
        f"{DOCS}/IAM/latest/UserGuide/reference_iam-quotas.html",
        types=(t.IAM_ROLE, IAM_POLICY),
        check=_iam_names,
    ),
    _rule(
        "xray-group-and-sampling-rule",
        "X-Ray group and sampling rule names are at most 32 characters; sampling priorities, rates and versions are "
        "valid.",
        f"{DOCS}/xray/latest/api/API_SamplingRule.html",
        types=(XRAY_GROUP, XRAY_SAMPLING_RULE),
        check=_xray,
    ),
    _rule(
        "rds-identifier-valid",
        "RDS instance identifiers are at most 63 letters, digits and single hyphens, beginning with a letter.",
        f"{DOCS}/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.Constraints",
        types=(t.RDS_INSTANCE,),
        check=_rds_identifier,
    ),
    _rule(
        "elasticache-replication-group-id-valid",
        "ElastiCache replication group ids are at most 40 letters, digits and single hyphens, beginning with a letter.",
        f"{DOCS}/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
        types=(t.CACHE_REPLICATION_GROUP,),
        check=_cache_identifier,
    ),
    _rule(
        "ecr-repository-name-valid",
        "ECR repository names are 2-256 lowercase characters in ECR's namespace pattern.",
        f"{DOCS}/AmazonECR/latest/APIReference/API_CreateRepository.html",
        types=(t.ECR_REPOSITORY,),
        check=_ecr_name,
    ),
    _rule(
        "timestream-influxdb-instance-valid",
        "Timestream for InfluxDB instance names are 3-40 characters in its pattern, with 20 to 16,384 GiB of storage.",
        f"{DOCS}/ts-influxdb/latest/ts-influxdb-api/API_CreateDbInstance.html",
        types=(INFLUXDB,),
        check=_influxdb,
    ),
    _rule(
        "tags-per-resource-limit",
        "A resource carries at most 50 user tags, its own and its provider's default tags together.",
        TAGGING,
        types=TAGGED,
        check=_tag_count,
    ),
    _rule(
        "tag-key-value-length",
        "Tag keys are 1-128 characters and tag values strings of at most 256.",
        TAGGING,
        types=TAGGED,
        check=_tag_lengths,
    ),
    _rule(
        "tag-characters-allowed",
        "Tag keys and values use only letters, digits, spaces and + - = . _ : / @, and no key begins with aws:.",
        TAGGING,
        types=TAGGED,
        check=_tag_characters,
    ),
    _rule(
        "asg-target-groups-instance-type",
        "Auto Scaling groups attach only to target groups whose target type is instance.",
        f"{DOCS}/autoscaling/ec2/userguide/attach-load-balancer-asg.html",
        stack_check=_asg_target_types,
    ),
    _rule(
        "ecs-awsvpc-target-groups-ip",
        "ECS services whose tasks use awsvpc networking (every Fargate task) register with target groups of type ip.",
        f"{DOCS}/AmazonECS/latest/developerguide/alb.html",
        stack_check=_ecs_target_types,
    ),
    _rule(
        "alb-listener-rule-conditions",
        "An ALB listener rule has at most 5 condition values and 5 wildcards, one condition of each single-use kind, "
        "a priority of 1-50,000 and at most 5 target groups per action.",
        f"{DOCS}/elasticloadbalancing/latest/application/load-balancer-limits.html",
        types=LISTENER_RULES,
        check=_rule_conditions,
    ),
    _rule(
        "alb-listener-rule-priorities-unique",
        "No two rules of one listener share a priority.",
        f"{DOCS}/elasticloadbalancing/latest/APIReference/API_CreateRule.html",
        stack_check=_rule_priorities,
    ),
    _rule(
        "alb-quotas-per-load-balancer",
        "Each load balancer stays within the quotas on listeners (50), listener rules (100) and target groups (100).",
        f"{DOCS}/elasticloadbalancing/latest/application/load-balancer-limits.html",
        stack_check=_alb_quotas,
        config_schema={
            key: {"type": "integer", "description": f"the account's quota, where raised (default {value})"}
            for key, value in ALB_QUOTAS.items()
        },
    ),
    _rule(
        "lb-target-group-settings",
        "Target group health checks, deregistration delay and stickiness are within the ranges ELB accepts.",
        f"{DOCS}/elasticloadbalancing/latest/application/target-group-health-checks.html",
        types=(TARGET_GROUP,),
        check=_health_check,
    ),
    _rule(
        "cloudfront-certificate-us-east-1",
        "A CloudFront distribution's ACM certificate is in us-east-1.",
        f"{DOCS}/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html",
        types=(t.CLOUDFRONT,),
        check=_cloudfront_certificate,
    ),
    _rule(
        "lb-certificate-same-region",
        "A load balancer listener's ACM certificate is in the load balancer's Region.",
        f"{DOCS}/acm/latest/userguide/acm-regions.html",
        types=(*t.LISTENERS, LISTENER_CERTIFICATE),
        check=_lb_certificate,
    ),
    _rule(
        "ecs-fargate-task-size",
        "Fargate task definitions use awsvpc, a cpu and memory pair Fargate offers, and containers that fit in it.",
        f"{DOCS}/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size",
        types=(t.ECS_TASK_DEFINITION,),
        check=_fargate,
    ),
    _rule(
        "lambda-reserved-concurrency",
        "Functions reserve no more concurrency than the account limit less the 100 that must stay unreserved.",
        f"{DOCS}/lambda/latest/dg/configuration-concurrency.html",
        stack_check=_reserved_concurrency,
        config_schema={
            "accountConcurrencyLimit": {
                "type": "integer",
                "description": f"the account's concurrent executions quota (default {ACCOUNT_CONCURRENCY})",
            }
        },
    ),
    _rule(
        "lambda-function-limits",
        "Lambda names (64), timeout (900 s), memory, ephemeral storage and environment variables (4 KB, no reserved "
        "keys) are within Lambda's limits.",
        f"{DOCS}/lambda/latest/dg/gettingstarted-limits.html",
        types=LAMBDA_TYPES,
        check=_lambda_limits,
    ),
    _rule(
        "lambda-sqs-event-source",
        "An SQS queue's visibility timeout is at least its consumer function's timeout, and its batch size within "
        "SQS's limits.",
        f"{DOCS}/lambda/latest/dg/services-sqs-configure.html",
        stack_check=_sqs_event_source,
    ),
    _rule(
        "scaling-capacity-bounds",
        "Auto Scaling groups and scalable targets keep minimum <= desired <= maximum capacity.",
        f"{DOCS}/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html",
        types=(t.AUTOSCALING_GROUP, APPAUTOSCALING_TARGET),
        check=_capacity_bounds,
    ),
    _rule(
        "rds-storage-limits",
        "RDS storage autoscaling's ceiling is at least 10% above the allocated storage, itself within the storage "
        "type's range.",
        f"{DOCS}/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html",
        types=(t.RDS_INSTANCE,),
        check=_rds_storage,
    ),
    _rule(
        "rds-performance-insights-class",
        "Performance Insights is enabled only on instance classes that offer it, with a retention RDS accepts.",
        f"{DOCS}/AmazonRDS/latest/UserGuide/USER_PerfInsights.Overview.Engines.html",
        types=(t.RDS_INSTANCE,),
        check=_performance_insights,
    ),
    _rule(
        "rds-backup-and-maintenance-windows",
        "RDS backup retention is 0-35 days, windows are well formed, 30 minutes or longer and do not overlap, and the "
        "monitoring interval is one RDS offers.",
        f"{DOCS}/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
        types=(t.RDS_INSTANCE,),
        check=_rds_windows,
    ),
    _rule(
        "elasticache-global-datastore-node-type",
        "A Global Datastore's primary runs on a node type that supports Global Datastore.",
        f"{DOCS}/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Getting-Started.html",
        stack_check=_global_datastore,
    ),
    _rule(
        "elasticache-replication-group-settings",
        "ElastiCache keeps snapshots at most 35 days, fails over only with a replica, runs Multi-AZ only with "
        "failover, and its windows do not overlap.",
        f"{DOCS}/AmazonElastiCache/latest/dg/backups-automatic.html",
        types=(t.CACHE_REPLICATION_GROUP,),
        check=_cache_settings,
    ),
    _rule(
        "s3-lifecycle-transitions",
        "Lifecycle rules move objects to Standard-IA or One Zone-IA after 30 days or more and expire them after their "
        "last transition.",
        f"{DOCS}/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html",
        types=S3_LIFECYCLE,
        check=_lifecycle,
    ),
    _rule(
        "s3-replication-rules",
        "Replication Time Control comes with replication metrics and 15-minute thresholds; filtered rules state "
        "delete-marker replication and have unique priorities.",
        f"{DOCS}/AmazonS3/latest/API/API_Destination.html",
        types=(S3_REPLICATION,),
        check=_replication,
    ),
    _rule(
        "sqs-queue-attribute-ranges",
        "SQS retention, visibility timeout, delay, message size, wait time, name and maxReceiveCount are within SQS's "
        "ranges.",
        f"{DOCS}/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html",
        types=(t.SQS_QUEUE,),
        check=_sqs,
    ),
    _rule(
        "log-group-retention-values",
        "Log groups keep logs for one of the retention periods CloudWatch Logs offers, under a valid name.",
        f"{DOCS}/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
        types=(t.LOG_GROUP,),
        check=_log_retention,
    ),
    _rule(
        "kms-deletion-window",
        "KMS key deletion windows are 7 to 30 days.",
        f"{DOCS}/kms/latest/APIReference/API_ScheduleKeyDeletion.html",
        types=(t.KMS_KEY,),
        check=_kms_window,
    ),
    _rule(
        "secretsmanager-recovery-window",
        "Secrets Manager recovery windows are 0 or 7 to 30 days.",
        f"{DOCS}/secretsmanager/latest/apireference/API_DeleteSecret.html",
        types=(t.SECRET,),
        check=_secret_window,
    ),
    _rule(
        "ecr-lifecycle-policy-rules",
        "ECR lifecycle rules have unique priorities, the 'any' rule last, and selections ECR accepts.",
        f"{DOCS}/AmazonECR/latest/userguide/LifecyclePolicies.html#lifecycle_policy_parameters",
        types=(ECR_LIFECYCLE,),
        check=_ecr_lifecycle,
    ),
    _rule(
        "backup-plan-rules",
        "Backup rules start within at least 60 minutes, keep cold recovery points 90 days, and have valid cron "
        "schedules.",
        f"{DOCS}/aws-backup/latest/devguide/API_Lifecycle.html",
        types=(BACKUP_PLAN,),
        check=_backup_lifecycle,
    ),
    _rule(
        "route53-failover-record-sets",
        "Failover records of one name and type have set identifiers, at most one PRIMARY and one SECONDARY, and no "
        "simple record beside them.",
        f"{DOCS}/Route53/latest/DeveloperGuide/routing-policy-failover.html",
        stack_check=_failover_records,
    ),
    _rule(
        "route53-health-check-settings",
        "Route 53 health checks run every 10 or 30 seconds with a failure threshold of 1-10.",
        f"{DOCS}/Route53/latest/APIReference/API_HealthCheckConfig.html",
        types=(HEALTH_CHECK,),
        check=_health_check_settings,
    ),
    _rule(
        "wafv2-web-acl-rules",
        "Web ACL rules have unique priorities and names; rate-based rules limit at 10 or more over a 60, 120, 300 or "
        "600 s window.",
        f"{DOCS}/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html",
        types=(WEB_ACL,),
        check=_web_acl,
    ),
    _rule(
        "security-group-rule-quota",
        "A security group has at most 60 inbound and 60 outbound rules per IP version.",
        f"{DOCS}/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups",
        stack_check=_sg_rule_quota,
        config_schema={"rulesPerSecurityGroup": {"type": "integer", "description": "the account's quota (default 60)"}},
    ),
    _rule(
        "security-groups-per-interface",
        "Load balancers, tasks, functions, instances and data stores name at most 5 security groups.",
        f"{DOCS}/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups",
        types=tuple(GROUP_LISTS),
        check=_groups_per_interface,
        config_schema={
            "securityGroupsPerInterface": {"type": "integer", "description": "the account's quota (default 5)"}
        },
    ),
    _rule(
        "cloudwatch-alarm-period-and-evaluation",
        "Alarm periods are 10, 30 or a multiple of 60 s (60 or more for AWS metrics), evaluate at most one day, and "
        "need no more datapoints than periods.",
        f"{DOCS}/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
        types=(t.METRIC_ALARM,),
        check=_alarm,
    ),
    _rule(
        "schedule-expressions-valid",
        "EventBridge schedules are rate() with the right singular or plural unit, six-field cron() with each field in "
        "range and one '?' day field, or a one-time at(yyyy-mm-ddThh:mm:ss).",
        f"{DOCS}/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html",
        types=(EVENT_RULE, SCHEDULE),
        check=_schedules,
    ),
]
