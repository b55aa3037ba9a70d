import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { s3SinkConnectorPolicy } from "../../../components/kafka/kafkaPolicies";
import {
  S3SinkConnector,
  S3SinkConnectorArgs,
  validateS3SinkConnectorArgs,
} from "../../../components/kafka/s3SinkConnector";
import { contentHash, contentName, sha256Hex } from "../../../components/shared/contentName";
import { S3_SINK_PLUGIN_RELEASES } from "../../../components/kafka/s3SinkPluginRelease";
import {
  pluginContentType,
  S3SinkSettings,
  s3SinkConnectorProperties,
  s3SinkObjectKey,
  s3SinkTopicsDir,
  s3SinkWorkerProperties,
  topicsRegex,
} from "../../../components/kafka/s3SinkConnectorConfig";
import { harness, PulumiHarness } from "../../../tools/pulumi-mock/mockEngine";
import {
  brokersOf,
  CLUSTER_UUID,
  runStack,
  withKafkaMocks,
} from "../../../tools/pulumi-mock/mockRun";
import {
  replicaOverrides,
  replicaSinkProperties,
  replicate,
  stackSinkProperties,
} from "../../../local/kafka/sinkProperties";
import { ingressRules } from "../../harness/kafkaMocks";
import { deployedSinkProperties } from "../../harness/clientSink";

const CLUSTER_ARN = `arn:aws:kafka:eu-west-1:123456789012:cluster/pin-test-kafka/${CLUSTER_UUID}`;
const PLUGIN_BYTES = Buffer.from("PK\u0003\u0004 a stand-in for the packaged connector zip");

function pluginFile(name = "confluentinc-kafka-connect-s3-10.6.7.zip"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3-sink-plugin-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, PLUGIN_BYTES);
  return file;
}

/** Awaits a build that must fail with exactly `message`. */
async function expectRejection(build: Promise<unknown>, message: string): Promise<void> {
  try {
    await build;
  } catch (error) {
    expect((error as Error).message).to.equal(message);
    return;
  }
  expect.fail(`no error; expected: ${message}`);
}

