import * as pulumi from "@pulumi/pulumi";
import { KafkaClient } from "./kafkaClient";
import type { KafkaDrainTarget } from "./kafkaDrainCheck";
import { KAFKA_API_STAGE, KafkaRestApi, kafkaRestApiName } from "./kafkaRestApi";
import { MskCluster, mskClusterName } from "./mskCluster";
import { S3SinkConnector, s3SinkConsumerGroup } from "./s3SinkConnector";
import { S3SinkPlugin } from "./s3SinkConnectorConfig";
import { checkPrefix, kafkaTopicNames } from "../shared/naming";
import { logRetention } from "../shared/logs";

/** What can run the S3 sink (KafkaBatchPath's `sinkRunner`). */
export const SINK_RUNNERS = ["mskconnect", "client"] as const;
export type SinkRunner = (typeof SINK_RUNNERS)[number];

/** The component's type token; part of every child's URN (aliases name it). */
export const KAFKA_BATCH_PATH_TYPE = "pinterest-pipeline:components:KafkaBatchPath";

/** Arguments of {@link KafkaBatchPath}. */
export interface KafkaBatchPathArgs {
  /** Prefix every name derives from (the stack's `prefix`): topics `<prefix>.pin|geo|user`. */
  readonly prefix: string;
  /** VPC of every part (the stack's `Network`). */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets in two zones; the client machines spread over them. They need a NAT (see docs). */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Name of the raw bucket the sink writes to. The bucket is the caller's (the stack's), so that
   * switching this path off never deletes the data lake.
   */
  readonly bucketName: pulumi.Input<string>;
  /** ARN of that bucket. */
  readonly bucketArn: pulumi.Input<string>;
  /** Local path of the packaged S3 sink connector zip uploaded as the MSK Connect plugin. */
  readonly connectorPluginPath: string;
  /** The SHA-256 that zip must have (S3SinkConnector's `pluginSha256`); "" refuses any file. */
  readonly connectorPluginSha256: string;
  /** Which sink that zip is: `confluent` (the course's) or `aiven`; same object layout. @default "confluent" */
  readonly connectorPlugin?: S3SinkPlugin;
  /**
   * What runs the S3 sink: `mskconnect` (an MSK Connect connector) or `client` (Apache Kafka's
   * Connect worker on each Kafka client machine, next to the REST proxy, the workers of the group
   * sharing the sink's tasks; no MSK Connect resources).
   * @default "mskconnect"
   */
  readonly sinkRunner?: SinkRunner;
  /** Number of brokers (a multiple of 2). @default 2 */
  readonly brokerCount?: number;
  /** Broker instance type. @default "kafka.t3.small" */
  readonly brokerInstanceType?: pulumi.Input<string>;
  /** EBS storage per broker in GiB. @default 20 */
  readonly brokerStorageGb?: number;
  /** MSK Kafka version. @default "3.9.x" */
  readonly kafkaVersion?: pulumi.Input<string>;
  /** Hours the brokers keep a message (MskCluster's `messageRetentionHours`). @default 168 */
  readonly messageRetentionHours?: number;
  /** Partitions of each topic. @default 3 */
  readonly topicPartitions?: number;
  /** Instance type of the REST proxy machines. @default "t3.small" */
  readonly clientInstanceType?: pulumi.Input<string>;
  /** REST proxy machines in the client group, 1–50 (KafkaClient's `instanceCount`). @default 1 */
  readonly clientInstanceCount?: number;
  /** Records per S3 object. @default 500 */
  readonly connectorFlushSize?: number;
  /** Sink tasks, each reading its share of the partitions (S3SinkConnector's `tasksMax`). @default 3 */
  readonly connectorTasksMax?: number;
  /** Milliseconds before an open S3 object is committed anyway (see S3SinkConnector). @default 60000 */
  readonly connectorRotateIntervalMs?: number;
  /** MSK Connect units per worker (1, 2, 4, 8). @default 1 */
  readonly connectorMcuCount?: number;
  /** MSK Connect workers. @default 1 */
  readonly connectorWorkerCount?: number;
  /** KMS key of the bucket and of the brokers' storage. @default undefined (AWS-managed keys) */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** Days to keep every log this path writes. @default 30 */
  readonly logRetentionDays?: number;
  /** API steady requests per second. @default 50 */
  readonly apiThrottlingRateLimit?: number;
  /** API burst. @default 100 */
  readonly apiThrottlingBurstLimit?: number;
  /** API requests per key per day. @default 1000000 */
  readonly apiQuotaPerDay?: number;
  /** SNS topic the REST proxy health alarm notifies. @default undefined (state changes only) */
  readonly alarmTopicArn?: pulumi.Input<string>;
  /** Create the region's account-wide API Gateway logging role. @default false */
  readonly manageApiGatewayAccount?: boolean;
  /** Tags added to every resource. @default {} */
  readonly tags?: Record<string, string>;
}

