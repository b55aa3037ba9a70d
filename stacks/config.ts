// The stack's configuration, read once from Pulumi.<stack>.yaml into one typed object. Components
// never read config themselves; every per-environment difference is visible here and in the YAML.
import * as pulumi from "@pulumi/pulumi";
import type { NatGatewayMode } from "../components/network";
import { S3SinkPlugin, S3_SINK_PLUGINS } from "../components/s3SinkConnectorConfig";

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
  /** Which S3 sink the plugin zip is (see docs/kafka-batch-path.md). */
  readonly connectorPlugin: S3SinkPlugin;
  /** The packaged S3 sink connector zip, relative to the repository (see docs/kafka-batch-path.md). */
  readonly connectorPluginPath: string;
  readonly connectorFlushSize: number;
  readonly connectorMcuCount: number;
  readonly connectorWorkerCount: number;
  /** Days before raw objects expire; undefined keeps them. */
  readonly rawDataExpirationDays?: number;
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
  readonly alarmTopicArn?: string;
}

export interface DatabricksConfig {
  readonly enabled: boolean;
  /** Unity Catalog (default; every current workspace) or the course's DBFS mount (legacy features). */
  readonly storageRoute: "mount" | "unityCatalog";
  readonly autoterminationMinutes: number;
  /** Must stay true with MWAA on: the DAG is then the batch job's only scheduler. */
  readonly batchSchedulePaused: boolean;
  /** The continuous streaming job (only where streamPath is on) stays paused unless false. */
  readonly streamingPaused: boolean;
  readonly batchScheduleCron: string;
  readonly batchScheduleTimezone: string;
  readonly failureEmails: string[];
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
}

export interface MwaaConfig {
  readonly enabled: boolean;
  readonly environmentClass: string;
  readonly publicWebserver: boolean;
}

export interface StackConfig {
  /** The short identifier every name derives from (PIPELINE.md §2), e.g. `pin-dev`. */
  readonly prefix: string;
  /** Days to keep every log group this stack creates. */
  readonly logRetentionDays: number;
  /** Second key for destroying data: components may only empty buckets when this is true. */
  readonly allowDataLoss: boolean;
  readonly tags: Record<string, string>;
  readonly network: NetworkConfig;
  readonly sourceDatabase: SourceDatabaseConfig;
  /** Create the region's API Gateway logging role here (once per account and region). */
  readonly manageApiGatewayAccount: boolean;
  readonly kafka: KafkaConfig;
  readonly streamPath: StreamPathConfig;
  readonly databricks: DatabricksConfig;
  readonly mwaa: MwaaConfig;
}

/** CloudWatch Logs accepts only these retention values (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

const PREFIX = /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/;

/** A raw config bag: what `pulumi.Config` returns for each key (objects already parsed). */
export type RawConfig = Record<string, unknown>;

function fail(key: string, value: unknown, expected: string): never {
  throw new Error(
    `Stack config "pinterest-pipeline:${key}" is ${JSON.stringify(value)}; expected ${expected}. ` +
      `Fix it with: pulumi config set ${key.split(".")[0]} ...`,
  );
}

function section(raw: RawConfig, key: string): RawConfig {
  const value = raw[key] ?? {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(key, value, "an object");
  }
  return value as RawConfig;
}

function bool(bag: RawConfig, key: string, path: string, fallback: boolean): boolean {
  const value = bag[key] ?? fallback;
  if (typeof value !== "boolean") fail(path, value, "true or false");
  return value;
}

function int(
  bag: RawConfig,
  key: string,
  path: string,
  fallback: number,
  min: number,
  max: number,
) {
  const value = bag[key] ?? fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(path, value, `a whole number from ${min} to ${max}`);
  }
  return value;
}

function optionalInt(bag: RawConfig, key: string, path: string, min: number, max: number) {
  return bag[key] === undefined ? undefined : int(bag, key, path, 0, min, max);
}

function optionalStr(bag: RawConfig, key: string, path: string, pattern?: RegExp) {
  return bag[key] === undefined ? undefined : str(bag, key, path, "", pattern);
}

