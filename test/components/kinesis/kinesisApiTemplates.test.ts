// The pure description of the Kinesis proxy API: route table, models (checked with a real JSON
// Schema validator), templates rendered by the local VTL engine, and IAM/alarm documents. Against a
// real Kinesis API the same templates are proven in test/components/kinesis/kinesisApiTemplates.local.test.ts.
import Ajv from "ajv";
import { expect } from "chai";
import {
  JSON_SCHEMA_DRAFT_04,
  MODELS,
  ModelName,
} from "../../../components/kinesis/kinesisApiModels";
import {
  apiFingerprint,
  CREATE_STREAM_TEMPLATE,
  GET_RECORDS_TEMPLATE,
  GET_SHARD_ITERATOR_TEMPLATE,
  kinesisRoutes,
  LIST_STREAMS_TEMPLATE,
  listStreamsResponseTemplate,
  PUT_RECORD_TEMPLATE,
  PUT_RECORDS_TEMPLATE,
} from "../../../components/kinesis/kinesisApiTemplates";
import {
  kinesisProxyPolicy,
  prefixStreamArnPattern,
  streamPathAlarms,
} from "../../../components/kinesis/kinesisPolicies";
import { serviceTrustPolicy } from "../../../components/shared/iam";
import { kinesisStreamName } from "../../../components/shared/naming";
import { MappingRequest, renderMappingTemplate } from "../../../local/gateway/vtl";
import { streamApiStatements } from "../../harness/kinesisExpectations";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64");
const STREAM = { "stream-name": "streaming-pin-dev-pin" };

describe("Kinesis proxy route table", () => {
  const table = (streamAdmin: boolean) =>
    kinesisRoutes({ prefix: "pin-dev", streamAdmin }).map((r) =>
      [r.httpMethod, r.path, r.action, r.model ?? "-"].join(" "),
    );

  it("offers list, describe, put one, put many and reading, without create or delete by default", () => {
    expect(table(false)).to.deep.equal([
      "GET /streams ListStreams -",
      "GET /streams/{stream-name} DescribeStream -",
      "PUT /streams/{stream-name}/record PutRecord PutRecordBody",
      "PUT /streams/{stream-name}/records PutRecords PutRecordsBody",
      "GET /streams/{stream-name}/sharditerator GetShardIterator -",
      "GET /streams/{stream-name}/records GetRecords -",
    ]);
  });

  it("adds create and delete when stream admin routes are on", () => {
    expect(table(true).slice(6)).to.deep.equal([
      "POST /streams/{stream-name} CreateStream CreateStreamBody",
      "DELETE /streams/{stream-name} DeleteStream -",
    ]);
  });

  it("requires the path's stream name, the shard id and the iterator header", () => {
    const params = Object.fromEntries(
      kinesisRoutes({ prefix: "p", streamAdmin: false }).map((r) => [r.key, r.requestParameters]),
    );
    expect(params["list-streams"]).to.deep.equal({
      "method.request.querystring.ExclusiveStartStreamName": false,
    });
    expect(params["get-shard-iterator"]).to.deep.equal({
      "method.request.path.stream-name": true,
      "method.request.querystring.shard-id": true,
      "method.request.querystring.iterator-type": false,
    });
    expect(params["get-records"]).to.deep.equal({
      "method.request.path.stream-name": true,
      "method.request.header.Shard-Iterator": true,
    });
  });

  it("names streams streaming-<prefix>-<kind>", () => {
    expect(kinesisStreamName("pin-dev", "geo")).to.equal("streaming-pin-dev-geo");
  });

  it("fingerprints the API: same routes same hash, any template or route change a new one", () => {
    const base = apiFingerprint(kinesisRoutes({ prefix: "pin-dev", streamAdmin: false }));
    expect(base).to.match(/^[0-9a-f]{64}$/);
    expect(apiFingerprint(kinesisRoutes({ prefix: "pin-dev", streamAdmin: false }))).to.equal(base);
    expect(apiFingerprint(kinesisRoutes({ prefix: "pin-dev", streamAdmin: true }))).not.to.equal(
      base,
    );
    expect(apiFingerprint(kinesisRoutes({ prefix: "pin-prod", streamAdmin: false }))).not.to.equal(
      base,
    );
    const changed = kinesisRoutes({ prefix: "pin-dev", streamAdmin: false }).map((r) =>
      r.key === "put-record" ? { ...r, requestTemplate: r.requestTemplate + " " } : r,
    );
    expect(apiFingerprint(changed)).not.to.equal(base);
  });
});

