"""Encryption rules: customer-managed KMS keys at rest, TLS in transit."""

from collections.abc import Callable, Iterable, Mapping, Sequence

from policies.common import types as t
from policies.common.framework import Context, Rule, Subject, as_list, decoded
from policies.encryption.data_services import RULES as DATA_SERVICE_RULES
from policies.encryption.edge import RULES as EDGE_RULES

# ELB.17's recommended policies: TLS 1.3 with 1.2 as the floor (standard and restricted ciphers) or TLS 1.3
# only, each also in its FIPS variant. Other TLS 1.2 policies (ELBSecurityPolicy-TLS-1-2-*, -FS-1-2-*) fail it.
RECOMMENDED_ELB_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
)
# CloudFront.15's recommended viewer policies; TLSv1.2_2018 and TLSv1.2_2019 fail it.
CLOUDFRONT_MIN_TLS = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")


def _aws_managed(key: str) -> bool:
    """An AWS-managed key's alias (alias/aws/sns), by name or by ARN."""
    return key.startswith("alias/aws/") or ":alias/aws/" in key


def _kms_key(subject: Subject, key: str, what: str) -> Iterable[str]:
    value = str(subject.get(key) or "").strip()
    if not value:
        yield f"set {key} to a customer-managed KMS key to encrypt {what}"
    elif _aws_managed(value):
        yield f"{key} {value} is an AWS-managed key; set it to a customer-managed KMS key to encrypt {what}"


def _rds(subject: Subject, context: Context) -> Iterable[str]:
    if subject.get("replicateSourceDb") and not subject.get("storageEncrypted"):
        return  # replicas inherit encryption; their key is checked on the source
    if not subject.get("storageEncrypted"):
        yield "set storageEncrypted: true"
    yield from _kms_key(subject, "kmsKeyId", "the database storage")


