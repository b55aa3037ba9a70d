// The deployed mapping templates, rendered locally and sent to a real Kinesis API (kinesalite, in
// process) through the AWS SDK; records are read back with a separate SDK client. What this cannot
// prove: that real API Gateway's Java VTL renders byte-for-byte what velocityjs renders (see the
// known differences in local/gateway/vtl.ts), and IAM (kinesalite does not check permissions).
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
} from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { AddressInfo } from "net";
import { kinesisRoutes } from "../../../components/kinesis/kinesisApiTemplates";
import {
  createKinesisProxy,
  KinesisTransport,
  ProxyRequest,
  sdkKinesisTransport,
} from "../../../local/gateway/kinesisProxy";
import { renderMappingTemplate } from "../../../local/gateway/vtl";
import { waitForStreamActive } from "../../harness/kinesis";
import { waitFor } from "../../harness/waitFor";
import { kinesisClient } from "../../../emulator/kinesisClient";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const kinesalite = require("kinesalite") as (options: object) => import("http").Server;

const PREFIX = "pin-test";
const API_KEY = "test-key-0123456789";
const credentials = { accessKeyId: "local", secretAccessKey: "local" };

/** Row-like payloads covering what broke course clients: quotes, unicode, nesting, odd numbers. */
const PAYLOADS: [string, unknown][] = [
  [
    "a pin row",
    {
      index: 7528,
      unique_id: "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
      title: "No Title Data Available",
      description: "Cute nail art… \u00a0",
      poster_name: "Tom & Jerry | Crafts &amp; more",
      follower_count: "124k",
      tag_list: "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
      downloaded: 1,
      save_location: "Local save in /data/art",
    },
  ],
  ["unicode", { text: "Ünïcødé — 日本語 😀 ﷺ", rtl: "שלום", zeroWidth: "a\u200bb" }],
  ["quotes", { text: 'he said "hi" and it\'s <b>fine</b>', single: "'", double: '"' }],
  ["backslashes and controls", { path: "C:\\data\\new", controls: "tab\tnl\ncr\rnul\u0000" }],
  ["nested", { a: { b: { c: [1, { d: [[], {}, [null]] }] } }, empty: "" }],
  ["numbers", { int: -42, float: 3.14159, tiny: 1e-7, big: 1e21, zero: 0, lat: -89.9187 }],
  ["null and booleans", { nothing: null, yes: true, no: false }],
  ["a top-level string", "just a string with \"quotes\" and 'apostrophes'"],
  ["a top-level number", 12.5],
  ["a top-level array", [1, "two", { three: 3 }]],
  ["a top-level null", null],
];

