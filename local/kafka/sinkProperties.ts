// The S3 sink connector properties the local replica deploys: exactly what a stack renders for its
// MSK Connect connector (components/kafka/s3SinkConnectorConfig.ts, from that stack's Pulumi.<stack>.yaml
// read by stacks/config.ts), for the replica's prefix and bucket, with only these overrides:
//   connector.class        the project's local sink instead of Confluent's (whose plugin cannot be
//                          obtained here): unavoidable, and the local sink reads the same keys;
//   store.url              the local object store's endpoint (production: AWS's S3 endpoint);
//   aws.access.key.id,     the store's dummy credentials (production: the connector's execution
//   aws.secret.access.key  role through the default chain, so the stack sets no key).
// The Kafka cluster's folder under topics/ (s3SinkTopicsDir) is named by the local broker's cluster
// id, as a stack's is by its MSK cluster's UUID.
// Usage: ts-node local/kafka/sinkProperties.ts PREFIX BUCKET STORE_URL CLUSTER_ID [STACK]   (STACK: dev)
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import {
  S3_SINK_CONNECTOR_CLASSES,
  s3SinkConnectorProperties,
} from "../../components/kafka/s3SinkConnectorConfig";
import { parseStackConfig } from "../../stacks/config";

const ROOT = path.resolve(__dirname, "..", "..");
const NAMESPACE = "pinterest-pipeline:";

/** The local sink's connector class (local/kafka/src/main/java/pipeline/local/s3sink). */
export const LOCAL_SINK_CLASS = "pipeline.local.s3sink.S3SinkConnector";

/** The local store's credentials: moto checks no signature. */
export const LOCAL_STORE_CREDENTIALS = {
  "aws.access.key.id": "test",
  "aws.secret.access.key": "test",
} as const;

/** The config of Pulumi.<stack>.yaml: the project's keys without namespace, and the AWS region. */
export function readStack(stack: string): { raw: Record<string, unknown>; region: string } {
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (key.startsWith(NAMESPACE)) raw[key.slice(NAMESPACE.length)] = value;
  }
  const region = doc.config?.["aws:region"];
  if (typeof region !== "string") throw new Error(`${file} sets no aws:region`);
  return { raw, region };
}

/**
 * The connector properties `stack` renders (the same settings and defaults the stack passes to
 * S3SinkConnector), for the replica's prefix, bucket and Kafka cluster.
 */
export function stackSinkProperties(
  stack: string,
  prefix: string,
  bucketName: string,
  clusterId: string,
): Record<string, string> {
  const { raw, region } = readStack(stack);
  const { kafka } = parseStackConfig(raw);
  // stacks/index.ts -> KafkaBatchPath -> S3SinkConnector or KafkaClient: the same settings.
  return s3SinkConnectorProperties({
    plugin: kafka.connectorPlugin,
    prefix,
    clusterId,
    bucketName,
    region,
    tasksMax: kafka.connectorTasksMax,
    flushSize: kafka.connectorFlushSize,
    rotateIntervalMs: kafka.connectorRotateIntervalMs,
  });
}

/** The overrides the replica applies to a stack's properties, and nothing else. */
export function replicaOverrides(storeUrl: string): Record<string, string> {
  return { "connector.class": LOCAL_SINK_CLASS, "store.url": storeUrl, ...LOCAL_STORE_CREDENTIALS };
}

/** What the replica deploys: the stack's properties with {@link replicaOverrides}. */
export function replicaSinkProperties(
  stack: string,
  prefix: string,
  bucketName: string,
  clusterId: string,
  storeUrl: string,
): Record<string, string> {
  return replicate(stackSinkProperties(stack, prefix, bucketName, clusterId), storeUrl, stack);
}

/** Rendered properties with {@link replicaOverrides}; only Confluent's sink can be replicated. */
export function replicate(
  rendered: Record<string, string>,
  storeUrl: string,
  stack = "this",
): Record<string, string> {
  if (rendered["connector.class"] !== S3_SINK_CONNECTOR_CLASSES.confluent) {
    throw new Error(
      `Stack "${stack}" runs ${rendered["connector.class"]} (kafka.connectorPlugin); the local sink ` +
        `implements only Confluent's S3 sink (${S3_SINK_CONNECTOR_CLASSES.confluent}). Replicate a ` +
        `stack with connectorPlugin "confluent".`,
    );
  }
  return { ...rendered, ...replicaOverrides(storeUrl) };
}

if (require.main === module) {
  const [prefix, bucket, storeUrl, clusterId, stack = "dev"] = process.argv.slice(2);
  if (!prefix || !bucket || !storeUrl || !clusterId) {
    console.error("usage: sinkProperties.ts PREFIX BUCKET STORE_URL CLUSTER_ID [STACK]");
    process.exit(2);
  }
  try {
    const properties = replicaSinkProperties(stack, prefix, bucket, clusterId, storeUrl);
    console.log(JSON.stringify(properties, null, 2));
  } catch (error) {
    console.error(`sink properties: ${(error as Error).message}`);
    process.exit(1);
  }
}
