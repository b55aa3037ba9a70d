// JSON-schema models of the Kinesis proxy's request bodies. API Gateway validates them with JSON
// Schema draft 4; the models use only keywords that mean the same in later drafts, so a current
// validator (Ajv) checks the same rules locally.

/** API Gateway validates models with JSON Schema draft 4. */
export const JSON_SCHEMA_DRAFT_04 = "http://json-schema.org/draft-04/schema#";

export type ModelName = "PutRecordBody" | "PutRecordsBody" | "CreateStreamBody";
export type JsonSchema = { readonly [keyword: string]: unknown };

const partitionKey = { type: "string", minLength: 1, maxLength: 256 };
/** The course's clients send the stream name in the body too: accepted, the path's name wins. */
const ignoredStreamName = { type: "string" };

/** Request body models (JSON Schema draft 4, keywords that mean the same in later drafts). */
export const MODELS: Readonly<Record<ModelName, JsonSchema>> = {
  PutRecordBody: {
    $schema: JSON_SCHEMA_DRAFT_04,
    title: "PutRecordBody",
    type: "object",
    required: ["Data", "PartitionKey"],
    properties: { StreamName: ignoredStreamName, Data: {}, PartitionKey: partitionKey },
    additionalProperties: false,
  },
  PutRecordsBody: {
    $schema: JSON_SCHEMA_DRAFT_04,
    title: "PutRecordsBody",
    type: "object",
    required: ["records"],
    properties: {
      StreamName: ignoredStreamName,
      records: {
        type: "array",
        minItems: 1,
        maxItems: 500, // the PutRecords limit
        items: {
          type: "object",
          required: ["data", "partition-key"],
          properties: { data: {}, "partition-key": partitionKey },
          additionalProperties: false,
        },
      },
    },
    additionalProperties: false,
  },
  CreateStreamBody: {
    $schema: JSON_SCHEMA_DRAFT_04,
    title: "CreateStreamBody",
    type: "object",
    // At most 4 shards ($0.015/shard-hour each): API-created streams are scratch streams.
    properties: { ShardCount: { type: "integer", minimum: 1, maximum: 4 } },
    additionalProperties: false,
  },
};

/**
 * Body of the 400 answer to a body that fails its model. Gateway responses are not VTL (plain
 * substitution, no escaping), and the validator's text contains quotes, so it is plain text.
 */
export const BAD_REQUEST_BODY_TEMPLATE =
  "Invalid request body: $context.error.validationErrorString";
