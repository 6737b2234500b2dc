"""A projection of a blueprint's monthly cost, for the layers the program does not declare yet.

It builds, from the blueprint's sizes and the environment profile, the billable resources the compute and
edge layers will declare, and prices them with the same model as the plan. It is documentation
(docs/cost.md), never part of a plan: the plan prices only what the program declares.
"""

from finplatform.config import ResolvedStack
from finplatform.cost.model import PricedResource


def _resource(kind: str, name: str, region: str, **props: object) -> PricedResource:
    return PricedResource(f"projection::{kind}::{name}", kind, name, props, region)


def projected_resources(stack: ResolvedStack) -> list[PricedResource]:
    """What the later layers will declare for this stack's blueprint, as priced resources."""
    bp, env, profile, region = stack.blueprint, stack.environment, stack.profile, stack.region
    resources: list[PricedResource] = []
    for service in bp.services:
        size = service.sizes.for_env(env)
        task_arn = f"arn:projection:task/{service.name}"
        resources += [
            _resource(
                "aws:ecs/taskDefinition:TaskDefinition",
                service.name,
                region,
                arn=task_arn,
                cpu=size.cpu,
                memory=size.memory,
            ),
            _resource(
                "aws:ecs/service:Service", service.name, region, desiredCount=size.desired, taskDefinition=task_arn
            ),
            _resource(
                "aws:cloudwatch/logGroup:LogGroup",
                f"{service.name}-logs",
                region,
                retentionInDays=profile.log_retention_days,
            ),
            _resource("aws:ecr/repository:Repository", service.name, region),
        ]
    for function in bp.functions:
        resources += [
            _resource("aws:lambda/function:Function", function.name, region, memorySize=function.memory_mb),
            _resource(
                "aws:cloudwatch/logGroup:LogGroup",
                f"{function.name}-logs",
                region,
                retentionInDays=profile.log_retention_days,
            ),
        ]
        if "http" in function.triggers:
            resources.append(_resource("aws:apigatewayv2/api:Api", f"{function.name}-api", region))
        if "queue" in function.triggers:
            resources += [
                _resource("aws:sqs/queue:Queue", f"{function.name}-queue", region),
                _resource("aws:sqs/queue:Queue", f"{function.name}-dlq", region),
            ]
    if any(s.public for s in bp.services):
        resources += [
            _resource("aws:lb/loadBalancer:LoadBalancer", "alb", region, loadBalancerType="application"),
            _resource("aws:wafv2/webAcl:WebAcl", "waf", region, rules=[{}] * 5),
            _resource("aws:cloudfront/distribution:Distribution", "cdn", region),
        ]
    return resources