// Mocks prove the MSK Connect resources, their names and the role; they cannot prove that the
// plugin zip is a valid connector or that MSK Connect starts it (only a deployment shows that).
describe("S3SinkConnector", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = withKafkaMocks(harness().install());
  });

  async function build(args: Partial<S3SinkConnectorArgs> = {}) {
    const sink = new S3SinkConnector("sink", {
      prefix: "pin-test",
      vpcId: "vpc-1",
      subnetIds: ["subnet-a", "subnet-b"],
      clusterArn: CLUSTER_ARN,
      clusterUuid: CLUSTER_UUID,
      bootstrapBrokersIam: brokersOf("pin-test-kafka"),
      kafkaClientSecurityGroupId: "sg-kafka-clients",
      bucketName: "pin-test-raw-1",
      bucketArn: "arn:aws:s3:::pin-test-raw-1",
      pluginPath: pluginFile(),
      pluginSha256: sha256Hex(PLUGIN_BYTES),
      ...args,
    });
    await h.settle();
    return sink;
  }

  it("builds the plugin object, plugin, worker configuration, logs, role and connector", async () => {
    await build();
    expect(h.counts()).to.deep.equal({
      "pinterest-pipeline:components:S3SinkConnector": 1,
      "aws:s3/bucketObjectv2:BucketObjectv2": 1,
      "aws:mskconnect/customPlugin:CustomPlugin": 1,
      "aws:mskconnect/workerConfiguration:WorkerConfiguration": 1,
      "aws:cloudwatch/logGroup:LogGroup": 1,
      "aws:iam/role:Role": 1,
      "aws:iam/rolePolicy:RolePolicy": 1,
      "aws:ec2/securityGroup:SecurityGroup": 1,
      "aws:mskconnect/connector:Connector": 1,
    });
  });

  it("uploads the plugin to the bucket and pins the custom plugin to that object version", async () => {
    await build();
    const object = h.one("aws:s3/bucketObjectv2:BucketObjectv2");
    expect(object.inputs.bucket).to.equal("pin-test-raw-1");
    expect(object.inputs.key).to.equal("connect-plugins/confluentinc-kafka-connect-s3-10.6.7.zip");
    const plugin = h.one("aws:mskconnect/customPlugin:CustomPlugin").inputs;
    expect(plugin.contentType).to.equal("ZIP");
    expect(plugin.location).to.deep.equal({
      s3: {
        bucketArn: "arn:aws:s3:::pin-test-raw-1",
        fileKey: object.inputs.key,
        objectVersion: object.state.versionId,
      },
    });
  });

  it("names the plugin and the worker configuration by their content", async () => {
    await build();
    const plugin = h.one("aws:mskconnect/customPlugin:CustomPlugin").inputs;
    expect(plugin.name).to.equal(`pin-test-s3-sink-${contentHash(PLUGIN_BYTES)}`);
    const worker = h.one("aws:mskconnect/workerConfiguration:WorkerConfiguration").inputs;
    expect(worker.propertiesFileContent).to.equal(s3SinkWorkerProperties());
    expect(worker.name).to.equal(
      `pin-test-s3-sink-worker-${contentHash(s3SinkWorkerProperties())}`,
    );
  });

  it("connects with IAM over TLS from the private subnets through the client group", async () => {
    await build();
    const connector = h.one("aws:mskconnect/connector:Connector").inputs;
    expect(connector.kafkaClusterClientAuthentication).to.deep.equal({ authenticationType: "IAM" });
    expect(connector.kafkaClusterEncryptionInTransit).to.deep.equal({ encryptionType: "TLS" });
    expect(connector.kafkaCluster).to.deep.equal({
      apacheKafkaCluster: {
        bootstrapServers: brokersOf("pin-test-kafka"),
        vpc: {
          securityGroups: ["sink-sg-id", "sg-kafka-clients"],
          subnets: ["subnet-a", "subnet-b"],
        },
      },
    });
    expect(ingressRules(h)).to.deep.equal([]);
  });

  // The settings build() below renders with flushSize 1000 and rotateIntervalMs 30000.
  const BUILT_WITH: S3SinkSettings = {
    prefix: "pin-test",
    clusterId: CLUSTER_UUID,
    bucketName: "pin-test-raw-1",
    region: "eu-west-1",
    tasksMax: 3,
    flushSize: 1000,
    rotateIntervalMs: 30_000,
  };

  it("runs the course's connector settings with a sane flush policy", async () => {
    await build({ flushSize: 1000, rotateIntervalMs: 30_000 });
    const connector = h.one("aws:mskconnect/connector:Connector");
    expect(connector.inputs.connectorConfiguration).to.deep.equal(
      s3SinkConnectorProperties(BUILT_WITH),
    );
    expect(connector.inputs.name).to.equal("pin-test-s3-sink");
    expect(connector.inputs.kafkaconnectVersion).to.equal("3.7.x");
    expect(connector.inputs.capacity).to.deep.equal({
      provisionedCapacity: { mcuCount: 1, workerCount: 1 },
    });
  });

  // Aiven's S3SinkTask.java (Aiven-Open/cloud-storage-connectors-for-apache-kafka): put() only
  // groups records (file.max.records per file); flush(), called at each offset flush of the
  // worker, writes every group. So offset.flush.interval.ms is what commits a partial object.
  it("runs Aiven's sink when asked, flushing its objects with the workers' offsets", async () => {
    await build({ plugin: "aiven", flushSize: 1000, rotateIntervalMs: 30_000 });
    const connector = h.one("aws:mskconnect/connector:Connector").inputs;
    expect(connector.connectorConfiguration).to.deep.equal(
      s3SinkConnectorProperties({ ...BUILT_WITH, plugin: "aiven" }),
    );
    const worker = h.one("aws:mskconnect/workerConfiguration:WorkerConfiguration").inputs;
    expect(worker.propertiesFileContent).to.contain("offset.flush.interval.ms=30000\n");
    expect(worker.name).to.not.equal(
      `pin-test-s3-sink-worker-${contentHash(s3SinkWorkerProperties())}`,
    );
    expect(h.one("aws:mskconnect/customPlugin:CustomPlugin").inputs.description).to.contain(
      "(aiven)",
    );
  });

  it("is replaced delete-first under the same name, keeping its consumer group", async () => {
    await build();
    const connector = h.one("aws:mskconnect/connector:Connector");
    expect(connector.deleteBeforeReplace).to.equal(true);
    expect(connector.dependsOn).to.include(h.one("aws:iam/rolePolicy:RolePolicy").urn);
  });

  it("uses the pinned plugin and worker revisions, and logs with retention", async () => {
    await build({ logRetentionDays: 7 });
    const connector = h.one("aws:mskconnect/connector:Connector").inputs;
    const plugin = h.one("aws:mskconnect/customPlugin:CustomPlugin").state;
    const worker = h.one("aws:mskconnect/workerConfiguration:WorkerConfiguration").state;
    expect(connector.plugins).to.deep.equal([{ customPlugin: { arn: plugin.arn, revision: 1 } }]);
    expect(connector.workerConfiguration).to.deep.equal({ arn: worker.arn, revision: 1 });
    const logGroup = h.one("aws:cloudwatch/logGroup:LogGroup").inputs;
    expect(logGroup).to.include({ name: "/aws/mskconnect/pin-test-s3-sink", retentionInDays: 7 });
    expect(connector.logDelivery).to.deep.equal({
      workerLogDelivery: { cloudwatchLogs: { enabled: true, logGroup: logGroup.name } },
    });
  });

  it("runs as a role only MSK Connect may assume, scoped to its topics and the topics/ prefix", async () => {
    await build();
    const role = h.one("aws:iam/role:Role");
    const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
    expect(trust.Principal).to.deep.equal({ Service: "kafkaconnect.amazonaws.com" });
    expect(trust.Condition.ArnLike["aws:SourceArn"]).to.equal(
      "arn:aws:kafkaconnect:eu-west-1:123456789012:connector/pin-test-s3-sink/*",
    );
    const policy = JSON.parse(h.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
    expect(policy).to.deep.equal(
      s3SinkConnectorPolicy({
        clusterArn: CLUSTER_ARN,
        topicPrefix: "pin-test",
        connectorName: "pin-test-s3-sink",
        bucketArn: "arn:aws:s3:::pin-test-raw-1",
        objectPrefix: "topics/",
      }),
    );
    expect(h.one("aws:mskconnect/connector:Connector").inputs.serviceExecutionRoleArn).to.equal(
      role.state.arn,
    );
  });

  it("refuses a plugin path that does not exist, saying what to do", () => {
    expect(
      () =>
        new S3SinkConnector("sink", {
          pluginPath: "/nowhere/plugin.zip",
          pluginSha256: "",
        } as never),
    ).to.throw(
      `pluginPath "/nowhere/plugin.zip" does not exist; download the pinned confluent sink ` +
        `${S3_SINK_PLUGIN_RELEASES.confluent.fileName} from ${S3_SINK_PLUGIN_RELEASES.confluent.url}`,
    );
  });

  // The zip is uploaded as it is and MSK Connect runs it: a wrong or swapped file must stop at
  // preview, with both checksums and where the pinned release comes from.
  it("refuses a plugin file whose SHA-256 is not the one given, or none given", async () => {
    const other = "0".repeat(64);
    const file = pluginFile();
    const actual = sha256Hex(PLUGIN_BYTES);
    const { confluent, aiven } = S3_SINK_PLUGIN_RELEASES;
    await expectRejection(
      build({ pluginPath: file, pluginSha256: other }),
      `S3SinkConnector plugin ${file} has SHA-256 ${actual}, but ${other} was expected: it is ` +
        `another file than the one checked. Download it again (the pinned confluent sink is ` +
        `${confluent.fileName} (Confluent Community License) from ${confluent.url}; ` +
        'docs/deploy.md, "The S3 sink plugin"), or give the checksum of the file you mean to deploy.',
    );
    await expectRejection(
      build({ pluginPath: file, pluginSha256: "", plugin: "aiven" }),
      `S3SinkConnector pluginSha256 is not given: ${file} has SHA-256 ${actual}. Check that the ` +
        `file is the one you downloaded, then give that checksum (the pinned aiven sink is ` +
        `${aiven.fileName} (Apache-2.0) from ${aiven.url}; docs/deploy.md, "The S3 sink plugin").`,
    );
  });

  it("pins each sink to a release whose file is the last part of its HTTPS address", () => {
    for (const release of Object.values(S3_SINK_PLUGIN_RELEASES)) {
      expect(release.url).to.match(/^https:\/\//);
      expect(release.url.split("/").pop()).to.equal(release.fileName);
      expect(release.fileName)
        .to.include(release.version)
        .and.match(/\.zip$/);
    }
  });

  it("parents every child and exposes its ARNs", async () => {
    const sink = await build();
    const component = h.one("pinterest-pipeline:components:S3SinkConnector");
    expect(h.childrenOf(component)).to.have.length(h.resources.length - 1);
    expect(await h.value(sink.connectorArn)).to.contain(":connector/pin-test-s3-sink/");
    expect(await h.value(sink.pluginVersionId)).to.equal("version-of-sink-plugin-object");
  });
});