def _rds_tls(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.RDS_PARAMETER_GROUP:
        if not str(subject.get("family", "")).startswith("postgres"):
            return
        forced = [p for p in as_list(subject.get("parameters")) if p.get("name") == "rds.force_ssl"]
        if not forced or str(forced[0].get("value")) != "1":
            yield "add the parameter rds.force_ssl = 1 so clients must use TLS"
    elif str(subject.get("engine", "")).startswith("postgres"):
        group = str(subject.get("parameterGroupName") or "")
        if not group or group.startswith("default."):
            yield "use a parameter group that sets rds.force_ssl = 1; the default group allows plain-text clients"


def _cache_at_rest(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.CACHE_CLUSTER and not subject.get("replicationGroupId"):
        yield "run Redis as a replication group, which supports encryption at rest"
        return
    if subject.type == t.CACHE_REPLICATION_GROUP:
        if subject.get("atRestEncryptionEnabled") in (False, "false"):
            yield "set atRestEncryptionEnabled: true"
        yield from _kms_key(subject, "kmsKeyId", "the cache at rest")


def _cache_in_transit(subject: Subject, context: Context) -> Iterable[str]:
    if not subject.get("transitEncryptionEnabled"):
        yield "set transitEncryptionEnabled: true"
    elif str(subject.get("transitEncryptionMode", "required")) != "required":
        yield "set transitEncryptionMode: required"


def _cache_auth(subject: Subject, context: Context) -> Iterable[str]:
    if not subject.get("authToken") and not as_list(subject.get("userGroupIds")):
        yield "set an AUTH token (from Secrets Manager) or an RBAC user group (userGroupIds)"


def _s3_sse(subject: Subject, context: Context) -> Iterable[str]:
    rules = as_list(subject.get("rules"))
    if not rules:
        yield "add a rule with sseAlgorithm aws:kms"
    for rule in rules:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        if default.get("sseAlgorithm") != "aws:kms" or not default.get("kmsMasterKeyId"):
            yield "encrypt with sseAlgorithm aws:kms and a customer-managed kmsMasterKeyId"
        if not rule.get("bucketKeyEnabled"):
            yield "set bucketKeyEnabled: true to cut KMS requests"


def _bucket_ref(subject: Subject) -> str:
    return str(subject.get("bucket") or "")


def _bucket_names(subject: Subject) -> set[str]:
    return {str(subject.get(k)) for k in ("bucket", "id", "arn", "name") if subject.get(k)}


def _buckets_lacking(
    subjects: Sequence[Subject], companion: Iterable[str], accept: Callable[[Subject], bool]
) -> list[Subject]:
    """Buckets with no companion resource (of the given types) that ``accept`` approves."""
    types = tuple(companion)
    covered = {_bucket_ref(s) for s in subjects if s.type in types and accept(s)}
    return [b for b in subjects if b.type in t.S3_BUCKETS and not (_bucket_names(b) & covered)]


def _tls_only_statement(subject: Subject) -> bool:
    document = decoded(subject.get("policy")) or {}
    for statement in as_list(document.get("Statement") if isinstance(document, Mapping) else None):
        condition = statement.get("Condition") or {}
        secure = (condition.get("Bool") or {}).get("aws:SecureTransport")
        if statement.get("Effect") == "Deny" and str(secure).lower() == "false":
            return True
    return False


LB_LOG_PURPOSE = "lb-logs"


def _is_lb_log_bucket(bucket: Subject) -> bool:
    """ELB writes access logs only to buckets with S3-managed encryption (SSE-S3, S3's default), so the bucket
    the platform tags for load-balancer logs is exempt from the SSE-KMS requirement."""
    tags = decoded(bucket.get("tags")) or {}
    return isinstance(tags, Mapping) and tags.get("purpose") == LB_LOG_PURPOSE


def _buckets_encrypted(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    for bucket in _buckets_lacking(subjects, t.S3_SSE, lambda s: not list(_s3_sse(s, context))):
        if _is_lb_log_bucket(bucket):
            continue
        yield bucket.urn, f"{bucket.name}: add a server-side encryption configuration with SSE-KMS and a bucket key"


def _buckets_tls_only(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    for bucket in _buckets_lacking(subjects, (t.S3_POLICY,), _tls_only_statement):
        yield bucket.urn, f"{bucket.name}: add a bucket policy that denies requests where aws:SecureTransport is false"


def _public_access_blocked(s: Subject) -> bool:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    return all(s.get(flag) is True or s.get(flag) == "true" for flag in flags)


def _buckets_private(subjects: Sequence[Subject], context: Context) -> Iterable[tuple[str, str]]:
    for bucket in _buckets_lacking(subjects, (t.S3_PUBLIC_ACCESS_BLOCK,), _public_access_blocked):
        yield bucket.urn, f"{bucket.name}: add a public access block with all four settings true"


def _ebs(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.EBS_VOLUME:
        if not subject.get("encrypted"):
            yield "set encrypted: true"
        yield from _kms_key(subject, "kmsKeyId", "the volume")
        return
    for mapping in as_list(subject.get("blockDeviceMappings")):
        ebs = mapping.get("ebs") or {}
        if str(ebs.get("encrypted")).lower() != "true" or not ebs.get("kmsKeyId"):
            device = mapping.get("deviceName", "?")
            yield f"block device {device}: set ebs.encrypted 'true' and a customer-managed kmsKeyId"


def _eks_secrets(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.EKS_COMPONENT:
        if not subject.get("encryptionConfigKeyArn"):
            yield "set encryptionConfigKeyArn to a customer-managed key for envelope encryption of secrets"
        return
    config = subject.get("encryptionConfig") or {}
    if "secrets" not in as_list(config.get("resources")) or not (config.get("provider") or {}).get("keyArn"):
        yield "set encryptionConfig with resources [secrets] and provider.keyArn, a customer-managed key"


def _cmk(key: str, what: str) -> Callable[[Subject, Context], Iterable[str]]:
    def check(subject: Subject, context: Context) -> Iterable[str]:
        yield from _kms_key(subject, key, what)

    return check


def _ecr(subject: Subject, context: Context) -> Iterable[str]:
    configs = as_list(subject.get("encryptionConfigurations"))
    if not configs or configs[0].get("encryptionType") != "KMS" or not configs[0].get("kmsKey"):
        yield "set encryptionConfigurations to encryptionType KMS with a customer-managed kmsKey"


def _listener(subject: Subject, context: Context) -> Iterable[str]:
    protocol = str(subject.get("protocol", "")).upper()
    if protocol in ("HTTPS", "TLS"):
        policy = str(subject.get("sslPolicy") or "")
        if policy not in RECOMMENDED_ELB_POLICIES:
            yield (
                f"sslPolicy {policy or '(default ELBSecurityPolicy-2016-08)'} is not a recommended TLS 1.3 policy; "
                "use ELBSecurityPolicy-TLS13-1-2-2021-06 (or its -Res, 1-3 or FIPS variants)"
            )
    elif protocol == "HTTP":
        actions = as_list(subject.get("defaultActions"))
        redirects = [a for a in actions if a.get("type") == "redirect"]
        if not redirects or str((redirects[0].get("redirect") or {}).get("protocol", "")).upper() != "HTTPS":
            yield "an HTTP listener may only redirect to HTTPS (defaultActions: redirect, protocol HTTPS, 301)"


def _cloudfront(subject: Subject, context: Context) -> Iterable[str]:
    behaviours = [subject.get("defaultCacheBehavior") or {}, *as_list(subject.get("orderedCacheBehaviors"))]
    for behaviour in behaviours:
        if behaviour.get("viewerProtocolPolicy") not in ("redirect-to-https", "https-only"):
            where = behaviour.get("pathPattern", "default")
            yield f"cache behaviour {where}: set viewerProtocolPolicy to redirect-to-https or https-only"
    certificate = subject.get("viewerCertificate") or {}
    if certificate.get("cloudfrontDefaultCertificate"):
        yield "use an ACM certificate with minimumProtocolVersion TLSv1.2_2021; the default certificate allows TLS 1.0"
    elif certificate.get("minimumProtocolVersion") not in CLOUDFRONT_MIN_TLS:
        found = certificate.get("minimumProtocolVersion") or "(default)"
        yield f"viewerCertificate.minimumProtocolVersion {found} is not recommended; use TLSv1.2_2021 or later"


def _codebuild_key(subject: Subject, context: Context) -> Iterable[str]:
    yield from _kms_key(subject, "encryptionKey", "the build's output artifacts")


def _codebuild_logs(subject: Subject, context: Context) -> Iterable[str]:
    logs = subject.get("logsConfig") or {}
    cloudwatch = logs.get("cloudwatchLogs") or {}
    s3 = logs.get("s3Logs") or {}
    # CodeBuild logs to CloudWatch unless told not to; S3 logs are off unless turned on.
    cloudwatch_on = str(cloudwatch.get("status", "ENABLED")).upper() == "ENABLED"
    s3_on = str(s3.get("status", "DISABLED")).upper() == "ENABLED"
    if not cloudwatch_on and not s3_on:
        yield "enable logsConfig.cloudwatchLogs (to an encrypted log group) or logsConfig.s3Logs"
    if s3_on and s3.get("encryptionDisabled") in (True, "true"):
        yield "remove logsConfig.s3Logs.encryptionDisabled: build logs in S3 must be encrypted"


def _pipeline_artifacts(subject: Subject, context: Context) -> Iterable[str]:
    stores = as_list(subject.get("artifactStores"))
    if not stores:
        yield "declare an artifactStores entry (an S3 bucket with a customer-managed encryptionKey)"
    for store in stores:
        key = store.get("encryptionKey") or {}
        where = store.get("region") or "the pipeline's region"
        if str(key.get("type", "")).upper() != "KMS" or not key.get("id"):
            yield f"artifact store in {where}: set encryptionKey to a customer-managed KMS key (type KMS)"
        elif _aws_managed(str(key["id"])):
            yield f"artifact store in {where}: encryptionKey {key['id']} is AWS-managed; use a customer-managed key"


def _rotation(subject: Subject, context: Context) -> Iterable[str]:
    symmetric = str(subject.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT")) == "SYMMETRIC_DEFAULT"
    if symmetric and not subject.get("enableKeyRotation"):
        yield "set enableKeyRotation: true"


NAME = "finplatform-encryption"
DESCRIPTION = "Data at rest is encrypted with customer-managed KMS keys, and in transit with TLS 1.2 or later."
RULES: list[Rule] = [
    Rule(
        "rds-storage-encrypted",
        "RDS storage is encrypted with a customer-managed KMS key.",
        "high",
        ("RDS.3", "RDS.27"),
        (t.RDS_INSTANCE, t.RDS_CLUSTER),
        check=_rds,
    ),
    Rule(
        "rds-tls-required",
        "PostgreSQL on RDS refuses clients that do not use TLS.",
        "high",
        (),
        (t.RDS_INSTANCE, t.RDS_PARAMETER_GROUP),
        check=_rds_tls,
    ),
    Rule(
        "elasticache-encrypted-at-rest",
        "Redis is encrypted at rest with a customer-managed KMS key.",
        "high",
        ("ElastiCache.4",),
        (t.CACHE_REPLICATION_GROUP, t.CACHE_CLUSTER),
        check=_cache_at_rest,
    ),
    Rule(
        "elasticache-encrypted-in-transit",
        "Redis requires TLS between clients and nodes.",
        "high",
        ("ElastiCache.5",),
        (t.CACHE_REPLICATION_GROUP,),
        check=_cache_in_transit,
    ),
    Rule(
        "elasticache-auth-required",
        "Redis clients authenticate with an AUTH token or RBAC.",
        "high",
        ("ElastiCache.6",),
        (t.CACHE_REPLICATION_GROUP,),
        check=_cache_auth,
    ),
    Rule(
        "s3-sse-kms-bucket-key",
        "S3 default encryption is SSE-KMS with a customer-managed key and a bucket key.",
        "high",
        (),
        t.S3_SSE,
        check=_s3_sse,
        other_ids=("S3.17",),
    ),
    Rule(
        "s3-bucket-encryption-configured",
        "Every S3 bucket has an SSE-KMS default encryption configuration.",
        "high",
        (),
        stack_check=_buckets_encrypted,
        other_ids=("S3.17",),
    ),
    Rule(
        "s3-tls-only",
        "Every S3 bucket policy denies requests that do not use TLS.",
        "high",
        ("S3.5",),
        stack_check=_buckets_tls_only,
    ),
    Rule(
        "s3-public-access-blocked",
        "Every S3 bucket blocks public ACLs and policies.",
        "critical",
        ("S3.2", "S3.3", "S3.8"),
        stack_check=_buckets_private,
    ),
    Rule(
        "ebs-encrypted",
        "EBS volumes and launch-template disks are encrypted with a customer-managed key.",
        "high",
        ("EC2.3", "EC2.181"),
        (t.EBS_VOLUME, t.LAUNCH_TEMPLATE),
        check=_ebs,
    ),
    Rule(
        "eks-secrets-encrypted",
        "EKS envelope-encrypts Kubernetes secrets with a customer-managed key.",
        "high",
        ("EKS.3",),
        (t.EKS_CLUSTER, t.EKS_COMPONENT),
        check=_eks_secrets,
    ),
    Rule(
        "cloudwatch-log-group-encrypted",
        "CloudWatch log groups are encrypted with a customer-managed key.",
        "medium",
        (),
        (t.LOG_GROUP,),
        check=_cmk("kmsKeyId", "the logs"),
    ),
    Rule(
        "sns-topic-encrypted",
        "SNS topics are encrypted with a customer-managed key.",
        "medium",
        (),  # no FSBP control: SNS.1 has been retired from the standard
        (t.SNS_TOPIC,),
        check=_cmk("kmsMasterKeyId", "messages"),
    ),
    Rule(
        "sqs-queue-encrypted",
        "SQS queues are encrypted with a customer-managed key.",
        "medium",
        ("SQS.1",),
        (t.SQS_QUEUE,),
        check=_cmk("kmsMasterKeyId", "messages"),
    ),
    Rule(
        "secretsmanager-secret-encrypted",
        "Secrets Manager secrets are encrypted with a customer-managed key.",
        "high",
        (),
        (t.SECRET,),
        check=_cmk("kmsKeyId", "the secret"),
    ),
    Rule(
        "timestream-encrypted",
        "Timestream databases are encrypted with a customer-managed key.",
        "medium",
        (),
        (t.TIMESTREAM_DATABASE,),
        check=_cmk("kmsKeyId", "time-series data"),
    ),
    Rule(
        "ecr-repository-encrypted",
        "ECR repositories, and the creation templates ECR makes replicated repositories from, are encrypted with "
        "a customer-managed key.",
        "medium",
        (),
        (t.ECR_REPOSITORY, t.ECR_CREATION_TEMPLATE),
        check=_ecr,
    ),
    Rule(
        "backup-vault-encrypted",
        "Backup vaults are encrypted with a customer-managed key.",
        "high",
        ("Backup.1",),
        (t.BACKUP_VAULT,),
        check=_cmk("kmsKeyArn", "recovery points"),
    ),
    Rule(
        "alb-listener-tls",
        "ALB listeners serve HTTPS with a recommended TLS 1.3 policy; HTTP only redirects to HTTPS.",
        "high",
        ("ELB.1", "ELB.17"),
        t.LISTENERS,
        check=_listener,
    ),
    Rule(
        "cloudfront-viewer-tls",
        "CloudFront serves viewers over HTTPS only, with its own certificate and a recommended TLS policy.",
        "high",
        ("CloudFront.3", "CloudFront.7", "CloudFront.15"),
        (t.CLOUDFRONT,),
        check=_cloudfront,
    ),
    Rule(
        "codebuild-project-encrypted",
        "CodeBuild projects encrypt their output artifacts with a customer-managed key.",
        "medium",
        (),
        (t.CODEBUILD_PROJECT,),
        check=_codebuild_key,
    ),
    Rule(
        "codebuild-logs-encrypted",
        "CodeBuild projects log, and their S3 logs, if any, are encrypted.",
        "medium",
        ("CodeBuild.3", "CodeBuild.4"),
        (t.CODEBUILD_PROJECT,),
        check=_codebuild_logs,
    ),
    Rule(
        "codepipeline-artifacts-encrypted",
        "CodePipeline artifact stores are encrypted with a customer-managed KMS key.",
        "medium",
        (),
        (t.CODEPIPELINE,),
        check=_pipeline_artifacts,
    ),
    Rule(
        "kms-key-rotation",
        "Symmetric customer-managed KMS keys rotate automatically.",
        "medium",
        (),
        (t.KMS_KEY,),
        check=_rotation,
        other_ids=("KMS.4",),
    ),
]

# The edge's rules, and the data and security services' controls, live beside this module; one pack, one list.
RULES += EDGE_RULES + DATA_SERVICE_RULES
