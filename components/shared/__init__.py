"""Building blocks several layers use: IAM roles with their policies, encrypted log groups, security groups,
the WAF web ACL, secrets, ARNs, how a stack's services take a release, and the ECR lifecycle policy. Nothing here
is a layer of its own."""