describe("S3 sink configuration", () => {
  const settings: S3SinkSettings = {
    prefix: "pin-dev",
    clusterId: CLUSTER_UUID,
    bucketName: "b",
    region: "eu-west-1",
    tasksMax: 3,
    flushSize: 500,
    rotateIntervalMs: 60_000,
  };
  const properties = s3SinkConnectorProperties(settings);
  // docs/pipeline.md §5: the course's settings, each of which must survive unchanged.
  const course: [string, string][] = [
    ["connector.class", "io.confluent.connect.s3.S3SinkConnector"],
    ["format.class", "io.confluent.connect.s3.format.json.JsonFormat"],
    ["storage.class", "io.confluent.connect.s3.storage.S3Storage"],
    ["partitioner.class", "io.confluent.connect.storage.partitioner.DefaultPartitioner"],
    ["value.converter", "org.apache.kafka.connect.json.JsonConverter"],
    ["value.converter.schemas.enable", "false"],
    ["key.converter", "org.apache.kafka.connect.storage.StringConverter"],
    ["schema.compatibility", "NONE"],
    ["s3.region", "eu-west-1"],
    ["s3.bucket.name", "b"],
    // One folder per Kafka cluster (s3SinkTopicsDir): a replaced cluster's offsets start at 0.
    ["topics.dir", `topics/${CLUSTER_UUID}`],
    // The course's 10 digits widened to Aiven's only padded width, so both plugins name alike.
    ["filename.offset.zero.pad.width", "20"],
    ["flush.size", "500"],
    // The course's time-based commit, made one Confluent's sink honours with this partitioner.
    ["rotate.schedule.interval.ms", "60000"],
    ["timezone", "UTC"],
    ["tasks.max", "3"],
  ];
  for (const [key, value] of course) {
    it(`${key}=${value}`, () => expect(properties[key]).to.equal(value));
  }
  it("has no other keys than these and topics.regex", () => {
    expect(Object.keys(properties).sort()).to.deep.equal(
      [...course.map(([k]) => k), "topics.regex"].sort(),
    );
  });
  // Confluent's rotation rules, from kafka-connect-s3's TopicPartitionWriter.java and
  // S3SinkConnectorConfig.java (confluentinc/kafka-connect-storage-cloud): the writer takes a
  // timestamp extractor only from a TimeBasedPartitioner (or a subclass); with any other
  // partitioner, rotate.interval.ms > 0 is logged as "ignored" and rotateOnTime() never fires for
  // it; rotate.schedule.interval.ms > 0 rotates on the wall clock with any partitioner, and the
  // config refuses it without a timezone. flush.size is required (StorageSinkConnectorConfig).
  const TIME_BASED =
    /^io\.confluent\.connect\.storage\.partitioner\.(TimeBased|Hourly|Daily)Partitioner$/;
  function confluentTimeRotation(props: Record<string, string>): {
    recordTime: boolean;
    wallClock: boolean;
    ignored: string[];
    refused: string[];
  } {
    const partitioner =
      props["partitioner.class"] ?? "io.confluent.connect.storage.partitioner.DefaultPartitioner";
    const rotate = Number(props["rotate.interval.ms"] ?? -1);
    const schedule = Number(props["rotate.schedule.interval.ms"] ?? -1);
    const timeBased = TIME_BASED.test(partitioner);
    const ignored = rotate > 0 && !timeBased ? ["rotate.interval.ms"] : [];
    const refused = [
      ...(schedule > 0 && !(props.timezone ?? "").trim() ? ["timezone"] : []),
      ...(/^-?\d+$/.test(props["flush.size"] ?? "") ? [] : ["flush.size"]),
    ];
    return { recordTime: rotate > 0 && timeBased, wallClock: schedule > 0, ignored, refused };
  }

  it("the sink's flush settings are ones Confluent's sink honours for this partitioner", () => {
    const rotation = confluentTimeRotation(properties);
    expect(rotation.ignored, "settings Confluent ignores").to.deep.equal([]);
    expect(rotation.refused, "settings Confluent refuses").to.deep.equal([]);
    // Records below flush.size are committed: some time-based rotation is in force.
    expect(rotation.recordTime || rotation.wallClock).to.equal(true);
    expect(properties["rotate.schedule.interval.ms"]).to.equal(String(settings.rotateIntervalMs));
  });

  it("would have flagged the reviewed configuration (rotate.interval.ms with the default partitioner)", () => {
    const rest = Object.fromEntries(
      Object.entries(properties).filter(
        ([k]) => !["rotate.schedule.interval.ms", "timezone"].includes(k),
      ),
    );
    const reviewed = { ...rest, "rotate.interval.ms": "60000", "timestamp.extractor": "Record" };
    const rotation = confluentTimeRotation(reviewed);
    expect(rotation.ignored).to.deep.equal(["rotate.interval.ms"]);
    expect(rotation.recordTime || rotation.wallClock).to.equal(false);
    expect(confluentTimeRotation({ ...properties, timezone: "" }).refused).to.deep.equal([
      "timezone",
    ]);
  });

  it("refuses extra properties that Confluent's sink would ignore or refuse", () => {
    const base = { ...settings, prefix: "p" };
    expect(() =>
      s3SinkConnectorProperties({ ...base, extraProperties: { "rotate.interval.ms": "60000" } }),
    ).to.throw('"rotate.interval.ms" is ignored by Confluent\'s S3 sink');
    expect(() =>
      s3SinkConnectorProperties({ ...base, extraProperties: { timezone: "" } }),
    ).to.throw('"timezone" must be set');
    // With a time-based partitioner, record-time rotation is honoured and allowed.
    const timeBased = s3SinkConnectorProperties({
      ...base,
      extraProperties: {
        "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
        "rotate.interval.ms": "60000",
      },
    });
    expect(timeBased["rotate.interval.ms"]).to.equal("60000");
  });

  it("lets extra properties override", () => {
    const custom = s3SinkConnectorProperties({
      prefix: "p",
      clusterId: CLUSTER_UUID,
      bucketName: "b",
      region: "r",
      tasksMax: 1,
      flushSize: 1,
      rotateIntervalMs: 1000,
      extraProperties: { "flush.size": "7", "errors.tolerance": "all" },
    });
    expect(custom["flush.size"]).to.equal("7");
    expect(custom["errors.tolerance"]).to.equal("all");
  });

  it("keeps the Confluent workers' properties to the converters", () => {
    expect(s3SinkWorkerProperties()).to.equal(
      [
        "key.converter=org.apache.kafka.connect.storage.StringConverter",
        "value.converter=org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable=false",
        "",
      ].join("\n"),
    );
  });

  const aiven = s3SinkConnectorProperties({ ...settings, plugin: "aiven" });
  // Aiven's sink (its README and config classes): the same records, converters and topics,
  // written as bare JSON values one per line, credentials from the connector's execution role.
  const aivenExpected: [string, string][] = [
    ["connector.class", "io.aiven.kafka.connect.s3.AivenKafkaConnectS3SinkConnector"],
    ["tasks.max", "3"],
    ["topics.regex", "pin-dev\\..*"],
    ["key.converter", "org.apache.kafka.connect.storage.StringConverter"],
    ["value.converter", "org.apache.kafka.connect.json.JsonConverter"],
    ["value.converter.schemas.enable", "false"],
    ["aws.s3.region", "eu-west-1"],
    ["aws.s3.bucket.name", "b"],
    [
      "file.name.template",
      `topics/${CLUSTER_UUID}/{{topic}}/partition={{partition}}/{{topic}}+{{partition}}+{{start_offset:padding=true}}.json`,
    ],
    ["file.compression.type", "none"],
    ["file.max.records", "500"],
    ["format.output.type", "jsonl"],
    ["format.output.fields", "value"],
    ["format.output.envelope", "false"],
  ];
  it("configures Aiven's sink with exactly its keys and no credential", () => {
    expect(Object.entries(aiven).sort()).to.deep.equal(aivenExpected.sort());
    expect(Object.keys(aiven).join()).to.not.match(/access\.key|secret/);
  });

  // How each plugin turns its properties into an object key, as its documentation describes:
  // Confluent's default partitioner `<topics.dir>/<topic>/partition=<p>/<topic>+<p>+<offset>.json`
  // with the offset padded to `filename.offset.zero.pad.width`; Aiven's `file.name.template`, whose
  // `start_offset:padding=true` pads to 20 digits.
  const confluentKey = (props: Record<string, string>, t: string, p: number, o: number) => {
    const width = Number(props["filename.offset.zero.pad.width"]);
    const offset = String(o).padStart(width, "0");
    return `${props["topics.dir"]}/${t}/partition=${p}/${t}+${p}+${offset}.json`;
  };
  const aivenKey = (props: Record<string, string>, t: string, p: number, o: number) =>
    props["file.name.template"]
      .replace(/\{\{topic\}\}/g, t)
      .replace(/\{\{partition\}\}/g, String(p))
      .replace("{{start_offset:padding=true}}", String(o).padStart(20, "0"));
  const samples: [string, number, number][] = [
    ["pin-dev.pin", 0, 0],
    ["pin-dev.geo", 2, 1500],
    ["pin-dev.user", 11, 9_007_199_254_740_991],
  ];
  for (const [topic, partition, offset] of samples) {
    it(`names ${topic} partition ${partition} offset ${offset} alike from both plugins`, () => {
      const expected = s3SinkObjectKey(CLUSTER_UUID, topic, partition, offset);
      expect(expected).to.match(
        new RegExp(
          `^topics/${CLUSTER_UUID}/${topic}/partition=${partition}/${topic}\\+${partition}\\+\\d{20}\\.json$`,
        ),
      );
      expect(confluentKey(properties, topic, partition, offset)).to.equal(expected);
      expect(aivenKey(aiven, topic, partition, offset)).to.equal(expected);
    });
  }

  // A replaced cluster (pause and resume, a force-new change) starts every partition at offset 0
  // again, so only the cluster's folder keeps its objects' names apart from the old cluster's.
  it("never gives a new cluster's object the name of an old cluster's, whatever the offsets", () => {
    const before = s3SinkObjectKey(CLUSTER_UUID, "pin-dev.pin", 0, 0);
    const after = s3SinkObjectKey("9f8e7d6c-5b4a-3210-fedc-ba9876543210-1", "pin-dev.pin", 0, 0);
    expect(after).to.not.equal(before);
    expect(s3SinkObjectKey("MkU3OEVBNTcwNTJENDM2Qk", "pin-dev.pin", 0, 0)).to.equal(
      "topics/MkU3OEVBNTcwNTJENDM2Qk/pin-dev.pin/partition=0/pin-dev.pin+0+00000000000000000000.json",
    );
  });
  for (const bad of ["", "a/b", "../x", "x".repeat(65)]) {
    it(`refuses the cluster id ${JSON.stringify(bad.slice(0, 12))} as a folder name`, () => {
      expect(() => s3SinkTopicsDir(bad)).to.throw("is not a Kafka cluster's id");
    });
  }

  const regexCases: [string, string, string[], string[]][] = [
    ["pin-dev", "pin-dev\\..*", ["pin-dev.pin", "pin-dev.user"], ["pin-dev2.pin", "pin-devXpin"]],
    ["a.b", "a\\.b\\..*", ["a.b.geo"], ["aXb.geo"]],
  ];
  for (const [prefix, regex, matches, misses] of regexCases) {
    it(`topics.regex of ${prefix} is ${regex}`, () => {
      expect(topicsRegex(prefix)).to.equal(regex);
      const re = new RegExp(`^${regex}$`);
      for (const topic of matches) expect(re.test(topic), topic).to.equal(true);
      for (const topic of misses) expect(re.test(topic), topic).to.equal(false);
    });
  }

  it("names content by the first 10 hex digits of its SHA-256", () => {
    expect(contentName("w", "abc")).to.equal("w-ba7816bf8f");
  });

  const types: [string, string][] = [
    ["x/connector.zip", "ZIP"],
    ["connector.JAR", "JAR"],
  ];
  for (const [file, type] of types) {
    it(`${file} is a ${type} plugin`, () => expect(pluginContentType(file)).to.equal(type));
  }
});

