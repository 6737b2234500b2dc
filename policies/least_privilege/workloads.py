"""Least-privilege and hardening rules for the compute services: ECS, EKS, EC2 Auto Scaling, Lambda, ECR and
API Gateway routes (FSBP controls of those services)."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from policies.common import types as t
from policies.common.framework import Context, Rule, Subject, as_list, decoded

ECS_SERVICE = "aws:ecs/service:Service"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
ECR_LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
API_V2_ROUTE = "aws:apigatewayv2/route:Route"
# Lambda runtimes AWS has not deprecated (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html),
# the list Lambda.2 checks against; functions packaged as images have no runtime.
SUPPORTED_LAMBDA_RUNTIMES = frozenset(
    {
        "nodejs20.x",
        "nodejs22.x",
        "python3.10",
        "python3.11",
        "python3.12",
        "python3.13",
        "java8.al2",
        "java11",
        "java17",
        "java21",
        "dotnet8",
        "ruby3.3",
        "ruby3.4",
        "provided.al2",
        "provided.al2023",
    }
)
# The oldest Kubernetes minor version EKS still supports (standard or extended support).
OLDEST_EKS_VERSION = (1, 30)
ROOT_USERS = ("", "root", "0", "0:0")


def _containers(subject: Subject) -> list[Mapping[str, Any]]:
    return [c for c in as_list(decoded(subject.get("containerDefinitions"))) if isinstance(c, Mapping)]


def _name(container: Mapping[str, Any]) -> str:
    return str(container.get("name", "?"))


def _host_network_user(subject: Subject, context: Context) -> Iterable[str]:
    if str(subject.get("networkMode", "")) != "host":
        return
    for container in _containers(subject):
        if not container.get("privileged") and str(container.get("user") or "") in ROOT_USERS:
            yield (
                f"container {_name(container)} runs as root in host network mode; set a non-root user, or use "
                "networkMode awsvpc"
            )


def _no_host_pid(subject: Subject, context: Context) -> Iterable[str]:
    if str(subject.get("pidMode", "")) == "host":
        yield "pidMode host shares the host's process namespace; leave pidMode unset or task"


def _read_only_root(subject: Subject, context: Context) -> Iterable[str]:
    for container in _containers(subject):
        if container.get("readonlyRootFilesystem") is not True:
            yield (
                f"container {_name(container)}: set readonlyRootFilesystem: true and mount a volume where it must write"
            )


def _container_logging(subject: Subject, context: Context) -> Iterable[str]:
    for container in _containers(subject):
        if not (container.get("logConfiguration") or {}).get("logDriver"):
            yield f"container {_name(container)}: set logConfiguration (the awslogs driver to its log group)"


def _fargate(subject: Subject) -> bool:
    providers = {str(s.get("capacityProvider", "")) for s in as_list(subject.get("capacityProviderStrategies"))}
    return str(subject.get("launchType", "")) == "FARGATE" or bool(providers & {"FARGATE", "FARGATE_SPOT"})


def _service_no_public_ip(subject: Subject, context: Context) -> Iterable[str]:
    network = subject.get("networkConfiguration") or {}
    if str(network.get("assignPublicIp", False)).lower() == "true":
        yield "set networkConfiguration.assignPublicIp: false; tasks run in private subnets"


def _fargate_latest(subject: Subject, context: Context) -> Iterable[str]:
    version = str(subject.get("platformVersion") or "LATEST")
    if _fargate(subject) and version != "LATEST":
        yield f"platformVersion {version} is pinned; leave it unset (LATEST) so tasks get the platform's patches"


def _container_insights(subject: Subject, context: Context) -> Iterable[str]:
    settings = {str(s.get("name")): str(s.get("value")) for s in as_list(subject.get("settings"))}
    if settings.get("containerInsights") not in ("enabled", "enhanced"):
        yield "add the setting containerInsights: enabled (or enhanced)"


def _version(value: Any) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in str(value).split(".")[:2])
    except ValueError:
        return None


def _made_by_component(subject: Subject) -> bool:
    """The aws.eks.Cluster a pulumi-eks component creates: the component's own inputs are what is judged."""
    return f"{t.EKS_COMPONENT}::" in subject.parent


def _eks_version(subject: Subject, context: Context) -> Iterable[str]:
    if _made_by_component(subject):
        return
    version = _version(subject.get("version"))
    oldest = ".".join(str(p) for p in OLDEST_EKS_VERSION)
    if version is None:
        yield f"pin version to a supported Kubernetes version ({oldest} or later) so upgrades are deliberate"
    elif version < OLDEST_EKS_VERSION:
        yield f"Kubernetes {subject.get('version')} is out of EKS support; upgrade to {oldest} or later"


