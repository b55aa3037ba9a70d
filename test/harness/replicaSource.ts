// What the replica's end-to-end files share: a scratch copy of the source database filled with
// generated rows at indexes of their own, the variables the emulator reads to reach it, and a
// client of the replica's object store.
import { S3Client } from "@aws-sdk/client-s3";
import { execFileSync } from "child_process";
import * as mysql from "mysql2/promise";
import * as path from "path";
import { ConnectionSettings, connect, ensureSchema, loadRows } from "../../emulator/source/loader";
import { scratchDatabase } from "./mysql";
import { REPO_ROOT } from "../../tools/pulumi-mock/mockRun";

/** A scratch source database, open, and how to drop it. */
export interface ScratchSource {
  readonly settings: ConnectionSettings;
  readonly connection: mysql.Connection;
  /** Closes the connection and drops the database. */
  readonly drop: () => Promise<void>;
}

/**
 * A new source database with `rows` generated rows per table (seed `seed`), their keys shifted up
 * by `indexOffset` so that no other run's rows (the main command's, another file's) share a key.
 */
export async function scratchSource(opts: {
  seed: number;
  rows: number;
  indexOffset: number;
}): Promise<ScratchSource> {
  const db = await scratchDatabase();
  const connection = await connect(db.settings);
  await ensureSchema(connection);
  await loadRows(connection, { seed: opts.seed, rows: opts.rows });
  await connection.query("UPDATE pinterest_data SET `index` = `index` + ?", [opts.indexOffset]);
  await connection.query("UPDATE geolocation_data SET ind = ind + ?", [opts.indexOffset]);
  await connection.query("UPDATE user_data SET ind = ind + ?", [opts.indexOffset]);
  return {
    settings: db.settings,
    connection,
    drop: async () => {
      await connection.end();
      await db.drop();
    },
  };
}

/** What the emulator reads to reach the scratch database, and the local stores' dummy keys. */
export function emulatorEnv(source: ScratchSource): Record<string, string> {
  return {
    MYSQL_USER: source.settings.user,
    MYSQL_PASSWORD: source.settings.password ?? "",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
  };
}

/** The replica object store's variables, as `local/s3/s3.sh env` prints them. */
export function localS3Env(): Record<string, string> {
  const text = execFileSync(path.join(REPO_ROOT, "local", "s3", "s3.sh"), ["env"], {
    encoding: "utf8",
  });
  return Object.fromEntries([...text.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

/** A client of the replica's object store (moto: path-style, dummy keys). */
export function localS3(): S3Client {
  const env = localS3Env();
  return new S3Client({
    endpoint: env.PIPELINE_S3_ENDPOINT,
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    },
  });
}
