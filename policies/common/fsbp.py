"""The AWS Security Hub Foundational Security Best Practices (FSBP v1.0.0) controls of every service whose
resources this platform can declare, each either input-checkable (and then a policy must enforce it) or
with the reason no policy can.

Sources: the Security Hub CSPM user guide's FSBP standard page (fsbp-standard, "Controls that apply to the
standard") for membership, and the per-service control pages (ec2-controls, rds-controls, ...) for titles and
retirements. Only controls in FSBP today are listed: ids that Security Hub keeps for other standards alone
(S3.10, S3.11, S3.14, S3.17, SNS.1, KMS.4, EC2.13, EC2.14, CloudWatch.15, CodeBuild.5, APIGateway.10,
WAF.11, ...) or dropped from FSBP (EC2.22, removed 2023-09-20) are not FSBP and go in a rule's ``other_ids``;
retired ids (AutoScaling.4, ECS.1) are gone.
Tagging controls (``*.tagged``) belong to the separate AWS Resource Tagging standard.

A rule claims a control with ``Rule.fsbp``; tests/policies/test_fsbp_coverage.py checks that every claimed
id is catalogued here, that only input-checkable controls are claimed, and that every input-checkable
control is claimed by some rule.
"""

from dataclasses import dataclass

CHECKABLE = "checkable"
RUNTIME = "runtime-only"
ACCOUNT = "account-level"
PERIODIC = "periodic-only"
NOT_DECLARED = "not declared here"
KINDS = (CHECKABLE, RUNTIME, ACCOUNT, PERIODIC, NOT_DECLARED)


