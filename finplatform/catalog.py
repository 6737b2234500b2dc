"""The instance sizes AWS offers, so that config naming a size that does not exist fails at load time.

The catalogue owns its data (``catalog.json`` beside this file): the families the seeds and the environment
profiles use, plus their neighbours. A size missing there is rejected with the list of allowed ones. The cost
model imports this catalogue, never the reverse; a test keeps every catalogued size priced.
"""

import json
from pathlib import Path

CATALOG_FILE = Path(__file__).with_name("catalog.json")
with CATALOG_FILE.open(encoding="utf-8") as _handle:
    _SIZES: dict[str, list[str]] = {k: v for k, v in json.load(_handle).items() if isinstance(v, list)}

EC2_INSTANCE_TYPES = frozenset(_SIZES["ec2"])
RDS_INSTANCE_CLASSES = frozenset(_SIZES["rds"])
ELASTICACHE_NODE_TYPES = frozenset(_SIZES["elasticache"])
TIMESTREAM_INFLUXDB_TYPES = frozenset(_SIZES["timestreamInfluxdb"])
# The catalogue per price-table service, as the cost model names them.
SIZES_BY_SERVICE: dict[str, frozenset[str]] = {service: frozenset(sizes) for service, sizes in _SIZES.items()}

# AWS's published lists of the families the catalogue uses, vendored with their date and source.
DATA_DIR = Path(__file__).with_name("data")
AWS_LISTS = {
    "ec2": DATA_DIR / "ec2_instance_types.json",
    "rds": DATA_DIR / "rds_instance_classes.json",
    "elasticache": DATA_DIR / "elasticache_node_types.json",
    "timestreamInfluxdb": DATA_DIR / "timestream_influxdb_instance_types.json",
}


def aws_listed(service: str) -> dict[str, list[str]]:
    """The sizes AWS lists for ``service`` (a price-table service name), by family, from the vendored file."""
    with AWS_LISTS[service].open(encoding="utf-8") as handle:
        families: dict[str, list[str]] = json.load(handle)["families"]
    return families


# Fargate accepts only these CPU units, each with its own memory range (MiB) and step.
FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, int, int]] = {
    256: (512, 2048, 512),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}

# Values CloudWatch Logs accepts for retentionInDays.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


def check_size(kind: str, value: str, allowed: frozenset[str]) -> str:
    """Return ``value`` if it names a real size, else raise ValueError listing what the family offers."""
    if value in allowed:
        return value
    family = value.rsplit(".", 1)[0]
    same_family = sorted(v for v in allowed if v.rsplit(".", 1)[0] == family)
    hint = f"; {family} offers {', '.join(same_family)}" if same_family else ""
    raise ValueError(f"{value!r} is not a known {kind}{hint}")


def check_fargate(cpu: int, memory: int) -> None:
    """Raise ValueError unless (cpu, memory) is a combination Fargate accepts."""
    if cpu not in FARGATE_MEMORY_BY_CPU:
        raise ValueError(f"Fargate cpu {cpu} is not valid; allowed: {', '.join(map(str, FARGATE_MEMORY_BY_CPU))}")
    low, high, step = FARGATE_MEMORY_BY_CPU[cpu]
    if not (low <= memory <= high and (memory - low) % step == 0):
        raise ValueError(
            f"Fargate memory {memory} MiB does not fit cpu {cpu}; allowed: {low} to {high} MiB in steps of {step}"
        )
