// `npm run emulate -- --stack <name> [options]`: sends the source rows through the stack's batch
// and stream paths. See USAGE below and emulator/README.md.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import type { PipelineOutputs } from "../stacks/contract";
import {
  LOCAL_STACKS,
  loadOutputs,
  resolveApiKey,
  resolveDatabaseLogin,
  UsageError,
} from "./outputs";
import { Progress, RunResult, runEmulation, targetsFor } from "./run";
import { tlsFor } from "./source/loader";
import { randomEvents, sequentialEvents, SourceConnection, sourceKeys } from "./sourceReader";
import { ApiTransport, DirectTransport, Path } from "./transports";
import { verify, verifyText } from "./verify";

const USAGE = `usage: npm run emulate -- --stack NAME [options]
       npm run emulate -- verify --stack NAME [--outputs FILE] [--password-file F]
                       read back every topic and stream and report rows missing, duplicated or
                       different from the source (exit 1 when any is missing or different)
  --stack NAME         stack whose outputs name the endpoints (default: local)
  --outputs FILE       outputs JSON (\`pulumi stack output --json\`) instead of looking them up
  --mode MODE          sequential: every row once, resumable (default); random: the course's
                       seeded random rows, re-sends included
  --rows N             events to send (default: all rows in sequential mode, 1000 in random mode)
  --duration S         stop after S seconds
  --rate R             at most R events per second (default: unlimited)
  --batch-size B       records per request, 1–500 (default 100)
  --concurrency C      requests in flight (default 6)
  --via api|direct     through the stack's APIs (default) or straight to Kafka and Kinesis
  --paths LIST         batch,stream (default: both the stack has)
  --seed S             random mode's seed (default 100, as the course)
  --resume             sequential mode: continue after the last checkpoint
  --report FILE        write the summary as JSON
  --api-key-file F     API key (default: PIPELINE_API_KEY, the local replica's key, or AWS)
  --password-file F    source database password (default: MYSQL_PASSWORD or the stack's secret)`;

