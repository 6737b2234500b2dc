"""The finplatform-aws-constraints policy pack: what AWS would reject at `pulumi up`, caught at preview."""
