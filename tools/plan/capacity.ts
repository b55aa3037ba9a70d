// The capacity model behind `npm run plan` (./cli.ts): from an event rate and a base stack's
// config, the sizes each limited part needs, its use of capacity at that rate, and the limit that
// stops the design. Pure: tests call it directly. Every input is in CAPACITY_INPUTS with where it
// comes from: a published limit (with its page), a measurement of this repository
// (docs/benchmarks.md), or an assumption still to be replaced by one.
import type { StackConfig } from "../../stacks/config";
import type { RegionPrices } from "../cost/prices";
import { CLIENT_INSTANCE_LIMITS } from "../../components/kafka/kafkaClientGroup";

/** Where an input comes from: an AWS or Databricks page, docs/benchmarks.md, or nobody yet. */
export type InputKind = "published" | "measured" | "assumption";

export interface CapacityInput {
  readonly value: number;
  readonly unit: string;
  readonly kind: InputKind;
  readonly source: string;
}

const input = (value: number, unit: string, kind: InputKind, source: string): CapacityInput => ({
  value,
  unit,
  kind,
  source,
});

const REVIEW = "/work/shared/reviews/scale-2026-12.md";
const KAFKA_BENCH = 'docs/benchmarks.md, "Kafka side in CPU time"';
// The replica's figures beside the two inputs they cannot stand for (ranges over the runs there).
const BENCH_PROXY = "58,000–85,000 records";
const BENCH_BROKER = "19.6–23.5 MB";

/** Every number the model uses. */
export const CAPACITY_INPUTS = {
  recordsPerEvent: input(
    3,
    "records (pin, geo, user)",
    "measured",
    `${REVIEW}, "Inputs measured here"`,
  ),
  eventBytes: input(
    812,
    "bytes of JSON per event",
    "measured",
    `${REVIEW}: sourceRow(42, i), 20,000 rows`,
  ),
  recordsPerRequest: input(
    500,
    "records per API request (the emulator's default)",
    "published",
    "Kinesis API Reference, PutRecords: at most 500 records a request",
  ),
  apiAccountRate: input(
    10_000,
    "requests/s per account and region, both APIs together",
    "published",
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
  ),
  shardRecords: input(
    1000,
    "records/s written per shard",
    "published",
    "https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html",
  ),
  shardQuota: input(
    20_000,
    "shards per account in eu-west-1",
    "published",
    "https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html",
  ),
  brokerStorageGib: input(
    16_384,
    "GiB of storage per MSK broker",
    "published",
    "https://docs.aws.amazon.com/msk/latest/developerguide/limits.html",
  ),
  brokersPerCluster: input(
    30,
    "brokers per ZooKeeper-based MSK cluster",
    "published",
    "https://docs.aws.amazon.com/msk/latest/developerguide/limits.html",
  ),
  volumeMiBs: input(
    250,
    "MiB/s of storage throughput per broker (without provisioned throughput)",
    "published",
    "https://docs.aws.amazon.com/msk/latest/developerguide/msk-provision-throughput-management.html",
  ),
  connectMcus: input(
    80,
    "MCUs per connector (10 workers × 8 MCU)",
    "published",
    "https://docs.aws.amazon.com/msk/latest/developerguide/msk-connect-capacity.html",
  ),
  sparkRecordsPerCore: input(
    5150,
    "records/s per core, the batch job (parse, clean, Delta writes)",
    "measured",
    'docs/benchmarks.md, "Batch job alone": ≈10,300 records/s on local[2] (b172e09)',
  ),
  streamingRecordsPerCore: input(
    5150,
    "records/s per core, the streaming job (taken equal to the batch job's: same parsing)",
    "assumption",
    'docs/benchmarks.md, "Streaming job in CPU time": 914 records per CPU-second on the replica, ' +
      "a floor (its Python Kinesis source reads every record twice; Databricks' runs in the JVM)",
  ),
  proxyRecordsPerVcpu: input(
    5000,
    "records/s per vCPU through the Confluent REST proxy, batched",
    "assumption",
    `${REVIEW} §3 †; Confluent's proxy cannot be installed here. The replica's stand-in (JDK HTTP ` +
      `server, Jackson, the Kafka producer; no TLS to MSK) does ${BENCH_PROXY} per CPU-second at ` +
      `500 a request (${KAFKA_BENCH}): a ceiling for Confluent's heavier server, not its rate`,
  ),
  t3Baseline: input(
    0.2,
    "of each vCPU a t3.small sustains without surplus credits",
    "published",
    "https://aws.amazon.com/ec2/instance-types/t3/",
  ),
  mcuMBs: input(
    9.6,
    "MB/s through the S3 sink per MCU (1 vCPU), as MB per CPU-second of the replica's Connect worker",
    "measured",
    `${KAFKA_BENCH}, the lowest of 3 runs: Apache Kafka Connect with the project's own S3 sink ` +
      `(not Confluent's) writing to moto over plain HTTP`,
  ),
  brokerIngressMBs: input(
    25,
    "MB/s of client ingress per *.large broker at RF 3 (t3.small: a fifth; ×2 per size)",
    "assumption",
    `${REVIEW} §3 † (A11: AWS's right-sizing post). The replica's one broker takes ${BENCH_BROKER} ` +
      `per CPU-second (${KAFKA_BENCH}), at RF 1 without TLS: no stand-in for MSK at RF 3`,
  ),
  utilisation: input(0.7, "of any capacity planned for (80 % for shards)", "assumption", REVIEW),
} as const;

