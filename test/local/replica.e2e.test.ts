import { S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { execFile, execFileSync } from "child_process";
import { promisify } from "util";
import * as fs from "fs";
import { Kafka, logLevel } from "kafkajs";
import * as mysql from "mysql2/promise";
import * as os from "os";
import * as path from "path";
import { main } from "../../emulator/cli";
import type { PipelineOutputs } from "../../stacks/contract";
import { kinesisClient, readStream } from "../harness/kinesis";
import { landedLines } from "../harness/landed";
import {
  emulatorEnv,
  localS3,
  localS3Env,
  ScratchSource,
  scratchSource,
} from "../harness/replicaSource";
import { runIndexOffset, RUN_INDEX_SLOT } from "../harness/runIndex";
import { REPO_ROOT } from "../../tools/pulumi-mock/mockRun";
import { waitFor } from "../harness/waitFor";

const ROWS = 400;
// Each run sends rows of its own (seed and an index range no earlier run used), so earlier runs'
// records on a replica that keeps its topics never count as duplicates, and never collide with
// the main command's.
const SEED = 1 + Math.floor(Math.random() * 2 ** 30);
const INDEX_OFFSET = runIndexOffset(0);
const run = promisify(execFile);

// End to end on the replica that `local/replica.sh up` starts (the same one `local/pipeline`
// uses): the emulator sends a scratch source through both local APIs; the S3 sink lands the batch
// path; the streams hold the stream path; the batch job runs over what landed.
describe("local replica end to end", function () {
  this.timeout(20 * 60_000);
  let outputs: PipelineOutputs;
  let apiKey: string;
  let scratch: ScratchSource;
  let source: mysql.Connection;
  let s3: S3Client;
  let dir: string;
  const saved = { ...process.env };

  before(async () => {
    execFileSync(path.join(REPO_ROOT, "local", "replica.sh"), ["up"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    outputs = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, ".local", "stacks", "local.json"), "utf8"),
    ).pipeline;
    apiKey = fs
      .readFileSync(path.join(REPO_ROOT, ".local", "stacks", "local.api-key"), "utf8")
      .trim();
    expect(ROWS).to.be.at.most(RUN_INDEX_SLOT / 2); // replaceKafka.e2e takes the upper half
    // Indexes far above the main command's, so the batch job never sees two versions of one row.
    scratch = await scratchSource({ seed: SEED, rows: ROWS, indexOffset: INDEX_OFFSET });
    source = scratch.connection;
    s3 = localS3();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "replica-"));
    Object.assign(process.env, emulatorEnv(scratch));
  });
  after(async () => {
    process.env = saved;
    s3?.destroy();
    await scratch?.drop();
    fs.rmSync(path.join(REPO_ROOT, ".local", "stacks", "e2e.checkpoint.json"), { force: true });
  });

  /** Every landed record of a topic, parsed, with its object key. */
  async function landed(topic: string): Promise<{ key: string; value: any }[]> {
    const lines = await landedLines(s3, outputs.batch!.bucketName, topic);
    return lines.map(({ key, line }) => ({ key, value: JSON.parse(line) }));
  }

  async function topicEndOffsets(): Promise<number[]> {
    const admin = new Kafka({
      brokers: [outputs.batch!.bootstrapBrokers],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const topics = Object.values(outputs.batch!.topics);
      const all = await Promise.all(topics.map((t) => admin.fetchTopicOffsets(t)));
      return all.map((parts) => parts.reduce((sum, p) => sum + Number(p.high), 0));
    } finally {
      await admin.disconnect();
    }
  }

  it("sends the source through both local APIs, and the sink lands each batch row exactly once in the course's layout", async () => {
    const file = path.join(dir, "outputs.json");
    const scratchOutputs = {
      ...outputs,
      sourceDatabase: { ...outputs.sourceDatabase!, databaseName: scratch.settings.database },
    };
    fs.writeFileSync(file, JSON.stringify({ pipeline: scratchOutputs }));
    const log = console.log;
    const printed: string[] = [];
    console.log = (line: string) => printed.push(line);
    try {
      const keyFile = path.join(REPO_ROOT, ".local", "stacks", "local.api-key");
      const args = [
        "--stack",
        "e2e",
        "--outputs",
        file,
        "--api-key-file",
        keyFile,
        "--batch-size",
        "150",
      ];
      expect(await main(args), printed.join("\n")).to.equal(0);
    } finally {
      console.log = log;
    }
    const [pins] = await source.query<mysql.RowDataPacket[]>(
      "SELECT * FROM pinterest_data ORDER BY `index`",
    );
    const ours = new Set(pins.map((p) => p.unique_id));
    const layout = new RegExp(
      `^topics/[A-Za-z0-9_-]+/${outputs.batch!.topics.pin.replace(".", "\\.")}/partition=\\d+/${outputs.batch!.topics.pin.replace(".", "\\.")}\\+\\d+\\+\\d{20}\\.json$`,
    );
    const records = await waitFor(
      `the S3 sink to land this run's ${ROWS} pin records`,
      async () =>
        (await landed(outputs.batch!.topics.pin)).filter((r) => ours.has(r.value.unique_id)),
      (found) => found.length >= ROWS,
      { timeoutMs: 120_000, intervalMs: 1000, show: (found) => `${found.length} landed` },
    );
    expect(records.every((r) => layout.test(r.key))).to.equal(true);
    const byId = new Map(records.map((r) => [r.value.unique_id, r.value]));
    expect(records.length, "each row exactly once").to.equal(ROWS);
    expect(pins.map((p) => byId.get(p.unique_id))).to.deep.equal(pins.map((p) => ({ ...p })));

    // The stream path: every row of this source is in the stream as the exact JSON of the row.
    const kinesis = kinesisClient(outputs.stream!.kinesisEndpoint);
    const [users] = await source.query<mysql.RowDataPacket[]>(
      "SELECT * FROM user_data ORDER BY ind",
    );
    const streamed = (await readStream(kinesis, outputs.stream!.streams.user)).map((t) =>
      JSON.parse(t),
    );
    kinesis.destroy();
    for (const user of users) expect(streamed).to.deep.include({ ...user });
  });

  async function quietly(args: string[]): Promise<{ code: number; printed: string }> {
    const log = console.log;
    const printed: string[] = [];
    console.log = (line: string) => printed.push(line);
    try {
      return { code: await main(args), printed: printed.join("\n") };
    } finally {
      console.log = log;
    }
  }

  it("verify finds every row once in each topic and stream; after a direct re-send, the topics' duplicates", async () => {
    const file = path.join(dir, "outputs.json");
    const first = await quietly(["verify", "--outputs", file]);
    expect(first.code, first.printed).to.equal(0);
    for (const name of [
      ...Object.values(outputs.batch!.topics),
      ...Object.values(outputs.stream!.streams),
    ]) {
      expect(first.printed).to.match(
        new RegExp(
          `${name.replace(".", "\\.")}\\s+landed\\s+${ROWS}\\s+missing 0\\s+duplicated 0\\s+different 0`,
        ),
      );
    }
    // The direct transport (kafkajs to the broker) sends the batch path again: each row twice now.
    const direct = await quietly([
      "--stack",
      "e2e",
      "--outputs",
      file,
      "--via",
      "direct",
      "--paths",
      "batch",
      "--batch-size",
      "200",
    ]);
    expect(direct.code, direct.printed).to.equal(0);
    const second = await quietly(["verify", "--outputs", file]);
    expect(second.code, second.printed).to.equal(0);
    expect(second.printed).to.match(
      new RegExp(
        `${outputs.batch!.topics.geo.replace(".", "\\.")}\\s+landed\\s+${2 * ROWS}\\s+missing 0\\s+duplicated ${ROWS} `,
      ),
    );
    expect(second.printed).to.match(
      new RegExp(
        `${outputs.stream!.streams.geo}\\s+landed\\s+${ROWS}\\s+missing 0\\s+duplicated 0`,
      ),
    );
  });

  it("loses no row when the REST proxy restarts mid-run", async () => {
    const file = path.join(dir, "outputs.json");
    const keyFile = path.join(REPO_ROOT, ".local", "stacks", "local.api-key");
    const restProxy = path.join(REPO_ROOT, "local", "kafka", "rest-proxy.sh");
    const checkpoint = path.join(REPO_ROOT, ".local", "stacks", "e2e.checkpoint.json");
    fs.rmSync(checkpoint, { force: true });
    const sending = quietly([
      "--stack",
      "e2e",
      "--outputs",
      file,
      "--api-key-file",
      keyFile,
      "--paths",
      "batch",
      "--batch-size",
      "10",
      "--rate",
      "40",
    ]);
    // Restart the proxy once the run is under way (its first page delivered and checkpointed);
    // at 40 rows/s the 400 rows take at least 10 s, so the restart falls inside the run.
    await waitFor(
      "the first page of the run to be delivered (its checkpoint)",
      () => fs.existsSync(checkpoint),
      Boolean,
      { timeoutMs: 60_000 },
    );
    await run(restProxy, ["stop"]);
    await run(restProxy, ["start"]);
    const sent = await sending;
    expect(sent.code, sent.printed).to.equal(0);
    expect(sent.printed).to.match(/pin-local\.pin\s+400\s+\d+\s+[1-9]\d*\s+0/); // retried, none failed
    const check = await quietly(["verify", "--outputs", file]);
    expect(check.code, check.printed).to.equal(0);
    expect(check.printed).to.not.match(/missing [1-9]/);
  });

  it("refuses a missing API key and a bad body at the gateway; nothing reaches Kafka or Kinesis", async () => {
    const before = await topicEndOffsets();
    const noKey = await fetch(`${outputs.batch!.invokeUrl}/topics/${outputs.batch!.topics.pin}`, {
      method: "POST",
      headers: { "content-type": "application/vnd.kafka.json.v2+json" },
      body: JSON.stringify({ records: [{ value: { index: -1 } }] }),
    });
    expect(noKey.status).to.equal(403);
    const badBody = await fetch(`${outputs.batch!.invokeUrl}/topics/${outputs.batch!.topics.pin}`, {
      method: "POST",
      headers: { "content-type": "application/vnd.kafka.json.v2+json", "x-api-key": apiKey },
      body: '{"records": [{"value": ',
    });
    expect(badBody.status).to.be.within(400, 499);
    const streamNoKey = await fetch(
      `${outputs.stream!.invokeUrl}/streams/${outputs.stream!.streams.pin}/records`,
      {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records: [{ data: { index: -1 }, "partition-key": "x" }] }),
      },
    );
    expect(streamNoKey.status).to.equal(403);
    const streamBad = await fetch(
      `${outputs.stream!.invokeUrl}/streams/${outputs.stream!.streams.pin}/records`,
      {
        method: "PUT",
        headers: { "content-type": "application/json", "x-api-key": apiKey },
        body: JSON.stringify({ records: [{ data: { index: -1 } }] }),
      },
    );
    expect(streamBad.status).to.equal(400);
    expect(await topicEndOffsets()).to.deep.equal(before);
    const kinesis = kinesisClient(outputs.stream!.kinesisEndpoint);
    const pins = (await readStream(kinesis, outputs.stream!.streams.pin)).map((t) => JSON.parse(t));
    kinesis.destroy();
    expect(pins.some((p) => p.index === -1)).to.equal(false);
  });

  it("runs the batch job over the landed objects and prints the nine results", () => {
    const raw = path.join(dir, "raw");
    execFileSync(
      "npx",
      [
        "--no-install",
        "ts-node",
        "--transpile-only",
        "local/replica/aws.ts",
        "download",
        outputs.batch!.bucketName,
        raw,
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...localS3Env() },
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    const out = execFileSync(
      path.join(REPO_ROOT, ".venv", "bin", "python"),
      [
        "-m",
        "pinterest_etl.local.batch",
        "--source-root",
        raw,
        "--prefix",
        outputs.prefix,
        "--warehouse",
        path.join(dir, "warehouse"),
        "--max-rows",
        "3",
      ],
      { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    const tasks = out.match(/^Task \w+: /gm) ?? [];
    expect(tasks).to.have.length(9);
    expect(out).to.match(/Delta tables under /);
  });
});
