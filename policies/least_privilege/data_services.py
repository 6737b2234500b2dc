"""FSBP controls of the data and security services (RDS, ElastiCache, S3, KMS, Secrets Manager, SNS, SQS,
CloudWatch, CloudTrail, Config, GuardDuty, Backup, Timestream, EventBridge) that belong to this pack: who may
authenticate to the databases and how, where the data stores sit in the network, and what bucket, topic, queue
and IAM policies grant."""

from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from policies.common import types as t
from policies.common.framework import Context, Rule, Subject, as_list, decoded

# --- policy documents ------------------------------------------------------------------------------------


def _statements(document: Any) -> list[Mapping[str, Any]]:
    document = decoded(document)
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def _principals(statement: Mapping[str, Any]) -> dict[str, list[str]]:
    """The statement's principals by kind ("*" for the bare wildcard)."""
    principal = statement.get("Principal")
    if principal == "*":
        return {"*": ["*"]}
    if isinstance(principal, Mapping):
        return {str(kind): [str(p) for p in as_list(value)] for kind, value in principal.items()}
    return {}


def _sid(statement: Mapping[str, Any], position: int) -> str:
    return str(statement.get("Sid") or f"#{position}")


def _action_matches(pattern: str, action: str) -> bool:
    """Whether an IAM action pattern (case-insensitive, * and ? wildcards) covers the action."""
    return fnmatchcase(action.lower(), pattern.lower())


def _allows(statement: Mapping[str, Any], action: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    if "NotAction" in statement:
        return not any(_action_matches(str(p), action) for p in as_list(statement.get("NotAction")))
    return any(_action_matches(str(p), action) for p in as_list(statement.get("Action")))


# Condition keys that, with a fixed value, tie a wildcard principal to known accounts, sources or networks.
RESTRICTING_KEYS = {
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
}


def _fixed(value: Any) -> bool:
    values = [str(v) for v in as_list(value)]
    return bool(values) and not any("*" in v or "?" in v or "${" in v for v in values)


def _restricted(statement: Mapping[str, Any]) -> bool:
    """A condition pins the statement to fixed accounts, sources or networks (SNS.4 and SQS.3 count only fixed
    values: wildcards and policy variables leave a policy public)."""
    condition = statement.get("Condition") or {}
    if not isinstance(condition, Mapping):
        return False
    for operator, tests in condition.items():
        if not isinstance(tests, Mapping) or str(operator).startswith(("StringNot", "ArnNot", "NotIp")):
            continue
        for key, value in tests.items():
            if str(key).lower() in RESTRICTING_KEYS and _fixed(value):
                return True
    return False


def _public_statements(document: Any) -> Iterable[str]:
    for position, statement in enumerate(_statements(document)):
        if statement.get("Effect") != "Allow":
            continue
        principals = _principals(statement)
        wildcard = "*" in principals or "*" in principals.get("AWS", [])
        if wildcard and not _restricted(statement):
            yield _sid(statement, position)


def _public_policy(what: str, key: str) -> Any:
    def check(subject: Subject, context: Context) -> Iterable[str]:
        for sid in _public_statements(subject.get(key)):
            yield (
                f"{what} policy statement {sid} allows any principal (*) with no condition pinning it to fixed "
                "accounts, source ARNs or networks; name the principals or add aws:SourceAccount/aws:SourceArn"
            )

    return check


# --- RDS -------------------------------------------------------------------------------------------------

IAM_AUTH_ENGINES = ("mysql", "postgres", "mariadb", "aurora", "aurora-mysql", "aurora-postgresql")
DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306, "oracle": 1521, "sqlserver": 1433, "db2": 50000}
DEFAULT_ADMIN_NAMES = {"admin", "postgres", "root", "administrator", "sa"}


def _engine(subject: Subject) -> str:
    return str(subject.get("engine") or "").lower()


