"""Pulumi mocks for the offline plan and the tests, and a monitor that records what the engine receives.

Custom resources echo their inputs back with the attributes AWS would compute (id, arn, name, tagsAll).
Remote components get the outputs their real provider would return, derived from their inputs.
"""

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf.json_format import MessageToDict
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, _resolve_callbacks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.settings import get_project, get_stack
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from finplatform import PROJECT
from finplatform.tooling.aliases import make_urn
from finplatform.tooling.remote_components import OUTPUTS, physical_id

ACCOUNT_ID = "111122223333"
SECRET_PLACEHOLDER = "[secret]"
_ARN_KINDS = {"aws:iam/role:Role": "role", "aws:iam/policy:Policy": "policy"}


@dataclass
class PlannedResource:
    """One RegisterResource request: what the engine receives for a resource."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    remote: bool
    inputs: dict[str, Any]
    dependencies: list[str]
    options: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    transforms: list[Callable[..., Any]] = field(default_factory=list, repr=False, compare=False)
    """The resource's own transforms (the engine applies them to a remote component's children too)."""

    @property
    def protect(self) -> bool:
        return bool(self.options.get("protect"))


def _provider_object(value: Any) -> dict[str, Any]:
    """Provider inputs of object type reach the engine JSON-encoded."""
    if isinstance(value, str):
        decoded = json.loads(value)
        return decoded if isinstance(decoded, dict) else {}
    return value if isinstance(value, dict) else {}


def _kms_key(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    key_id = physical_id("key", logical).removeprefix("key-")
    state.update(keyId=key_id, arn=f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{key_id}")
    return key_id


def _log_group(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    state.update(name=name, arn=f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{name}")
    return name


def _rds_instance(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    identifier = str(state.get("identifier") or name)
    address = f"{identifier}.c0mock.{region}.rds.amazonaws.com"
    port = int(state.get("port") or 5432)
    state.update(
        identifier=identifier,
        resourceId="db-" + physical_id("x", logical).removeprefix("x-0").upper()[:26],
        address=address,
        endpoint=f"{address}:{port}",
        port=port,
        arn=f"arn:aws:rds:{region}:{ACCOUNT_ID}:db:{identifier}",
    )
    if state.get("manageMasterUserPassword"):
        state["masterUserSecrets"] = [
            {
                "secretArn": f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!db-{physical_id('x', logical)}",
                "kmsKeyId": state.get("masterUserSecretKmsKeyId", ""),
                "secretStatus": "active",
            }
        ]
    return identifier


def _replication_group(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    group_id = str(state.get("replicationGroupId") or name)
    host = f"{group_id}.c0mock.{region}.cache.amazonaws.com"
    state.update(
        replicationGroupId=group_id,
        primaryEndpointAddress=f"master.{host}",
        configurationEndpointAddress=f"clustercfg.{host}",
        port=int(state.get("port") or 6379),
        arn=f"arn:aws:elasticache:{region}:{ACCOUNT_ID}:replicationgroup:{group_id}",
    )
    return group_id


def _bucket(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    # AWS appends random characters to the prefix; they depend on the prefix, never on Pulumi's logical name,
    # so a bucket that moves under an alias keeps its name.
    prefix = str(state.get("bucketPrefix") or logical + "-")
    bucket = str(state.get("bucket") or f"{prefix}{physical_id('b', prefix)[-8:]}")
    state.update(
        bucket=bucket, arn=f"arn:aws:s3:::{bucket}", bucketRegionalDomainName=f"{bucket}.s3.{region}.amazonaws.com"
    )
    return bucket


def _secret(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    arn = f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{name}-{physical_id('s', logical)[-6:]}"
    state.update(name=name, arn=arn)
    return arn


def _random_password(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    state["result"] = "mock-" + physical_id("value", logical)  # the SDK marks it secret
    return physical_id("random", logical)


def _influx(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    instance_id = physical_id("influx", logical)
    # The provider auto-names an instance declared without a name, as it does other resources.
    state.update(
        name=name,
        endpoint=f"{instance_id}.{region}.timestream-influxdb.amazonaws.com",
        port=8086,
        arn=f"arn:aws:timestream-influxdb:{region}:{ACCOUNT_ID}:db-instance/{instance_id}",
    )
    return instance_id


def _repository(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    state.update(
        name=name,
        repositoryUrl=f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/{name}",
        arn=f"arn:aws:ecr:{region}:{ACCOUNT_ID}:repository/{name}",
    )
    return name


def _task_definition(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    arn = f"arn:aws:ecs:{region}:{ACCOUNT_ID}:task-definition/{state.get('family', logical)}:1"
    state.update(arn=arn, revision=1)
    return arn


def _function(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"
    invoke = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    state.update(name=name, arn=arn, invokeArn=invoke, qualifiedArn=f"{arn}:$LATEST")
    return name


def _http_api(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    api_id = physical_id("api", logical)[-10:]
    state.update(
        apiEndpoint=f"https://{api_id}.execute-api.{region}.amazonaws.com",
        executionArn=f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{api_id}",
        arn=f"arn:aws:apigateway:{region}::/apis/{api_id}",
    )
    return api_id


def _queue(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    url = f"https://sqs.{region}.amazonaws.com/{ACCOUNT_ID}/{name}"
    state.update(name=name, arn=f"arn:aws:sqs:{region}:{ACCOUNT_ID}:{name}", url=url)
    return url


def _load_balancer(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    arn = (
        f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:loadbalancer/app/{name}/{physical_id('lb', logical)[-16:]}"
    )
    state.update(
        name=name,
        arn=arn,
        arnSuffix=arn.split(":loadbalancer/", 1)[1],
        dnsName=f"{name}.{region}.elb.amazonaws.com",
        zoneId="Z35SXDOTRQ7X7K",
    )
    return arn


def _target_group(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    suffix = f"targetgroup/{name[:32]}/{physical_id('tg', logical)[-16:]}"
    arn = f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:{suffix}"
    state.update(name=name, arn=arn, arnSuffix=suffix)
    return arn


def _certificate(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    arn = f"arn:aws:acm:{region}:{ACCOUNT_ID}:certificate/{physical_id('cert', logical)}"
    token = physical_id("acm", str(state.get("domainName")))
    record = {
        "domainName": state.get("domainName"),
        "resourceRecordName": f"_{token}.{state.get('domainName')}.",
        "resourceRecordType": "CNAME",
        "resourceRecordValue": f"_{token}.acm-validations.aws.",
    }
    state.update(arn=arn, domainValidationOptions=[record])
    return arn


def _certificate_validation(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    return str(state.get("certificateArn"))


def _record(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    state["fqdn"] = str(state.get("name", "")).rstrip(".")
    return f"{state.get('zoneId')}_{state['fqdn']}_{state.get('type')}"


def _distribution(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    distribution_id = physical_id("cf", logical)[-14:].upper()
    state.update(
        domainName=f"d{distribution_id.lower()}.cloudfront.net",
        arn=f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{distribution_id}",
        hostedZoneId="Z2FDTNDATAQYW2",
    )
    return distribution_id


def _signing_profile(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    profile = str(state.get("namePrefix") or "") + hashlib.sha1(logical.encode(), usedforsecurity=False).hexdigest()[:8]
    arn = f"arn:aws:signer:{region}:{ACCOUNT_ID}:/signing-profiles/{profile}"
    state.update(name=profile, arn=arn, version="v1", versionArn=f"{arn}/v1")
    return profile


def _signing_job(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    """Signer writes the signed copy under the destination prefix, named after the job."""
    job = physical_id("signing-job", logical).removeprefix("signing-job-")
    s3 = (state.get("destination") or {}).get("s3") or {}
    signed = {"bucket": s3.get("bucket", ""), "key": f"{s3.get('prefix', '')}{job}.zip"}
    state.update(jobId=job, status="Succeeded", signedObjects=[{"s3s": [signed]}])
    return job


def _bucket_object(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    # A versioned bucket gives every object a version id, which a signing job names as its source.
    state.update(versionId=f"v1-{logical}", etag=f"etag-{logical}")
    return f"{state.get('bucket', 'bucket')}/{state.get('key', logical)}"


def _parameter(logical: str, name: str, region: str, state: dict[str, Any]) -> str:
    state.update(name=name, arn=f"arn:aws:ssm:{region}:{ACCOUNT_ID}:parameter/{name.lstrip('/')}")
    return name


COMPUTED = {
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:s3/bucketObjectv2:BucketObjectv2": _bucket_object,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:acm/certificate:Certificate": _certificate,
    "aws:acm/certificateValidation:CertificateValidation": _certificate_validation,
    "aws:route53/record:Record": _record,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:lambda/function:Function": _function,
    "aws:apigatewayv2/api:Api": _http_api,
    "aws:sqs/queue:Queue": _queue,
    "aws:ecr/repository:Repository": _repository,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:timestreaminfluxdb/dbInstance:DbInstance": _influx,
    "aws:kms/key:Key": _kms_key,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:secretsmanager/secret:Secret": _secret,
    "random:index/randomPassword:RandomPassword": _random_password,
    "aws:signer/signingProfile:SigningProfile": _signing_profile,
    "aws:signer/signingJob:SigningJob": _signing_job,
}


class PlanMocks(pulumi.runtime.Mocks):
    """Fills in what AWS and the remote-component providers would return."""

    def __init__(self) -> None:
        self.providers: dict[str, dict[str, Any]] = {}

    def _provider_state(self, reference: str | None) -> dict[str, Any]:
        if not reference:
            return {}
        return self.providers.get(reference.rsplit("::", 1)[-1], {})

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ.startswith("pulumi:providers:"):
            provider_id = physical_id("provider", args.name)
            self.providers[provider_id] = args.inputs
            return provider_id, dict(args.inputs)
        if not args.custom:
            derive = OUTPUTS.get(args.typ)
            return "", derive(args.name, args.inputs) if derive else {}
        provider = self._provider_state(args.provider)
        region = str(args.inputs.get("region") or provider.get("region") or "us-east-1")
        return self._custom(args, region, provider)

    def _custom(self, args: MockResourceArgs, region: str, provider: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        module, _, kind = args.typ.partition(":")[2].partition("/")
        kind = kind.split(":")[0]
        state = dict(args.inputs)
        suffix = hashlib.sha1(args.name.encode(), usedforsecurity=False).hexdigest()[:7]
        name = str(state.get("name") or f"{args.name}-{suffix}")
        computed = COMPUTED.get(args.typ)
        if computed is not None:
            resource_id = computed(args.name, name, region, state)
        elif module == "iam":
            resource_id = name
            state.update(name=name, arn=f"arn:aws:iam::{ACCOUNT_ID}:{_ARN_KINDS.get(args.typ, kind)}/{name}")
        else:
            resource_id = physical_id(kind.lower(), args.name)
            state.setdefault("name", name)
            state.setdefault("arn", f"arn:aws:{module}:{region}:{ACCOUNT_ID}:{kind}/{resource_id}")
        default_tags = _provider_object(provider.get("defaultTags")).get("tags") or {}
        own_tags = args.inputs.get("tags")
        # Most resources take a tag map; a few (Auto Scaling groups) take a list of tag blocks.
        state["tagsAll"] = {**default_tags, **(own_tags if isinstance(own_tags, dict) else {})}
        return resource_id, state

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/plan/offline"
            return {"accountId": ACCOUNT_ID, "arn": arn, "userId": "AROAPLAN:offline", "id": ACCOUNT_ID}, []
        if args.token == "aws:elb/getServiceAccount:getServiceAccount":
            # us-east-1's ELB log-delivery account, as AWS publishes it
            return {"arn": "arn:aws:iam::127311923021:root", "id": "127311923021"}, []
        if args.token == "aws:ssm/getParameter:getParameter":
            name = str(args.args.get("name", ""))
            value = "ami-0" + hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:16]
            return {
                "name": name,
                "value": value,
                "insecureValue": value,
                "type": "String",
                "version": 1,
                "arn": f"arn:aws:ssm:us-east-1::parameter{name}",
                "id": name,
                "withDecryption": False,
            }, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        return {}, []


def engine_values(value: Any) -> Any:
    """The engine's wire format as plain values: secrets as a marker, resource references as their URN,
    unknowns as a marker. Read directly, so that no resource is rehydrated on the monitor's thread."""
    if isinstance(value, dict):
        signature = value.get(rpc._special_sig_key)
        if signature == rpc._special_secret_sig:
            return SECRET_PLACEHOLDER
        if signature == rpc._special_resource_sig:
            return value.get("urn", "")
        if signature == rpc._special_output_value_sig:
            return SECRET_PLACEHOLDER if value.get("secret") else engine_values(value.get("value", rpc.UNKNOWN))
        return {k: engine_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [engine_values(v) for v in value]
    if value == rpc.UNKNOWN:
        return "[unknown]"
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire carries every number as a double
    return value


class CapturingMonitor(MockMonitor):
    """A mock monitor that records every RegisterResource request in the order the engine gets them."""

    def __init__(self, mocks: PlanMocks) -> None:
        super().__init__(mocks)
        self.planned: list[PlannedResource] = []
        self.warnings: list[str] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine gives: the parent's whole type chain, nothing for the stack itself (the SDK's mock
        monitor keeps only the parent's last type, which would hide what an alias or a move does)."""
        return make_urn(get_stack(), get_project(), parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()  # type: ignore[no-untyped-call]  # serializing the state needs a loop on this thread
        inputs = engine_values(MessageToDict(request.object))
        args = MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
            transforms=_resolve_callbacks(request.transforms),
        )
        new_id, state = self.mocks.new_resource(args)
        resource_id = new_id or ""
        serialized = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id, state)
        planned = _planned(request, urn, inputs)
        secret_outputs = set(request.additionalSecretOutputs)
        planned.outputs = {k: SECRET_PLACEHOLDER if k in secret_outputs else v for k, v in state.items()}
        planned.outputs["id"] = resource_id
        planned.transforms = list(args.transforms)
        self.planned.append(planned)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=serialized)


