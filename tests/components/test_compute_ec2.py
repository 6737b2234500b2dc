"""EC2 Auto Scaling target (seed 002's API servers and Celery workers, seed 001's monitoring host), under each
profile, with the policy packs run over what it declares."""

import json
from collections.abc import Callable, Mapping, Sequence

import pulumi
import pulumi_aws as aws
import pytest

from components.compute.access import Grants
from components.compute.ec2 import Ec2Args, Ec2Services
from components.compute.instances import SIBLING_FAMILY, instance_types
from components.compute.registry import Registry, RegistryArgs
from components.compute.workplace import Workplace
from components.providers import Placement
from finplatform.blueprints import Service
from finplatform.catalog import EC2_INSTANCE_TYPES
from finplatform.profiles import PROFILES
from finplatform.tooling.plan import Plan
from tests.conftest import Analyzers, Engine

SIZES = {"dev": (1, 2), "staging": (2, 3), "prod": (2, 4)}


def _service(name: str, public: bool, **extra: object) -> Service:
    return Service.model_validate(
        {
            "name": name,
            "target": "ec2-autoscaling",
            "image": f"{name}:1.0",
            "port": 8000,
            "public": public,
            "sizes": {
                env: {"instanceType": "t3.small", "min": low, "desired": low, "max": high}
                for env, (low, high) in SIZES.items()
            },
            **extra,
        }
    )


SERVICES = [_service("api", True), _service("worker", False), _service("monitoring", False, volumeGb=100, port=9090)]


