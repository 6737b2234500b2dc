"""CrossGuard policy packs, one folder per pack, each with its own PulumiPolicy.yaml."""
