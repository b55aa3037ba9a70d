// The stack's configuration, read once from Pulumi.<stack>.yaml into one typed object. Components
// never read config themselves; every per-environment difference is visible here and in the YAML.
import * as pulumi from "@pulumi/pulumi";
import { AUTO_STOP_MINUTES } from "../components/databricks/databricksDashboard";
import {
  DEFAULT_STREAMING_INTERVAL_MINUTES,
  JOB_COMPUTE_LIMITS,
  STREAMING_INTERVAL_MINUTES,
  STREAMING_MODES,
  StreamingMode,
} from "../components/databricks/databricksJobs";
import { DEFAULT_SPARK_VERSION, SPARK_VERSIONS } from "../components/databricks/databricksRuntime";
import { AUTOTERMINATION_MINUTES } from "../components/databricks/databricksWorkspace";
import { KINESIS_STREAM_PATH_LIMITS } from "../components/kinesis/kinesisStreamPath";
import { STAGE_LIMITS, THROTTLING_RATE } from "../components/apigateway/apiStage";
import { BROKER_ZONES, MSK_CLUSTER_LIMITS } from "../components/kafka/mskCluster";
import {
  DatabricksConnectionLogin,
  MWAA_ENVIRONMENT_CLASSES,
} from "../components/mwaa/mwaaEnvironment";
import { NAT_GATEWAY_MODES, type NatGatewayMode } from "../components/network";
import {
  DEFAULT_MCU_COUNT,
  MCU_COUNTS,
  S3_SINK_CONNECTOR_LIMITS,
} from "../components/kafka/s3SinkConnector";
import { S3SinkPlugin, S3_SINK_PLUGINS } from "../components/kafka/s3SinkConnectorConfig";
import { SINK_RUNNERS, SinkRunner } from "../components/kafka/kafkaBatchPath";
import { CLIENT_INSTANCE_LIMITS } from "../components/kafka/kafkaClientGroup";
import { S3_SINK_PLUGIN_RELEASES } from "../components/kafka/s3SinkPluginRelease";
import { DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_DAYS } from "../components/shared/logs";
import { PREFIX_RULE } from "../components/shared/naming";
import { SOURCE_DATABASE_LIMITS } from "../components/sourceDatabase";
import {
  ConfigSecret,
  ConfigSection,
  fail,
  isSecureValue,
  NAMESPACE,
  projectConfig,
  RawConfig,
  removeCommand,
  setCommand,
} from "./configReader";
import { checkShardQuota, quartzCron, RULES } from "./configRules";

export type { RawConfig } from "./configReader";

export interface NetworkConfig {
  readonly cidrBlock: string;
  readonly natGateways: NatGatewayMode;
  readonly flowLogs: boolean;
}

export interface SourceDatabaseConfig {
  readonly enabled: boolean;
  readonly instanceClass: string;
  readonly allocatedStorageGb: number;
  readonly engineVersion: string;
  readonly backupRetentionDays: number;
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  /** CIDRs allowed to reach MySQL from outside the VPC (the emulator's machine); empty = private. */
  readonly allowedCidrs: string[];
  /** Apply instance changes at `pulumi up` rather than in the next maintenance window. */
  readonly applyImmediately: boolean;
}