function int(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${name} ${JSON.stringify(text)} must be a whole number from ${min} to ${max}.`,
    );
  }
  return n;
}

function choosePaths(text: string | undefined, outputs: PipelineOutputs): Path[] {
  const available = (["batch", "stream"] as Path[]).filter((p) => outputs[p]);
  const wanted = text ? text.split(",").map((p) => p.trim()) : available;
  for (const p of wanted) {
    if (p !== "batch" && p !== "stream")
      throw new UsageError(`--paths entry "${p}" is not batch or stream.`);
    if (!outputs[p])
      throw new UsageError(
        `--paths asks for ${p}, but stack "${outputs.prefix}" exports no ${p} endpoint.`,
      );
  }
  if (wanted.length === 0)
    throw new UsageError(
      "The stack exports neither a batch nor a stream endpoint: nothing to send to.",
    );
  return wanted as Path[];
}

const format = (n: number) => n.toLocaleString("en-US");

function progressLine(p: Progress, total: number | undefined): string {
  const rows = Object.values(p.stats);
  const failures = rows.reduce((a, s) => a + s.failures, 0);
  const retries = rows.reduce((a, s) => a + s.retries, 0);
  const rate = p.elapsedSeconds > 0 ? Math.round(p.events / p.elapsedSeconds) : 0;
  const width = 24;
  const filled = total ? Math.min(width, Math.round((p.events / total) * width)) : 0;
  const bar = total ? `[${"#".repeat(filled)}${".".repeat(width - filled)}] ` : "";
  return `${bar}${format(p.events)}${total ? `/${format(total)}` : ""} events  ${format(rate)}/s  retries ${retries}  failed ${failures}`;
}

export function summaryText(result: RunResult): string {
  const lines = [
    `${"target".padEnd(28)} ${"rows".padStart(8)} ${"requests".padStart(9)} ${"retries".padStart(8)} ${"failed".padStart(7)}`,
  ];
  for (const [name, s] of Object.entries(result.stats)) {
    lines.push(
      `${name.padEnd(28)} ${String(s.rows).padStart(8)} ${String(s.requests).padStart(9)} ${String(s.retries).padStart(8)} ${String(s.failures).padStart(7)}`,
    );
  }
  lines.push(
    `${format(result.events)} events in ${result.elapsedSeconds.toFixed(1)} s (${format(Math.round(result.events / Math.max(result.elapsedSeconds, 0.001)))} events/s)`,
  );
  for (const [name, indexes] of Object.entries(result.undelivered)) {
    if (indexes.length > 0)
      lines.push(
        `NOT DELIVERED to ${name}: ${indexes.length} rows, index ${indexes.slice(0, 20).join(", ")}${indexes.length > 20 ? ", ..." : ""}`,
      );
  }
  if (result.fatal) lines.push(`stopped: ${result.fatal}`);
  if (result.interrupted)
    lines.push(
      `interrupted${result.checkpoint !== undefined ? `; resume with --resume (delivered through index ${result.checkpoint})` : ""}`,
    );
  return lines.join("\n");
}

async function verifyMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      outputs: { type: "string" },
      "password-file": { type: "string" },
    },
  });
  const stack = values.stack ?? "local";
  const outputs = await loadOutputs(stack, values.outputs);
  if (!outputs.sourceDatabase)
    throw new UsageError(`Stack "${stack}" exports no sourceDatabase to compare with.`);
  if (outputs.batch && !outputs.batch.bootstrapBrokers) {
    throw new UsageError(
      `verify reads topics with a Kafka client, but stack "${stack}" exports no batch.bootstrapBrokers.`,
    );
  }
  const db = outputs.sourceDatabase;
  const login = await resolveDatabaseLogin(outputs, values["password-file"]);
  const conn = new SourceConnection({
    host: process.env.MYSQL_HOST ?? db.host,
    port: Number(process.env.MYSQL_PORT ?? db.port),
    database: process.env.MYSQL_DATABASE ?? db.databaseName,
    tls: tlsFor(db.host),
    ...login,
  });
  try {
    const reports = await verify(outputs, conn);
    console.log(verifyText(reports));
    return reports.some((r) => r.missing.length > 0 || r.different.length > 0) ? 1 : 0;
  } finally {
    await conn.end();
  }
}

export async function main(argv: string[], signal?: AbortSignal): Promise<number> {
  if (argv[0] === "verify") return verifyMain(argv.slice(1));
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(
      [
        "stack",
        "outputs",
        "mode",
        "rows",
        "duration",
        "rate",
        "batch-size",
        "concurrency",
        "via",
        "paths",
        "seed",
        "report",
        "api-key-file",
        "password-file",
      ]
        .map((k) => [k, { type: "string" as const }])
        .concat([
          ["resume", { type: "boolean" as const }],
          ["help", { type: "boolean" as const }],
        ] as never),
    ),
  }) as { values: Record<string, string | boolean | undefined> };
  const str = (k: string) => values[k] as string | undefined;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const stack = str("stack") ?? "local";
  const mode = str("mode") ?? "sequential";
  if (mode !== "sequential" && mode !== "random")
    throw new UsageError(`--mode "${mode}" is not sequential or random.`);
  const via = str("via") ?? "api";
  if (via !== "api" && via !== "direct")
    throw new UsageError(`--via "${via}" is not api or direct.`);
  const batchSize = int("batch-size", str("batch-size"), 100, 1, 500);
  const concurrency = int("concurrency", str("concurrency"), 6, 1, 64);

  const outputs = await loadOutputs(stack, str("outputs"));
  const paths = choosePaths(str("paths"), outputs);
  if (!outputs.sourceDatabase)
    throw new UsageError(
      `Stack "${stack}" exports no sourceDatabase: there is nothing to read rows from.`,
    );
  const login = await resolveDatabaseLogin(outputs, str("password-file"));
  const transport =
    via === "api"
      ? new ApiTransport(
          outputs.batch,
          outputs.stream,
          await resolveApiKey(stack, outputs, str("api-key-file")),
        )
      : new DirectTransport(outputs.batch, outputs.stream, outputs.region);
  const db = outputs.sourceDatabase;
  const conn = new SourceConnection({
    host: process.env.MYSQL_HOST ?? db.host,
    port: Number(process.env.MYSQL_PORT ?? db.port),
    user: login.user,
    password: login.password,
    database: process.env.MYSQL_DATABASE ?? db.databaseName,
    tls: tlsFor(db.host),
  });
  const checkpointFile = path.join(LOCAL_STACKS, `${stack}.checkpoint.json`);
  try {
    const keys = await sourceKeys(conn);
    let after = -Infinity;
    if (values.resume && fs.existsSync(checkpointFile))
      after = JSON.parse(fs.readFileSync(checkpointFile, "utf8")).lastDeliveredIndex;
    const rows = int(
      "rows",
      str("rows"),
      mode === "random" ? 1000 : keys.length,
      1,
      Number.MAX_SAFE_INTEGER,
    );
    const pages =
      mode === "random"
        ? randomEvents(conn, keys, batchSize, int("seed", str("seed"), 100, 0, 2 ** 32 - 1), rows)
        : sequentialEvents(conn, keys, batchSize, after, rows);
    const total = mode === "random" ? rows : Math.min(rows, keys.filter((k) => k > after).length);
    fs.mkdirSync(LOCAL_STACKS, { recursive: true });
    const tty = process.stderr.isTTY;
    let shown = 0;
    const result = await runEmulation({
      targets: targetsFor(paths, { batch: outputs.batch?.topics, stream: outputs.stream?.streams }),
      transport,
      pages,
      concurrency,
      rate: str("rate") ? int("rate", str("rate"), 0, 1, 1_000_000) : undefined,
      durationSeconds: str("duration")
        ? int("duration", str("duration"), 0, 1, 31_536_000)
        : undefined,
      checkpointFile: mode === "sequential" ? checkpointFile : undefined,
      signal,
      onProgress: (p) => {
        if (Date.now() - shown < (tty ? 200 : 5000)) return;
        shown = Date.now();
        process.stderr.write(tty ? `\r${progressLine(p, total)}` : `${progressLine(p, total)}\n`);
      },
    });
    if (tty) process.stderr.write(`\r${progressLine(result, total)}\n`);
    console.log(summaryText(result));
    if (str("report"))
      fs.writeFileSync(
        str("report")!,
        JSON.stringify({ stack, mode, via, paths, ...result }, null, 2) + "\n",
      );
    if (result.interrupted) return 130;
    const lost = Object.values(result.undelivered).some((v) => v.length > 0);
    return result.fatal || lost ? 1 : 0;
  } finally {
    await conn.end();
    await transport.close();
  }
}

if (require.main === module) {
  const controller = new AbortController();
  // First Ctrl-C: stop reading, finish what is in flight, write the checkpoint. Second: quit now.
  process.once("SIGINT", () => {
    process.stderr.write(
      "\nstopping: finishing requests in flight (Ctrl-C again to quit at once)\n",
    );
    controller.abort();
    process.once("SIGINT", () => process.exit(130));
  });
  main(process.argv.slice(2), controller.signal).then(
    (code) => process.exit(code),
    (error: Error) => {
      const known =
        error instanceof UsageError ||
        error.name === "SourceDatabaseError" ||
        error.message.startsWith("Source ");
      console.error(known ? `error: ${error.message}` : error);
      process.exit(1);
    },
  );
}