describe("Kinesis proxy models", () => {
  // API Gateway runs draft 4; Ajv runs draft 7+. Strict Ajv (schema checked, unknown keywords
  // refused) on the models minus `$schema` shows they use only keywords both drafts share.
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validators = Object.fromEntries(
    Object.entries(MODELS).map(([name, schema]) => {
      const { $schema, ...rest } = schema;
      expect($schema).to.equal(JSON_SCHEMA_DRAFT_04);
      return [name, ajv.compile(rest)];
    }),
  ) as Record<ModelName, ReturnType<Ajv["compile"]>>;

  const row = { index: 1, title: 'Ünïcødé "quoted"', tags: ["a"], nested: { x: null } };
  const good: [ModelName, string, unknown][] = [
    ["PutRecordBody", "the course's body", { StreamName: "s", Data: row, PartitionKey: "p" }],
    ["PutRecordBody", "a string as data", { Data: "text", PartitionKey: "p" }],
    ["PutRecordBody", "null as data", { Data: null, PartitionKey: "p" }],
    ["PutRecordBody", "a 256-character key", { Data: 1, PartitionKey: "k".repeat(256) }],
    ["PutRecordsBody", "one record", { records: [{ data: row, "partition-key": "p" }] }],
    [
      "PutRecordsBody",
      "500 records",
      { records: Array.from({ length: 500 }, () => ({ data: 1, "partition-key": "p" })) },
    ],
    ["CreateStreamBody", "no shard count", {}],
    ["CreateStreamBody", "4 shards", { ShardCount: 4 }],
  ];
  for (const [model, label, body] of good) {
    it(`${model} accepts ${label}`, () => {
      const validate = validators[model];
      expect(validate(body), ajv.errorsText(validate.errors)).to.equal(true);
    });
  }

  const bad: [ModelName, string, unknown, string][] = [
    ["PutRecordBody", "no data", { PartitionKey: "p" }, "must have required property 'Data'"],
    ["PutRecordBody", "no key", { Data: 1 }, "must have required property 'PartitionKey'"],
    ["PutRecordBody", "an empty key", { Data: 1, PartitionKey: "" }, "/PartitionKey"],
    ["PutRecordBody", "a 257-character key", { Data: 1, PartitionKey: "k".repeat(257) }, "256"],
    ["PutRecordBody", "a number as key", { Data: 1, PartitionKey: 5 }, "must be string"],
    ["PutRecordBody", "an extra field", { Data: 1, PartitionKey: "p", X: 1 }, "additional"],
    ["PutRecordBody", "an array body", [], "must be object"],
    ["PutRecordsBody", "Kinesis's casing", { Records: [] }, "'records'"],
    ["PutRecordsBody", "no records", { records: [] }, "fewer than 1 items"],
    [
      "PutRecordsBody",
      "501 records",
      { records: Array.from({ length: 501 }, () => ({ data: 1, "partition-key": "p" })) },
      "more than 500 items",
    ],
    ["PutRecordsBody", "a record without data", { records: [{ "partition-key": "p" }] }, "'data'"],
    [
      "PutRecordsBody",
      "a camel-cased key",
      { records: [{ data: 1, partitionKey: "p" }] },
      "'partition-key'",
    ],
    ["CreateStreamBody", "5 shards", { ShardCount: 5 }, "must be <= 4"],
    ["CreateStreamBody", "half a shard", { ShardCount: 1.5 }, "must be integer"],
  ];
  for (const [model, label, body, message] of bad) {
    it(`${model} rejects ${label}`, () => {
      const validate = validators[model];
      expect(validate(body)).to.equal(false);
      expect(ajv.errorsText(validate.errors)).to.include(message);
    });
  }
});

