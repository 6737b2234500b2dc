"""The finplatform-data-protection policy pack: backups, redundancy, versioning and protection of state."""
