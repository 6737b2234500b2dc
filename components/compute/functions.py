"""Lambda functions and their triggers: an HTTP API, an SQS queue, an EventBridge schedule."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.compute.access import Grants, injected_secrets, secret_read_statements, store_hosts, task_policy
from components.compute.code_signing import CodeSigningPolicy, signed_package, signing_config
from components.compute.http_api import authorized_route, route_access
from components.compute.workplace import Workplace
from components.shared.iam import attach_managed, inline_policy, service_role
from finplatform.blueprints import Function

LAMBDA_VPC_ACCESS = "service-role/AWSLambdaVPCAccessExecutionRole"
# The function's code arrives from the application pipeline; until then a handler that answers 501 keeps
# the infrastructure deployable without shipping anything that could act on data.
PLACEHOLDER_HANDLER = """\
def handler(event, context):
    return {"statusCode": 501, "body": "deployment package not yet published"}
"""
HTTP_THROTTLE = (100, 50.0)  # burst, requests per second
QUEUE_RECEIVES_BEFORE_DLQ = 5


def function_policy(
    resolved: Mapping[str, Any], access: Sequence[str], name: str, *, partition: str, region: str
) -> dict[str, Any]:
    """What a function may do: write its logs, consume its queue, reach what ``access`` names."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{resolved['logGroup']}:log-stream:*",
        },
        # X-Ray takes no resource-level permissions: AWS only accepts "*" for these two actions.
        {
            "Sid": "SendTraces",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
        {"Sid": "DeadLetters", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": resolved["dlq"]},
        {
            "Sid": "UseDataKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": resolved["dataKey"],
        },
    ]
    if resolved.get("queue"):
        statements.append(
            {
                "Sid": "ConsumeItsQueue",
                "Effect": "Allow",
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                "Resource": resolved["queue"],
            }
        )
    secrets = [resolved["secrets"][a.removeprefix("secret:")] for a in access if a.startswith("secret:")]
    statements += secret_read_statements(secrets, resolved["secretsKey"])
    statements += task_policy(name, access, resolved, partition=partition, region=region, account=resolved["account"])[
        "Statement"
    ]
    return {"Version": "2012-10-17", "Statement": statements}


@dataclass(frozen=True)
class FunctionsArgs:
    """Inputs of the Lambda functions."""

    workplace: Workplace
    """Region, private tier, environment and log settings the workloads share."""
    app_security_group_id: pulumi.Input[str]
    """The application tier's group, for functions with VPC access."""
    grants: Grants
    """What the functions may reach, by access name."""
    functions: Sequence[Function] = ()
    """The blueprint's functions."""
    prefix: str = "finplatform"
    """Function names are <prefix>-<function>."""
    settings: Mapping[str, str] = field(default_factory=dict)
    """Plain environment variables every function gets."""
    jwt_issuer: str = ""
    """Issuer URL of the identity provider the HTTP APIs' JWT authorizer trusts; empty: none configured."""
    jwt_audience: Sequence[str] = ()
    """Audiences a token must name for the JWT authorizer."""
    code_signing: CodeSigningPolicy = "Enforce"
    """What Lambda does with a package the stack's signing profile did not sign: Enforce refuses it, Warn logs it."""
    code_bucket: pulumi.Input[str] | None = None
    """A versioned bucket in the functions' region: with Enforce, the placeholder package is uploaded there and
    signed by an AWS Signer job, since Lambda would refuse it unsigned. None: the package is deployed unsigned,
    which only Warn accepts."""


class Functions(pulumi.ComponentResource):
    """Lambda functions: in the VPC when they reach data stores, active tracing, reserved concurrency, a
    dead-letter queue, environment encrypted with the data key; triggered by an HTTP API (access logs,
    throttling), an SQS queue and/or an EventBridge schedule."""

    functions: dict[str, aws.lambda_.Function]
    """The functions by name."""
    api_endpoints: dict[str, pulumi.Output[str]]
    """Invoke URL of each function's HTTP API."""
    monitored: dict[str, pulumi.Output[str]]
    """Names and ids the alarms read: function:<name>, queue:<name>, dlq:<name>, http-api:<name>."""

    signing_profile_name: pulumi.Output[str] | None
    """The AWS Signer profile whose signatures the functions accept (the application pipeline signs with it)."""

    def __init__(self, name: str, args: FunctionsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("finplatform:compute:Functions", name, None, opts)
        self.functions, self.api_endpoints, self.monitored = {}, {}, {}
        self.signing_profile_name = None
        signing = None
        if args.functions:
            profile, config_arn = signing_config(name, args.prefix, args.code_signing, self)
            self.signing_profile_name = profile.name
            signing = (profile, config_arn)
        for function in args.functions:
            self._function(f"{name}-{function.name}", function, args, signing)
        self.register_outputs({"apiEndpoints": self.api_endpoints})

    def _queue(self, name: str, key: pulumi.Input[str], **extra: Any) -> aws.sqs.Queue:
        return aws.sqs.Queue(
            name,
            aws.sqs.QueueArgs(kms_master_key_id=key, message_retention_seconds=14 * 24 * 3600, **extra),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _function(
        self,
        prefix: str,
        function: Function,
        args: FunctionsArgs,
        signing: tuple[aws.signer.SigningProfile, pulumi.Output[str]] | None,
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        placement, grants = args.workplace.placement, args.grants
        function_name = f"{args.prefix}-{function.name}"
        logs = args.workplace.log_group(f"{prefix}-logs", f"/aws/lambda/{function_name}", self)
        dlq = self._queue(f"{prefix}-dlq", grants.data_key_arn)
        queue = None
        if "queue" in function.triggers:
            queue = self._queue(
                f"{prefix}-queue",
                grants.data_key_arn,
                visibility_timeout_seconds=6 * function.timeout_seconds,
                redrive_policy=dlq.arn.apply(
                    lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": QUEUE_RECEIVES_BEFORE_DLQ})
                ),
            )
        self.monitored[f"dlq:{function.name}"] = dlq.name
        if queue is not None:
            self.monitored[f"queue:{function.name}"] = queue.name
        role = service_role(f"{prefix}-role", "lambda.amazonaws.com", placement, f"{function.name} function", self)
        if function.vpc_access:
            # Lambda manages the function's network interfaces; EC2 offers no resource scoping for that.
            attach_managed(f"{prefix}-vpc-access", role, placement.partition, LAMBDA_VPC_ACCESS, self)
        resolved = pulumi.Output.all(
            logGroup=logs.arn,
            dlq=dlq.arn,
            queue=queue.arn if queue else "",
            dataKey=grants.data_key_arn,
            secretsKey=grants.secrets_key_arn or "",
            account=placement.account_id,
            secrets=pulumi.Output.all(**dict(grants.secret_arns)) if grants.secret_arns else {},
            buckets=pulumi.Output.all(**dict(grants.bucket_arns)) if grants.bucket_arns else {},
            postgresResourceId=grants.postgres_resource_id or "",
        )
        policy = inline_policy(
            f"{prefix}-policy",
            role,
            resolved.apply(
                lambda r: json.dumps(
                    function_policy(
                        r, function.access, function.name, partition=placement.partition, region=placement.region
                    )
                )
            ),
            self,
        )
        code = pulumi.AssetArchive({f"{function.handler.split('.')[0]}.py": pulumi.StringAsset(PLACEHOLDER_HANDLER)})
        package: dict[str, Any] = {"code": code}
        if signing is not None and args.code_signing == "Enforce" and args.code_bucket is not None:
            bucket, key = signed_package(
                prefix, function.name, code, bucket=args.code_bucket, profile_name=signing[0].name, parent=self
            )
            package = {"s3_bucket": bucket, "s3_key": key}
        elif signing is not None and args.code_signing == "Enforce":
            pulumi.log.warn(
                f"{function.name}: no versioned bucket in this region to sign the placeholder package in; Lambda "
                "will refuse it unsigned until the application pipeline publishes a signed package",
                resource=self,
            )
        variables: dict[str, pulumi.Input[str]] = {**args.settings}
        variables.update({name: arn for name, arn in injected_secrets(function.access, grants).items()})
        variables.update(store_hosts(function.access, grants))
        lambda_function = aws.lambda_.Function(
            prefix,
            aws.lambda_.FunctionArgs(
                name=function_name,
                description=function.description,
                runtime=function.runtime,
                handler=function.handler,
                memory_size=function.memory_mb,
                timeout=function.timeout_seconds,
                role=role.arn,
                **package,
                code_signing_config_arn=signing[1] if signing is not None else None,
                reserved_concurrent_executions=function.reserved_concurrency.for_env(args.workplace.environment),
                tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
                dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=dlq.arn),
                kms_key_arn=grants.data_key_arn,
                environment=aws.lambda_.FunctionEnvironmentArgs(variables=variables),
                vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                    subnet_ids=args.workplace.private_subnet_ids,
                    security_group_ids=[args.app_security_group_id],
                )
                if function.vpc_access
                else None,
                logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=logs.name),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, logs]),
        )
        self.functions[function.name] = lambda_function
        if queue is not None:
            aws.lambda_.EventSourceMapping(
                f"{prefix}-queue-trigger",
                aws.lambda_.EventSourceMappingArgs(
                    event_source_arn=queue.arn, function_name=lambda_function.arn, batch_size=10
                ),
                opts=child,
            )
        self.monitored[f"function:{function.name}"] = lambda_function.name
        if "http" in function.triggers:
            self.monitored[f"http-api:{function.name}"] = self._http_api(prefix, function, lambda_function, args)
        if "schedule" in function.triggers:
            rule = aws.cloudwatch.EventRule(
                f"{prefix}-schedule", aws.cloudwatch.EventRuleArgs(schedule_expression=function.schedule), opts=child
            )
            aws.cloudwatch.EventTarget(
                f"{prefix}-schedule-target",
                aws.cloudwatch.EventTargetArgs(rule=rule.name, arn=lambda_function.arn),
                opts=child,
            )
            aws.lambda_.Permission(
                f"{prefix}-schedule-invoke",
                aws.lambda_.PermissionArgs(
                    action="lambda:InvokeFunction",
                    function=lambda_function.name,
                    principal="events.amazonaws.com",
                    source_arn=rule.arn,
                ),
                opts=child,
            )

    def _http_api(
        self, prefix: str, blueprint: Function, function: aws.lambda_.Function, args: FunctionsArgs
    ) -> pulumi.Output[str]:
        child = pulumi.ResourceOptions(parent=self)
        api = aws.apigatewayv2.Api(f"{prefix}-api", aws.apigatewayv2.ApiArgs(protocol_type="HTTP"), opts=child)
        access = route_access(blueprint, args.jwt_issuer, args.jwt_audience)
        integration = aws.apigatewayv2.Integration(
            f"{prefix}-integration",
            aws.apigatewayv2.IntegrationArgs(
                api_id=api.id,
                integration_type="AWS_PROXY",
                integration_uri=function.invoke_arn,
                payload_format_version="2.0",
            ),
            opts=child,
        )
        if access.authorization == "AWS_IAM":
            pulumi.log.warn(
                f"{blueprint.name}: finplatform:apiJwtIssuer and apiJwtAudience are not set, so its HTTP API accepts "
                "only IAM-signed requests (execute-api:Invoke, which no role here has) until they name the identity "
                "provider whose tokens it accepts",
                resource=self,
            )
        authorized_route(
            prefix, api, integration, access, issuer=args.jwt_issuer, audience=args.jwt_audience, parent=self
        )
        access_logs = args.workplace.log_group(f"{prefix}-api-logs", None, self)
        burst, rate = HTTP_THROTTLE
        stage = aws.apigatewayv2.Stage(
            f"{prefix}-stage",
            aws.apigatewayv2.StageArgs(
                api_id=api.id,
                name="$default",
                auto_deploy=True,
                access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                    destination_arn=access_logs.arn,
                    format=json.dumps(
                        {
                            "requestId": "$context.requestId",
                            "ip": "$context.identity.sourceIp",
                            "route": "$context.routeKey",
                            "status": "$context.status",
                            "latency": "$context.responseLatency",
                        }
                    ),
                ),
                default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                    throttling_burst_limit=burst, throttling_rate_limit=rate
                ),
            ),
            opts=child,
        )
        aws.lambda_.Permission(
            f"{prefix}-api-invoke",
            aws.lambda_.PermissionArgs(
                action="lambda:InvokeFunction",
                function=function.name,
                principal="apigateway.amazonaws.com",
                source_arn=api.execution_arn.apply(lambda arn: f"{arn}/*/*"),
            ),
            opts=child,
        )
        self.api_endpoints[prefix] = stage.invoke_url
        return api.id
