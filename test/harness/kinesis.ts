// A real Kinesis API for tests: kinesalite, in-process, in memory, on a free loopback port.
import { CreateStreamCommand, DescribeStreamCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import type { AddressInfo } from "net";
import { kinesisClient as sdkKinesisClient } from "../../emulator/kinesisClient";
import { readStream } from "../../emulator/transports";
import { waitFor } from "./waitFor";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const kinesalite = require("kinesalite") as (options: object) => import("http").Server;

export interface LocalKinesis {
  readonly endpoint: string;
  readonly client: KinesisClient;
  /** Creates the streams and returns once each is ACTIVE with all its shards. */
  createStreams(names: string[], shards?: number): Promise<void>;
  /** Every record's data, decoded as text, in shard order. */
  readAll(stream: string): Promise<string[]>;
  close(): Promise<void>;
}

/** A client for a Kinesis API at `endpoint` (local credentials, HTTP/1.1 as emulators need). */
export function kinesisClient(endpoint: string): KinesisClient {
  return sdkKinesisClient({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}

/**
 * Waits until the stream is ACTIVE with `shards` open shards. CreateStream is asynchronous, in
 * kinesalite too (even with createStreamMs: 0 the shards appear on a later tick): "The stream is
 * created in the CREATING state ... you can perform read and write operations only on an ACTIVE
 * stream" (Kinesis API Reference, CreateStream).
 */
export async function waitForStreamActive(
  client: KinesisClient,
  StreamName: string,
  shards?: number,
): Promise<void> {
  await waitFor(
    `stream ${StreamName} to be ACTIVE${shards === undefined ? "" : ` with ${shards} shards`}`,
    async () => {
      const { StreamDescription: d } = await client.send(new DescribeStreamCommand({ StreamName }));
      return { status: d?.StreamStatus, shards: d?.Shards?.length ?? 0 };
    },
    (d) => d.status === "ACTIVE" && (shards === undefined || d.shards === shards),
  );
}

/** Reading a stream back is the emulator's own code (its `verify` uses it too). */
export { readStream };

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
      for (const StreamName of names) await waitForStreamActive(client, StreamName, shards);
    },
    readAll: (stream) => readStream(client, stream),
    async close() {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