def _eks_audit_logs(subject: Subject, context: Context) -> Iterable[str]:
    if not _made_by_component(subject) and "audit" not in [
        str(k) for k in as_list(subject.get("enabledClusterLogTypes"))
    ]:
        yield "add audit to enabledClusterLogTypes"


def _group_load_balanced(subject: Subject) -> bool:
    return bool(as_list(subject.get("targetGroupArns")) or as_list(subject.get("loadBalancers")))


def _asg_elb_health(subject: Subject, context: Context) -> Iterable[str]:
    if _group_load_balanced(subject) and str(subject.get("healthCheckType", "EC2")).upper() != "ELB":
        yield "the group is behind a load balancer: set healthCheckType: ELB"


def _zones(subject: Subject) -> int:
    return max(len(as_list(subject.get("vpcZoneIdentifiers"))), len(as_list(subject.get("availabilityZones"))))


def _asg_multi_az(subject: Subject, context: Context) -> Iterable[str]:
    if _zones(subject) < 2:
        yield "span at least two Availability Zones (vpcZoneIdentifiers in two AZs' subnets)"


def _asg_instance_types(subject: Subject, context: Context) -> Iterable[str]:
    policy = subject.get("mixedInstancesPolicy") or {}
    overrides = as_list((policy.get("launchTemplate") or {}).get("overrides"))
    types = {str(o.get("instanceType")) for o in overrides if o.get("instanceType")}
    if len(types) < 2 or _zones(subject) < 2:
        yield "use a mixedInstancesPolicy with at least two instance types, across at least two AZs"


def _asg_launch_template(subject: Subject, context: Context) -> Iterable[str]:
    policy = subject.get("mixedInstancesPolicy") or {}
    template = subject.get("launchTemplate") or (policy.get("launchTemplate") or {}).get("launchTemplateSpecification")
    if subject.get("launchConfiguration") or not template:
        yield "launch from a launch template (launchTemplate or mixedInstancesPolicy), not a launch configuration"


def _launch_configuration(subject: Subject, context: Context) -> Iterable[str]:
    options = subject.get("metadataOptions") or {}
    if options.get("httpTokens") != "required":
        yield "set metadataOptions.httpTokens: required (IMDSv2)"
    if int(options.get("httpPutResponseHopLimit") or 1) > 1:
        yield "set metadataOptions.httpPutResponseHopLimit to 1"
    if str(subject.get("associatePublicIpAddress", False)).lower() == "true":
        yield "set associatePublicIpAddress: false"


def _lambda_runtime(subject: Subject, context: Context) -> Iterable[str]:
    runtime = subject.get("runtime")
    if str(subject.get("packageType", "Zip")) == "Zip" and runtime and str(runtime) not in SUPPORTED_LAMBDA_RUNTIMES:
        yield f"runtime {runtime} is deprecated or unknown; use a supported runtime such as python3.12"


def _lambda_multi_az(subject: Subject, context: Context) -> Iterable[str]:
    subnets = as_list((subject.get("vpcConfig") or {}).get("subnetIds"))
    if len(subnets) == 1:
        yield "the function runs in one subnet; give vpcConfig.subnetIds in at least two Availability Zones"


def _ecr_scanning(subject: Subject, context: Context) -> Iterable[str]:
    if (subject.get("imageScanningConfiguration") or {}).get("scanOnPush") is not True:
        yield "set imageScanningConfiguration.scanOnPush: true"


def _ecr_immutable(subject: Subject, context: Context) -> Iterable[str]:
    if not str(subject.get("imageTagMutability", "MUTABLE")).startswith("IMMUTABLE"):
        yield "set imageTagMutability: IMMUTABLE so a tag always names the image that was tested"


