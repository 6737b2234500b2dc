"""The finplatform-cost-guardrails policy pack: sizes, NAT gateways, the monthly budget and cost tags."""
