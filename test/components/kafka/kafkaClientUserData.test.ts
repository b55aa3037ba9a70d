import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  KAFKA_CLIENT_VERSIONS,
  kafkaClientPoms,
  kafkaClientUserData,
  KafkaClientUserDataInput,
  ENSURE_TOPICS,
  ensureTopicsCommand,
  ensureTopicsScript,
  mavenFetchPom,
  mskIamClientProperties,
  validateKafkaClientUserDataInput,
} from "../../../components/kafka/kafkaClientUserData";
import { kafkaTopicNames } from "../../../components/shared/naming";
import { runOnScript } from "../../harness/scripts";

const INPUT: KafkaClientUserDataInput = {
  prefix: "pin-dev",
  topics: kafkaTopicNames("pin-dev"),
  bootstrapBrokers:
    "b-1.pin-dev-kafka.abc.c2.kafka.eu-west-1.amazonaws.com:9098," +
    "b-2.pin-dev-kafka.abc.c2.kafka.eu-west-1.amazonaws.com:9098",
  replicationFactor: 2,
};

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "kafka-client-user-data-"));
}

// What runs here: the rendered script through bash's parser and shellcheck, and the very POMs it
// embeds through Maven (offline) and the Kafka CLI. What cannot run here: dnf, systemd and MSK.
describe("kafkaClientUserData", () => {
  const script = kafkaClientUserData(INPUT);

  it("parses with bash -n", () => {
    const result = runOnScript("bash", ["-n"], script);
    expect(result.status, result.stderr).to.equal(0);
  });

  it("passes shellcheck", function () {
    const probe = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    if (probe.error) {
      throw new Error(
        "shellcheck is not installed; the project's setup installs it " +
          "(apt-get install -y shellcheck). This test lints the client's cloud-init script.",
      );
    }
    const result = runOnScript("shellcheck", ["--shell=bash", "--severity=style"], script);
    expect(result.status, result.stdout).to.equal(0);
  });

  it("fits in EC2's 16 KiB user data limit", () => {
    expect(Buffer.byteLength(script)).to.be.below(16 * 1024);
  });

  it("stops at the first failing command and logs to a file", () => {
    expect(script.startsWith("#!/bin/bash\n")).to.equal(true);
    expect(script).to.contain("\nset -euo pipefail\n");
    expect(script).to.contain("/var/log/kafka-client-setup.log");
  });

  it("installs a JVM, then Maven from Maven Central checked against the pinned SHA-512", () => {
    const v = KAFKA_CLIENT_VERSIONS;
    expect(script).to.contain(`retry dnf install -y '${v.javaPackage}'`);
    expect(script).to.contain(`readonly MAVEN_VERSION='${v.maven}'`);
    expect(script).to.contain(`readonly MAVEN_SHA512='${v.mavenSha512}'`);
    expect(script).to.contain("sha512sum -c -");
    expect(script).to.contain(
      "https://repo1.maven.org/maven2/org/apache/maven/apache-maven/$MAVEN_VERSION/",
    );
  });

  it("resolves exactly the pinned Kafka CLI and MSK IAM auth with strict checksums", () => {
    const poms = kafkaClientPoms();
    expect(script).to.contain(`<<'POM'\n${poms.cli}POM\n`);
    expect(script).to.contain(`<<'POM'\n${poms.iamAuth}POM\n`);
    expect(script).to.contain("/opt/maven/bin/mvn -B -q -C -f");
  });

  // Kafka adds partitions (kafka-topics --alter) but never removes them:
  // https://kafka.apache.org/documentation/#basic_ops_modify_topic. The count is kept out of the
  // user data, so a change reaches the running machine through the association instead of
  // replacing it (userDataReplaceOnChange).
  it("installs ensure-topics, which creates, grows and never shrinks; no partition count", () => {
    const tool = ensureTopicsScript(INPUT.topics, 2);
    expect(script).to.contain(`cat > ${ENSURE_TOPICS} <<'SCRIPT'\n${tool}SCRIPT\n`);
    expect(tool).to.contain("readonly TOPICS=('pin-dev.pin' 'pin-dev.geo' 'pin-dev.user')");
    expect(tool).to.contain('--create --if-not-exists --topic "$topic" --partitions "$PARTITIONS"');
    expect(tool).to.contain("--replication-factor 2");
    expect(tool).to.contain('--alter --topic "$topic" --partitions "$PARTITIONS"');
    expect(tool).to.contain("Kafka cannot reduce them");
    expect(script).to.not.match(/PARTITIONS=\d|--partitions \d/);
    const other = kafkaClientUserData({ ...INPUT });
    expect(other).to.equal(script);
  });

  it("ensure-topics and the association's command parse and pass shellcheck", function () {
    for (const text of [
      ensureTopicsScript(INPUT.topics, 2),
      `#!/bin/bash\n${ensureTopicsCommand(6)}\n`,
    ]) {
      expect(runOnScript("bash", ["-n"], text).status).to.equal(0);
      const probe = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
      if (probe.status === 0) {
        const lint = runOnScript("shellcheck", ["--shell=bash", "--severity=style"], text);
        expect(lint.stdout + lint.stderr).to.equal("");
      }
    }
    expect(ensureTopicsCommand(6).split("\n").pop()).to.equal(`${ENSURE_TOPICS} 6`);
    expect(ensureTopicsCommand(6)).to.contain("not installed after 1800 s");
    expect(() => ensureTopicsCommand(0)).to.throw("partitions 0 must be a positive whole number");
  });

  it("configures the CLI and the REST proxy for SASL/IAM over TLS", () => {
    expect(script).to.contain(`<<'PROPERTIES'\n${mskIamClientProperties()}\nPROPERTIES`);
    expect(script).to.contain(mskIamClientProperties("client."));
    expect(script).to.contain(`readonly BOOTSTRAP_SERVERS='${INPUT.bootstrapBrokers}'`);
    expect(script).to.contain("bootstrap.servers=$BOOTSTRAP_SERVERS");
  });

  it("runs the REST proxy on 8082 as an unprivileged systemd service restarted on failure", () => {
    expect(script).to.contain("listeners=http://0.0.0.0:8082\n");
    const unit = script.split("<<'UNIT'\n")[1].split("\nUNIT\n")[0];
    expect(unit).to.contain("User=kafka-rest\n");
    expect(unit).to.contain("Restart=on-failure\n");
    expect(unit).to.contain("StartLimitIntervalSec=0\n");
    expect(unit).to.contain('Environment="CLASSPATH=/opt/kafka-client/iam-libs/*"');
    expect(unit).to.contain(
      "ExecStart=/usr/bin/kafka-rest-start /etc/kafka-rest/pipeline.properties",
    );
    expect(script).to.contain("systemctl enable --now kafka-rest-proxy.service");
  });

  it("installs the REST proxy from Confluent's repository with signature checks", () => {
    expect(script).to.contain("gpgcheck=1\n");
    expect(script).to.contain("baseurl=https://packages.confluent.io/rpm/$CONFLUENT_VERSION\n");
    expect(script).to.contain("retry dnf install -y confluent-kafka-rest");
  });

  it("holds no secret: no key, password or token anywhere", () => {
    for (const pattern of [/AKIA[0-9A-Z]{16}/, /password/i, /secret/i, /BEGIN .*PRIVATE KEY/]) {
      expect(script).not.to.match(pattern);
    }
  });

  it("uses another port when asked", () => {
    expect(kafkaClientUserData({ ...INPUT, restProxyPort: 8083 })).to.contain(
      "listeners=http://0.0.0.0:8083\n",
    );
  });
});

