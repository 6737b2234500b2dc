"""FSBP controls of the data and security services (RDS, ElastiCache, S3, KMS, Secrets Manager, SNS, SQS,
CloudWatch, CloudTrail, Config, GuardDuty, Backup, Timestream, EventBridge) that belong to this pack."""

from policies.common.framework import Rule

RULES: list[Rule] = []
