"""What prod violated and no longer does (issue 13), as the engine receives it: the anchoring API's route is
authorized, containers have read-only roots and run as non-root users, public subnets give no address at launch,
the load balancer reaches its targets over HTTPS, the application tier's egress is narrowed, and the anchoring
function deploys only signed packages in prod."""

import base64
import ipaddress
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from components.compute.access import Grants
from components.compute.code_signing import code_signing_policy
from components.compute.functions import Functions, FunctionsArgs
from components.compute.http_api import route_access
from components.compute.workplace import Workplace
from components.network.acls import allows
from components.network.vpc import no_public_ip_on_launch
from components.providers import Placement
from finplatform.blueprints import Function
from finplatform.tooling.mocks import PlannedResource
from finplatform.tooling.plan import Plan, run_program
from finplatform.tooling.remote_components import DerivedResource, transformed
from finplatform.tooling.stack_files import read_stack_file
from tests.components.test_network_acls import Tiers
from tests.conftest import Engine

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
ROUTE = "aws:apigatewayv2/route:Route"
AUTHORIZER = "aws:apigatewayv2/authorizer:Authorizer"
_WITH_ISSUER: dict[str, Plan] = {}


@pytest.fixture
def prod_with_issuer() -> Plan:
    """The prod stack with its identity provider configured, as an operator would run it."""
    if "prod" not in _WITH_ISSUER:
        raw, _ = read_stack_file("prod")
        config = {**raw, "finplatform:apiJwtIssuer": ISSUER, "finplatform:apiJwtAudience": '["anchoring-client"]'}
        _WITH_ISSUER["prod"] = run_program("prod", raw_config=config)
    return _WITH_ISSUER["prod"]


def _one(plan: Plan, type_: str, name: str) -> PlannedResource:
    (found,) = [r for r in plan.named(type_) if r.name == name]
    return found


def _containers(plan: Plan, service: str) -> list[dict[str, Any]]:
    task = _one(plan, "aws:ecs/taskDefinition:TaskDefinition", f"services-{service}-task")
    containers: list[dict[str, Any]] = json.loads(task.inputs["containerDefinitions"])
    return containers


def _function(**fields: Any) -> Function:
    return Function.model_validate(
        {"name": "probe", "triggers": ["http"], "reservedConcurrency": {"dev": 1, "staging": 1, "prod": 1}, **fields}
    )


# APIGateway.8: every route says how it is authorized.


def test_the_anchoring_route_takes_only_tokens_from_the_stacks_identity_provider(prod_with_issuer: Plan) -> None:
    # GIVEN prod with finplatform:apiJwtIssuer and apiJwtAudience WHEN its HTTP API reaches the engine
    plan = prod_with_issuer
    authorizer = _one(plan, AUTHORIZER, "functions-blockchain-anchoring-authorizer")
    route = _one(plan, ROUTE, "functions-blockchain-anchoring-route")
    # THEN a JWT authorizer reads the Authorization header and trusts that issuer for that audience
    assert authorizer.inputs["authorizerType"] == "JWT"
    assert authorizer.inputs["identitySources"] == ["$request.header.Authorization"]
    assert authorizer.inputs["jwtConfiguration"] == {"issuer": ISSUER, "audiences": ["anchoring-client"]}
    # AND the route goes through it
    assert route.inputs["authorizationType"] == "JWT"
    assert route.inputs["authorizerId"] == authorizer.outputs["id"]
    assert route.inputs["apiId"] == authorizer.inputs["apiId"]


def test_without_an_identity_provider_the_route_takes_only_iam_signed_requests(planned: Callable[[str], Plan]) -> None:
    # GIVEN the committed stacks, which name no identity provider
    for stack in ("dev", "prod"):
        plan = planned(stack)
        # THEN the route is declared (same URN as before) but only IAM-signed requests reach the function
        route = _one(plan, ROUTE, "functions-blockchain-anchoring-route")
        assert route.inputs["authorizationType"] == "AWS_IAM" and "authorizerId" not in route.inputs
        assert plan.named(AUTHORIZER) == []
        # AND the plan says which keys open it to the identity provider's tokens
        assert any("finplatform:apiJwtIssuer and apiJwtAudience are not set" in w for w in plan.warnings)


