"""Resource type tokens the rules refer to (pulumi-aws 7 and the remote components)."""

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
CACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_SSE = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
S3_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
EBS_VOLUME = "aws:ebs/volume:Volume"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EC2_INSTANCE = "aws:ec2/instance:Instance"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
EKS_COMPONENT = "eks:index:Cluster"
EKS_MANAGED_NODE_GROUP = "eks:index:ManagedNodeGroup"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SNS_TOPIC = "aws:sns/topic:Topic"
SQS_QUEUE = "aws:sqs/queue:Queue"
SECRET = "aws:secretsmanager/secret:Secret"
TIMESTREAM_DATABASE = "aws:timestreamwrite/database:Database"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
DNS_RECORD = "aws:route53/record:Record"
BACKUP_VAULT = "aws:backup/vault:Vault"
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
CLOUDFRONT = "aws:cloudfront/distribution:Distribution"
KMS_KEY = "aws:kms/key:Key"
IAM_POLICY_DOCUMENTS = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
IAM_ROLE = "aws:iam/role:Role"
IAM_USER_TYPES = (
    "aws:iam/user:User",
    "aws:iam/accessKey:AccessKey",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/userLoginProfile:UserLoginProfile",
)
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SUBNET = "aws:ec2/subnet:Subnet"
NETWORK_ACL = "aws:ec2/networkAcl:NetworkAcl"
ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
CODEBUILD_PROJECT = "aws:codebuild/project:Project"
CODEPIPELINE = "aws:codepipeline/pipeline:Pipeline"
CODESTAR_CONNECTION = "aws:codestarconnections/connection:Connection"
# Data and security services (policies/*/data_services.py).
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
RDS_SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
RDS_EVENT_SUBSCRIPTION = "aws:rds/eventSubscription:EventSubscription"
S3_LOGGING = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
S3_LIFECYCLE = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
S3_OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
S3_ACL = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
CLOUDTRAIL = "aws:cloudtrail/trail:Trail"
CONFIG_RECORDER = "aws:cfg/recorder:Recorder"
CONFIG_RECORDER_STATUS = "aws:cfg/recorderStatus:RecorderStatus"
GUARDDUTY_DETECTOR = "aws:guardduty/detector:Detector"
GUARDDUTY_FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"
AWSX_VPC = "awsx:ec2:Vpc"

# Types that hold data or keys: losing one loses data, so prod protects them.
STATEFUL = (
    RDS_INSTANCE,
    RDS_CLUSTER,
    CACHE_REPLICATION_GROUP,
    *S3_BUCKETS,
    KMS_KEY,
    EBS_VOLUME,
    BACKUP_VAULT,
    SECRET,
    TIMESTREAM_DATABASE,
    "aws:timestreamwrite/table:Table",
    "aws:timestreaminfluxdb/dbInstance:DbInstance",
    "aws:dynamodb/table:Table",
    "aws:efs/fileSystem:FileSystem",
)

# AWS resource types without tags among those the platform declares (awsx children included).
NOT_TAGGABLE = frozenset(
    {
        "aws:kms/alias:Alias",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:ec2/route:Route",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation",
        S3_POLICY,
        S3_PUBLIC_ACCESS_BLOCK,
        *S3_SSE,
        *S3_VERSIONING,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
        "aws:s3/bucketLogging:BucketLogging",
        "aws:s3/bucketLoggingV2:BucketLoggingV2",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "aws:s3/bucketIntelligentTieringConfiguration:BucketIntelligentTieringConfiguration",
        LAMBDA_PERMISSION,
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        "aws:appautoscaling/policy:Policy",
        "aws:autoscaling/policy:Policy",
        "aws:lb/listenerRule:ListenerRule",
        "aws:wafv2/webAclAssociation:WebAclAssociation",
        "aws:route53/record:Record",
        "aws:acm/certificateValidation:CertificateValidation",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:secretsmanager/secretRotation:SecretRotation",
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
        "aws:cloudfront/originAccessControl:OriginAccessControl",
        "aws:cloudfront/cachePolicy:CachePolicy",
        "aws:apigatewayv2/route:Route",
        "aws:apigatewayv2/integration:Integration",
        "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
        "aws:backup/selection:Selection",
        "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
        "aws:guardduty/detectorFeature:DetectorFeature",
        "aws:securityhub/account:Account",
        "aws:securityhub/standardsSubscription:StandardsSubscription",
        "aws:cfg/deliveryChannel:DeliveryChannel",
        "aws:cfg/recorderStatus:RecorderStatus",
        "aws:cfg/recorder:Recorder",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:elasticache/userGroupAssociation:UserGroupAssociation",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:sqs/redrivePolicy:RedrivePolicy",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:iam/instanceProfile:InstanceProfile",
    }
)
