// One range per value: for every numeric setting of the stack config, the config and the component
// that receives the value accept and refuse the same values at both ends of the range, so a value
// the config lets through never fails minutes into `pulumi up` (and none is refused that would work).
// The ranges themselves cite their sources where they are defined: MSK's quotas (mskCluster.ts),
// API Gateway's (apigateway/apiStage.ts), Kinesis (kinesisStreamPath.ts), RDS (sourceDatabase.ts).
import { expect } from "chai";
import {
  DatabricksDashboardArgs,
  validateDatabricksDashboardArgs,
} from "../../components/databricks/databricksDashboard";
import {
  DatabricksWorkspaceArgs,
  validateDatabricksWorkspaceArgs,
} from "../../components/databricks/databricksWorkspace";
import {
  KinesisStreamPathArgs,
  validateKinesisStreamPathArgs,
} from "../../components/kinesis/kinesisStreamPath";
import { MskClusterArgs, validateMskClusterArgs } from "../../components/kafka/mskCluster";
import { KafkaRestApiArgs, validateKafkaRestApiArgs } from "../../components/kafka/kafkaRestApi";
import type { JobCompute } from "../../components/databricks/databricksJobs";
import {
  S3SinkConnectorArgs,
  validateS3SinkConnectorArgs,
} from "../../components/kafka/s3SinkConnector";
import { NetworkArgs, validateNetworkArgs } from "../../components/network";
import { SourceDatabaseArgs, validateSourceDatabaseArgs } from "../../components/sourceDatabase";
import { parseStackConfig } from "../../stacks/config";

type Check = (value: number) => void;
const msk: (field: keyof MskClusterArgs) => Check = (field) => (value) =>
  validateMskClusterArgs({ prefix: "pin-dev", [field]: value } as unknown as MskClusterArgs);
const sink: (field: keyof S3SinkConnectorArgs) => Check = (field) => (value) =>
  validateS3SinkConnectorArgs({
    prefix: "pin-dev",
    pluginPath: "sink.zip",
    pluginSha256: "",
    [field]: value,
  } as unknown as S3SinkConnectorArgs);
const streams: (field: keyof KinesisStreamPathArgs) => Check = (field) => (value) =>
  validateKinesisStreamPathArgs({ prefix: "pin-dev", [field]: value } as KinesisStreamPathArgs);
const database: (field: keyof SourceDatabaseArgs) => Check = (field) => (value) =>
  validateSourceDatabaseArgs({
    prefix: "pin-dev",
    [field]: value,
  } as unknown as SourceDatabaseArgs);
const workspace: (field: keyof DatabricksWorkspaceArgs) => Check = (field) => (value) =>
  validateDatabricksWorkspaceArgs({
    prefix: "pin-dev",
    unityCatalog: { catalog: "main" },
    [field]: value,
  } as unknown as DatabricksWorkspaceArgs);
const jobs =
  (job: "batchCompute" | "streamingCompute", field: keyof JobCompute): Check =>
  (value) =>
    validateDatabricksWorkspaceArgs({
      prefix: "pin-dev",
      unityCatalog: { catalog: "main" },
      [job]: { [field]: value },
    } as unknown as DatabricksWorkspaceArgs);
const kafkaApi: (field: keyof KafkaRestApiArgs) => Check = (field) => (value) =>
  validateKafkaRestApiArgs({ prefix: "pin-dev", [field]: value } as unknown as KafkaRestApiArgs);

const dashboard: (field: keyof DatabricksDashboardArgs) => Check = (field) => (value) =>
  validateDatabricksDashboardArgs({
    prefix: "pin-dev",
    tableSchema: "",
    parentPath: "/pinterest-pipeline/pin-dev",
    [field]: value,
  } as DatabricksDashboardArgs);

/** [section, key, the component check the stack hands the value to, values to probe]. */
const SETTINGS: [string, string, Check, number[]][] = [
  ["kafka", "brokerCount", msk("brokerCount"), [0, 1, 2, 3, 4, 30, 31, 32]],
  ["kafka", "brokerStorageGb", msk("storageGb"), [0, 1, 16384, 16385]],
  ["kafka", "topicPartitions", msk("defaultPartitions"), [0, 1, 1000, 1001]],
  ["kafka", "connectorFlushSize", sink("flushSize"), [0, 1, 1_000_000, 1_000_001]],
  ["kafka", "connectorWorkerCount", sink("workerCount"), [0, 1, 10, 11]],
  ["kafka", "connectorMcuCount", sink("mcuCount"), [0, 1, 2, 3, 4, 8, 9]],
  ["kafka", "connectorTasksMax", sink("tasksMax"), [0, 1, 100, 101]],
  [
    "kafka",
    "connectorRotateIntervalMs",
    sink("rotateIntervalMs"),
    [999, 1000, 86_400_000, 86_400_001],
  ],
  ["kafka", "messageRetentionHours", msk("messageRetentionHours"), [0, 1, 87600, 87601]],
  ["kafka", "apiThrottlingRateLimit", kafkaApi("throttlingRateLimit"), [0, 0.5, 10000, 10001]],
  ["kafka", "apiThrottlingBurstLimit", kafkaApi("throttlingBurstLimit"), [0, 1, 5000, 5001]],
  ["kafka", "apiQuotaPerDay", kafkaApi("quotaPerDay"), [0, 1, 1e9, 1e9 + 1]],
  ["streamPath", "shardCount", streams("shardCount"), [0, 1, 10_000, 10_001]],
  ["streamPath", "retentionHours", streams("retentionHours"), [23, 24, 8760, 8761]],
  ["streamPath", "throttlingRateLimit", streams("throttlingRateLimit"), [0, 0.5, 10000, 10001]],
  ["streamPath", "throttlingBurstLimit", streams("throttlingBurstLimit"), [0, 1, 5000, 5001]],
  ["streamPath", "quotaPerDay", streams("quotaPerDay"), [0, 1, 1e9, 1e9 + 1]],
  ["sourceDatabase", "backupRetentionDays", database("backupRetentionDays"), [6, 7, 35, 36]],
  ["databricks", "autoterminationMinutes", workspace("autoterminationMinutes"), [9, 10, 120, 121]],
  [
    "databricks",
    "streamingIntervalMinutes",
    workspace("streamingIntervalMinutes"),
    [10, 14, 15, 45, 60, 360, 361, 720],
  ],
  ["databricks", "batchWorkers", jobs("batchCompute", "workers"), [-1, 0, 1000, 1001]],
  [
    "databricks",
    "batchTimeoutSeconds",
    jobs("batchCompute", "timeoutSeconds"),
    [-1, 0, 604_800, 604_801],
  ],
  ["databricks", "streamingWorkers", jobs("streamingCompute", "workers"), [-1, 0, 1000, 1001]],
  [
    "databricks",
    "streamingTimeoutSeconds",
    jobs("streamingCompute", "timeoutSeconds"),
    [-1, 0, 604_800, 604_801],
  ],
  ["databricks", "dashboardAutoStopMinutes", dashboard("autoStopMinutes"), [4, 5, 120, 121]],
];

