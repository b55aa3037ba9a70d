// The S3 sink's configuration as pure functions: the connector properties (the course's settings
// of docs/pipeline.md §5 with a sane flush policy) for Confluent's or Aiven's sink, and the worker
// properties, named by their content.

/**
 * The folder under which the sink writes: each Kafka cluster writes below a folder of its own,
 * `topics/<cluster>/` (see {@link s3SinkTopicsDir}), so that the IAM and lifecycle rules and the
 * Databricks readers address `topics/`.
 */
export const S3_SINK_TOPICS_DIR = "topics";

/**
 * What names a Kafka cluster in the object keys: the MSK cluster's UUID (its `clusterUuid`, new on
 * every replacement) or the local broker's cluster id (22 characters of URL-safe base64).
 */
const CLUSTER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The sink's `topics.dir` for the Kafka cluster `clusterId`: `topics/<clusterId>`.
 *
 * A new cluster (a pause and resume, any replacement of the MSK cluster, a wiped replica) starts
 * every partition's offsets at 0 again, and the sink names its objects by topic, partition and
 * start offset (kafka-connect-storage-cloud TopicPartitionWriter.fileKeyToCommit: `<topics.dir>/
 * <topic>/<encoded partition>/<topic>+<partition>+<start offset>`). Under one folder for all
 * clusters the new cluster's objects would take the old objects' names: S3 keeps only the newest
 * version current, and Auto Loader processes a name once ("With the default setting
 * (cloudFiles.allowOverwrites = false), files are processed exactly once", Databricks, Auto Loader
 * FAQ), so the old records would leave the lake and the new ones never reach the tables. A folder
 * per cluster gives every object a name no earlier cluster used.
 */
export function s3SinkTopicsDir(clusterId: string): string {
  if (!CLUSTER_ID.test(clusterId)) {
    throw new Error(
      `S3 sink cluster id "${clusterId}" is not a Kafka cluster's id: give the MSK cluster's ` +
        `clusterUuid or the broker's cluster.id (letters, digits, "_" and "-", 1 to 64 characters).`,
    );
  }
  return `${S3_SINK_TOPICS_DIR}/${clusterId}`;
}

/**
 * Digits of the zero-padded start offset in object names. The course's Confluent default is 10;
 * Aiven's sink can only pad to 20, so both are set to 20 and write the very same keys.
 */
export const S3_SINK_OFFSET_DIGITS = 20;

/** The S3 sink plugins the connector can run. */
export const S3_SINK_PLUGINS = ["confluent", "aiven"] as const;
/** `confluent`: Confluent's S3 sink (the course's). `aiven`: Aiven's Apache-2.0 S3 sink. */
export type S3SinkPlugin = (typeof S3_SINK_PLUGINS)[number];

/** The connector class each plugin is configured with. */
export const S3_SINK_CONNECTOR_CLASSES: Record<S3SinkPlugin, string> = {
  confluent: "io.confluent.connect.s3.S3SinkConnector",
  aiven: "io.aiven.kafka.connect.s3.AivenKafkaConnectS3SinkConnector",
};

/** The one object layout, filled with values or with a plugin's placeholders. */
function objectKeyLayout(
  clusterId: string,
  topic: string,
  partition: string,
  startOffset: string,
): string {
  return `${s3SinkTopicsDir(clusterId)}/${topic}/partition=${partition}/${topic}+${partition}+${startOffset}.json`;
}

/**
 * The key of the object holding the records of `topic`/`partition` from `startOffset` on, written
 * through Kafka cluster `clusterId`: the layout both plugins are configured to write and the
 * Databricks readers expect (`topics/<cluster>/<topic>/partition=<p>/<topic>+<p>+<offset>.json`).
 */
export function s3SinkObjectKey(
  clusterId: string,
  topic: string,
  partition: number,
  startOffset: number,
): string {
  const offset = String(startOffset).padStart(S3_SINK_OFFSET_DIGITS, "0");
  return objectKeyLayout(clusterId, topic, String(partition), offset);
}

/** The topic of an object key in the sink's layout (`topics/<cluster>/<topic>/...`), else undefined. */
export function s3SinkKeyTopic(key: string): string | undefined {
  const [dir, , topic, ...rest] = key.split("/");
  return dir === S3_SINK_TOPICS_DIR && topic && rest.length > 0 ? topic : undefined;
}