def test_the_route_is_open_only_where_the_blueprint_marks_the_api_public() -> None:
    # GIVEN a function whose API is public with a reason, and one whose API asks for a scope
    public = _function(httpApi={"public": True, "publicReason": "an uptime probe for the status page"})
    scoped = _function(httpApi={"scopes": ["anchor:write"]})
    # WHEN their routes' access is decided, with an identity provider configured
    # THEN only the public one is unauthenticated, and the scoped one carries its scope
    assert route_access(public, ISSUER, ["client"]).authorization == "NONE"
    access = route_access(scoped, ISSUER, ["client"])
    assert (access.authorization, access.scopes) == ("JWT", ("anchor:write",))
    # AND without one the scoped API falls back to IAM, never to no authorization
    assert route_access(scoped, "", []).authorization == "AWS_IAM"


def test_a_public_api_reaches_the_engine_without_an_authorizer(engine: Engine, provider: Callable[[], object]) -> None:
    # GIVEN a function whose API the blueprint marks public, in a stack with an identity provider
    function = _function(vpcAccess=False, httpApi={"public": True, "publicReason": "an uptime probe"})

    def declare() -> None:
        Functions(
            "functions",
            FunctionsArgs(
                workplace=Workplace(
                    placement=Placement(provider(), "us-east-1", "111122223333"),  # type: ignore[arg-type]
                    private_subnet_ids=[],
                    logs_key_arn="arn:logs",
                    environment="dev",
                ),
                functions=[function],
                prefix="finplatform-test",
                app_security_group_id="sg-app",
                grants=Grants(data_key_arn="arn:data"),
                jwt_issuer=ISSUER,
                jwt_audience=["client"],
                code_signing="Warn",
            ),
            opts=pulumi.ResourceOptions(),
        )

    # WHEN it is declared
    engine.declare(declare)
    # THEN its route has no authorization and no authorizer is declared
    assert engine.one(ROUTE).inputs["authorizationType"] == "NONE"
    assert engine.of_type(AUTHORIZER) == []


# Lambda code signing.


def test_prod_functions_deploy_only_packages_the_stacks_profile_signed(planned: Callable[[str], Plan]) -> None:
    # GIVEN prod WHEN the anchoring function and its signing resources reach the engine
    plan = planned("prod")
    profile = _one(plan, "aws:signer/signingProfile:SigningProfile", "functions-signing")
    config = _one(plan, "aws:lambda/codeSigningConfig:CodeSigningConfig", "functions-code-signing")
    function = _one(plan, "aws:lambda/function:Function", "functions-blockchain-anchoring")
    # THEN a Lambda signing profile (name letters, digits and underscores) is the one allowed publisher, enforced
    assert profile.inputs["platformId"] == "AWSLambda-SHA384-ECDSA"
    assert profile.inputs["namePrefix"] == "finplatform_prod_"
    assert config.inputs["allowedPublishers"]["signingProfileVersionArns"] == [profile.outputs["versionArn"]]
    assert config.inputs["policies"]["untrustedArtifactOnDeployment"] == "Enforce"
    assert function.inputs["codeSigningConfigArn"] == config.outputs["arn"]
    # AND the placeholder package is uploaded to the artifacts bucket, signed there by a Signer job with that
    # profile, and the function deploys the signed copy, not an unsigned inline archive
    package = _one(plan, "aws:s3/bucketObjectv2:BucketObjectv2", "functions-blockchain-anchoring-package")
    job = _one(plan, "aws:signer/signingJob:SigningJob", "functions-blockchain-anchoring-signing-job")
    assert package.inputs["bucket"].startswith("storage-build-artifacts-")
    assert job.inputs["profileName"] == profile.outputs["name"]
    source = job.inputs["source"]["s3"]
    # (the version of the object S3 stored: the artifacts bucket is versioned)
    assert (source["bucket"], source["key"], source["version"]) == (
        package.inputs["bucket"],
        package.inputs["key"],
        package.outputs["versionId"],
    )
    assert job.inputs["destination"]["s3"]["prefix"] == "functions/blockchain-anchoring/signed/"
    (signed,) = job.outputs["signedObjects"][0]["s3s"]
    assert (function.inputs["s3Bucket"], function.inputs["s3Key"]) == (signed["bucket"], signed["key"])
    assert "code" not in function.inputs