type TextCheck = (value: unknown) => void;
/**
 * [section, key, the component check the stack hands the text to, texts to probe]: the formats the
 * config checks in words are the components' own (D2 of the newcomer probe).
 */
const TEXT_SETTINGS: [string, string, TextCheck, unknown[]][] = [
  [
    "network",
    "cidrBlock",
    (v) => validateNetworkArgs({ prefix: "pin-dev", cidrBlock: v } as NetworkArgs),
    ["10.0.0.0/16", "10.0.0.0/20", "10.0.0.0/8", "10.0.0.0/21", "300.0.0.0/16", "banana"],
  ],
  [
    "sourceDatabase",
    "allowedCidrs",
    (v) => validateSourceDatabaseArgs({ prefix: "pin-dev", allowedCidrs: v } as SourceDatabaseArgs),
    [[], ["203.0.113.7/32"], ["10.1.0.0/16"], ["0.0.0.0/0"], ["10.0.0.0/15"], ["1.2.3.4"]],
  ],
  [
    "sourceDatabase",
    "engineVersion",
    (v) =>
      validateSourceDatabaseArgs({ prefix: "pin-dev", engineVersion: v } as SourceDatabaseArgs),
    ["8.4", "8.0", "8.0.39", "5.7", "8", "banana"],
  ],
  [
    "kafka",
    "kafkaVersion",
    (v) => validateMskClusterArgs({ prefix: "pin-dev", kafkaVersion: v } as MskClusterArgs),
    ["3.9.x", "3.6.0", "2.8.2-tiered", "3.7.x.kraft", "banana", "3.9"],
  ],
  [
    "databricks",
    "batchScheduleCron",
    (v) => workspaceWith({ batchSchedule: { cron: v as string } }),
    ["0 0 2 * * ?", "0 30 6 ? * MON-FRI", "0 2 * * *", "every day at 2", "0 0 2 * * *"],
  ],
  [
    "databricks",
    "batchScheduleTimezone",
    (v) => workspaceWith({ batchSchedule: { timezone: v as string } }),
    ["UTC", "Europe/Dublin", "Mars/Olympus_Mons", "utc"],
  ],
  [
    "alerts",
    "emails",
    (v) => workspaceWith({ alertEmails: v as string[] }),
    [[], ["ops@example.com"], ["not an email"], ["a@b"]],
  ],
];

function workspaceWith(args: Partial<DatabricksWorkspaceArgs>): void {
  validateDatabricksWorkspaceArgs({
    prefix: "pin-dev",
    unityCatalog: { catalog: "main" },
    ...args,
  } as unknown as DatabricksWorkspaceArgs);
}

function accepts(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

describe("stack config ranges", () => {
  for (const [section, key, component, values] of SETTINGS) {
    it(`${section}.${key}: the config accepts exactly what the component accepts`, () => {
      const verdicts = values.map((value) => ({
        value,
        config: accepts(() => parseStackConfig({ prefix: "pin-dev", [section]: { [key]: value } })),
        component: accepts(() => component(value)),
      }));
      for (const v of verdicts) expect(v.config, `${key} ${v.value}`).to.equal(v.component);
      // Each probe list reaches both sides of the range: something accepted and something refused.
      expect(verdicts.some((v) => v.config)).to.equal(true);
      expect(verdicts.some((v) => !v.config)).to.equal(true);
    });
  }

  for (const [section, key, component, values] of TEXT_SETTINGS) {
    it(`${section}.${key}: the config accepts exactly the texts the component accepts`, () => {
      for (const value of values) {
        const config = accepts(() =>
          parseStackConfig({ prefix: "pin-dev", [section]: { [key]: value } }),
        );
        expect(config, `${key} ${JSON.stringify(value)}`).to.equal(accepts(() => component(value)));
      }
    });
  }
});