def _planned(request: Any, urn: str, inputs: dict[str, Any]) -> PlannedResource:
    options: dict[str, Any] = {
        "protect": request.protect if request.HasField("protect") else False,
        "provider": request.provider,
        "aliases": [MessageToDict(alias) for alias in request.aliases] + list(request.aliasURNs),
        "retainOnDelete": request.retainOnDelete if request.HasField("retainOnDelete") else False,
        "deleteBeforeReplace": request.deleteBeforeReplace,
    }
    if request.providers:
        options["providers"] = dict(request.providers)
    if request.ignoreChanges:
        options["ignoreChanges"] = list(request.ignoreChanges)
    return PlannedResource(
        urn=urn,
        type=request.type,
        name=request.name,
        parent=request.parent,
        custom=request.custom,
        remote=request.remote,
        inputs=inputs,
        dependencies=list(request.dependencies),
        options=options,
    )


class _Diagnostics(logging.Handler):
    """Collects what the program logs to the engine (warnings, errors), each message once."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in self.messages:
            self.messages.append(message)


def install_mocks(
    stack: str, config: dict[str, str] | None = None, secret_keys: Sequence[str] = ()
) -> CapturingMonitor:
    """Point the Pulumi runtime at fresh mocks for ``stack`` (with its config) and return the recording monitor."""
    monitor = CapturingMonitor(PlanMocks())
    engine_log = logging.getLogger(f"finplatform.engine.{id(monitor)}")
    engine_log.propagate = False
    engine_log.addHandler(_Diagnostics(monitor.warnings))
    settings.reset_options(project=PROJECT, stack=stack, preview=True)
    pulumi.runtime.set_all_config(dict(config or {}), list(secret_keys))
    pulumi.runtime.set_mocks(
        monitor.mocks, project=PROJECT, stack=stack, preview=True, monitor=monitor, logger=engine_log
    )
    return monitor


def run_declarations(declare: Callable[[], object]) -> None:
    """Run ``declare`` as a Pulumi program and wait until the engine has received everything."""

    def body() -> None:
        declare()

    _sync_await(run_pulumi_func(body))
