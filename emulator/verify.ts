// `npm run emulate -- verify --stack <name>`: reads back what landed in each topic and stream and
// compares it with the source: rows missing, rows present more than once, rows that differ.
// Topics are read with kafkajs from the start to the high-water mark (a throw-away consumer group
// named after the prefix, as the client role's IAM scope requires); streams with the AWS SDK from
// TRIM_HORIZON to the tip. Needs the direct endpoints (`batch.bootstrapBrokers`, network access).
import { isDeepStrictEqual } from "util";
import { TABLE_KINDS } from "../components/shared/naming";
import { Failure } from "../cli/args";
import type { PipelineOutputs } from "../stacks/contract";
import { SourceConnection, sourceKeys } from "./sourceReader";
import { stackKinesisClient } from "./kinesisClient";
import { kafkaClient, readStream, Table } from "./transports";

export interface TargetReport {
  readonly name: string;
  readonly landed: number;
  readonly missing: number[];
  readonly duplicated: number[];
  readonly different: number[];
}

const KEY: Record<Table, string> = { pin: "index", geo: "ind", user: "ind" };
const SQL: Record<Table, string> = {
  pin: "SELECT * FROM pinterest_data",
  geo: "SELECT * FROM geolocation_data",
  user: "SELECT * FROM user_data",
};

/** Compares landed JSON texts with the source rows of one table. */
export function compare(
  name: string,
  table: Table,
  source: Record<string, unknown>[],
  landed: string[],
): TargetReport {
  const key = KEY[table];
  const want = new Map(source.map((row) => [Number(row[key]), row]));
  const seen = new Map<number, number>();
  const different = new Set<number>();
  for (const text of landed) {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text);
    } catch {
      continue; // not a record of ours
    }
    const k = Number(value[key]);
    if (!want.has(k)) continue; // rows of another source (other seeds, other tests) are not ours to judge
    seen.set(k, (seen.get(k) ?? 0) + 1);
    if (!isDeepStrictEqual(value, want.get(k))) different.add(k);
  }
  return {
    name,
    landed: [...seen.values()].reduce((a, b) => a + b, 0),
    missing: [...want.keys()].filter((k) => !seen.has(k)),
    duplicated: [...seen].filter(([, n]) => n > 1).map(([k]) => k),
    different: [...different],
  };
}

async function readTopic(outputs: PipelineOutputs, topic: string): Promise<string[]> {
  const kafka = kafkaClient(outputs.batch!, outputs.region, "pinterest-emulator-verify");
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map(
    (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]),
  );
  await admin.disconnect();
  const values: string[] = [];
  if ([...ends.values()].every((high) => high === 0)) return values;
  const consumer = kafka.consumer({ groupId: `${outputs.prefix}-verify-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const reached = new Set([...ends].filter(([, high]) => high === 0).map(([p]) => p));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`verify: reading ${topic} took over 5 minutes`)),
      300_000,
    );
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (message.value) values.push(message.value.toString("utf8"));
          if (Number(message.offset) + 1 >= (ends.get(partition) ?? 0)) reached.add(partition);
          if (reached.size === ends.size) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return values;
}

async function readStreamOf(outputs: PipelineOutputs, stream: string): Promise<string[]> {
  const client = stackKinesisClient(outputs.region, outputs.stream!.kinesisEndpoint);
  try {
    return await readStream(client, stream);
  } finally {
    client.destroy();
  }
}

/** What `read` returns; a Failure naming `what` when the broker or stream cannot be read. */
async function reading(what: string, read: () => Promise<string[]>): Promise<string[]> {
  try {
    return await read();
  } catch (error) {
    const message = String((error as Error).message ?? error).split("\n")[0];
    throw new Failure(`Cannot read ${what} back: ${message}`);
  }
}

/** Verifies every topic and stream of the stack against the source. */
export async function verify(
  outputs: PipelineOutputs,
  conn: SourceConnection,
): Promise<TargetReport[]> {
  await sourceKeys(conn); // the same shape checks as sending
  const reports: TargetReport[] = [];
  for (const table of TABLE_KINDS) {
    const [rows] = await conn.query(SQL[table]);
    const source = rows.map((r) => ({ ...r }));
    if (outputs.batch) {
      const topic = outputs.batch.topics[table];
      const where = `topic ${topic} (brokers ${outputs.batch.bootstrapBrokers})`;
      const landed = await reading(where, () => readTopic(outputs, topic));
      reports.push(compare(topic, table, source, landed));
    }
    if (outputs.stream) {
      const stream = outputs.stream.streams[table];
      const landed = await reading(`stream ${stream}`, () => readStreamOf(outputs, stream));
      reports.push(compare(stream, table, source, landed));
    }
  }
  return reports;
}

export function verifyText(reports: TargetReport[]): string {
  const list = (xs: number[]) =>
    xs.length
      ? `${xs.length} (index ${xs.slice(0, 10).join(", ")}${xs.length > 10 ? ", ..." : ""})`
      : "0";
  return reports
    .map(
      (r) =>
        `${r.name.padEnd(28)} landed ${String(r.landed).padStart(7)}  missing ${list(r.missing)}  duplicated ${list(r.duplicated)}  different ${list(r.different)}`,
    )
    .join("\n");
}
