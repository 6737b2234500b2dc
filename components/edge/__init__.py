"""Edge layer: the internet-facing load balancer with its WAF, access logs, listeners and routes; ACM
certificates validated through DNS; and CloudFront with its own WAF and the Route 53 aliases."""
