"""The pipeline's CodeBuild buildspecs, generated from what the stacks declare.

Every project runs from the pipeline's source artifact; the image tag is the commit id, which the pipeline passes
to each build as IMAGE_TAG (the source action's CommitId variable). No buildspec holds a secret: ECR logins use
the build role's credentials.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

# Images are built unprivileged (FSBP CodeBuild.5): kaniko builds a Dockerfile in user space, with no Docker
# daemon, and pushes with ECR's credential helper. Pinned; mirror it into ECR where gcr.io is not reachable.
KANIKO_IMAGE = "gcr.io/kaniko-project/executor:v1.23.2-debug"
STANDARD_IMAGE = "aws/codebuild/standard:7.0"
BLOCKING_SEVERITIES = ("CRITICAL", "HIGH")
POLL_SECONDS = 15


@dataclass(frozen=True)
class DeployTarget:
    """One stack the pipeline deploys, by the physical names its resources have."""

    stack: str
    """The stack's name (staging or prod of the blueprint)."""
    prefix: str
    """Its physical-name prefix, finplatform-<stack>."""
    ecs_services: Mapping[str, str] = field(default_factory=dict)
    """ECS service name -> its image repository."""
    ec2_services: Mapping[str, str] = field(default_factory=dict)
    """EC2 service name -> its image repository."""
    refresh_alarms: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Per EC2 service, the alarms that stop its instance refresh."""
    min_healthy_percent: int = 90
    """Capacity an instance refresh keeps in service."""


def registry_host(account: str, region: str) -> str:
    """The account's ECR registry in ``region``."""
    suffix = ".cn" if region.startswith("cn-") else ""
    return f"{account}.dkr.ecr.{region}.amazonaws.com{suffix}"


class _Dumper(yaml.SafeDumper):
    """Writes multi-line commands as literal blocks, so the buildspec reads as the script it runs."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def _spec(commands: Sequence[str], *, shell: str = "bash") -> str:
    document: dict[str, Any] = {
        "version": 0.2,
        "env": {"shell": shell},
        "phases": {"build": {"commands": list(commands)}},
    }
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=1000)


def run_tests_buildspec(command: str) -> str:
    """Run the application's tests; a failure stops the pipeline before anything is built."""
    return _spec([command])


def image_buildspec(registry: str, contexts: Mapping[str, str], prefixes: Sequence[str]) -> str:
    """Build each image once from its context, unprivileged with kaniko, and push it by the commit id to the
    repository of every stack the pipeline deploys (the same digest goes to staging and to prod). Tags are
    immutable, so a commit is pushed once."""
    commands = [
        "mkdir -p /kaniko/.docker",
        f"echo '{json.dumps({'credHelpers': {registry: 'ecr-login'}})}' > /kaniko/.docker/config.json",
    ]
    for repository, context in sorted(contexts.items()):
        destinations = " ".join(f"--destination {registry}/{p}/{repository}:$IMAGE_TAG" for p in prefixes)
        commands.append(
            f'/kaniko/executor --context "dir://$CODEBUILD_SRC_DIR/{context}" --dockerfile Dockerfile '
            f"{destinations} --cleanup"
        )
    return _spec(commands, shell="sh")  # the kaniko image has busybox sh, not bash


def scan_gate_command(repository: str) -> str:
    """Wait for ECR's scan on push of IMAGE_TAG in ``repository`` and fail on any CRITICAL or HIGH finding."""
    query = ", ".join(f"imageScanFindings.findingSeverityCounts.{s}" for s in BLOCKING_SEVERITIES)
    image = f"--repository-name {repository} --image-id imageTag=$IMAGE_TAG"
    return (
        f"aws ecr wait image-scan-complete {image} && "
        f"COUNTS=$(aws ecr describe-image-scan-findings {image} --query '[{query}]' --output text) && "
        'for n in $COUNTS; do if [ "$n" != "None" ] && [ "$n" -gt 0 ]; then '
        f'echo "{repository}:$IMAGE_TAG has {"/".join(BLOCKING_SEVERITIES)} findings ($COUNTS)"; exit 1; fi; done'
    )


def scan_buildspec(repositories: Sequence[str]) -> str:
    """Gate the pipeline on ECR's scan-on-push findings for every image it pushed."""
    return _spec([scan_gate_command(r) for r in sorted(repositories)])


