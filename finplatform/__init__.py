"""finplatform's offline toolkit: typed stack configuration, blueprints, Pulumi mocks and the offline plan."""

from pathlib import Path

PROJECT = "finplatform"
ROOT = Path(__file__).resolve().parent.parent
BLUEPRINTS_DIR = ROOT / "blueprints"