def test_outside_prod_unsigned_packages_deploy_with_a_warning(planned: Callable[[str], Plan]) -> None:
    # GIVEN dev WHEN its code-signing config and function reach the engine
    plan = planned("dev")
    config = _one(plan, "aws:lambda/codeSigningConfig:CodeSigningConfig", "functions-code-signing")
    function = _one(plan, "aws:lambda/function:Function", "functions-blockchain-anchoring")
    # THEN Lambda only warns on an unsigned package, and the placeholder ships inline with no signing job
    assert config.inputs["policies"]["untrustedArtifactOnDeployment"] == "Warn"
    assert function.inputs["codeSigningConfigArn"] == config.outputs["arn"]
    assert "code" in function.inputs and plan.named("aws:signer/signingJob:SigningJob") == []
    # AND the decision is the environment's
    assert [code_signing_policy(e) for e in ("dev", "staging", "prod")] == ["Warn", "Warn", "Enforce"]


# ECS.5: read-only root filesystems, writable volumes, non-root users.


def test_containers_have_read_only_roots_write_only_to_their_volumes_and_run_as_non_root(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN prod WHEN the analytics engine's task definition reaches the engine
    plan = planned("prod")
    task = _one(plan, "aws:ecs/taskDefinition:TaskDefinition", "services-analytics-engine-task")
    app, xray = _containers(plan, "analytics-engine")
    # THEN the task has one ephemeral volume (no host path: a Fargate bind mount) for /tmp
    assert task.inputs["volumes"] == [{"name": "writable-tmp"}]
    # AND every container's root filesystem is read-only, the app writing only to /tmp, as UID/GID 1000
    assert app["readonlyRootFilesystem"] is True and xray["readonlyRootFilesystem"] is True
    assert app["mountPoints"] == [{"sourceVolume": "writable-tmp", "containerPath": "/tmp", "readOnly": False}]
    assert app["user"] == "1000:1000"


# Traffic to targets: HTTPS in prod, per service.


@pytest.mark.parametrize(("stack", "protocol", "scheme"), [("prod", "HTTPS", "https"), ("dev", "HTTP", "http")])
def test_the_load_balancer_reaches_prod_services_over_https(
    planned: Callable[[str], Plan], stack: str, protocol: str, scheme: str
) -> None:
    # GIVEN the stack WHEN its target groups and containers reach the engine
    plan = planned(stack)
    for service in ("web-ui", "analytics-engine"):
        group = _one(plan, "aws:lb/targetGroup:TargetGroup", f"edge-{service}")
        app = _containers(plan, service)[0]
        # THEN traffic and health checks use the environment's protocol
        assert (group.inputs["protocol"], group.inputs["healthCheck"]["protocol"]) == (protocol, protocol)
        # AND the container is told which to serve, and probes itself over it (self-signed in HTTPS: -k)
        environment = {e["name"]: e["value"] for e in app["environment"]}
        assert environment["TARGET_PROTOCOL"] == protocol
        assert f"{scheme}://localhost:{app['portMappings'][0]['containerPort']}" in app["healthCheck"]["command"][1]
        assert ("curl -fsk " in app["healthCheck"]["command"][1]) == (protocol == "HTTPS")


def test_ec2_services_serve_the_protocol_their_target_group_uses(planned: Callable[[str], Plan]) -> None:
    # GIVEN accunode prod, whose API servers run on EC2 behind the load balancer
    plan = planned("accunode-prod")
    group = _one(plan, "aws:lb/targetGroup:TargetGroup", "edge-api-server")
    template = _one(plan, "aws:ec2/launchTemplate:LaunchTemplate", "instances-api-server-template")
    # THEN its target group uses HTTPS and the container it boots is told to serve it
    assert group.inputs["protocol"] == "HTTPS"
    assert "-e TARGET_PROTOCOL=HTTPS" in base64.b64decode(template.inputs["userData"]).decode()


# EC2.15: public subnets give no public address at launch.


def test_no_subnet_maps_a_public_ip_on_launch(planned: Callable[[str], Plan]) -> None:
    # GIVEN prod, with its primary and DR networks WHEN the subnets awsx creates are derived, transforms applied
    plan = planned("prod")
    subnets = [d for children in plan.derived.values() for d in children if d.type == "aws:ec2/subnet:Subnet"]
    public = [d for d in subnets if d.inputs["tags"]["SubnetType"] == "Public"]
    # THEN no subnet, public ones included, maps a public IP on launch
    assert len(public) == 5 and all(d.inputs["mapPublicIpOnLaunch"] is False for d in subnets)
    # AND that is the Vpc's transform at work, as the engine would apply it to awsx's children
    (vpc,) = [r for r in plan.named("awsx:ec2:Vpc") if r.name == "network-vpc"]
    assert vpc.transforms == [no_public_ip_on_launch]


def test_the_transform_changes_only_the_public_ip_setting_of_subnets() -> None:
    # GIVEN a public subnet, a private one and a route table as awsx would register them
    children = [
        DerivedResource("aws:ec2/subnet:Subnet", "public-1", {"cidrBlock": "10.0.1.0/24", "mapPublicIpOnLaunch": True}),
        DerivedResource(
            "aws:ec2/subnet:Subnet", "private-1", {"cidrBlock": "10.0.11.0/24", "mapPublicIpOnLaunch": False}
        ),
        DerivedResource("aws:ec2/routeTable:RouteTable", "public-1", {"mapPublicIpOnLaunch": True}),
    ]
    # WHEN the transform runs on each
    result = transformed(children, [no_public_ip_on_launch])
    # THEN the public subnet keeps its CIDR and maps no public IP; nothing else changes
    assert result[0].inputs == {"cidrBlock": "10.0.1.0/24", "mapPublicIpOnLaunch": False}
    assert result[1:] == children[1:]


# Egress: the application tier reaches HTTPS and the data stores' ports only.


@pytest.mark.parametrize("stack", ["prod", "smart-0dte-prod", "dev"])
def test_the_application_tier_reaches_only_https_and_the_stores(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack's application-tier group as the engine receives it
    plan = planned(stack)
    (group,) = [r for r in plan.named("aws:ec2/securityGroup:SecurityGroup") if r.name == "network-app"]
    tiers = Tiers(plan)
    isolated = sorted(c for spec in _vpc_specs(plan) if spec["type"] == "Isolated" for c in spec["cidrBlocks"])
    store_ports = sorted(
        {
            rule["fromPort"]
            for r in plan.named("aws:ec2/securityGroup:SecurityGroup")
            if r.name.startswith(("postgres-", "redis-", "time-series-")) and not r.name.startswith("dr-")
            for rule in r.inputs.get("ingress") or []
        }
    )
    egress = group.inputs["egress"]
    # THEN it may open TCP 443 anywhere, and each store's port to the isolated tier only: nothing else
    assert [(e["protocol"], e["fromPort"], e["toPort"], e["cidrBlocks"]) for e in egress] == [
        ("tcp", 443, 443, ["0.0.0.0/0"]),
        *[("tcp", port, port, isolated) for port in store_ports],
    ]
    assert store_ports, "the stack has data stores"
    # AND each of those connections, and its answer, passes the network ACLs from every private subnet
    for host in tiers.hosts["private"]:
        for cidr in isolated:
            target = str(next(ipaddress.IPv4Network(cidr).hosts()))
            assert all(tiers.passes(host, "private", target, "isolated", port) for port in store_ports)


def _vpc_specs(plan: Plan) -> list[dict[str, Any]]:
    (vpc,) = [r for r in plan.named("awsx:ec2:Vpc") if r.name == "network-vpc"]
    specs: list[dict[str, Any]] = vpc.inputs["subnetSpecs"]
    return specs


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_no_acl_admits_ssh_or_rdp_from_the_internet(planned: Callable[[str], Plan], stack: str) -> None:
    # GIVEN the stack's network ACLs as the engine receives them
    tiers = Tiers(planned(stack))
    # THEN no tier admits port 22 or 3389 from an internet address (EC2.21), even as an answer
    for tier in ("public", "private", "isolated"):
        for port in (22, 3389):
            assert not allows(tiers.rules[tier], "ingress", "203.0.113.10", port), (tier, port)
    # AND answers on the ports either side still come back
    assert allows(tiers.rules["private"], "ingress", "203.0.113.10", 3388)
    assert allows(tiers.rules["private"], "ingress", "203.0.113.10", 3390)
