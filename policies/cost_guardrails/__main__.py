"""The finplatform-cost-guardrails policy pack; its policies are in rules.py."""

# policies.common and finplatform (the cost model) come from the environment: in a checkout the project's
# .venv, where the project is installed in editable mode; in a pack built by `make policy-packs`, copies
# vendored beside this file.
from policies.common.framework import serve
from policies.cost_guardrails.rules import DESCRIPTION, NAME, RULES

if __name__ == "__main__":
    serve(NAME, DESCRIPTION, RULES)
