"""Building blocks several layers use: IAM roles with their policies, encrypted log groups, security groups,
the WAF web ACL, secrets and ARNs. Nothing here is a layer of its own."""
