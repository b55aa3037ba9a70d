// A real MariaDB for tests: the project's own throw-away server (local/mysql.sh), started on
// demand, with one fresh database per test file so files never see each other's tables.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import * as mysql from "mysql2/promise";
import type { ConnectionSettings } from "../../emulator/source/loader";
import { REPO_ROOT } from "../../tools/pulumi-mock/mockRun";

const SCRIPT = path.join(REPO_ROOT, "local", "mysql.sh");

/** Starts the server if needed and returns the pipeline user's connection variables. */
export function localMysql(): ConnectionSettings {
  execFileSync(SCRIPT, ["start"], { stdio: ["ignore", "ignore", "inherit"] });
  const env = execFileSync(SCRIPT, ["env"], { encoding: "utf8" });
  const vars = Object.fromEntries(
    [...env.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
  );
  return {
    host: vars.MYSQL_HOST,
    port: Number(vars.MYSQL_PORT),
    user: vars.MYSQL_USER,
    password: vars.MYSQL_PASSWORD,
    database: vars.MYSQL_DATABASE,
  };
}

/** A new empty database (`test_<random>`) and a way to drop it. */
export async function scratchDatabase(): Promise<{
  settings: ConnectionSettings;
  drop: () => Promise<void>;
}> {
  const base = localMysql();
  const database = `test_${crypto.randomBytes(4).toString("hex")}`;
  const admin = await mysql.createConnection({ ...base, database: undefined });
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  return {
    settings: { ...base, database },
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    },
  };
}
