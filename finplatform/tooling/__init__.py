"""Offline tooling: Pulumi mocks, the offline plan, policy evaluation, remote-component expansion, the cost
model, the benchmark and the doc generators. The Pulumi program never imports anything from here."""
