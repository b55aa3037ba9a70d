// The Databricks jobs of the pipeline: the daily batch job and, where there are streams, the
// continuous streaming job.
// Both run on job clusters (Jobs Compute costs about half the DBU rate of an all-purpose cluster)
// with the same single-node spec as the interactive cluster.
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";

/** When the batch job runs. */
export interface BatchSchedule {
  /** Quartz cron expression. @default "0 0 2 * * ?" (02:00 every day) */
  readonly cron?: string;
  /** Time zone of the expression. @default "UTC" */
  readonly timezone?: string;
  /** Keep the schedule paused (runs only when started by hand, or by MWAA's DAG). @default true */
  readonly paused?: boolean;
}

export interface JobsSpec {
  readonly prefix: string;
  readonly region: pulumi.Input<string>;
  readonly sourceRoot: pulumi.Input<string>;
  /** Folder of the checkpoints: one subfolder per streaming table, one for the batch job. */
  readonly checkpointRoot: pulumi.Input<string>;
  /** `catalog.schema` the tables are written to; empty = the cluster's current schema. */
  readonly tableSchema: pulumi.Input<string>;
  /** Folder holding the `pinterest_etl` package, put on the notebooks' `sys.path`. */
  readonly packageRoot: pulumi.Input<string>;
  readonly batchNotebookPath: pulumi.Input<string>;
  /** The streaming notebook; undefined = no streaming job (the stack has no streams). */
  readonly streamingNotebookPath?: pulumi.Input<string>;
  /** Keep the continuous streaming job paused (a job cluster runs around the clock otherwise). */
  readonly streamingPaused: boolean;
  readonly cluster: databricks.types.input.JobJobClusterNewCluster;
  readonly schedule?: BatchSchedule;
  readonly failureEmails: string[];
}

/** The widgets of databricks/notebooks/batch.py and streaming.py, filled from the stack. */
export function notebookParameters(spec: {
  prefix: string;
  sourceRoot: string;
  checkpointRoot: string;
  tableSchema: string;
  packageRoot: string;
  region: string;
}): { batch: Record<string, string>; streaming: Record<string, string> } {
  return {
    batch: {
      source_root: spec.sourceRoot,
      prefix: spec.prefix,
      // The batch job's own checkpoint (which raw objects it has processed) is a subfolder of it.
      checkpoint_root: spec.checkpointRoot,
      schema: spec.tableSchema,
      package_path: spec.packageRoot,
    },
    streaming: {
      prefix: spec.prefix,
      region: spec.region,
      // One checkpoint folder per table below this root (the notebook adds the table name).
      checkpoint_root: spec.checkpointRoot,
      schema: spec.tableSchema,
      package_path: spec.packageRoot,
    },
  };
}

export function createJobs(
  parent: pulumi.Resource,
  name: string,
  spec: JobsSpec,
): { batch: databricks.Job; streaming?: databricks.Job } {
  const schedule = spec.schedule ?? {};
  const parameters = pulumi
    .all([spec.sourceRoot, spec.checkpointRoot, spec.tableSchema, spec.packageRoot, spec.region])
    .apply(([sourceRoot, checkpointRoot, tableSchema, packageRoot, region]) =>
      notebookParameters({
        prefix: spec.prefix,
        sourceRoot,
        checkpointRoot,
        tableSchema,
        packageRoot,
        region,
      }),
    );
  const notifications =
    spec.failureEmails.length > 0 ? { emailNotifications: { onFailures: spec.failureEmails } } : {};

  const batch = new databricks.Job(
    `${name}-batch-job`,
    {
      name: `${spec.prefix}-batch`,
      description: "Raw JSON from the S3 sink -> cleaned Delta tables -> the nine analysis tables",
      maxConcurrentRuns: 1,
      // The notebook's `mode` widget: scheduled runs read only new raw objects; "Run now with
      // different parameters" (or the DAG's `mode` param) with `full` re-reads everything.
      parameters: [{ name: "mode", default: "incremental" }],
      // A day's data takes minutes; an hour means something is stuck, not slow.
      timeoutSeconds: 3600,
      schedule: {
        quartzCronExpression: schedule.cron ?? "0 0 2 * * ?",
        timezoneId: schedule.timezone ?? "UTC",
        pauseStatus: (schedule.paused ?? true) ? "PAUSED" : "UNPAUSED",
      },
      jobClusters: [{ jobClusterKey: "single-node", newCluster: spec.cluster }],
      tasks: [
        {
          taskKey: "batch",
          jobClusterKey: "single-node",
          notebookTask: {
            notebookPath: spec.batchNotebookPath,
            baseParameters: parameters.apply((p) => p.batch),
          },
          maxRetries: 2,
          minRetryIntervalMillis: 5 * 60 * 1000,
          retryOnTimeout: false,
        },
      ],
      ...notifications,
    },
    { parent },
  );

  if (spec.streamingNotebookPath === undefined) return { batch, streaming: undefined };
  const streaming = new databricks.Job(
    `${name}-streaming-job`,
    {
      name: `${spec.prefix}-streaming`,
      description:
        "Kinesis streams -> the same cleaning -> Delta tables (one checkpoint per table)",
      maxConcurrentRuns: 1,
      // Continuous jobs restart on failure and keep a job cluster up around the clock: paused
      // unless the stack asks, whatever the batch schedule does.
      continuous: { pauseStatus: spec.streamingPaused ? "PAUSED" : "UNPAUSED" },
      jobClusters: [{ jobClusterKey: "single-node", newCluster: spec.cluster }],
      tasks: [
        {
          taskKey: "streaming",
          jobClusterKey: "single-node",
          notebookTask: {
            notebookPath: spec.streamingNotebookPath,
            baseParameters: parameters.apply((p) => p.streaming),
          },
        },
      ],
      ...notifications,
    },
    { parent },
  );
  return { batch, streaming };
}
