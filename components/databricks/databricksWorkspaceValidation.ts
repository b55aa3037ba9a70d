// The checks of DatabricksWorkspace's arguments (what Databricks would refuse minutes into a
// deployment, or a run would fail on later), and the idle-minutes range the stack config reads.
import {
  STREAMING_INTERVAL_MINUTES,
  STREAMING_MODES,
  validateJobCompute,
} from "./databricksJobs";
import { DATABRICKS_RUNTIMES, DEFAULT_SPARK_VERSION, SPARK_VERSIONS } from "./databricksRuntime";
import type { DatabricksWorkspaceArgs } from "./databricksWorkspace";
import { isTimeZoneId, quartzCronProblem } from "./jobSchedule";
import { inRange, isEmailAddress, WholeSetting } from "../shared/validate";

/** Idle minutes before the interactive cluster stops (the stack config reads the same). */
export const AUTOTERMINATION_MINUTES = {
  min: 10,
  max: 120,
  default: 15,
} as const satisfies WholeSetting;

/** Throws, naming the field, its value and what it may be, on arguments that cannot deploy or run. */
export function validateDatabricksWorkspaceArgs(args: DatabricksWorkspaceArgs): void {
  const route = args.storageRoute ?? "unityCatalog";
  if (route !== "mount" && route !== "unityCatalog") {
    throw new Error(
      `DatabricksWorkspace storageRoute "${route}" is not "mount" or "unityCatalog".`,
    );
  }
  if (route === "unityCatalog" && !args.unityCatalog?.catalog) {
    throw new Error(
      'DatabricksWorkspace storageRoute "unityCatalog" needs unityCatalog { catalog }: an existing catalog with managed storage.',
    );
  }
  if (route === "mount" && !args.crossAccountRoleName) {
    throw new Error(
      'DatabricksWorkspace storageRoute "mount" needs crossAccountRoleName: the workspace\'s cross-account role, ' +
        "which registers the instance profile only if it may pass the data role.",
    );
  }
  validateJobCompute("DatabricksWorkspace batchCompute", args.batchCompute);
  validateJobCompute("DatabricksWorkspace streamingCompute", args.streamingCompute);
  const minutes = args.autoterminationMinutes ?? AUTOTERMINATION_MINUTES.default;
  if (!inRange(minutes, AUTOTERMINATION_MINUTES)) {
    const { min, max } = AUTOTERMINATION_MINUTES;
    throw new Error(
      `DatabricksWorkspace autoterminationMinutes ${minutes} must be from ${min} to ${max}.`,
    );
  }
  const delta = args.deltaPrefix ?? "delta/";
  if (!/^[a-z0-9][a-z0-9_-]*\/$/.test(delta) || delta === "topics/") {
    throw new Error(
      `DatabricksWorkspace deltaPrefix "${delta}" must be one folder name ending in "/", not "topics/".`,
    );
  }
  const runtime = args.sparkVersion ?? DEFAULT_SPARK_VERSION;
  if (!(runtime in DATABRICKS_RUNTIMES)) {
    throw new Error(
      `DatabricksWorkspace sparkVersion "${runtime}" is not one of ${SPARK_VERSIONS.join(", ")} ` +
        "(databricksRuntime.ts: add a row with its Spark and Delta versions to pin another).",
    );
  }
  const mode = args.streamingMode ?? "scheduled";
  if (!STREAMING_MODES.includes(mode)) {
    throw new Error(
      `DatabricksWorkspace streamingMode "${mode}" is not one of ${STREAMING_MODES.join(", ")}.`,
    );
  }
  const interval = args.streamingIntervalMinutes;
  if (interval !== undefined && mode === "continuous") {
    throw new Error(
      `DatabricksWorkspace streamingIntervalMinutes ${interval} applies only to streamingMode "scheduled"; remove it.`,
    );
  }
  const cron = args.batchSchedule?.cron;
  const cronProblem = cron === undefined ? undefined : quartzCronProblem(cron);
  if (cronProblem) {
    throw new Error(
      `DatabricksWorkspace batchSchedule.cron "${cron}" is not a Quartz cron expression: ${cronProblem}.`,
    );
  }
  const timezone = args.batchSchedule?.timezone;
  if (timezone !== undefined && !isTimeZoneId(timezone)) {
    throw new Error(
      `DatabricksWorkspace batchSchedule.timezone "${timezone}" is not a tz database id such as "UTC" or "Europe/Dublin".`,
    );
  }
  const notAddress = (args.alertEmails ?? []).find((e) => !isEmailAddress(e));
  if (notAddress !== undefined) {
    throw new Error(`DatabricksWorkspace alertEmails entry "${notAddress}" is not an e-mail address.`);
  }
  const intervals: readonly number[] = STREAMING_INTERVAL_MINUTES;
  if (interval !== undefined && !intervals.includes(interval)) {
    throw new Error(
      `DatabricksWorkspace streamingIntervalMinutes ${interval} must be one of ${intervals.join(", ")}.`,
    );
  }
}