export interface KafkaConfig {
  readonly enabled: boolean;
  readonly brokerCount: number;
  readonly brokerInstanceType: string;
  readonly brokerStorageGb: number;
  readonly kafkaVersion: string;
  readonly topicPartitions: number;
  readonly clientInstanceType: string;
  /** REST proxy machines in the client's autoscaling group (its fixed size). */
  readonly clientInstanceCount: number;
  /** What runs the S3 sink: MSK Connect, or Kafka Connect on the client machine (docs/kafka-batch-path.md). */
  readonly sinkRunner: SinkRunner;
  /** Which S3 sink the plugin zip is (see docs/kafka-batch-path.md). */
  readonly connectorPlugin: S3SinkPlugin;
  /** The packaged S3 sink connector zip, relative to the repository (see docs/deploy.md). */
  readonly connectorPluginPath: string;
  /** The SHA-256 that zip must have; undefined until the deployer has checked one (docs/deploy.md). */
  readonly connectorPluginSha256?: string;
  readonly connectorFlushSize: number;
  readonly connectorMcuCount: number;
  readonly connectorWorkerCount: number;
  /** Days before raw objects expire; undefined keeps them. */
  readonly rawDataExpirationDays?: number;
  // Capacity (docs/scaling.md): the limits `npm run plan` sizes, each within the service's own.
  /** The Kafka API's steady requests per second, per key and stage (API Gateway: at most 10,000). */
  readonly apiThrottlingRateLimit: number;
  /** The Kafka API's burst (API Gateway: at most 5,000). */
  readonly apiThrottlingBurstLimit: number;
  /** The Kafka API's requests per key per day. */
  readonly apiQuotaPerDay: number;
  /** Hours the brokers keep a message (Kafka's `log.retention.hours`). */
  readonly messageRetentionHours: number;
  /** S3 sink tasks (`tasks.max`): at most one per partition does work. */
  readonly connectorTasksMax: number;
  /** Milliseconds before an open S3 object is committed below the flush size. */
  readonly connectorRotateIntervalMs: number;
}

export interface StreamPathConfig {
  readonly enabled: boolean;
  readonly capacityMode: "ON_DEMAND" | "PROVISIONED";
  readonly shardCount: number;
  readonly retentionHours: number;
  readonly streamAdminRoutes: boolean;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly quotaPerDay: number;
}

export interface DatabricksConfig {
  readonly enabled: boolean;
  /** Unity Catalog (default; every current workspace) or the course's DBFS mount (legacy features). */
  readonly storageRoute: "mount" | "unityCatalog";
  /** The Databricks runtime of every cluster (a row of components/databricks/databricksRuntime.ts). */
  readonly sparkVersion: string;
  readonly autoterminationMinutes: number;
  /** Must stay true with MWAA on: the DAG is then the batch job's only scheduler. */
  readonly batchSchedulePaused: boolean;
  /** The streaming job (only where streamPath is on) stays paused unless false. */
  readonly streamingPaused: boolean;
  /** Scheduled drain-and-stop runs (default) or a continuous run. */
  readonly streamingMode: StreamingMode;
  /** Minutes between scheduled streaming runs (streamingMode "scheduled"). */
  readonly streamingIntervalMinutes: number;
  readonly batchScheduleCron: string;
  readonly batchScheduleTimezone: string;
  /**
   * Application id of an existing service principal both jobs run as; undefined = the stack
   * creates one (`<prefix>-jobs`).
   */
  readonly runAsApplicationId?: string;
  /** An existing workspace group given read access to the tables, code and dashboard. */
  readonly readersGroup?: string;
  /** The workspace's cross-account role (required by the mount route: it must pass the data role). */
  readonly crossAccountRoleName?: string;
  /** Existing catalog, and the schema the stack creates there (default: the prefix, "_" for "-"). */
  readonly unityCatalog?: { catalog: string; schema?: string };
  /** The AI/BI dashboard of the analyses (docs/dashboard.md), with its SQL warehouse. */
  readonly dashboard: boolean;
  /** An existing SQL warehouse for the dashboard, by name; undefined = the stack creates one. */
  readonly dashboardWarehouseName?: string;
  /** Idle minutes before the created warehouse stops. */
  readonly dashboardAutoStopMinutes: number;
  // Capacity (docs/scaling.md): each job's compute, sized by `npm run plan`.
  /** The batch job cluster's node type; undefined = the workspace's smallest with a local disk. */
  readonly batchNodeType?: string;
  /** The batch job cluster's workers beside the driver (0: single node). */
  readonly batchWorkers: number;
  /** Seconds before a batch run is stopped as stuck (0: never). */
  readonly batchTimeoutSeconds: number;
  /** The streaming job cluster's node type, workers and (scheduled runs') timeout, likewise. */
  readonly streamingNodeType?: string;
  readonly streamingWorkers: number;
  readonly streamingTimeoutSeconds: number;
}

