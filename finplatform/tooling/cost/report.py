"""docs/cost.md, generated: the model, its assumptions, and each stack's estimate beside seed 000's table."""

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import fields

from finplatform.stack import resolve_stack
from finplatform.tooling.cost.blueprint import projected_resources
from finplatform.tooling.cost.model import CostItem, Estimate, estimate, price_table
from finplatform.tooling.stack_files import read_stack_file
from finplatform.usage import DEFAULTS, DESCRIPTIONS, RATIONALES, Usage

STACKS = ("dev", "staging", "prod")
ITEMIZED_LAYERS = ("observability",)
CATEGORIES = {
    "ecs": "Compute (Fargate, Lambda)",
    "lambda": "Compute (Fargate, Lambda)",
    "rds": "PostgreSQL (RDS)",
    "elasticache": "Redis (ElastiCache)",
    "s3": "Storage (S3, ECR, Backup)",
    "ecr": "Storage (S3, ECR, Backup)",
    "backup": "Storage (S3, ECR, Backup)",
    "ec2": "Network (NAT, IPv4, endpoints)",
    "lb": "Edge (ALB, WAF, CloudFront, API)",
    "wafv2": "Edge (ALB, WAF, CloudFront, API)",
    "cloudfront": "Edge (ALB, WAF, CloudFront, API)",
    "apigatewayv2": "Edge (ALB, WAF, CloudFront, API)",
    "route53": "Edge (ALB, WAF, CloudFront, API)",
    "codepipeline": "Delivery (CodePipeline, CodeBuild)",
    "codebuild": "Delivery (CodePipeline, CodeBuild)",
    "codestarconnections": "Delivery (CodePipeline, CodeBuild)",
    "codeconnections": "Delivery (CodePipeline, CodeBuild)",
    "codedeploy": "Delivery (CodePipeline, CodeBuild)",
    "sqs": "Compute (Fargate, Lambda)",
    "cloudwatch": "Logs and monitoring",
    "sns": "Logs and monitoring",
    "xray": "Logs and monitoring",
    "chatbot": "Logs and monitoring",
    "budgets": "Logs and monitoring",
    "costexplorer": "Logs and monitoring",
    "kms": "Keys and secrets",
    "secretsmanager": "Keys and secrets",
}
# Seed 000's production estimate for 1,000 active users.
SEED_000 = [
    ("Compute (Fargate, Lambda)", "ECS Fargate $200-400 (2-4 tasks) + Lambda $20-50", 220, 450),
    ("PostgreSQL (RDS)", "db.t3.medium Multi-AZ $150-300", 150, 300),
    ("Storage (S3, ECR, Backup)", "S3 $50-100", 50, 100),
    ("Logs and monitoring", "CloudWatch $30-60", 30, 60),
    ("Edge (ALB, WAF, CloudFront, API)", "ALB $25", 25, 25),
]


def _name(item: CostItem) -> str:
    return item.urn.rsplit("::", 1)[-1]


def render_layers(result: Estimate, itemized: Collection[str] = ITEMIZED_LAYERS) -> str:
    """Each layer's monthly subtotal, most expensive first, with the items of the ``itemized`` layers under
    theirs, and the total: the text the plan prints after its per-resource table."""
    lines = ["Monthly cost by layer (USD):"]
    for layer, subtotal in result.by_layer().items():
        lines.append(f"  {subtotal:>9,.2f}  {layer}")
        if layer in itemized:
            lines += [
                f"      {i.monthly_usd:>9,.2f}  {i.type.split(':')[-1]:<22} {_name(i):<34} {i.basis}"
                for i in result.in_layer(layer)
            ]
    lines.append(f"  {result.monthly_usd:>9,.2f}  total")
    return "\n".join(lines)


