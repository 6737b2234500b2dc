"""EKS target (seed 001's blockchain-service) under each profile, with the policy packs over what it declares."""

from collections.abc import Callable, Mapping

import pulumi
import pulumi_aws as aws
import pytest

from components.compute.eks import KubernetesArgs, KubernetesCluster
from components.compute.workplace import Workplace
from components.providers import Placement
from finplatform.blueprints import Service
from finplatform.profiles import PROFILES
from finplatform.tooling.plan import Plan
from finplatform.tooling.remote_components import EXPANDERS
from tests.conftest import Analyzers, Engine

# seed 001: t3.medium nodes, 2 to 10
CHAIN = Service.model_validate(
    {
        "name": "blockchain-service",
        "target": "eks",
        "image": "blockchain-service:5.0",
        "port": 5001,
        "sizes": {
            env: {"instanceType": "t3.medium", "min": 2, "desired": 2, "max": 10} for env in ("dev", "staging", "prod")
        },
    }
)


def _declare(environment: str, provider: Callable[[], aws.Provider], public: bool = False) -> None:
    KubernetesCluster(
        "kubernetes",
        KubernetesArgs(
            workplace=Workplace(
                placement=Placement(provider(), "us-east-1", "111122223333"),
                private_subnet_ids=["subnet-a", "subnet-b"],
                logs_key_arn="arn:logs",
                environment=environment,  # type: ignore[arg-type]
                log_retention_days=PROFILES[environment].log_retention_days,  # type: ignore[index]
            ),
            services=[CHAIN],
            deletion_protection=PROFILES[environment].deletion_protection,  # type: ignore[index]
            cluster_name="finplatform-test-eks",
            vpc_id="vpc-1",
            data_key_arn="arn:aws:kms:us-east-1:111122223333:key/data",
            public_endpoint=public,
            admin_role_arn="arn:aws:iam::111122223333:role/platform-admins",
        ),
        opts=pulumi.ResourceOptions(),
    )


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_cluster_is_private_encrypted_logged_and_uses_access_entries(
    engine: Engine, provider: Callable[[], aws.Provider], environment: str
) -> None:
    # GIVEN seed 001's blockchain service on EKS WHEN its cluster is declared under this profile
    engine.declare(lambda: _declare(environment, provider))
    # THEN the control plane is private, encrypted with the data key, logs every log type and uses access entries
    cluster = engine.one("eks:index:Cluster")
    assert cluster.remote and cluster.inputs["endpointPublicAccess"] is False
    assert cluster.inputs["endpointPrivateAccess"] is True and cluster.inputs["authenticationMode"] == "API"
    assert cluster.inputs["encryptionConfigKeyArn"] == "arn:aws:kms:us-east-1:111122223333:key/data"
    assert cluster.inputs["enabledClusterLogTypes"] == [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ]
    assert cluster.inputs["createOidcProvider"] is True and cluster.inputs["skipDefaultNodeGroup"] is True
    assert "platform-admins" in cluster.inputs["accessEntries"]
    # AND the managed nodes are seed 001's t3.medium, 2 to 10, on an IMDSv2-only encrypted launch template
    nodes = engine.one("eks:index:ManagedNodeGroup")
    assert nodes.inputs["instanceTypes"] == ["t3.medium"]
    assert nodes.inputs["scalingConfig"] == {"desiredSize": 2, "minSize": 2, "maxSize": 10}
    template = engine.one("aws:ec2/launchTemplate:LaunchTemplate")
    assert template.inputs["metadataOptions"]["httpTokens"] == "required"
    assert template.inputs["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
    # AND the pod identity agent add-on and the cluster's log group are declared
    addons = sorted(a.inputs["addonName"] for a in engine.of_type("aws:eks/addon:Addon"))
    assert addons == ["amazon-cloudwatch-observability", "eks-pod-identity-agent"]
    (log_group,) = [g for g in engine.of_type("aws:cloudwatch/logGroup:LogGroup") if "control-plane" in g.name]
    assert log_group.inputs["name"] == "/aws/eks/finplatform-test-eks/cluster"


def test_a_public_endpoint_is_never_granted_in_prod(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN a prod cluster asked for a public endpoint WHEN it is declared
    engine.declare(lambda: _declare("prod", provider, public=True))
    # THEN the engine receives the cluster with public endpoint access off
    assert engine.one("eks:index:Cluster").inputs["endpointPublicAccess"] is False


def test_packs_accept_the_eks_target_in_prod(
    engine: Engine, provider: Callable[[], aws.Provider], analyzers: Callable[[str, Mapping[str, str]], Analyzers]
) -> None:
    # GIVEN the cluster as the engine sees it, with the parts pulumi-eks creates derived from its arguments
    engine.declare(lambda: _declare("prod", provider))
    planned = engine.monitor.planned
    derived = {r.urn: EXPANDERS[r.type](r.name, r.inputs) for r in planned if r.type in EXPANDERS}
    view = Plan("test", planned, derived, {}).engine_view()
    assert {"aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup"} <= {r.type for r in view}
    # WHEN each pack analyzes it THEN nothing mandatory fails
    for pack in ("encryption", "least_privilege", "data_protection", "cost_guardrails"):
        failing = [
            v
            for v in analyzers("prod", {}).violations(pack, view)
            if v.level == "mandatory" and v.policy not in ("tags-standard", "stack-monthly-budget")
        ]
        assert failing == [], failing