@dataclass(frozen=True)
class Control:
    """One FSBP control: its id, its title, whether a policy can judge it from resource inputs (``kind``
    CHECKABLE) or why none can, with a short note."""

    id: str
    title: str
    kind: str = CHECKABLE
    note: str = ""

    @property
    def service(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def checkable(self) -> bool:
        return self.kind == CHECKABLE

    @property
    def reason(self) -> str:
        return f"{self.kind}: {self.note}" if self.note else self.kind


def _c(id_: str, title: str, kind: str = CHECKABLE, note: str = "") -> Control:
    return Control(id_, title, kind, note)


CLASSIC_LB = "Classic Load Balancers; the platform declares Application Load Balancers only"
LAUNCH_CONFIGURATIONS = "launch configurations; the platform launches from launch templates"
WAF_CLASSIC = "AWS WAF Classic; the platform declares WAFv2 web ACLs"

CONTROLS: tuple[Control, ...] = (
    # --- ACM
    _c(
        "ACM.1",
        "Imported and ACM-issued certificates should be renewed after a specified time period",
        PERIODIC,
        "expiry is known only once a certificate is issued",
    ),
    _c("ACM.2", "RSA certificates managed by ACM should use a key length of at least 2,048 bits"),
    # --- API Gateway
    _c("APIGateway.1", "API Gateway REST and WebSocket API execution logging should be enabled"),
    _c(
        "APIGateway.2",
        "API Gateway REST API stages should be configured to use SSL certificates for backend authentication",
    ),
    _c("APIGateway.3", "API Gateway REST API stages should have AWS X-Ray tracing enabled"),
    _c("APIGateway.4", "API Gateway should be associated with a WAF Web ACL"),
    _c("APIGateway.5", "API Gateway REST API cache data should be encrypted at rest"),
    _c("APIGateway.8", "API Gateway routes should specify an authorization type"),
    _c("APIGateway.9", "Access logging should be configured for API Gateway V2 Stages"),
    # --- Auto Scaling
    _c("AutoScaling.1", "Auto Scaling groups associated with a load balancer should use ELB health checks"),
    _c("AutoScaling.2", "Amazon EC2 Auto Scaling group should cover multiple Availability Zones"),
    _c(
        "AutoScaling.3",
        "Auto Scaling group launch configurations should configure EC2 instances to require "
        "Instance Metadata Service Version 2 (IMDSv2)",
    ),
    _c(
        "Autoscaling.5",
        "Amazon EC2 instances launched using Auto Scaling group launch configurations should not "
        "have Public IP addresses",
    ),
    _c("AutoScaling.6", "Auto Scaling groups should use multiple instance types in multiple Availability Zones"),
    _c("AutoScaling.9", "Amazon EC2 Auto Scaling groups should use Amazon EC2 launch templates"),
    # --- AWS Backup
    _c("Backup.1", "AWS Backup recovery points should be encrypted at rest"),
    # --- CloudFront
    _c("CloudFront.1", "CloudFront distributions should have a default root object configured"),
    _c("CloudFront.3", "CloudFront distributions should require encryption in transit"),
    _c("CloudFront.4", "CloudFront distributions should have origin failover configured"),
    _c("CloudFront.5", "CloudFront distributions should have logging enabled"),
    _c("CloudFront.6", "CloudFront distributions should have WAF enabled"),
    _c("CloudFront.7", "CloudFront distributions should use custom SSL/TLS certificates"),
    _c("CloudFront.8", "CloudFront distributions should use SNI to serve HTTPS requests"),
    _c("CloudFront.9", "CloudFront distributions should encrypt traffic to custom origins"),
    _c(
        "CloudFront.10",
        "CloudFront distributions should not use deprecated SSL protocols between edge locations and custom origins",
    ),
    _c(
        "CloudFront.12",
        "CloudFront distributions should not point to non-existent S3 origins",
        RUNTIME,
        "whether the origin bucket exists is known only at evaluation time",
    ),
    _c("CloudFront.13", "CloudFront distributions should use origin access control"),
    _c("CloudFront.15", "CloudFront distributions should use the recommended TLS security policy"),
    _c("CloudFront.16", "CloudFront distributions should use origin access control for Lambda function URL origins"),
    # --- CloudTrail
    _c(
        "CloudTrail.1",
        "CloudTrail should be enabled and configured with at least one multi-Region trail that "
        "includes read and write management events",
    ),
    _c("CloudTrail.2", "CloudTrail should have encryption at-rest enabled"),
    _c("CloudTrail.4", "CloudTrail log file validation should be enabled"),
    _c("CloudTrail.5", "CloudTrail trails should be integrated with Amazon CloudWatch Logs"),
    # --- CodeBuild
    _c("CodeBuild.1", "CodeBuild Bitbucket source repository URLs should not contain sensitive credentials"),
    _c("CodeBuild.2", "CodeBuild project environment variables should not contain clear text credentials"),
    _c("CodeBuild.3", "CodeBuild S3 logs should be encrypted"),
    _c("CodeBuild.4", "CodeBuild project environments should have a logging AWS Configuration"),
    _c(
        "CodeBuild.7",
        "CodeBuild report group exports should be encrypted at rest",
        NOT_DECLARED,
        "report groups; builds publish no test reports",
    ),
    # --- Config
    _c("Config.1", "AWS Config should be enabled and use the service-linked role for resource recording"),
    # --- EC2 and VPC
    _c(
        "EC2.1",
        "Amazon EBS snapshots should not be publicly restorable",
        PERIODIC,
        "snapshots are made by AWS Backup at run time, not declared",
    ),
    _c("EC2.2", "VPC default security groups should not allow inbound or outbound traffic"),
    _c("EC2.3", "Attached Amazon EBS volumes should be encrypted at-rest"),
    _c("EC2.4", "Stopped EC2 instances should be removed after a specified time period", RUNTIME, "instance state"),
    _c("EC2.6", "VPC flow logging should be enabled in all VPCs"),
    _c("EC2.7", "EBS default encryption should be enabled", ACCOUNT, "a per-Region account setting outside any stack"),
    _c("EC2.8", "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)"),
    _c("EC2.9", "Amazon EC2 instances should not have a public IPv4 address"),
    _c("EC2.10", "Amazon EC2 should be configured to use VPC endpoints that are created for the Amazon EC2 service"),
    _c("EC2.15", "Amazon EC2 subnets should not automatically assign public IP addresses"),
    _c("EC2.16", "Unused Network Access Control Lists should be removed"),
    _c("EC2.17", "Amazon EC2 instances should not use multiple ENIs"),
    _c("EC2.18", "Security groups should only allow unrestricted incoming traffic for authorized ports"),
    _c("EC2.19", "Security groups should not allow unrestricted access to ports with high risk"),
    _c(
        "EC2.20",
        "Both VPN tunnels for an AWS Site-to-Site VPN connection should be up",
        NOT_DECLARED,
        "Site-to-Site VPN",
    ),
    _c("EC2.21", "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389"),
    _c(
        "EC2.23",
        "Amazon EC2 Transit Gateways should not automatically accept VPC attachment requests",
        NOT_DECLARED,
        "Transit Gateway",
    ),
    _c(
        "EC2.24",
        "Amazon EC2 paravirtual instance types should not be used",
        RUNTIME,
        "the virtualization type comes from the AMI resolved at launch",
    ),
    _c("EC2.25", "Amazon EC2 launch templates should not assign public IPs to network interfaces"),
    _c("EC2.51", "EC2 Client VPN endpoints should have client connection logging enabled", NOT_DECLARED, "Client VPN"),
    _c("EC2.55", "VPCs should be configured with an interface endpoint for ECR API"),
    _c("EC2.56", "VPCs should be configured with an interface endpoint for Docker Registry"),
    _c("EC2.57", "VPCs should be configured with an interface endpoint for Systems Manager"),
    _c("EC2.58", "VPCs should be configured with an interface endpoint for Systems Manager Incident Manager Contacts"),
    _c("EC2.60", "VPCs should be configured with an interface endpoint for Systems Manager Incident Manager"),
    _c("EC2.170", "EC2 launch templates should use Instance Metadata Service Version 2 (IMDSv2)"),
    _c("EC2.171", "EC2 VPN connections should have logging enabled", NOT_DECLARED, "Site-to-Site VPN"),
    _c(
        "EC2.172",
        "EC2 VPC Block Public Access settings should block internet gateway traffic",
        ACCOUNT,
        "a per-Region account setting outside any stack",
    ),
    _c(
        "EC2.173",
        "EC2 Spot Fleet requests with launch parameters should enable encryption for attached EBS volumes",
        NOT_DECLARED,
        "Spot Fleet requests",
    ),
    _c(
        "EC2.180",
        "EC2 network interfaces should have source/destination checking enabled",
        NOT_DECLARED,
        "network interfaces; AWS services create them",
    ),
    _c("EC2.181", "EC2 launch templates should enable encryption for attached EBS volumes"),
    _c(
        "EC2.182",
        "Block public access settings should be enabled for Amazon EBS snapshots",
        ACCOUNT,
        "EBS snapshot block public access is a per-Region account setting",
    ),
    # --- ECR
    _c("ECR.1", "ECR private repositories should have image scanning configured"),
    _c("ECR.2", "ECR private repositories should have tag immutability configured"),
    _c("ECR.3", "ECR repositories should have at least one lifecycle policy configured"),
    # --- ECS
    _c("ECS.2", "ECS services should not have public IP addresses assigned to them automatically"),
    _c("ECS.3", "ECS task definitions should not share the host's process namespace"),
    _c("ECS.4", "ECS containers should run as non-privileged"),
    _c(
        "ECS.5",
        "ECS task definitions should configure containers to be limited to read-only access to root filesystems",
    ),
    _c("ECS.8", "Secrets should not be passed as container environment variables"),
    _c("ECS.9", "ECS task definitions should have a logging configuration"),
    _c("ECS.10", "ECS Fargate services should run on the latest Fargate platform version"),
    _c("ECS.12", "ECS clusters should use Container Insights"),
    _c(
        "ECS.16",
        "ECS task sets should not automatically assign public IP addresses",
        NOT_DECLARED,
        "task sets; services deploy through ECS blue/green, not external task sets",
    ),
    # --- EKS
    _c("EKS.1", "EKS cluster endpoints should not be publicly accessible"),
    _c("EKS.2", "EKS clusters should run on a supported Kubernetes version"),
    _c("EKS.3", "EKS clusters should use encrypted Kubernetes secrets"),
    _c("EKS.8", "EKS clusters should have audit logging enabled"),
    # --- ElastiCache
    _c("ElastiCache.1", "ElastiCache (Redis OSS) clusters should have automatic backups enabled"),
    _c("ElastiCache.2", "ElastiCache clusters should have automatic minor version upgrades enabled"),
    _c("ElastiCache.3", "ElastiCache replication groups should have automatic failover enabled"),
    _c("ElastiCache.4", "ElastiCache replication groups should be encrypted at rest"),
    _c("ElastiCache.5", "ElastiCache replication groups should be encrypted in transit"),
    _c(
        "ElastiCache.6",
        "ElastiCache (Redis OSS) replication groups of earlier versions should have Redis OSS AUTH enabled",
    ),
    _c("ElastiCache.7", "ElastiCache clusters should not use the default subnet group"),
    # --- Elastic Load Balancing
    _c("ELB.1", "Application Load Balancer should be configured to redirect all HTTP requests to HTTPS"),
    _c(
        "ELB.2",
        "Classic Load Balancers with SSL/HTTPS listeners should use a certificate provided by AWS Certificate Manager",
        NOT_DECLARED,
        CLASSIC_LB,
    ),
    _c(
        "ELB.3",
        "Classic Load Balancer listeners should be configured with HTTPS or TLS termination",
        NOT_DECLARED,
        CLASSIC_LB,
    ),
    _c("ELB.4", "Application Load Balancer should be configured to drop invalid http headers"),
    _c("ELB.5", "Application and Classic Load Balancers logging should be enabled"),
    _c("ELB.6", "Application, Gateway, and Network Load Balancers should have deletion protection enabled"),
    _c("ELB.7", "Classic Load Balancers should have connection draining enabled", NOT_DECLARED, CLASSIC_LB),
    _c(
        "ELB.8",
        "Classic Load Balancers with SSL listeners should use a predefined security policy that has "
        "strong AWS Configuration",
        NOT_DECLARED,
        CLASSIC_LB,
    ),
    _c("ELB.9", "Classic Load Balancers should have cross-zone load balancing enabled", NOT_DECLARED, CLASSIC_LB),
    _c("ELB.10", "Classic Load Balancer should span multiple Availability Zones", NOT_DECLARED, CLASSIC_LB),
    _c("ELB.12", "Application Load Balancer should be configured with defensive or strictest desync mitigation mode"),
    _c("ELB.13", "Application, Network and Gateway Load Balancers should span multiple Availability Zones"),
    _c(
        "ELB.14",
        "Classic Load Balancer should be configured with defensive or strictest desync mitigation mode",
        NOT_DECLARED,
        CLASSIC_LB,
    ),
    _c("ELB.17", "Application and Network Load Balancers with listeners should use recommended security policies"),
    _c(
        "ELB.18",
        "Application and Network Load Balancer listeners should use secure protocols to encrypt data in transit",
    ),
    # --- EventBridge
    _c(
        "EventBridge.3",
        "EventBridge custom event buses should have a resource-based policy attached",
        NOT_DECLARED,
        "custom event buses; rules use the default bus",
    ),
    # --- GuardDuty
    _c("GuardDuty.1", "GuardDuty should be enabled"),
    _c("GuardDuty.5", "GuardDuty EKS Audit Log Monitoring should be enabled"),
    _c("GuardDuty.6", "GuardDuty Lambda Protection should be enabled"),
    _c("GuardDuty.7", "GuardDuty EKS Runtime Monitoring should be enabled"),
    _c("GuardDuty.8", "GuardDuty Malware Protection for EC2 should be enabled"),
    _c("GuardDuty.9", "GuardDuty RDS Protection should be enabled"),
    _c("GuardDuty.10", "GuardDuty S3 Protection should be enabled"),
    _c("GuardDuty.11", "GuardDuty Runtime Monitoring should be enabled"),
    _c("GuardDuty.12", "GuardDuty ECS Runtime Monitoring should be enabled"),
    _c("GuardDuty.13", "GuardDuty EC2 Runtime Monitoring should be enabled"),
    # --- IAM
    _c("IAM.1", 'IAM policies should not allow full "*" administrative privileges'),
    _c("IAM.2", "IAM users should not have IAM policies attached"),
    _c("IAM.3", "IAM users' access keys should be rotated every 90 days or less"),
    _c("IAM.4", "IAM root user access key should not exist", ACCOUNT, "the root user"),
    _c("IAM.5", "MFA should be enabled for all IAM users that have a console password"),
    _c("IAM.6", "Hardware MFA should be enabled for the root user", ACCOUNT, "the root user"),
    _c(
        "IAM.7",
        "Password policies for IAM users should have strong configurations",
        ACCOUNT,
        "the account password policy",
    ),
    _c("IAM.8", "Unused IAM user credentials should be removed", RUNTIME, "credential last-use dates"),
    _c("IAM.21", "IAM customer managed policies that you create should not allow wildcard actions for services"),
    # --- KMS
    _c("KMS.1", "IAM customer managed policies should not allow decryption actions on all KMS keys"),
    _c("KMS.2", "IAM principals should not have IAM inline policies that allow decryption actions on all KMS keys"),
    _c("KMS.3", "AWS KMS keys should not be deleted unintentionally", RUNTIME, "a key's pending-deletion state"),
    _c("KMS.5", "KMS keys should not be publicly accessible"),
    # --- Lambda
    _c("Lambda.1", "Lambda function policies should prohibit public access"),
    _c("Lambda.2", "Lambda functions should use supported runtimes"),
    _c("Lambda.5", "VPC Lambda functions should operate in multiple Availability Zones"),
    # --- RDS
    _c("RDS.1", "RDS snapshot should be private", PERIODIC, "snapshots are taken at run time, not declared"),
    _c(
        "RDS.2",
        "RDS DB Instances should prohibit public access, as determined by the PubliclyAccessible configuration",
    ),
    _c("RDS.3", "RDS DB instances should have encryption at-rest enabled"),
    _c(
        "RDS.4",
        "RDS cluster snapshots and database snapshots should be encrypted at rest",
        RUNTIME,
        "snapshots are taken at run time, not declared",
    ),
    _c("RDS.5", "RDS DB instances should be configured with multiple Availability Zones"),
    _c("RDS.6", "Enhanced monitoring should be configured for RDS DB instances"),
    _c("RDS.7", "RDS clusters should have deletion protection enabled"),
    _c("RDS.8", "RDS DB instances should have deletion protection enabled"),
    _c("RDS.9", "RDS DB instances should publish logs to CloudWatch Logs"),
    _c("RDS.10", "IAM authentication should be configured for RDS instances"),
    _c("RDS.11", "RDS instances should have automatic backups enabled"),
    _c("RDS.12", "IAM authentication should be configured for RDS clusters"),
    _c("RDS.13", "RDS automatic minor version upgrades should be enabled"),
    _c("RDS.14", "Amazon Aurora clusters should have backtracking enabled"),
    _c("RDS.15", "RDS DB clusters should be configured for multiple Availability Zones"),
    _c("RDS.16", "Aurora DB clusters should be configured to copy tags to DB snapshots"),
    _c("RDS.17", "RDS DB instances should be configured to copy tags to snapshots"),
    _c("RDS.19", "Existing RDS event notification subscriptions should be configured for critical cluster events"),
    _c(
        "RDS.20",
        "Existing RDS event notification subscriptions should be configured for critical database instance events",
    ),
    _c(
        "RDS.21",
        "An RDS event notifications subscription should be configured for critical database parameter group events",
    ),
    _c(
        "RDS.22",
        "An RDS event notifications subscription should be configured for critical database security group events",
    ),
    _c("RDS.23", "RDS instances should not use a database engine default port"),
    _c("RDS.24", "RDS Database clusters should use a custom administrator username"),
    _c("RDS.25", "RDS database instances should use a custom administrator username"),
    _c("RDS.27", "RDS DB clusters should be encrypted at rest"),
    _c("RDS.34", "Aurora MySQL DB clusters should publish audit logs to CloudWatch Logs"),
    _c("RDS.35", "RDS DB clusters should have automatic minor version upgrade enabled"),
    _c("RDS.36", "RDS for PostgreSQL DB instances should publish logs to CloudWatch Logs"),
    _c("RDS.37", "Aurora PostgreSQL DB clusters should publish logs to CloudWatch Logs"),
    _c("RDS.40", "RDS for SQL Server DB instances should publish logs to CloudWatch Logs"),
    _c("RDS.41", "RDS for SQL Server DB instances should be encrypted in transit"),
    _c("RDS.42", "RDS for MariaDB DB instances should publish logs to CloudWatch Logs"),
    _c(
        "RDS.43",
        "RDS DB proxies should require TLS encryption for connections",
        NOT_DECLARED,
        "DB proxies; clients connect to the instance or cluster endpoint",
    ),
    _c("RDS.44", "RDS for MariaDB DB instances should be encrypted in transit"),
    _c("RDS.45", "Aurora MySQL DB clusters should have audit logging enabled"),
    _c("RDS.46", "RDS DB instances should not be deployed in public subnets with routes to internet gateways"),
    _c("RDS.47", "RDS for PostgreSQL DB clusters should be configured to copy tags to DB snapshots"),
    _c("RDS.48", "RDS for MySQL DB clusters should be configured to copy tags to DB snapshots"),
    # --- Route 53
    _c(
        "Route53.2",
        "Route 53 public hosted zones should log DNS queries",
        NOT_DECLARED,
        "hosted zones; a stack uses an existing zone by id",
    ),
    # --- S3
    _c(
        "S3.1",
        "S3 general purpose buckets should have block public access settings enabled",
        ACCOUNT,
        "the account-level block public access setting",
    ),
    _c("S3.2", "S3 general purpose buckets should block public read access"),
    _c("S3.3", "S3 general purpose buckets should block public write access"),
    _c("S3.5", "S3 general purpose buckets should require requests to use SSL"),
    _c("S3.6", "S3 general purpose bucket policies should restrict access to other AWS accounts"),
    _c("S3.8", "S3 general purpose buckets should block public access"),
    _c("S3.9", "S3 general purpose buckets should have server access logging enabled"),
    _c("S3.12", "ACLs should not be used to manage user access to S3 general purpose buckets"),
    _c("S3.13", "S3 general purpose buckets should have Lifecycle configurations"),
    _c("S3.19", "S3 access points should have block public access settings enabled", NOT_DECLARED, "access points"),
    _c(
        "S3.24",
        "S3 Multi-Region Access Points should have block public access settings enabled",
        NOT_DECLARED,
        "Multi-Region Access Points",
    ),
    _c("S3.25", "S3 directory buckets should have lifecycle configurations", NOT_DECLARED, "directory buckets"),
    # --- Secrets Manager
    _c("SecretsManager.1", "Secrets Manager secrets should have automatic rotation enabled"),
    _c(
        "SecretsManager.2",
        "Secrets Manager secrets configured with automatic rotation should rotate successfully",
        RUNTIME,
        "the outcome of a rotation",
    ),
    _c("SecretsManager.3", "Remove unused Secrets Manager secrets", RUNTIME, "a secret's last-accessed date"),
    _c("SecretsManager.4", "Secrets Manager secrets should be rotated within a specified number of days"),
    # --- SNS
    _c("SNS.4", "SNS topic access policies should not allow public access"),
    # --- SQS
    _c("SQS.1", "Amazon SQS queues should be encrypted at rest"),
    _c("SQS.3", "SQS queue access policies should not allow public access"),
    # --- Systems Manager
    _c(
        "SSM.1",
        "Amazon EC2 instances should be managed by AWS Systems Manager",
        RUNTIME,
        "whether the SSM agent registers an instance",
    ),
    _c(
        "SSM.2",
        "Amazon EC2 instances managed by Systems Manager should have a patch compliance status of "
        "COMPLIANT after a patch installation",
        RUNTIME,
        "patch compliance",
    ),
    _c(
        "SSM.3",
        "Amazon EC2 instances managed by Systems Manager should have an association compliance status of COMPLIANT",
        RUNTIME,
        "association compliance",
    ),
    _c("SSM.4", "SSM documents should not be public", NOT_DECLARED, "SSM documents"),
    _c("SSM.6", "SSM Automation should have CloudWatch logging enabled", ACCOUNT, "an account-level service setting"),
    _c(
        "SSM.7",
        "SSM documents should have the block public sharing setting enabled",
        ACCOUNT,
        "an account-level service setting",
    ),
    # --- Step Functions
    _c(
        "StepFunctions.1", "Step Functions state machines should have logging turned on", NOT_DECLARED, "state machines"
    ),
    # --- WAF
    _c("WAF.1", "AWS WAF Classic Global Web ACL logging should be enabled", NOT_DECLARED, WAF_CLASSIC),
    _c("WAF.2", "AWS WAF Classic Regional rules should have at least one condition", NOT_DECLARED, WAF_CLASSIC),
    _c("WAF.3", "AWS WAF Classic Regional rule groups should have at least one rule", NOT_DECLARED, WAF_CLASSIC),
    _c(
        "WAF.4",
        "AWS WAF Classic Regional web ACLs should have at least one rule or rule group",
        NOT_DECLARED,
        WAF_CLASSIC,
    ),
    _c("WAF.6", "AWS WAF Classic global rules should have at least one condition", NOT_DECLARED, WAF_CLASSIC),
    _c("WAF.7", "AWS WAF Classic global rule groups should have at least one rule", NOT_DECLARED, WAF_CLASSIC),
    _c(
        "WAF.8",
        "AWS WAF Classic global web ACLs should have at least one rule or rule group",
        NOT_DECLARED,
        WAF_CLASSIC,
    ),
    _c("WAF.10", "AWS WAF web ACLs should have at least one rule or rule group"),
    _c("WAF.12", "AWS WAF rules should have CloudWatch metrics enabled"),
)

BY_ID: dict[str, Control] = {control.id: control for control in CONTROLS}


def checkable() -> list[Control]:
    """The controls a policy can judge from resource inputs: every one needs a rule."""
    return [control for control in CONTROLS if control.checkable]