def ecs_deploy_script(cluster: str, service: str, family: str, image: str) -> str:
    """Register a revision of the service's family with the new image (the family's latest revision carries
    whatever Pulumi last changed), point the service at it and wait for ECS to finish: blue/green with its bake
    time, or rolling; an alarm or the circuit breaker rolling it back fails the build."""
    select = (
        "{family, taskRoleArn, executionRoleArn, networkMode, containerDefinitions, volumes, placementConstraints, "
        "requiresCompatibilities, cpu, memory, runtimePlatform} | with_entries(select(.value != null))"
    )
    jq = f".containerDefinitions |= map(if .name == $NAME then .image = $IMAGE else . end) | {select}"
    deployment = "service.deployments[?status==`PRIMARY`].id | [0]"
    return "\n".join(
        [
            "set -eu",
            f"TASK=$(aws ecs describe-task-definition --task-definition {family} --query taskDefinition --output json)",
            f'NEW=$(echo "$TASK" | jq --arg NAME {service} --arg IMAGE "{image}:$IMAGE_TAG" \'{jq}\')',
            'ARN=$(aws ecs register-task-definition --cli-input-json "$NEW" '
            "--query taskDefinition.taskDefinitionArn --output text)",
            f'DEPLOYMENT=$(aws ecs update-service --cluster {cluster} --service {service} --task-definition "$ARN" '
            f"--query '{deployment}' --output text)",
            "while true; do",
            f"  STATE=$(aws ecs describe-services --cluster {cluster} --services {service} "
            "--query \"services[0].deployments[?id=='$DEPLOYMENT'].rolloutState | [0]\" --output text)",
            '  case "$STATE" in',
            "    COMPLETED) break ;;",
            f'    FAILED|None) echo "{service}: release $IMAGE_TAG failed and was rolled back ($STATE)"; exit 1 ;;',
            "  esac",
            f"  sleep {POLL_SECONDS}",
            "done",
        ]
    )


def ec2_deploy_script(group: str, parameter: str, preferences: Mapping[str, Any]) -> str:
    """Point the service's release parameter at the new tag and refresh its instances (they read it at boot),
    keeping the minimum healthy share; if the refresh fails (an alarm fires, instances fail their health
    checks), put the previous tag back, refresh again and fail the build."""
    prefs = json.dumps(dict(preferences), separators=(",", ":"), sort_keys=True)
    return "\n".join(
        [
            "set -eu",
            f"PREVIOUS=$(aws ssm get-parameter --name {parameter} --query Parameter.Value --output text)",
            f'aws ssm put-parameter --name {parameter} --value ":$IMAGE_TAG" --overwrite',
            f"refresh() {{ aws autoscaling start-instance-refresh --auto-scaling-group-name {group} "
            f"--preferences '{prefs}' --query InstanceRefreshId --output text; }}",
            "finished() {",
            "  while true; do",
            f"    STATUS=$(aws autoscaling describe-instance-refreshes --auto-scaling-group-name {group} "
            '--instance-refresh-ids "$1" --query "InstanceRefreshes[0].Status" --output text)',
            '    case "$STATUS" in',
            "      Successful) return 0 ;;",
            "      Failed|Cancelled|RollbackSuccessful|RollbackFailed) return 1 ;;",
            "    esac",
            f"    sleep {POLL_SECONDS * 2}",
            "  done",
            "}",
            'if ! finished "$(refresh)"; then',
            f'  aws ssm put-parameter --name {parameter} --value "$PREVIOUS" --overwrite',
            '  finished "$(refresh)" || true',
            f'  echo "{group}: release $IMAGE_TAG failed; instances are back on $PREVIOUS"',
            "  exit 1",
            "fi",
        ]
    )


def refresh_preferences(alarms: Sequence[str], min_healthy_percent: int, warmup_seconds: int) -> dict[str, Any]:
    """The instance refresh a release starts: the minimum healthy share, and the alarms that stop it."""
    preferences: dict[str, Any] = {"MinHealthyPercentage": min_healthy_percent, "InstanceWarmup": warmup_seconds}
    if alarms:
        preferences["AlarmSpecification"] = {"Alarms": list(alarms)}
    return preferences


def deploy_buildspec(
    target: DeployTarget,
    registry: str,
    *,
    cluster: str,
    families: Mapping[str, str],
    groups: Mapping[str, str],
    parameters: Mapping[str, str],
    warmup_seconds: int,
) -> str:
    """Deploy the commit to one stack: each ECS service through ECS (blue/green or rolling, as the service is
    configured), each EC2 service by instance refresh. EKS services are left to the cluster's own tooling."""
    commands = [
        ecs_deploy_script(cluster, service, families[service], f"{registry}/{target.prefix}/{repository}")
        for service, repository in sorted(target.ecs_services.items())
    ]
    commands += [
        ec2_deploy_script(
            groups[service],
            parameters[service],
            refresh_preferences(target.refresh_alarms.get(service, ()), target.min_healthy_percent, warmup_seconds),
        )
        for service in sorted(target.ec2_services)
    ]
    return _spec(commands or ["echo 'nothing to deploy'"])
