// ensure-topics, the script the Kafka client machine's Systems Manager association runs, against
// a real Kafka broker (the replica's, started through its script if it is not running): it creates
// missing topics, grows smaller ones with `kafka-topics --alter`, and refuses to shrink, which Kafka
// cannot do (https://kafka.apache.org/documentation/#basic_ops_modify_topic).
// What this cannot prove: MSK's IAM authentication, and Systems Manager running it on the machine.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { Kafka, logLevel } from "kafkajs";
import { ensureTopicsScript } from "../../../components/kafka/kafkaClientUserData";
import { REPO_ROOT } from "../../../tools/pulumi-mock/mockRun";

const KAFKA_SCRIPT = path.join(REPO_ROOT, "local", "kafka", "kafka.sh");

describe("ensure-topics against a real broker", function () {
  this.timeout(600_000);
  const run = crypto.randomBytes(4).toString("hex");
  const topics = [`ensure-${run}.pin`, `ensure-${run}.geo`];
  let dir: string;
  let script: string;
  let kafka: Kafka;

  before(function () {
    if (spawnSync(KAFKA_SCRIPT, ["status"], { stdio: "ignore" }).status !== 0) {
      execFileSync(KAFKA_SCRIPT, ["start"], { stdio: ["ignore", "ignore", "inherit"] });
    }
    const bootstrap = execFileSync(KAFKA_SCRIPT, ["bootstrap"], { encoding: "utf8" }).trim();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ensure-topics-"));
    // The machine's two files, pointed at the replica: the Kafka CLI (the replica's own Kafka
    // jars) and the profile with the brokers and an empty client config (no IAM locally).
    const cli = path.join(dir, "kafka-topics");
    const lib = path.join(REPO_ROOT, ".local", "kafka", "lib", "*");
    fs.writeFileSync(
      cli,
      `#!/bin/bash\nexec java -Xmx128m -cp '${lib}' org.apache.kafka.tools.TopicCommand "$@"\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(dir, "client.properties"), "");
    const profile = path.join(dir, "profile.sh");
    fs.writeFileSync(
      profile,
      `export BOOTSTRAP_SERVERS='${bootstrap}'\nexport KAFKA_CLIENT_CONFIG='${dir}/client.properties'\n`,
    );
    script = path.join(dir, "ensure-topics");
    fs.writeFileSync(script, ensureTopicsScript(topics, 1, { kafkaTopics: cli, profile }), {
      mode: 0o755,
    });
    kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
  });

  after(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  async function partitionCounts(): Promise<number[]> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      return topics.map((t) => found.find((f) => f.name === t)!.partitions.length);
    } finally {
      await admin.disconnect();
    }
  }

  const ensure = (partitions: number) =>
    spawnSync(script, [String(partitions)], { encoding: "utf8" });

  it("creates the missing topics with the given partitions", async () => {
    const result = ensure(2);
    expect(result.status, result.stderr).to.equal(0);
    expect(await partitionCounts()).to.deep.equal([2, 2]);
  });

  it("grows them in place when the count goes up, and changes nothing when it is the same", async () => {
    const grown = ensure(4);
    expect(grown.status, grown.stderr).to.equal(0);
    expect(await partitionCounts()).to.deep.equal([4, 4]);
    const same = ensure(4);
    expect(same.status, same.stderr).to.equal(0);
    expect(await partitionCounts()).to.deep.equal([4, 4]);
  });

  it("refuses to shrink, naming the topic, and leaves the topics as they are", async () => {
    const result = ensure(3);
    expect(result.status).to.equal(1);
    expect(result.stderr).to.contain(
      `topic ${topics[0]} has 4 partitions; Kafka cannot reduce them to 3`,
    );
    expect(await partitionCounts()).to.deep.equal([4, 4]);
  });
});
