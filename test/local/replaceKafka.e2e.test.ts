import { S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { s3SinkObjectKey } from "../../components/kafka/s3SinkConnectorConfig";
import { main } from "../../emulator/cli";
import type { PipelineOutputs } from "../../stacks/contract";
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

const run = promisify(execFile);
const ROWS = 150;
const TABLES = ["pin", "geo", "user"] as const;
// Two sources, before and after the replacement, each with keys no other run used: above the
// first 500 of this second's lane-0 slot, which test/local/replica.e2e.test.ts (loaded in the
// same second) takes.
const BEFORE = runIndexOffset(0) + RUN_INDEX_SLOT / 2;
const AFTER = BEFORE + ROWS;
const SEED = 1 + Math.floor(Math.random() * 2 ** 30);

// Issue 24, item 1: a new Kafka cluster (a pause and resume, a replaced MSK cluster) starts every
// offset at 0 again; its sink writes under a folder of its own, so no object takes the name of
// an object the old cluster wrote, and the incremental batch job reads every new object. On the
// replica `local/pipeline` uses: rows sent before `replica.sh replace-kafka` and after it are each
// in the cleaned tables exactly once, and the old objects are still there, unchanged.
describe("replacing the replica's Kafka cluster", function () {
  this.timeout(25 * 60_000);
  let outputs: PipelineOutputs;
  let s3: S3Client;
  let dir: string;
  const sources: ScratchSource[] = [];
  const saved = { ...process.env };

  before(() => {
    execFileSync(path.join(REPO_ROOT, "local", "replica.sh"), ["up"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    outputs = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, ".local", "stacks", "local.json"), "utf8"),
    ).pipeline;
    expect(RUN_INDEX_SLOT / 2 + 2 * ROWS).to.be.at.most(RUN_INDEX_SLOT);
    s3 = localS3();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "replace-kafka-"));
  });
  after(async () => {
    process.env = saved;
    s3?.destroy();
    for (const source of sources) await source.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function clusterId(): string {
    return execFileSync(path.join(REPO_ROOT, "local", "kafka", "kafka.sh"), ["cluster-id"], {
      encoding: "utf8",
    }).trim();
  }

  /** Sends a new source's rows through the batch API; waits until the sink has landed them all. */
  async function sendBatch(indexOffset: number, seed: number): Promise<void> {
    const source = await scratchSource({ seed, rows: ROWS, indexOffset });
    sources.push(source);
    Object.assign(process.env, emulatorEnv(source));
    const file = path.join(dir, `outputs-${indexOffset}.json`);
    const scratch = {
      ...outputs,
      sourceDatabase: { ...outputs.sourceDatabase!, databaseName: source.settings.database },
    };
    fs.writeFileSync(file, JSON.stringify({ pipeline: scratch }));
    const keyFile = path.join(REPO_ROOT, ".local", "stacks", "local.api-key");
    const log = console.log;
    const printed: string[] = [];
    console.log = (line: string) => printed.push(line);
    try {
      const args = ["--stack", "replace-kafka", "--outputs", file, "--api-key-file", keyFile];
      const code = await main([...args, "--paths", "batch", "--batch-size", "150"]);
      expect(code, printed.join("\n")).to.equal(0);
    } finally {
      console.log = log;
    }
    const ours = (ind: number) => ind >= indexOffset && ind < indexOffset + ROWS;
    for (const table of TABLES) {
      const topic = outputs.batch!.topics[table];
      await waitFor(
        `the S3 sink to land ${ROWS} ${topic} records of indexes ${indexOffset}+`,
        async () =>
          (await landedLines(s3, outputs.batch!.bucketName, topic)).filter(({ line }) => {
            const row = JSON.parse(line);
            return ours(Number(row.ind ?? row.index));
          }).length,
        (n) => n >= ROWS,
        { timeoutMs: 180_000, intervalMs: 1000 },
      );
    }
  }

  /** Every raw object of the bucket, by key: its content. */
  async function bucketObjects(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const table of TABLES) {
      const topic = outputs.batch!.topics[table];
      for (const { key, line } of await landedLines(s3, outputs.batch!.bucketName, topic)) {
        out.set(key, `${out.get(key) ?? ""}${line}\n`);
      }
    }
    return out;
  }

  /** Copies the bucket and runs the batch job incrementally over it, as local/pipeline does. */
  async function runIncremental(): Promise<void> {
    const env = { ...process.env, ...localS3Env(), PYTHONPATH: path.join(REPO_ROOT, "databricks") };
    const raw = path.join(dir, "raw");
    await run(
      "npx",
      ["--no-install", "ts-node", "--transpile-only", "local/replica/aws.ts", "download"].concat(
        outputs.batch!.bucketName,
        raw,
      ),
      { cwd: REPO_ROOT, env },
    );
    await run(
      path.join(REPO_ROOT, ".venv", "bin", "python"),
      ["-m", "pinterest_etl.local.batch", "--source-root", raw, "--prefix", outputs.prefix]
        .concat(["--warehouse", path.join(dir, "warehouse"), "--mode", "incremental"])
        // Other runs' objects in the kept bucket are read too; the gate is not under test here.
        .concat(["--max-malformed-share", "1", "--max-rows", "0"]),
      { cwd: REPO_ROOT, env, maxBuffer: 64 * 1024 * 1024 },
    );
  }

  /** How often each key of ours is in each cleaned table (from the Delta tables themselves). */
  async function keyCounts(): Promise<Record<string, Record<string, number>>> {
    const script = [
      "import json, sys",
      "from pyspark.sql import functions as F",
      "from pinterest_etl.naming import cleaned_table_name",
      "from pinterest_etl.spark_session import local_spark",
      "from pinterest_etl.writers import TableLocation, read_table",
      "warehouse, prefix, low, high = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])",
      "spark = local_spark(warehouse_dir=warehouse)",
      "out = {}",
      "for t in ('pin', 'geo', 'user'):",
      "    df = read_table(spark, cleaned_table_name(prefix, t), TableLocation(root=warehouse))",
      "    rows = df.filter(F.col('ind').between(low, high - 1)).groupBy('ind').count().collect()",
      "    out[t] = {str(r['ind']): r['count'] for r in rows}",
      "print(json.dumps(out))",
    ].join("\n");
    const { stdout } = await run(
      path.join(REPO_ROOT, ".venv", "bin", "python"),
      ["-c", script, path.join(dir, "warehouse"), outputs.prefix, String(BEFORE)].concat(
        String(AFTER + ROWS),
      ),
      { cwd: REPO_ROOT, env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT, "databricks") } },
    );
    return JSON.parse(stdout.trim().split("\n").pop()!);
  }

  it("keeps every object of the old cluster, names none of the new cluster's alike, and the tables hold each row once", async () => {
    await sendBatch(BEFORE, SEED);
    await runIncremental();
    const old = await bucketObjects();
    const oldCluster = clusterId();

    execFileSync(path.join(REPO_ROOT, "local", "replica.sh"), ["replace-kafka"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    const newCluster = clusterId();
    expect(newCluster).to.not.equal(oldCluster);

    await sendBatch(AFTER, SEED + 1);
    const now = await bucketObjects();
    // Every old object is still there with its content: nothing was overwritten.
    for (const [key, content] of old) expect(now.get(key), key).to.equal(content);
    const added = [...now.keys()].filter((key) => !old.has(key));
    expect(added.length).to.be.greaterThan(0);
    for (const key of added) expect(key.split("/")[1], key).to.equal(newCluster);
    // The new cluster's offsets started at 0 again: each topic's first object has the name every
    // cluster's first object has (`<topic>+0+<20 zeros>.json`), which one folder for all clusters
    // would have overwritten.
    for (const table of TABLES) {
      const topic = outputs.batch!.topics[table];
      expect(added, topic).to.include(s3SinkObjectKey(newCluster, topic, 0, 0));
    }

    await runIncremental();
    const counts = await keyCounts();
    const expected = Object.fromEntries(
      Array.from({ length: 2 * ROWS }, (_, i) => [String(BEFORE + i), 1]),
    );
    for (const table of TABLES) expect(counts[table], table).to.deep.equal(expected);
  });
});