def _iam_auth(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.RDS_INSTANCE and _engine(subject).startswith("aurora"):
        return  # Aurora instances take the setting from their cluster (RDS.12)
    if _engine(subject) not in IAM_AUTH_ENGINES:
        return
    value = subject.get("iamDatabaseAuthenticationEnabled")
    if not (value is True or str(value).lower() == "true"):
        control = "RDS.10" if subject.type == t.RDS_INSTANCE else "RDS.12"
        yield f"{control}: set iamDatabaseAuthenticationEnabled: true so applications connect with IAM tokens"


def _default_port(subject: Subject, context: Context) -> Iterable[str]:
    engine = _engine(subject)
    family = next((f for f in DEFAULT_PORTS if engine.startswith(f)), "")
    if not family:
        return
    port = subject.get("port")
    if port in (None, "") and subject.get("replicateSourceDb"):
        return  # a replica listens on its source's port, judged on the source
    try:
        listening = int(port) if port not in (None, "") else DEFAULT_PORTS[family]
    except (TypeError, ValueError):
        return
    if listening == DEFAULT_PORTS[family]:
        yield f"it listens on {family}'s default port {listening}; set port to another value"


def _admin_name(subject: Subject, context: Context) -> Iterable[str]:
    engine = _engine(subject)
    if engine in ("neptune", "docdb") or subject.get("replicateSourceDb") or subject.get("snapshotIdentifier"):
        return  # the control leaves Neptune and DocumentDB out; replicas and restores keep their source's user
    key = "username" if subject.type == t.RDS_INSTANCE else "masterUsername"
    if subject.type == t.RDS_CLUSTER and subject.get("globalClusterIdentifier") and not subject.get(key):
        return  # a secondary cluster of a global database has no user of its own
    name = str(subject.get(key) or "")
    control = "RDS.25" if subject.type == t.RDS_INSTANCE else "RDS.24"
    if not name or name.lower() in DEFAULT_ADMIN_NAMES:
        yield f"{control}: set {key} to a name of your own, not {name or 'the engine default'}"


def _public_subnet_ids(subjects: Sequence[Subject]) -> set[str]:
    """Subnets with a route to an internet gateway: the public subnets of awsx VPCs, and declared subnets that map
    public IPs on launch."""
    public: set[str] = set()
    for subject in subjects:
        if subject.type == t.AWSX_VPC:
            public |= {str(s) for s in as_list(subject.get("publicSubnetIds"))}
        elif subject.type == t.SUBNET and str(subject.get("mapPublicIpOnLaunch")).lower() == "true":
            public |= {str(subject.get(k)) for k in ("id", "arn") if subject.get(k)}
    return public


def _rds_subnets(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    public = _public_subnet_ids(subjects)
    groups: dict[str, Subject] = {}
    for declared in (s for s in subjects if s.type == t.RDS_SUBNET_GROUP):
        for key in ("id", "name", "arn"):
            if declared.get(key):
                groups[str(declared.get(key))] = declared
    for instance in (s for s in subjects if s.type == t.RDS_INSTANCE):
        name = str(instance.get("dbSubnetGroupName") or "")
        if not name:
            if instance.get("replicateSourceDb"):
                continue  # a replica in its source's region lands in its source's subnet group
            yield (
                instance.urn,
                (
                    f"{instance.name}: set dbSubnetGroupName to a group of private subnets; without one RDS places the "
                    "instance in the default VPC, whose subnets route to an internet gateway"
                ),
            )
            continue
        group = groups.get(name)
        if group is None:
            continue  # declared outside this stack: judged where it is declared
        exposed = sorted(str(s) for s in as_list(group.get("subnetIds")) if str(s) in public)
        if exposed:
            yield (
                instance.urn,
                (
                    f"{instance.name}: its subnet group {group.name} includes public subnets ({', '.join(exposed)}) "
                    "with a route to an internet gateway; use the isolated tier's subnets"
                ),
            )


# --- ElastiCache -----------------------------------------------------------------------------------------


def _cache_subnet_group(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.CACHE_CLUSTER and subject.get("replicationGroupId"):
        return  # a member node takes its replication group's subnet group
    group = str(subject.get("subnetGroupName") or "")
    if not group or group == "default":
        yield "set subnetGroupName to the isolated tier's cache subnet group, not the default subnet group"


# --- S3 ------------------------------------------------------------------------------------------------

# S3.6's blacklisted actions: other accounts must not be granted them by a bucket policy.
BUCKET_ADMIN_ACTIONS = (
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketPolicy",
    "s3:PutEncryptionConfiguration",
    "s3:PutObjectAcl",
)


def _bucket_policy_accounts(subject: Subject, context: Context) -> Iterable[str]:
    for position, statement in enumerate(_statements(subject.get("policy"))):
        principals = _principals(statement)
        accounts = principals.get("*", []) + principals.get("AWS", [])
        if not accounts:
            continue  # service principals act for their service, not for another account
        granted = [a for a in BUCKET_ADMIN_ACTIONS if _allows(statement, a)]
        if granted:
            yield (
                f"policy statement {_sid(statement, position)} grants {', '.join(granted)} to {', '.join(accounts)}; "
                "a bucket policy must not hand bucket or ACL administration to other accounts (the owning account's "
                "roles get it through IAM)"
            )


def _bucket_acls(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.S3_OWNERSHIP_CONTROLS:
        rule = subject.get("rule") or {}
        ownership = rule.get("objectOwnership") if isinstance(rule, Mapping) else None
        if ownership and ownership != "BucketOwnerEnforced":
            yield f"objectOwnership {ownership} keeps ACLs working; set BucketOwnerEnforced to disable them"
        return
    acl = str(subject.get("acl") or "")
    if acl and acl != "private":
        yield f"the canned ACL {acl} grants access through an ACL; disable ACLs (BucketOwnerEnforced) and use policies"
    policy = subject.get("accessControlPolicy") or {}
    grants = [*as_list(subject.get("grants")), *as_list(policy.get("grants") if isinstance(policy, Mapping) else None)]
    owner = str(((policy.get("owner") or {}) if isinstance(policy, Mapping) else {}).get("id") or "")
    for grant in (g for g in grants if isinstance(g, Mapping)):
        grantee = grant.get("grantee") or grant
        who = str(grantee.get("id") or grantee.get("uri") or grantee.get("emailAddress") or "")
        if who and who != owner:
            yield f"an ACL grants {grant.get('permission') or grant.get('permissions')} to {who}; use a bucket policy"


# --- KMS decryption in IAM policies (KMS.1, KMS.2) -------------------------------------------------------

KMS_DECRYPT_ACTIONS = ("kms:Decrypt", "kms:ReEncryptFrom")


def _all_keys(statement: Mapping[str, Any]) -> bool:
    if "NotResource" in statement:
        return True
    return any(str(r) == "*" or str(r).endswith(":key/*") for r in as_list(statement.get("Resource")))


def _decrypt_everywhere(document: Any, where: str) -> Iterable[str]:
    for position, statement in enumerate(_statements(document)):
        granted = [a for a in KMS_DECRYPT_ACTIONS if _allows(statement, a)]
        if granted and _all_keys(statement):
            yield (
                f"{where} statement {_sid(statement, position)} allows {', '.join(granted)} on every KMS key; "
                "name the key ARNs"
            )


def _managed_policy_decrypt(subject: Subject, context: Context) -> Iterable[str]:
    yield from _decrypt_everywhere(subject.get("policy"), "policy")


INLINE_POLICY_TYPES = (
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
)


def _inline_policy_decrypt(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.IAM_ROLE:
        for inline in (p for p in as_list(subject.get("inlinePolicies")) if isinstance(p, Mapping)):
            yield from _decrypt_everywhere(inline.get("policy"), f"inline policy {inline.get('name', '?')}")
        return
    yield from _decrypt_everywhere(subject.get("policy"), "inline policy")


RULES: list[Rule] = [
    Rule(
        "rds-iam-authentication",
        "RDS instances and clusters of engines that support it accept IAM database authentication.",
        "medium",
        ("RDS.10", "RDS.12"),
        (t.RDS_INSTANCE, t.RDS_CLUSTER),
        check=_iam_auth,
    ),
    Rule(
        "rds-no-default-port",
        "RDS instances listen on a port other than their engine's default.",
        "low",
        ("RDS.23",),
        (t.RDS_INSTANCE,),
        check=_default_port,
    ),
    Rule(
        "rds-custom-admin-username",
        "RDS instances and clusters use an administrator name of their own, not the engine's default.",
        "medium",
        ("RDS.24", "RDS.25"),
        (t.RDS_INSTANCE, t.RDS_CLUSTER),
        check=_admin_name,
    ),
    Rule(
        "rds-not-in-public-subnets",
        "RDS instances sit in subnets with no route to an internet gateway.",
        "high",
        ("RDS.46",),
        stack_check=_rds_subnets,
    ),
    Rule(
        "elasticache-not-default-subnet-group",
        "ElastiCache clusters use the platform's subnet group, not the default one.",
        "high",
        ("ElastiCache.7",),
        (t.CACHE_REPLICATION_GROUP, t.CACHE_CLUSTER),
        check=_cache_subnet_group,
    ),
    Rule(
        "s3-no-cross-account-admin",
        "S3 bucket policies grant no other account bucket-policy, ACL or encryption administration.",
        "high",
        ("S3.6",),
        (t.S3_POLICY,),
        check=_bucket_policy_accounts,
    ),
    Rule(
        "s3-acls-disabled",
        "S3 buckets grant no access through ACLs.",
        "medium",
        ("S3.12",),
        (*t.S3_BUCKETS, *t.S3_ACL, t.S3_OWNERSHIP_CONTROLS),
        check=_bucket_acls,
    ),
    Rule(
        "kms-managed-policy-no-decrypt-all-keys",
        "Customer-managed IAM policies allow no decryption with every KMS key.",
        "medium",
        ("KMS.1",),
        ("aws:iam/policy:Policy",),
        check=_managed_policy_decrypt,
    ),
    Rule(
        "kms-inline-policy-no-decrypt-all-keys",
        "Inline IAM policies allow no decryption with every KMS key.",
        "medium",
        ("KMS.2",),
        (*INLINE_POLICY_TYPES, t.IAM_ROLE),
        check=_inline_policy_decrypt,
    ),
    Rule(
        "sns-topic-not-public",
        "SNS topic policies allow no unrestricted wildcard principal.",
        "critical",
        ("SNS.4",),
        (t.SNS_TOPIC, t.SNS_TOPIC_POLICY),
        check=_public_policy("topic", "policy"),
    ),
    Rule(
        "sqs-queue-not-public",
        "SQS queue policies allow no unrestricted wildcard principal.",
        "high",
        ("SQS.3",),
        (t.SQS_QUEUE, t.SQS_QUEUE_POLICY),
        check=_public_policy("queue", "policy"),
    ),
]
