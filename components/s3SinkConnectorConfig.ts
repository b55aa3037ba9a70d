// The S3 sink's configuration as pure functions: the connector properties (the course's settings
// of PIPELINE.md §5 with a sane flush policy) and the worker properties, named by their content.
import { createHash } from "crypto";

/** The folder the sink writes under; objects are `topics/<topic>/partition=<p>/<topic>+<p>+<offset>.json`. */
export const S3_SINK_TOPICS_DIR = "topics";

/** Settings the connector properties are rendered from. */
export interface S3SinkSettings {
  /** The stack's prefix: the sink reads every topic `<prefix>.<anything>`. */
  readonly prefix: string;
  readonly bucketName: string;
  readonly region: string;
  /** Tasks across the workers; more than the topics' partitions in total is useless. */
  readonly tasksMax: number;
  /** Records per object before it is committed (the course's 1 made one object per record). */
  readonly flushSize: number;
  /** Milliseconds of record time after which an open object is committed even if not full. */
  readonly rotateIntervalMs: number;
  /** Properties added last, overriding the above (e.g. for another sink plugin). */
  readonly extraProperties?: Record<string, string>;
}

/** A Java regular expression matching `<prefix>.` followed by anything, the prefix taken literally. */
export function topicsRegex(prefix: string): string {
  return `${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\..*`;
}

/**
 * The Confluent S3 sink's properties. Everything the course set, except the flush policy: objects
 * hold up to `flushSize` records or `rotateIntervalMs` of record time, whichever comes first.
 * Rotation by record time (not wall clock) keeps object boundaries deterministic, so a replayed
 * partition rewrites the same keys instead of adding duplicates.
 */
export function s3SinkConnectorProperties(settings: S3SinkSettings): Record<string, string> {
  return {
    "connector.class": "io.confluent.connect.s3.S3SinkConnector",
    "tasks.max": String(settings.tasksMax),
    "topics.regex": topicsRegex(settings.prefix),
    "s3.region": settings.region,
    "s3.bucket.name": settings.bucketName,
    "topics.dir": S3_SINK_TOPICS_DIR,
    "storage.class": "io.confluent.connect.s3.storage.S3Storage",
    "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
    "partitioner.class": "io.confluent.connect.storage.partitioner.DefaultPartitioner",
    "filename.offset.zero.pad.width": "10",
    "schema.compatibility": "NONE",
    "flush.size": String(settings.flushSize),
    "rotate.interval.ms": String(settings.rotateIntervalMs),
    "timestamp.extractor": "Record",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    ...settings.extraProperties,
  };
}

/** The worker properties: the same converters as the connector, so defaults never differ. */
export function s3SinkWorkerProperties(): string {
  return [
    "key.converter=org.apache.kafka.connect.storage.StringConverter",
    "value.converter=org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable=false",
    "",
  ].join("\n");
}

/** The first 10 hex digits of the SHA-256 of some content. */
export function contentHash(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex").slice(0, 10);
}

/**
 * A name for something MSK Connect cannot update in place (a worker configuration, a custom
 * plugin): new content gives a new name, so the replacement is created beside the old one.
 */
export function contentName(base: string, content: string | Buffer): string {
  return `${base}-${contentHash(content)}`;
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
