"""A projection of a blueprint's monthly cost with the parts a stack file does not switch on by default.

It builds, from the blueprint's sizes and the environment profile, the billable resources the CDN part of the
edge layer declares once finplatform:domainName and finplatform:hostedZoneId are set (the CloudFront
distribution), and prices them with the same model as the plan. It is documentation
(docs/cost.md), never part of a plan: the plan prices only what the program declares.
"""

from finplatform.stack import ResolvedStack
from finplatform.tooling.cost.model import PricedResource


def _resource(component: str, kind: str, name: str, region: str, **props: object) -> PricedResource:
    """A projected resource, its URN under the component that will declare it (so it lands in that layer)."""
    return PricedResource(f"urn:pulumi:projection::finplatform::{component}${kind}::{name}", kind, name, props, region)


def projected_resources(stack: ResolvedStack) -> list[PricedResource]:
    """What the later layers will declare for this stack's blueprint, as priced resources."""
    bp, region = stack.blueprint, stack.region
    resources: list[PricedResource] = []
    if any(s.public for s in bp.services):
        resources += [
            _resource("finplatform:edge:Cdn", "aws:cloudfront/distribution:Distribution", "cdn", region),
        ]
    return resources
