"""finplatform: one stack of the platform, built from the stack's typed config and its blueprint."""

import pulumi

from components.build import build
from finplatform.config import ConfigError, raw_config_from_runtime
from finplatform.stack import resolve_stack

try:
    stack = resolve_stack(pulumi.get_stack(), raw_config_from_runtime())
except ConfigError as error:
    # RunError ends the program with the message alone, no traceback.
    raise pulumi.RunError(str(error)) from None

for name, value in build(stack).items():
    pulumi.export(name, value)
