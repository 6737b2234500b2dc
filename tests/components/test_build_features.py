"""The platform features the four new seeds need, each through ``build()`` on a synthetic stack: Cloud Map,
custom-metric scaling, WebSocket routes, a static frontend, EKS add-on roles, the GitHub deploy role and
Parameter Store secrets; and size tiers and blueprint network layouts through stack resolution."""

import base64
import json
from typing import Any

import pytest

from components.edge.routes import listener_rules
from finplatform.blueprints import Service
from finplatform.config import ConfigError
from finplatform.stack import resolve_stack
from tests.components.test_build import CERTIFICATE, SIZES_EC2, SIZES_EKS, SIZES_FARGATE, _build, _named, _stack
from tests.conftest import Engine

DOMAIN = {"finplatform:domainName": "example.com", "finplatform:hostedZoneId": "Z0123456789ABCDEFGHIJ"}


def _policy(resources: list[Any], name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_named(resources, "aws:iam/rolePolicy:RolePolicy")[name].inputs["policy"])
    return document


def test_fargate_services_register_in_cloud_map(engine: Engine) -> None:
    # GIVEN a blueprint that asks for service discovery, with one Fargate service
    blueprint = {"serviceDiscovery": True, "services": [{"name": "kyc", "image": "kyc:1", "sizes": SIZES_FARGATE}]}
    # WHEN it is built
    resources = _build(engine, _stack("dev", blueprint))
    # THEN a private namespace named after the blueprint lives in the VPC, and the service registers in it
    (namespace,) = _named(resources, "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").values()
    assert namespace.inputs["name"] == "synthetic.internal" and namespace.inputs["vpc"].startswith("vpc-")
    discovery = _named(resources, "aws:servicediscovery/service:Service")["services-kyc-discovery"]
    assert discovery.inputs["dnsConfig"]["namespaceId"] == namespace.outputs["id"]
    service = _named(resources, "aws:ecs/service:Service")["services-kyc-service"]
    assert service.inputs["serviceRegistries"]["registryArn"] == discovery.outputs["arn"]


def test_services_scale_on_their_own_metrics_and_targets(engine: Engine) -> None:
    # GIVEN a service that publishes an active-signals metric and holds CPU at 60%
    service = {
        "name": "backend",
        "image": "backend:1",
        "cpuTarget": 60,
        "customMetrics": [{"namespace": "Trading", "name": "ActiveSignals", "target": 50}],
        "sizes": SIZES_FARGATE,
    }
    resources = _build(engine, _stack("prod", {"services": [service]}))
    policies = _named(resources, "aws:appautoscaling/policy:Policy")
    # THEN target tracking holds CPU at 60, memory at the seed's 80, and the metric at 50 per task of the service
    config = {n: p.inputs["targetTrackingScalingPolicyConfiguration"] for n, p in policies.items()}
    assert (config["services-backend-cpu"]["targetValue"], config["services-backend-memory"]["targetValue"]) == (60, 80)
    custom = config["services-backend-metric-activesignals"]
    assert custom["targetValue"] == 50
    assert custom["customizedMetricSpecification"] == {
        "namespace": "Trading",
        "metricName": "ActiveSignals",
        "statistic": "Average",
        "dimensions": [{"name": "ServiceName", "value": "backend"}],
    }


def test_websocket_paths_are_routed_with_a_long_idle_timeout(engine: Engine) -> None:
    # GIVEN a service with an API path and a WebSocket path, behind HTTPS
    service = {
        "name": "backend",
        "image": "backend:1",
        "pathPatterns": ["/api/*"],
        "websocketPaths": ["/ws/*"],
        "sizes": SIZES_FARGATE,
    }
    resources = _build(engine, _stack("dev", {"services": [service]}, {"finplatform:certificateArn": CERTIFICATE}))
    rules = _named(resources, "aws:lb/listenerRule:ListenerRule")
    # THEN each path set has its rule, and idle connections stay open for an hour
    assert set(rules) == {"edge-backend-route", "edge-backend-websocket"}
    assert rules["edge-backend-websocket"].inputs["conditions"][0]["pathPattern"]["values"] == ["/ws/*"]
    assert _named(resources, "aws:lb/loadBalancer:LoadBalancer")["edge-alb"].inputs["idleTimeout"] == 3600


def test_more_than_five_paths_take_several_rules() -> None:
    # GIVEN a service with seven paths (an ALB rule takes at most five values)
    service = Service.model_validate(
        {"name": "api", "image": "api:1", "pathPatterns": [f"/p{i}/*" for i in range(7)], "sizes": SIZES_FARGATE}
    )
    # WHEN its listener rules are worked out
    rules = listener_rules([service])
    # THEN they split five and two, the first keeping the service's usual name and priority
    assert [(r.name, len(r.paths), r.priority) for r in rules] == [("api-route", 5, 10), ("api-route-2", 2, 11)]


