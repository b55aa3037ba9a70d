// The batch path of the local replica against real servers, each started through its script:
// course-format requests to the REST proxy -> Kafka broker -> Kafka Connect S3 sink -> object store.
// The connector runs the dev stack's own rendered properties (local/kafka/sinkProperties.ts), and
// the project's sink follows Confluent's S3 sink for each of them: flush.size and the wall-clock
// rotate.schedule.interval.ms commit objects, rotate.interval.ms with the DefaultPartitioner is
// ignored with a warning (so the reviewed configuration strands records below flush.size, as it
// would on MSK Connect), and what Confluent's config refuses is refused.
// What this cannot prove: MSK's IAM authentication and TLS, API Gateway in front of the proxy,
// and Confluent's S3 sink itself (the replica runs the project's own sink with the same layout).
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Kafka, logLevel } from "kafkajs";
import { REPO_ROOT, readStackConfig } from "../../../tools/pulumi-mock/mockRun";
import { waitFor } from "../../harness/waitFor";
import {
  s3SinkConnectorProperties,
  s3SinkObjectKey,
  s3SinkTopicsDir,
  S3_SINK_DEFAULTS,
} from "../../../components/kafka/s3SinkConnectorConfig";
import { parseStackConfig } from "../../../stacks/config";
import { localS3 } from "../../harness/replicaSource";

const SCRIPTS = {
  s3: path.join(REPO_ROOT, "local", "s3", "s3.sh"),
  kafka: path.join(REPO_ROOT, "local", "kafka", "kafka.sh"),
  restProxy: path.join(REPO_ROOT, "local", "kafka", "rest-proxy.sh"),
  connect: path.join(REPO_ROOT, "local", "kafka", "connect.sh"),
};
const JSON_V2 = "application/vnd.kafka.json.v2+json";
const V2 = "application/vnd.kafka.v2+json";

