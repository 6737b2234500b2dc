"""Least-privilege rules: no wildcard grants, no long-lived users, nothing reachable that need not be."""

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from policies.common import types as t
from policies.common.framework import Context, Rule, Subject, as_list, decoded
from policies.least_privilege.data_services import RULES as DATA_SERVICE_RULES
from policies.least_privilege.network import RULES as NETWORK_RULES
from policies.least_privilege.workloads import RULES as WORKLOAD_RULES

WORLD = ("0.0.0.0/0", "::/0")
LOAD_BALANCER_PORTS = {80, 443}
# SSH, RDP and the database and cache ports the platform's stores (and common others) listen on.
# EC2.19's high-risk ports are all here (20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389,
# 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300), with the platform's own stores' ports.
SENSITIVE_PORTS = {
    20: "FTP data",
    21: "FTP",
    22: "SSH",
    23: "Telnet",
    25: "SMTP",
    110: "POP3",
    135: "RPC",
    143: "IMAP",
    445: "SMB",
    1433: "SQL Server",
    1434: "SQL Server browser",
    1521: "Oracle",
    3000: "development web server",
    3306: "MySQL",
    3389: "RDP",
    4333: "mSQL",
    5000: "development web server",
    5432: "PostgreSQL",
    5500: "VNC",
    5601: "Kibana",
    6379: "Redis",
    8080: "HTTP proxy",
    8086: "InfluxDB",
    8088: "HTTP alternate",
    8888: "HTTP alternate",
    9200: "OpenSearch",
    9300: "OpenSearch cluster",
    27017: "MongoDB",
}
PUBLIC_LB_PURPOSE = "public-load-balancer"
# The variables ECS.8 looks for, besides anything named like a secret.
ECS_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA")
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_?KEY|API_?KEY|CREDENTIAL)", re.IGNORECASE)


def _statements(document: Any) -> list[Mapping[str, Any]]:
    document = decoded(document)
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def _wildcard_grant(statement: Mapping[str, Any]) -> str | None:
    if statement.get("Effect") != "Allow":
        return None
    if "NotAction" in statement or "NotResource" in statement:
        return "uses NotAction or NotResource, which allows everything not listed"
    actions = [str(a) for a in as_list(statement.get("Action"))]
    resources = [str(r) for r in as_list(statement.get("Resource"))]
    broad = [a for a in actions if a == "*" or a.endswith(":*")]
    if broad and "*" in resources:
        return f"allows {', '.join(broad)} on every resource"
    return None


def _iam_documents(subject: Subject) -> Iterable[tuple[str, Any]]:
    key = t.IAM_POLICY_DOCUMENTS.get(subject.type)
    if key:
        yield "policy", subject.get(key)
    if subject.type == t.IAM_ROLE:
        for inline in as_list(subject.get("inlinePolicies")):
            yield f"inline policy {inline.get('name', '?')}", inline.get("policy")


def _no_admin(subject: Subject, context: Context) -> Iterable[str]:
    for where, document in _iam_documents(subject):
        for position, statement in enumerate(_statements(document)):
            problem = _wildcard_grant(statement)
            if problem:
                sid = statement.get("Sid") or f"#{position}"
                yield f"{where} statement {sid} {problem}; name the actions and resource ARNs it needs"


def _no_users(subject: Subject, context: Context) -> Iterable[str]:
    yield "IAM users and access keys are long-lived credentials; use roles (SSO for people, task or instance roles)"


def _principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, Mapping):
        return [str(p) for value in principal.values() for p in as_list(value)]
    return []


def _assume_role(subject: Subject, context: Context) -> Iterable[str]:
    for statement in _statements(subject.get("assumeRolePolicy")):
        if statement.get("Effect") == "Allow" and "*" in _principals(statement):
            yield "the trust policy lets any principal assume the role; name the service or account principal"


def _kms_principal(subject: Subject, context: Context) -> Iterable[str]:
    for statement in _statements(subject.get("policy")):
        if statement.get("Effect") == "Allow" and "*" in _principals(statement):
            yield f"key policy statement {statement.get('Sid', '?')} grants a wildcard principal; name the principals"


def _ports(rule: Mapping[str, Any]) -> tuple[int, int] | None:
    protocol = str(rule.get("protocol", rule.get("ipProtocol", "tcp")))
    if protocol in ("-1", "all"):
        return 0, 65535
    low, high = rule.get("fromPort"), rule.get("toPort")
    if low is None or high is None:
        return None
    return int(low), int(high)


def _world_sources(rule: Mapping[str, Any]) -> list[str]:
    sources = [*as_list(rule.get("cidrBlocks")), *as_list(rule.get("ipv6CidrBlocks"))]
    sources += [rule[k] for k in ("cidrIpv4", "cidrIpv6") if rule.get(k)]
    return [str(s) for s in sources if str(s) in WORLD or _covers_internet(str(s))]


