// Benchmark (not a test): generator throughput and memory over a large row count, and optionally
// the loader's throughput into the MySQL named by the MYSQL_* variables (into a separate
// `test_bench` database, so the real source tables are never touched).
//   npm run source:bench -- [rows=1000000] [--load]
import { DEFAULT_SEED, sourceRows } from "./generator";
import { connect, ensureSchema, loadRows } from "./loader";

async function main() {
  const rows = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
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
  if (process.argv.includes("--load")) {
    const loadCount = Math.min(rows, 200_000);
    const conn = await connect({
      host: process.env.MYSQL_HOST ?? "127.0.0.1",
      port: Number(process.env.MYSQL_PORT ?? 3306),
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
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