const I = Object.fromEntries(Object.entries(CAPACITY_INPUTS).map(([k, v]) => [k, v.value])) as {
  [K in keyof typeof CAPACITY_INPUTS]: number;
};

/** The REST proxy machine types the plan knows the vCPUs of (it keeps the base stack's). */
export const PROXY_TYPES: readonly [string, number][] = [
  ["t3.small", 2],
  ["c5.large", 2],
  ["c5.xlarge", 4],
  ["c5.2xlarge", 8],
  ["c5.4xlarge", 16],
  ["c5.9xlarge", 36],
  ["c5.12xlarge", 48],
  ["c5.18xlarge", 72],
  ["c5.24xlarge", 96],
];

/** MSK broker types the plan picks from, with their client ingress at RF 3 relative to a large. */
export const BROKER_TYPES: readonly [string, number][] = [
  ["kafka.t3.small", 0.2],
  ["kafka.m7g.large", 1],
  ["kafka.m7g.xlarge", 2],
  ["kafka.m7g.2xlarge", 4],
  ["kafka.m7g.4xlarge", 8],
];

/** The Databricks node the plan sizes job clusters with (8 vCPUs, local NVMe), and its cores. */
export const JOB_NODE: readonly [string, number] = ["m5d.2xlarge", 8];

/** One limited part at the planned rate: what it needs, what it has, and the share used. */
export interface ComponentUse {
  readonly component: string;
  readonly capacity: string;
  readonly use: number;
}

/** A rate beyond the design: the limit, and the redesign it would need. */
export class BeyondDesign extends Error {
  constructor(
    readonly limit: string,
    readonly redesign: string,
  ) {
    super(`${limit}. Beyond this design: ${redesign}.`);
  }
}

export interface Plan {
  readonly eventsPerSecond: number;
  /** Section → key → value, to write over the base stack's. */
  readonly settings: {
    kafka: Record<string, number | string>;
    streamPath: Record<string, number | string>;
    databricks: Record<string, number | string | boolean>;
  };
  readonly uses: ComponentUse[];
}

const SECONDS_PER_DAY = 86_400;
const MB = 1e6;
const GIB = 2 ** 30;

