// `npm run emulate -- --stack <name> [options]`: sends the source rows through the stack's batch
// and stream paths. See USAGE below and emulator/README.md.
import * as fs from "fs";
import * as path from "path";
import {
  Args,
  exitWith,
  Failure,
  listOf,
  oneOf,
  runCommand,
  stackName,
  UsageError,
  wholeNumber,
} from "../cli/args";
import type { PipelineOutputs } from "../stacks/contract";
import { localStacks, loadOutputs, resolveApiKey, resolveDatabaseLogin } from "./outputs";
import { Progress, RunResult, runEmulation, targetsFor } from "./run";
import { ConnectionSettings, tlsFor } from "./source/loader";
import { randomEvents, sequentialEvents, SourceConnection, sourceKeys } from "./sourceReader";
import { ApiTransport, DirectTransport, Path } from "./transports";
import { verify, verifyText } from "./verify";

const USAGE = `usage: npm run emulate -- [--stack NAME] [options]
       npm run emulate -- verify [--stack NAME] [--outputs FILE] [--password-file F]
                       read back every topic and stream and report rows missing, duplicated or
                       different from the source (exit 1 when any is missing or different)
  --stack NAME         stack whose outputs name the endpoints (default: local)
  --outputs FILE       outputs JSON (\`pulumi stack output --json\`) instead of looking them up
  --mode MODE          sequential: every row once, resumable (default); random: the course's
                       seeded random rows, re-sends included
  --rows N             events to send (default: all rows in sequential mode, 1000 in random mode)
  --duration S         stop after S seconds
  --rate R             at most R events per second (default: unlimited)
  --batch-size B       records per request, 1–500 (default 500, the most PutRecords takes)
  --concurrency C      requests in flight, 1–64 (default 6)
  --via api|direct     through the stack's APIs (default) or straight to Kafka and Kinesis
  --paths LIST         batch, stream or batch,stream (default: both the stack has)
  --seed S             random mode's seed (default 100, as the course)
  --resume             sequential mode: continue after the last checkpoint
  --report FILE        write the summary as JSON
  --api-key-file F     API key, with --via api (default: PIPELINE_API_KEY, the local replica's
                       key, or AWS)
  --password-file F    source database password (default: MYSQL_PASSWORD or the stack's secret)
  --help               this text
The source database is the stack's, or MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_DATABASE.
Exit codes: 0 sent (or verified), 1 a failure or rows not delivered, 2 a wrong command line,
130 interrupted.`;

export const SEND = {
  name: "emulate",
  usage: USAGE,
  options: {
    stack: { type: "string" },
    outputs: { type: "string" },
    mode: { type: "string" },
    rows: { type: "string" },
    duration: { type: "string" },
    rate: { type: "string" },
    "batch-size": { type: "string" },
    concurrency: { type: "string" },
    via: { type: "string" },
    paths: { type: "string" },
    seed: { type: "string" },
    resume: { type: "boolean" },
    report: { type: "string" },
    "api-key-file": { type: "string" },
    "password-file": { type: "string" },
  },
} as const;

export const VERIFY = {
  name: "emulate verify",
  usage: USAGE,
  options: {
    stack: { type: "string" },
    outputs: { type: "string" },
    "password-file": { type: "string" },
  },
} as const;

const PATHS = ["batch", "stream"] as const;
/**
 * Records per request, at most and by default: PutRecords takes at most 500 (Kinesis API
 * Reference, PutRecords; the stream API's model refuses more). Fewer records per request only
 * spend the APIs' request quota and throttle sooner (docs/scaling.md).
 */
const MAX_BATCH = 500;

/** Everything `npm run emulate` takes, checked: nothing here reads a file or a server. */
export interface SendOptions {
  readonly stack: string;
  readonly outputsFile?: string;
  readonly mode: "sequential" | "random";
  readonly via: "api" | "direct";
  readonly rows?: number;
  readonly durationSeconds?: number;
  readonly rate?: number;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly paths?: Path[];
  readonly seed: number;
  readonly resume: boolean;
  readonly report?: string;
  readonly apiKeyFile?: string;
  readonly passwordFile?: string;
}

/** The send command's options from its arguments; a UsageError for any that is wrong or cannot apply. */
export function sendOptions({ values, given }: Args<typeof SEND.options>): SendOptions {
  const mode = oneOf("--mode", values.mode, ["sequential", "random"] as const) ?? "sequential";
  const via = oneOf("--via", values.via, ["api", "direct"] as const) ?? "api";
  if (mode === "random" && given.has("resume")) {
    throw new UsageError(
      "--resume continues a sequential run from its checkpoint; random mode keeps none: " +
        "drop --resume or --mode random.",
    );
  }
  if (mode === "sequential" && given.has("seed")) {
    throw new UsageError(
      "--seed chooses random mode's rows; sequential mode sends every row in order: " +
        "add --mode random or drop --seed.",
    );
  }
  if (via === "direct" && given.has("api-key-file")) {
    throw new UsageError(
      "--api-key-file is for the stack's APIs; --via direct does not use them: drop one of the two.",
    );
  }
  const report = values.report;
  if (report !== undefined && !fs.existsSync(path.dirname(path.resolve(report)))) {
    throw new UsageError(
      `--report "${report}": the folder ${path.dirname(path.resolve(report))} does not exist.`,
    );
  }
  return {
    stack: stackName("--stack", values.stack ?? "local"),
    outputsFile: values.outputs,
    mode,
    via,
    rows: wholeNumber("--rows", values.rows, 1),
    durationSeconds: wholeNumber("--duration", values.duration, 1, 31_536_000),
    rate: wholeNumber("--rate", values.rate, 1, 1_000_000),
    batchSize: wholeNumber("--batch-size", values["batch-size"], 1, MAX_BATCH) ?? MAX_BATCH,
    concurrency: wholeNumber("--concurrency", values.concurrency, 1, 64) ?? 6,
    paths: listOf("--paths", values.paths, PATHS),
    seed: wholeNumber("--seed", values.seed, 0, 2 ** 32 - 1) ?? 100,
    resume: values.resume ?? false,
    report,
    apiKeyFile: values["api-key-file"],
    passwordFile: values["password-file"],
  };
}

