// The Databricks jobs of the pipeline: the daily batch job and, where there are streams, the
// streaming job (a scheduled drain-and-stop run by default, or a continuous one).
// Both run on job clusters (Jobs Compute costs about half the DBU rate of an all-purpose cluster)
// with the same single-node spec as the interactive cluster.
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { wholeNumber, WholeSetting } from "../shared/validate";

/** When the batch job runs. */
export interface BatchSchedule {
  /** Quartz cron expression. @default "0 0 2 * * ?" (02:00 every day) */
  readonly cron?: string;
  /** Time zone of the expression. @default "UTC" */
  readonly timezone?: string;
  /** Keep the schedule paused (runs only when started by hand, or by MWAA's DAG). @default true */
  readonly paused?: boolean;
}

/**
 * How the streaming job runs: "scheduled" starts a run every `intervalMinutes` that reads what the
 * streams hold and stops (the notebook's `available_now`), paying for minutes per run; "continuous"
 * keeps a job cluster reading around the clock.
 */
export type StreamingMode = "scheduled" | "continuous";
export const STREAMING_MODES: readonly StreamingMode[] = ["scheduled", "continuous"];

/**
 * Minutes between scheduled streaming runs: the divisors of an hour and of a day from 15 minutes
 * (a single-node job cluster takes minutes to start, and a run still going when the next is due
 * makes that one skip, at one run at a time) to 6 hours, a quarter of the shortest retention a
 * stream may have (24 hours, KINESIS_STREAM_PATH_LIMITS): records wait at most one interval, and
 * three runs in a row may fail before any record expires unread.
 */
export const STREAMING_INTERVAL_MINUTES = [15, 20, 30, 60, 120, 180, 240, 360] as const;
export const DEFAULT_STREAMING_INTERVAL_MINUTES = 60;

/** The Quartz expression of a run every `minutes` (one of STREAMING_INTERVAL_MINUTES), in UTC. */
export function streamingCron(minutes: number): string {
  // The provider's periodic trigger has no minutes (JobTriggerPeriodic.unit: HOURS, DAYS, WEEKS):
  // a Quartz schedule, on the hour and at equal steps after it.
  return minutes < 60 ? `0 0/${minutes} * * * ?` : `0 0 0/${minutes / 60} * * ?`;
}

/**
 * The compute of one job (the stack's `databricks.batch*` and `databricks.streaming*` keys): its
 * job cluster's node type and workers, and how long a run may take.
 */
export interface JobCompute {
  /** Node type of the job cluster. @default the workspace's cluster spec (smallest with a local disk) */
  readonly nodeTypeId?: string;
  /** Workers beside the driver; 0 runs on the driver alone (single node). @default 0 */
  readonly workers?: number;
  /** Seconds before a run is stopped as stuck (0: never). @default 3600 */
  readonly timeoutSeconds?: number;
}

/**
 * What a job's compute may be. Workers: a job cluster's `num_workers` is any count the account's
 * EC2 quota allows (Databricks clusters API); 1,000 is this pipeline's guard against a typo. A
 * run's timeout: `timeout_seconds`, 0 for none (Databricks Jobs API, "Create a new job"); at most
 * a week, so that a stuck run is stopped before a week of the brokers' retention has passed.
 */
export const JOB_COMPUTE_LIMITS = {
  workers: { min: 0, max: 1000, default: 0 },
  timeoutSeconds: { min: 0, max: 604_800, default: 3600 },
} as const satisfies Record<string, WholeSetting>;

/** Checks a job's compute (the stack config checks the same ranges first). */
export function validateJobCompute(job: string, compute: JobCompute | undefined): void {
  wholeNumber(job, "workers", compute?.workers, JOB_COMPUTE_LIMITS.workers);
  wholeNumber(job, "timeoutSeconds", compute?.timeoutSeconds, JOB_COMPUTE_LIMITS.timeoutSeconds);
}

