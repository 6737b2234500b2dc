"""finplatform's model: typed stack configuration, environment profiles, blueprints, the size catalogue, the
network layout and usage assumptions. The Pulumi program and the policy packs import it; it loads no tooling
(that lives in ``finplatform.tooling`` and is never imported by the program)."""

from pathlib import Path

PROJECT = "finplatform"
ROOT = Path(__file__).resolve().parent.parent
BLUEPRINTS_DIR = ROOT / "blueprints"
