// Benchmark (not a test): rows/s and requests per row through a stack's batch and stream APIs,
// the emulator's way (batched, concurrent) beside the course's way (one record per request,
// sequential), against the same endpoints. Default target: the local replica (`local/replica.sh up`).
//   npm run emulate:bench -- [--stack local] [--rows 2000] [--course-rows 200]
import { parseArgs } from "util";
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
  const login = await resolveDatabaseLogin(outputs);
  const db = outputs.sourceDatabase!;
  const conn = new SourceConnection({
    host: db.host,
    port: db.port,
    database: db.databaseName,
    ...login,
  });
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

async function main() {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", default: "local" },
      rows: { type: "string", default: "2000" },
      "course-rows": { type: "string", default: "200" },
    },
  });
  const stack = values.stack!;
  const ours = await measure(
    "emulator (100 per request, 6 in flight)",
    Number(values.rows),
    100,
    6,
    stack,
  );
  const course = await measure(
    "course's pattern (1 per request, sequential)",
    Number(values["course-rows"]),
    1,
    1,
    stack,
  );
  console.log(`speed-up: ${(ours / course).toFixed(1)}x (each row goes to 3 topics and 3 streams)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
