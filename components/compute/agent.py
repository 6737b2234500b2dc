"""The CloudWatch agent on the service instances: the memory metric the alarms read, and an X-Ray listener in
place of the X-Ray daemon."""

import json
from typing import Any

AGENT_NAMESPACE = "CWAgent"
XRAY_PORT = 2000


def agent_statements() -> list[dict[str, Any]]:
    """What the CloudWatch agent needs: publish the memory metric under its own namespace, read the instance's
    tags for the Auto Scaling group dimension, and relay the service's X-Ray segments."""
    return [
        # PutMetricData takes no resource ARN; the namespace condition keeps the agent to its own metrics.
        {
            "Sid": "AgentPublishesItsMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": AGENT_NAMESPACE}},
        },
        # DescribeTags and the X-Ray actions take no resource-level permissions: AWS accepts only "*".
        {"Sid": "AgentReadsGroupName", "Effect": "Allow", "Action": "ec2:DescribeTags", "Resource": "*"},
        {
            "Sid": "AgentRelaysTraces",
            "Effect": "Allow",
            "Action": [
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
            ],
            "Resource": "*",
        },
    ]


def agent_config(tracing: bool) -> dict[str, Any]:
    """CloudWatch agent: memory use per Auto Scaling group (the memory alarm reads it) and, with tracing, an
    X-Ray listener on port 2000 in place of the X-Ray daemon. The container reaches it through the host gateway;
    the application tier's security group does not open 2000, so nothing else does."""
    config: dict[str, Any] = {
        "metrics": {
            "namespace": AGENT_NAMESPACE,
            "append_dimensions": {"AutoScalingGroupName": "${aws:AutoScalingGroupName}"},
            "aggregation_dimensions": [["AutoScalingGroupName"]],
            "metrics_collected": {"mem": {"measurement": ["mem_used_percent"], "metrics_collection_interval": 60}},
        }
    }
    if tracing:
        config["traces"] = {"traces_collected": {"xray": {"bind_address": f"0.0.0.0:{XRAY_PORT}"}}}
    return config


def agent_lines(tracing: bool) -> list[str]:
    """Install, configure and start the CloudWatch agent."""
    path = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
    return [
        "dnf install -y amazon-cloudwatch-agent",
        f"cat > {path} <<'AGENT'",
        json.dumps(agent_config(tracing), sort_keys=True),
        "AGENT",
        f"/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:{path}",
    ]