/** Checks what the parts cannot: the prefix every name is derived from and the plugin path. */
export function validateKafkaBatchPathArgs(args: KafkaBatchPathArgs): void {
  checkPrefix("KafkaBatchPath", args.prefix);
  if (!args.connectorPluginPath) {
    throw new Error(
      "KafkaBatchPath connectorPluginPath is empty; give the path of the S3 sink connector zip.",
    );
  }
  if (args.sinkRunner !== undefined && !SINK_RUNNERS.includes(args.sinkRunner)) {
    throw new Error(
      `KafkaBatchPath sinkRunner "${String(args.sinkRunner)}" is not one of ${SINK_RUNNERS.join(", ")}.`,
    );
  }
}

/**
 * What a pause of this path must find drained (KafkaDrainCheck): the names the path's cluster,
 * sink, topics and API have under this prefix, which a paused program no longer declares.
 */
export function kafkaDrainTarget(prefix: string): Omit<KafkaDrainTarget, "region"> {
  return {
    clusterName: mskClusterName(prefix),
    consumerGroup: s3SinkConsumerGroup(prefix),
    topics: kafkaTopicNames(prefix),
    apiName: kafkaRestApiName(prefix),
    stageName: KAFKA_API_STAGE,
  };
}

/**
 * The course's Kafka batch path, secure: an API (`/{proxy+}` with an API key) over a VPC link to a
 * private REST proxy group (autoscaling, across the zones) whose association created the topics, an IAM-only TLS MSK cluster, and an MSK
 * Connect S3 sink writing `topics/<cluster>/<topic>/partition=<p>/<topic>+<p>+<offset>.json` to the caller's
 * raw bucket. Each part is its own component and usable alone.
 */
export class KafkaBatchPath extends pulumi.ComponentResource {
  /** The MSK cluster component. Always there. */
  readonly cluster: MskCluster;
  /** The Kafka client component (the REST proxy, topic creation). Always there. */
  readonly client: KafkaClient;
  /** MSK Connect's sink; undefined when the client machines run it (`sinkRunner: client`). */
  readonly sink?: S3SinkConnector;
  /** The batch API component in front of the REST proxy. Always there. */
  readonly api: KafkaRestApi;
  /** Base URL: `POST <invokeUrl>/topics/<topic>` with header `x-api-key`. Never empty. */
  readonly invokeUrl: pulumi.Output<string>;
  /**
   * Id of the API key (its value: `aws apigateway get-api-key --api-key <id> --include-value`).
   * Never empty.
   */
  readonly apiKeyId: pulumi.Output<string>;
  /**
   * The pipeline's topics (`<prefix>.pin`, `.geo`, `.user`), as the client creates them. Never
   * empty.
   */
  readonly topicNames: pulumi.Output<string[]>;
  /** The cluster's comma-separated `host:9098` list for SASL/IAM clients. Never empty. */
  readonly bootstrapBrokersIam: pulumi.Output<string>;
  /** Name of the REST proxy machines' autoscaling group (`<prefix>-kafka-client`). Never empty. */
  readonly clientGroupName: pulumi.Output<string>;
  /** ARN of the MSK cluster. Never empty. */
  readonly clusterArn: pulumi.Output<string>;
  /** The MSK Connect connector's ARN; undefined when the client machines run the sink. */
  readonly connectorArn?: pulumi.Output<string>;

