"""The finplatform-encryption policy pack; its policies are in rules.py."""

# policies.common comes from the environment: in a checkout the project's .venv, where the project is
# installed in editable mode; in a pack built by `make policy-packs`, a copy vendored beside this file.
from policies.common.framework import serve
from policies.encryption.rules import DESCRIPTION, NAME, RULES

if __name__ == "__main__":
    serve(NAME, DESCRIPTION, RULES)