/** What the S3SinkConnector component uses for a setting its arguments leave out. */
export const S3_SINK_DEFAULTS = {
  plugin: "confluent",
  tasksMax: 3,
  flushSize: 500,
  rotateIntervalMs: 60_000,
} as const satisfies Partial<S3SinkSettings>;

/** Settings the connector properties are rendered from. */
export interface S3SinkSettings {
  /** Which sink plugin the connector runs. @default "confluent" */
  readonly plugin?: S3SinkPlugin;
  /** The stack's prefix: the sink reads every topic `<prefix>.<anything>`. */
  readonly prefix: string;
  /** The Kafka cluster's id, which names its folder under `topics/` ({@link s3SinkTopicsDir}). */
  readonly clusterId: string;
  readonly bucketName: string;
  readonly region: string;
  /** Tasks across the workers; more than the topics' partitions in total is useless. */
  readonly tasksMax: number;
  /** Records per object before it is committed (the course's 1 made one object per record). */
  readonly flushSize: number;
  /**
   * Wall-clock milliseconds that bound how long records below `flushSize` wait before their
   * object is committed. Confluent's sink: `rotate.schedule.interval.ms`, an open object is
   * committed at the next multiple of this interval since 00:00 UTC. Aiven's sink: the worker's
   * `offset.flush.interval.ms`, every open object is written at each offset flush.
   */
  readonly rotateIntervalMs: number;
  /** Properties added last, overriding the above. */
  readonly extraProperties?: Record<string, string>;
}

/** A Java regular expression matching `<prefix>.` followed by anything, the prefix taken literally. */
export function topicsRegex(prefix: string): string {
  return `${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\..*`;
}

/** Record converters shared by both plugins and the workers: string keys, schemaless JSON values. */
const CONVERTERS = {
  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
} as const;

/**
 * The connector properties of the chosen plugin. Both write the same objects: one JSON value per
 * line under {@link s3SinkObjectKey}, at most `flushSize` records each.
 */
export function s3SinkConnectorProperties(settings: S3SinkSettings): Record<string, string> {
  const plugin = settings.plugin ?? "confluent";
  const common = {
    "connector.class": S3_SINK_CONNECTOR_CLASSES[plugin],
    "tasks.max": String(settings.tasksMax),
    "topics.regex": topicsRegex(settings.prefix),
    ...CONVERTERS,
  };
  const specific = plugin === "aiven" ? aivenProperties(settings) : confluentProperties(settings);
  const properties = { ...common, ...specific, ...settings.extraProperties };
  if (plugin === "confluent") checkConfluentRotation(properties);
  return properties;
}

/** Confluent's partitioners that carry a timestamp extractor (TimeBasedPartitioner and its subclasses). */
const CONFLUENT_TIME_BASED_PARTITIONER =
  /^io\.confluent\.connect\.storage\.partitioner\.(TimeBased|Hourly|Daily)Partitioner$/;

/**
 * Refuses rotation settings Confluent's sink would silently ignore (`rotate.interval.ms` without a
 * time-based partitioner: TopicPartitionWriter logs "This property is ignored") or refuse at start
 * (`rotate.schedule.interval.ms` without `timezone`: S3SinkConnectorConfig), e.g. from
 * `extraProperties`.
 */
function checkConfluentRotation(properties: Record<string, string>): void {
  const partitioner = properties["partitioner.class"] ?? CONFLUENT_DEFAULT_PARTITIONER;
  if (
    Number(properties["rotate.interval.ms"] ?? -1) > 0 &&
    !CONFLUENT_TIME_BASED_PARTITIONER.test(partitioner)
  ) {
    throw new Error(
      `S3 sink property "rotate.interval.ms" is ignored by Confluent's S3 sink with ${partitioner} ` +
        `(only a TimeBasedPartitioner rotates on record time): records below flush.size would never ` +
        `be committed. Use rotate.schedule.interval.ms with timezone instead.`,
    );
  }
  if (
    Number(properties["rotate.schedule.interval.ms"] ?? -1) > 0 &&
    !(properties.timezone ?? "").trim()
  ) {
    throw new Error(
      `S3 sink property "timezone" must be set when rotate.schedule.interval.ms is (e.g. "UTC"): ` +
        `Confluent's S3 sink refuses to start without it.`,
    );
  }
}