/** Who hears when something fails: one SNS topic per stack, and the jobs' e-mail notifications. */
export interface AlertsConfig {
  /** Addresses subscribed to the stack's alert topic and mailed by the Databricks jobs. */
  readonly emails: string[];
}

export interface MwaaConfig {
  readonly enabled: boolean;
  readonly environmentClass: string;
  readonly publicWebserver: boolean;
}

export interface StackConfig {
  /** The short identifier every name derives from (docs/pipeline.md §2), e.g. `pin-dev`. */
  readonly prefix: string;
  /** Days to keep every log group this stack creates. */
  readonly logRetentionDays: number;
  /** Second key for destroying data: components may only empty buckets when this is true. */
  readonly allowDataLoss: boolean;
  /**
   * Paused: the parts billed by the hour that hold no data are left out (NAT, Kafka path, streams,
   * MWAA, the Databricks cluster); data and identity stay (docs/costs.md, "Pausing a stack").
   */
  readonly paused: boolean;
  /** Pulumi's `protect` on the data holders: the raw bucket and the source database. */
  readonly protect: boolean;
  readonly tags: Record<string, string>;
  readonly network: NetworkConfig;
  readonly sourceDatabase: SourceDatabaseConfig;
  /** Set the region's API Gateway logging role at creation (never repointed, kept on destroy). */
  readonly manageApiGatewayAccount: boolean;
  readonly kafka: KafkaConfig;
  readonly streamPath: StreamPathConfig;
  readonly databricks: DatabricksConfig;
  readonly mwaa: MwaaConfig;
  readonly alerts: AlertsConfig;
}

/** Where each sink's zip is looked for when `kafka.connectorPluginPath` is not set: its pinned release. */
const DEFAULT_PLUGIN_PATHS: Record<S3SinkPlugin, string> = {
  confluent: `.local/plugins/${S3_SINK_PLUGIN_RELEASES.confluent.fileName}`,
  aiven: `.local/plugins/${S3_SINK_PLUGIN_RELEASES.aiven.fileName}`,
};

/**
 * The stack secrets (`pulumi config set --secret`), read by loadDatabricksSecrets: the workspace,
 * and either a service principal's OAuth client (the default) or a personal access token.
 */
export const SECRET_KEYS = [
  "databricksHost",
  "databricksClientId",
  "databricksClientSecret",
  "databricksToken",
] as const;

/** What the stack is deployed into, for the checks that depend on it. */
export interface StackContext {
  /** The AWS region (`aws:region`), when known: the shard quota depends on it. */
  readonly region?: string;
}

/** Validates a raw config bag and fills defaults. Pure: tests call it directly. */
export function parseStackConfig(raw: RawConfig, context: StackContext = {}): StackConfig {
  return readStackConfig(new ConfigSection(raw), context);
}

/**
 * Every key the program reads, with its full path (`kafka.brokerCount`, `databricksToken`),
 * optional sections included: what the docs may name (test/docs/docClaims.test.ts).
 */
export function stackConfigKeys(): string[] {
  const top = new ConfigSection({
    prefix: "pin-keys",
    databricks: { unityCatalog: { catalog: "x" } },
  });
  readStackConfig(top, {});
  return top.knownKeys();
}

