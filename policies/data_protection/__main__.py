"""The finplatform-data-protection policy pack; its policies are in rules.py."""

import sys
from pathlib import Path

# The rules share code with the repository (policies.common, the cost model), so the pack runs from it.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from policies.common.framework import serve
from policies.data_protection.rules import DESCRIPTION, NAME, RULES

if __name__ == "__main__":
    serve(NAME, DESCRIPTION, RULES)
