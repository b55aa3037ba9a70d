// How records reach a topic or stream. Each transport sends one batch to one target and reports
// which records (by position in the batch) were not accepted, so only those are sent again.
//   api:    the stack's APIs — REST proxy v2 produce through API Gateway, Kinesis PutRecords proxy;
//   direct: Kafka with kafkajs (MSK IAM via OAUTHBEARER) and Kinesis with the AWS SDK.
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { generateAuthToken } from "aws-msk-iam-sasl-signer-js";
import { Kafka, logLevel, Producer } from "kafkajs";
import type { TableKind } from "../components/shared/naming";
import type { BatchEndpoint, StreamEndpoint } from "../stacks/contract";
import { stackKinesisClient } from "./kinesisClient";

/** A source table, by the short name its topic and stream carry. */
export type Table = TableKind;
export type Path = "batch" | "stream";

export interface Target {
  readonly path: Path;
  readonly table: Table;
  /** Topic or stream name. */
  readonly name: string;
}

/** Positions (in the sent batch) of the records that were not accepted and may be sent again. */
export interface Delivery {
  readonly failed: number[];
}

/** A failure worth another try: throttling, a 5xx, a dropped connection. */
export class RetryableError extends Error {}
/** A failure no retry can fix: a refused API key, a rejected body, a missing topic. */
export class FatalError extends Error {}

export interface Transport {
  send(target: Target, values: object[], partitionKeys: string[]): Promise<Delivery>;
  close(): Promise<void>;
}

/** A Kafka client for the stack's brokers: MSK IAM (OAUTHBEARER over TLS) or plaintext locally. */
export function kafkaClient(batch: BatchEndpoint, region: string, clientId: string): Kafka {
  const iam = batch.kafkaAuth === "iam";
  return new Kafka({
    clientId,
    brokers: batch.bootstrapBrokers.split(","),
    logLevel: logLevel.NOTHING,
    ssl: iam,
    ...(iam
      ? {
          sasl: {
            mechanism: "oauthbearer" as const,
            oauthBearerProvider: async () => ({
              value: (await generateAuthToken({ region })).token,
            }),
          },
        }
      : {}),
  });
}

