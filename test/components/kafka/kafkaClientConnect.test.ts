import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  connectInternalNames,
  connectWorkerProperties,
} from "../../../components/kafka/connectWorkerConfig";
import {
  CLIENT_MEMORY_BUDGET_MIB,
  clientSinkUserData,
  ClientSinkUserDataInput,
  clientWorkerSettings,
  CONNECT_MEMORY_MAX_MIB,
  connectWorkerPom,
  validateClientSinkUserDataInput,
} from "../../../components/kafka/kafkaClientConnect";
import { kafkaDrainTarget } from "../../../components/kafka/kafkaBatchPath";
import {
  kafkaClientUserData,
  mskIamClientProperties,
} from "../../../components/kafka/kafkaClientUserData";
import { s3SinkConnectorProperties } from "../../../components/kafka/s3SinkConnectorConfig";
import { kafkaTopicNames } from "../../../components/shared/naming";
import {
  LOCAL_CONNECT_NAMES,
  replicaWorkerProperties,
} from "../../../local/kafka/workerProperties";
import { heredoc } from "../../harness/clientSink";

const BROKERS =
  "b-1.pin-dev-kafka.abc.c2.kafka.eu-west-1.amazonaws.com:9098," +
  "b-2.pin-dev-kafka.abc.c2.kafka.eu-west-1.amazonaws.com:9098";
const CONNECTOR = s3SinkConnectorProperties({
  prefix: "pin-dev",
  clusterId: "abcd-1234-5",
  bucketName: "pin-dev-raw-0123",
  region: "eu-west-1",
  tasksMax: 3,
  flushSize: 500,
  rotateIntervalMs: 60_000,
});
const SINK: ClientSinkUserDataInput = {
  prefix: "pin-dev",
  bootstrapBrokers: BROKERS,
  replicationFactor: 2,
  plugin: "confluent",
  connectorName: "pin-dev-s3-sink",
  connectorProperties: CONNECTOR,
  rotateIntervalMs: 60_000,
  pluginBucket: "pin-dev-raw-0123",
  pluginKey: "connect-plugins/kafka-client/confluentinc-kafka-connect-s3-12.1.16.zip",
  pluginVersionId: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
  pluginSha256: "a".repeat(64),
};
const BASE = kafkaClientUserData({
  prefix: "pin-dev",
  topics: kafkaTopicNames("pin-dev"),
  bootstrapBrokers: BROKERS,
  replicationFactor: 2,
});
/** The whole boot script of a client machine that runs the sink, as KafkaClient renders it. */
const SCRIPT = BASE + clientSinkUserData(SINK);

function runOnScript(tool: string, args: string[], script: string) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "client-sink-")), "user-data.sh");
  fs.writeFileSync(file, script);
  return spawnSync(tool, [...args, file], { encoding: "utf8" });
}

