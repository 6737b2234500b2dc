"""The blueprint fields and stack keys that decide who may call a function's API, how a container runs and how
the load balancer reaches it: each refuses what cannot work, with one message naming the field."""

from typing import Any

import pytest
from pydantic import ValidationError

from finplatform.blueprints import Function, HttpApi, Service
from finplatform.config import ConfigError, parse_stack_config

SIZES = {"cpu": 256, "memory": 512, "desired": 1, "min": 1, "max": 1}


def _service(**fields: Any) -> Service:
    return Service.model_validate(
        {"name": "api", "image": "api:1.0.0", "sizes": {"dev": SIZES, "staging": SIZES, "prod": SIZES}, **fields}
    )


def _function(**fields: Any) -> Function:
    return Function.model_validate(
        {
            "name": "anchoring",
            "triggers": ["http"],
            "reservedConcurrency": {"dev": 1, "staging": 1, "prod": 1},
            **fields,
        }
    )


def test_an_http_api_needs_a_token_unless_marked_public_with_a_reason() -> None:
    # GIVEN a function with an HTTP trigger and nothing said about its API
    function = _function()
    # THEN its API is not public and asks for no particular scope
    assert function.http_api == HttpApi(public=False, public_reason="", scopes=[])
    # AND a public API with its reason is accepted
    public = _function(httpApi={"public": True, "publicReason": "a health probe for a status page"})
    assert public.http_api.public


@pytest.mark.parametrize(
    ("http_api", "message"),
    [
        ({"public": True}, "httpApi.public needs publicReason"),
        ({"public": True, "publicReason": "because"}, "httpApi.public needs publicReason"),
        ({"publicReason": "anyone may call it"}, "publicReason is given but public is false"),
        ({"public": True, "publicReason": "a status page probe", "scopes": ["anchor"]}, "scopes need a token"),
    ],
    ids=["no-reason", "too-short", "reason-without-public", "scopes-on-public"],
)
def test_a_public_api_without_a_reason_is_refused(http_api: dict[str, Any], message: str) -> None:
    # GIVEN an HTTP API marked public without a real reason, or inconsistently
    # WHEN the blueprint's function is read THEN it is refused with the field named
    with pytest.raises(ValidationError, match=message):
        _function(httpApi=http_api)


def test_http_api_settings_need_the_http_trigger() -> None:
    # GIVEN a queue-triggered function with HTTP API settings WHEN it is read THEN it is refused
    with pytest.raises(ValidationError, match="httpApi is set but the function has no http trigger"):
        _function(triggers=["queue"], httpApi={"scopes": ["anchor"]})


@pytest.mark.parametrize(
    ("fields", "environment", "protocol"),
    [
        ({}, "prod", "HTTPS"),
        ({}, "staging", "HTTP"),
        ({}, "dev", "HTTP"),
        ({"targetProtocol": "HTTPS"}, "dev", "HTTPS"),
        ({"targetProtocol": "HTTP"}, "prod", "HTTP"),
    ],
)
def test_target_protocol_is_https_in_prod_unless_the_blueprint_says(
    fields: dict[str, Any], environment: str, protocol: str
) -> None:
    # GIVEN a service, with or without its own targetProtocol WHEN the environment's protocol is asked
    # THEN it is the service's own, else HTTPS in prod and HTTP elsewhere
    assert _service(**fields).target_protocol_in(environment) == protocol  # type: ignore[arg-type]


def test_containers_run_as_a_non_root_user_writing_only_to_tmp_by_default() -> None:
    # GIVEN a service that says nothing about its user or where it writes
    service = _service()
    # THEN it runs as UID and GID 1000 and writes only to /tmp
    assert (service.run_as_user, service.writable_paths) == ("1000:1000", ["/tmp"])
    # AND null keeps the image's own user
    assert _service(runAsUser=None).run_as_user is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"runAsUser": "root"}, "runAsUser"),
        ({"writablePaths": ["tmp"]}, "is not an absolute directory"),
        ({"writablePaths": ["/"]}, "is not an absolute directory"),
        ({"writablePaths": ["/var/../etc"]}, "is not an absolute directory"),
        ({"writablePaths": ["/tmp", "/tmp"]}, "each path once"),
        ({"targetProtocol": "TCP"}, "targetProtocol"),
    ],
)
def test_malformed_container_settings_are_refused(fields: dict[str, Any], message: str) -> None:
    # GIVEN a service with a user name instead of a UID, a relative or escaping path, or an unknown protocol
    # WHEN it is read THEN it is refused with the field named
    with pytest.raises(ValidationError, match=message):
        _service(**fields)


def test_the_jwt_issuer_and_audience_go_together() -> None:
    # GIVEN a stack file naming an issuer and its audience WHEN it is read THEN both are kept
    config = parse_stack_config(
        {"finplatform:apiJwtIssuer": "https://idp.example.com/tenant", "finplatform:apiJwtAudience": '["anchoring"]'},
        "Pulumi.prod.yaml",
    )
    assert (config.api_jwt_issuer, config.api_jwt_audience) == ("https://idp.example.com/tenant", ["anchoring"])
    # AND a stack file without either has neither
    assert parse_stack_config({}, "Pulumi.dev.yaml").api_jwt_issuer == ""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"finplatform:apiJwtIssuer": "https://idp.example.com"}, "finplatform:apiJwtAudience: apiJwtIssuer and"),
        ({"finplatform:apiJwtAudience": '["anchoring"]'}, "finplatform:apiJwtAudience: apiJwtIssuer and"),
        (
            {"finplatform:apiJwtIssuer": "http://idp.example.com", "finplatform:apiJwtAudience": '["a"]'},
            "finplatform:apiJwtIssuer: 'http://idp.example.com' is not an issuer URL; allowed: https://",
        ),
    ],
    ids=["issuer-alone", "audience-alone", "plain-http"],
)
def test_a_half_configured_or_plain_http_issuer_is_refused(raw: dict[str, str], message: str) -> None:
    # GIVEN a stack file with only one of the two keys, or an issuer API Gateway could not fetch keys from
    # WHEN it is read THEN one message names the stack file and the key
    with pytest.raises(ConfigError) as error:
        parse_stack_config(raw, "Pulumi.prod.yaml")
    assert str(error.value).startswith("invalid configuration in Pulumi.prod.yaml: ")
    assert message in str(error.value)
