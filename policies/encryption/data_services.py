"""FSBP controls of the data and security services (RDS, ElastiCache, S3, KMS, Secrets Manager, SNS, SQS,
CloudWatch, CloudTrail, Config, GuardDuty, Backup, Timestream, EventBridge) that belong to this pack: the audit
trail encrypted at rest, and TLS required by the database engines whose own controls ask for it."""

import re
from collections.abc import Iterable, Mapping

from policies.common import types as t
from policies.common.framework import Context, Rule, Subject, as_list


def _trail_encrypted(subject: Subject, context: Context) -> Iterable[str]:
    key = str(subject.get("kmsKeyId") or "").strip()
    if not key:
        yield "set kmsKeyId to a customer-managed KMS key so delivered log files are encrypted with SSE-KMS"
    elif key.startswith("alias/aws/") or ":alias/aws/" in key:
        yield f"kmsKeyId {key} is an AWS-managed key; use a customer-managed KMS key"


# Engine family -> (control, the parameter that forces TLS, the values that turn it on).
ENGINE_TLS = {
    "sqlserver": ("RDS.41", "rds.force_ssl", ("1",)),
    "mariadb": ("RDS.44", "require_secure_transport", ("1", "ON", "on")),
}


MARIADB_TLS_FROM = (10, 5)  # RDS.44 leaves out MariaDB before 10.5, which lacks require_secure_transport


def _family(value: str) -> str:
    return next((family for family in ENGINE_TLS if value.lower().startswith(family)), "")


def _before_mariadb_10_5(version: str) -> bool:
    digits = re.findall(r"\d+", version)
    return len(digits) >= 2 and (int(digits[0]), int(digits[1])) < MARIADB_TLS_FROM


def _engine_tls(subject: Subject, context: Context) -> Iterable[str]:
    if subject.type == t.RDS_PARAMETER_GROUP:
        family = _family(str(subject.get("family") or ""))
        if not family or (family == "mariadb" and _before_mariadb_10_5(str(subject.get("family")))):
            return
        control, parameter, values = ENGINE_TLS[family]
        set_to = [
            str(p.get("value"))
            for p in as_list(subject.get("parameters"))
            if isinstance(p, Mapping) and p.get("name") == parameter
        ]
        if not set_to or set_to[0] not in values:
            yield f"{control}: set the parameter {parameter} = {values[0]} so clients must use TLS"
        return
    family = _family(str(subject.get("engine") or ""))
    if not family or subject.get("replicateSourceDb"):
        return
    if family == "mariadb" and _before_mariadb_10_5(str(subject.get("engineVersion") or "")):
        return
    control, parameter, values = ENGINE_TLS[family]
    group = str(subject.get("parameterGroupName") or "")
    if not group or group.startswith("default."):
        yield f"{control}: use a parameter group that sets {parameter} = {values[0]}; the default one allows plain text"


RULES: list[Rule] = [
    Rule(
        "cloudtrail-encrypted",
        "CloudTrail trails encrypt their log files with a customer-managed KMS key.",
        "medium",
        ("CloudTrail.2",),
        (t.CLOUDTRAIL,),
        check=_trail_encrypted,
    ),
    Rule(
        "rds-sqlserver-mariadb-tls-required",
        "RDS for SQL Server and MariaDB refuse clients that do not use TLS.",
        "medium",
        ("RDS.41", "RDS.44"),
        (t.RDS_INSTANCE, t.RDS_PARAMETER_GROUP),
        check=_engine_tls,
    ),
]
