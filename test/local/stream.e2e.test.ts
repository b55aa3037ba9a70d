import { s3SinkObjectKey } from "../../components/kafka/s3SinkConnectorConfig";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  KinesisClient,
  ListStreamsCommand,
  PutRecordCommand,
} from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { ChildProcess, execFile, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { main } from "../../emulator/cli";
import type { PipelineOutputs } from "../../stacks/contract";
import { kinesisClient, readStream, waitForStreamActive } from "../harness/kinesis";
import { landedLines } from "../harness/landed";
import { emulatorEnv, localS3, ScratchSource, scratchSource } from "../harness/replicaSource";
import { runIndexOffset } from "../harness/runIndex";
import { REPO_ROOT } from "../../tools/pulumi-mock/mockRun";
import { waitFor } from "../harness/waitFor";

const ROWS = 150;
const SEED = 1 + Math.floor(Math.random() * 2 ** 30);
// Lane 1: the replica e2e suite uses lane 0, so the two never share an index on a kept replica.
const INDEX_OFFSET = runIndexOffset(1);
// Streams and tables of this run: `streaming-se2e<run><scenario>-<table>`. kinesalite allows 10
// shards in all (the replica's own streams take 3), so each scenario deletes its streams after.
const STREAM_PREFIX = "se2e";
const RUN = `${STREAM_PREFIX}${Math.random().toString(36).slice(2, 8)}`;
const TABLES = ["pin", "geo", "user"] as const;
const PYTHON = path.join(REPO_ROOT, ".venv", "bin", "python");
const run = promisify(execFile);

interface Counts {
  read: number;
  malformed: number;
  dropped: number;
  written: number;
}

/** The per-table lines `python -m pinterest_etl.local.stream` prints. */
function parseReport(out: string): Record<string, Counts> {
  const report: Record<string, Counts> = {};
  const line =
    /^\s+(pin|geo|user)\s*: (\d+) records read, (\d+) malformed, (\d+) duplicates dropped, (\d+) rows written/gm;
  for (const m of out.matchAll(line))
    report[m[1]] = { read: +m[2], malformed: +m[3], dropped: +m[4], written: +m[5] };
  expect(Object.keys(report), out).to.have.members([...TABLES]);
  return report;
}

// Reads Delta tables without a Spark session: the parquet files the log adds and does not
// remove (these tables have no deletion vectors or column mapping), one JSON object per table.
const READ_TABLES = `
import json, os, sys, urllib.parse
import pyarrow.parquet as pq
def rows(path):
    adds, removed = [], set()
    log = os.path.join(path, "_delta_log")
    for name in sorted(n for n in os.listdir(log) if n.endswith(".json")):
        for line in open(os.path.join(log, name)):
            action = json.loads(line)
            if "add" in action: adds.append(action["add"]["path"])
            if "remove" in action: removed.add(action["remove"]["path"])
    files = [os.path.join(path, urllib.parse.unquote(p)) for p in adds if p not in removed]
    return [r for f in files for r in pq.read_table(f).to_pylist()]
print(json.dumps({n: rows(os.path.join(sys.argv[1], n)) for n in sys.argv[2:]}, default=str))
`;

/** Rows of each Delta table under `warehouse`, sorted by their key. */
async function tables(warehouse: string, names: string[]): Promise<Record<string, any[]>> {
  const { stdout } = await run(PYTHON, ["-c", READ_TABLES, warehouse, ...names], {
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = JSON.parse(stdout) as Record<string, any[]>;
  for (const rows of Object.values(out)) rows.sort((a, b) => a.ind - b.ind);
  return out;
}

/** Rows committed to a Delta table so far, from its log's file statistics (0 before any). */
function committedRows(table: string): number {
  const log = path.join(table, "_delta_log");
  if (!fs.existsSync(log)) return 0;
  let rows = 0;
  for (const name of fs.readdirSync(log).filter((n) => n.endsWith(".json")))
    for (const line of fs.readFileSync(path.join(log, name), "utf8").split("\n").filter(Boolean)) {
      const action = JSON.parse(line);
      if (action.add?.stats) rows += JSON.parse(action.add.stats).numRecords;
    }
  return rows;
}

// The stream path end to end on the replica (`local/replica.sh up`): the emulator sends a scratch
// source through the local stream API (the gateway's deployed templates) into kinesalite; the
// streaming job (`pinterest_etl.local.stream`: the notebook's code over the local Kinesis source)
// writes the stream tables; the batch path (REST proxy, Kafka, S3 sink, batch job) gives the
// cleaned rows they must equal. What the replica cannot prove: Databricks' own Kinesis source.
describe("stream path end to end on the replica", function () {
  this.timeout(30 * 60_000);
  let outputs: PipelineOutputs;
  let scratch: ScratchSource;
  let kinesis: KinesisClient;
  let dir: string;
  let warehouse: string;
  let batchRows: Record<string, any[]>;
  const keyFile = path.join(REPO_ROOT, ".local", "stacks", "local.api-key");
  const saved = { ...process.env };

  const base = (scenario: string) => `${RUN}${scenario}`;
  const streamsOf = (scenario: string) =>
    Object.fromEntries(TABLES.map((t) => [t, `streaming-${base(scenario)}-${t}`])) as Record<
      (typeof TABLES)[number],
      string
    >;

  before(async () => {
    execFileSync(path.join(REPO_ROOT, "local", "replica.sh"), ["up"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    outputs = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, ".local", "stacks", "local.json"), "utf8"),
    ).pipeline;
    kinesis = kinesisClient(outputs.stream!.kinesisEndpoint);
    // Streams an interrupted earlier run left behind would hold kinesalite's few shards.
    const { StreamNames = [] } = await kinesis.send(new ListStreamsCommand({ Limit: 1000 }));
    for (const name of StreamNames.filter((n) => n.startsWith(`streaming-${STREAM_PREFIX}`)))
      await kinesis.send(new DeleteStreamCommand({ StreamName: name }));
    scratch = await scratchSource({ seed: SEED, rows: ROWS, indexOffset: INDEX_OFFSET });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stream-e2e-"));
    warehouse = path.join(dir, "warehouse");
    Object.assign(process.env, emulatorEnv(scratch));
  });
  after(async () => {
    process.env = saved;
    for (const scenario of ["a", "r", "k"]) await deleteStreams(scenario).catch(() => undefined);
    kinesis?.destroy();
    await scratch?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    for (const stack of ["e2e-stream", "e2e-stream-k"])
      fs.rmSync(path.join(REPO_ROOT, ".local", "stacks", `${stack}.checkpoint.json`), {
        force: true,
      });
  });

  async function createStreams(scenario: string): Promise<void> {
    for (const StreamName of Object.values(streamsOf(scenario)))
      await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
    for (const StreamName of Object.values(streamsOf(scenario)))
      await waitForStreamActive(kinesis, StreamName, 1);
  }

  async function deleteStreams(scenario: string): Promise<void> {
    const { StreamNames = [] } = await kinesis.send(new ListStreamsCommand({ Limit: 1000 }));
    for (const StreamName of Object.values(streamsOf(scenario)).filter((n) =>
      StreamNames.includes(n),
    ))
      await kinesis.send(new DeleteStreamCommand({ StreamName }));
  }

  /** An outputs file for the emulator: the scratch source and this scenario's streams. */
  function outputsFile(scenario: string): string {
    const file = path.join(dir, `outputs-${scenario}.json`);
    const scenarioOutputs = {
      ...outputs,
      sourceDatabase: { ...outputs.sourceDatabase!, databaseName: scratch.settings.database },
      stream: { ...outputs.stream!, streams: streamsOf(scenario) },
    };
    fs.writeFileSync(file, JSON.stringify({ pipeline: scenarioOutputs }));
    return file;
  }

  async function emulate(args: string[]): Promise<void> {
    const log = console.log;
    const printed: string[] = [];
    console.log = (line: string) => printed.push(line);
    try {
      expect(await main([...args, "--api-key-file", keyFile]), printed.join("\n")).to.equal(0);
    } finally {
      console.log = log;
    }
  }

  async function streamJob(scenario: string): Promise<Record<string, Counts>> {
    const { stdout } = await run(
      PYTHON,
      ["-m", "pinterest_etl.local.stream", "--prefix", base(scenario), "--warehouse", warehouse,
       "--endpoint", outputs.stream!.kinesisEndpoint],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
    ); // prettier-ignore
    return parseReport(stdout);
  }

  const streamTable = (scenario: string, table: string) => `${base(scenario)}_${table}_stream`;

  /** Landed S3 records of one topic whose key is in this run's index range. */
  async function landedOurs(s3: S3Client, topic: string, key: string): Promise<string[]> {
    return (await landedLines(s3, outputs.batch!.bucketName, topic))
      .map(({ line }) => line)
      .filter((line) => {
        const k = JSON.parse(line)[key];
        return k >= INDEX_OFFSET && k < INDEX_OFFSET + ROWS;
      });
  }

  it("lands every row sent through the stream API exactly once, equal column by column to the batch path's cleaned rows", async () => {
    await createStreams("a");
    fs.rmSync(path.join(REPO_ROOT, ".local", "stacks", "e2e-stream.checkpoint.json"), {
      force: true,
    });
    await emulate(["--stack", "e2e-stream", "--outputs", outputsFile("a"), "--batch-size", "50"]);

    // The batch path for the same source rows: what the S3 sink landed, through the batch job.
    const s3 = localS3();
    const raw = path.join(dir, "raw");
    for (const table of TABLES) {
      const key = table === "pin" ? "index" : "ind";
      const lines = await waitFor(
        `the S3 sink to land this run's ${ROWS} ${table} records`,
        () => landedOurs(s3, outputs.batch!.topics[table], key),
        (l) => l.length >= ROWS,
        { timeoutMs: 180_000, intervalMs: 1000, show: (l) => `${l.length} landed` },
      );
      const topic = `${base("a")}.${table}`;
      // The sink's layout (s3SinkObjectKey), one Kafka cluster's folder.
      const key0 = s3SinkObjectKey("cluster-1", topic, 0, 0);
      const folder = path.join(raw, path.dirname(key0));
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(raw, key0), lines.join("\n"));
    }
    s3.destroy();
    await run(
      PYTHON,
      ["-m", "pinterest_etl.local.batch", "--source-root", raw, "--prefix", base("a"),
       "--warehouse", warehouse, "--max-rows", "1"],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
    ); // prettier-ignore
    batchRows = await tables(
      warehouse,
      TABLES.map((t) => `${base("a")}_${t}`),
    );

    const report = await streamJob("a");
    for (const table of TABLES)
      expect(report[table], table).to.deep.equal({
        read: ROWS,
        malformed: 0,
        dropped: 0,
        written: ROWS,
      });
    const streamed = await tables(
      warehouse,
      TABLES.map((t) => streamTable("a", t)),
    );
    for (const table of TABLES) {
      const batch = batchRows[`${base("a")}_${table}`];
      expect(batch.map((r) => r.ind)).to.deep.equal(
        Array.from({ length: ROWS }, (_, i) => INDEX_OFFSET + i),
      );
      expect(streamed[streamTable("a", table)], table).to.deep.equal(batch);
    }
  });

  it("adds nothing when run again, and sends a record that is not JSON to the malformed table, named by stream/shard/sequence number", async () => {
    const stream = streamsOf("a").pin;
    const text = `{k=v} not json ${RUN}`;
    const put = await kinesis.send(
      new PutRecordCommand({ StreamName: stream, Data: Buffer.from(text), PartitionKey: "bad" }),
    );
    const report = await streamJob("a");
    expect(report.pin).to.deep.equal({ read: 1, malformed: 1, dropped: 0, written: 0 });
    for (const table of ["geo", "user"])
      expect(report[table]).to.deep.equal({ read: 0, malformed: 0, dropped: 0, written: 0 });
    const out = await tables(warehouse, [
      streamTable("a", "pin"),
      `${streamTable("a", "pin")}_malformed`,
    ]);
    expect(out[streamTable("a", "pin")]).to.deep.equal(batchRows[`${base("a")}_pin`]);
    expect(out[`${streamTable("a", "pin")}_malformed`]).to.deep.equal([
      {
        table: "pin",
        reason: "not a JSON object of the schema",
        source: `${stream}/${put.ShardId}/${put.SequenceNumber}`,
        record: text,
      },
    ]);
    await deleteStreams("a");
  });

  it("drops the course's random re-sends: each row once, the rest counted as duplicates", async () => {
    await createStreams("r");
    await emulate(
      ["--stack", "e2e-stream-r", "--outputs", outputsFile("r"), "--mode", "random",
       "--seed", String(SEED), "--rows", String(2 * ROWS), "--paths", "stream", "--batch-size", "50"],
    ); // prettier-ignore
    // What the stream holds: every pick, re-sends included.
    const sent = (await readStream(kinesis, streamsOf("r").geo)).map((t) => JSON.parse(t).ind);
    const distinct = new Set(sent);
    expect(sent).to.have.length(2 * ROWS);
    expect(distinct.size).to.be.below(2 * ROWS);
    const report = await streamJob("r");
    for (const table of TABLES)
      expect(report[table], table).to.deep.equal({
        read: 2 * ROWS,
        malformed: 0,
        dropped: 2 * ROWS - distinct.size,
        written: distinct.size,
      });
    const streamed = await tables(
      warehouse,
      TABLES.map((t) => streamTable("r", t)),
    );
    for (const table of TABLES)
      expect(streamed[streamTable("r", table)], table).to.deep.equal(
        batchRows[`${base("a")}_${table}`].filter((r) => distinct.has(r.ind)),
      );
    await deleteStreams("r");
  });

  it("loses and duplicates nothing when the job is killed mid-stream and started again", async () => {
    await createStreams("k");
    fs.rmSync(path.join(REPO_ROOT, ".local", "stacks", "e2e-stream-k.checkpoint.json"), {
      force: true,
    });
    const pinTable = path.join(warehouse, streamTable("k", "pin"));
    let printed = "";
    // Its own process group, so that SIGKILL takes the JVM and its Python workers with it.
    const job: ChildProcess = spawn(
      PYTHON,
      ["-m", "pinterest_etl.local.stream", "--prefix", base("k"), "--warehouse", warehouse,
       "--endpoint", outputs.stream!.kinesisEndpoint, "--continuous", "--trigger-seconds", "1"],
      { cwd: REPO_ROOT, detached: true, stdio: ["ignore", "pipe", "ignore"] },
    ); // prettier-ignore
    job.stdout!.on("data", (chunk) => (printed += chunk));
    try {
      await waitFor("the continuous streaming job to start its queries", () => printed, (p) =>
        /started: /.test(p), { timeoutMs: 300_000, intervalMs: 500 }); // prettier-ignore
      // The first half of the rows, then the kill once the job has committed some of them: the
      // kill always falls between the first commit and the last row, however slow the machine.
      const half = Math.floor(ROWS / 2);
      const sent = emulate(
        ["--stack", "e2e-stream-k", "--outputs", outputsFile("k"), "--paths", "stream",
         "--batch-size", "5", "--rate", "3", "--rows", String(half)],
      ); // prettier-ignore
      const atKill = await waitFor(
        "the job to commit its first pin rows",
        () => committedRows(pinTable),
        (rows) => rows > 0,
        { timeoutMs: 300_000, intervalMs: 200 },
      );
      process.kill(-job.pid!, "SIGKILL");
      expect(atKill).to.be.within(1, half);
      await sent;
      // The rest while no job runs: the restarted job must read on from its checkpoint.
      await emulate(
        ["--stack", "e2e-stream-k", "--outputs", outputsFile("k"), "--paths", "stream",
         "--batch-size", "50", "--resume"],
      ); // prettier-ignore
    } finally {
      if (job.exitCode === null && job.signalCode === null) process.kill(-job.pid!, "SIGKILL");
    }

    const report = await streamJob("k");
    const streamed = await tables(
      warehouse,
      TABLES.map((t) => streamTable("k", t)),
    );
    for (const table of TABLES) {
      expect(streamed[streamTable("k", table)], table).to.deep.equal(
        batchRows[`${base("a")}_${table}`],
      );
      expect(report[table].malformed).to.equal(0);
    }
    await deleteStreams("k");
  });
});