describe("Kinesis proxy templates against kinesalite", function () {
  this.timeout(60000);
  let server: import("http").Server;
  let reader: KinesisClient;
  let transport: KinesisTransport & { destroy(): void };
  let kinesisCalls = 0;
  let streamCount = 0;
  let call: (request: ProxyRequest) => ReturnType<ReturnType<typeof createKinesisProxy>>;

  before(async () => {
    server = kinesalite({
      createStreamMs: 0,
      deleteStreamMs: 0,
      updateStreamMs: 0,
      shardLimit: 1000, // one fresh stream per test; the default is 10 shards
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = { endpoint, region: "eu-west-1", credentials };
    reader = kinesisClient(config);
    transport = sdkKinesisTransport(config);
    const counting: KinesisTransport = {
      call: (action, body) => {
        kinesisCalls++;
        return transport.call(action, body);
      },
    };
    const proxy = createKinesisProxy({
      routes: kinesisRoutes({ prefix: PREFIX, streamAdmin: true }),
      transport: counting,
      apiKeys: [API_KEY],
    });
    call = (request) =>
      proxy({ ...request, headers: { "x-api-key": API_KEY, ...request.headers } });
  });

  after(async () => {
    reader?.destroy();
    transport?.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A fresh one-shard stream under the prefix, so that each test reads only its own records. */
  async function freshStream(): Promise<string> {
    const name = `streaming-${PREFIX}-t${++streamCount}`;
    await reader.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await waitForStreamActive(reader, name, 1);
    return name;
  }

  /** Every record of the stream's one shard, oldest first, data as UTF-8 text. */
  async function readBack(stream: string) {
    const { ShardIterator } = await reader.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: "shardId-000000000000",
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    const records: { data: string; partitionKey: string; sequenceNumber: string }[] = [];
    let iterator = ShardIterator;
    for (;;) {
      const page = await reader.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const r of page.Records ?? []) {
        records.push({
          data: Buffer.from(r.Data ?? []).toString("utf8"),
          partitionKey: r.PartitionKey ?? "",
          sequenceNumber: r.SequenceNumber ?? "",
        });
      }
      if (!page.Records?.length) return records;
      iterator = page.NextShardIterator;
    }
  }

  const put = (stream: string, body: unknown, which: "record" | "records") => ({
    method: "PUT",
    path: `/streams/${stream}/${which}`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

  describe("PUT /streams/{stream-name}/record (PutRecord)", () => {
    for (const [label, data] of PAYLOADS) {
      it(`stores ${label} as exactly the JSON the client sent`, async () => {
        const stream = await freshStream();
        const body = { StreamName: stream, Data: data, PartitionKey: "partition-1" };
        const response = await call(put(stream, body, "record"));
        expect(response.statusCode, response.body).to.equal(200);
        const answer = JSON.parse(response.body);
        expect(answer.ShardId).to.equal("shardId-000000000000");
        const records = await readBack(stream);
        expect(records).to.have.length(1);
        expect(records[0].sequenceNumber).to.equal(answer.SequenceNumber);
        expect(records[0].partitionKey).to.equal("partition-1");
        expect(records[0].data).to.equal(JSON.stringify(data));
        expect(JSON.parse(records[0].data)).to.deep.equal(data);
      });
    }

    it("keeps a partition key with quotes and unicode intact", async () => {
      const stream = await freshStream();
      const key = `it's "key" ü 😀`;
      const response = await call(put(stream, { Data: { a: 1 }, PartitionKey: key }, "record"));
      expect(response.statusCode, response.body).to.equal(200);
      expect((await readBack(stream))[0].partitionKey).to.equal(key);
    });

    it("answers 400 with Kinesis's error when the stream does not exist", async () => {
      const response = await call(
        put(`streaming-${PREFIX}-nope`, { Data: 1, PartitionKey: "p" }, "record"),
      );
      expect(response.statusCode).to.equal(400);
      expect(JSON.parse(response.body).__type).to.equal("ResourceNotFoundException");
    });
  });

  describe("PUT /streams/{stream-name}/records (PutRecords)", () => {
    it("stores a 500-record batch, each record exactly the JSON the client sent", async () => {
      const stream = await freshStream();
      const records = Array.from({ length: 500 }, (_, i) => ({
        data: { seq: i, payload: PAYLOADS[i % PAYLOADS.length][1] },
        "partition-key": `key-${i % 7}`,
      }));
      const response = await call(put(stream, { StreamName: stream, records }, "records"));
      expect(response.statusCode, response.body.slice(0, 300)).to.equal(200);
      const answer = JSON.parse(response.body);
      expect(answer.FailedRecordCount).to.equal(0);
      expect(answer.Records).to.have.length(500);
      const stored = await readBack(stream);
      expect(stored.map((r) => r.sequenceNumber)).to.deep.equal(
        answer.Records.map((r: { SequenceNumber: string }) => r.SequenceNumber),
      );
      stored.forEach((r, i) => {
        expect(r.data, `record ${i}`).to.equal(JSON.stringify(records[i].data));
        expect(r.partitionKey).to.equal(records[i]["partition-key"]);
      });
    });

    it("keeps every payload kind, top-level strings and nulls included", async () => {
      const stream = await freshStream();
      const records = PAYLOADS.map(([, data], i) => ({ data, "partition-key": `k${i}` }));
      const response = await call(put(stream, { records }, "records"));
      expect(response.statusCode, response.body).to.equal(200);
      const stored = await readBack(stream);
      expect(stored.map((r) => JSON.parse(r.data))).to.deep.equal(PAYLOADS.map(([, d]) => d));
    });

    it("shows why the course's template failed: Kinesis accepts Java map text, not JSON", async () => {
      // The widely copied template (docs/pipeline.md §6): base64 of $elem.data, an object, which
      // Velocity prints as {key=value}. Kinesis accepts it, so the corruption is silent.
      const courseTemplate = `{
  "StreamName": "$input.params('stream-name')",
  "Records": [
    #foreach($elem in $input.path('$.records'))
    {
      "Data": "$util.base64Encode($elem.data)",
      "PartitionKey": "$elem.partition-key"
    }#if($foreach.hasNext),#end
    #end
  ]
}`;
      const stream = await freshStream();
      const data = { index: 1, title: "Hello, world", tags: ["a", "b"] };
      const rendered = renderMappingTemplate(courseTemplate, {
        body: JSON.stringify({ records: [{ data, "partition-key": "p" }] }),
        path: { "stream-name": stream },
      });
      const answer = await transport.call("PutRecords", rendered);
      expect(answer.statusCode).to.equal(200);
      expect(JSON.parse(answer.body).FailedRecordCount).to.equal(0);
      const [stored] = await readBack(stream);
      expect(stored.data).to.equal("{index=1, title=Hello, world, tags=[a, b]}");
      expect(() => JSON.parse(stored.data)).to.throw(SyntaxError);
    });
  });

  describe("request validation at the edge", () => {
    const bad: [string, "record" | "records", unknown, string][] = [
      ["a PutRecord body without PartitionKey", "record", { Data: {} }, "PartitionKey"],
      ["a PutRecord body without Data", "record", { PartitionKey: "p" }, "Data"],
      ["an empty partition key", "record", { Data: 1, PartitionKey: "" }, "/PartitionKey"],
      ["an unknown field", "record", { Data: 1, PartitionKey: "p", Extra: 1 }, "Extra"],
      ["a PutRecords body with Kinesis's own field names", "records", { Records: [] }, "records"],
      ["an empty batch", "records", { records: [] }, "/records"],
      ["a record without partition key", "records", { records: [{ data: 1 }] }, "partition-key"],
      [
        "501 records",
        "records",
        { records: Array.from({ length: 501 }, () => ({ data: 1, "partition-key": "p" })) },
        "must NOT have more than 500 items",
      ],
    ];
    for (const [label, which, body, detail] of bad) {
      it(`answers 400 to ${label} and never calls Kinesis`, async () => {
        const before = kinesisCalls;
        const response = await call(put(`streaming-${PREFIX}-pin`, body, which));
        expect(response.statusCode).to.equal(400);
        expect(response.headers["content-type"]).to.equal("text/plain");
        expect(response.body).to.match(/^Invalid request body: \[.+\]$/);
        expect(response.body).to.include(detail);
        expect(kinesisCalls).to.equal(before);
      });
    }

    it("answers 400 to a body that is not JSON", async () => {
      const response = await call({
        method: "PUT",
        path: `/streams/streaming-${PREFIX}-pin/record`,
        body: '{"Data": {k=v}}',
      });
      expect(response.statusCode).to.equal(400);
      expect(response.body).to.match(/^Invalid request body: \[the body is not JSON: /);
    });

    it("refuses requests without the API key, unknown routes and other content types", async () => {
      const proxyRequest = put(`streaming-${PREFIX}-pin`, { Data: 1, PartitionKey: "p" }, "record");
      const before = kinesisCalls;
      const noKey = await call({ ...proxyRequest, headers: { "x-api-key": "wrong" } });
      expect([noKey.statusCode, JSON.parse(noKey.body)]).to.deep.equal([
        403,
        { message: "Forbidden" },
      ]);
      const unknown = await call({ method: "POST", path: "/streams/x/record" });
      expect([unknown.statusCode, JSON.parse(unknown.body).message]).to.deep.equal([
        403,
        "Missing Authentication Token",
      ]);
      const text = await call({ ...proxyRequest, headers: { "content-type": "text/plain" } });
      expect(text.statusCode).to.equal(415);
      expect(kinesisCalls).to.equal(before);
    });
  });

  describe("stream routes", () => {
    it("lists only this stack's streams", async () => {
      const mine = await freshStream();
      await reader.send(
        new CreateStreamCommand({ StreamName: "another-team-stream", ShardCount: 1 }),
      );
      const response = await call({ method: "GET", path: "/streams" });
      expect(response.statusCode).to.equal(200);
      const answer = JSON.parse(response.body);
      expect(answer.StreamNames).to.include(mine);
      expect(
        answer.StreamNames.every((n: string) => n.startsWith(`streaming-${PREFIX}-`)),
      ).to.equal(true);
      expect(answer.HasMoreStreams).to.be.a("boolean");
    });

    it("describes a stream", async () => {
      const stream = await freshStream();
      const response = await call({ method: "GET", path: `/streams/${stream}` });
      expect(response.statusCode).to.equal(200);
      const { StreamDescription } = JSON.parse(response.body);
      expect(StreamDescription.StreamName).to.equal(stream);
      expect(StreamDescription.Shards).to.have.length(1);
    });

    it("creates a stream with the default or the requested shard count, and deletes it", async () => {
      const one = `streaming-${PREFIX}-scratch-1`;
      const two = `streaming-${PREFIX}-scratch-2`;
      const created = await call({ method: "POST", path: `/streams/${one}`, body: "{}" });
      expect([
        created.statusCode,
        created.integrationRequest && JSON.parse(created.integrationRequest),
      ]).to.deep.equal([200, { StreamName: one, ShardCount: 1 }]);
      const withTwo = await call({
        method: "POST",
        path: `/streams/${two}`,
        body: '{"ShardCount": 2}',
      });
      expect(withTwo.statusCode).to.equal(200);
      // CreateStream only starts the creation; describe once the stream is ACTIVE.
      await waitForStreamActive(reader, two, 2);
      const described = await call({ method: "GET", path: `/streams/${two}` });
      expect(JSON.parse(described.body).StreamDescription.Shards).to.have.length(2);
      const tooMany = await call({
        method: "POST",
        path: `/streams/${one}x`,
        body: '{"ShardCount": 5}',
      });
      expect(tooMany.statusCode).to.equal(400);
      const deleted = await call({ method: "DELETE", path: `/streams/${two}` });
      expect(deleted.statusCode).to.equal(200);
      // DeleteStream is asynchronous too (the stream is DELETING first): wait until it is gone.
      const gone = await waitFor(
        `stream ${two} to be deleted`,
        () => call({ method: "GET", path: `/streams/${two}` }),
        (answer) => answer.statusCode !== 200,
      );
      expect([gone.statusCode, JSON.parse(gone.body).__type]).to.deep.equal([
        400,
        "ResourceNotFoundException",
      ]);
    });

    it("reads records back through the API: shard iterator, then records", async () => {
      const stream = await freshStream();
      const data = PAYLOADS[0][1];
      await call(put(stream, { Data: data, PartitionKey: "p" }, "record"));
      const missing = await call({ method: "GET", path: `/streams/${stream}/sharditerator` });
      expect([missing.statusCode, JSON.parse(missing.body).message]).to.deep.equal([
        400,
        "Missing required request parameters: [shard-id]",
      ]);
      const iterator = await call({
        method: "GET",
        path: `/streams/${stream}/sharditerator`,
        query: { "shard-id": "shardId-000000000000" },
      });
      expect(iterator.statusCode).to.equal(200);
      const records = await call({
        method: "GET",
        path: `/streams/${stream}/records`,
        headers: { "Shard-Iterator": JSON.parse(iterator.body).ShardIterator },
      });
      expect(records.statusCode).to.equal(200);
      const [record] = JSON.parse(records.body).Records;
      expect(JSON.parse(Buffer.from(record.Data, "base64").toString("utf8"))).to.deep.equal(data);
    });
  });
});