def _covers_internet(cidr: str) -> bool:
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    return network.prefixlen == 0


def _ingress_rules(subject: Subject) -> list[Mapping[str, Any]]:
    if subject.type == t.SECURITY_GROUP:
        return [r for r in as_list(subject.get("ingress")) if isinstance(r, Mapping)]
    if subject.type == t.SG_INGRESS_RULE or (subject.type == t.SG_RULE and subject.get("type") == "ingress"):
        return [subject.props]
    return []


def _sensitive_ports(subject: Subject, context: Context) -> Iterable[str]:
    for rule in _ingress_rules(subject):
        ports = _ports(rule)
        if not _world_sources(rule) or ports is None:
            continue
        exposed = [f"{service} ({port})" for port, service in SENSITIVE_PORTS.items() if ports[0] <= port <= ports[1]]
        if exposed:
            yield f"{', '.join(exposed)} open to the internet; reach hosts through SSM Session Manager"


def _is_public_lb_group(subject: Subject) -> bool:
    tags = decoded(subject.get("tags")) or {}
    return isinstance(tags, Mapping) and tags.get("purpose") == PUBLIC_LB_PURPOSE


def _world_ingress(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    groups = {str(s.get(k)): s for s in subjects if s.type == t.SECURITY_GROUP for k in ("id", "name") if s.get(k)}
    for subject in subjects:
        for rule in _ingress_rules(subject):
            sources = _world_sources(rule)
            if not sources:
                continue
            ports = _ports(rule)
            group = subject if subject.type == t.SECURITY_GROUP else groups.get(str(subject.get("securityGroupId")))
            allowed = (
                ports is not None
                and set(range(ports[0], ports[1] + 1)) <= LOAD_BALANCER_PORTS
                and group is not None
                and _is_public_lb_group(group)
            )
            if not allowed:
                span = "all ports" if ports is None or ports == (0, 65535) else f"ports {ports[0]}-{ports[1]}"
                yield (
                    subject.urn,
                    (
                        f"{subject.name}: {span} open to {', '.join(sources)}; only 80/443 of a group "
                        f"tagged purpose={PUBLIC_LB_PURPOSE} may face the internet"
                    ),
                )


def _rds_private(subject: Subject, context: Context) -> Iterable[str]:
    if subject.get("publiclyAccessible"):
        yield "set publiclyAccessible: false; reach the database from the application tier"


def _cache_in_vpc(subject: Subject, context: Context) -> Iterable[str]:
    if not subject.get("subnetGroupName"):
        yield "set subnetGroupName to the isolated-tier subnet group"


def _eks_endpoint(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.EKS_COMPONENT:
        public = subject.get("endpointPublicAccess", True)
    else:
        public = (subject.get("vpcConfig") or {}).get("endpointPublicAccess", True)
    if not public:
        return
    allowed = str(context.stack_config.get("finplatform:eksPublicEndpoint", "false")).lower() == "true"
    if context.environment == "prod":
        yield "the API endpoint is public; prod clusters use a private endpoint only"
    elif not allowed:
        yield "the API endpoint is public; set endpointPublicAccess false, or finplatform:eksPublicEndpoint true"


def _imdsv2(subject: Subject, context: Context) -> Iterable[str]:
    options = subject.get("metadataOptions") or {}
    if options.get("httpTokens") != "required":
        yield "set metadataOptions.httpTokens: required (IMDSv2)"


def _public_ip(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.SUBNET:
        if str(subject.get("mapPublicIpOnLaunch")).lower() == "true":
            yield "set mapPublicIpOnLaunch: false; load balancers and NAT gateways get their addresses explicitly"
    elif subject.type == t.EC2_INSTANCE:
        if subject.get("associatePublicIpAddress"):
            yield "set associatePublicIpAddress: false; instances run in private subnets"
    else:
        for interface in as_list(subject.get("networkInterfaces")):
            if str(interface.get("associatePublicIpAddress")).lower() == "true":
                yield "network interfaces must not associate a public IP"


def _containers(subject: Subject) -> list[Mapping[str, Any]]:
    definitions = decoded(subject.get("containerDefinitions"))
    return [c for c in as_list(definitions) if isinstance(c, Mapping)]


def _not_privileged(subject: Subject, context: Context) -> Iterable[str]:
    for container in _containers(subject):
        if container.get("privileged"):
            yield f"container {container.get('name', '?')} is privileged; remove privileged: true"


def _secrets_from_store(subject: Subject, context: Context) -> Iterable[str]:
    for container in _containers(subject):
        for variable in as_list(container.get("environment")):
            name = str(variable.get("name", ""))
            if name in ECS_CREDENTIAL_VARIABLES or SECRET_NAME.search(name):
                yield (
                    f"container {container.get('name', '?')} passes {variable.get('name')} as a plain environment "
                    "variable; use secrets with valueFrom a Secrets Manager or SSM ARN"
                )
        for secret in as_list(container.get("secrets")):
            source = str(secret.get("valueFrom", ""))
            if not source.startswith(("arn:aws:secretsmanager:", "arn:aws:ssm:")):
                yield f"secret {secret.get('name', '?')} must come from a Secrets Manager or SSM ARN"


def _lambda_source(subject: Subject, context: Context) -> Iterable[str]:
    principal = str(subject.get("principal", ""))
    if principal.endswith(".amazonaws.com") and not subject.get("sourceArn"):
        yield f"{principal} may invoke the function from any resource; set sourceArn"
    if principal == "*":
        yield "the function may be invoked by anyone; name the principal and set sourceArn"


URL_CREDENTIALS = re.compile(r"://[^/@\s]+@")
AWS_KEY_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


def _codebuild_sources(subject: Subject) -> list[Mapping[str, Any]]:
    return [s for s in [subject.get("source") or {}, *as_list(subject.get("secondarySources"))] if s]


def _codebuild_source_credentials(subject: Subject, context: Context) -> Iterable[str]:
    for source in _codebuild_sources(subject):
        location = str(source.get("location") or "")
        if URL_CREDENTIALS.search(location):
            yield (
                f"source location {URL_CREDENTIALS.sub('://***@', location)} carries credentials; connect the "
                "repository through a CodeStar connection or CodeBuild source credentials"
            )


def _codebuild_plaintext_credentials(subject: Subject, context: Context) -> Iterable[str]:
    environment = subject.get("environment") or {}
    for variable in as_list(environment.get("environmentVariables")):
        name = str(variable.get("name", ""))
        plain = str(variable.get("type") or "PLAINTEXT").upper() == "PLAINTEXT"
        if plain and (name in AWS_KEY_VARIABLES or SECRET_NAME.search(name)):
            yield (
                f"environment variable {name} is PLAINTEXT; give it type SECRETS_MANAGER or PARAMETER_STORE "
                "(AWS credentials come from the service role, never from variables)"
            )


def _codebuild_not_privileged(subject: Subject, context: Context) -> Iterable[str]:
    environment = subject.get("environment") or {}
    if environment.get("privilegedMode") in (True, "true"):
        yield (
            "environment.privilegedMode gives the build container the host's devices; build images without a "
            "daemon (kaniko, as the delivery pipeline does) and set privilegedMode: false"
        )


def _pipeline_stage_roles(subject: Subject, context: Context) -> Iterable[str]:
    for stage in as_list(subject.get("stages")):
        for action in as_list(stage.get("actions")):
            if str(action.get("category", "")) != "Approval" and not action.get("roleArn"):
                yield (
                    f"action {stage.get('name', '?')}/{action.get('name', '?')} runs with the pipeline's own role; "
                    "give it its stage's role (roleArn) so each stage can do only its own work"
                )


POLICY_DOCUMENT_TYPES: tuple[str, ...] = (*t.IAM_POLICY_DOCUMENTS, t.IAM_ROLE)

NAME = "finplatform-least-privilege"
DESCRIPTION = "IAM, key policies, network exposure and workloads grant only what they need."
INTERNET_CIDRS = ("0.0.0.0/0", "::/0")


def _isolated_acl_closed(subject: Subject, context: Context) -> Iterable[str]:
    tags = decoded(subject.get("tags")) or {}
    if not isinstance(tags, Mapping) or tags.get("tier") != "isolated":
        return
    for direction in ("ingress", "egress"):
        for entry in as_list(decoded(subject.get(direction))):
            if not isinstance(entry, Mapping) or entry.get("action", "allow") != "allow":
                continue
            for cidr in (entry.get("cidrBlock"), entry.get("ipv6CidrBlock")):
                if cidr in INTERNET_CIDRS:
                    yield (
                        f"the isolated tier's network ACL allows {direction} with {cidr}; the data stores' tier "
                        "trades with the private tier and itself only"
                    )


RULES: list[Rule] = [
    Rule(
        "iam-no-wildcard-admin",
        "No IAM statement allows every action, or every action of a service, on every resource.",
        "critical",
        ("IAM.1", "IAM.21"),
        POLICY_DOCUMENT_TYPES,
        check=_no_admin,
    ),
    Rule(
        "iam-no-users",
        "The platform declares no IAM users or access keys.",
        "high",
        ("IAM.2", "IAM.3", "IAM.5"),
        t.IAM_USER_TYPES,
        check=_no_users,
    ),
    Rule(
        "iam-assume-role-named-principals",
        "Role trust policies name specific principals.",
        "critical",
        (),
        (t.IAM_ROLE,),
        check=_assume_role,
    ),
    Rule(
        "kms-no-wildcard-principal",
        "No KMS key policy grants a wildcard principal.",
        "critical",
        ("KMS.5",),
        (t.KMS_KEY,),
        check=_kms_principal,
    ),
    Rule(
        "ec2-sg-internet-ingress-lb-https-only",
        "Only ports 80 and 443 of internet-facing load balancers accept traffic from 0.0.0.0/0 or ::/0.",
        "high",
        ("EC2.18",),
        stack_check=_world_ingress,
    ),
    Rule(
        "ec2-sg-no-admin-or-data-ports-open",
        "SSH, RDP and database ports are never open to the internet.",
        "critical",
        ("EC2.19",),
        (t.SECURITY_GROUP, t.SG_INGRESS_RULE, t.SG_RULE),
        check=_sensitive_ports,
        other_ids=("EC2.13", "EC2.14"),
    ),
    Rule(
        "network-acl-isolated-tier-closed",
        "The isolated tier's network ACL allows no traffic to or from the internet.",
        "high",
        (),
        (t.NETWORK_ACL,),
        check=_isolated_acl_closed,
    ),
    Rule(
        "rds-not-public",
        "RDS instances are not publicly accessible.",
        "critical",
        ("RDS.2",),
        (t.RDS_INSTANCE,),
        check=_rds_private,
    ),
    Rule(
        "elasticache-in-vpc",
        "ElastiCache runs inside the VPC's isolated subnets.",
        "high",
        (),
        (t.CACHE_REPLICATION_GROUP, t.CACHE_CLUSTER),
        check=_cache_in_vpc,
    ),
    Rule(
        "eks-endpoint-private",
        "EKS API endpoints are private, public only where the stack allows it and never in prod.",
        "high",
        ("EKS.1",),
        (t.EKS_CLUSTER, t.EKS_COMPONENT),
        check=_eks_endpoint,
    ),
    Rule(
        "ec2-imdsv2-required",
        "EC2 instances and launch templates require IMDSv2.",
        "high",
        ("EC2.8", "EC2.170"),
        (t.EC2_INSTANCE, t.LAUNCH_TEMPLATE),
        check=_imdsv2,
    ),
    Rule(
        "ec2-no-public-ip-outside-public-tier",
        "No subnet assigns public IPs on launch, and no instance or launch template asks for one.",
        "high",
        ("EC2.9", "EC2.15", "EC2.25"),
        (t.SUBNET, t.EC2_INSTANCE, t.LAUNCH_TEMPLATE),
        check=_public_ip,
    ),
    Rule(
        "ecs-task-not-privileged",
        "ECS containers do not run privileged.",
        "high",
        ("ECS.4",),
        (t.ECS_TASK_DEFINITION,),
        check=_not_privileged,
    ),
    Rule(
        "ecs-secrets-from-store",
        "ECS secrets come from Secrets Manager or SSM, never plain environment variables.",
        "high",
        ("ECS.8",),
        (t.ECS_TASK_DEFINITION,),
        check=_secrets_from_store,
    ),
    Rule(
        "codebuild-source-no-credentials",
        "CodeBuild source URLs carry no user names, passwords or tokens.",
        "critical",
        ("CodeBuild.1",),
        (t.CODEBUILD_PROJECT,),
        check=_codebuild_source_credentials,
    ),
    Rule(
        "codebuild-no-plaintext-credentials",
        "CodeBuild environment variables hold no credentials in plain text.",
        "critical",
        ("CodeBuild.2",),
        (t.CODEBUILD_PROJECT,),
        check=_codebuild_plaintext_credentials,
    ),
    Rule(
        "codebuild-not-privileged",
        "CodeBuild projects do not run in privileged mode.",
        "high",
        (),
        (t.CODEBUILD_PROJECT,),
        check=_codebuild_not_privileged,
        other_ids=("CodeBuild.5",),
    ),
    Rule(
        "codepipeline-stage-roles",
        "Every CodePipeline action but approvals runs with its own stage's role.",
        "medium",
        (),
        (t.CODEPIPELINE,),
        check=_pipeline_stage_roles,
    ),
    Rule(
        "lambda-permission-scoped",
        "Lambda invoke permissions name the principal and its source ARN.",
        "high",
        ("Lambda.1",),
        (t.LAMBDA_PERMISSION,),
        check=_lambda_source,
    ),
]

# The VPC's and the compute services' rules, and the data and security services' controls, live beside this
# module; one pack, one list.
RULES += NETWORK_RULES + WORKLOAD_RULES + DATA_SERVICE_RULES
