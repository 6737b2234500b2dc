"""The finplatform-least-privilege policy pack: IAM, key policies, network exposure and workload hardening."""