function strings(bag: RawConfig, key: string, path: string): string[] {
  const value = bag[key] ?? [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    fail(path, value, "a list of strings");
  return value as string[];
}

function str(bag: RawConfig, key: string, path: string, fallback: string, pattern?: RegExp) {
  const value = bag[key] ?? fallback;
  if (typeof value !== "string" || (pattern && !pattern.test(value))) {
    fail(path, value, pattern ? `a string matching ${pattern}` : "a string");
  }
  return value;
}

/** Where each sink's zip is looked for when `kafka.connectorPluginPath` is not set. */
const DEFAULT_PLUGIN_PATHS: Record<S3SinkPlugin, string> = {
  confluent: ".local/plugins/confluentinc-kafka-connect-s3.zip",
  aiven: ".local/plugins/aiven-s3-connector-for-apache-kafka.zip",
};

/** Validates a raw config bag and fills defaults. Pure: tests call it directly. */
export function parseStackConfig(raw: RawConfig): StackConfig {
  const prefix = raw.prefix;
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    fail(
      "prefix",
      prefix,
      "3–20 characters of lowercase letters, digits and '-', starting with a letter (e.g. \"pin-dev\")",
    );
  }
  const logRetentionDays = raw.logRetentionDays ?? 30;
  if (typeof logRetentionDays !== "number" || !LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    fail("logRetentionDays", logRetentionDays, `one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  const tags = raw.tags ?? {};
  if (
    typeof tags !== "object" ||
    tags === null ||
    Array.isArray(tags) ||
    !Object.values(tags).every((v) => typeof v === "string")
  ) {
    fail("tags", tags, "an object of string values");
  }

  const net = section(raw, "network");
  const natGateways = str(
    net,
    "natGateways",
    "network.natGateways",
    "none",
    /^(none|single|perAz)$/,
  );

  const db = section(raw, "sourceDatabase");
  const allowedCidrs = db.allowedCidrs ?? [];
  if (!Array.isArray(allowedCidrs) || !allowedCidrs.every((c) => typeof c === "string")) {
    fail("sourceDatabase.allowedCidrs", allowedCidrs, "a list of CIDR strings");
  }

  const kafka = section(raw, "kafka");
  const k = (key: string) => `kafka.${key}`;
  const connectorPlugin = str(
    kafka,
    "connectorPlugin",
    k("connectorPlugin"),
    "confluent",
    new RegExp(`^(${S3_SINK_PLUGINS.join("|")})$`),
  ) as S3SinkPlugin;
  const stream = section(raw, "streamPath");
  const sp = (key: string) => `streamPath.${key}`;
  const dbx = section(raw, "databricks");
  const d = (key: string) => `databricks.${key}`;
  const mwaa = section(raw, "mwaa");
  const uc = dbx.unityCatalog === undefined ? undefined : section(dbx, "unityCatalog");
  if (uc?.accountId !== undefined) {
    // It used to be the trust's external id; Unity Catalog checks the storage credential's own.
    fail(
      d("unityCatalog.accountId"),
      uc.accountId,
      "no value: the external id now comes from the storage credential the stack creates; remove the key",
    );
  }

  const parsed: StackConfig = {
    prefix,
    logRetentionDays,
    allowDataLoss: bool(raw, "allowDataLoss", "allowDataLoss", false),
    tags: { ...(tags as Record<string, string>), pipeline: prefix },
    network: {
      cidrBlock: str(net, "cidrBlock", "network.cidrBlock", "10.0.0.0/16"),
      natGateways: natGateways as NatGatewayMode,
      flowLogs: bool(net, "flowLogs", "network.flowLogs", false),
    },
    sourceDatabase: {
      enabled: bool(db, "enabled", "sourceDatabase.enabled", true),
      instanceClass: str(
        db,
        "instanceClass",
        "sourceDatabase.instanceClass",
        "db.t4g.micro",
        /^db\./,
      ),
      allocatedStorageGb: int(
        db,
        "allocatedStorageGb",
        "sourceDatabase.allocatedStorageGb",
        20,
        20,
        1000,
      ),
      engineVersion: str(
        db,
        "engineVersion",
        "sourceDatabase.engineVersion",
        "8.4",
        /^8\.\d+(\.\d+)?$/,
      ),
      backupRetentionDays: int(
        db,
        "backupRetentionDays",
        "sourceDatabase.backupRetentionDays",
        7,
        7,
        35,
      ),
      multiAz: bool(db, "multiAz", "sourceDatabase.multiAz", false),
      deletionProtection: bool(
        db,
        "deletionProtection",
        "sourceDatabase.deletionProtection",
        false,
      ),
      allowedCidrs: allowedCidrs as string[],
      applyImmediately: bool(db, "applyImmediately", "sourceDatabase.applyImmediately", true),
    },
    manageApiGatewayAccount: bool(raw, "manageApiGatewayAccount", "manageApiGatewayAccount", true),
    kafka: {
      enabled: bool(kafka, "enabled", k("enabled"), false),
      brokerCount: int(kafka, "brokerCount", k("brokerCount"), 2, 2, 30),
      brokerInstanceType: str(
        kafka,
        "brokerInstanceType",
        k("brokerInstanceType"),
        "kafka.t3.small",
        /^kafka\./,
      ),
      brokerStorageGb: int(kafka, "brokerStorageGb", k("brokerStorageGb"), 20, 1, 16384),
      kafkaVersion: str(kafka, "kafkaVersion", k("kafkaVersion"), "3.9.x"),
      topicPartitions: int(kafka, "topicPartitions", k("topicPartitions"), 3, 1, 100),
      clientInstanceType: str(kafka, "clientInstanceType", k("clientInstanceType"), "t3.small"),
      connectorPlugin,
      connectorPluginPath: str(
        kafka,
        "connectorPluginPath",
        k("connectorPluginPath"),
        DEFAULT_PLUGIN_PATHS[connectorPlugin],
      ),
      connectorFlushSize: int(
        kafka,
        "connectorFlushSize",
        k("connectorFlushSize"),
        500,
        1,
        1_000_000,
      ),
      connectorMcuCount: int(kafka, "connectorMcuCount", k("connectorMcuCount"), 1, 1, 8),
      connectorWorkerCount: int(kafka, "connectorWorkerCount", k("connectorWorkerCount"), 1, 1, 10),
      rawDataExpirationDays: optionalInt(
        kafka,
        "rawDataExpirationDays",
        k("rawDataExpirationDays"),
        1,
        3650,
      ),
    },
    streamPath: {
      enabled: bool(stream, "enabled", sp("enabled"), false),
      capacityMode: str(
        stream,
        "capacityMode",
        sp("capacityMode"),
        "PROVISIONED",
        /^(ON_DEMAND|PROVISIONED)$/,
      ) as "ON_DEMAND" | "PROVISIONED",
      shardCount: int(stream, "shardCount", sp("shardCount"), 1, 1, 100),
      retentionHours: int(stream, "retentionHours", sp("retentionHours"), 24, 24, 8760),
      streamAdminRoutes: bool(stream, "streamAdminRoutes", sp("streamAdminRoutes"), false),
      throttlingRateLimit: int(
        stream,
        "throttlingRateLimit",
        sp("throttlingRateLimit"),
        50,
        1,
        10_000,
      ),
      throttlingBurstLimit: int(
        stream,
        "throttlingBurstLimit",
        sp("throttlingBurstLimit"),
        100,
        1,
        5_000,
      ),
      quotaPerDay: int(stream, "quotaPerDay", sp("quotaPerDay"), 1_000_000, 1, 1_000_000_000),
      alarmTopicArn: optionalStr(
        stream,
        "alarmTopicArn",
        sp("alarmTopicArn"),
        /^arn:aws[\w-]*:sns:/,
      ),
    },
    databricks: {
      enabled: bool(dbx, "enabled", d("enabled"), false),
      storageRoute: str(
        dbx,
        "storageRoute",
        d("storageRoute"),
        "unityCatalog",
        /^(mount|unityCatalog)$/,
      ) as "mount" | "unityCatalog",
      autoterminationMinutes: int(
        dbx,
        "autoterminationMinutes",
        d("autoterminationMinutes"),
        15,
        10,
        120,
      ),
      batchSchedulePaused: bool(dbx, "batchSchedulePaused", d("batchSchedulePaused"), true),
      streamingPaused: bool(dbx, "streamingPaused", d("streamingPaused"), true),
      batchScheduleCron: str(dbx, "batchScheduleCron", d("batchScheduleCron"), "0 0 2 * * ?"),
      batchScheduleTimezone: str(dbx, "batchScheduleTimezone", d("batchScheduleTimezone"), "UTC"),
      failureEmails: strings(dbx, "failureEmails", d("failureEmails")),
      crossAccountRoleName: optionalStr(dbx, "crossAccountRoleName", d("crossAccountRoleName")),
      unityCatalog: uc && {
        catalog: str(uc, "catalog", d("unityCatalog.catalog"), "", /^\w+$/),
        schema: optionalStr(uc, "schema", d("unityCatalog.schema"), /^\w+$/),
      },
      dashboard: bool(dbx, "dashboard", d("dashboard"), false),
      dashboardWarehouseName: optionalStr(
        dbx,
        "dashboardWarehouseName",
        d("dashboardWarehouseName"),
        /\S/,
      ),
      dashboardAutoStopMinutes: int(
        dbx,
        "dashboardAutoStopMinutes",
        d("dashboardAutoStopMinutes"),
        10,
        5,
        120,
      ),
    },
    mwaa: {
      enabled: bool(mwaa, "enabled", "mwaa.enabled", false),
      environmentClass: str(
        mwaa,
        "environmentClass",
        "mwaa.environmentClass",
        "mw1.small",
        /^mw1\./,
      ),
      publicWebserver: bool(mwaa, "publicWebserver", "mwaa.publicWebserver", false),
    },
  };
  checkCombinations(parsed);
  return parsed;
}

/** Rules that span sections: what one part needs from another. */
function checkCombinations(c: StackConfig): void {
  const needsNat = [c.kafka.enabled && "kafka", c.mwaa.enabled && "mwaa"].filter(Boolean);
  if (needsNat.length > 0 && c.network.natGateways === "none") {
    throw new Error(
      `Stack config enables ${needsNat.join(" and ")}, whose machines download packages and reach AWS APIs, ` +
        `but "pinterest-pipeline:network.natGateways" is "none". Set it to "single" (about $33/month).`,
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
      'Stack config "databricks.streamingPaused" is false but "streamPath.enabled" is false: there are no streams to run the streaming job on.',
    );
  }
  if (c.mwaa.enabled && !dbx.batchSchedulePaused) {
    throw new Error(
      'Stack config enables mwaa, whose DAG schedules the batch job, but "databricks.batchSchedulePaused" is false: ' +
        "two schedulers would start it at once. Set batchSchedulePaused to true.",
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
 * Clashes over API Gateway's logging role, which is one setting per account and region: each
 * message names two stacks that would both own it. Stacks in one region are taken to share an
 * account unless both list `aws:allowedAccountIds` and the lists are disjoint (the provider then
 * also refuses to deploy into any other account).
 */
export function apiGatewayAccountOwnerClashes(files: StackFile[]): string[] {
  const owners = files
    .map((file) => {
      const ns = "pinterest-pipeline:";
      const raw = Object.fromEntries(
        Object.entries(file.config)
          .filter(([key]) => key.startsWith(ns))
          .map(([key, value]) => [key.slice(ns.length), value]),
      );
      const c = parseStackConfig(raw);
      const accounts = file.config["aws:allowedAccountIds"];
      return {
        stack: file.stack,
        region: String(file.config["aws:region"] ?? ""),
        accounts: Array.isArray(accounts) ? accounts.map(String) : undefined,
        owns: c.manageApiGatewayAccount && (c.kafka.enabled || c.streamPath.enabled),
      };
    })
    .filter((o) => o.owns);
  const clashes: string[] = [];
  owners.forEach((a, i) =>
    owners.slice(i + 1).forEach((b) => {
      const apart = a.accounts && b.accounts && !a.accounts.some((id) => b.accounts!.includes(id));
      if (a.region === b.region && !apart) {
        clashes.push(
          `Stacks "${a.stack}" and "${b.stack}" both set "pinterest-pipeline:manageApiGatewayAccount" ` +
            `in ${a.region || "the same region"}: one setting per account and region, so destroying one ` +
            `would stop the other's API logging. Set it false in one, or give both disjoint ` +
            `"aws:allowedAccountIds".`,
        );
      }
    }),
  );
  return clashes;
}

/** Reads the current stack's config (namespace `pinterest-pipeline`) once. */
export function loadStackConfig(): StackConfig {
  const config = new pulumi.Config();
  const keys = [
    "prefix",
    "logRetentionDays",
    "allowDataLoss",
    "tags",
    "network",
    "sourceDatabase",
    "manageApiGatewayAccount",
    "kafka",
    "streamPath",
    "databricks",
    "mwaa",
  ];
  const raw: RawConfig = {};
  for (const key of keys) {
    const text = config.get(key);
    if (text === undefined) continue;
    // Structured values arrive as JSON text; a plain string such as the prefix does not parse.
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text;
    }
  }
  return parseStackConfig(raw);
}
