import { expect } from "chai";
import * as fs from "fs";
import type { Server } from "http";
import * as mysql from "mysql2/promise";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { main } from "../../../emulator/cli";
import { localStacks } from "../../../emulator/outputs";
import { connect, ensureSchema, loadRows } from "../../../emulator/source/loader";
import { createGateway } from "../../../local/gateway/server";
import { LocalKinesis, startKinesis } from "../../harness/kinesis";
import { scratchDatabase } from "../../harness/mysql";

const STREAMS = { pin: "streaming-gw-pin", geo: "streaming-gw-geo", user: "streaming-gw-user" };
const KEY = "local-test-key-123";

// The local gateway's stream API (the stack's own routes, models and templates) in front of a real
// Kinesis API, driven by the emulator's API transport.
describe("local gateway: stream API", function () {
  this.timeout(120_000);
  let kinesis: LocalKinesis;
  let gateway: Server;
  let base: string;
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let source: mysql.Connection;
  let dir: string;
  const saved = { ...process.env };

  before(async () => {
    kinesis = await startKinesis();
    await kinesis.createStreams(Object.values(STREAMS));
    gateway = createGateway({
      prefix: "gw",
      restProxyUrl: "http://127.0.0.1:9",
      kinesisEndpoint: kinesis.endpoint,
      apiKey: KEY,
    });
    await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    db = await scratchDatabase();
    source = await connect(db.settings);
    await ensureSchema(source);
    await loadRows(source, { seed: 9, rows: 700 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gateway-"));
    Object.assign(process.env, {
      MYSQL_USER: db.settings.user,
      MYSQL_PASSWORD: db.settings.password,
    });
  });
  after(async () => {
    process.env = saved;
    await new Promise((resolve) => gateway?.close(resolve));
    await kinesis?.close();
    await source?.end();
    await db?.drop();
    fs.rmSync(path.join(localStacks(), "gw-test.checkpoint.json"), { force: true });
  });

  const put = (body: unknown, key: string | null = KEY) =>
    fetch(`${base}/stream/streams/${STREAMS.pin}/records`, {
      method: "PUT",
      headers: { "content-type": "application/json", ...(key ? { "x-api-key": key } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("carries every source row through the emulator's API transport as exact JSON", async () => {
    const outputs = {
      contractVersion: 1,
      prefix: "gw",
      region: "eu-west-1",
      sourceDatabase: {
        host: db.settings.host,
        port: db.settings.port,
        databaseName: db.settings.database,
        secretArn: "",
      },
      stream: {
        invokeUrl: `${base}/stream`,
        apiKeyId: "local",
        streams: STREAMS,
        kinesisEndpoint: kinesis.endpoint,
      },
    };
    const file = path.join(dir, "outputs.json");
    fs.writeFileSync(file, JSON.stringify({ pipeline: outputs }));
    const keyFile = path.join(dir, "key");
    fs.writeFileSync(keyFile, KEY);
    const log = console.log;
    console.log = () => undefined;
    try {
      expect(
        await main([
          "--stack",
          "gw-test",
          "--outputs",
          file,
          "--api-key-file",
          keyFile,
          "--batch-size",
          "300",
        ]),
      ).to.equal(0);
    } finally {
      console.log = log;
    }
    const [rows] = await source.query<mysql.RowDataPacket[]>(
      "SELECT * FROM pinterest_data ORDER BY `index`",
    );
    const landed = (await kinesis.readAll(STREAMS.pin))
      .map((t) => JSON.parse(t))
      .sort((a, b) => a.index - b.index);
    expect(landed).to.deep.equal(rows.map((r) => ({ ...r })));
    expect((await kinesis.readAll(STREAMS.user)).length).to.equal(700);
  });

  it("refuses a request without the API key, and nothing reaches Kinesis", async () => {
    const before = (await kinesis.readAll(STREAMS.pin)).length;
    const answer = await put({ records: [{ data: { a: 1 }, "partition-key": "k" }] }, null);
    expect(answer.status).to.equal(403);
    expect(await answer.json()).to.deep.equal({ message: "Forbidden" });
    expect(
      (await put({ records: [{ data: { a: 1 }, "partition-key": "k" }] }, "wrong")).status,
    ).to.equal(403);
    expect((await kinesis.readAll(STREAMS.pin)).length).to.equal(before);
  });

  it("answers 400 with the model's complaint for a bad body, and nothing reaches Kinesis", async () => {
    const before = (await kinesis.readAll(STREAMS.pin)).length;
    const missingKey = await put({ records: [{ data: { a: 1 } }] });
    expect(missingKey.status).to.equal(400);
    expect(await missingKey.text()).to.match(/^Invalid request body: .*partition-key/);
    const notJson = await put("{records: nope");
    expect(notJson.status).to.equal(400);
    const tooMany = await put({
      records: Array.from({ length: 501 }, (_, i) => ({ data: { i }, "partition-key": "k" })),
    });
    expect(tooMany.status).to.equal(400);
    expect((await kinesis.readAll(STREAMS.pin)).length).to.equal(before);
  });

  it("answers 504 on the batch API when the REST proxy is down, and 403 on unknown paths", async () => {
    const down = await fetch(`${base}/batch/topics/gw.pin`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/vnd.kafka.json.v2+json" },
      body: JSON.stringify({ records: [{ value: { a: 1 } }] }),
    });
    expect(down.status).to.equal(504);
    expect((await fetch(`${base}/elsewhere`)).status).to.equal(403);
  });
});