/** Sizes the base stack `base` for `eventsPerSecond`; a BeyondDesign names the limit it meets. */
export function planCapacity(
  eventsPerSecond: number,
  base: StackConfig,
  prices: RegionPrices,
): Plan {
  const n = eventsPerSecond;
  const u = I.utilisation;
  const records = n * I.recordsPerEvent;
  const bytes = n * I.eventBytes;
  const uses: ComponentUse[] = [];
  const use = (component: string, capacity: string, share: number) =>
    uses.push({ component, capacity, use: share });

  // Both APIs: each path sends every record in requests of recordsPerRequest.
  const paths = (base.kafka.enabled ? 1 : 0) + (base.streamPath.enabled ? 1 : 0);
  const requests = records / I.recordsPerRequest;
  const rate = Math.max(50, Math.ceil(requests / u));
  if (rate * paths > I.apiAccountRate) {
    throw new BeyondDesign(
      `API Gateway's account rate of ${I.apiAccountRate.toLocaleString("en-US")} requests/s in the region, shared by both APIs: ` +
        `${paths} × ${rate.toLocaleString("en-US")} needed`,
      "a raised account quota (Service Quotas), or producers inside the VPC writing to Kafka and Kinesis directly (the emulator's --via direct)",
    );
  }
  const api = {
    throttlingRateLimit: rate,
    throttlingBurstLimit: Math.min(5000, Math.max(100, 2 * rate)),
    quotaPerDay: Math.min(1e9, Math.max(1_000_000, Math.ceil((requests * SECONDS_PER_DAY) / u))),
  };
  use("API Gateway (account)", `${I.apiAccountRate} req/s`, (requests * paths) / I.apiAccountRate);

  const kafka: Record<string, number | string> = {};
  if (base.kafka.enabled) {
    use("Kafka API (rate)", `${rate} req/s`, requests / rate);
    use(
      "Kafka API (daily quota)",
      `${api.quotaPerDay} req/day`,
      (requests * SECONDS_PER_DAY) / api.quotaPerDay,
    );
    Object.assign(kafka, {
      apiThrottlingRateLimit: api.throttlingRateLimit,
      apiThrottlingBurstLimit: api.throttlingBurstLimit,
      apiQuotaPerDay: api.quotaPerDay,
    });

    // The REST proxy: a group of the base's machine type (never below t3.small's baseline), as
    // many as carry the rate at the planned use, plus one: an instance refresh or a failed
    // machine takes one out of service (kafkaClientGroup.ts), and the rest still carry the rate.
    const vcpus = records / (I.proxyRecordsPerVcpu * u);
    const [proxyType, proxyVcpus] =
      PROXY_TYPES.find(([t]) => t === base.kafka.clientInstanceType) ?? PROXY_TYPES[0];
    const perMachine = proxyType.startsWith("t3.") ? proxyVcpus * I.t3Baseline : proxyVcpus;
    const machines = Math.max(base.kafka.clientInstanceCount, Math.ceil(vcpus / perMachine) + 1);
    if (machines > CLIENT_INSTANCE_LIMITS.max) {
      throw new BeyondDesign(
        `the REST proxy group: ${machines} × ${proxyType} needed, at most ${CLIENT_INSTANCE_LIMITS.max} machines`,
        "larger machines in the base stack (kafka.clientInstanceType), or producers inside the VPC writing to Kafka directly (the emulator's --via direct)",
      );
    }
    use(
      `REST proxy (${machines} × ${proxyType}, one spare)`,
      `${(machines - 1) * perMachine} vCPU`,
      records / (I.proxyRecordsPerVcpu * perMachine * (machines - 1)),
    );

    // Brokers: ingress and storage, the cheapest type and count that carry both; retention drops
    // to a day when a week does not fit (the sink copies every record to S3 within a minute).
    const broker =
      sizeBrokers(bytes, base.kafka.messageRetentionHours, base, prices) ??
      sizeBrokers(bytes, 24, base, prices);
    if (!broker) {
      throw new BeyondDesign(
        `MSK: ${(bytes / MB).toFixed(0)} MB/s with a day's retention needs more than ` +
          `${I.brokersPerCluster} brokers of ${I.brokerStorageGib} GiB`,
        "more clusters (a topic each), tiered storage, or MSK Express brokers",
      );
    }
    use(
      `MSK brokers (${broker.brokers} × ${broker.type}, ingress)`,
      `${broker.ingressMBs.toFixed(0)} MB/s`,
      bytes / MB / broker.ingressMBs,
    );
    use(
      `MSK storage (${broker.retentionHours} h retention)`,
      `${broker.storageGb} GiB/broker`,
      broker.neededGib / 1.2 / broker.storageGb,
    );

    // The sink: one task per MCU; partitions so that every task has some.
    const mcus = Math.max(1, Math.ceil(bytes / MB / (I.mcuMBs * u)));
    if (mcus > I.connectMcus) {
      throw new BeyondDesign(
        `one MSK Connect connector: ${mcus} MCUs needed, at most ${I.connectMcus}`,
        "a connector per topic, or Firehose's MSK source",
      );
    }
    const { mcuCount, workerCount } = sizeConnect(mcus, base);
    const tasks = Math.max(base.kafka.connectorTasksMax, mcuCount * workerCount);
    const partitions = Math.max(base.kafka.topicPartitions, Math.ceil(tasks / 3));
    use(
      `S3 sink (${workerCount} × ${mcuCount} MCU)`,
      `${mcuCount * workerCount * I.mcuMBs} MB/s`,
      bytes / MB / (mcuCount * workerCount * I.mcuMBs),
    );
    // An object per partition per rotation at most: records of a pin partition in one interval.
    const perRotation = (n / partitions) * (base.kafka.connectorRotateIntervalMs / 1000);
    const flush = Math.min(
      1_000_000,
      Math.max(base.kafka.connectorFlushSize, Math.ceil(perRotation / 1000) * 1000),
    );
    Object.assign(kafka, {
      clientInstanceType: proxyType,
      clientInstanceCount: machines,
      brokerInstanceType: broker.type,
      brokerCount: broker.brokers,
      brokerStorageGb: broker.storageGb,
      messageRetentionHours: broker.retentionHours,
      topicPartitions: partitions,
      connectorMcuCount: mcuCount,
      connectorWorkerCount: workerCount,
      connectorTasksMax: tasks,
      connectorFlushSize: flush,
      // The plan sizes MSK Connect: a base running the sink on its client machine moves it there.
      ...(base.kafka.sinkRunner === "client" ? { sinkRunner: "mskconnect" } : {}),
    });
  }

  const streamPath: Record<string, number | string> = {};
  if (base.streamPath.enabled) {
    const shards = Math.max(base.streamPath.shardCount, Math.ceil(n / (I.shardRecords * 0.8)));
    if (3 * shards > I.shardQuota) {
      throw new BeyondDesign(
        `the account's ${I.shardQuota} shards: 3 streams × ${shards} needed`,
        "a raised shard quota, or records packing several events (fewer, larger records)",
      );
    }
    use(
      `Kinesis (${shards} shards/stream)`,
      `${shards * I.shardRecords} records/s`,
      n / (shards * I.shardRecords),
    );
    use("Stream API (rate)", `${rate} req/s`, requests / rate);
    Object.assign(streamPath, {
      shardCount: shards,
      throttlingRateLimit: api.throttlingRateLimit,
      throttlingBurstLimit: api.throttlingBurstLimit,
      quotaPerDay: api.quotaPerDay,
    });
  }

  // Databricks: a day's records within the batch run's timeout, an interval's within the
  // streaming run's, at the measured rate per core.
  const databricks: Record<string, number | string | boolean> = {};
  if (base.databricks.enabled) {
    const batch = sizeJob(
      records * SECONDS_PER_DAY,
      base.databricks.batchTimeoutSeconds,
      I.sparkRecordsPerCore,
    );
    use(
      `batch job (${batch.label})`,
      `${batch.cores} cores for ${base.databricks.batchTimeoutSeconds} s`,
      batch.use,
    );
    Object.assign(databricks, batch.settings("batch"));
    if (base.streamPath.enabled) {
      const interval = base.databricks.streamingIntervalMinutes * 60;
      const stream = sizeJob(
        records * interval,
        base.databricks.streamingTimeoutSeconds,
        I.streamingRecordsPerCore,
      );
      use(
        `streaming job (${stream.label}, every ${interval / 60} min)`,
        `${stream.cores} cores`,
        stream.use,
      );
      // Records nobody reads are lost after the streams' retention: the plan runs the job.
      Object.assign(databricks, stream.settings("streaming"), { streamingPaused: false });
    }
  }
  uses.sort((a, b) => b.use - a.use);
  return { eventsPerSecond: n, settings: { kafka, streamPath, databricks }, uses };
}

