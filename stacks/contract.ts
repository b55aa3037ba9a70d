// The stack-outputs contract: the one non-secret object every stack exports as `pipeline`, and
// the only thing clients (the emulator, the local replica's outputs file) rely on. Bump
// CONTRACT_VERSION when a field is renamed or removed; adding an optional field keeps it.
// The JSON schema below is what both the stack tests and the emulator validate against.
import Ajv from "ajv";
import { TABLE_KINDS, TableKind } from "../components/shared/naming";

export const CONTRACT_VERSION = 1;

/** A name per source table: the topics or the streams. */
export type TableNames = Readonly<Record<TableKind, string>>;

export interface SourceDatabaseEndpoint {
  readonly host: string;
  readonly port: number;
  readonly databaseName: string;
  /** Secrets Manager ARN of `{"username","password"}`; empty where the password comes otherwise. */
  readonly secretArn: string;
}

export interface BatchEndpoint {
  /** Base URL of the REST-proxy API (POST `<invokeUrl>/topics/<topic>`). */
  readonly invokeUrl: string;
  /** Id of the API key (its value is fetched with the AWS SDK, never exported). */
  readonly apiKeyId: string;
  readonly topics: TableNames;
  /** Bucket the S3 sink writes `topics/...` to. */
  readonly bucketName: string;
  /** Kafka bootstrap servers for direct clients; empty when not reachable from outside. */
  readonly bootstrapBrokers: string;
  /** How direct Kafka clients authenticate: MSK IAM over TLS, or none (local replica). */
  readonly kafkaAuth: "iam" | "none";
}

export interface StreamEndpoint {
  /** Base URL of the Kinesis-proxy API (PUT `<invokeUrl>/streams/<stream>/records`). */
  readonly invokeUrl: string;
  readonly apiKeyId: string;
  readonly streams: TableNames;
  /** Kinesis API endpoint for direct clients; empty means the region's public endpoint. */
  readonly kinesisEndpoint: string;
}

export interface PipelineOutputs {
  readonly contractVersion: number;
  readonly prefix: string;
  readonly region: string;
  /** Absent when the stack does not deploy the source database. */
  readonly sourceDatabase?: SourceDatabaseEndpoint;
  /** Absent when the stack does not deploy the Kafka batch path. */
  readonly batch?: BatchEndpoint;
  /** Absent when the stack does not deploy the Kinesis stream path. */
  readonly stream?: StreamEndpoint;
  /**
   * True when the stack is paused (`pinterest-pipeline:paused`): `batch` and `stream` are then
   * absent although configured, and clients refuse it with {@link RESUME_HINT}. Absent otherwise,
   * so a running stack's outputs are what contract v1 clients before this field expect.
   */
  readonly paused?: boolean;
}

/** How to bring a paused stack back; clients that refuse one print it. */
export const RESUME_HINT = "pulumi config set pinterest-pipeline:paused false && pulumi up";

const names = {
  type: "object",
  required: [...TABLE_KINDS],
  properties: Object.fromEntries(
    TABLE_KINDS.map((kind) => [kind, { type: "string", minLength: 1 }]),
  ),
  additionalProperties: false,
};
const url = { type: "string", pattern: "^https?://" };

/** JSON schema of {@link PipelineOutputs}. */
export const PIPELINE_OUTPUTS_SCHEMA = {
  type: "object",
  required: ["contractVersion", "prefix", "region"],
  properties: {
    contractVersion: { const: CONTRACT_VERSION },
    prefix: { type: "string", minLength: 1 },
    region: { type: "string", minLength: 1 },
    paused: { const: true },
    sourceDatabase: {
      type: "object",
      required: ["host", "port", "databaseName", "secretArn"],
      properties: {
        host: { type: "string", minLength: 1 },
        port: { type: "integer", minimum: 1, maximum: 65535 },
        databaseName: { type: "string", minLength: 1 },
        secretArn: { type: "string" },
      },
      additionalProperties: false,
    },
    batch: {
      type: "object",
      required: ["invokeUrl", "apiKeyId", "topics", "bucketName", "bootstrapBrokers", "kafkaAuth"],
      properties: {
        invokeUrl: url,
        apiKeyId: { type: "string", minLength: 1 },
        topics: names,
        bucketName: { type: "string", minLength: 1 },
        bootstrapBrokers: { type: "string" },
        kafkaAuth: { enum: ["iam", "none"] },
      },
      additionalProperties: false,
    },
    stream: {
      type: "object",
      required: ["invokeUrl", "apiKeyId", "streams", "kinesisEndpoint"],
      properties: {
        invokeUrl: url,
        apiKeyId: { type: "string", minLength: 1 },
        streams: names,
        kinesisEndpoint: { type: "string" },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

const validator = new Ajv({ allErrors: true }).compile(PIPELINE_OUTPUTS_SCHEMA);

/**
 * Checks an outputs object against the contract; returns one readable line per problem
 * (`pipeline.batch.invokeUrl: must match pattern "^https?://"`), empty when it conforms.
 */
export function contractProblems(outputs: unknown): string[] {
  if (validator(outputs)) return [];
  return (validator.errors ?? []).map((e) => {
    const where = `pipeline${e.instancePath.replace(/\//g, ".")}`;
    if (e.keyword === "required") return `${where}.${e.params.missingProperty}: missing`;
    if (e.keyword === "additionalProperties")
      return `${where}.${e.params.additionalProperty}: not part of contract v${CONTRACT_VERSION}`;
    // Ajv says "must be equal to constant" without the constant: name it, and why.
    if (e.keyword === "const") {
      const why: Record<string, string> = {
        "/contractVersion": `this code reads contract v${CONTRACT_VERSION} only`,
        "/paused": "a running stack leaves it out",
      };
      const note = why[e.instancePath];
      return `${where}: must be ${JSON.stringify(e.params.allowedValue)}${note ? ` (${note})` : ""}`;
    }
    return `${where}: ${e.message}`;
  });
}
