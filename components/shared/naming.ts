// The naming rules every part of the pipeline shares: the stack prefix, the three source tables,
// and the Kafka topic and Kinesis stream names derived from them (docs/pipeline.md, "Names").

/** The course's three source tables; every topic, stream and Delta table comes in these three. */
export const TABLE_KINDS = ["pin", "geo", "user"] as const;
export type TableKind = (typeof TABLE_KINDS)[number];

/**
 * The stack prefix every physical name derives from: short enough for the tightest name it ends up
 * in (an S3 bucket prefix, an MSK cluster name), lowercase because S3 and MSK refuse upper case, and
 * not ending in '-' because names join it with '-'. The Databricks package accepts a wider rule for
 * the course's own prefix, a hex user id (databricks/pinterest_etl/naming.py).
 */
export const PREFIX_PATTERN = /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/;

/** What PREFIX_PATTERN asks for, in words, for error messages. */
export const PREFIX_RULE =
  "3–20 lowercase letters, digits or '-', starting with a letter and not ending with '-' (e.g. \"pin-dev\")";

/** Throws `<component> prefix "<prefix>" must be …` unless the prefix follows PREFIX_PATTERN. */
export function checkPrefix(component: string, prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(`${component} prefix "${prefix}" must be ${PREFIX_RULE}.`);
  }
}

/** The course's topic of one table: `<prefix>.<kind>` (docs/pipeline.md). */
export function kafkaTopicName(prefix: string, kind: TableKind): string {
  return `${prefix}.${kind}`;
}

/** The three topics of a prefix, in TABLE_KINDS order. */
export function kafkaTopicNames(prefix: string): string[] {
  return TABLE_KINDS.map((kind) => kafkaTopicName(prefix, kind));
}

/** The course's stream of one table: `streaming-<prefix>-<kind>` (docs/pipeline.md). */
export function kinesisStreamName(prefix: string, kind: TableKind): string {
  return `streaming-${prefix}-${kind}`;
}

/** The course's source database (its three tables: pinterest_data, geolocation_data, user_data). */
export const SOURCE_DATABASE_NAME = "pinterest_data";

/** The master user RDS creates for it (its password is RDS-managed, in Secrets Manager). */
export const SOURCE_DATABASE_USER = "pipeline_admin";