describe("S3SinkConnector argument validation", () => {
  const base = { pluginPath: "c.zip", pluginSha256: "" } as S3SinkConnectorArgs;
  const cases: [string, Partial<S3SinkConnectorArgs>, string][] = [
    ["a tarball plugin", { pluginPath: "c.tar.gz" }, '"c.tar.gz" is neither a .zip nor a .jar'],
    ["zero tasks", { tasksMax: 0 }, "tasksMax 0 must be a whole number from 1 to 100"],
    ["zero flush size", { flushSize: 0 }, "flushSize 0 must be"],
    ["a sub-second rotation", { rotateIntervalMs: 10 }, "rotateIntervalMs 10 must be"],
    ["3 MCUs", { mcuCount: 3 }, "mcuCount 3 is not one of 1, 2, 4, 8"],
    ["11 workers", { workerCount: 11 }, "workerCount 11 must be"],
    [
      "a checksum that is not a SHA-256",
      { pluginSha256: "ABC" },
      'pluginSha256 "ABC" is not a SHA-256: give the 64 lowercase hex digits sha256sum prints',
    ],
    [
      "a sink plugin it cannot configure",
      { plugin: "lenses" as never },
      'plugin "lenses" is not one of confluent, aiven',
    ],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateS3SinkConnectorArgs({ ...base, ...args })).to.throw(message);
    });
  }
});

