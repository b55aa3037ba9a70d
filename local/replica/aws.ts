// Helpers the replica's scripts call (the parts that talk AWS APIs to the local servers):
//   streams PREFIX                      create streaming-PREFIX-{pin,geo,user} if missing, wait ACTIVE
//   outputs PREFIX                      write .local/stacks/local.json in the stacks' contract
//   wait-sink PREFIX BUCKET ROWS [S]    wait until each topic's landed objects hold ROWS records
//   download BUCKET DIR                 copy the bucket's topics/ objects into DIR (the job's input)
// Endpoints come from the environment the replica script sets (PIPELINE_*_ENDPOINT, ...).
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { CreateStreamCommand, DescribeStreamSummaryCommand } from "@aws-sdk/client-kinesis";
import * as fs from "fs";
import * as path from "path";
import { s3SinkKeyTopic } from "../../components/kafka/s3SinkConnectorConfig";
import { TABLE_KINDS as TABLES } from "../../components/shared/naming";
import { contractProblems, PipelineOutputs } from "../../stacks/contract";
import { kinesisClient } from "../../emulator/kinesisClient";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`replica: ${name} is not set (run through local/replica.sh)`);
  return value;
};
const LOCAL_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

function s3(): S3Client {
  return new S3Client({
    endpoint: env("PIPELINE_S3_ENDPOINT"),
    region: "us-east-1",
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
}

async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

const read = async (client: S3Client, bucket: string, key: string) =>
  (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString(
    "utf8",
  );

async function streams(prefix: string) {
  const client = kinesisClient({
    endpoint: env("PIPELINE_KINESIS_ENDPOINT"),
    region: "eu-west-1",
    credentials: LOCAL_CREDENTIALS,
  });
  const names = TABLES.map((table) => `streaming-${prefix}-${table}`);
  for (const StreamName of names) {
    try {
      await client.send(new DescribeStreamSummaryCommand({ StreamName }));
    } catch {
      await client.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
    }
  }
  // CreateStream returns while the stream is CREATING; writes are refused until it is ACTIVE.
  const deadline = Date.now() + 30_000;
  for (const StreamName of names) {
    for (;;) {
      const { StreamDescriptionSummary } = await client.send(
        new DescribeStreamSummaryCommand({ StreamName }),
      );
      if (StreamDescriptionSummary?.StreamStatus === "ACTIVE") break;
      if (Date.now() > deadline)
        throw new Error(
          `replica: stream ${StreamName} not ACTIVE after 30 s; see .local/logs/kinesis.log`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  client.destroy();
}

function outputs(prefix: string) {
  const contract: PipelineOutputs = {
    contractVersion: 1,
    prefix,
    region: "local",
    sourceDatabase: {
      host: env("MYSQL_HOST"),
      port: Number(env("MYSQL_PORT")),
      databaseName: env("MYSQL_DATABASE"),
      secretArn: "",
    },
    batch: {
      invokeUrl: `${env("PIPELINE_GATEWAY_URL")}/batch`,
      apiKeyId: "local",
      topics: { pin: `${prefix}.pin`, geo: `${prefix}.geo`, user: `${prefix}.user` },
      bucketName: env("PIPELINE_BUCKET"),
      bootstrapBrokers: env("PIPELINE_KAFKA_BOOTSTRAP"),
      kafkaAuth: "none",
    },
    stream: {
      invokeUrl: `${env("PIPELINE_GATEWAY_URL")}/stream`,
      apiKeyId: "local",
      streams: {
        pin: `streaming-${prefix}-pin`,
        geo: `streaming-${prefix}-geo`,
        user: `streaming-${prefix}-user`,
      },
      kinesisEndpoint: env("PIPELINE_KINESIS_ENDPOINT"),
    },
  };
  const problems = contractProblems(contract);
  if (problems.length > 0)
    throw new Error(`replica outputs break the contract: ${problems.join("; ")}`);
  const file = path.join(env("PIPELINE_STACKS_DIR"), "local.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ pipeline: contract }, null, 2) + "\n");
}

/** Counts records (lines) in the landed objects of each topic until each reaches `rows`. */
async function waitSink(prefix: string, bucket: string, rows: number, seconds: number) {
  const client = s3();
  const deadline = Date.now() + seconds * 1000;
  const counted = new Map<string, number>();
  const totals = () =>
    TABLES.map((t) => `${prefix}.${t}`).map((topic) => {
      let n = 0;
      for (const [key, lines] of counted) if (s3SinkKeyTopic(key) === topic) n += lines;
      return [topic, n] as const;
    });
  for (;;) {
    for (const key of await listKeys(client, bucket, "topics/")) {
      if (!counted.has(key))
        counted.set(key, (await read(client, bucket, key)).split("\n").filter(Boolean).length);
    }
    const now = totals();
    if (now.every(([, n]) => n >= rows)) {
      console.log(
        `sink: landed ${now.map(([t, n]) => `${t} ${n}`).join(", ")} records in ${counted.size} objects`,
      );
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `sink: after ${seconds} s only ${now.map(([t, n]) => `${t} ${n}/${rows}`).join(", ")} records landed; see .local/logs/connect.log`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function download(bucket: string, dir: string) {
  const client = s3();
  fs.rmSync(path.join(dir, "topics"), { recursive: true, force: true });
  const keys = await listKeys(client, bucket, "topics/");
  for (const key of keys) {
    const file = path.join(dir, key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, await read(client, bucket, key));
  }
  console.log(
    `copied ${keys.length} raw objects from s3://${bucket}/topics/ to ${path.join(dir, "topics")}`,
  );
}

async function main([command, ...args]: string[]) {
  if (command === "streams") return streams(args[0]);
  if (command === "outputs") return outputs(args[0]);
  if (command === "wait-sink")
    return waitSink(args[0], args[1], Number(args[2]), Number(args[3] ?? 180));
  if (command === "download") return download(args[0], args[1]);
  throw new Error(
    `usage: local/replica/aws.ts streams|outputs|wait-sink|download ... (got "${command ?? ""}")`,
  );
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
