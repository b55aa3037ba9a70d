// The stack's configuration, read once from Pulumi.<stack>.yaml into one typed object. Components
// never read config themselves; every per-environment difference is visible here and in the YAML.
import * as pulumi from "@pulumi/pulumi";
import type { NatGatewayMode } from "../components/network";

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

function str(bag: RawConfig, key: string, path: string, fallback: string, pattern?: RegExp) {
  const value = bag[key] ?? fallback;
  if (typeof value !== "string" || (pattern && !pattern.test(value))) {
    fail(path, value, pattern ? `a string matching ${pattern}` : "a string");
  }
  return value;
}

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

  return {
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
    },
  };
}

/** Reads the current stack's config (namespace `pinterest-pipeline`) once. */
export function loadStackConfig(): StackConfig {
  const config = new pulumi.Config();
  const keys = ["prefix", "logRetentionDays", "allowDataLoss", "tags", "network", "sourceDatabase"];
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
