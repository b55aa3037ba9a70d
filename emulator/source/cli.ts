// `npm run source:load -- [options]`: creates the source tables and loads generated rows.
// `npm run source:summary -- [options]`: prints what the source tables hold.
// Connection: flags, else MYSQL_HOST/PORT/USER/PASSWORD/DATABASE, else a stack outputs file's
// `sourceDatabase` (--outputs), else 127.0.0.1:3306. The password is never taken from a flag
// (it would show in the process list): MYSQL_PASSWORD or --password-file, else the deployed
// stack's Secrets Manager secret (`sourceDatabase.secretArn` of --outputs), like the emulator.
// Every value is checked before the first connection, so a wrong one changes nothing (not even
// with --reset).
import * as fs from "fs";
import {
  Args,
  exitWith,
  readSecretFile,
  runCommand,
  UsageError,
  wholeNumber,
} from "../../cli/args";
import { readDatabaseSecret } from "../outputs";
import { DEFAULT_ROW_COUNT, DEFAULT_SEED } from "./generator";
import {
  connect,
  ConnectionSettings,
  ensureSchema,
  loadRows,
  MAX_BATCH_SIZE,
  SourceDatabaseError,
  SourceSummary,
  summarise,
  tlsFor,
} from "./loader";

const USAGE = `usage: npm run source:load -- [options]      create the tables, load generated rows, summarise
       npm run source:summary -- [options]   summarise what the tables hold
  --host H --port N --user U --database D   connection (default: MYSQL_* variables, then
                                            127.0.0.1:3306, user root, database pinterest_data)
  --password-file F                         read the password from a file (default: MYSQL_PASSWORD,
                                            then the --outputs stack's database secret)
  --outputs F                               take host/port/database from a stack outputs JSON file
  --rows N        load: rows per table (default ${DEFAULT_ROW_COUNT})
  --seed S        load: generator seed (default ${DEFAULT_SEED})
  --batch-size B  load: rows per transaction, 1–${MAX_BATCH_SIZE.toLocaleString("en-US")} (default 1000)
  --reset         load: drop the three tables first
  --help          this text
Exit codes: 0 done, 1 a failure (database, file), 2 a wrong command line.`;

export const SOURCE = {
  name: "source",
  usage: USAGE,
  commands: ["load", "summary"],
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
  },
} as const;

const LOAD_ONLY = ["rows", "seed", "batch-size", "reset"] as const;

/** What one run does, checked: nothing here reads a file or connects. */
export interface SourcePlan {
  readonly command: "load" | "summary";
  readonly rows: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly reset: boolean;
  /** The port of --port or MYSQL_PORT, when either is given. */
  readonly port?: number;
}

/** The run's plan from its arguments; a UsageError for a value that is wrong or cannot apply. */
export function sourcePlan({ values, command, given }: Args<typeof SOURCE.options>): SourcePlan {
  if (command === "summary") {
    const misplaced = LOAD_ONLY.filter((o) => given.has(o));
    if (misplaced.length > 0) {
      throw new UsageError(
        `--${misplaced[0]} is for load; summary only reads the tables: drop it or run load.`,
      );
    }
  }
  const port =
    values.port !== undefined
      ? wholeNumber("--port", values.port, 1, 65_535)
      : wholeNumber("MYSQL_PORT", process.env.MYSQL_PORT, 1, 65_535);
  return {
    command: command as SourcePlan["command"],
    rows: wholeNumber("--rows", values.rows, 1) ?? DEFAULT_ROW_COUNT,
    seed: wholeNumber("--seed", values.seed, 0, 2 ** 32 - 1) ?? DEFAULT_SEED,
    batchSize: wholeNumber("--batch-size", values["batch-size"], 1, MAX_BATCH_SIZE) ?? 1000,
    reset: values.reset ?? false,
    port,
  };
}

async function settingsFrom(
  values: Args<typeof SOURCE.options>["values"],
  port: number | undefined,
): Promise<ConnectionSettings> {
  const env = process.env;
  let fromOutputs: { host?: string; port?: number; databaseName?: string; secretArn?: string } = {};
  let region: string | undefined;
  if (values.outputs !== undefined) {
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
    fromOutputs = parsed?.pipeline?.sourceDatabase ?? parsed?.sourceDatabase ?? {};
    region = parsed?.pipeline?.region ?? parsed?.region;
    if (!fromOutputs.host) {
      throw new SourceDatabaseError(
        `Stack outputs file ${values.outputs} has no sourceDatabase.host.`,
      );
    }
  }
  let password = env.MYSQL_PASSWORD;
  if (values["password-file"] !== undefined) {
    password = readSecretFile("--password-file", values["password-file"]);
  }
  let secretUser: string | undefined;
  if (password === undefined && fromOutputs.secretArn && region) {
    const secret = await readDatabaseSecret(region, fromOutputs.secretArn);
    password = secret.password;
    secretUser = secret.username;
  }
  return {
    host: values.host ?? env.MYSQL_HOST ?? fromOutputs.host ?? "127.0.0.1",
    port: port ?? fromOutputs.port ?? 3306,
    user: values.user ?? env.MYSQL_USER ?? secretUser ?? "root",
    password,
    database: values.database ?? env.MYSQL_DATABASE ?? fromOutputs.databaseName ?? "pinterest_data",
    tls: tlsFor(fromOutputs.host ?? values.host ?? env.MYSQL_HOST),
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

/** `npm run source:load|source:summary -- ...`: the exit code (see cli/args.ts). */
export async function main(argv: string[]): Promise<number> {
  return runCommand(SOURCE, argv, async (args) => {
    const plan = sourcePlan(args);
    const settings = await settingsFrom(args.values, plan.port);
    const conn = await connect(settings);
    try {
      if (plan.command === "load") {
        await ensureSchema(conn, { reset: plan.reset });
        const started = Date.now();
        let lastShown = 0;
        const loaded = await loadRows(conn, {
          rows: plan.rows,
          seed: plan.seed,
          batchSize: plan.batchSize,
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
          `Loaded ${loaded} generated rows (seed ${plan.seed}) into each of pinterest_data, geolocation_data, user_data ` +
            `at ${settings.host}:${settings.port}/${settings.database} in ${seconds.toFixed(1)} s.`,
        );
      }
      console.log(formatSummary(await summarise(conn)));
    } finally {
      await conn.end();
    }
    return 0;
  });
}

if (require.main === module) exitWith(main);
