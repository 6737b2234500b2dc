"""The finplatform-aws-constraints policy pack; its policies are in rules.py. Mandatory in every environment:
what AWS refuses at `pulumi up` fails a dev stack as surely as a prod one."""

# policies.common and finplatform come from the environment: in a checkout the project's .venv, where the
# project is installed in editable mode; in a pack built by `make policy-packs`, copies vendored beside this file.
from policies.aws_constraints.rules import DESCRIPTION, MANDATORY_EVERYWHERE, NAME, RULES
from policies.common.framework import serve

if __name__ == "__main__":
    serve(NAME, DESCRIPTION, RULES, mandatory_everywhere=MANDATORY_EVERYWHERE)
