"""The WAF web ACL every internet-facing entry point gets: AWS managed rule groups and a per-IP rate limit,
with its requests logged."""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)


def _rule_visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def waf_rules(rate_limit: int) -> list[aws.wafv2.WebAclRuleArgs]:
    """AWS managed rule groups (common, known bad inputs, SQL injection, IP reputation) and a per-IP rate limit."""
    rules = [
        aws.wafv2.WebAclRuleArgs(
            name=group,
            priority=position,
            override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()  # type: ignore[no-untyped-call]  # SDK leaves it unannotated
            ),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                    name=group, vendor_name="AWS"
                )
            ),
            visibility_config=_rule_visibility(group),
        )
        for position, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules.append(
        aws.wafv2.WebAclRuleArgs(
            name="rate-limit",
            priority=len(rules),
            action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                    limit=rate_limit, aggregate_key_type="IP"
                )
            ),
            visibility_config=_rule_visibility("rate-limit"),
        )
    )
    return rules


def web_acl(name: str, scope: str, rate_limit: int, opts: pulumi.ResourceOptions) -> aws.wafv2.WebAcl:
    """A web ACL that allows by default and blocks what the rules catch; ``scope`` REGIONAL (load balancers)
    or CLOUDFRONT (distributions, declared in us-east-1)."""
    return aws.wafv2.WebAcl(
        name,
        aws.wafv2.WebAclArgs(
            scope=scope,
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=waf_rules(rate_limit),
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            ),
        ),
        opts=opts,
    )


def waf_log_group_name(prefix: str, scope: str) -> str:
    """WAF delivers to CloudWatch Logs only into groups named aws-waf-logs-*."""
    return f"aws-waf-logs-{prefix}-{scope.lower()}"


@dataclass(frozen=True)
class WafLogging:
    """Where a web ACL's request log goes."""

    prefix: str
    """The log group is aws-waf-logs-<prefix>-<scope>."""
    key_arn: pulumi.Input[str]
    """A logs key in the web ACL's region."""
    retention_days: int
    """The audit retention (a year in prod)."""
    protect: bool = False
    """Pulumi protect on the log group, as on the other audit logs."""


def log_requests(
    name: str, acl: aws.wafv2.WebAcl, scope: str, logging: WafLogging, opts: pulumi.ResourceOptions
) -> aws.cloudwatch.LogGroup:
    """Log the web ACL's requests to a KMS-encrypted group in its own region (WAF requires the same region)."""
    group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        aws.cloudwatch.LogGroupArgs(
            name=waf_log_group_name(logging.prefix, scope),
            retention_in_days=logging.retention_days,
            kms_key_id=logging.key_arn,
        ),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=logging.protect)),
    )
    aws.wafv2.WebAclLoggingConfiguration(
        f"{name}-logging",
        aws.wafv2.WebAclLoggingConfigurationArgs(
            resource_arn=acl.arn,
            log_destination_configs=[group.arn],
            # Authorization headers and cookies carry credentials; the log keeps the rest of the request.
            redacted_fields=[
                aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                    single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(name=header)
                )
                for header in ("authorization", "cookie")
            ],
        ),
        opts=opts,
    )
    return group
