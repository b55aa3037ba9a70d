import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import {
  kafkaConnectTrustPolicy,
  s3SinkConnectorPolicy,
  S3SinkConnectorPolicyInput,
} from "./kafkaPolicies";
import { contentName } from "../shared/contentName";
import { SHA256_HEX } from "./s3SinkPluginRelease";
import { uploadS3SinkPlugin } from "./s3SinkPluginUpload";
import { wholeNumber, WholeSetting } from "../shared/validate";
import {
  pluginContentType,
  s3SinkConnectorProperties,
  s3SinkWorkerProperties,
  S3SinkPlugin,
  S3_SINK_DEFAULTS,
  S3_SINK_PLUGINS,
  S3_SINK_TOPICS_DIR,
} from "./s3SinkConnectorConfig";
import { checkLogRetention, logRetention } from "../shared/logs";

/** Arguments of {@link S3SinkConnector}. */
export interface S3SinkConnectorArgs {
  /** Prefix every AWS name derives from (the stack's `prefix`); the sink reads `<prefix>.*`. */
  readonly prefix: string;
  /** VPC of the connector's workers. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets of the workers (two zones). */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** ARN of the MSK cluster. */
  readonly clusterArn: pulumi.Input<string>;
  /** UUID of the MSK cluster: the sink writes under `topics/<clusterUuid>/` (see s3SinkTopicsDir). */
  readonly clusterUuid: pulumi.Input<string>;
  /** SASL/IAM bootstrap brokers of the cluster. */
  readonly bootstrapBrokersIam: pulumi.Input<string>;
  /** The cluster's client security group, which lets the workers reach the brokers. */
  readonly kafkaClientSecurityGroupId: pulumi.Input<string>;
  /** Bucket the sink writes to (and where the plugin is uploaded, under `connect-plugins/`). */
  readonly bucketName: pulumi.Input<string>;
  /** ARN of that bucket. */
  readonly bucketArn: pulumi.Input<string>;
  /** The bucket's KMS key, if it has one. @default undefined */
  readonly bucketKmsKeyArn?: pulumi.Input<string>;
  /** Local path of the packaged connector (.zip or .jar) to upload as the custom plugin. */
  readonly pluginPath: string;
  /**
   * The SHA-256 (64 hex digits, as `sha256sum` prints it) the file at `pluginPath` must have:
   * another file, or none given (""), is refused, naming both checksums and the pinned release.
   */
  readonly pluginSha256: string;
  /**
   * Which sink the plugin at `pluginPath` is: Confluent's (the course's) or Aiven's. Both are
   * configured to write the same object keys and lines. @default "confluent"
   */
  readonly plugin?: S3SinkPlugin;
  /** Connector tasks. @default 3 (one per topic) */
  readonly tasksMax?: number;
  /** Records per S3 object. @default 500 */
  readonly flushSize?: number;
  /**
   * Wall-clock milliseconds that bound how long records below `flushSize` wait: Confluent's sink
   * commits an open object at the next multiple of it since 00:00 UTC
   * (`rotate.schedule.interval.ms`), Aiven's at each offset flush of the workers
   * (`offset.flush.interval.ms`). @default 60000
   */
  readonly rotateIntervalMs?: number;
  /** Properties added to (or overriding) the connector configuration. @default {} */
  readonly extraConnectorProperties?: Record<string, string>;
  /** MSK Connect units per worker (1, 2, 4 or 8). @default 1 */
  readonly mcuCount?: number;
  /** Workers (1–10). @default 1 */
  readonly workerCount?: number;
  /** Kafka Connect version MSK Connect runs. @default "3.7.x" */
  readonly kafkaConnectVersion?: pulumi.Input<string>;
  /** Days to keep worker logs. @default 30 */
  readonly logRetentionDays?: number;
  /** Tags added to every resource. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * What MSK Connect and the sink accept for each numeric argument, and the default (the stack
 * config reads these).
 */
export const S3_SINK_CONNECTOR_LIMITS = {
  tasksMax: { min: 1, max: 100, default: S3_SINK_DEFAULTS.tasksMax },
  flushSize: { min: 1, max: 1_000_000, default: S3_SINK_DEFAULTS.flushSize },
  rotateIntervalMs: { min: 1000, max: 86_400_000, default: S3_SINK_DEFAULTS.rotateIntervalMs },
  workerCount: { min: 1, max: 10, default: 1 },
} as const satisfies Record<string, WholeSetting>;

/** The MSK Connect units a worker may have. */
export const MCU_COUNTS: readonly number[] = [1, 2, 4, 8];
export const DEFAULT_MCU_COUNT = 1;

/** Checks arguments; the plugin file itself is checked by the constructor. */
export function validateS3SinkConnectorArgs(args: S3SinkConnectorArgs): void {
  pluginContentType(args.pluginPath);
  if (args.pluginSha256 !== "" && !SHA256_HEX.test(args.pluginSha256 ?? "")) {
    throw new Error(
      `S3SinkConnector pluginSha256 "${args.pluginSha256}" is not a SHA-256: give the 64 lowercase ` +
        "hex digits sha256sum prints for the plugin file.",
    );
  }
  if (args.plugin !== undefined && !S3_SINK_PLUGINS.includes(args.plugin)) {
    throw new Error(
      `S3SinkConnector plugin "${String(args.plugin)}" is not one of ${S3_SINK_PLUGINS.join(", ")}.`,
    );
  }
  for (const field of Object.keys(
    S3_SINK_CONNECTOR_LIMITS,
  ) as (keyof typeof S3_SINK_CONNECTOR_LIMITS)[]) {
    wholeNumber("S3SinkConnector", field, args[field], S3_SINK_CONNECTOR_LIMITS[field]);
  }
  checkLogRetention("S3SinkConnector", "logRetentionDays", args.logRetentionDays);
  const mcu = args.mcuCount ?? DEFAULT_MCU_COUNT;
  if (!MCU_COUNTS.includes(mcu)) {
    throw new Error(`S3SinkConnector mcuCount ${mcu} is not one of 1, 2, 4, 8.`);
  }
}

/** The sink settings both runners take from their arguments (S3SinkConnector's, KafkaClient's `sink`). */
export type S3SinkSettingArgs = Pick<
  S3SinkConnectorArgs,
  "plugin" | "tasksMax" | "flushSize" | "rotateIntervalMs" | "extraConnectorProperties"
>;

/**
 * The connector properties of a sink's arguments, their defaults filled in, for the resolved
 * bucket, region and Kafka cluster: what either runner deploys.
 */
export function sinkArgsProperties(
  prefix: string,
  args: S3SinkSettingArgs,
  resolved: { bucketName: string; region: string; clusterId: string },
): Record<string, string> {
  return s3SinkConnectorProperties({
    ...resolved,
    plugin: args.plugin ?? S3_SINK_DEFAULTS.plugin,
    prefix,
    tasksMax: args.tasksMax ?? S3_SINK_DEFAULTS.tasksMax,
    flushSize: args.flushSize ?? S3_SINK_DEFAULTS.flushSize,
    rotateIntervalMs: args.rotateIntervalMs ?? S3_SINK_DEFAULTS.rotateIntervalMs,
    extraProperties: args.extraConnectorProperties,
  });
}

/** What the sink's policy is rendered from, for either runner: its topics, group and objects. */
export function sinkPolicyInput(
  prefix: string,
  clusterArn: string,
  bucketArn: string,
  kmsKeyArn: string | undefined,
): S3SinkConnectorPolicyInput {
  return {
    clusterArn,
    topicPrefix: prefix,
    connectorName: s3SinkConnectorName(prefix),
    bucketArn,
    objectPrefix: `${S3_SINK_TOPICS_DIR}/`,
    kmsKeyArn,
  };
}

/** Folder of the bucket MSK Connect's plugin upload goes to. */
export const S3_SINK_PLUGIN_KEY_PREFIX = "connect-plugins/";

/** The connector's name: `<prefix>-s3-sink`. */
export function s3SinkConnectorName(prefix: string): string {
  return `${prefix}-s3-sink`;
}

/**
 * The sink's consumer group: Kafka Connect names a sink connector's group `connect-<connector
 * name>` (Kafka documentation, "Kafka Connect Configs", `consumer.override.group.id`; MSK Connect
 * keeps Kafka Connect's naming), which MSK's consumer-lag metrics take as their dimension.
 */
export function s3SinkConsumerGroup(prefix: string): string {
  return `connect-${s3SinkConnectorName(prefix)}`;
}

/**
 * MSK Connect's S3 sink: the plugin uploaded to the bucket as a versioned object and pinned by
 * version, a custom plugin and a worker configuration named by their content (MSK Connect cannot
 * update either), and a connector using IAM over TLS, a role limited to its topics and the bucket's
 * `topics/` prefix, and a log group with retention.
 */
export class S3SinkConnector extends pulumi.ComponentResource {
  /** ARN of the MSK Connect connector. Never empty. */
  readonly connectorArn: pulumi.Output<string>;
  /** The connector's name, which its consumer group and log group derive from. Never empty. */
  readonly connectorName: pulumi.Output<string>;
  /** ARN of the MSK Connect custom plugin (the connector's zip). Never empty. */
  readonly customPluginArn: pulumi.Output<string>;
  /** ARN of the MSK Connect worker configuration. Never empty. */
  readonly workerConfigurationArn: pulumi.Output<string>;
  /** ARN of the role the connector runs as. Never empty. */
  readonly roleArn: pulumi.Output<string>;
  /** S3 key of the uploaded plugin zip (the key prefix and the zip's file name). Never empty. */
  readonly pluginObjectKey: pulumi.Output<string>;
  /** S3 version id of that object, which the custom plugin pins. Never empty. */
  readonly pluginVersionId: pulumi.Output<string>;