function readStackConfig(top: ConfigSection, context: StackContext): StackConfig {
  const prefix = top.raw("prefix");
  if (typeof prefix !== "string" || !RULES.prefix.test(prefix)) {
    fail("prefix", prefix, PREFIX_RULE);
  }
  for (const key of SECRET_KEYS) top.secret(key);
  const logRetentionDays = top.numberOf(
    "logRetentionDays",
    LOG_RETENTION_DAYS,
    DEFAULT_LOG_RETENTION_DAYS,
  );
  const tags = top.textMap("tags");
  const net = top.section("network");
  const db = top.section("sourceDatabase");
  const kafka = top.section("kafka");
  const stream = top.section("streamPath");
  const dbx = top.section("databricks");
  const mwaa = top.section("mwaa");
  const alerts = top.section("alerts");
  const uc = dbx.has("unityCatalog") ? dbx.section("unityCatalog") : undefined;
  if (uc?.has("accountId")) {
    // It used to be the trust's external id; Unity Catalog checks the storage credential's own.
    fail(
      uc.key("accountId"),
      uc.raw("accountId"),
      "no value: the external id now comes from the storage credential the stack creates",
      removeCommand(uc.key("accountId")),
    );
  }
  // Both used to be separate ways to be told; alerts.emails is now the one for the whole stack.
  for (const [section, field] of [
    [stream, "alarmTopicArn"],
    [dbx, "failureEmails"],
  ] as const) {
    if (section.has(field)) {
      fail(
        section.key(field),
        section.raw(field),
        "no value: every alarm and both jobs now notify the addresses of alerts.emails",
        `${removeCommand(section.key(field))} && ${setCommand("alerts.emails[0]", "string")}`,
      );
    }
  }
  const connectorPlugin = kafka.oneOf("connectorPlugin", S3_SINK_PLUGINS, "confluent");
  const msk = MSK_CLUSTER_LIMITS;
  const sink = S3_SINK_CONNECTOR_LIMITS;
  const api = KINESIS_STREAM_PATH_LIMITS;

  const parsed: StackConfig = {
    prefix,
    logRetentionDays,
    allowDataLoss: top.bool("allowDataLoss", false),
    paused: top.bool("paused", false),
    protect: top.bool("protect", false),
    tags: { ...tags, pipeline: prefix },
    network: {
      cidrBlock: net.str("cidrBlock", "10.0.0.0/16", RULES.vpcCidr),
      natGateways: net.oneOf<NatGatewayMode>("natGateways", NAT_GATEWAY_MODES, "none"),
      flowLogs: net.bool("flowLogs", false),
    },
    sourceDatabase: {
      enabled: db.bool("enabled", true),
      instanceClass: db.str("instanceClass", "db.t4g.micro", RULES.dbClass),
      allocatedStorageGb: db.int("allocatedStorageGb", SOURCE_DATABASE_LIMITS.allocatedStorageGb),
      engineVersion: db.str("engineVersion", "8.4", RULES.mysql),
      backupRetentionDays: db.int(
        "backupRetentionDays",
        SOURCE_DATABASE_LIMITS.backupRetentionDays,
      ),
      multiAz: db.bool("multiAz", false),
      deletionProtection: db.bool("deletionProtection", false),
      allowedCidrs: db.strings("allowedCidrs", RULES.allowedCidr),
      applyImmediately: db.bool("applyImmediately", true),
    },
    manageApiGatewayAccount: top.bool("manageApiGatewayAccount", true),
    kafka: {
      enabled: kafka.bool("enabled", false),
      brokerCount: kafka.int("brokerCount", msk.brokerCount, {
        by: BROKER_ZONES,
        why: `MSK puts as many brokers in each of the ${BROKER_ZONES} zones`,
      }),
      brokerInstanceType: kafka.str("brokerInstanceType", "kafka.t3.small", RULES.brokerType),
      brokerStorageGb: kafka.int("brokerStorageGb", msk.storageGb),
      kafkaVersion: kafka.str("kafkaVersion", "3.9.x", RULES.kafkaVersion),
      topicPartitions: kafka.int("topicPartitions", msk.defaultPartitions),
      clientInstanceType: kafka.str("clientInstanceType", "t3.small", RULES.ec2Type),
      clientInstanceCount: kafka.int("clientInstanceCount", CLIENT_INSTANCE_LIMITS),
      sinkRunner: kafka.oneOf("sinkRunner", SINK_RUNNERS, "mskconnect"),
      connectorPlugin,
      connectorPluginPath: kafka.str(
        "connectorPluginPath",
        DEFAULT_PLUGIN_PATHS[connectorPlugin],
        RULES.pluginFile,
      ),
      connectorPluginSha256: kafka.optionalStr("connectorPluginSha256", RULES.sha256),
      connectorFlushSize: kafka.int("connectorFlushSize", sink.flushSize),
      connectorMcuCount: kafka.numberOf("connectorMcuCount", MCU_COUNTS, DEFAULT_MCU_COUNT),
      connectorWorkerCount: kafka.int("connectorWorkerCount", sink.workerCount),
      rawDataExpirationDays: kafka.optionalInt("rawDataExpirationDays", { min: 1, max: 3650 }),
      apiThrottlingRateLimit: kafka.positive("apiThrottlingRateLimit", THROTTLING_RATE),
      apiThrottlingBurstLimit: kafka.int(
        "apiThrottlingBurstLimit",
        STAGE_LIMITS.throttlingBurstLimit,
      ),
      apiQuotaPerDay: kafka.int("apiQuotaPerDay", STAGE_LIMITS.quotaPerDay),
      messageRetentionHours: kafka.int("messageRetentionHours", msk.messageRetentionHours),
      connectorTasksMax: kafka.int("connectorTasksMax", sink.tasksMax),
      connectorRotateIntervalMs: kafka.int("connectorRotateIntervalMs", sink.rotateIntervalMs),
    },
    streamPath: {
      enabled: stream.bool("enabled", false),
      capacityMode: stream.oneOf("capacityMode", ["ON_DEMAND", "PROVISIONED"], "PROVISIONED"),
      shardCount: stream.int("shardCount", api.shardCount),
      retentionHours: stream.int("retentionHours", api.retentionHours),
      streamAdminRoutes: stream.bool("streamAdminRoutes", false),
      throttlingRateLimit: stream.positive("throttlingRateLimit", THROTTLING_RATE),
      throttlingBurstLimit: stream.int("throttlingBurstLimit", api.throttlingBurstLimit),
      quotaPerDay: stream.int("quotaPerDay", api.quotaPerDay),
    },
    databricks: {
      enabled: dbx.bool("enabled", false),
      storageRoute: dbx.oneOf("storageRoute", ["mount", "unityCatalog"], "unityCatalog"),
      sparkVersion: dbx.oneOf("sparkVersion", SPARK_VERSIONS, DEFAULT_SPARK_VERSION),
      autoterminationMinutes: dbx.int("autoterminationMinutes", AUTOTERMINATION_MINUTES),
      batchSchedulePaused: dbx.bool("batchSchedulePaused", true),
      streamingPaused: dbx.bool("streamingPaused", true),
      streamingMode: dbx.oneOf("streamingMode", STREAMING_MODES, "scheduled"),
      streamingIntervalMinutes: dbx.numberOf(
        "streamingIntervalMinutes",
        STREAMING_INTERVAL_MINUTES,
        DEFAULT_STREAMING_INTERVAL_MINUTES,
      ),
      batchScheduleCron: quartzCron(dbx, "batchScheduleCron", "0 0 2 * * ?"),
      batchScheduleTimezone: dbx.str("batchScheduleTimezone", "UTC", RULES.timeZone),
      runAsApplicationId: dbx.optionalStr("runAsApplicationId", RULES.applicationId),
      readersGroup: dbx.optionalStr("readersGroup", RULES.nonBlank),
      crossAccountRoleName: dbx.optionalStr("crossAccountRoleName", RULES.roleName),
      unityCatalog: uc && {
        catalog: uc.str("catalog", "", RULES.word),
        schema: uc.optionalStr("schema", RULES.word),
      },
      dashboard: dbx.bool("dashboard", false),
      dashboardWarehouseName: dbx.optionalStr("dashboardWarehouseName", RULES.nonBlank),
      dashboardAutoStopMinutes: dbx.int("dashboardAutoStopMinutes", AUTO_STOP_MINUTES),
      batchNodeType: dbx.optionalStr("batchNodeType", RULES.ec2Type),
      batchWorkers: dbx.int("batchWorkers", JOB_COMPUTE_LIMITS.workers),
      batchTimeoutSeconds: dbx.int("batchTimeoutSeconds", JOB_COMPUTE_LIMITS.timeoutSeconds),
      streamingNodeType: dbx.optionalStr("streamingNodeType", RULES.ec2Type),
      streamingWorkers: dbx.int("streamingWorkers", JOB_COMPUTE_LIMITS.workers),
      streamingTimeoutSeconds: dbx.int(
        "streamingTimeoutSeconds",
        JOB_COMPUTE_LIMITS.timeoutSeconds,
      ),
    },
    mwaa: {
      enabled: mwaa.bool("enabled", false),
      environmentClass: mwaa.oneOf("environmentClass", MWAA_ENVIRONMENT_CLASSES, "mw1.small"),
      publicWebserver: mwaa.bool("publicWebserver", false),
    },
    alerts: { emails: alerts.strings("emails", RULES.email) },
  };
  // Every key is read: what remains is a typo, a key of another section or a retired one.
  top.refuseUnknown();
  checkShardQuota(parsed, context);
  // Only a scheduled job has an interval: one set beside a continuous job would be ignored.
  if (parsed.databricks.streamingMode === "continuous" && dbx.has("streamingIntervalMinutes")) {
    throw new Error(
      'Stack config "databricks.streamingIntervalMinutes" is set but "databricks.streamingMode" is "continuous", ' +
        'which runs without a schedule: remove streamingIntervalMinutes, or set streamingMode to "scheduled".',
    );
  }
  checkCombinations(parsed);
  checkSinkRunner(parsed.kafka, kafka.has.bind(kafka));
  return parsed;
}