def test_a_static_frontend_is_the_cdns_default_origin(engine: Engine) -> None:
    # GIVEN a blueprint with a single-page frontend in an assets bucket, a WebSocket service and a domain
    blueprint = {
        "frontend": {"bucket": "site"},
        "buckets": [{"name": "site", "purpose": "assets"}],
        "services": [{"name": "api", "image": "api:1", "websocketPaths": ["/stream/*"], "sizes": SIZES_FARGATE}],
    }
    resources = _build(engine, _stack("dev", blueprint, DOMAIN))
    (distribution,) = _named(resources, "aws:cloudfront/distribution:Distribution").values()
    inputs = distribution.inputs
    # THEN / serves the index from the bucket, unknown paths fall back to it, and WebSocket paths are never cached
    assert inputs["defaultRootObject"] == "index.html"
    assert inputs["defaultCacheBehavior"]["targetOriginId"] == "assets"
    assert {(e["errorCode"], e["responsePagePath"]) for e in inputs["customErrorResponses"]} == {
        (403, "/index.html"),
        (404, "/index.html"),
    }
    uncached = [b["pathPattern"] for b in inputs["orderedCacheBehaviors"] if b["targetOriginId"] == "alb"]
    assert "/stream/*" in uncached


def test_eks_add_ons_get_pod_identity_roles_scoped_to_the_cluster(engine: Engine) -> None:
    # GIVEN an EKS service with the Load Balancer Controller and the Cluster Autoscaler
    blueprint = {
        "kubernetes": {"loadBalancerController": True, "autoscaler": "cluster-autoscaler"},
        "services": [{"name": "chain", "target": "eks", "image": "c:1", "public": False, "sizes": SIZES_EKS}],
    }
    resources = _build(engine, _stack("prod", blueprint))
    associations = _named(resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
    # THEN each add-on's service account has its role, trusted only by EKS Pod Identity
    assert {a.inputs["serviceAccount"] for a in associations.values()} == {
        "aws-load-balancer-controller",
        "cluster-autoscaler",
    }
    roles = _named(resources, "aws:iam/role:Role")
    trust = json.loads(roles["kubernetes-autoscaler"].inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    # AND the autoscaler may resize only this cluster's groups, the controller change only its own load balancers
    resize = _policy(resources, "kubernetes-autoscaler-policy")["Statement"][1]
    assert resize["Condition"] == {
        "StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/finplatform-prod-eks": "owned"}
    }
    change = _policy(resources, "kubernetes-lb-controller-policy")["Statement"][2]
    assert change["Condition"]["StringEquals"] == {"aws:ResourceTag/elbv2.k8s.aws/cluster": "finplatform-prod-eks"}


def test_github_actions_deploys_one_service_from_one_branch(engine: Engine) -> None:
    # GIVEN a blueprint whose delivery is GitHub Actions for its api service
    blueprint = {
        "services": [{"name": "api", "image": "api:1", "sizes": SIZES_FARGATE}],
        "delivery": {"pipeline": "github-actions", "repository": "acme/pipeline", "deployService": "api"},
    }
    resources = _build(engine, _stack("dev", blueprint))
    (provider,) = _named(resources, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").values()
    assert provider.inputs["url"] == "https://token.actions.githubusercontent.com"
    # THEN only runs of main in that repository may assume the role
    trust = json.loads(_named(resources, "aws:iam/role:Role")["github-deploy-role"].inputs["assumeRolePolicy"])
    condition = trust["Statement"][0]["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:sub"] == "repo:acme/pipeline:ref:refs/heads/main"
    # AND it may push to the service's repository and update the service, nothing else by ARN
    statements = {s["Sid"]: s for s in _policy(resources, "github-deploy-policy")["Statement"]}
    repository = _named(resources, "aws:ecr/repository:Repository")["registry-api"].outputs["arn"]
    service = _named(resources, "aws:ecs/service:Service")["services-api-service"].outputs["arn"]
    assert statements["PushItsImage"]["Resource"] == repository
    assert statements["UpdateItsService"]["Resource"] == service
    assert len(statements["PassItsTaskRoles"]["Resource"]) == 2


def test_parameter_store_secrets_reach_fargate_and_ec2_workloads(engine: Engine) -> None:
    # GIVEN an operator API key and a generated JWT secret kept in Parameter Store, used by both compute targets
    access = ["secret:jwt", "secret:api-keys"]
    blueprint = {
        "secrets": [
            {"name": "jwt", "source": "generated", "store": "parameterstore"},
            {"name": "api-keys", "store": "parameterstore"},
        ],
        "services": [
            {"name": "web", "image": "web:1", "access": access, "sizes": SIZES_FARGATE},
            {"name": "api", "target": "ec2-autoscaling", "image": "api:1", "access": access, "sizes": SIZES_EC2},
        ],
    }
    resources = _build(engine, _stack("dev", blueprint))
    parameters = _named(resources, "aws:ssm/parameter:Parameter")
    # THEN both are SecureStrings under the stack's path; the operator's value is left alone after the first deploy
    assert parameters["secrets-jwt"].inputs["type"] == "SecureString"
    assert parameters["secrets-jwt"].inputs["value"] == "[secret]"
    assert parameters["secrets-api-keys"].options["ignoreChanges"] == ["value"]
    # AND the task's execution role and the instances' role may read exactly those parameters
    arns = sorted(p.outputs["arn"] for n, p in parameters.items() if n.startswith("secrets-"))
    for policy in ("services-web-execution-policy", "instances-api-policy"):
        reads = {s["Sid"]: s for s in _policy(resources, policy)["Statement"]}["ReadItsParameters"]
        assert reads["Resource"] == arns
    # AND the EC2 boot script reads them at boot rather than carrying their values
    template = _named(resources, "aws:ec2/launchTemplate:LaunchTemplate")["instances-api-template"]
    script = base64.b64decode(template.inputs["userData"]).decode()
    assert "aws ssm get-parameter" in script and "-e API_KEYS -e JWT" in script


def test_ec2_services_get_their_store_hosts_and_settings(engine: Engine) -> None:
    # GIVEN an EC2 service that reaches PostgreSQL and Redis, in a blueprint with a plain setting
    blueprint = {
        "settings": {"dev": {"RISK_MODEL": "v2"}, "staging": {"RISK_MODEL": "v2"}, "prod": {"RISK_MODEL": "v2"}},
        "postgres": {"sizes": {e: {"instanceClass": "db.t3.micro"} for e in ("dev", "staging", "prod")}},
        "redis": {"sizes": {e: {"nodeType": "cache.t3.micro"} for e in ("dev", "staging", "prod")}},
        "services": [
            {
                "name": "api",
                "target": "ec2-autoscaling",
                "image": "api:1",
                "access": ["postgres", "redis"],
                "sizes": SIZES_EC2,
            }
        ],
    }
    resources = _build(engine, _stack("dev", blueprint))
    # WHEN its boot script is read
    template = _named(resources, "aws:ec2/launchTemplate:LaunchTemplate")["instances-api-template"]
    script = base64.b64decode(template.inputs["userData"]).decode()
    # THEN the container gets the stores' host names and the setting, as Fargate tasks do
    database = _named(resources, "aws:rds/instance:Instance")["postgres-primary"].outputs["address"]
    assert f"-e DB_HOST={database}" in script and "-e RISK_MODEL=v2" in script and "-e REDIS_HOST=" in script


def test_a_size_tier_changes_the_sizes_it_names() -> None:
    # GIVEN accunode in prod, on its startup tier and on its growth tier
    startup = resolve_stack("accunode-prod", {"finplatform:blueprint": "accunode", "finplatform:environment": "prod"})
    growth = resolve_stack(
        "accunode-prod",
        {"finplatform:blueprint": "accunode", "finplatform:environment": "prod", "finplatform:sizeTier": "growth"},
    )
    # THEN growth runs seed 002's 3 API servers, 4 workers, db.t3.small and cache.t3.small
    sizes = {s.name: s.sizes.prod.desired for s in growth.blueprint.services}
    assert sizes == {"api-server": 3, "celery-worker": 4}
    assert growth.blueprint.postgres is not None and growth.blueprint.redis is not None
    assert growth.blueprint.postgres.sizes.prod.instance_class == "db.t3.small"
    assert growth.blueprint.redis.sizes.prod.node_type == "cache.t3.small"
    assert {s.name: s.sizes.prod.desired for s in startup.blueprint.services} == {"api-server": 2, "celery-worker": 2}


def test_an_unknown_size_tier_names_the_ones_there_are() -> None:
    # GIVEN a stack that asks for a tier its blueprint does not define WHEN it resolves
    # THEN one message names the key and the tiers there are
    raw = {"finplatform:blueprint": "accunode", "finplatform:environment": "prod", "finplatform:sizeTier": "huge"}
    with pytest.raises(ConfigError) as caught:
        resolve_stack("accunode-prod", raw)
    assert "finplatform:sizeTier: unknown size tier 'huge'; allowed: startup, growth, scale" in str(caught.value)


def test_the_blueprints_network_layout_applies_unless_the_stack_sets_its_own() -> None:
    # GIVEN dex-mobile, whose seed lays out two AZs with its own CIDRs
    raw = {"finplatform:blueprint": "dex-mobile", "finplatform:environment": "prod"}
    seed_layout = resolve_stack("dex-mobile-prod", raw)
    # THEN prod keeps two AZs and the seed's subnets
    assert seed_layout.network.subnets["isolated"] == ("10.0.100.0/24", "10.0.200.0/24")
    # AND a stack with its own VPC range gets subnets derived from that range, not the seed's
    own = resolve_stack("dex-mobile-prod", {**raw, "finplatform:vpcCidr": "10.20.0.0/16"})
    assert own.network.subnets["private"] == ("10.20.11.0/24", "10.20.12.0/24")