/**
 * The job cluster of a job: the shared single-node spec, or with workers a cluster of that many
 * (the single-node profile and tag dropped: Databricks refuses them beside workers).
 */
export function jobCluster(
  base: databricks.types.input.JobJobClusterNewCluster,
  compute: JobCompute | undefined,
): databricks.types.input.JobJobClusterNewCluster {
  const node = compute?.nodeTypeId ? { nodeTypeId: compute.nodeTypeId } : {};
  const workers = compute?.workers ?? 0;
  if (workers === 0) return { ...base, ...node };
  return { ...base, ...node, numWorkers: workers, sparkConf: {}, customTags: {} };
}

/** The streaming job, where the stack has streams. */
export interface StreamingJobSpec {
  readonly notebookPath: pulumi.Input<string>;
  readonly mode: StreamingMode;
  /** Minutes between runs (mode "scheduled"). */
  readonly intervalMinutes: number;
  /** Keep the schedule (or the continuous job) paused. */
  readonly paused: boolean;
  /** The Unity Catalog service credential the Kinesis source reads with; "" = the cluster's own. */
  readonly serviceCredential: pulumi.Input<string>;
  /**
   * The streams' generation (KinesisStreamPath.generation): the job's checkpoints are under
   * `<checkpointRoot>/stream-<generation>`, new with new streams. "" = none (streams deleted while
   * the stack is paused; the job is paused too).
   */
  readonly generation: pulumi.Input<string>;
  /** What must exist before the job may run (the credential's role and policy). */
  readonly dependsOn: pulumi.Resource[];
}

export interface JobsSpec {
  readonly prefix: string;
  readonly region: pulumi.Input<string>;
  readonly sourceRoot: pulumi.Input<string>;
  /** Folder of the checkpoints: one subfolder per streaming table, one for the batch job. */
  readonly checkpointRoot: pulumi.Input<string>;
  /** `catalog.schema` the tables are written to; empty = the cluster's current schema. */
  readonly tableSchema: pulumi.Input<string>;
  /** The `pinterest_etl` wheel both jobs install on their clusters (a /Volumes or /Workspace path). */
  readonly wheelPath: pulumi.Input<string>;
  readonly batchNotebookPath: pulumi.Input<string>;
  /** The streaming job; undefined = none (the stack has no streams). */
  readonly streaming?: StreamingJobSpec;
  readonly cluster: databricks.types.input.JobJobClusterNewCluster;
  readonly schedule?: BatchSchedule;
  /** Application id of the service principal both jobs run as. */
  readonly runAs: pulumi.Input<string>;
  /** Mailed when a run fails, runs too long or falls behind its streams. */
  readonly alertEmails: string[];
  /** The batch job's compute. @default the single-node cluster, 3600 s */
  readonly batchCompute?: JobCompute;
  /** The streaming job's compute (its timeout applies to scheduled runs). @default as batchCompute's */
  readonly streamingCompute?: JobCompute;
}

/**
 * Seconds a batch run may take before its owner hears of it: a day's data takes minutes, and the
 * warning comes at half the job's timeout, while the run can still finish; with no timeout (0), at
 * half the default one.
 */
export function batchDurationWarningSeconds(timeoutSeconds: number): number {
  return Math.floor((timeoutSeconds || JOB_COMPUTE_LIMITS.timeoutSeconds.default) / 2);
}
/**
 * Seconds the streaming job may lag behind its streams before its owner hears of it (the Jobs API
 * health metric STREAMING_BACKLOG_SECONDS, "an estimate of the maximum consumer delay across all
 * streams"; Kinesis is one of the sources it covers). A scheduled run starts up to one interval
 * behind by design, and a drain takes minutes: an hour beyond the interval means runs are failing
 * or stuck. A continuous run should stay seconds behind: an hour is far beyond a slow batch.
 */
export function streamingBacklogWarningSeconds(mode: StreamingMode, intervalMinutes: number) {
  return (mode === "scheduled" ? intervalMinutes * 60 : 0) + 3600;
}