def _ecr_lifecycle(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    covered = {str(s.get("repository")) for s in subjects if s.type == ECR_LIFECYCLE_POLICY and s.get("policy")}
    for repository in (s for s in subjects if s.type == t.ECR_REPOSITORY):
        names = {str(repository.get(k)) for k in ("name", "id") if repository.get(k)}
        if not names & covered:
            yield repository.urn, f"{repository.name}: add an aws.ecr.LifecyclePolicy for the repository"


def _route_authorized(subject: Subject, context: Context) -> Iterable[str]:
    if str(subject.get("authorizationType") or "NONE").upper() == "NONE":
        yield (
            f"route {subject.get('routeKey', '?')} has no authorization; set authorizationType (JWT, AWS_IAM or "
            "CUSTOM) and its authorizer"
        )


RULES: list[Rule] = [
    Rule(
        "ecs-host-network-non-root",
        "ECS task definitions in host network mode run their containers as a non-root user.",
        "high",
        (),
        (t.ECS_TASK_DEFINITION,),
        check=_host_network_user,
        other_ids=("ECS.1",),
    ),
    Rule(
        "ecs-no-host-pid-namespace",
        "ECS tasks do not share the host's process namespace.",
        "high",
        ("ECS.3",),
        (t.ECS_TASK_DEFINITION,),
        check=_no_host_pid,
    ),
    Rule(
        "ecs-read-only-root-filesystem",
        "ECS containers have a read-only root filesystem.",
        "high",
        ("ECS.5",),
        (t.ECS_TASK_DEFINITION,),
        check=_read_only_root,
    ),
    Rule(
        "ecs-container-logging",
        "Every ECS container has a log configuration.",
        "high",
        ("ECS.9",),
        (t.ECS_TASK_DEFINITION,),
        check=_container_logging,
    ),
    Rule(
        "ecs-service-no-public-ip",
        "ECS services do not assign public IP addresses to their tasks.",
        "high",
        ("ECS.2",),
        (ECS_SERVICE,),
        check=_service_no_public_ip,
    ),
    Rule(
        "ecs-fargate-latest-platform",
        "Fargate services run on the latest platform version.",
        "medium",
        ("ECS.10",),
        (ECS_SERVICE,),
        check=_fargate_latest,
    ),
    Rule(
        "ecs-container-insights",
        "ECS clusters have Container Insights enabled.",
        "medium",
        ("ECS.12",),
        (ECS_CLUSTER,),
        check=_container_insights,
    ),
    Rule(
        "eks-supported-version",
        "EKS clusters pin a Kubernetes version EKS still supports.",
        "high",
        ("EKS.2",),
        (t.EKS_CLUSTER, t.EKS_COMPONENT),
        check=_eks_version,
    ),
    Rule(
        "eks-audit-logging",
        "EKS clusters send their audit log to CloudWatch Logs.",
        "medium",
        ("EKS.8",),
        (t.EKS_CLUSTER, t.EKS_COMPONENT),
        check=_eks_audit_logs,
    ),
    Rule(
        "autoscaling-elb-health-checks",
        "Auto Scaling groups behind a load balancer use its health checks.",
        "low",
        ("AutoScaling.1",),
        (t.AUTOSCALING_GROUP,),
        check=_asg_elb_health,
    ),
    Rule(
        "autoscaling-multi-az",
        "Auto Scaling groups span at least two Availability Zones.",
        "medium",
        ("AutoScaling.2",),
        (t.AUTOSCALING_GROUP,),
        check=_asg_multi_az,
    ),
    Rule(
        "autoscaling-multiple-instance-types",
        "Auto Scaling groups use at least two instance types across at least two Availability Zones.",
        "medium",
        ("AutoScaling.6",),
        (t.AUTOSCALING_GROUP,),
        check=_asg_instance_types,
    ),
    Rule(
        "autoscaling-launch-template",
        "Auto Scaling groups launch from launch templates.",
        "medium",
        ("AutoScaling.9",),
        (t.AUTOSCALING_GROUP,),
        check=_asg_launch_template,
    ),
    Rule(
        "autoscaling-launch-configuration-hardened",
        "A launch configuration, where one is used, requires IMDSv2 with a hop limit of 1 and assigns no public IP.",
        "high",
        ("AutoScaling.3", "Autoscaling.5"),
        (LAUNCH_CONFIGURATION,),
        check=_launch_configuration,
        other_ids=("AutoScaling.4",),
    ),
    Rule(
        "lambda-supported-runtime",
        "Lambda functions use a runtime AWS still supports.",
        "medium",
        ("Lambda.2",),
        (LAMBDA_FUNCTION,),
        check=_lambda_runtime,
    ),
    Rule(
        "lambda-vpc-multi-az",
        "Lambda functions attached to a VPC run in subnets of at least two Availability Zones.",
        "medium",
        ("Lambda.5",),
        (LAMBDA_FUNCTION,),
        check=_lambda_multi_az,
    ),
    Rule(
        "ecr-scan-on-push",
        "ECR repositories scan images on push.",
        "high",
        ("ECR.1",),
        (t.ECR_REPOSITORY,),
        check=_ecr_scanning,
    ),
    Rule(
        "ecr-tags-immutable",
        "ECR repositories, and the template replicated repositories are made from, have immutable tags.",
        "medium",
        ("ECR.2",),
        (t.ECR_REPOSITORY, t.ECR_CREATION_TEMPLATE),
        check=_ecr_immutable,
    ),
    Rule(
        "ecr-lifecycle-policy",
        "Every ECR repository has a lifecycle policy.",
        "medium",
        ("ECR.3",),
        stack_check=_ecr_lifecycle,
    ),
    Rule(
        "apigateway-route-authorized",
        "API Gateway v2 routes specify an authorization type.",
        "high",
        ("APIGateway.8",),
        (API_V2_ROUTE,),
        check=_route_authorized,
    ),
]
