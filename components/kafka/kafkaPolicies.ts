// IAM documents of the Kafka batch path, as pure functions of resolved ARNs so that tests read
// every statement. MSK's IAM access control names topics and groups by ARNs derived from the
// cluster's: arn:aws:kafka:<region>:<account>:{topic|group}/<cluster name>/<cluster uuid>/<name>.
import { PolicyDocument, policyDocument, PolicyStatement, serviceTrustPolicy } from "../shared/iam";

const CLUSTER_ARN = /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):(\d{12}):cluster\/([^/]+)\/([^/]+)$/;

/** The ARN of a topic or consumer group (a name or a `*` pattern) in the cluster `clusterArn`. */
export function mskResourceArn(
  clusterArn: string,
  kind: "topic" | "group",
  namePattern: string,
): string {
  const match = CLUSTER_ARN.exec(clusterArn);
  if (!match) {
    throw new Error(
      `"${clusterArn}" is not an MSK cluster ARN ` +
        `(arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>).`,
    );
  }
  const [, partition, region, account, name, uuid] = match;
  return `arn:${partition}:kafka:${region}:${account}:${kind}/${name}/${uuid}/${namePattern}`;
}

/**
 * MSK Connect's trust: the service, only on behalf of this account's connector of that name
 * (the confused-deputy guard AWS recommends).
 */
export function kafkaConnectTrustPolicy(
  region: string,
  accountId: string,
  connectorName: string,
): PolicyDocument {
  return serviceTrustPolicy("kafkaconnect.amazonaws.com", {
    StringEquals: { "aws:SourceAccount": accountId },
    ArnLike: {
      "aws:SourceArn": `arn:aws:kafkaconnect:${region}:${accountId}:connector/${connectorName}/*`,
    },
  });
}

/** Inputs of {@link kafkaClientPolicy}. */
export interface KafkaClientPolicyInput {
  readonly clusterArn: string;
  /** Topics the client may create, write and read: `<topicPrefix>.*`. */
  readonly topicPrefix: string;
  /** Consumer groups the REST proxy's consumers may join: `<groupPrefix>*`. */
  readonly groupPrefix: string;
}

/**
 * The client machine: create and describe the pipeline's topics (topic creation at boot), write to
 * them (REST proxy produce; idempotent producers are the Kafka 3 default), read them (REST proxy
 * consumers, used to verify what landed) in groups named after the prefix. Nothing else.
 */
export function kafkaClientPolicy(input: KafkaClientPolicyInput): PolicyDocument {
  const topics = mskResourceArn(input.clusterArn, "topic", `${input.topicPrefix}.*`);
  const groups = mskResourceArn(input.clusterArn, "group", `${input.groupPrefix}*`);
  return policyDocument(
    {
      Sid: "Cluster",
      Effect: "Allow",
      Action: [
        "kafka-cluster:Connect",
        "kafka-cluster:DescribeCluster",
        "kafka-cluster:WriteDataIdempotently",
      ],
      Resource: input.clusterArn,
    },
    {
      Sid: "PipelineTopics",
      Effect: "Allow",
      // AlterTopic: ensure-topics grows partitions (CreatePartitions needs it), see
      // https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
      Action: [
        "kafka-cluster:CreateTopic",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:DescribeTopicDynamicConfiguration",
        "kafka-cluster:AlterTopic",
        "kafka-cluster:WriteData",
        "kafka-cluster:ReadData",
      ],
      Resource: topics,
    },
    {
      Sid: "PipelineGroups",
      Effect: "Allow",
      Action: ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
      Resource: groups,
    },
  );
}

/** Inputs of {@link s3SinkConnectorPolicy}. */
export interface S3SinkConnectorPolicyInput {
  readonly clusterArn: string;
  /** Topics the sink reads: `<topicPrefix>.*`. */
  readonly topicPrefix: string;
  /** The connector's name; Kafka Connect's sink group is `connect-<name>`. */
  readonly connectorName: string;
  readonly bucketArn: string;
  /** Folder the sink writes under, with its trailing `/` (the Confluent sink's `topics.dir`). */
  readonly objectPrefix: string;
  /** The bucket's KMS key, when it has one. */
  readonly kmsKeyArn?: string;
  /**
   * Name pattern of the workers' group and internal topics (offsets, configs, status).
   * @default "__amazon_msk_connect_*" (MSK Connect's)
   */
  readonly internalNamePattern?: string;
}

/**
 * MSK Connect's execution role for the S3 sink: read the pipeline's topics, keep its own consumer
 * group and MSK Connect's internal topics and groups, and write objects under one bucket prefix.
 */
export function s3SinkConnectorPolicy(input: S3SinkConnectorPolicyInput): PolicyDocument {
  const arn = (kind: "topic" | "group", pattern: string) =>
    mskResourceArn(input.clusterArn, kind, pattern);
  const internal = input.internalNamePattern ?? "__amazon_msk_connect_*";
  const statements: PolicyStatement[] = [
    {
      Sid: "Cluster",
      Effect: "Allow",
      Action: ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"],
      Resource: input.clusterArn,
    },
    {
      Sid: "ReadPipelineTopics",
      Effect: "Allow",
      Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
      Resource: arn("topic", `${input.topicPrefix}.*`),
    },
    {
      // The workers keep connector offsets, configs and status in topics they create themselves.
      Sid: "ConnectInternalTopics",
      Effect: "Allow",
      Action: [
        "kafka-cluster:CreateTopic",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:ReadData",
        "kafka-cluster:WriteData",
      ],
      Resource: arn("topic", internal),
    },
    {
      Sid: "ConnectGroups",
      Effect: "Allow",
      Action: ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
      Resource: [arn("group", `connect-${input.connectorName}`), arn("group", internal)],
    },
    {
      Sid: "Bucket",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
      Resource: input.bucketArn,
    },
    {
      Sid: "SinkObjects",
      Effect: "Allow",
      Action: [
        "s3:PutObject",
        "s3:GetObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ],
      Resource: `${input.bucketArn}/${input.objectPrefix}*`,
    },
  ];
  if (input.kmsKeyArn) {
    statements.push({
      Sid: "BucketKey",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: input.kmsKeyArn,
    });
  }
  return policyDocument(...statements);
}

/** Inputs of {@link clientS3SinkPolicy}. */
export interface ClientS3SinkPolicyInput extends S3SinkConnectorPolicyInput {
  readonly internalNamePattern: string;
  /** ARN of the uploaded plugin object the machine downloads at boot. */
  readonly pluginObjectArn: string;
}

/**
 * The Kafka client machine running the sink itself (`kafka.sinkRunner: client`): MSK Connect's
 * policy for its own internal names, plus reading the plugin upload (GetObjectVersion: the boot
 * script fetches that exact version) and the internal topics' configurations, which a Kafka
 * Connect worker reads to check they are compacted (Apache Kafka, connect/runtime TopicAdmin
 * `verifyTopicCleanupPolicyOnlyCompact`; MSK action DescribeTopicDynamicConfiguration,
 * https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html).
 */
export function clientS3SinkPolicy(input: ClientS3SinkPolicyInput): PolicyDocument {
  const document = s3SinkConnectorPolicy(input);
  return {
    ...document,
    Statement: [
      ...document.Statement,
      {
        Sid: "WorkerInternalTopicConfigs",
        Effect: "Allow",
        Action: ["kafka-cluster:DescribeTopicDynamicConfiguration"],
        Resource: mskResourceArn(input.clusterArn, "topic", input.internalNamePattern),
      },
      {
        Sid: "SinkPlugin",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: input.pluginObjectArn,
      },
    ],
  };
}