def _layer_section(estimates: Mapping[str, Estimate], itemized: Collection[str] = ITEMIZED_LAYERS) -> list[str]:
    """The by-layer table of every stack (what the plan declares), then the itemized layers' resources."""
    subtotals = {stack: result.by_layer() for stack, result in estimates.items()}
    layers = sorted(
        {layer for totals in subtotals.values() for layer in totals},
        key=lambda layer: (-max(totals.get(layer, 0.0) for totals in subtotals.values()), layer),
    )
    lines = [
        "",
        "## By layer",
        "",
        "What `plan` declares for each stack, by the layer of the outermost platform component a resource",
        "belongs to (`finplatform:<layer>:<Component>`; *stack* is what no component holds). `plan --json` gives",
        "the same subtotals under `cost.layers` and each item's `layer`.",
        "",
        f"| Layer | {' | '.join(estimates)} |",
        f"| --- |{' --- |' * len(estimates)}",
    ]
    for layer in layers:
        cells = " | ".join(f"${totals.get(layer, 0.0):,.2f}" for totals in subtotals.values())
        lines.append(f"| {layer} | {cells} |")
    grand = " | ".join(f"**${result.monthly_usd:,.2f}**" for result in estimates.values())
    lines.append(f"| **Total** | {grand} |")
    for layer in itemized:
        lines += _itemized(layer, estimates)
    return lines


def _itemized(layer: str, estimates: Mapping[str, Estimate]) -> list[str]:
    rows = [(stack, item) for stack, result in estimates.items() for item in result.in_layer(layer)]
    lines = ["", f"### The {layer} layer, itemized", ""]
    if not rows:
        return [*lines, f"No stack declares resources in the {layer} layer that the model prices yet."]
    lines += ["| Stack | Resource | Type | Monthly | How |", "| --- | --- | --- | --- | --- |"]
    for stack, item in rows:
        kind = item.type.split(":")[-1]
        basis = item.basis.replace("|", "\\|")
        lines.append(f"| {stack} | {_name(item)} | {kind} | ${item.monthly_usd:,.2f} | {basis} |")
    return lines


RESOURCE_USAGE_TEXT = [
    "### Per resource",
    "",
    "One resource can differ from the rest of its kind: `finplatform:resourceUsage` in the stack file maps a",
    "resource's logical name (as the plan lists it) to the assumptions it is priced with, over `finplatform:usage`",
    "for that resource only, as Infracost's usage file does:",
    "",
    "```yaml",
    "  finplatform:resourceUsage:",
    "    postgres-primary:",
    "      dbBackupGb: 1600",
    "```",
    "",
    "`python -m finplatform plan --stack NAME --sync-usage` writes that block: every usage-priced resource, with",
    "each assumption its price reads and the value it is priced at now (values already in the block are kept), so",
    "you edit numbers, not keys. A value written there pins that resource: a later change to `finplatform:usage`",
    "or to the environment's defaults no longer reaches it. Comments above the block are kept; those inside it are",
    "rewritten (each entry's names the resource's type), so a reason goes above. A name no usage-priced resource",
    "has, or an assumption its price does not read, stops the plan with exit 2 and is a violation of",
    "`stack-monthly-budget`, never silently ignored.",
    "",
    "The block lives in the stack file rather than in a file of its own because the Pulumi CLI hands a policy pack",
    "the stack's config and nothing else: only there does `pulumi preview --policy-pack` price the stack with the",
    "same numbers as the offline plan. `smart-0dte-prod` uses it for the backups of seed 004's 1,000 GB database.",
    "",
    "### What each line is billed on",
    "",
    "Every line of the plan's cost lists its charges under it, as Infracost's breakdown does: a name, the",
    "quantity billed (after any free allowance the line subtracts), its unit and the unit price, e.g.",
    "`NAT gateway hours  730 hours x $0.045 = $32.85`. `plan --json` gives them per item under `charges`",
    "(`name`, `quantity`, `unit`, `unit_price`, `monthly_usd`) with the assumptions the line read under `usage`; the",
    "charges add up to the line (a test holds every prod stack to it).",
]
STANDBY_TEXT = [
    "",
    "## The DR standby",
    "",
    "The standby is what a stack spends a month to be able to fail over: every line declared by the DR region's",
    "provider (`aws-dr`, components/providers.py), in full, plus the replication part of the lines in the primary",
    "region: inter-region transfer of the RDS cross-region replica's write-ahead log, the ElastiCache Global",
    "Datastore, S3 replication (with Replication Time Control's $0.015/GB and its metrics where a rule turns them",
    "on), AWS Backup copy actions and ECR replication (with the replicas it keeps in the DR region), and the DR",
    "copies of replicated secrets. A resource counts by its provider, not by comparing regions, so the us-east-1",
    "edge provider of a stack whose primary region is elsewhere is never mistaken for the standby. `plan` prints",
    "it as one line after the total (`DR standby: $X/month (N resources in us-west-2: ...; replication transfer:",
    "...)`), `plan --json` gives it under `cost.standby`, and `Estimate.standby_usd()` returns it.",
    "",
    "The transfer volumes are modest on purpose: the seeds size production for about 1,000 active users on a",
    "db.t3.medium with 20 GB of storage (100 GB at most) and 500 GB per bucket, so a month's changes are tens of",
    "GB, not terabytes. `dbReplicationGb` (30 in prod) is about 1 GB of write-ahead log a day; `cacheReplicationGb`",
    "(10) a third of a GB of session and cache writes a day; `s3ReplicationGb` (25) 5% of a 500 GB bucket changing",
    "a month; `backupCopyGb` (30) a daily incremental copy of about 1 GB (the first copy, in full, costs more once);",
    "`registryReplicationGb` (5) thirty pushes of a few new layers. At $0.02/GB none of them reaches a dollar a",
    "month; set `finplatform:usage` when a stack writes more. The DR region's own lines take the same per-resource",
    "assumptions as the primary's (an idle standby load balancer at `albLcu`, its log groups at `logIngestGb`), which",
    "over-counts a quiet standby, on the safe side of the bill. Delivery takes `pipelineRuns` (30 a month, about a",
    "release a working day), `buildMinutesPerRun` (10) and `actionMinutesPerRun` (5 for a source or deploy action of",
    "a V2 pipeline; manual approvals are free).",
]


