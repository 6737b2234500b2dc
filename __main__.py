"""finplatform: one stack of the platform, built from the stack's typed config and its blueprint."""

import pulumi
import pulumi_aws as aws

from components.keys_and_secrets import Keys, KeysArgs, key_domains
from components.network import Network, NetworkArgs
from components.providers import declare_providers, partition_for
from finplatform import PROJECT
from finplatform.config import ConfigError, raw_config_from_runtime, resolve_stack

try:
    stack = resolve_stack(pulumi.get_stack(), raw_config_from_runtime())
except ConfigError as error:
    # RunError ends the program with the message alone, no traceback.
    raise pulumi.RunError(str(error)) from None

providers = declare_providers(stack)
primary = pulumi.ResourceOptions(provider=providers.primary)
account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=providers.primary)).account_id
partition = partition_for(stack.region)
alias_prefix = f"{PROJECT}-{stack.stack}"

keys = Keys(
    "keys",
    KeysArgs(
        domains=key_domains(stack.blueprint),
        account_id=account_id,
        region=stack.region,
        partition=partition,
        alias_prefix=alias_prefix,
        deletion_window_days=stack.profile.key_deletion_window_days,
        protect=stack.profile.protect_stateful_resources,
    ),
    opts=primary,
)

if providers.dr and stack.dr_region:
    # DR-region keys for the replicas and backup copies that the data and recovery layers place there.
    Keys(
        "dr-keys",
        KeysArgs(
            domains=[d for d in key_domains(stack.blueprint) if d != "logs"],
            account_id=account_id,
            region=stack.dr_region,
            partition=partition_for(stack.dr_region),
            alias_prefix=f"{alias_prefix}-dr",
            deletion_window_days=stack.profile.key_deletion_window_days,
            protect=stack.profile.protect_stateful_resources,
        ),
        opts=pulumi.ResourceOptions(provider=providers.dr),
    )

network = Network(
    "network",
    NetworkArgs(
        plan=stack.network,
        nat_strategy=stack.profile.nat_strategy,
        region=stack.region,
        partition=partition,
        account_id=account_id,
        flow_log_retention_days=stack.profile.log_retention_days,
        logs_key_arn=keys.arn("logs"),
        protect_logs=stack.profile.protect_stateful_resources,
    ),
    opts=primary,
)

pulumi.export("vpcId", network.vpc_id)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
pulumi.export("dbSubnetGroupName", network.db_subnet_group_name)
pulumi.export("cacheSubnetGroupName", network.cache_subnet_group_name)
pulumi.export("keyArns", keys.arns)
