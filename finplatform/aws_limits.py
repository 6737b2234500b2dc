"""What AWS accepts, where both the program and the aws-constraints policy pack need to know it.

The program uses these to choose settings AWS will take (a component never asks for Performance Insights on a
class that lacks it); the pack (``policies/aws_constraints``) uses the same functions to reject a stack that
asks for something AWS would refuse at ``pulumi up``. Keep this module to the standard library, free of Pulumi
and pydantic imports: the published pack vendors it.
"""

import hashlib
import re
import unicodedata
from datetime import datetime

# Performance Insights is not offered on the smallest burstable classes (db.t3.micro, db.t4g.small, ...).
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.Overview.Engines.html
NO_PERFORMANCE_INSIGHTS = (".micro", ".small")
# PerformanceInsightsRetentionPeriod: 7 days (free tier), any whole number of 31-day months up to 23, or 731.
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
PERFORMANCE_INSIGHTS_RETENTION_DAYS = frozenset({7, 731, *(31 * month for month in range(1, 24))})


def offers_performance_insights(instance_class: str) -> bool:
    """Whether an RDS instance class offers Performance Insights."""
    return not instance_class.endswith(NO_PERFORMANCE_INSIGHTS)


# Pulumi names a resource whose name is not set ``<logical name>-<7 random hex characters>`` and refuses, at
# `pulumi up`, a logical name for which that would be longer than the name AWS allows.
AUTONAME_SUFFIX_LENGTH = 8
# Terraform, under the AWS provider, appends 26 characters to a ``namePrefix`` or ``bucketPrefix``.
PREFIX_SUFFIX_LENGTH = 26


def autoname_length(logical_name: str) -> int:
    """The length of the name Pulumi gives a resource whose name is left unset."""
    return len(logical_name) + AUTONAME_SUFFIX_LENGTH


# --- tags (the Tag type's pattern, ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$, in the Resource Groups Tagging API reference;
# https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions)

TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
TAG_PUNCTUATION = "_.:/=+-@"
TAG_TEXT_ALLOWED = f"letters, digits, spaces and {' '.join(TAG_PUNCTUATION)}"


def tag_character(ch: str) -> bool:
    """Whether AWS takes the character in a tag key or value: a Unicode letter, digit or space, or _ . : / = + - @."""
    return unicodedata.category(ch)[0] in "LNZ" or ch in TAG_PUNCTUATION


def bad_tag_characters(text: str) -> list[str]:
    """The characters of ``text`` that AWS refuses in a tag key or value, each once, in order of appearance."""
    return list(dict.fromkeys(ch for ch in text if not tag_character(ch)))


# --- schedule expressions (EventBridge User Guide, "Creating an Amazon EventBridge rule that runs on a schedule":
# rate(value unit) and cron(minutes hours day-of-month month day-of-week year); EventBridge Scheduler adds one-time
# at(yyyy-mm-ddThh:mm:ss) schedules)

SCHEDULE_ALLOWED = (
    "allowed: rate(<n> minute|minutes|hour|hours|day|days), singular for 1, or cron(<minutes> <hours> "
    "<day-of-month> <month> <day-of-week> <year>) with ? in one of the two day fields, e.g. cron(0 12 * * ? *)"
)
_RATE = re.compile(r"rate\((?P<value>\d{1,9}) (?P<unit>minutes?|hours?|days?)\)")
_AT = re.compile(r"at\((?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# name, lowest, highest, names standing for lowest, lowest + 1, ...
_CRON_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minutes", 0, 59, ()),
    ("hours", 0, 23, ()),
    ("day-of-month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, ()),
)


def schedule_problem(expression: str, *, one_time: bool = False) -> str:
    """What AWS would refuse in a schedule expression, as a phrase that follows the expression (``cron(0 12 * *
    ?) has 5 fields, not 6``), or "" when it takes it. ``one_time`` also accepts at(yyyy-mm-ddThh:mm:ss)."""
    rate = _RATE.fullmatch(expression)
    if rate is not None:
        count, unit = int(rate["value"]), rate["unit"]
        if count < 1:
            return f"has a rate of {count}: a rate is at least 1"
        if (count == 1) == unit.endswith("s"):
            right = f"1 {unit.rstrip('s')}" if count == 1 else f"{count} {unit}s"
            return f"says {unit} for {count}: write rate({right}); the unit is singular for 1 only"
        return ""
    if one_time and expression.startswith("at("):
        return "" if _valid_time(_AT.fullmatch(expression)) else "is not a one-time schedule at(yyyy-mm-ddThh:mm:ss)"
    if not (expression.startswith("cron(") and expression.endswith(")")):
        return "is not a schedule expression"
    parts = expression[5:-1].split()
    if len(parts) != len(_CRON_FIELDS):
        return f"has {len(parts)} fields, not {len(_CRON_FIELDS)}"
    for text, spec in zip(parts, _CRON_FIELDS, strict=True):
        problem = _cron_field_problem(text, spec)
        if problem:
            return f"has {spec[0]} {_quote(text, 30)}: {problem}"
    if (parts[2] == "?") == (parts[4] == "?"):
        return "has ? in both day fields or in neither: exactly one of day-of-month and day-of-week must be ?"
    return ""


def _valid_time(match: re.Match[str] | None) -> bool:
    if match is None:
        return False
    try:
        datetime.fromisoformat(match["time"])
    except ValueError:
        return False
    return True


def _cron_field_problem(text: str, spec: tuple[str, int, int, tuple[str, ...]]) -> str:
    name, low, high, names = spec
    if text == "?":
        return "" if name in ("day-of-month", "day-of-week") else "? is for day-of-month or day-of-week only"
    for item in text.split(","):
        if name == "day-of-month" and re.fullmatch(r"L|LW|\d{1,2}W", item):
            if item[:-1].isdigit() and not low <= int(item[:-1]) <= high:
                return f"{item[:-1]} is outside {low}-{high}"
            continue
        if name == "day-of-week" and re.fullmatch(r"L|\w{1,3}L|\w{1,3}#[1-5]", item):
            day = item.rstrip("L").split("#")[0]
            if day and not _cron_value_ok(day, low, high, names):
                return f"{day} is not a day of the week (1-7 or SUN-SAT)"
            continue
        base, slash, step = item.partition("/")
        if slash and not (step.isdigit() and int(step) >= 1):
            return f"the step {_quote(step, 20)} is not a positive whole number"
        if base == "*":
            continue
        bounds = base.split("-")
        if len(bounds) > 2 or not all(_cron_value_ok(bound, low, high, names) for bound in bounds):
            spelled = f" or {names[0]}-{names[-1]}" if names else ""
            return f"{_quote(item, 20)} is not a value, range or step within {low}-{high}{spelled}"
    return ""


def _cron_value_ok(text: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    if text.isdigit():
        return low <= int(text) <= high
    return text.upper() in names


def _quote(text: str, limit: int) -> str:
    """``repr`` of a piece of an expression, cut to ``limit`` characters: a huge field is never echoed in full."""
    quoted = repr(text)
    return quoted if len(quoted) <= limit else f"{quoted[:limit]}…"


def fitting_name(logical_name: str, limit: int) -> str | None:
    """None when the name Pulumi generates for ``logical_name`` fits AWS's ``limit``; else a name that does,
    shortened and kept unique by a hash of the logical name (and stable, so the resource is not replaced)."""
    if autoname_length(logical_name) <= limit:
        return None
    digest = hashlib.sha256(logical_name.encode()).hexdigest()[:7]
    return f"{logical_name[: limit - len(digest) - 1].rstrip('-')}-{digest}"
