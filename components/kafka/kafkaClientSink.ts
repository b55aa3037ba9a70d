// The resources KafkaClient adds when the machine runs the S3 sink itself (`kafka.sinkRunner:
// client`): the plugin upload, the role's sink policy and the worker's REST port between the
// stack's client machines; and what the boot script's sink part is rendered from
// (kafkaClientConnect.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { connectInternalPattern } from "./connectWorkerConfig";
import { ClientSinkUserDataInput, CONNECT_REST_PORT } from "./kafkaClientConnect";
import { clientS3SinkPolicy } from "./kafkaPolicies";
import {
  S3SinkConnectorArgs,
  S3_SINK_CONNECTOR_LIMITS,
  s3SinkConnectorName,
  sinkArgsProperties,
  sinkPolicyInput,
} from "./s3SinkConnector";
import { S3_SINK_DEFAULTS } from "./s3SinkConnectorConfig";
import { uploadS3SinkPlugin } from "./s3SinkPluginUpload";
import { wholeNumber } from "../shared/validate";

/**
 * The S3 sink the machine runs itself (Apache Kafka's Connect worker) instead of MSK Connect:
 * S3SinkConnector's arguments of the same names, meanings and defaults. The plugin is uploaded
 * under `connect-plugins/kafka-client/`; `pluginPath` must be a .zip.
 */
export type KafkaClientSinkArgs = Pick<
  S3SinkConnectorArgs,
  | "bucketName"
  | "bucketArn"
  | "bucketKmsKeyArn"
  | "clusterUuid"
  | "pluginPath"
  | "pluginSha256"
  | "plugin"
  | "tasksMax"
  | "flushSize"
  | "rotateIntervalMs"
>;

/** Folder of the bucket the client machine's plugin upload goes to. */
export const KAFKA_CLIENT_PLUGIN_KEY_PREFIX = "connect-plugins/kafka-client/";

/** Checks the sink's arguments before anything is created. */
export function validateKafkaClientSinkArgs(sink: KafkaClientSinkArgs): void {
  if (!/\.zip$/i.test(sink.pluginPath)) {
    throw new Error(
      `KafkaClient sink pluginPath "${sink.pluginPath}" is not a .zip: the machine's ` +
        "Kafka Connect worker unpacks the connector's packaged zip into its plugin folder.",
    );
  }
  for (const field of ["tasksMax", "flushSize", "rotateIntervalMs"] as const) {
    wholeNumber("KafkaClient", `sink.${field}`, sink[field], S3_SINK_CONNECTOR_LIMITS[field]);
  }
}

/** What {@link declareClientSink} needs of the KafkaClient it belongs to. */
export interface ClientSinkContext {
  readonly prefix: string;
  readonly clusterArn: pulumi.Input<string>;
  readonly sink: KafkaClientSinkArgs;
  /** The machine's instance role and security group. */
  readonly role: aws.iam.Role;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly tags: Record<string, string>;
  /** The KafkaClient: every resource here is its child. */
  readonly parent: pulumi.Resource;
}

/**
 * Declares the sink's resources as children of the KafkaClient `name`, and returns the role policy
 * (the machine must wait for it) and the boot script's sink input, less the brokers and
 * replication factor the client's own script takes.
 */
export function declareClientSink(
  name: string,
  c: ClientSinkContext,
): {
  access: aws.iam.RolePolicy;
  userDataInput: pulumi.Output<
    Omit<ClientSinkUserDataInput, "bootstrapBrokers" | "replicationFactor">
  >;
} {
  const { sink, prefix, tags } = c;
  const parent = { parent: c.parent };
  const plugin = sink.plugin ?? S3_SINK_DEFAULTS.plugin;
  const rotateIntervalMs = sink.rotateIntervalMs ?? S3_SINK_DEFAULTS.rotateIntervalMs;
  const { object } = uploadS3SinkPlugin(
    `${name}-sink-plugin-object`,
    {
      pluginPath: sink.pluginPath,
      pluginSha256: sink.pluginSha256,
      plugin,
      bucketName: sink.bucketName,
      // Not MSK Connect's connect-plugins/ key: switching runners creates this object before
      // deleting that one, and deleting an object that has a version id deletes every version
      // of its key (terraform-provider-aws internal/service/s3/object.go, resourceObjectDelete).
      keyPrefix: KAFKA_CLIENT_PLUGIN_KEY_PREFIX,
      tags,
    },
    parent,
  );
  const access = new aws.iam.RolePolicy(
    `${name}-sink`,
    {
      role: c.role.id,
      policy: pulumi
        .all([c.clusterArn, sink.bucketArn, sink.bucketKmsKeyArn, object.key])
        .apply(([clusterArn, bucketArn, kmsKeyArn, key]) =>
          JSON.stringify(
            clientS3SinkPolicy({
              ...sinkPolicyInput(prefix, clusterArn, bucketArn, kmsKeyArn),
              internalNamePattern: connectInternalPattern(prefix),
              pluginObjectArn: `${bucketArn}/${key}`,
            }),
          ),
        ),
    },
    parent,
  );

  // Distributed mode: while a replacement machine's worker overlaps the old one's in the group,
  // each forwards requests to the leader's REST API (kafkaClientConnect.ts).
  const between = {
    securityGroupId: c.securityGroup.id,
    referencedSecurityGroupId: c.securityGroup.id,
    ipProtocol: "tcp",
    fromPort: CONNECT_REST_PORT,
    toPort: CONNECT_REST_PORT,
    tags,
  };
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-connect-in`,
    { ...between, description: "Kafka Connect REST API from the stack's client machines" },
    parent,
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-connect-out`,
    { ...between, description: "Kafka Connect REST API of the stack's client machines" },
    parent,
  );

  const region = aws.getRegionOutput({}, parent).region;
  const userDataInput = pulumi
    .all([sink.bucketName, region, sink.clusterUuid, object.key, object.versionId])
    .apply(([bucketName, r, clusterId, key, versionId]) => ({
      prefix,
      plugin,
      connectorName: s3SinkConnectorName(prefix),
      connectorProperties: sinkArgsProperties(prefix, sink, { bucketName, region: r, clusterId }),
      rotateIntervalMs,
      pluginBucket: bucketName,
      pluginKey: key,
      pluginVersionId: versionId,
      pluginSha256: sink.pluginSha256,
    }));
  return { access, userDataInput };
}