interface BrokerSize {
  type: string;
  brokers: number;
  storageGb: number;
  neededGib: number;
  retentionHours: number;
  ingressMBs: number;
}

/** The cheapest broker type and count (even, ≥ the base's) carrying `bytes`/s for `hours`. */
function sizeBrokers(
  bytes: number,
  hours: number,
  base: StackConfig,
  prices: RegionPrices,
): BrokerSize | undefined {
  const u = I.utilisation;
  const options: (BrokerSize & { cost: number })[] = [];
  // Never a smaller type than the base's (prod's m7g brokers do not become burstable t3s).
  const floor = Math.max(
    0,
    BROKER_TYPES.findIndex(([t]) => t === base.kafka.brokerInstanceType),
  );
  for (const [type, relative] of BROKER_TYPES.slice(floor)) {
    const price = prices.mskBrokerHour[type];
    if (!price) continue;
    for (let brokers = base.kafka.brokerCount; brokers <= I.brokersPerCluster; brokers += 2) {
      const rf = Math.min(brokers, 3);
      // Each broker writes RF/brokers of the ingress to its volume: at most its storage throughput.
      const perBroker = Math.min(relative * I.brokerIngressMBs, (I.volumeMiBs * 1.048576) / rf);
      const ingress = perBroker * brokers;
      const neededGib = (bytes * hours * 3600 * rf * 1.2) / brokers / GIB;
      const storageGb = Math.max(base.kafka.brokerStorageGb, Math.ceil(neededGib / 10) * 10);
      if (bytes / MB > ingress * u || storageGb > I.brokerStorageGib) continue;
      const cost = brokers * (price.usd * 730 + storageGb * prices.mskStorageGbMonth.usd);
      options.push({
        type,
        brokers,
        storageGb,
        neededGib,
        retentionHours: hours,
        ingressMBs: ingress,
        cost,
      });
      break;
    }
  }
  // A t3.small cluster is the base's choice only while it carries the load.
  return options.sort((a, b) => a.cost - b.cost)[0];
}

