"""The finplatform-encryption policy pack: data encrypted at rest with customer-managed keys, and in transit."""