function run(script: string, ...args: string[]): string {
  return execFileSync(script, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

function isRunning(script: string): boolean {
  try {
    execFileSync(script, ["status"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const CONNECT_LOG = path.join(REPO_ROOT, ".local", "logs", "connect.log");
// The dev stack's sink settings (Pulumi.dev.yaml through stacks/config.ts).
const DEV_KAFKA = parseStackConfig(
  Object.fromEntries(
    Object.entries(readStackConfig("dev"))
      .filter(([k]) => k.startsWith("pinterest-pipeline:"))
      .map(([k, v]) => [k.slice("pinterest-pipeline:".length), v]),
  ),
).kafka;
const FLUSH_SIZE = DEV_KAFKA.connectorFlushSize;
const ROTATE_MS = S3_SINK_DEFAULTS.rotateIntervalMs;
// Longer than a bulk request of records spans and not a multiple of flush.size: two full
// objects and a tail below flush.size.
const BULK = 2 * FLUSH_SIZE + 100;

type Row = Record<string, unknown>;

// Rows shaped like the generator's, with the characters that break naive encoders.
const ROWS: Record<"pin" | "geo" | "user", Row[]> = {
  pin: [
    {
      index: 7528,
      unique_id: "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
      title: "Café crème brûlée — 咖啡 ☕",
      description: "Grandes ideas para el baño…\u00a0",
      poster_name: "Mom &amp; Me | Crafts",
      follower_count: "124k",
      tag_list: "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
      is_image_or_video: "image",
      image_src: "https://i.pinimg.com/originals/a1/b2/c3.jpg",
      downloaded: 1,
      save_location: "Local save in /data/home-decor",
      category: "home-decor",
    },
    {
      index: 2863,
      unique_id: "9bf39437-42a6-4f02-99a0-9a0383d8cd70",
      title: "No Title Data Available",
      description: "No description available Story format",
      poster_name: "User Info Error",
      follower_count: "User Info Error",
      tag_list: "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
      is_image_or_video: "multi-video(story page format)",
      image_src: "Image src error.",
      downloaded: 0,
      save_location: "Local save in /data/mens-fashion",
      category: "mens-fashion",
    },
    {
      index: 10794,
      unique_id: "c4bd2577-a7bb-4409-bb7a-17d5ed7e1cf1",
      title: 'Ёлка 🎄 "quoted" \\ backslash',
      description: "Line one\nline two\ttabbed",
      poster_name: "Ünïcødé Ünlimited",
      follower_count: "1M",
      tag_list: "christmas,tree,diy",
      is_image_or_video: "video",
      image_src: "https://i.pinimg.com/videos/thumbnails/originals/d4/e5.0000001.jpg",
      downloaded: 1,
      save_location: "Local save in /data/christmas",
      category: "christmas",
    },
  ],
  geo: [
    {
      ind: 7528,
      timestamp: "2020-08-28 03:52:47",
      latitude: -89.9787,
      longitude: -173.293,
      country: "Albania",
    },
    {
      ind: 2863,
      timestamp: "2020-04-27T13:34:16",
      latitude: -5.34445,
      longitude: -177.924,
      country: "Cocos (Keeling) Islands",
    },
    {
      ind: 10794,
      timestamp: "2017-06-08 12:00:00",
      latitude: 0,
      longitude: 180,
      country: "Côte d'Ivoire",
    },
  ],
  user: [
    {
      ind: 7528,
      first_name: "Abigail",
      last_name: "Ali",
      age: 20,
      date_joined: "2015-10-24 11:23:51",
    },
    {
      ind: 2863,
      first_name: "Zoë",
      last_name: "Øster-Nuñez",
      age: 59,
      date_joined: "2017-12-31 23:59:59",
    },
    {
      ind: 10794,
      first_name: "李",
      last_name: "小龙",
      age: 33,
      date_joined: "2016-02-29 00:00:00",
    },
  ],
};
const EXTRA_PIN: Row[] = [
  { ...ROWS.pin[0], index: 1, title: "second request" },
  { ...ROWS.pin[1], index: 2, title: "ümlaut in the second request" },
];

describe("local Kafka path: REST proxy -> broker -> Connect S3 sink -> object store", function () {
  const suffix = crypto.randomBytes(3).toString("hex");
  // Fresh topics and bucket per run: offsets start at 0 and earlier runs cannot interfere.
  const prefix = `test-${suffix}`;
  const bucket = `test-raw-${suffix}`;
  // A second connector on topics of its own, with the reviewed configuration (below).
  const oldPrefix = `test-old-${suffix}`;
  const oldBucket = `test-old-raw-${suffix}`;
  const topic = (t: keyof typeof ROWS) => `${prefix}.${t}`;
  const stopAfter: string[] = [];
  let proxy = "";
  let connect = "";
  let s3: S3Client;
  let oldProducedAt = 0;
  /** The broker's cluster id, which names the sink's folder under topics/ (s3SinkTopicsDir). */
  let clusterId = "";

  before(async function () {
    // The first run installs Kafka from Maven Central and moto from PyPI (about 3 minutes).
    this.timeout(15 * 60_000);
    for (const script of [SCRIPTS.s3, SCRIPTS.kafka, SCRIPTS.restProxy, SCRIPTS.connect]) {
      if (!isRunning(script)) {
        run(script, "start");
        stopAfter.unshift(script);
      }
    }
    clusterId = run(SCRIPTS.kafka, "cluster-id").trim();
    run(SCRIPTS.s3, "create-bucket", bucket);
    run(SCRIPTS.s3, "create-bucket", oldBucket);
    run(SCRIPTS.kafka, "topics", prefix);
    run(SCRIPTS.kafka, "topics", oldPrefix);
    // One more topic per prefix for bulk traffic, before the connectors subscribe to the pattern.
    const admin = new Kafka({
      brokers: [run(SCRIPTS.kafka, "bootstrap").trim()],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [`${prefix}.bulk`, `${oldPrefix}.bulk`].map((t) => ({
          topic: t,
          numPartitions: 1,
        })),
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    run(SCRIPTS.connect, "deploy-sink", prefix, bucket);
    proxy = run(SCRIPTS.restProxy, "url").trim();
    connect = run(SCRIPTS.connect, "url").trim();
    await putConnector(`${oldPrefix}-s3-sink`, reviewedProperties(oldPrefix, oldBucket));
    await waitFor(
      `connector ${oldPrefix}-s3-sink and its tasks RUNNING`,
      () => connectorStatus(`${oldPrefix}-s3-sink`),
      (st) =>
        st.connector === "RUNNING" && st.tasks.length > 0 && st.tasks.every((t) => t === "RUNNING"),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    s3 = localS3();
  });

  after(async function () {
    this.timeout(120_000);
    if (connect) {
      for (const p of [prefix, oldPrefix]) {
        await fetch(`${connect}/connectors/${p}-s3-sink`, { method: "DELETE" });
      }
    }
    // Servers that were already running belong to someone else: only stop the ones started here.
    for (const script of stopAfter) {
      run(script, "stop");
    }
  });

  /** The sink config `connect.sh sink-config` renders (the dev stack's, for these names). */
  function renderedProperties(p: string, b: string): Record<string, string> {
    return JSON.parse(run(SCRIPTS.connect, "sink-config", p, b)) as Record<string, string>;
  }

  /**
   * The configuration the review found (commit b172e09's s3SinkConnectorProperties): the same
   * properties with record-time rotate.interval.ms instead of the wall-clock schedule.
   */
  function reviewedProperties(p: string, b: string): Record<string, string> {
    const rendered = renderedProperties(p, b);
    delete rendered["rotate.schedule.interval.ms"];
    delete rendered.timezone;
    return {
      ...rendered,
      "rotate.interval.ms": String(ROTATE_MS),
      "timestamp.extractor": "Record",
    };
  }

  async function putConnector(name: string, config: Record<string, string>) {
    const res = await fetch(`${connect}/connectors/${name}/config`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(config),
    });
    return { status: res.status, body: (await res.json()) as { message?: string } };
  }

  async function connectorStatus(name: string) {
    const res = await fetch(`${connect}/connectors/${name}/status`);
    if (!res.ok) throw new Error(`status of ${name}: HTTP ${res.status}`);
    const body = (await res.json()) as {
      connector: { state: string; trace?: string };
      tasks: { state: string; trace?: string }[];
    };
    return {
      connector: body.connector.state,
      trace: body.connector.trace ?? "",
      tasks: body.tasks.map((t) => t.state),
    };
  }

  /** Each object under topics/<cluster>/<topicName>/: its key and its parsed lines. */
  async function objects(b: string, topicName: string) {
    const listing = await s3.send(
      new ListObjectsV2Command({
        Bucket: b,
        Prefix: `${s3SinkTopicsDir(clusterId)}/${topicName}/`,
      }),
    );
    const out: { key: string; rows: Row[] }[] = [];
    for (const { Key } of listing.Contents ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket: b, Key: Key! }));
      const text = await object.Body!.transformToString("utf-8");
      out.push({
        key: Key!,
        rows: text
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      });
    }
    return out.sort((x, y) => x.key.localeCompare(y.key));
  }

  function connectLog(): string[] {
    return fs.readFileSync(CONNECT_LOG, "utf8").split("\n");
  }

  async function produceTo(topicName: string, rows: Row[]) {
    const res = await fetch(`${proxy}/topics/${topicName}`, {
      method: "POST",
      headers: { "Content-Type": JSON_V2 },
      body: JSON.stringify({ records: rows.map((value) => ({ value })) }),
    });
    expect(res.status, topicName).to.equal(200);
  }

  async function produce(t: keyof typeof ROWS, rows: Row[]) {
    const res = await fetch(`${proxy}/topics/${topic(t)}`, {
      method: "POST",
      headers: { "Content-Type": JSON_V2 },
      body: JSON.stringify({ records: rows.map((value) => ({ value })) }),
    });
    return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
  }

  function offsetsAnswer(first: number, count: number) {
    return {
      offsets: Array.from({ length: count }, (_, i) => ({
        partition: 0,
        offset: first + i,
        error_code: null,
        error: null,
      })),
      key_schema_id: null,
      value_schema_id: null,
    };
  }

  it("answers course-format batch requests with the offsets of every record", async function () {
    for (const t of ["pin", "geo", "user"] as const) {
      const answer = await produce(t, ROWS[t]);
      expect(answer.status, t).to.equal(200);
      expect(answer.type, t).to.equal(V2);
      expect(answer.body, t).to.deep.equal(offsetsAnswer(0, ROWS[t].length));
    }
    const second = await produce("pin", EXTRA_PIN);
    expect(second.body).to.deep.equal(offsetsAnswer(ROWS.pin.length, EXTRA_PIN.length));
    // The same traffic below flush.size, and a bulk topic with more, for the reviewed connector.
    const bulk = Array.from({ length: BULK }, (_, i) => ({ ...ROWS.geo[0], ind: i }));
    await produceTo(`${prefix}.bulk`, bulk);
    oldProducedAt = Date.now();
    for (const t of ["pin", "geo", "user"] as const) await produceTo(`${oldPrefix}.${t}`, ROWS[t]);
    await produceTo(`${oldPrefix}.bulk`, bulk);
  });

  it("deploys exactly the properties the dev stack renders, overriding only the class, endpoint and credentials", async function () {
    const res = await fetch(`${connect}/connectors/${prefix}-s3-sink/config`);
    const { name, ...deployed } = (await res.json()) as Record<string, string>;
    expect(name).to.equal(`${prefix}-s3-sink`);
    const stack = readStackConfig("dev");
    const stackRenders = s3SinkConnectorProperties({
      plugin: DEV_KAFKA.connectorPlugin,
      prefix,
      clusterId,
      bucketName: bucket,
      region: stack["aws:region"] as string,
      tasksMax: S3_SINK_DEFAULTS.tasksMax,
      flushSize: DEV_KAFKA.connectorFlushSize,
      rotateIntervalMs: S3_SINK_DEFAULTS.rotateIntervalMs,
    });
    const changed = Object.keys(deployed).filter((k) => deployed[k] !== stackRenders[k]);
    expect(changed.sort()).to.deep.equal(
      ["aws.access.key.id", "aws.secret.access.key", "connector.class", "store.url"].sort(),
    );
    expect(Object.keys(stackRenders).filter((k) => !(k in deployed))).to.deep.equal([]);
    expect(deployed["connector.class"]).to.equal("pipeline.local.s3sink.S3SinkConnector");
    expect(stackRenders["connector.class"]).to.equal("io.confluent.connect.s3.S3SinkConnector");
  });

  it("answers 404 with error code 40401 for a topic that does not exist", async function () {
    const res = await fetch(`${proxy}/topics/${prefix}.missing`, {
      method: "POST",
      headers: { "Content-Type": JSON_V2 },
      body: JSON.stringify({ records: [{ value: { a: 1 } }] }),
    });
    expect(res.status).to.equal(404);
    expect(await res.json()).to.deep.equal({ error_code: 40401, message: "Topic not found." });
  });

  it("serves the consumer API: create, subscribe, fetch JSON records, delete", async function () {
    this.timeout(60_000);
    const group = `${prefix}-verify`;
    const created = await fetch(`${proxy}/consumers/${group}`, {
      method: "POST",
      headers: { "Content-Type": V2 },
      body: JSON.stringify({ name: "c1", format: "json", "auto.offset.reset": "earliest" }),
    });
    expect(created.status).to.equal(200);
    const instance = (await created.json()) as { instance_id: string; base_uri: string };
    expect(instance).to.deep.equal({
      instance_id: "c1",
      base_uri: `${proxy}/consumers/${group}/instances/c1`,
    });
    const subscribed = await fetch(`${instance.base_uri}/subscription`, {
      method: "POST",
      headers: { "Content-Type": V2 },
      body: JSON.stringify({ topics: [topic("geo")] }),
    });
    expect(subscribed.status).to.equal(204);

    const records: {
      topic: string;
      key: unknown;
      value: Row;
      partition: number;
      offset: number;
    }[] = [];
    const deadline = Date.now() + 40_000;
    while (records.length < ROWS.geo.length && Date.now() < deadline) {
      const res = await fetch(`${instance.base_uri}/records?timeout=2000`, {
        headers: { Accept: JSON_V2 },
      });
      expect(res.status).to.equal(200);
      records.push(...((await res.json()) as typeof records));
    }
    expect(records).to.deep.equal(
      ROWS.geo.map((value, offset) => ({
        topic: topic("geo"),
        key: null,
        value,
        partition: 0,
        offset,
      })),
    );
    const deleted = await fetch(instance.base_uri, { method: "DELETE" });
    expect(deleted.status).to.equal(204);
  });

  // Objects below flush.size land at the next multiple of rotate.schedule.interval.ms since
  // 00:00 UTC (Confluent: TopicPartitionWriter.java / DateTimeUtils.getNextTimeAdjustedByDay),
  // so within one interval plus one put cycle (offset.flush.interval.ms, 1 s here).
  const LANDING_MS = ROTATE_MS + 30_000;

  it("lands every record exactly once in the bucket, keyed topics/<cluster>/<topic>/partition=<p>/<topic>+<p>+<offset, 20 digits>.json", async function () {
    this.timeout(LANDING_MS + 30_000);
    const expected: Record<string, Row[]> = {
      [topic("pin")]: [...ROWS.pin, ...EXTRA_PIN],
      [topic("geo")]: ROWS.geo,
      [topic("user")]: ROWS.user,
    };
    const total = Object.values(expected).reduce((n, rows) => n + rows.length, 0);
    const landed = new Map<string, Row[]>();
    const count = () => [...landed.values()].reduce((n, rows) => n + rows.length, 0);
    await waitFor(
      `${total} records of ${prefix}.pin/.geo/.user in s3://${bucket}/topics/`,
      async () => {
        for (const t of ["pin", "geo", "user"] as const) {
          const listing = await s3.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: `${s3SinkTopicsDir(clusterId)}/${topic(t)}/`,
            }),
          );
          for (const { Key } of listing.Contents ?? []) {
            if (!Key || landed.has(Key)) continue;
            const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
            const text = await object.Body!.transformToString("utf-8");
            expect(text.endsWith("\n"), Key).to.equal(true);
            landed.set(
              Key,
              text
                .slice(0, -1)
                .split("\n")
                .map((line) => JSON.parse(line) as Row),
            );
          }
        }
        return count();
      },
      (n) => n >= total,
      { timeoutMs: LANDING_MS, intervalMs: 1000 },
    );

    // Rebuild each topic from its objects: the start offset in the name places each object.
    const rebuilt: Record<string, Row[]> = {};
    for (const [key, rows] of landed) {
      const m = /^topics\/([^/]+)\/([^/]+)\/partition=(\d+)\/([^/+]+)\+(\d+)\+(\d{20})\.json$/.exec(
        key,
      );
      expect(m, `unexpected key ${key}`).to.not.equal(null);
      const [, dirCluster, dirTopic, dirPartition, fileTopic, filePartition, start] = m!;
      // The key the stacks configure both production sinks to write.
      expect(dirCluster).to.equal(clusterId);
      expect(key).to.equal(
        s3SinkObjectKey(clusterId, dirTopic, Number(dirPartition), Number(start)),
      );
      expect(fileTopic).to.equal(dirTopic);
      expect(filePartition).to.equal(dirPartition);
      expect(dirPartition).to.equal("0");
      const slot = (rebuilt[dirTopic] ??= []);
      rows.forEach((row, i) => {
        const offset = Number(start) + i;
        expect(slot[offset], `offset ${offset} of ${dirTopic} landed twice`).to.equal(undefined);
        slot[offset] = row;
      });
    }
    expect(rebuilt).to.deep.equal(expected);
  });
  // Confluent's TopicPartitionWriter commits an object as soon as it holds flush.size records
  // (rotateOnSize: recordCount >= flushSize), and the tail at the next scheduled rotation.
  it("cuts bulk traffic into objects of at most flush.size records, at least one of them full, and lands the tail", async function () {
    this.timeout(LANDING_MS + 30_000);
    const landed = await waitFor(
      `${BULK} records of ${prefix}.bulk in s3://${bucket}`,
      () => objects(bucket, `${prefix}.bulk`),
      (os) => os.reduce((n, o) => n + o.rows.length, 0) >= BULK,
      {
        timeoutMs: LANDING_MS,
        intervalMs: 1000,
        show: (os) => JSON.stringify(os.map((o) => o.rows.length)),
      },
    );
    const sizes = landed.map((o) => o.rows.length);
    expect(Math.max(...sizes)).to.equal(FLUSH_SIZE);
    expect(landed.flatMap((o) => o.rows.map((r) => r.ind))).to.deep.equal(
      Array.from({ length: BULK }, (_, i) => i),
    );
    // Each object's name is its first record's offset.
    let next = 0;
    for (const o of landed) {
      expect(o.key).to.equal(s3SinkObjectKey(clusterId, `${prefix}.bulk`, 0, next));
      next += o.rows.length;
    }
  });

  // The reviewed configuration: rotate.interval.ms with the DefaultPartitioner. Confluent's
  // TopicPartitionWriter.java logs that the property "is ignored" (no timestamp extractor without
  // a TimeBasedPartitioner), and rotateOnTime() never fires: only full objects are committed.
  it("with the reviewed configuration, warns that rotate.interval.ms is ignored and never lands records below flush.size", async function () {
    this.timeout(ROTATE_MS + 90_000);
    const held = (tp: string, n: number) =>
      connectLog().some((l) => l.includes(`${tp}: ${n} records held in the open object`));
    // Long enough for the reviewed setting to have fired if it were honoured (its interval plus
    // two put cycles), and for the fixed connector's records, sent at the same time, to land.
    const state = await waitFor(
      `${oldPrefix}: the full objects committed, the rest held past rotate.interval.ms, while ${prefix}'s landed`,
      async () => ({
        elapsed: Date.now() - oldProducedAt,
        oldBulk: (await objects(oldBucket, `${oldPrefix}.bulk`)).map((o) => o.rows.length),
        held:
          ["pin", "geo", "user"].every((t) => held(`${oldPrefix}.${t}-0`, ROWS.pin.length)) &&
          held(`${oldPrefix}.bulk-0`, BULK - 2 * FLUSH_SIZE),
        fixedLanded: (await objects(bucket, `${prefix}.geo`)).length > 0,
      }),
      (st) =>
        st.elapsed >= ROTATE_MS + 2000 && st.oldBulk.length === 2 && st.held && st.fixedLanded,
      { timeoutMs: ROTATE_MS + 60_000, intervalMs: 1000 },
    );
    expect(state.oldBulk).to.deep.equal([FLUSH_SIZE, FLUSH_SIZE]);
    for (const t of ["pin", "geo", "user"]) {
      expect(await objects(oldBucket, `${oldPrefix}.${t}`), t).to.deep.equal([]);
    }
    const warnings = connectLog().filter(
      (l) => l.includes(" WARN ") && l.includes("rotate.interval.ms") && l.includes("ignores"),
    );
    for (const t of ["pin", "geo", "user", "bulk"]) {
      expect(
        warnings.some((l) => l.includes(`${oldPrefix}.${t}-0:`)),
        t,
      ).to.equal(true);
    }
    // The fixed connector logs no such warning.
    expect(warnings.some((l) => l.includes(`${prefix}.`))).to.equal(false);
  });

  // What Confluent's config refuses, refused the same way: ConfigDef errors at validation (HTTP
  // 400 from Connect), the timezone rule when the connector starts (S3SinkConnectorConfig.java's
  // validateTimezone runs in the constructor; StorageSinkConnectorConfig.java: flush.size has no
  // default; PartitionerConfig.java: TimezoneValidator).
  it("refuses what Confluent's S3 sink refuses: no flush.size, an unknown timezone, a schedule without timezone", async function () {
    this.timeout(90_000);
    const base = renderedProperties(`test-bad-${suffix}`, bucket);
    const { "flush.size": _flush, ...noFlush } = base;
    void _flush;
    const cases: [string, Record<string, string>, string][] = [
      ["no flush.size", noFlush, "flush.size"],
      ["an unknown timezone", { ...base, timezone: "Mars/Olympus_Mons" }, "timezone"],
    ];
    for (const [label, config, key] of cases) {
      const answer = await putConnector(`test-bad-${suffix}-s3-sink`, config);
      expect(answer.status, label).to.equal(400);
      expect(answer.body.message, label).to.contain(key);
    }
    const { timezone: _tz, ...noTimezone } = base;
    void _tz;
    const name = `test-notz-${suffix}-s3-sink`;
    const created = await putConnector(name, noTimezone);
    expect(created.status).to.equal(201);
    try {
      const failed = await waitFor(
        `connector ${name} FAILED`,
        () => connectorStatus(name),
        (st) => st.connector === "FAILED",
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(failed.trace).to.contain("timezone must be set when rotate.schedule.interval.ms");
    } finally {
      await fetch(`${connect}/connectors/${name}`, { method: "DELETE" });
    }
  });
});
