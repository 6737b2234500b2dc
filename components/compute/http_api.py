"""Who may call a function's HTTP API: the route's authorization, decided from the blueprint and the stack's
identity provider, and the JWT authorizer that checks the provider's tokens."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from finplatform.blueprints import Function

HTTP_ROUTE = "POST /"


@dataclass(frozen=True)
class RouteAccess:
    """How an HTTP API's route is authorized: JWT (a token from the stack's identity provider, with these
    scopes), AWS_IAM (a SigV4-signed request from a principal allowed execute-api:Invoke) or NONE (public)."""

    authorization: Literal["JWT", "AWS_IAM", "NONE"]
    scopes: tuple[str, ...] = ()


def route_access(function: Function, issuer: str, audience: Sequence[str]) -> RouteAccess:
    """Who may call the function's HTTP route: anyone, only where the blueprint marks the API public (with its
    reason); else callers with a token from the stack's identity provider; and while the stack names none, only
    IAM-signed requests, which no role of the platform is allowed to make, so the route is closed until it does."""
    if function.http_api.public:
        return RouteAccess("NONE")
    if not (issuer and audience):
        return RouteAccess("AWS_IAM")
    return RouteAccess("JWT", tuple(function.http_api.scopes))


def authorized_route(
    prefix: str,
    api: aws.apigatewayv2.Api,
    integration: aws.apigatewayv2.Integration,
    access: RouteAccess,
    *,
    issuer: str,
    audience: Sequence[str],
    parent: pulumi.Resource,
) -> aws.apigatewayv2.Route:
    """The API's one route, authorized as ``access`` says: through a JWT authorizer trusting ``issuer`` for
    ``audience`` (the token in the Authorization header), by IAM, or (a public API) not at all."""
    child = pulumi.ResourceOptions(parent=parent)
    authorizer = (
        aws.apigatewayv2.Authorizer(
            f"{prefix}-authorizer",
            aws.apigatewayv2.AuthorizerArgs(
                api_id=api.id,
                authorizer_type="JWT",
                identity_sources=["$request.header.Authorization"],
                jwt_configuration=aws.apigatewayv2.AuthorizerJwtConfigurationArgs(
                    issuer=issuer, audiences=list(audience)
                ),
            ),
            opts=child,
        )
        if access.authorization == "JWT"
        else None
    )
    return aws.apigatewayv2.Route(
        f"{prefix}-route",
        aws.apigatewayv2.RouteArgs(
            api_id=api.id,
            route_key=HTTP_ROUTE,
            target=integration.id.apply(lambda i: f"integrations/{i}"),
            authorization_type=access.authorization,
            authorizer_id=authorizer.id if authorizer is not None else None,
            authorization_scopes=list(access.scopes) or None,
        ),
        opts=child,
    )
