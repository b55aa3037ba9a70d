import { expect } from "chai";
import * as fs from "fs";
import * as mysql from "mysql2/promise";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { main } from "../../emulator/cli";
import { connect, ensureSchema, loadRows } from "../../emulator/source/loader";
import { localStacks } from "../../emulator/outputs";
import { runMain } from "../harness/cliRun";
import { startFaultProxy } from "../harness/faultProxy";
import { startKinesis, LocalKinesis } from "../harness/kinesis";
import { scratchDatabase } from "../harness/mysql";
import { waitFor } from "../harness/waitFor";

const ROWS = 1200;
const STREAMS = { pin: "streaming-emu-pin", geo: "streaming-emu-geo", user: "streaming-emu-user" };

// The emulator's stream path, direct transport, against a real Kinesis API (kinesalite) and a
// real MariaDB; faults are injected by a proxy in front of the real server.
describe("emulator → Kinesis (direct)", function () {
  this.timeout(180_000);
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let source: mysql.Connection;
  let kinesis: LocalKinesis;
  let dir: string;
  let savedEnv: NodeJS.ProcessEnv;
  let printed: string[];
  const log = console.log;

  before(async () => {
    db = await scratchDatabase();
    source = await connect(db.settings);
    await ensureSchema(source);
    await loadRows(source, { seed: 42, rows: ROWS });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "emulate-"));
    savedEnv = { ...process.env };
    // kinesalite accepts any signature; explicit keys keep the SDK from probing instance metadata.
    Object.assign(process.env, {
      MYSQL_USER: db.settings.user,
      MYSQL_PASSWORD: db.settings.password,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
  });
  after(async () => {
    process.env = savedEnv;
    await source?.end();
    await db?.drop();
    fs.rmSync(path.join(localStacks(), "emu-test.checkpoint.json"), { force: true });
  });
  beforeEach(async () => {
    kinesis = await startKinesis();
    await kinesis.createStreams(Object.values(STREAMS));
    printed = [];
    console.log = (line: string) => printed.push(line);
  });
  afterEach(async () => {
    console.log = log;
    await kinesis.close();
  });

  function outputsFile(kinesisEndpoint: string, extra: object = {}): string {
    const file = path.join(dir, `outputs-${Math.random().toString(16).slice(2)}.json`);
    const outputs = {
      contractVersion: 1,
      prefix: "emu",
      region: "eu-west-1",
      sourceDatabase: {
        host: db.settings.host,
        port: db.settings.port,
        databaseName: db.settings.database,
        secretArn: "",
      },
      stream: {
        invokeUrl: "http://127.0.0.1:9",
        apiKeyId: "local",
        streams: STREAMS,
        kinesisEndpoint,
      },
      ...extra,
    };
    fs.writeFileSync(file, JSON.stringify({ pipeline: outputs }));
    return file;
  }

  const emulate = (file: string, ...args: string[]) =>
    main([
      "--stack",
      "emu-test",
      "--outputs",
      file,
      "--via",
      "direct",
      "--paths",
      "stream",
      ...args,
    ]);

  async function expectExactlySource(stream: string, table: string, key: string) {
    const [rows] = await source.query<mysql.RowDataPacket[]>(
      `SELECT * FROM ${table} ORDER BY \`${key}\``,
    );
    const landed = (await kinesis.readAll(stream)).map((text) => JSON.parse(text));
    landed.sort((a, b) => a[key] - b[key]);
    expect(landed.length).to.equal(rows.length);
    expect(landed).to.deep.equal(rows.map((r) => ({ ...r })));
  }

  it("sends every row of the three tables exactly once, as the exact JSON of the row", async () => {
    const code = await emulate(outputsFile(kinesis.endpoint), "--batch-size", "250");
    expect(code, printed.join("\n")).to.equal(0);
    await expectExactlySource(STREAMS.pin, "pinterest_data", "index");
    await expectExactlySource(STREAMS.geo, "geolocation_data", "ind");
    await expectExactlySource(STREAMS.user, "user_data", "ind");
    // 1200 rows in pages of 250: 5 requests per stream.
    expect(printed.join("\n")).to.match(/streaming-emu-pin\s+1200\s+5\s+0\s+0/);
  });

  it("loses nothing when Kinesis throttles part of each batch and fails whole requests", async () => {
    const proxy = await startFaultProxy(kinesis.endpoint);
    try {
      proxy.failNext(3, 500, '{"__type":"InternalFailure","message":"injected"}');
      proxy.partialPutRecords(6, (i) => i % 3 !== 0);
      const code = await emulate(
        outputsFile(proxy.url),
        "--batch-size",
        "400",
        "--concurrency",
        "2",
      );
      expect(code, printed.join("\n")).to.equal(0);
      expect(proxy.injected).to.equal(9);
      await expectExactlySource(STREAMS.pin, "pinterest_data", "index");
      await expectExactlySource(STREAMS.geo, "geolocation_data", "ind");
      await expectExactlySource(STREAMS.user, "user_data", "ind");
      const retries = printed.join("\n").match(/streaming-emu-\w+\s+1200\s+\d+\s+(\d+)\s+0/g) ?? [];
      expect(retries).to.have.length(3);
    } finally {
      await proxy.close();
    }
  });

  it("survives the source database connection being killed mid-run", async () => {
    const admin = await mysql.createConnection({ ...db.settings });
    let killed = 0;
    const killer = setInterval(async () => {
      const [procs] = await admin.query<mysql.RowDataPacket[]>(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID NOT IN (CONNECTION_ID(), ?)",
        [db.settings.database, source.threadId],
      );
      for (const p of procs.filter(() => killed < 2)) {
        await admin.query(`KILL ${p.ID}`).catch(() => undefined);
        killed++;
      }
    }, 60);
    try {
      const code = await emulate(
        outputsFile(kinesis.endpoint),
        "--batch-size",
        "50",
        "--rate",
        "4000",
      );
      expect(code, printed.join("\n")).to.equal(0);
    } finally {
      clearInterval(killer);
      await admin.end();
    }
    expect(killed).to.be.greaterThan(0);
    await expectExactlySource(STREAMS.user, "user_data", "ind");
  });

  it("resumes after an interruption without re-sending delivered pages", async () => {
    const file = outputsFile(kinesis.endpoint);
    const checkpointFile = path.join(localStacks(), "emu-test.checkpoint.json");
    fs.rmSync(checkpointFile, { force: true });
    // Interrupt once the first page is delivered (its checkpoint is written), not after a fixed
    // time: on a busy machine a timer could fire before anything was sent or after everything was.
    const controller = new AbortController();
    const interrupted = waitFor(
      "the first delivered page's checkpoint",
      () => fs.existsSync(checkpointFile),
      Boolean,
      { timeoutMs: 60_000, intervalMs: 5 },
    ).then(() => controller.abort());
    const first = await main(
      [
        "--stack",
        "emu-test",
        "--outputs",
        file,
        "--via",
        "direct",
        "--paths",
        "stream",
        "--batch-size",
        "100",
        "--rate",
        "400",
      ],
      controller.signal,
    );
    await interrupted;
    expect(first).to.equal(130);
    const checkpoint = JSON.parse(fs.readFileSync(checkpointFile, "utf8"));
    expect(checkpoint.lastDeliveredIndex).to.be.within(0, ROWS - 2);
    const second = await emulate(file, "--batch-size", "100", "--resume");
    expect(second).to.equal(0);
    await expectExactlySource(STREAMS.geo, "geolocation_data", "ind");
  });

  it("random mode re-sends rows, as the course's emulator does", async () => {
    const code = await emulate(
      outputsFile(kinesis.endpoint),
      "--mode",
      "random",
      "--rows",
      "2000",
      "--seed",
      "100",
    );
    expect(code).to.equal(0);
    const landed = (await kinesis.readAll(STREAMS.pin)).map((t) => JSON.parse(t).index);
    expect(landed).to.have.length(2000);
    expect(new Set(landed).size).to.be.lessThan(2000);
    expect(Math.max(...landed)).to.be.lessThan(ROWS);
  });

  it("exits non-zero naming the missing stream", async () => {
    const file = outputsFile(kinesis.endpoint, {
      stream: {
        invokeUrl: "http://127.0.0.1:9",
        apiKeyId: "local",
        streams: { ...STREAMS, user: "no-such-stream" },
        kinesisEndpoint: kinesis.endpoint,
      },
    });
    expect(await emulate(file, "--rows", "10")).to.equal(1);
    expect(printed.join("\n")).to.include("stopped: stream no-such-stream does not exist");
  });

  it("retries an API that does not answer, then stops naming it, with nothing counted as sent", async () => {
    // A port that was just free: nothing listens there, so every connection is refused.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const file = outputsFile(kinesis.endpoint, {
      stream: {
        invokeUrl: `http://127.0.0.1:${port}/v1`,
        apiKeyId: "local",
        streams: STREAMS,
        kinesisEndpoint: kinesis.endpoint,
      },
    });
    process.env.PIPELINE_API_KEY = "a-key-nobody-checks";
    const report = path.join(dir, "unreachable-report.json");
    try {
      const code = await main([
        "--stack",
        "emu-unreachable",
        "--outputs",
        file,
        "--via",
        "api",
        "--paths",
        "stream",
        "--rows",
        "20",
        "--report",
        report,
      ]);
      expect(code).to.equal(1);
    } finally {
      delete process.env.PIPELINE_API_KEY;
      fs.rmSync(path.join(localStacks(), "emu-unreachable.checkpoint.json"), { force: true });
    }
    const out = printed.join("\n");
    expect(out).to.match(
      new RegExp(
        `stopped: .*http://127\\.0\\.0\\.1:${port}/v1/streams/.* did not answer \\(ECONNREFUSED\\) \\(gave up after 8 attempts\\)`,
      ),
    );
    const summary = JSON.parse(fs.readFileSync(report, "utf-8"));
    const stats = Object.values(
      summary.stats as Record<string, { rows: number; requests: number }>,
    );
    expect(stats.map((t) => t.rows)).to.deep.equal([0, 0, 0]);
    expect(Math.max(...stats.map((t) => t.requests))).to.equal(8);
    const undelivered = Object.values(summary.undelivered as Record<string, number[]>);
    expect(undelivered.some((indexes) => indexes.length > 0)).to.equal(true);
    expect(summary.checkpoint ?? 0).to.equal(0);
    for (const stream of Object.values(STREAMS))
      expect(await kinesis.readAll(stream)).to.deep.equal([]);
  });

  it("rejects an outputs file missing a field, naming it", async () => {
    const file = path.join(dir, "broken.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        pipeline: { contractVersion: 1, prefix: "emu", stream: { invokeUrl: "x" } },
      }),
    );
    const { code, err } = await runMain(() => emulate(file), []);
    expect(code).to.equal(1);
    expect(err).to.include(`Stack outputs from ${file} do not follow the contract`);
    expect(err).to.include("pipeline.region: missing");
    expect(err).to.include("pipeline.stream.streams: missing");
  });

  it("refuses a source table of the wrong shape", async () => {
    const other = await scratchDatabase();
    const conn = await connect(other.settings);
    await conn.query("CREATE TABLE pinterest_data (id INT PRIMARY KEY)");
    await conn.query("CREATE TABLE geolocation_data (ind INT PRIMARY KEY)");
    await conn.query("CREATE TABLE user_data (ind INT PRIMARY KEY)");
    await conn.end();
    const file = outputsFile(kinesis.endpoint, {
      sourceDatabase: {
        host: other.settings.host,
        port: other.settings.port,
        databaseName: other.settings.database,
        secretArn: "",
      },
    });
    try {
      const { code, err } = await runMain(() => emulate(file), []);
      expect(code).to.equal(1);
      expect(err).to.include("pinterest_data has no `index` column");
    } finally {
      await other.drop();
    }
  });
});