describe("Kinesis proxy mapping templates", () => {
  const data = { title: 'it\'s "q" \\ é😀', n: [1, 2.5, null], o: { deep: true } };
  const cases: [string, string, MappingRequest, unknown][] = [
    [
      "PutRecord",
      PUT_RECORD_TEMPLATE,
      { path: STREAM, body: JSON.stringify({ Data: data, PartitionKey: "p'1\"" }) },
      { StreamName: "streaming-pin-dev-pin", Data: b64(data), PartitionKey: "p'1\"" },
    ],
    [
      "PutRecords",
      PUT_RECORDS_TEMPLATE,
      {
        path: STREAM,
        body: JSON.stringify({
          records: [
            { data, "partition-key": "a" },
            { data: "text", "partition-key": "b" },
          ],
        }),
      },
      {
        StreamName: "streaming-pin-dev-pin",
        Records: [
          { Data: b64(data), PartitionKey: "a" },
          { Data: b64("text"), PartitionKey: "b" },
        ],
      },
    ],
    ["ListStreams, first page", LIST_STREAMS_TEMPLATE, {}, {}],
    [
      "ListStreams, next page",
      LIST_STREAMS_TEMPLATE,
      { querystring: { ExclusiveStartStreamName: "streaming-pin-dev-geo" } },
      { ExclusiveStartStreamName: "streaming-pin-dev-geo" },
    ],
    [
      "CreateStream without a body",
      CREATE_STREAM_TEMPLATE,
      { path: STREAM, body: "" },
      { StreamName: "streaming-pin-dev-pin", ShardCount: 1 },
    ],
    [
      "CreateStream with 3 shards",
      CREATE_STREAM_TEMPLATE,
      { path: STREAM, body: '{"ShardCount":3}' },
      { StreamName: "streaming-pin-dev-pin", ShardCount: 3 },
    ],
    [
      "GetShardIterator from the oldest record",
      GET_SHARD_ITERATOR_TEMPLATE,
      { path: STREAM, querystring: { "shard-id": "shardId-000000000000" } },
      {
        StreamName: "streaming-pin-dev-pin",
        ShardId: "shardId-000000000000",
        ShardIteratorType: "TRIM_HORIZON",
      },
    ],
    [
      "GetShardIterator from the latest",
      GET_SHARD_ITERATOR_TEMPLATE,
      { path: STREAM, querystring: { "shard-id": "s", "iterator-type": "LATEST" } },
      { StreamName: "streaming-pin-dev-pin", ShardId: "s", ShardIteratorType: "LATEST" },
    ],
    [
      "GetShardIterator with an unknown type",
      GET_SHARD_ITERATOR_TEMPLATE,
      { path: STREAM, querystring: { "shard-id": "s", "iterator-type": "AT_SEQUENCE_NUMBER" } },
      { StreamName: "streaming-pin-dev-pin", ShardId: "s", ShardIteratorType: "TRIM_HORIZON" },
    ],
    [
      "GetRecords (iterators hold / + =)",
      GET_RECORDS_TEMPLATE,
      { header: { "shard-iterator": "AAAA/b+c==" } },
      { ShardIterator: "AAAA/b+c==" },
    ],
    [
      "the ListStreams answer, filtered to the prefix",
      listStreamsResponseTemplate("pin-dev"),
      {
        body: JSON.stringify({
          StreamNames: [
            "other",
            "streaming-pin-dev-geo",
            "streaming-pin-dev2-pin",
            "streaming-pin-dev-pin",
          ],
          HasMoreStreams: true,
        }),
      },
      { StreamNames: ["streaming-pin-dev-geo", "streaming-pin-dev-pin"], HasMoreStreams: true },
    ],
    [
      "an empty ListStreams answer",
      listStreamsResponseTemplate("pin-dev"),
      { body: '{"StreamNames":[],"HasMoreStreams":false}' },
      { StreamNames: [], HasMoreStreams: false },
    ],
  ];
  for (const [label, template, request, expected] of cases) {
    it(`renders ${label} as valid JSON with exact values`, () => {
      expect(JSON.parse(renderMappingTemplate(template, request))).to.deep.equal(expected);
    });
  }

  it("escapes quotes in a stream name: one StreamName value, no injected field", () => {
    const rendered = renderMappingTemplate(PUT_RECORD_TEMPLATE, {
      path: { "stream-name": 'x", "StreamName": "victim' },
      body: '{"Data":1,"PartitionKey":"p"}',
    });
    expect(rendered).to.include('"StreamName": "x\\", \\"StreamName\\": \\"victim"');
    expect(JSON.parse(rendered).StreamName).to.equal('x", "StreamName": "victim');
  });
});