/**
 * The client runner puts a Kafka Connect worker next to the REST proxy: it needs the 2 GiB its
 * memory budget is made for (components/kafka/kafkaClientConnect.ts), and MSK Connect's capacity
 * keys would have no effect. EC2 nano and micro sizes have 0.5 and 1 GiB
 * (https://aws.amazon.com/ec2/instance-types/t3/).
 */
function checkSinkRunner(k: KafkaConfig, has: (key: string) => boolean): void {
  if (k.sinkRunner !== "client") return;
  for (const key of ["connectorMcuCount", "connectorWorkerCount"]) {
    if (has(key)) {
      throw new Error(
        `Stack config "kafka.${key}" is set but "kafka.sinkRunner" is "client", which runs no MSK Connect ` +
          `workers: remove ${key}, or set sinkRunner to "mskconnect".`,
      );
    }
  }
  if (/\.(nano|micro)$/.test(k.clientInstanceType)) {
    throw new Error(
      `Stack config "kafka.clientInstanceType" is "${k.clientInstanceType}" but "kafka.sinkRunner" is "client": ` +
        `the REST proxy and the sink's Kafka Connect worker need 2 GiB. Use "t3.small" or larger, or set sinkRunner to "mskconnect".`,
    );
  }
}

/** Rules that span sections: what one part needs from another. */
function checkCombinations(c: StackConfig): void {
  const needsNat = [c.kafka.enabled && "kafka", c.mwaa.enabled && "mwaa"].filter(Boolean);
  if (needsNat.length > 0 && c.network.natGateways === "none") {
    throw new Error(
      `Stack config enables ${needsNat.join(" and ")}, whose machines download packages and reach AWS APIs, ` +
        `but "pinterest-pipeline:network.natGateways" is "none". Set it to "single" ($38.69/month in eu-west-1 with its address) or "instance" (a t4g.nano NAT instance, $7.71).`,
    );
  }
  if (c.databricks.enabled && !c.kafka.enabled) {
    throw new Error(
      'Stack config enables databricks, which reads the raw bucket of the Kafka batch path, but "kafka.enabled" is false.',
    );
  }
  const dbx = c.databricks;
  if (dbx.enabled && dbx.storageRoute === "unityCatalog" && !dbx.unityCatalog) {
    throw new Error(
      'Stack config "databricks.storageRoute" is "unityCatalog" (the default) but "databricks.unityCatalog" { catalog } is missing: ' +
        'name an existing catalog of the workspace\'s metastore, or set storageRoute to "mount".',
    );
  }
  // Databricks registers an instance profile with an EC2 dry run as the workspace's cross-account
  // role, which fails unless that role may pass the data role (provider doc of InstanceProfile).
  if (dbx.enabled && dbx.storageRoute === "mount" && !dbx.crossAccountRoleName) {
    throw new Error(
      'Stack config "databricks.storageRoute" is "mount" but "databricks.crossAccountRoleName" is missing: ' +
        "give the name of the workspace's cross-account IAM role (Account console > Cloud resources > Credential configuration).",
    );
  }
  if (dbx.dashboard && !dbx.enabled) {
    throw new Error(
      'Stack config "databricks.dashboard" is true but "databricks.enabled" is false: the dashboard shows the Databricks jobs\' tables.',
    );
  }
  if (dbx.enabled && !dbx.streamingPaused && !c.streamPath.enabled) {
    throw new Error(
      'Stack config "databricks.streamingPaused" is false but "streamPath.enabled" is false: there are no streams to run the streaming job on. ' +
        "Set streamPath.enabled to true, or streamingPaused to true.",
    );
  }
  if (c.mwaa.enabled && !dbx.batchSchedulePaused) {
    throw new Error(
      'Stack config enables mwaa, whose DAG schedules the batch job, but "databricks.batchSchedulePaused" is false: ' +
        "two schedulers would start it at once. Set batchSchedulePaused to true.",
    );
  }
  // A schedule that runs unattended must tell someone when a run fails: the Databricks review's
  // row 6 (prod's daily job had no failure destination) and the deploy review's m7.
  const scheduled = [
    dbx.enabled && !dbx.batchSchedulePaused && "databricks.batchSchedulePaused",
    dbx.enabled && c.streamPath.enabled && !dbx.streamingPaused && "databricks.streamingPaused",
  ].filter(Boolean);
  if (!c.paused && scheduled.length > 0 && c.alerts.emails.length === 0) {
    throw new Error(
      `Stack config runs jobs on a schedule (${scheduled.join(" and ")} false) but "pinterest-pipeline:alerts.emails" is empty: ` +
        "a failed run would notify nobody. Fix it with: pulumi config set --path pinterest-pipeline:alerts.emails[0] <address> --type string",
    );
  }
  if (c.mwaa.enabled && !c.databricks.enabled) {
    throw new Error(
      'Stack config enables mwaa, whose DAG triggers the Databricks batch job, but "databricks.enabled" is false.',
    );
  }
}