def standby_section(estimates: Mapping[str, Estimate]) -> list[str]:
    """What the DR standby is and how it is sized, then each stack's standby and the part that is replication."""
    lines = [*STANDBY_TEXT, "", "| Stack | DR standby | In the DR region | Replication | Resources in the DR region |"]
    lines.append("| --- | --- | --- | --- | --- |")
    for stack, result in estimates.items():
        standby = result.standby()
        where = f"{standby.resources} in {', '.join(standby.regions)}" if standby.resources else "none"
        lines.append(
            f"| {stack} | ${standby.monthly_usd:,.2f} | ${standby.in_region_usd:,.2f} | "
            f"${standby.replication_usd:,.2f} | {where} |"
        )
    return lines


def _by_category(result: Estimate) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for item in result.items:
        module = item.type.split(":")[1].split("/")[0]
        totals[CATEGORIES.get(module, "Other")] += item.monthly_usd
    return totals


def _estimates(stack: str) -> tuple[Estimate, Estimate]:
    """(what the plan declares today, that plus the projection of the later layers)."""
    from finplatform.tooling.plan import planned_program, priced

    raw, _ = read_stack_file(stack)
    resolved = resolve_stack(stack, raw)
    usage = resolved.assumptions()
    declared = priced(planned_program(stack).engine_view())
    return estimate(declared, usage), estimate(declared + projected_resources(resolved), usage)


def _verdict(total: float, outside_seed: float) -> str:
    """One honest sentence on where the projection lands against seed 000's range, and why."""
    parts = (
        f"${outside_seed:,.2f} of it is for parts the seed's table leaves out and a bank's production needs "
        "(NAT gateways, public IPv4 and interface endpoints, KMS keys, Secrets Manager, Redis)"
    )
    if 475 <= total <= 935:
        return f"The projection lands inside seed 000's range, at ${total:,.2f}/month, although {parts}."
    if total > 935:
        return (
            f"The projection lands above seed 000's range, at ${total:,.2f}/month: {parts}, and every log group "
            "is assumed to ingest logIngestGb, which over-counts the quiet ones (set finplatform:usage to refine)."
        )
    return f"The projection lands below seed 000's range, at ${total:,.2f}/month, even though {parts}."


