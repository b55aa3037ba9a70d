// Reads the source rows the emulator sends: each "event" is the three rows with one index, as the
// course's script reads them. Two modes:
// - sequential: every row once, in index order, in pages; resumable after a given index;
// - random: the course's behaviour — seeded random positions, so re-sends happen — in pages.
import type * as mysql from "mysql2/promise";
import type { GeoRow, PinRow, UserRow } from "./source/generator";
import { connect, ConnectionSettings, SourceDatabaseError } from "./source/loader";

/** Errors after which a new connection may succeed: the server restarted or the link dropped. */
const CONNECTION_LOST = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "ECONNRESET",
  "EPIPE",
  "ECONNREFUSED",
  "ER_SERVER_SHUTDOWN",
]);

/** A MySQL connection that reconnects and repeats a read when the link drops (reads are safe to repeat). */
export class SourceConnection {
  private conn?: mysql.Connection;
  reconnects = 0;
  constructor(
    private readonly settings: ConnectionSettings,
    private readonly attempts = 5,
  ) {}

  async query<T extends mysql.RowDataPacket[]>(
    sql: string,
    params?: unknown[],
  ): Promise<[T, unknown]> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.conn ??= await connect(this.settings);
        return (await this.conn.query<T>(sql, params)) as [T, unknown];
      } catch (error) {
        const code = (error as { code?: string }).code ?? "";
        const message = (error as Error).message;
        const lost =
          CONNECTION_LOST.has(code) ||
          /closed state|\((ECONNREFUSED|ECONNRESET|ETIMEDOUT)\)\.$/.test(message);
        if (!lost || attempt >= this.attempts) throw error;
        this.conn?.destroy();
        this.conn = undefined;
        this.reconnects++;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  async end() {
    await this.conn?.end().catch(() => undefined);
  }
}

export interface SourceEvent {
  readonly index: number;
  readonly pin: PinRow;
  readonly geo: GeoRow;
  readonly user: UserRow;
}

async function fetchEvents(conn: SourceConnection, indexes: number[]): Promise<SourceEvent[]> {
  if (indexes.length === 0) return [];
  const unique = [...new Set(indexes)];
  const [pins] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT * FROM pinterest_data WHERE `index` IN (?)",
    [unique],
  );
  const [geos] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT * FROM geolocation_data WHERE ind IN (?)",
    [unique],
  );
  const [users] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT * FROM user_data WHERE ind IN (?)",
    [unique],
  );
  const byKey = <T>(rows: mysql.RowDataPacket[], key: string) =>
    new Map(rows.map((r) => [Number(r[key]), { ...r } as T]));
  const pin = byKey<PinRow>(pins, "index");
  const geo = byKey<GeoRow>(geos, "ind");
  const user = byKey<UserRow>(users, "ind");
  // An index missing from one table cannot be sent as an aligned event: say which.
  const missing = unique.filter((i) => !pin.has(i) || !geo.has(i) || !user.has(i));
  if (missing.length > 0) {
    throw new SourceDatabaseError(
      `Source rows are not aligned: index ${missing.slice(0, 5).join(", ")} is missing from ` +
        `pinterest_data, geolocation_data or user_data. Reload the source (npm run source:load -- --reset).`,
    );
  }
  return indexes.map((i) => ({ index: i, pin: pin.get(i)!, geo: geo.get(i)!, user: user.get(i)! }));
}

/** Checks the three tables exist with the columns the emulator sends; returns the sorted keys. */
export async function sourceKeys(conn: SourceConnection): Promise<number[]> {
  const [tables] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
      AND TABLE_NAME IN ('pinterest_data', 'geolocation_data', 'user_data')`,
  );
  const found = new Set(tables.map((t) => String(t.name)));
  const absent = ["pinterest_data", "geolocation_data", "user_data"].filter((t) => !found.has(t));
  if (absent.length > 0) {
    throw new SourceDatabaseError(
      `Source database has no table ${absent.join(", ")}: load it first (npm run source:load).`,
    );
  }
  const [cols] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
      AND TABLE_NAME = 'pinterest_data' AND COLUMN_NAME = 'index'`,
  );
  if (cols.length === 0) {
    throw new SourceDatabaseError(
      "Source table pinterest_data has no `index` column: it is not the course's table shape.",
    );
  }
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT `index` AS i FROM pinterest_data ORDER BY `index`",
  );
  return rows.map((r) => Number(r.i));
}

/** Pages of events in index order, starting after `afterIndex`. */
export async function* sequentialEvents(
  conn: SourceConnection,
  keys: number[],
  pageSize: number,
  afterIndex = -Infinity,
  limit = Infinity,
): AsyncGenerator<SourceEvent[]> {
  const pending = keys
    .filter((k) => k > afterIndex)
    .slice(0, Number.isFinite(limit) ? limit : undefined);
  for (let start = 0; start < pending.length; start += pageSize) {
    yield fetchEvents(conn, pending.slice(start, start + pageSize));
  }
}

/** Pages of events at seeded random positions (the course's mode: duplicates are expected). */
export async function* randomEvents(
  conn: SourceConnection,
  keys: number[],
  pageSize: number,
  seed: number,
  limit = Infinity,
): AsyncGenerator<SourceEvent[]> {
  let state = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: tiny, deterministic, good enough to pick rows.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  for (let sent = 0; sent < limit;) {
    const n = Math.min(pageSize, limit - sent);
    yield fetchEvents(
      conn,
      Array.from({ length: n }, () => keys[Math.floor(next() * keys.length)]),
    );
    sent += n;
  }
}
