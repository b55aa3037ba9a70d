// Benchmark (not a test): rows/s and requests per row through a stack's batch and stream APIs,
// the emulator's way (batched, concurrent) beside the course's way (one record per request,
// sequential), against the same endpoints. Default target: the local replica (`local/replica.sh up`).
//   npm run emulate:bench -- [--stack local] [--rows 2000] [--course-rows 200]
import { exitWith, Failure, runCommand, stackName, wholeNumber } from "../cli/args";
import { sourceAddress } from "./cli";
import { loadOutputs, resolveApiKey, resolveDatabaseLogin } from "./outputs";
import { runEmulation, targetsFor } from "./run";
import { sequentialEvents, SourceConnection, sourceKeys } from "./sourceReader";
import { ApiTransport } from "./transports";

async function measure(
  label: string,
  rows: number,
  batchSize: number,
  concurrency: number,
  stack: string,
) {
  const outputs = await loadOutputs(stack);
  if (!outputs.sourceDatabase || !outputs.batch || !outputs.stream) {
    throw new Failure(
      `Stack "${stack}" must export sourceDatabase, batch and stream for this benchmark.`,
    );
  }
  const address = sourceAddress(outputs.sourceDatabase);
  const login = await resolveDatabaseLogin(outputs);
  const conn = new SourceConnection({ ...address, ...login });
  const transport = new ApiTransport(
    outputs.batch,
    outputs.stream,
    await resolveApiKey(stack, outputs),
  );
  try {
    const keys = await sourceKeys(conn);
    const result = await runEmulation({
      targets: targetsFor(["batch", "stream"], {
        batch: outputs.batch?.topics,
        stream: outputs.stream?.streams,
      }),
      transport,
      pages: sequentialEvents(conn, keys, batchSize, -Infinity, rows),
      concurrency,
    });
    const requests = Object.values(result.stats).reduce((n, s) => n + s.requests, 0);
    const rate = result.events / result.elapsedSeconds;
    console.log(
      `${label.padEnd(44)} ${String(result.events).padStart(6)} rows  ${result.elapsedSeconds.toFixed(1).padStart(6)} s  ` +
        `${rate.toFixed(0).padStart(6)} rows/s  ${(requests / result.events).toFixed(3)} requests/row`,
    );
    return rate;
  } finally {
    await conn.end();
  }
}

export const BENCH = {
  name: "emulate:bench",
  usage: `usage: npm run emulate:bench -- [--stack NAME] [--rows N] [--course-rows N]
  --stack NAME       stack to send to (default: local, the replica)
  --rows N           rows sent the emulator's way (default 2000)
  --course-rows N    rows sent the course's way, one record per request (default 200)
  --help             this text`,
  options: {
    stack: { type: "string" },
    rows: { type: "string" },
    "course-rows": { type: "string" },
  },
} as const;

export function main(argv: string[]): Promise<number> {
  return runCommand(BENCH, argv, async ({ values }) => {
    const stack = stackName("--stack", values.stack ?? "local");
    const rows = wholeNumber("--rows", values.rows, 1) ?? 2000;
    const courseRows = wholeNumber("--course-rows", values["course-rows"], 1) ?? 200;
    const ours = await measure("emulator (100 per request, 6 in flight)", rows, 100, 6, stack);
    const course = await measure(
      "course's pattern (1 per request, sequential)",
      courseRows,
      1,
      1,
      stack,
    );
    console.log(
      `speed-up: ${(ours / course).toFixed(1)}x (each row goes to 3 topics and 3 streams)`,
    );
    return 0;
  });
}

if (require.main === module) exitWith(main);