  constructor(name: string, args: S3SinkConnectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:S3SinkConnector", name, {}, opts);
    validateS3SinkConnectorArgs(args);
    const sinkPlugin = args.plugin ?? S3_SINK_DEFAULTS.plugin;
    const parent = { parent: this };
    const tags = { ...args.tags };
    const connectorName = s3SinkConnectorName(args.prefix);
    const rotateIntervalMs = args.rotateIntervalMs ?? S3_SINK_DEFAULTS.rotateIntervalMs;
    const { object: pluginObject, bytes: pluginBytes } = uploadS3SinkPlugin(
      `${name}-plugin-object`,
      {
        pluginPath: args.pluginPath,
        pluginSha256: args.pluginSha256,
        plugin: sinkPlugin,
        bucketName: args.bucketName,
        keyPrefix: S3_SINK_PLUGIN_KEY_PREFIX,
        tags,
      },
      parent,
    );
    const plugin = new aws.mskconnect.CustomPlugin(
      `${name}-plugin`,
      {
        name: contentName(connectorName, pluginBytes),
        description: `S3 sink plugin ${path.basename(args.pluginPath)} (${sinkPlugin})`,
        contentType: pluginContentType(args.pluginPath),
        location: {
          s3: {
            bucketArn: args.bucketArn,
            fileKey: pluginObject.key,
            // The bucket is versioned: the plugin is this exact upload, not whatever the key holds.
            objectVersion: pluginObject.versionId,
          },
        },
        tags,
      },
      parent,
    );
    const workerProperties = s3SinkWorkerProperties(sinkPlugin, rotateIntervalMs);
    const workerConfiguration = new aws.mskconnect.WorkerConfiguration(
      `${name}-worker-config`,
      {
        name: contentName(`${connectorName}-worker`, workerProperties),
        description: `Worker settings of ${connectorName}`,
        propertiesFileContent: workerProperties,
        tags,
      },
      parent,
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aws/mskconnect/${connectorName}`,
        retentionInDays: logRetention(args.logRetentionDays),
        tags,
      },
      parent,
    );
    const region = aws.getRegionOutput({}, parent).region;
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `Execution role of MSK Connect ${connectorName}`,
        assumeRolePolicy: pulumi
          .all([region, account])
          .apply(([r, a]) => JSON.stringify(kafkaConnectTrustPolicy(r, a, connectorName))),
        tags,
      },
      parent,
    );
    const access = new aws.iam.RolePolicy(
      `${name}-access`,
      {
        role: role.id,
        policy: pulumi
          .all([args.clusterArn, args.bucketArn, args.bucketKmsKeyArn])
          .apply(([clusterArn, bucketArn, kmsKeyArn]) =>
            JSON.stringify(
              s3SinkConnectorPolicy(sinkPolicyInput(args.prefix, clusterArn, bucketArn, kmsKeyArn)),
            ),
          ),
      },
      parent,
    );
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `MSK Connect ${connectorName} workers: no inbound; HTTPS out to S3`,
        ingress: [],
        egress: [
          {
            description: "HTTPS to S3 (through the VPC's gateway endpoint)",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
          },
        ],
        tags: { ...tags, Name: connectorName },
      },
      parent,
    );

    const connector = new aws.mskconnect.Connector(
      `${name}-connector`,
      {
        name: connectorName,
        kafkaconnectVersion: args.kafkaConnectVersion ?? "3.7.x",
        capacity: {
          provisionedCapacity: {
            mcuCount: args.mcuCount ?? DEFAULT_MCU_COUNT,
            workerCount: args.workerCount ?? S3_SINK_CONNECTOR_LIMITS.workerCount.default,
          },
        },
        connectorConfiguration: pulumi
          .all([args.bucketName, region, args.clusterUuid])
          .apply(([bucketName, r, clusterId]) =>
            sinkArgsProperties(args.prefix, args, { bucketName, region: r, clusterId }),
          ),
        kafkaCluster: {
          apacheKafkaCluster: {
            bootstrapServers: args.bootstrapBrokersIam,
            vpc: {
              securityGroups: [securityGroup.id, args.kafkaClientSecurityGroupId],
              subnets: args.subnetIds,
            },
          },
        },
        kafkaClusterClientAuthentication: { authenticationType: "IAM" },
        kafkaClusterEncryptionInTransit: { encryptionType: "TLS" },
        logDelivery: {
          workerLogDelivery: { cloudwatchLogs: { enabled: true, logGroup: logGroup.name } },
        },
        plugins: [{ customPlugin: { arn: plugin.arn, revision: plugin.latestRevision } }],
        serviceExecutionRoleArn: role.arn,
        workerConfiguration: {
          arn: workerConfiguration.arn,
          revision: workerConfiguration.latestRevision,
        },
        tags,
      },
      {
        parent: this,
        dependsOn: [access],
        // A changed connector is replaced under the same name, so its consumer group
        // (connect-<name>) and committed offsets survive: delete first, or the create fails.
        deleteBeforeReplace: true,
      },
    );

    this.connectorArn = connector.arn;
    this.connectorName = connector.name;
    this.customPluginArn = plugin.arn;
    this.workerConfigurationArn = workerConfiguration.arn;
    this.roleArn = role.arn;
    this.pluginObjectKey = pluginObject.key;
    this.pluginVersionId = pluginObject.versionId;
    this.registerOutputs({
      connectorArn: this.connectorArn,
      customPluginArn: this.customPluginArn,
      workerConfigurationArn: this.workerConfigurationArn,
    });
  }
}