/** The fewest MCUs in total at least `mcus`, as MCUs per worker (1, 2, 4, 8) × workers (1–10). */
function sizeConnect(mcus: number, base: StackConfig): { mcuCount: number; workerCount: number } {
  for (const mcuCount of [1, 2, 4, 8]) {
    const workerCount = Math.max(
      mcuCount === base.kafka.connectorMcuCount ? base.kafka.connectorWorkerCount : 1,
      Math.ceil(mcus / mcuCount),
    );
    if (workerCount <= 10) return { mcuCount, workerCount };
  }
  return { mcuCount: 8, workerCount: 10 };
}

/** A job cluster that works through `records` within `timeoutSeconds` at `perCore` records/s. */
function sizeJob(records: number, timeoutSeconds: number, perCore: number) {
  const seconds = timeoutSeconds > 0 ? timeoutSeconds : SECONDS_PER_DAY;
  const cores = Math.max(1, Math.ceil(records / (perCore * seconds * I.utilisation)));
  const [node, nodeCores] = JOB_NODE;
  // Up to one node's cores the job stays single node; beyond, workers of JOB_NODE (the driver
  // runs no tasks then).
  const single = cores <= 2;
  const workers = single ? 0 : cores <= nodeCores ? 0 : Math.ceil(cores / nodeCores);
  const have = single ? 2 : workers === 0 ? nodeCores : workers * nodeCores;
  return {
    cores: have,
    label: single ? "single node" : workers === 0 ? `1 × ${node}` : `${workers} × ${node}`,
    use: records / (perCore * seconds * have),
    settings: (job: "batch" | "streaming") =>
      single ? {} : { [`${job}NodeType`]: node, [`${job}Workers`]: workers },
  };
}
