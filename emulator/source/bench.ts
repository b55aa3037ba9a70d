// Benchmark (not a test): generator throughput and memory over a large row count, and optionally
// the loader's throughput into the MySQL named by the MYSQL_* variables (into a separate
// `test_bench` database, so the real source tables are never touched).
//   npm run source:bench -- [--rows 1000000] [--load]
import { exitWith, runCommand, wholeNumber } from "../../cli/args";
import { DEFAULT_SEED, sourceRows } from "./generator";
import { connect, ensureSchema, loadRows } from "./loader";

export const BENCH = {
  name: "source:bench",
  usage: `usage: npm run source:bench -- [--rows N] [--load]
  --rows N   rows per table to generate (default 1,000,000)
  --load     also load min(N, 200,000) rows into the database test_bench of the MySQL that the
             MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD variables name (then drop it)
  --help     this text`,
  options: { rows: { type: "string" }, load: { type: "boolean" } },
} as const;

async function bench(rows: number, load: boolean, port: number): Promise<number> {
  let peakHeap = 0;
  let checksum = 0;
  const started = process.hrtime.bigint();
  let n = 0;
  for (const row of sourceRows(DEFAULT_SEED, rows)) {
    checksum = (checksum + row.pin.title.length + row.user.age) % 1_000_003;
    if (++n % 50_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `generate: ${rows} rows (x3 tables) in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds)} rows/s; ` +
      `peak heap ${(peakHeap / 2 ** 20).toFixed(1)} MiB (checksum ${checksum})`,
  );
  if (load) {
    const loadCount = Math.min(rows, 200_000);
    const conn = await connect({
      host: process.env.MYSQL_HOST ?? "127.0.0.1",
      port,
      user: process.env.MYSQL_USER ?? "root",
      password: process.env.MYSQL_PASSWORD,
      database: process.env.MYSQL_DATABASE ?? "pinterest_data",
    });
    await conn.query("CREATE DATABASE IF NOT EXISTS test_bench CHARACTER SET utf8mb4");
    await conn.changeUser({ database: "test_bench" });
    await ensureSchema(conn, { reset: true });
    const t0 = Date.now();
    await loadRows(conn, { seed: DEFAULT_SEED, rows: loadCount, batchSize: 2000 });
    const s = (Date.now() - t0) / 1000;
    console.log(
      `load: ${loadCount} rows (x3 tables) in ${s.toFixed(2)} s = ${Math.round(loadCount / s)} rows/s`,
    );
    await conn.query("DROP DATABASE test_bench");
    await conn.end();
  }
  return 0;
}

export function main(argv: string[]): Promise<number> {
  return runCommand(BENCH, argv, ({ values }) =>
    bench(
      wholeNumber("--rows", values.rows, 1) ?? 1_000_000,
      values.load ?? false,
      wholeNumber("MYSQL_PORT", process.env.MYSQL_PORT, 1, 65_535) ?? 3306,
    ),
  );
}

if (require.main === module) exitWith(main);