// What runs here: the rendered script through bash's parser and shellcheck, the worker's POM
// through Maven (offline) into a Kafka Connect that starts with the script's log settings. What
// cannot run here: dnf, systemd, S3, IMDS and MSK (see docs/kafka-batch-path.md).
describe("clientSinkUserData (the S3 sink on the Kafka client machine)", () => {
  it("parses with bash -n and passes shellcheck, appended to the REST proxy's script", () => {
    expect(runOnScript("bash", ["-n"], SCRIPT).status).to.equal(0);
    const lint = runOnScript("shellcheck", ["--shell=bash", "--severity=style"], SCRIPT);
    expect(lint.error, "shellcheck is not installed (apt-get install -y shellcheck)").to.equal(
      undefined,
    );
    expect(lint.stdout + lint.stderr).to.equal("");
  });

  // EC2 refuses user data over 16 KB (RunInstances, UserData).
  it("keeps the whole script within EC2's 16 KiB user data limit", () => {
    expect(Buffer.byteLength(SCRIPT)).to.be.below(16 * 1024);
  });

  it("writes exactly the connector properties MSK Connect would get, as JSON", () => {
    const file = heredoc(SCRIPT, "/etc/kafka-connect/pin-dev-s3-sink.json", "JSON");
    expect(JSON.parse(file)).to.deep.equal(CONNECTOR);
    // A quoted heredoc keeps the regular expression's backslash.
    expect(JSON.parse(file)["topics.regex"]).to.equal("pin-dev\\..*");
  });

  it("creates or updates the connector through the worker's REST API, with a deadline", () => {
    expect(SCRIPT).to.contain(
      "--data-binary @/etc/kafka-connect/pin-dev-s3-sink.json \\\n" +
        "  http://127.0.0.1:8083/connectors/pin-dev-s3-sink/config; do",
    );
    expect(SCRIPT).to.contain("-X PUT -H 'Content-Type: application/json'");
    expect(SCRIPT).to.contain("deadline=$(( $(date +%s) + 900 ))");
    expect(SCRIPT).to.contain("did not accept pin-dev-s3-sink in 900 s");
  });

  // kafkaDrainCheck reads the sink's group; Kafka Connect names it connect-<connector name>.
  it("keeps the connector name whose consumer group the pause's drain check reads", () => {
    expect(`connect-${SINK.connectorName}`).to.equal(kafkaDrainTarget("pin-dev").consumerGroup);
  });

  it("writes the worker properties the shared code renders, and the machine's own address", () => {
    const file = heredoc(SCRIPT, "/etc/kafka-connect/worker.properties", "PROPERTIES");
    expect(file).to.equal(connectWorkerProperties(clientWorkerSettings(SINK)));
    expect(SCRIPT).to.contain(
      'echo "rest.advertised.host.name=$address" >> /etc/kafka-connect/worker.properties',
    );
    expect(SCRIPT).to.contain("imds local-ipv4");
  });

  it("downloads the uploaded plugin version and checks it against the stack's SHA-256", () => {
    expect(SCRIPT).to.contain(
      "retry aws s3api get-object --bucket 'pin-dev-raw-0123' --key " +
        "'connect-plugins/kafka-client/confluentinc-kafka-connect-s3-12.1.16.zip' \\\n" +
        "  --version-id '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY' \"$plugin\" > /dev/null",
    );
    expect(SCRIPT).to.contain(`echo '${"a".repeat(64)}  '"$plugin" | sha256sum -c -`);
    expect(SCRIPT).to.contain('unzip -q "$plugin" -d "$CONNECT_HOME/plugins/s3-sink"');
  });

  it("runs the worker as an unprivileged service with its heap and a memory cap", () => {
    const unit = heredoc(SCRIPT, "/etc/systemd/system/kafka-connect.service", "UNIT");
    expect(unit).to.contain("User=kafka-connect\n");
    expect(unit).to.contain(
      "ExecStart=/usr/bin/java -Xms256m -Xmx512m " +
        "-Dlog4j.configuration=file:/etc/kafka-connect/log4j.properties " +
        "-cp /opt/kafka-connect/libs/* org.apache.kafka.connect.cli.ConnectDistributed " +
        "/etc/kafka-connect/worker.properties\n",
    );
    expect(unit).to.contain("MemoryMax=832M\n");
    expect(unit).to.contain("Restart=on-failure\n");
    expect(SCRIPT).to.contain("systemctl enable --now kafka-connect.service");
  });

  // t3.small has 2 GiB (https://aws.amazon.com/ec2/instance-types/t3/). Confluent's sink buffers
  // s3.part.size (25 MiB by default, S3SinkConnectorConfig) per open object: 3 topics x 3
  // partitions in dev.
  it("budgets the two JVMs and the system within t3.small's 2 GiB", () => {
    const total = Object.values(CLIENT_MEMORY_BUDGET_MIB).reduce((a, b) => a + b, 0);
    expect(total).to.be.at.most(2048);
    expect(CONNECT_MEMORY_MAX_MIB).to.equal(832);
    expect(CLIENT_MEMORY_BUDGET_MIB.connectHeap).to.be.at.least(2 * 9 * 25);
    // The REST proxy's heap is the one its unit sets.
    expect(BASE).to.contain('Environment="KAFKAREST_HEAP_OPTS=-Xms256m -Xmx512m"');
  });

  it("holds no secret", () => {
    for (const pattern of [/AKIA[0-9A-Z]{16}/, /password/i, /secret/i, /BEGIN .*PRIVATE KEY/]) {
      expect(clientSinkUserData(SINK)).not.to.match(pattern);
    }
  });

  const cases: [string, Partial<ClientSinkUserDataInput>, string][] = [
    ["a bucket with a quote", { pluginBucket: "b'; reboot" }, 'pluginBucket "b\'; reboot" is not'],
    ["a key with a space", { pluginKey: "a b.zip" }, 'pluginKey "a b.zip" is not'],
    ["a version with a $", { pluginVersionId: "$(id)" }, 'pluginVersionId "$(id)" is not'],
    ["a short checksum", { pluginSha256: "abc" }, 'pluginSha256 "abc" is not 64 lowercase'],
    [
      "a property with a quote",
      { connectorProperties: { ...CONNECTOR, "s3.bucket.name": "x'y" } },
      'connector property value "x\'y" holds a quote',
    ],
  ];
  for (const [label, change, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateClientSinkUserDataInput({ ...SINK, ...change })).to.throw(message);
    });
  }
});