/**
 * The source database's address: the stack's, unless MYSQL_HOST, MYSQL_PORT or MYSQL_DATABASE say
 * otherwise (a tunnel); a UsageError for a MYSQL_PORT that is not a port.
 */
export function sourceAddress(
  db: NonNullable<PipelineOutputs["sourceDatabase"]>,
): Pick<ConnectionSettings, "host" | "port" | "database" | "tls"> {
  return {
    host: process.env.MYSQL_HOST ?? db.host,
    port: wholeNumber("MYSQL_PORT", process.env.MYSQL_PORT, 1, 65_535) ?? db.port,
    database: process.env.MYSQL_DATABASE ?? db.databaseName,
    tls: tlsFor(db.host),
  };
}

function choosePaths(wanted: Path[] | undefined, stack: string, outputs: PipelineOutputs): Path[] {
  const available = PATHS.filter((p) => outputs[p]);
  for (const p of wanted ?? []) {
    if (!outputs[p]) {
      throw new Failure(
        `--paths asks for ${p}, but stack "${stack}" (prefix ${outputs.prefix}) exports no ${p} ` +
          `endpoint: use --paths ${available.join(",") || "with a stack that has one"}.`,
      );
    }
  }
  if (available.length === 0) {
    throw new Failure(
      `Stack "${stack}" exports neither a batch nor a stream endpoint: nothing to send to.`,
    );
  }
  return wanted ?? [...available];
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

async function verifyCommand({ values }: Args<typeof VERIFY.options>): Promise<number> {
  const stack = stackName("--stack", values.stack ?? "local");
  const outputs = await loadOutputs(stack, values.outputs);
  if (!outputs.sourceDatabase)
    throw new Failure(`Stack "${stack}" exports no sourceDatabase to compare with.`);
  if (outputs.batch && !outputs.batch.bootstrapBrokers) {
    throw new Failure(
      `verify reads topics with a Kafka client, but stack "${stack}" exports no batch.bootstrapBrokers.`,
    );
  }
  const address = sourceAddress(outputs.sourceDatabase);
  const login = await resolveDatabaseLogin(outputs, values["password-file"]);
  const conn = new SourceConnection({ ...address, ...login });
  try {
    const reports = await verify(outputs, conn);
    console.log(verifyText(reports));
    return reports.some((r) => r.missing.length > 0 || r.different.length > 0) ? 1 : 0;
  } finally {
    await conn.end();
  }
}

/** The checkpoint's last delivered index, or -Infinity without one (a Failure when unreadable). */
function readCheckpoint(file: string): number {
  if (!fs.existsSync(file)) return -Infinity;
  try {
    const index = JSON.parse(fs.readFileSync(file, "utf8")).lastDeliveredIndex;
    if (typeof index === "number") return index;
  } catch {
    // Reported below.
  }
  throw new Failure(
    `The checkpoint ${file} holds no lastDeliveredIndex: delete it to start over without --resume.`,
  );
}

/** `npm run emulate -- ...`: the exit code (printing what went wrong; see cli/args.ts). */
export async function main(argv: string[], signal?: AbortSignal): Promise<number> {
  if (argv[0] === "verify") return runCommand(VERIFY, argv.slice(1), verifyCommand);
  return runCommand(SEND, argv, (args) => send(sendOptions(args), signal));
}

async function send(options: SendOptions, signal?: AbortSignal): Promise<number> {
  const { stack, mode, via, batchSize } = options;
  const outputs = await loadOutputs(stack, options.outputsFile);
  const paths = choosePaths(options.paths, stack, outputs);
  if (!outputs.sourceDatabase)
    throw new Failure(
      `Stack "${stack}" exports no sourceDatabase: there is nothing to read rows from.`,
    );
  const address = sourceAddress(outputs.sourceDatabase);
  const login = await resolveDatabaseLogin(outputs, options.passwordFile);
  const checkpointFile = path.join(localStacks(), `${stack}.checkpoint.json`);
  const after = options.resume ? readCheckpoint(checkpointFile) : -Infinity;
  const transport =
    via === "api"
      ? new ApiTransport(
          outputs.batch,
          outputs.stream,
          await resolveApiKey(stack, outputs, options.apiKeyFile),
        )
      : new DirectTransport(outputs.batch, outputs.stream, outputs.region);
  const conn = new SourceConnection({ ...address, ...login });
  try {
    const keys = await sourceKeys(conn);
    const rows = options.rows ?? (mode === "random" ? 1000 : keys.length);
    const pages =
      mode === "random"
        ? randomEvents(conn, keys, batchSize, options.seed, rows)
        : sequentialEvents(conn, keys, batchSize, after, rows);
    const total = mode === "random" ? rows : Math.min(rows, keys.filter((k) => k > after).length);
    fs.mkdirSync(localStacks(), { recursive: true });
    const tty = process.stderr.isTTY;
    let shown = 0;
    const result = await runEmulation({
      targets: targetsFor(paths, { batch: outputs.batch?.topics, stream: outputs.stream?.streams }),
      transport,
      pages,
      concurrency: options.concurrency,
      rate: options.rate,
      durationSeconds: options.durationSeconds,
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
    if (options.report)
      fs.writeFileSync(
        options.report,
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
  exitWith((argv) => main(argv, controller.signal));
}
