"""Checks of blueprint values against what AWS accepts, so that a mistake stops the plan and ``pulumi up`` with one
message before anything is declared, rather than failing half-way through a deployment.

Each check takes the value and returns it, or raises ValueError saying what is allowed (pydantic's AfterValidator
form). Values are quoted shortened (safe_yaml.shorten), never echoed in full.
"""

import re

from finplatform.aws_limits import SCHEDULE_ALLOWED, schedule_problem
from finplatform.safe_yaml import shorten

# --- container images: the platform's own ECR repositories (components/compute/registry.py splits them)

# ECR repository names (CreateRepository, repositoryName): lower-case components separated by . _ - and /.
_REPOSITORY = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
# Image tags (the OCI distribution spec): up to 128 word characters, dots and hyphens, not starting with . or -.
IMAGE_REFERENCE = re.compile(
    rf"(?P<repository>{_REPOSITORY})(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})|@sha256:[a-f0-9]{{64}})?"
)


def check_image(value: str) -> str:
    match = IMAGE_REFERENCE.fullmatch(value)
    # The stack's registry names the repository <prefix>/<repository>; ECR allows 256 characters in all.
    if match is None or len(match["repository"]) > 200:
        raise ValueError(
            f"{shorten(value)} is not an image reference; allowed: <repository>:<tag> or "
            "<repository>@sha256:<64 hex digits>, the repository a lower-case ECR name in this stack's registry "
            "(e.g. web-ui:1.4.2; no registry host, no scheme)"
        )
    return value


# --- EventBridge schedule expressions: the grammar is in aws_limits, which the aws-constraints pack shares


def check_schedule(value: str) -> str:
    problem = schedule_problem(value)
    if problem:
        raise ValueError(f"{shorten(value)} {problem}; {SCHEDULE_ALLOWED}")
    return value


# --- engine versions

# Amazon RDS for PostgreSQL release calendar (docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/
# postgresql-release-calendar.html): the major versions RDS offers under standard support, each with the
# highest minor version released (PostgreSQL community releases of 14 May 2026; RDS follows within weeks).
# 11 and 12 are left out: RDS runs them only under paid Extended Support. A newer minor: raise it here.
POSTGRES_VERSIONS: dict[int, int] = {13: 23, 14: 22, 15: 17, 16: 13, 17: 9, 18: 3}
# ElastiCache for Redis OSS, "Supported engines and versions" (docs.aws.amazon.com/AmazonElastiCache/latest/dg/
# supported-engine-versions.html): the versions a new replication group can use under standard support (4.0.10
# and 5.0.6 left standard support on 31 January 2026). From 6.0, ElastiCache takes major.minor only.
REDIS_VERSIONS = ("6.0", "6.2", "7.0", "7.1")


def check_postgres_version(value: str) -> str:
    match = re.fullmatch(r"(\d{1,3})(?:\.(\d{1,3}))?", value)
    major = int(match[1]) if match else None
    allowed = ", ".join(f"{m} (or {m}.1 to {m}.{n})" for m, n in POSTGRES_VERSIONS.items())
    if match is None or major not in POSTGRES_VERSIONS:
        raise ValueError(f"RDS offers no PostgreSQL {shorten(value)}; allowed: {allowed}")
    if match[2] is not None and not 1 <= int(match[2]) <= POSTGRES_VERSIONS[major]:
        raise ValueError(
            f"PostgreSQL {value} does not exist; {major} runs from {major}.1 to {major}.{POSTGRES_VERSIONS[major]} "
            f"(or write {major} for RDS's default minor)"
        )
    return value


def check_redis_version(value: str) -> str:
    if value not in REDIS_VERSIONS:
        raise ValueError(f"ElastiCache offers no Redis OSS {shorten(value)}; allowed: {', '.join(REDIS_VERSIONS)}")
    return value


# --- load balancer paths (Elastic Load Balancing, target group health checks and listener rule conditions)

HEALTH_CHECK_PATH_MAX = 1024
PATH_PATTERN_MAX = 128


def check_health_check_path(value: str) -> str:
    if not value.startswith("/") or len(value) > HEALTH_CHECK_PATH_MAX or any(ch.isspace() for ch in value):
        raise ValueError(
            f"{shorten(value)} is not a health-check path; allowed: a path starting with /, without spaces, at most "
            f"{HEALTH_CHECK_PATH_MAX} characters (e.g. /health)"
        )
    return value


def check_path_pattern(value: str) -> str:
    if not value.startswith("/") or len(value) > PATH_PATTERN_MAX or any(ch.isspace() for ch in value):
        raise ValueError(
            f"{shorten(value)} is not a path pattern; allowed: a path starting with /, without spaces, at most "
            f"{PATH_PATTERN_MAX} characters, * and ? as wildcards (e.g. /api/*)"
        )
    return value


# --- plaintext secrets

SECRET_MARKERS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "PRIVATE_KEY", "PRIVATEKEY", "API_KEY", "APIKEY")


def looks_secret(name: str) -> bool:
    """Whether a setting's name says it holds a secret (DB_PASSWORD, stripeApiKey, jwt-secret)."""
    normalised = re.sub(r"[-. ]", "_", name).upper()
    return any(marker in normalised for marker in SECRET_MARKERS)


def secret_refusal(name: str) -> str:
    return (
        f"{shorten(name)} looks like a secret, and settings are plain text in the task definition and the state; "
        "declare it in the blueprint's secrets: list (Secrets Manager or a SecureString) and grant the workload "
        "access: [secret:<name>]"
    )


# Environment variable names as Lambda takes them (the strictest of the three targets): a letter, then letters,
# digits and _, two characters at least.
SETTING_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,127}")


def check_settings(settings: dict[str, str]) -> dict[str, str]:
    for name in settings:
        if not SETTING_NAME.fullmatch(name):
            raise ValueError(
                f"{shorten(name)} is not an environment variable name; allowed: 2 to 128 letters, digits and _, "
                "starting with a letter"
            )
        if looks_secret(name):
            raise ValueError(secret_refusal(name))
    return settings