describe("Kafka client POMs", () => {
  it("lists the dependencies with their exclusions", () => {
    const pom = mavenFetchPom("x", [
      { groupId: "g", artifactId: "a", version: "1", exclusions: ["e:*"] },
    ]);
    expect(pom).to.contain("<artifactId>x</artifactId>");
    expect(pom).to.contain("<exclusion><groupId>e</groupId><artifactId>*</artifactId></exclusion>");
    expect(pom).to.contain("<packaging>pom</packaging>");
  });

  it("resolve from the local Maven repository and give a Kafka CLI of the pinned version", function () {
    this.timeout(180_000);
    const dir = tempDir();
    const poms = kafkaClientPoms();
    for (const [name, pom] of Object.entries(poms)) {
      const file = path.join(dir, `${name}.xml`);
      fs.writeFileSync(file, pom);
      const args = ["-B", "-q", "-o", "-f", file, "dependency:copy-dependencies"];
      const out = `-DoutputDirectory=${path.join(dir, name)}`;
      const result = spawnSync("mvn", [...args, "-DincludeScope=runtime", out], {
        encoding: "utf8",
      });
      if (result.error || result.status !== 0) {
        throw new Error(
          `The Kafka client's ${name} libraries are not in the local Maven repository ` +
            `(${result.error?.message ?? result.stdout.slice(-400)}). The project's setup must ` +
            `resolve them once online: mvn -B -q -f <POM from kafkaClientPoms().${name}> ` +
            `dependency:copy-dependencies -DoutputDirectory=<dir>`,
        );
      }
    }
    const jars = fs.readdirSync(path.join(dir, "iamAuth"));
    expect(jars).to.include(`aws-msk-iam-auth-${KAFKA_CLIENT_VERSIONS.mskIamAuth}.jar`);
    expect(jars.filter((j) => /^(jackson-databind|slf4j-api)-/.test(j))).to.deep.equal([]);
    const version = execFileSync(
      "java",
      ["-cp", `${path.join(dir, "cli")}/*`, "org.apache.kafka.tools.TopicCommand", "--version"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    expect(version.trim()).to.equal(KAFKA_CLIENT_VERSIONS.kafka);
  });
});

describe("Kafka client user data validation", () => {
  const cases: [string, Partial<KafkaClientUserDataInput>, string][] = [
    ["a prefix with a quote", { prefix: "pin'dev" }, `prefix "pin'dev" is not`],
    ["a topic with a space", { topics: ["pin dev"] }, 'topic "pin dev" is not a Kafka topic'],
    ["no topics", { topics: [] }, 'topic "" is not'],
    ["brokers with a command", { bootstrapBrokers: "b:9098;reboot" }, "are not host:port"],
    ["fractional replicas", { replicationFactor: 1.5 }, "replicationFactor 1.5 must be"],
  ];
  for (const [label, change, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateKafkaClientUserDataInput({ ...INPUT, ...change })).to.throw(message);
    });
  }
  it("names topics after the prefix", () => {
    expect(kafkaTopicNames("pin-dev")).to.deep.equal([
      "pin-dev.pin",
      "pin-dev.geo",
      "pin-dev.user",
    ]);
  });
});
