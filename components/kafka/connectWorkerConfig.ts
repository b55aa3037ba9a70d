// The properties of a self-run Apache Kafka Connect worker in distributed mode, as one pure
// function: the stack's Kafka client machine (kafkaClientConnect.ts) and the local replica
// (local/kafka/workerProperties.ts, started by local/kafka/connect.sh) render theirs with it, so the
// replica's tests run the worker settings the client machine gets.
import { mskIamClientProperties } from "./kafkaClientUserData";
import { s3SinkWorkerProperties, S3SinkPlugin } from "./s3SinkConnectorConfig";

/** Where a distributed worker group keeps its state: its group and three compacted topics. */
export interface ConnectInternalNames {
  readonly groupId: string;
  readonly configTopic: string;
  readonly offsetTopic: string;
  readonly statusTopic: string;
}

/**
 * The stack's worker group and internal topics: `_connect-<prefix>-*`. Not `<prefix>.*`, which the
 * sink's `topics.regex` reads, and not `__amazon_msk_connect_*`, which belongs to MSK Connect.
 */
export function connectInternalNames(prefix: string): ConnectInternalNames {
  const base = `_connect-${prefix}`;
  return {
    groupId: `${base}-workers`,
    configTopic: `${base}-configs`,
    offsetTopic: `${base}-offsets`,
    statusTopic: `${base}-status`,
  };
}

/** The topic and group name pattern of {@link connectInternalNames} (IAM resource names). */
export function connectInternalPattern(prefix: string): string {
  return `_connect-${prefix}-*`;
}

/** Values a worker's properties are rendered from. */
export interface ConnectWorkerSettings {
  readonly bootstrapServers: string;
  readonly names: ConnectInternalNames;
  /** Replicas of the three internal topics (at most the broker count). */
  readonly replicationFactor: number;
  /** Address and port the worker's REST API listens on. */
  readonly restHost: string;
  readonly restPort: number;
  /**
   * The address other workers of the group reach this one at (forwarded requests). @default
   * undefined: no line, so the boot script can append the machine's own address
   */
  readonly advertisedHost?: string;
  /** Folder holding one sub-folder per plugin (Kafka Connect's `plugin.path`). */
  readonly pluginPath: string;
  /** The sink the worker runs: Aiven's commits its objects at each offset flush. @default "confluent" */
  readonly plugin?: S3SinkPlugin;
  /** The sink's rotation interval (S3SinkConnector's `rotateIntervalMs`). @default 60000 */
  readonly rotateIntervalMs?: number;
  /**
   * SASL/IAM for the worker and for the clients it creates for connectors (`consumer.`,
   * `producer.`, `admin.`): Kafka Connect does not pass the worker's security settings on to
   * them (Kafka documentation, "Kafka Connect", ACL and security configuration).
   */
  readonly mskIam: boolean;
  /** Partitions of the offset and status topics. @default Kafka Connect's (25 and 5) */
  readonly internalPartitions?: number;
  /** Worker settings added last (the replica's start-up shortcuts). @default {} */
  readonly extra?: Record<string, string>;
}

/**
 * The worker's properties file: MSK Connect's worker configuration of the same sink
 * (s3SinkWorkerProperties: converters, and Aiven's offset flush) plus what a self-run distributed
 * worker needs: brokers, group, internal topics, REST listener and plugin folder.
 */
export function connectWorkerProperties(s: ConnectWorkerSettings): string {
  const lines = [
    `bootstrap.servers=${s.bootstrapServers}`,
    `group.id=${s.names.groupId}`,
    `config.storage.topic=${s.names.configTopic}`,
    `offset.storage.topic=${s.names.offsetTopic}`,
    `status.storage.topic=${s.names.statusTopic}`,
    ...["config", "offset", "status"].map(
      (t) => `${t}.storage.replication.factor=${s.replicationFactor}`,
    ),
    ...(s.internalPartitions === undefined
      ? []
      : ["offset", "status"].map((t) => `${t}.storage.partitions=${s.internalPartitions}`)),
    `listeners=http://${s.restHost}:${s.restPort}`,
    ...(s.advertisedHost === undefined ? [] : [`rest.advertised.host.name=${s.advertisedHost}`]),
    `rest.advertised.port=${s.restPort}`,
    `plugin.path=${s.pluginPath}`,
    ...(s.mskIam
      ? ["", "consumer.", "producer.", "admin."].map((p) => mskIamClientProperties(p))
      : []),
    s3SinkWorkerProperties(s.plugin, s.rotateIntervalMs).trimEnd(),
    ...Object.entries(s.extra ?? {}).map(([key, value]) => `${key}=${value}`),
  ];
  return [...lines, ""].join("\n");
}
