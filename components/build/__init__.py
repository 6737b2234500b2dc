"""``build``: a stack's layers, one function each, composed over a ``StackContext``.

Each function declares one layer from the context and what earlier layers hand it, and returns what later
layers need. The program (``__main__.py``) only loads the stack, calls ``build`` and exports what it returns.
"""

from typing import Any

import pulumi
import pulumi_aws as aws

from components.build.compute import compute_layer
from components.build.data import data_layer
from components.build.delivery import delivery_layer
from components.build.edge import edge_layer
from components.build.foundation import audit_layer, keys_layer, network_layer, recovery_layer, secrets_layer
from components.build.observability import edge_placement, observability_layer
from components.build.standby import standby_layer
from components.context import Monitored, StackContext
from components.providers import Placement, declare_providers
from finplatform.stack import ResolvedStack


def build(stack: ResolvedStack) -> dict[str, Any]:
    """Declare every layer of ``stack``; returns the stack outputs every stack exports."""
    providers = declare_providers(stack)
    account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=providers.primary)).account_id
    primary = Placement(providers.primary, stack.region, account_id)
    dr = Placement(providers.dr, stack.dr_region, account_id) if providers.dr and stack.dr_region else None
    ctx = StackContext(stack, primary, dr, keys_layer(stack, primary, dr))
    exports: dict[str, Any] = {}
    monitored = Monitored()
    networks = network_layer(ctx)
    secrets = secrets_layer(ctx)
    data = data_layer(ctx, networks, monitored)
    at_edge = edge_placement(ctx, providers)
    edge = edge_layer(ctx, networks, data, at_edge=at_edge, exports=exports, monitored=monitored)
    compute_layer(ctx, networks, data, secrets, edge, exports=exports, monitored=monitored)
    standby_layer(ctx, networks, data, secrets, edge, exports=exports, monitored=monitored)
    delivery_layer(ctx, data, exports=exports)
    audit_layer(ctx, data.storage.audit.name)
    recovery_layer(ctx)
    topics = observability_layer(ctx, monitored, at_edge, providers)
    network = networks.primary
    return exports | {
        "vpcId": network.vpc_id,
        "publicSubnetIds": network.public_subnet_ids,
        "privateSubnetIds": network.private_subnet_ids,
        "isolatedSubnetIds": network.isolated_subnet_ids,
        "appSecurityGroupId": network.app_security_group_id,
        "keyArns": ctx.keys.primary.arns,
        "alertTopicArns": topics,
        "secretArns": secrets.arns if secrets else {},
        "bucketNames": {name: bucket.name for name, bucket in data.storage.by_name.items()},
        "connections": {
            store: {"endpoint": info.endpoint, "port": info.port, "secretArn": info.secret_arn}
            for store, info in data.connections.items()
        },
    }
