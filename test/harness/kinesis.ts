// A real Kinesis API for tests: kinesalite, in-process, in memory, on a free loopback port.
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AddressInfo } from "net";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const kinesalite = require("kinesalite") as (options: object) => import("http").Server;

export interface LocalKinesis {
  readonly endpoint: string;
  readonly client: KinesisClient;
  createStreams(names: string[], shards?: number): Promise<void>;
  /** Every record's data, decoded as text, in shard order. */
  readAll(stream: string): Promise<string[]>;
  close(): Promise<void>;
}

/** A client for a Kinesis API at `endpoint` (local credentials, HTTP/1.1 as emulators need). */
export function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler(),
  });
}

/** Every record's data in a stream, decoded as text, in shard order. */
export async function readStream(client: KinesisClient, stream: string): Promise<string[]> {
  const out: string[] = [];
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
  for (const shard of Shards) {
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await client.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
      );
      out.push(...(page.Records ?? []).map((r) => Buffer.from(r.Data!).toString("utf8")));
      // A full page may end exactly at the tip; only an empty page at the tip is the end.
      if (!page.Records?.length && !page.MillisBehindLatest) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

export async function startKinesis(): Promise<LocalKinesis> {
  const server = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 50,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = kinesisClient(endpoint);
  return {
    endpoint,
    client,
    async createStreams(names, shards = 2) {
      for (const StreamName of names)
        await client.send(new CreateStreamCommand({ StreamName, ShardCount: shards }));
    },
    readAll: (stream) => readStream(client, stream),
    async close() {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
