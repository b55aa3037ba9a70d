// The batch path of the local replica against real servers, each started through its script:
// course-format requests to the REST proxy -> Kafka broker -> Kafka Connect S3 sink -> object store.
// What this cannot prove: MSK's IAM authentication and TLS, API Gateway in front of the proxy,
// and Confluent's S3 sink itself (the replica runs the project's own sink with the same layout).
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import { expect } from "chai";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { REPO_ROOT } from "../harness/stackConfig";
import { s3SinkObjectKey } from "../../components/s3SinkConnectorConfig";

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

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

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
  const topic = (t: keyof typeof ROWS) => `${prefix}.${t}`;
  const stopAfter: string[] = [];
  let proxy = "";
  let connect = "";
  let s3: S3Client;

  before(function () {
    // The first run installs Kafka from Maven Central and moto from PyPI (about 3 minutes).
    this.timeout(15 * 60_000);
    for (const script of [SCRIPTS.s3, SCRIPTS.kafka, SCRIPTS.restProxy, SCRIPTS.connect]) {
      if (!isRunning(script)) {
        run(script, "start");
        stopAfter.unshift(script);
      }
    }
    run(SCRIPTS.s3, "create-bucket", bucket);
    run(SCRIPTS.kafka, "topics", prefix);
    run(SCRIPTS.connect, "deploy-sink", prefix, bucket);
    proxy = run(SCRIPTS.restProxy, "url").trim();
    connect = run(SCRIPTS.connect, "url").trim();
    const env = Object.fromEntries(
      [...run(SCRIPTS.s3, "env").matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
    );
    s3 = new S3Client({
      endpoint: env.PIPELINE_S3_ENDPOINT,
      region: env.AWS_REGION,
      forcePathStyle: true,
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      },
    });
  });

  after(async function () {
    this.timeout(120_000);
    if (connect) {
      await fetch(`${connect}/connectors/${prefix}-s3-sink`, { method: "DELETE" });
    }
    // Servers that were already running belong to someone else: only stop the ones started here.
    for (const script of stopAfter) {
      run(script, "stop");
    }
  });

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

  it("lands every record exactly once in the bucket, keyed topics/<topic>/partition=<p>/<topic>+<p>+<offset, 20 digits>.json", async function () {
    this.timeout(90_000);
    const expected: Record<string, Row[]> = {
      [topic("pin")]: [...ROWS.pin, ...EXTRA_PIN],
      [topic("geo")]: ROWS.geo,
      [topic("user")]: ROWS.user,
    };
    const total = Object.values(expected).reduce((n, rows) => n + rows.length, 0);
    const landed = new Map<string, Row[]>();
    const deadline = Date.now() + 60_000;
    let count = 0;
    while (count < total && Date.now() < deadline) {
      await sleep(1000);
      const listing = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: "topics/" }),
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
      count = [...landed.values()].reduce((n, rows) => n + rows.length, 0);
    }

    // Rebuild each topic from its objects: the start offset in the name places each object.
    const rebuilt: Record<string, Row[]> = {};
    for (const [key, rows] of landed) {
      const m = /^topics\/([^/]+)\/partition=(\d+)\/([^/+]+)\+(\d+)\+(\d{20})\.json$/.exec(key);
      expect(m, `unexpected key ${key}`).to.not.equal(null);
      const [, dirTopic, dirPartition, fileTopic, filePartition, start] = m!;
      // The key the stacks configure both production sinks to write.
      expect(key).to.equal(s3SinkObjectKey(dirTopic, Number(dirPartition), Number(start)));
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
});