  constructor(name: string, args: KafkaBatchPathArgs, opts?: pulumi.ComponentResourceOptions) {
    super(KAFKA_BATCH_PATH_TYPE, name, {}, opts);
    validateKafkaBatchPathArgs(args);
    const parent = { parent: this };
    const { prefix, vpcId, tags } = args;
    const subnetIds = args.privateSubnetIds;
    const logRetentionDays = logRetention(args.logRetentionDays);
    const onClient = (args.sinkRunner ?? "mskconnect") === "client";
    const sinkSettings = {
      pluginPath: args.connectorPluginPath,
      pluginSha256: args.connectorPluginSha256,
      plugin: args.connectorPlugin,
      flushSize: args.connectorFlushSize,
      tasksMax: args.connectorTasksMax,
      rotateIntervalMs: args.connectorRotateIntervalMs,
    };

    this.cluster = new MskCluster(
      `${name}-msk`,
      {
        prefix,
        vpcId,
        subnetIds,
        brokerCount: args.brokerCount,
        instanceType: args.brokerInstanceType,
        storageGb: args.brokerStorageGb,
        kafkaVersion: args.kafkaVersion,
        messageRetentionHours: args.messageRetentionHours,
        defaultPartitions: args.topicPartitions,
        logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        tags,
      },
      parent,
    );
    this.client = new KafkaClient(
      `${name}-client`,
      {
        prefix,
        vpcId,
        subnetIds,
        instanceCount: args.clientInstanceCount,
        clusterArn: this.cluster.clusterArn,
        bootstrapBrokersIam: this.cluster.bootstrapBrokersIam,
        kafkaClientSecurityGroupId: this.cluster.clientSecurityGroupId,
        partitions: args.topicPartitions,
        replicationFactor: this.cluster.replicationFactor,
        instanceType: args.clientInstanceType,
        sink: onClient
          ? {
              ...sinkSettings,
              bucketName: args.bucketName,
              bucketArn: args.bucketArn,
              bucketKmsKeyArn: args.kmsKeyArn,
              clusterUuid: this.cluster.clusterUuid,
            }
          : undefined,
        tags,
      },
      parent,
    );
    this.sink = onClient
      ? undefined
      : new S3SinkConnector(
          `${name}-sink`,
          {
            prefix,
            vpcId,
            subnetIds,
            clusterArn: this.cluster.clusterArn,
            clusterUuid: this.cluster.clusterUuid,
            bootstrapBrokersIam: this.cluster.bootstrapBrokersIam,
            kafkaClientSecurityGroupId: this.cluster.clientSecurityGroupId,
            bucketName: args.bucketName,
            bucketArn: args.bucketArn,
            bucketKmsKeyArn: args.kmsKeyArn,
            ...sinkSettings,
            mcuCount: args.connectorMcuCount,
            workerCount: args.connectorWorkerCount,
            logRetentionDays,
            tags,
          },
          // Topics are created by the client at boot; the sink's pattern subscription finds them.
          { parent: this, dependsOn: [this.client] },
        );
    this.api = new KafkaRestApi(
      `${name}-api`,
      {
        prefix,
        vpcId,
        subnetIds,
        targetGroupName: this.client.groupName,
        targetSecurityGroupId: this.client.securityGroupId,
        logRetentionDays,
        throttlingRateLimit: args.apiThrottlingRateLimit,
        throttlingBurstLimit: args.apiThrottlingBurstLimit,
        quotaPerDay: args.apiQuotaPerDay,
        alarmTopicArn: args.alarmTopicArn,
        manageApiGatewayAccount: args.manageApiGatewayAccount,
        tags,
      },
      parent,
    );

    this.invokeUrl = this.api.invokeUrl;
    this.apiKeyId = this.api.apiKeyId;
    this.topicNames = this.client.topicNames;
    this.bootstrapBrokersIam = this.cluster.bootstrapBrokersIam;
    this.clientGroupName = this.client.groupName;
    this.clusterArn = this.cluster.clusterArn;
    this.connectorArn = this.sink?.connectorArn;
    this.registerOutputs({
      invokeUrl: this.invokeUrl,
      apiKeyId: this.apiKeyId,
      topicNames: this.topicNames,
      bootstrapBrokersIam: this.bootstrapBrokersIam,
      clientGroupName: this.clientGroupName,
    });
  }
}