describe("Kinesis proxy IAM", () => {
  const arns = ["pin", "geo", "user"].map(
    (k) => `arn:aws:kinesis:eu-west-1:123456789012:stream/streaming-pin-dev-${k}`,
  );
  const policy = (streamAdmin: boolean, kmsKeyArn?: string) =>
    kinesisProxyPolicy({
      routes: kinesisRoutes({ prefix: "pin-dev", streamAdmin }),
      prefix: "pin-dev",
      streamArns: arns,
      kmsKeyArn,
    });

  it("allows exactly the routes' actions on exactly the stack's streams", () => {
    expect(policy(false).Statement).to.deep.equal(streamApiStatements(arns));
  });

  it("limits create and delete to the prefix and denies deleting the stack's streams", () => {
    expect(policy(true).Statement.slice(2)).to.deep.equal([
      {
        Sid: "ScratchStreamsUnderPrefix",
        Effect: "Allow",
        Action: ["kinesis:CreateStream", "kinesis:DeleteStream", "kinesis:DescribeStream"],
        Resource: "arn:aws:kinesis:eu-west-1:123456789012:stream/streaming-pin-dev-*",
      },
      {
        Sid: "NeverDeleteStackStreams",
        Effect: "Deny",
        Action: ["kinesis:DeleteStream"],
        Resource: arns,
      },
    ]);
  });

  it("grants data keys and decryption on a customer-managed key only", () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/k";
    expect(policy(false, key).Statement.at(-1)).to.deep.equal({
      Sid: "StreamKey",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: key,
    });
    expect(
      policy(false).Statement.some((s) => s.Action.some((a) => a.startsWith("kms:"))),
    ).to.equal(false);
  });

  it("never grants a wildcard action, and '*' only for ListStreams", () => {
    for (const s of [...policy(true, "arn:aws:kms:eu-west-1:1:key/k").Statement]) {
      expect(s.Action.every((a) => !a.includes("*"))).to.equal(true);
      if (s.Resource === "*") expect(s.Action).to.deep.equal(["kinesis:ListStreams"]);
    }
  });

  it("derives the prefix pattern from a stream ARN and rejects anything else", () => {
    expect(prefixStreamArnPattern(arns[0], "pin-dev")).to.equal(
      "arn:aws:kinesis:eu-west-1:123456789012:stream/streaming-pin-dev-*",
    );
    expect(() => prefixStreamArnPattern("arn:aws:s3:::bucket", "p")).to.throw(
      '"arn:aws:s3:::bucket" is not a Kinesis stream ARN.',
    );
  });

  it("trusts exactly the named service", () => {
    expect(serviceTrustPolicy("apigateway.amazonaws.com").Statement).to.deep.equal([
      {
        Effect: "Allow",
        Principal: { Service: "apigateway.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    ]);
  });
});

describe("Kinesis stream path alarms", () => {
  const alarms = streamPathAlarms({
    streams: { pin: "streaming-p-pin", geo: "streaming-p-geo", user: "streaming-p-user" },
    apiName: "p-stream-api",
    stageName: "v1",
  });
  const line = (a: (typeof alarms)[number]) =>
    [
      a.key,
      a.metricName,
      a.statistic,
      a.comparisonOperator,
      a.threshold,
      a.period,
      a.evaluationPeriods,
    ].join(" ");

  it("watches consumer lag and both throttles per stream, 5XX and sustained 4XX on the API", () => {
    expect(alarms.map(line)).to.deep.equal([
      "pin-iterator-age GetRecords.IteratorAgeMilliseconds Maximum GreaterThanOrEqualToThreshold 43200000 300 1",
      "pin-read-throttled ReadProvisionedThroughputExceeded Average GreaterThanThreshold 0 300 1",
      "pin-write-throttled WriteProvisionedThroughputExceeded Average GreaterThanThreshold 0 300 1",
      "geo-iterator-age GetRecords.IteratorAgeMilliseconds Maximum GreaterThanOrEqualToThreshold 43200000 300 1",
      "geo-read-throttled ReadProvisionedThroughputExceeded Average GreaterThanThreshold 0 300 1",
      "geo-write-throttled WriteProvisionedThroughputExceeded Average GreaterThanThreshold 0 300 1",
      "user-iterator-age GetRecords.IteratorAgeMilliseconds Maximum GreaterThanOrEqualToThreshold 43200000 300 1",
      "user-read-throttled ReadProvisionedThroughputExceeded Average GreaterThanThreshold 0 300 1",
      "user-write-throttled WriteProvisionedThroughputExceeded Average GreaterThanThreshold 0 300 1",
      "api-5xx 5XXError Sum GreaterThanThreshold 0 300 1",
      "api-4xx 4XXError Average GreaterThanThreshold 0.05 300 3",
    ]);
  });

  it("keys stream metrics by stream name and API metrics by API name and stage", () => {
    const alarm = (key: string) => alarms.find((a) => a.key === key);
    expect(alarm("geo-iterator-age")?.dimensions).to.deep.equal({ StreamName: "streaming-p-geo" });
    expect(alarm("api-5xx")?.dimensions).to.deep.equal({ ApiName: "p-stream-api", Stage: "v1" });
  });
});