/** One committed stack file as the cross-stack checks see it: its name and its `config:` map. */
export interface StackFile {
  readonly stack: string;
  /** Keys as written in Pulumi.<stack>.yaml (`pinterest-pipeline:kafka`, `aws:region`, ...). */
  readonly config: Record<string, unknown>;
}

/**
 * Committed stacks that could not be deployed alone into a fresh account and region, one line
 * each naming the key and the fix. A stack with an API needs API Gateway's logging role, one
 * setting per account and region; with `manageApiGatewayAccount: false` it relies on someone else
 * having set it, which no check can see before CreateStage fails.
 */
export function stacksNotDeployableAlone(files: StackFile[]): string[] {
  const ns = "pinterest-pipeline:";
  return files.flatMap((file) => {
    const c = parseStackConfig(
      Object.fromEntries(
        Object.entries(file.config)
          .filter(([key]) => key.startsWith(ns))
          .map(([key, value]) => [
            key.slice(ns.length),
            isSecureValue(value) ? new ConfigSecret() : value,
          ]),
      ),
    );
    return (c.kafka.enabled || c.streamPath.enabled) && !c.manageApiGatewayAccount
      ? [
          `Stack "${file.stack}" sets "${ns}manageApiGatewayAccount" false but has an API: it cannot ` +
            `deploy into an account and region where nothing has set API Gateway's logging role. ` +
            `Set it true (the setting is shared, never repointed and kept on destroy: docs/operations.md).`,
        ]
      : [];
  });
}