describe("connectWorkerProperties (client machine and local replica)", () => {
  const client = connectWorkerProperties(clientWorkerSettings(SINK));

  it("gives the client's worker its own group and internal topics, replicated like the topics", () => {
    expect(connectInternalNames("pin-dev")).to.deep.equal({
      groupId: "_connect-pin-dev-workers",
      configTopic: "_connect-pin-dev-configs",
      offsetTopic: "_connect-pin-dev-offsets",
      statusTopic: "_connect-pin-dev-status",
    });
    for (const line of [
      `bootstrap.servers=${BROKERS}`,
      "group.id=_connect-pin-dev-workers",
      "config.storage.topic=_connect-pin-dev-configs",
      "offset.storage.replication.factor=2",
      "listeners=http://0.0.0.0:8083",
      "plugin.path=/opt/kafka-connect/plugins",
    ]) {
      expect(client.split("\n")).to.include(line);
    }
    // The internal topics must not match the sink's topics.regex <prefix>\..*.
    expect(new RegExp(`^${CONNECTOR["topics.regex"]}$`).test("_connect-pin-dev-configs")).to.equal(
      false,
    );
  });

  // Kafka Connect does not pass the worker's security settings to the clients it creates for
  // connectors: they take consumer./producer./admin.-prefixed ones (Kafka documentation, "Kafka
  // Connect", security).
  it("authenticates the worker and the connector's clients with IAM over TLS", () => {
    for (const prefix of ["", "consumer.", "producer.", "admin."]) {
      expect(client).to.contain(`${mskIamClientProperties(prefix)}\n`);
    }
  });

  it("renders the replica's worker with the same code: its names, no IAM, three shortcuts", () => {
    const replica = replicaWorkerProperties("127.0.0.1:39092", 38083, "/r/plugins");
    const keys = (text: string) =>
      new Map(
        text
          .split("\n")
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
    const r = keys(replica);
    expect(r.get("group.id")).to.equal(LOCAL_CONNECT_NAMES.groupId);
    expect(r.get("rest.advertised.host.name")).to.equal("127.0.0.1");
    expect(r.get("plugin.discovery")).to.equal("service_load");
    expect(r.get("offset.flush.interval.ms")).to.equal("1000");
    expect([...r.keys()].filter((k) => k.includes("sasl") || k.includes("security"))).to.deep.equal(
      [],
    );
    // Every setting the client's worker has, the replica's has too, but for IAM and the address
    // the boot script appends.
    const c = keys(client);
    const missing = [...c.keys()].filter((k) => !r.has(k));
    expect(missing.every((k) => /sasl|security/.test(k))).to.equal(true, missing.join(", "));
    for (const key of ["key.converter", "value.converter", "value.converter.schemas.enable"]) {
      expect(r.get(key), key).to.equal(c.get(key));
    }
  });
});

/** Kafka Connect's own reading of a worker properties file: DistributedConfig validates every value. */
const CHECK_WORKER_JAVA = `
import java.util.Map;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;

public class CheckWorker {
  public static void main(String[] args) throws Exception {
    Map<String, String> props = Utils.propsToStringMap(Utils.loadProps(args[0]));
    DistributedConfig config = new DistributedConfig(props);
    System.out.println("group.id=" + config.getString("group.id"));
    System.out.println("offset.storage.topic=" + config.getString("offset.storage.topic"));
    System.out.println("listeners=" + config.getList("listeners"));
    System.out.println("rest.advertised.host.name=" + config.getString("rest.advertised.host.name"));
    System.out.println("consumer.sasl.mechanism=" + config.originalsWithPrefix("consumer.").get("sasl.mechanism"));
  }
}
`;

// Runs Kafka Connect 3.9.1 itself (resolved offline from the POM the script embeds), without a
// broker: its log settings and its parsing of the worker properties. Starting against MSK cannot
// run here.
describe("the client worker's libraries", function () {
  this.timeout(240_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "client-connect-"));
  const libs = path.join(dir, "libs");
  const java = (args: string[]) =>
    spawnSync("java", ["-cp", `${libs}/*`, ...args], {
      encoding: "utf8",
      timeout: 120_000,
      cwd: dir,
    });

  before(() => {
    fs.writeFileSync(path.join(dir, "pom.xml"), connectWorkerPom());
    const resolved = spawnSync(
      "mvn",
      ["-B", "-q", "-o", "-f", path.join(dir, "pom.xml"), "dependency:copy-dependencies"].concat([
        "-DincludeScope=runtime",
        `-DoutputDirectory=${libs}`,
      ]),
      { encoding: "utf8" },
    );
    if (resolved.error || resolved.status !== 0) {
      throw new Error(
        "The client worker's libraries are not in the local Maven repository " +
          `(${resolved.error?.message ?? resolved.stdout.slice(-400)}). Resolve them once online: ` +
          "mvn -B -q -f <POM from connectWorkerPom()> dependency:copy-dependencies",
      );
    }
  });

  it("are Kafka Connect, its log binding and the MSK IAM mechanism, without a second Jackson", () => {
    const jars = fs.readdirSync(libs);
    expect(jars).to.include.members([
      "connect-runtime-3.9.1.jar",
      "aws-msk-iam-auth-2.3.9.jar",
      "slf4j-reload4j-1.7.36.jar",
    ]);
    expect(jars.filter((j) => j.startsWith("jackson-databind-"))).to.have.length(1);
  });

  it("log through the script's log4j settings", () => {
    const log4j = path.join(dir, "log4j.properties");
    fs.writeFileSync(log4j, heredoc(SCRIPT, "/etc/kafka-connect/log4j.properties", "PROPERTIES"));
    // Without arguments the worker logs its usage and stops: through the console appender.
    const run = java([
      `-Dlog4j.configuration=file:${log4j}`,
      "org.apache.kafka.connect.cli.ConnectDistributed",
    ]);
    expect(run.stdout + run.stderr).to.not.contain("No appenders could be found");
    expect(run.stdout).to.match(/Usage: ConnectDistributed/);
  });

  it("read the script's worker properties as a valid distributed worker configuration", () => {
    const file = path.join(dir, "worker.properties");
    const written = heredoc(SCRIPT, "/etc/kafka-connect/worker.properties", "PROPERTIES");
    // The line the script appends at boot, with an address IMDS would give.
    fs.writeFileSync(file, `${written}rest.advertised.host.name=10.10.1.5\n`);
    fs.writeFileSync(path.join(dir, "CheckWorker.java"), CHECK_WORKER_JAVA);
    const run = java(["CheckWorker.java", file]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout.trim().split("\n")).to.deep.equal([
      "group.id=_connect-pin-dev-workers",
      "offset.storage.topic=_connect-pin-dev-offsets",
      "listeners=[http://0.0.0.0:8083]",
      "rest.advertised.host.name=10.10.1.5",
      "consumer.sasl.mechanism=AWS_MSK_IAM",
    ]);
  });
});