def _declare(
    environment: str, provider: Callable[[], aws.Provider], services: Sequence[Service] = tuple(SERVICES)
) -> None:
    placement = Placement(provider(), "us-east-1", "111122223333")
    registry = Registry(
        "registry",
        RegistryArgs(kms_key_arn="arn:data", repositories=["api", "worker", "monitoring"], prefix="finplatform-test"),
    )
    Ec2Services(
        "instances",
        Ec2Args(
            workplace=Workplace(
                placement=placement,
                private_subnet_ids=["subnet-a", "subnet-b"],
                logs_key_arn="arn:logs",
                environment=environment,  # type: ignore[arg-type]
                log_retention_days=PROFILES[environment].log_retention_days,  # type: ignore[index]
                protect_logs=PROFILES[environment].protect_stateful_resources,  # type: ignore[index]
            ),
            services=services,
            protect_volumes=PROFILES[environment].protect_stateful_resources,  # type: ignore[index]
            detailed_monitoring=PROFILES[environment].detailed_monitoring,  # type: ignore[index]
            first_az="us-east-1a",
            app_security_group_id="sg-app",
            repositories=registry.by_image(),
            grants=Grants(data_key_arn="arn:aws:kms:us-east-1:111122223333:key/data", secrets_key_arn="arn:secrets"),
            target_groups={"api": "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/api/1"},
        ),
        opts=pulumi.ResourceOptions(),
    )


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_instances_are_hardened_in_every_profile(
    engine: Engine, provider: Callable[[], aws.Provider], environment: str
) -> None:
    # GIVEN seed 002's API servers and workers and seed 001's monitoring host
    # WHEN they are declared under this profile
    engine.declare(lambda: _declare(environment, provider))
    # THEN every launch template requires IMDSv2, encrypts its disk with the data key and has no SSH key
    templates = engine.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert templates
    for template in templates:
        assert template.inputs["metadataOptions"]["httpTokens"] == "required"
        ebs = template.inputs["blockDeviceMappings"][0]["ebs"]
        assert (ebs["encrypted"], ebs["kmsKeyId"]) == ("true", "arn:aws:kms:us-east-1:111122223333:key/data")
        assert "keyName" not in template.inputs and template.inputs["vpcSecurityGroupIds"] == ["sg-app"]
        assert template.inputs["imageId"].startswith("ami-")
    # AND the API group keeps to the profile's bounds behind the load balancer's health checks, in both subnets,
    # and the monitoring host stays in its volume's AZ
    groups = {g.name: g for g in engine.of_type("aws:autoscaling/group:Group")}
    low, high = SIZES[environment]
    assert (groups["instances-api-group"].inputs["minSize"], groups["instances-api-group"].inputs["maxSize"]) == (
        low,
        high,
    )
    assert groups["instances-api-group"].inputs["vpcZoneIdentifiers"] == ["subnet-a", "subnet-b"]
    assert groups["instances-api-group"].inputs["healthCheckType"] == "ELB"
    assert groups["instances-monitoring-group"].inputs["vpcZoneIdentifiers"] == ["subnet-a"], "the volume's AZ"
    # AND every managed policy attached to an instance role is AmazonSSMManagedInstanceCore
    roles = [r for r in engine.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")]
    assert roles
    assert all(r.inputs["policyArn"].endswith("AmazonSSMManagedInstanceCore") for r in roles)


def _architecture(instance_type: str) -> str:
    """Graviton families end in g (m6g, t4g); the rest are x86_64."""
    return "arm64" if instance_type.split(".", 1)[0].endswith("g") else "x86_64"


@pytest.mark.parametrize(
    ("blueprint", "launched"),
    [
        ("t3.small", ("t3.small", "t3a.small")),
        ("t3a.medium", ("t3a.medium", "t3.medium")),
        ("m5.large", ("m5.large", "m6i.large")),
        ("m6i.xlarge", ("m6i.xlarge", "m7i.xlarge")),
        ("c5.2xlarge", ("c5.2xlarge", "c6i.2xlarge")),
        ("r5.large", ("r5.large", "r6i.large")),
        ("m6g.large", ("m6g.large", "m7g.large")),
        ("t4g.small", ("t4g.small",)),
    ],
)
def test_a_group_launches_the_blueprints_type_first_then_a_sibling(blueprint: str, launched: tuple[str, ...]) -> None:
    # GIVEN a blueprint's instance type WHEN the types its Auto Scaling group launches are worked out
    # THEN they are that type first, then the same size of a sibling family; Graviton's only burstable family,
    # t4g, has none
    assert instance_types(blueprint) == launched


def test_every_catalogued_type_falls_back_to_a_catalogued_type_of_the_same_size_and_architecture() -> None:
    # GIVEN every EC2 size the catalogue knows (and so the cost pack and the pricer)
    for instance_type in sorted(EC2_INSTANCE_TYPES):
        # WHEN the types its group launches are worked out
        launched = instance_types(instance_type)
        # THEN the blueprint's comes first, and every family but t4g has a sibling: catalogued, the same size,
        # another family, the same CPU architecture (an x86_64 AMI does not boot on Graviton)
        assert launched[0] == instance_type
        if instance_type.startswith("t4g."):
            assert launched == (instance_type,)
            continue
        (sibling,) = launched[1:]
        assert sibling in EC2_INSTANCE_TYPES
        (family, size), (sibling_family, sibling_size) = instance_type.split("."), sibling.split(".")
        assert sibling_size == size and sibling_family != family
        assert _architecture(sibling) == _architecture(instance_type)
    assert all(_architecture(family) == _architecture(sibling) for family, sibling in SIBLING_FAMILY.items())


def test_every_group_launches_two_instance_types_on_demand_from_its_template(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN the API servers, workers and monitoring host, none interruptible, WHEN they are declared for prod
    engine.declare(lambda: _declare("prod", provider))
    templates = {t.name: t for t in engine.of_type("aws:ec2/launchTemplate:LaunchTemplate")}
    groups = engine.of_type("aws:autoscaling/group:Group")
    assert len(groups) == 3
    for group in groups:
        # THEN each launches through a mixed-instances policy from its own launch template (none directly), the
        # blueprint's t3.small first and t3a.small when EC2 has no capacity of it (AutoScaling.6)
        template = templates[group.name.removesuffix("-group") + "-template"]
        policy = group.inputs["mixedInstancesPolicy"]
        assert "launchTemplate" not in group.inputs
        assert policy["launchTemplate"]["launchTemplateSpecification"] == {
            "launchTemplateId": template.outputs["id"],
            "version": "$Latest",
        }
        assert policy["launchTemplate"]["overrides"] == [{"instanceType": "t3.small"}, {"instanceType": "t3a.small"}]
        # AND all on demand, in that order
        distribution = policy["instancesDistribution"]
        assert (
            distribution["onDemandAllocationStrategy"],
            distribution["onDemandBaseCapacity"],
            distribution["onDemandPercentageAboveBaseCapacity"],
        ) == ("prioritized", 0, 100)
        # AND the template names no instance type of its own: the group's overrides are the one place
        assert "instanceType" not in template.inputs


def test_an_interruptible_service_runs_most_of_its_group_on_spot(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN a worker marked interruptible WHEN it is declared for prod
    engine.declare(lambda: _declare("prod", provider, [_service("worker", False, interruptible=True)]))
    # THEN its group keeps one on-demand instance and runs three quarters of the rest on Spot, from the pool with
    # the most spare capacity at the lowest price, of the same two instance types
    policy = engine.one("aws:autoscaling/group:Group").inputs["mixedInstancesPolicy"]
    distribution = policy["instancesDistribution"]
    assert (
        distribution["onDemandBaseCapacity"],
        distribution["onDemandPercentageAboveBaseCapacity"],
        distribution["spotAllocationStrategy"],
    ) == (1, 25, "price-capacity-optimized")
    assert policy["launchTemplate"]["overrides"] == [{"instanceType": "t3.small"}, {"instanceType": "t3a.small"}]


def _alarms(engine: Engine, service: str) -> Mapping[str, dict[str, object]]:
    return {
        a.name.removeprefix(f"instances-{service}-"): a.inputs
        for a in engine.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.name.startswith(f"instances-{service}-")
    }


def test_api_servers_scale_on_cpu_as_seed_002_says(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN the API servers, workers and monitoring host WHEN they are declared for prod
    engine.declare(lambda: _declare("prod", provider))
    # THEN the API servers scale out on CPU above 70% for 2 minutes and in below 50% for 5 periods
    alarms = _alarms(engine, "api")
    up, down = alarms["scale-out-alarm"], alarms["scale-in-alarm"]
    assert (up["metricName"], up["threshold"], up["evaluationPeriods"], up["period"]) == ("CPUUtilization", 70, 2, 60)
    assert (down["threshold"], down["evaluationPeriods"], down["comparisonOperator"]) == (50, 5, "LessThanThreshold")


def test_workers_scale_on_their_queue_backlog(engine: Engine, provider: Callable[[], aws.Provider]) -> None:
    # GIVEN the API servers, workers and monitoring host WHEN they are declared for prod
    engine.declare(lambda: _declare("prod", provider))
    # THEN the workers scale on their queue backlog: out above 50 for 3 periods, in below 10 for 10
    alarms = _alarms(engine, "worker")
    up, down = alarms["scale-out-alarm"], alarms["scale-in-alarm"]
    assert (up["namespace"], up["metricName"]) == ("finplatform/Workers", "QueueBacklog")
    assert (up["threshold"], up["evaluationPeriods"]) == (50, 3)
    assert (down["threshold"], down["evaluationPeriods"]) == (10, 10)


def test_monitoring_host_keeps_its_data_on_an_encrypted_volume_only_it_attaches(
    engine: Engine, provider: Callable[[], aws.Provider]
) -> None:
    # GIVEN the monitoring host with a 100 GB data volume WHEN it is declared for prod
    engine.declare(lambda: _declare("prod", provider))
    # THEN the volume is encrypted, in the first AZ and protected
    volume = engine.one("aws:ebs/volume:Volume")
    assert (volume.inputs["encrypted"], volume.inputs["size"], volume.inputs["availabilityZone"]) == (
        True,
        100,
        "us-east-1a",
    )
    assert volume.protect
    # AND only the monitoring host's role may attach it
    (policy,) = [p for p in engine.of_type("aws:iam/rolePolicy:RolePolicy") if p.name.endswith("volume-policy")]
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Action"] == "ec2:AttachVolume" and volume.outputs["arn"] in statement["Resource"]


def test_packs_accept_the_ec2_target_in_prod(
    engine: Engine, provider: Callable[[], aws.Provider], analyzers: Callable[[str, Mapping[str, str]], Analyzers]
) -> None:
    # GIVEN what the EC2 target declares in prod, as the engine would show it to the packs
    engine.declare(lambda: _declare("prod", provider))
    view = Plan("test", engine.monitor.planned, {}, {}).engine_view()
    assert view
    # WHEN each pack analyzes it THEN no mandatory policy fails but the two that want every group in two AZs, on
    # the monitoring host alone: its EBS volume lives in one AZ and only an instance there can attach it (a stack
    # accepts that with a waiver)
    failing = set()
    for pack in ("encryption", "least_privilege", "data_protection", "cost_guardrails"):
        failing |= {
            (v.policy, v.urn.rsplit("::", 1)[-1])
            for v in analyzers("prod", {}).violations(pack, view)
            if v.level == "mandatory" and v.policy not in ("tags-standard", "stack-monthly-budget")
        }
    assert failing == {
        ("autoscaling-multi-az", "instances-monitoring-group"),
        ("autoscaling-multiple-instance-types", "instances-monitoring-group"),
    }