/**
 * A job's health rules (provider doc of databricks_job, `health`: metric, op GREATER_THAN, value;
 * the only operation the Jobs API takes). The e-mail notifications name who hears of each.
 */
export function healthRules(
  rules: Partial<Record<"RUN_DURATION_SECONDS" | "STREAMING_BACKLOG_SECONDS", number>>,
): databricks.types.input.JobHealth {
  return {
    rules: Object.entries(rules).map(([metric, value]) => ({ metric, op: "GREATER_THAN", value })),
  };
}

/** Who hears of each event of a job: the same addresses for failures, slow runs and backlog. */
export function jobNotifications(emails: string[]): databricks.types.input.JobEmailNotifications {
  return {
    onFailures: emails,
    onDurationWarningThresholdExceededs: emails,
    onStreamingBacklogExceededs: emails,
  };
}

/** The widgets of databricks/notebooks/batch.py and streaming.py, filled from the stack. */
export function notebookParameters(spec: {
  prefix: string;
  sourceRoot: string;
  checkpointRoot: string;
  tableSchema: string;
  region: string;
  streamingMode: StreamingMode;
  serviceCredential: string;
  streamGeneration: string;
}): { batch: Record<string, string>; streaming: Record<string, string> } {
  return {
    batch: {
      source_root: spec.sourceRoot,
      prefix: spec.prefix,
      // The batch job's own checkpoint (which raw objects it has processed) is a subfolder of it.
      checkpoint_root: spec.checkpointRoot,
      schema: spec.tableSchema,
      // max_malformed_share keeps the notebook's default (0.05); a run "with different
      // parameters" may set it.
    },
    streaming: {
      prefix: spec.prefix,
      region: spec.region,
      // One checkpoint folder per table below this root (the notebook adds the table name), in
      // a folder of the streams' generation: recreated streams cannot reuse old checkpoints.
      checkpoint_root: spec.streamGeneration
        ? `${spec.checkpointRoot}/stream-${spec.streamGeneration}`
        : spec.checkpointRoot,
      schema: spec.tableSchema,
      // Scheduled runs drain what the streams hold and stop; a continuous run never stops.
      available_now: spec.streamingMode === "scheduled" ? "true" : "false",
      // The Kinesis source's `serviceCredential` (Unity Catalog route); empty on the mount route,
      // where the cluster's instance profile reads the streams.
      service_credential: spec.serviceCredential,
    },
  };
}