/**
 * The AWS provider's default tags (`aws:defaultTags.tags`), which tag every AWS resource of the
 * stack: refused unless they carry `pipeline: <prefix>`, the tag every cost report groups by.
 */
export function loadAwsDefaultTags(prefix: string): Record<string, string> {
  const defaults = new pulumi.Config("aws").getObject<{ tags?: Record<string, string> }>(
    "defaultTags",
  );
  const tags = defaults?.tags ?? {};
  if (tags.pipeline !== prefix) {
    throw new Error(
      `Stack config "aws:defaultTags" has tags.pipeline ${JSON.stringify(tags.pipeline)}, not the ` +
        `prefix "${prefix}": every AWS resource is tagged through it. Fix it with: ` +
        `pulumi config set --path 'aws:defaultTags.tags.pipeline' ${prefix}`,
    );
  }
  return tags;
}

/** The workspace's address and the login, stack secrets (`pulumi config set --secret ...`). */
export interface DatabricksSecrets {
  readonly host: pulumi.Output<string>;
  /** How the provider and MWAA's connection log in (the same client for both). */
  readonly login: DatabricksConnectionLogin;
}

/**
 * Which login the set secrets give: both OAuth keys (the default), or the token alone. Half an
 * OAuth client, a client beside a token, or no login at all is refused naming the key to set.
 */
