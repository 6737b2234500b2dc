"""Network layer: the three-tier VPC with its flow logs, endpoints and subnet groups (``vpc``), and the network
ACLs that guard each tier behind the security groups (``acls``)."""

from components.network.vpc import Network, NetworkArgs, flow_logs_delivery_policy, flow_logs_trust_policy

__all__ = ["Network", "NetworkArgs", "flow_logs_delivery_policy", "flow_logs_trust_policy"]