export function createJobs(
  parent: pulumi.Resource,
  name: string,
  spec: JobsSpec,
): { batch: databricks.Job; streaming?: databricks.Job } {
  const schedule = spec.schedule ?? {};
  const streamingMode = spec.streaming?.mode ?? "scheduled";
  const parameters = pulumi
    .all([
      spec.sourceRoot,
      spec.checkpointRoot,
      spec.tableSchema,
      spec.region,
      spec.streaming?.serviceCredential ?? "",
      spec.streaming?.generation ?? "",
    ])
    .apply(([sourceRoot, checkpointRoot, tableSchema, region, serviceCredential, generation]) =>
      notebookParameters({
        prefix: spec.prefix,
        sourceRoot,
        checkpointRoot,
        tableSchema,
        region,
        streamingMode,
        serviceCredential,
        streamGeneration: generation,
      }),
    );
  // The package, installed on the task's job cluster before the notebook runs (a job cluster takes
  // no libraries of its own: they are the task's, provider doc of databricks_job, `job_cluster`).
  // Wheels install from a volume on standard access mode and from workspace files, not volumes, on
  // no-isolation clusters (WHEEL_LIBRARY_MIN_RUNTIME, databricksRuntime.ts).
  const libraries = [{ whl: spec.wheelPath }];
  // Both jobs run as the stack's service principal, not as whoever deployed them (provider doc of
  // databricks_job, `run_as`: `service_principal_name` is the principal's application id).
  const identity = {
    runAs: { servicePrincipalName: spec.runAs },
    ...(spec.alertEmails.length > 0
      ? { emailNotifications: jobNotifications(spec.alertEmails) }
      : {}),
  };

  const batchTimeout =
    spec.batchCompute?.timeoutSeconds ?? JOB_COMPUTE_LIMITS.timeoutSeconds.default;
  const batch = new databricks.Job(
    `${name}-batch-job`,
    {
      name: `${spec.prefix}-batch`,
      description: "Raw JSON from the S3 sink -> cleaned Delta tables -> the nine analysis tables",
      maxConcurrentRuns: 1,
      // The notebook's `mode` widget: scheduled runs read only new raw objects; "Run now with
      // different parameters" (or the DAG's `mode` param) with `full` re-reads everything.
      parameters: [{ name: "mode", default: "incremental" }],
      // A day's data takes minutes; an hour means something is stuck, not slow (unless the stack
      // sizes the job for more: databricks.batchTimeoutSeconds).
      timeoutSeconds: batchTimeout,
      health: healthRules({ RUN_DURATION_SECONDS: batchDurationWarningSeconds(batchTimeout) }),
      schedule: {
        quartzCronExpression: schedule.cron ?? "0 0 2 * * ?",
        timezoneId: schedule.timezone ?? "UTC",
        pauseStatus: (schedule.paused ?? true) ? "PAUSED" : "UNPAUSED",
      },
      jobClusters: [
        { jobClusterKey: "single-node", newCluster: jobCluster(spec.cluster, spec.batchCompute) },
      ],
      tasks: [
        {
          taskKey: "batch",
          jobClusterKey: "single-node",
          notebookTask: {
            notebookPath: spec.batchNotebookPath,
            baseParameters: parameters.apply((p) => p.batch),
          },
          libraries,
          maxRetries: 2,
          minRetryIntervalMillis: 5 * 60 * 1000,
          retryOnTimeout: false,
        },
      ],
      ...identity,
    },
    { parent },
  );

  const stream = spec.streaming;
  if (stream === undefined) return { batch, streaming: undefined };
  const pauseStatus = stream.paused ? "PAUSED" : "UNPAUSED";
  const streaming = new databricks.Job(
    `${name}-streaming-job`,
    {
      name: `${spec.prefix}-streaming`,
      description:
        "Kinesis streams -> the same cleaning -> Delta tables (one checkpoint per table)",
      maxConcurrentRuns: 1,
      // Paused unless the stack asks, whatever the batch schedule does: scheduled, each run bills
      // a job cluster for minutes; continuous, one around the clock (a run that fails restarts).
      ...(stream.mode === "scheduled"
        ? {
            schedule: {
              quartzCronExpression: streamingCron(stream.intervalMinutes),
              timezoneId: "UTC",
              pauseStatus,
            },
            // A drain takes minutes; a run still going an hour later is stuck, and would make
            // every later run skip (one run at a time). The next run resumes from the checkpoints.
            timeoutSeconds:
              spec.streamingCompute?.timeoutSeconds ?? JOB_COMPUTE_LIMITS.timeoutSeconds.default,
          }
        : { continuous: { pauseStatus } }),
      jobClusters: [
        {
          jobClusterKey: "single-node",
          newCluster: jobCluster(spec.cluster, spec.streamingCompute),
        },
      ],
      tasks: [
        {
          taskKey: "streaming",
          jobClusterKey: "single-node",
          notebookTask: {
            notebookPath: stream.notebookPath,
            baseParameters: parameters.apply((p) => p.streaming),
          },
          libraries,
        },
      ],
      health: healthRules({
        STREAMING_BACKLOG_SECONDS: streamingBacklogWarningSeconds(
          stream.mode,
          stream.intervalMinutes,
        ),
      }),
      ...identity,
    },
    { parent, dependsOn: stream.dependsOn },
  );
  return { batch, streaming };
}
