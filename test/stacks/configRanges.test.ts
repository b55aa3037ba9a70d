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
import {
  S3SinkConnectorArgs,
  validateS3SinkConnectorArgs,
} from "../../components/kafka/s3SinkConnector";
import { SourceDatabaseArgs, validateSourceDatabaseArgs } from "../../components/sourceDatabase";
import { parseStackConfig } from "../../stacks/config";

type Check = (value: number) => void;
const msk: (field: keyof MskClusterArgs) => Check = (field) => (value) =>
  validateMskClusterArgs({ prefix: "pin-dev", [field]: value } as unknown as MskClusterArgs);
const sink: (field: keyof S3SinkConnectorArgs) => Check = (field) => (value) =>
  validateS3SinkConnectorArgs({
    prefix: "pin-dev",
    pluginPath: "sink.zip",
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

const dashboard: (field: keyof DatabricksDashboardArgs) => Check = (field) => (value) =>
  validateDatabricksDashboardArgs({
    prefix: "pin-dev",
    tableSchema: "",
    [field]: value,
  } as DatabricksDashboardArgs);

/** [section, key, the component check the stack hands the value to, values to probe]. */
const SETTINGS: [string, string, Check, number[]][] = [
  ["kafka", "brokerCount", msk("brokerCount"), [0, 1, 2, 4, 30, 31, 32]],
  ["kafka", "brokerStorageGb", msk("storageGb"), [0, 1, 16384, 16385]],
  ["kafka", "topicPartitions", msk("defaultPartitions"), [0, 1, 1000, 1001]],
  ["kafka", "connectorFlushSize", sink("flushSize"), [0, 1, 1_000_000, 1_000_001]],
  ["kafka", "connectorWorkerCount", sink("workerCount"), [0, 1, 10, 11]],
  ["kafka", "connectorMcuCount", sink("mcuCount"), [0, 1, 2, 3, 4, 8, 9]],
  ["streamPath", "shardCount", streams("shardCount"), [0, 1, 500, 501]],
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
  ["databricks", "dashboardAutoStopMinutes", dashboard("autoStopMinutes"), [4, 5, 120, 121]],
];

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
});
