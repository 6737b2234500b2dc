"""The WAF web ACL every internet-facing entry point gets: AWS managed rule groups and a per-IP rate limit."""

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