/** Every record's data in a Kinesis stream, as text, from TRIM_HORIZON to the tip of each shard. */
export async function readStream(client: KinesisClient, stream: string): Promise<string[]> {
  const out: string[] = [];
  for (const shard of (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ??
    []) {
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

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

async function request(url: string, init: RequestInit, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new RetryableError(`${what}: ${url} did not answer (${cause})`);
  }
  const text = await response.text();
  if (response.ok) {
    try {
      return JSON.parse(text);
    } catch {
      throw new RetryableError(
        `${what}: ${url} answered ${response.status} with non-JSON: ${text.slice(0, 200)}`,
      );
    }
  }
  const detail = `${what}: ${url} answered ${response.status} ${text.slice(0, 300)}`;
  if (RETRYABLE_STATUS.has(response.status)) throw new RetryableError(detail);
  if (response.status === 403) {
    throw new FatalError(
      `${detail} — the API refused the request: check the API key (--api-key-file or PIPELINE_API_KEY).`,
    );
  }
  throw new FatalError(detail);
}

/** The stack's two APIs (or the local replica's gateway serving the same routes). */
export class ApiTransport implements Transport {
  constructor(
    private readonly batch: BatchEndpoint | undefined,
    private readonly stream: StreamEndpoint | undefined,
    private readonly apiKey: string | undefined,
  ) {}

  async send(target: Target, values: object[], partitionKeys: string[]): Promise<Delivery> {
    const headers: Record<string, string> = this.apiKey ? { "x-api-key": this.apiKey } : {};
    if (target.path === "batch") {
      const base = this.batch!.invokeUrl.replace(/\/$/, "");
      const answer = (await request(
        `${base}/topics/${encodeURIComponent(target.name)}`,
        {
          method: "POST",
          headers: {
            ...headers,
            "Content-Type": "application/vnd.kafka.json.v2+json",
            Accept: "application/vnd.kafka.v2+json, application/json",
          },
          body: JSON.stringify({ records: values.map((value) => ({ value })) }),
        },
        `produce to ${target.name}`,
      )) as { offsets?: { error_code?: number | null; error?: string | null }[] };
      // Confluent's proxy and the Strimzi bridge both answer one offset per record; a record that
      // failed carries an error_code (Confluent: null otherwise; the bridge omits the field).
      const offsets = answer.offsets ?? [];
      if (offsets.length !== values.length) {
        throw new RetryableError(
          `produce to ${target.name}: ${offsets.length} offsets for ${values.length} records`,
        );
      }
      return { failed: offsets.flatMap((o, i) => (o.error_code != null ? [i] : [])) };
    }
    const base = this.stream!.invokeUrl.replace(/\/$/, "");
    const answer = (await request(
      `${base}/streams/${encodeURIComponent(target.name)}/records`,
      {
        method: "PUT",
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify({
          records: values.map((data, i) => ({ data, "partition-key": partitionKeys[i] })),
        }),
      },
      `put records to ${target.name}`,
    )) as { FailedRecordCount?: number; Records?: { ErrorCode?: string }[] };
    const records = answer.Records ?? [];
    if (records.length !== values.length) {
      throw new RetryableError(
        `put records to ${target.name}: ${records.length} results for ${values.length} records`,
      );
    }
    return { failed: records.flatMap((r, i) => (r.ErrorCode ? [i] : [])) };
  }

  async close() {}
}

/** Straight to Kafka and Kinesis, bypassing the APIs (needs network access to both). */
export class DirectTransport implements Transport {
  private producer?: Producer;
  private kinesis?: KinesisClient;

  constructor(
    private readonly batch: BatchEndpoint | undefined,
    private readonly stream: StreamEndpoint | undefined,
    private readonly region: string,
  ) {}

  private async kafkaProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const batch = this.batch!;
    if (!batch.bootstrapBrokers) {
      throw new FatalError(
        "--via direct needs batch.bootstrapBrokers in the stack outputs; this stack exports none (use --via api).",
      );
    }
    const kafka = kafkaClient(batch, this.region, "pinterest-emulator");
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await this.producer.connect();
    return this.producer;
  }

  async send(target: Target, values: object[], partitionKeys: string[]): Promise<Delivery> {
    if (target.path === "batch") {
      const producer = await this.kafkaProducer();
      try {
        await producer.send({
          topic: target.name,
          acks: -1,
          messages: values.map((v) => ({ value: JSON.stringify(v) })),
        });
      } catch (error) {
        const e = error as { retriable?: boolean; type?: string; message: string };
        if (e.type === "UNKNOWN_TOPIC_OR_PARTITION")
          throw new FatalError(`topic ${target.name} does not exist`);
        throw new RetryableError(`Kafka send to ${target.name}: ${e.message}`);
      }
      return { failed: [] };
    }
    this.kinesis ??= stackKinesisClient(this.region, this.stream?.kinesisEndpoint);
    try {
      const out = await this.kinesis.send(
        new PutRecordsCommand({
          StreamName: target.name,
          Records: values.map((v, i) => ({
            Data: Buffer.from(JSON.stringify(v)),
            PartitionKey: partitionKeys[i],
          })),
        }),
      );
      return { failed: (out.Records ?? []).flatMap((r, i) => (r.ErrorCode ? [i] : [])) };
    } catch (error) {
      const e = error as {
        name?: string;
        message: string;
        $retryable?: unknown;
        $metadata?: { httpStatusCode?: number };
      };
      if (e.name === "ResourceNotFoundException")
        throw new FatalError(`stream ${target.name} does not exist`);
      const status = e.$metadata?.httpStatusCode ?? 0;
      if (
        e.$retryable ||
        status >= 500 ||
        status === 0 ||
        e.name === "ProvisionedThroughputExceededException"
      ) {
        throw new RetryableError(`Kinesis PutRecords to ${target.name}: ${e.name}: ${e.message}`);
      }
      throw new FatalError(`Kinesis PutRecords to ${target.name}: ${e.name}: ${e.message}`);
    }
  }

  async close() {
    await this.producer?.disconnect();
    this.kinesis?.destroy();
  }
}