export function databricksLoginKind(isSet: (key: string) => boolean): "oauth" | "token" {
  const clientKeys = ["databricksClientId", "databricksClientSecret"];
  const client = clientKeys.filter(isSet);
  const token = isSet("databricksToken");
  if (client.length === 2 && !token) return "oauth";
  if (client.length === 0 && token) return "token";
  if (token) {
    throw new Error(
      `Stack config sets both "${NAMESPACE}:${client[0]}" and "${NAMESPACE}:databricksToken": keep one login. ` +
        `Fix it with: pulumi config rm ${NAMESPACE}:databricksToken (the OAuth client is the default)`,
    );
  }
  const missing = clientKeys.find((key) => !isSet(key))!;
  throw new Error(
    `Stack config enables databricks but "${NAMESPACE}:${missing}" is not set: the provider logs in ` +
      `with a service principal's OAuth client (docs/databricks.md, "Identities"). ` +
      `Fix it with: pulumi config set --secret ${NAMESPACE}:${missing} <value>`,
  );
}

/**
 * Reads the Databricks secrets, only when the stack deploys Databricks (a stack without it needs
 * none); a missing one fails `pulumi up` naming the key, before any resource is registered.
 */
export function loadDatabricksSecrets(): DatabricksSecrets {
  const config = new pulumi.Config();
  const host = config.requireSecret("databricksHost");
  const kind = databricksLoginKind((key) => config.get(key) !== undefined);
  if (kind === "oauth") {
    return {
      host,
      login: {
        kind,
        clientId: config.requireSecret("databricksClientId"),
        clientSecret: config.requireSecret("databricksClientSecret"),
      },
    };
  }
  return { host, login: { kind, token: config.requireSecret("databricksToken") } };
}

/**
 * Reads the current stack's config once: every key of every namespace the stack sets, so that a
 * key of the project's namespace no reader knows, or a namespace nothing reads, is refused.
 */
export function loadStackConfig(): StackConfig {
  const raw = projectConfig(pulumi.runtime.allConfig(), isConfigSecret);
  const region =
    new pulumi.Config("aws").get("region") ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION;
  return parseStackConfig(raw, { region });
}

/**
 * Whether a config key was set with `--secret`. The SDK keeps this in its runtime state
 * (`runtime/config.ts` isConfigSecret, PULUMI_CONFIG_SECRET_KEYS) without a public function.
 */
function isConfigSecret(key: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  if (!runtime.isConfigSecret) {
    throw new Error(
      "@pulumi/pulumi no longer has runtime.isConfigSecret: update stacks/config.ts.",
    );
  }
  return runtime.isConfigSecret(key);
}