// The local replica (local/kafka/connect.sh) deploys what local/kafka/sinkProperties.ts renders;
// that must be what the stack program itself gives MSK Connect, or the replica tests an intention.
describe("the replica's connector properties", function () {
  this.timeout(120_000);
  for (const stack of ["dev", "prod"]) {
    it(`are the ${stack} stack program's connector configuration, with only the class, endpoint and credentials replaced`, async () => {
      const h = harness();
      const { outputs } = await runStack(h, stack);
      // dev runs the sink on the client machine (kafka.sinkRunner: client), prod on MSK Connect.
      const deployed = deployedSinkProperties(h, outputs.prefix);
      const bucket = outputs.batch!.bucketName;
      expect(stackSinkProperties(stack, outputs.prefix, bucket, CLUSTER_UUID)).to.deep.equal(
        deployed,
      );
      const replica = replicaSinkProperties(
        stack,
        outputs.prefix,
        bucket,
        CLUSTER_UUID,
        "http://127.0.0.1:39000",
      );
      const changed = Object.keys(replica).filter((k) => replica[k] !== deployed[k]);
      expect(changed.sort()).to.deep.equal(Object.keys(replicaOverrides("x")).sort());
      expect(Object.keys(deployed).filter((k) => !(k in replica))).to.deep.equal([]);
    });
  }

  it("refuses to replicate a stack that runs Aiven's sink, which the local sink does not implement", () => {
    const aiven = s3SinkConnectorProperties({
      plugin: "aiven",
      prefix: "p",
      clusterId: CLUSTER_UUID,
      bucketName: "b",
      region: "eu-west-1",
      tasksMax: 1,
      flushSize: 500,
      rotateIntervalMs: 60_000,
    });
    expect(() => replicate(aiven, "http://127.0.0.1:39000", "dev")).to.throw(
      'Stack "dev" runs io.aiven.kafka.connect.s3.AivenKafkaConnectS3SinkConnector (kafka.connectorPlugin); the local sink implements only',
    );
  });
});