def render_cost_doc() -> str:
    table = price_table()
    lines = [
        "# Cost model",
        "",
        "<!-- Generated by `python -m finplatform generate` from finplatform/tooling/cost/; edit there. -->",
        "",
        "`python -m finplatform plan` prices every resource the program declares, plus the parts remote",
        "components create (derived from their arguments), and prints a monthly cost per resource and the stack",
        "total. The `stack-monthly-budget` policy runs the same model (`finplatform/tooling/cost/model.py`) inside the",
        "cost-guardrails pack over the resources the engine reports, so the plan and the policy agree.",
        "",
        "## Prices",
        "",
        f"`finplatform/tooling/cost/prices.json`: on-demand list prices in USD for {', '.join(table['regions'])}.",
        f"Vendored {table['vendored']}. Each group of prices records its own date and source (`priceGroups`);",
        "they were not fetched from the AWS Price List API (this project's machines have no AWS access), and a",
        "group whose status says *not verified* was not checked against an AWS pricing page: check it before using",
        f"the figures for a budget. A month is {table['hoursPerMonth']} hours. The instance catalogue that config is",
        "validated against holds only sizes AWS lists (`finplatform/data/`, with their date and source).",
        "",
        "| Group | As of | Source | Status |",
        "| --- | --- | --- | --- |",
        *(
            f"| {name} | {group['asOf']} | {group['source']} | {group['status']} |"
            for name, group in table["priceGroups"].items()
        ),
        "",
        "## Usage assumptions",
        "",
        "Usage-driven charges take these monthly volumes; a stack overrides any of them with",
        "`finplatform:usage` entries such as `natProcessedGb=500`.",
        "",
        "| Name | Meaning | dev | staging | prod | Why |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in fields(Usage):
        values = " | ".join(f"{getattr(DEFAULTS[env], f.name):g}" for env in STACKS)
        lines.append(f"| `{f.name}` | {DESCRIPTIONS[f.name]} | {values} | {RATIONALES.get(f.name, '')} |")
    lines += ["", *RESOURCE_USAGE_TEXT]
    estimates = {stack: _estimates(stack) for stack in STACKS}
    lines += [
        "",
        "## The stacks",
        "",
        "*Declared* is what `plan` prices today: network, keys and secrets, data, audit, recovery, the image",
        "registry, the ECS services, the functions, and the load balancer with its WAF. *With the blueprint* adds a",
        "projection of the CloudFront distribution a stack declares once it has a domain and a hosted zone",
        "(`finplatform:domainName`, `finplatform:hostedZoneId`; seed 000)",
        "(`finplatform/tooling/cost/blueprint.py`), priced by the same model. It can come out lower than",
        "*Declared*: with a distribution in front, the stack's internet egress leaves through CloudFront, whose",
        "always-free tier (1 TB a month) covers it, instead of through the load balancer at $0.09/GB.",
        "",
        "| Stack | Declared | With the blueprint |",
        "| --- | --- | --- |",
    ]
    for stack, (declared, full) in estimates.items():
        lines.append(f"| {stack} | ${declared.monthly_usd:,.2f} | ${full.monthly_usd:,.2f} |")
    lines += _layer_section({stack: declared for stack, (declared, _full) in estimates.items()})
    lines += standby_section({stack: declared for stack, (declared, _full) in estimates.items()})
    prod = _by_category(estimates["prod"][1])
    lines += [
        "",
        "## Against seed 000",
        "",
        "Seed 000 puts production for 1,000 active users at **$475-935/month**. The prod projection:",
        "",
        "| Part | Seed 000 | This platform, prod | Why it differs |",
        "| --- | --- | --- | --- |",
    ]
    reasons = {
        "Compute (Fargate, Lambda)": "two services with two tasks each (one per AZ) at 0.5 and 1 vCPU",
        "PostgreSQL (RDS)": "Multi-AZ db.t3.medium plus a read replica and a cross-region DR replica",
        "Storage (S3, ECR, Backup)": "500 GB per bucket assumed, DR replicas of the data and audit buckets, a "
        "backup vault and image registries",
        "Logs and monitoring": "every log group (flow logs in both regions, database, cache, trail, services) is "
        "assumed to ingest logIngestGb; quiet ones are over-counted, on the safe side of the bill",
        "Edge (ALB, WAF, CloudFront, API)": "adds WAF, CloudFront and an HTTP API to the ALB",
    }
    for name, seed, _low, _high in SEED_000:
        lines.append(f"| {name} | {seed} | ${prod.get(name, 0):,.2f} | {reasons[name]} |")
    extra = {k: v for k, v in prod.items() if k not in dict((s[0], 0) for s in SEED_000)}
    for name, value in sorted(extra.items()):
        lines.append(f"| {name} | not in seed 000 | ${value:,.2f} | |")
    total = estimates["prod"][1].monthly_usd
    lines += [
        f"| **Total** | **$475-935** | **${total:,.2f}** | |",
        "",
        _verdict(total, sum(extra.values())),
    ]
    return "\n".join(lines) + "\n"
