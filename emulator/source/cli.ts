// `npm run source:load -- [options]`: creates the source tables and loads generated rows.
// `npm run source:summary -- [options]`: prints what the source tables hold.
// Connection: flags, else MYSQL_HOST/PORT/USER/PASSWORD/DATABASE, else a stack outputs file's
// `sourceDatabase` (--outputs), else 127.0.0.1:3306. The password is never taken from a flag
// (it would show in the process list): MYSQL_PASSWORD or --password-file, else the deployed
// stack's Secrets Manager secret (`sourceDatabase.secretArn` of --outputs), like the emulator.
import * as fs from "fs";
import { parseArgs } from "util";
import { readDatabaseSecret } from "../outputs";
import { DEFAULT_ROW_COUNT, DEFAULT_SEED } from "./generator";
import {
  connect,
  ConnectionSettings,
  ensureSchema,
  loadRows,
  SourceDatabaseError,
  SourceSummary,
  summarise,
  tlsFor,
} from "./loader";

const USAGE = `usage: source <load|summary> [options]
  --host H --port N --user U --database D   connection (default: MYSQL_* variables, then 127.0.0.1:3306)
  --password-file F                         read the password from a file (default: MYSQL_PASSWORD,
                                            then the --outputs stack's database secret)
  --outputs F                               take host/port/database from a stack outputs JSON file
  --rows N        rows per table to load (default ${DEFAULT_ROW_COUNT})
  --seed S        generator seed (default ${DEFAULT_SEED})
  --batch-size B  rows per transaction (default 1000)
  --reset         drop the three tables first`;

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value))
    throw new SourceDatabaseError(`--${name} "${text}" is not a whole number.`);
  return value;
}

async function settingsFrom(
  values: Record<string, string | boolean | undefined>,
): Promise<ConnectionSettings> {
  const env = process.env;
  let fromOutputs: { host?: string; port?: number; databaseName?: string; secretArn?: string } = {};
  let region: string | undefined;
  if (typeof values.outputs === "string") {
    let parsed: {
      pipeline?: { region?: string; sourceDatabase?: typeof fromOutputs };
      region?: string;
      sourceDatabase?: typeof fromOutputs;
    };
    try {
      parsed = JSON.parse(fs.readFileSync(values.outputs, "utf8"));
    } catch (error) {
      throw new SourceDatabaseError(
        `Cannot read stack outputs file ${values.outputs}: ${(error as Error).message}`,
      );
    }
    fromOutputs = parsed.pipeline?.sourceDatabase ?? parsed.sourceDatabase ?? {};
    region = parsed.pipeline?.region ?? parsed.region;
    if (!fromOutputs.host) {
      throw new SourceDatabaseError(
        `Stack outputs file ${values.outputs} has no sourceDatabase.host.`,
      );
    }
  }
  let password = env.MYSQL_PASSWORD;
  if (typeof values["password-file"] === "string") {
    password = fs.readFileSync(values["password-file"], "utf8").trim();
  }
  const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);
  let secretUser: string | undefined;
  if (password === undefined && fromOutputs.secretArn && region) {
    try {
      const secret = await readDatabaseSecret(region, fromOutputs.secretArn);
      password = secret.password;
      secretUser = secret.username;
    } catch (error) {
      throw new SourceDatabaseError((error as Error).message);
    }
  }
  return {
    host: str(values.host) ?? env.MYSQL_HOST ?? fromOutputs.host ?? "127.0.0.1",
    port: integer("port", str(values.port) ?? env.MYSQL_PORT, fromOutputs.port ?? 3306),
    user: str(values.user) ?? env.MYSQL_USER ?? secretUser ?? "root",
    password,
    database:
      str(values.database) ?? env.MYSQL_DATABASE ?? fromOutputs.databaseName ?? "pinterest_data",
    tls: tlsFor(fromOutputs.host ?? str(values.host) ?? env.MYSQL_HOST),
  };
}

export function formatSummary(s: SourceSummary): string {
  const total = s.rows.pinterest_data || 1;
  const pct = (n: number) => `${n} (${((100 * n) / total).toFixed(1)}%)`;
  const lines = [
    `rows: ${Object.entries(s.rows)
      .map(([t, n]) => `${t} ${n}`)
      .join(", ")}`,
    `aligned: ${s.misaligned === 0 ? "yes" : `no, ${s.misaligned} indexes missing from geolocation_data or user_data`}`,
    `junk values: ${Object.entries(s.junk)
      .map(([k, n]) => `${k} ${pct(n)}`)
      .join(", ")}`,
    `follower_count forms: ${Object.entries(s.followerCountForms)
      .map(([k, n]) => `${k} ${pct(n)}`)
      .join(", ")}`,
    `categories: ${s.categories}, countries: ${s.countries}, ages ${s.ageRange[0]}–${s.ageRange[1]}`,
    `joined: ${s.joinedRange[0]} .. ${s.joinedRange[1]}; posted: ${s.postedRange[0]} .. ${s.postedRange[1]}`,
  ];
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      user: { type: "string" },
      database: { type: "string" },
      "password-file": { type: "string" },
      outputs: { type: "string" },
      rows: { type: "string" },
      seed: { type: "string" },
      "batch-size": { type: "string" },
      reset: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  const command = positionals[0];
  if (values.help || !command || !["load", "summary"].includes(command)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const settings = await settingsFrom(values);
  const conn = await connect(settings);
  try {
    if (command === "load") {
      const rows = integer("rows", values.rows, DEFAULT_ROW_COUNT);
      const seed = integer("seed", values.seed, DEFAULT_SEED);
      await ensureSchema(conn, { reset: values.reset });
      const started = Date.now();
      let lastShown = 0;
      const loaded = await loadRows(conn, {
        rows,
        seed,
        batchSize: integer("batch-size", values["batch-size"], 1000),
        onProgress: (done, all) => {
          if (done === all || Date.now() - lastShown > 1000) {
            lastShown = Date.now();
            process.stderr.write(`\rloading: ${done}/${all} rows per table`);
          }
        },
      });
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write("\n");
      console.log(
        `Loaded ${loaded} generated rows (seed ${seed}) into each of pinterest_data, geolocation_data, user_data ` +
          `at ${settings.host}:${settings.port}/${settings.database} in ${seconds.toFixed(1)} s.`,
      );
    }
    console.log(formatSummary(await summarise(conn)));
  } finally {
    await conn.end();
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(error instanceof SourceDatabaseError ? `error: ${error.message}` : error);
      process.exit(1);
    },
  );
}
