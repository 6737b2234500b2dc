"""What the finplatform policy packs share: the rule model, the stack's environment, and common checks."""