/** Confluent's partitioner the connector runs: the course's, which gives the `partition=<p>` keys. */
export const CONFLUENT_DEFAULT_PARTITIONER =
  "io.confluent.connect.storage.partitioner.DefaultPartitioner";

/**
 * Confluent's sink: everything the course set, except the flush policy. An object is committed
 * when it holds `flushSize` records, or at the first wall-clock boundary (a multiple of
 * `rotateIntervalMs` since 00:00 UTC) that passes while it holds any, whichever comes first.
 *
 * Not `rotate.interval.ms`: Confluent's TopicPartitionWriter (kafka-connect-s3) takes a timestamp
 * extractor only from a TimeBasedPartitioner; with the DefaultPartitioner it logs that the
 * property "is ignored" and never rotates on time, so records below `flush.size` would never be
 * committed. `rotate.schedule.interval.ms` works with any partitioner and needs `timezone`
 * (S3SinkConnectorConfig refuses to start without it). Wall-clock boundaries are not
 * deterministic: a partition re-read after a task failure can be cut differently, leaving some
 * records in two objects (at-least-once; the batch job de-duplicates).
 */
function confluentProperties(settings: S3SinkSettings): Record<string, string> {
  return {
    "s3.region": settings.region,
    "s3.bucket.name": settings.bucketName,
    "topics.dir": s3SinkTopicsDir(settings.clusterId),
    "storage.class": "io.confluent.connect.s3.storage.S3Storage",
    "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
    "partitioner.class": CONFLUENT_DEFAULT_PARTITIONER,
    "filename.offset.zero.pad.width": String(S3_SINK_OFFSET_DIGITS),
    "schema.compatibility": "NONE",
    "flush.size": String(settings.flushSize),
    "rotate.schedule.interval.ms": String(settings.rotateIntervalMs),
    timezone: "UTC",
  };
}

/**
 * Aiven's sink laid out like Confluent's: the file name template spells the default partitioner's
 * path, JSON lines hold the bare value (no `{"value": ...}` envelope), no compression. It commits
 * objects at `flushSize` records and at each offset flush of the worker (see
 * {@link s3SinkWorkerProperties}); credentials come from the default chain, i.e. the connector's
 * execution role.
 */
function aivenProperties(settings: S3SinkSettings): Record<string, string> {
  return {
    "aws.s3.region": settings.region,
    "aws.s3.bucket.name": settings.bucketName,
    // `start_offset:padding=true` pads to 20 digits, S3_SINK_OFFSET_DIGITS.
    "file.name.template": objectKeyLayout(
      settings.clusterId,
      "{{topic}}",
      "{{partition}}",
      "{{start_offset:padding=true}}",
    ),
    "file.compression.type": "none",
    "file.max.records": String(settings.flushSize),
    "format.output.type": "jsonl",
    "format.output.fields": "value",
    "format.output.envelope": "false",
  };
}

/**
 * The worker properties: the same converters as the connector, so defaults never differ. Aiven's
 * sink writes its open objects when the worker flushes offsets, so that interval is its rotation.
 */
export function s3SinkWorkerProperties(
  plugin: S3SinkPlugin = "confluent",
  rotateIntervalMs = 60_000,
): string {
  const lines = Object.entries(CONVERTERS).map(([key, value]) => `${key}=${value}`);
  if (plugin === "aiven") lines.push(`offset.flush.interval.ms=${rotateIntervalMs}`);
  return [...lines, ""].join("\n");
}

/** MSK Connect's content type of a plugin file, from its extension. */
export function pluginContentType(pluginPath: string): "ZIP" | "JAR" {
  if (/\.zip$/i.test(pluginPath)) return "ZIP";
  if (/\.jar$/i.test(pluginPath)) return "JAR";
  throw new Error(
    `S3SinkConnector pluginPath "${pluginPath}" is neither a .zip nor a .jar; MSK Connect ` +
      `takes the connector's packaged zip (e.g. confluentinc-kafka-connect-s3-<version>.zip).`,
  );
}
