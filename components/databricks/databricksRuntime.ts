// The Databricks runtimes a stack may pin, each with the Apache Spark and Delta Lake lines it runs,
// so that the clusters run one known runtime (not "the latest LTS", which changes under a stack
// on the next `pulumi up`) and the local tier's pins (databricks/requirements-dev.txt) can be held
// equal to it (test/components/databricks/databricksRuntime.test.ts).

/** What one Databricks runtime runs, with the pages that say so. */
export interface DatabricksRuntime {
  /** The runtime's name in Databricks' release notes. */
  readonly name: string;
  /** Apache Spark version of the runtime. */
  readonly spark: string;
  /** Delta Lake line (major.minor) built for that Spark line. */
  readonly delta: string;
  /** Where the Spark version is stated. */
  readonly sparkSource: string;
  /** Where the Delta line for that Spark line is stated. */
  readonly deltaSource: string;
}

/**
 * Runtimes by their `spark_version` key (what a cluster spec takes). To move to another runtime,
 * add its row with its sources, pin it in Pulumi.<stack>.yaml, and move the local pins with it.
 */
export const DATABRICKS_RUNTIMES: Readonly<Record<string, DatabricksRuntime>> = {
  "17.3.x-scala2.13": {
    name: "Databricks Runtime 17.3 LTS",
    // Release notes index, "Supported Databricks Runtime LTS releases": 17.3 LTS, Apache Spark
    // 4.0.0, released Oct 22, 2025, supported until Oct 22, 2028 (Scala 2.13 only from 17 on).
    spark: "4.0.0",
    sparkSource: "https://docs.databricks.com/aws/en/release-notes/runtime/",
    // Delta Lake's compatibility table: Delta 4.0.x runs on Apache Spark 4.0.x.
    delta: "4.0",
    deltaSource: "https://docs.delta.io/latest/releases.html (delta-io/delta docs/source/releases.md)",
  },
};

/** The runtime both committed stacks pin, and the default of `databricks.sparkVersion`. */
export const DEFAULT_SPARK_VERSION = "17.3.x-scala2.13";

/** The runtimes a stack may pin, as a list for config messages. */
export const SPARK_VERSIONS = Object.keys(DATABRICKS_RUNTIMES);

/**
 * The first runtime whose Kinesis source takes a Unity Catalog service credential
 * (`serviceCredential`): "Databricks service credentials require Databricks Runtime 16.1 and
 * above" (docs.databricks.com/aws/en/connect/streaming/kinesis, "Authenticate with Amazon Kinesis").
 */
export const SERVICE_CREDENTIAL_MIN_RUNTIME = "16.1";

/**
 * The first runtimes that install the jobs' wheel from where the stack uploads it, by storage
 * route. Unity Catalog: a volume, on standard access mode, from 13.3 LTS ("Install libraries",
 * "Recommendations for uploading libraries": Databricks Runtime 13.3 LTS and above with Unity
 * Catalog, libraries from volumes; docs.databricks.com/aws/en/libraries/). Mount: a workspace file,
 * since "No-isolation shared access mode does not support volumes"
 * (docs.databricks.com/aws/en/compute/compatibility), from 14.1 on that mode (the same libraries
 * page, "Python library support").
 */
export const WHEEL_LIBRARY_MIN_RUNTIME = { unityCatalog: "13.3", mount: "14.1" } as const;

/** Major.minor of a version (`4.0.1` → `4.0`; `17.3.x-scala2.13` → `17.3`). */
export function majorMinor(version: string): string {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!match) throw new Error(`"${version}" does not start with a major.minor version.`);
  return `${match[1]}.${match[2]}`;
}

/** Whether version `a` is at least `b`, comparing major then minor. */
export function atLeast(a: string, b: string): boolean {
  const [am, an] = majorMinor(a).split(".").map(Number);
  const [bm, bn] = majorMinor(b).split(".").map(Number);
  return am > bm || (am === bm && an >= bn);
}
