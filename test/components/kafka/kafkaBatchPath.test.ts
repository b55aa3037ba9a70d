import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  KafkaBatchPath,
  KafkaBatchPathArgs,
  validateKafkaBatchPathArgs,
} from "../../../components/kafka/kafkaBatchPath";
import { validateKafkaClientArgs } from "../../../components/kafka/kafkaClient";
import { sha256Hex } from "../../../components/shared/contentName";
import { clientConnectorProperties, clientUserData } from "../../harness/clientSink";
import { harness, PulumiHarness } from "../../../tools/pulumi-mock/mockEngine";
import {
  groupsMixingRules,
  ingressRules,
  portsOf,
  rulesOnUnknownGroups,
} from "../../harness/kafkaMocks";
import { brokersOf, withKafkaMocks } from "../../../tools/pulumi-mock/mockRun";

const BUCKET = "pin-test-raw-0123456789";

function pluginFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "batch-path-plugin-"));
  const file = path.join(dir, "confluentinc-kafka-connect-s3-10.6.7.zip");
  fs.writeFileSync(file, "PK stand-in");
  return file;
}
const PLUGIN_SHA256 = sha256Hex("PK stand-in");

// The whole path under mocks: the graph, the wiring between parts, and the security baseline swept
// over every resource. What mocks cannot show: that the parts talk to each other once deployed.
describe("KafkaBatchPath", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = withKafkaMocks(harness().install());
  });

  async function build(args: Partial<KafkaBatchPathArgs> = {}) {
    const path = new KafkaBatchPath("batch", {
      prefix: "pin-test",
      vpcId: "vpc-1",
      privateSubnetIds: ["subnet-private-a", "subnet-private-b"],
      bucketName: BUCKET,
      bucketArn: `arn:aws:s3:::${BUCKET}`,
      connectorPluginPath: pluginFile(),
      connectorPluginSha256: PLUGIN_SHA256,
      ...args,
    });
    await h.settle();
    return path;
  }

  it("composes the four parts under one component, and no bucket of its own", async () => {
    await build();
    const root = h.one("pinterest-pipeline:components:KafkaBatchPath");
    expect(h.childrenOf(root).map((c) => c.type)).to.have.members([
      "pinterest-pipeline:components:MskCluster",
      "pinterest-pipeline:components:KafkaClient",
      "pinterest-pipeline:components:S3SinkConnector",
      "pinterest-pipeline:components:KafkaRestApi",
    ]);
    expect(h.ofType("aws:s3/bucket:Bucket")).to.deep.equal([]);
    // cluster 7, client 9, sink 8, API 22 (see each part's own test)
    expect(h.resources.filter((r) => r.custom)).to.have.length(46);
  });

  it("wires the client, sink and API to the cluster, bucket and each other", async () => {
    await build();
    expect(h.one("aws:autoscaling/group:Group").inputs.vpcZoneIdentifiers).to.deep.equal([
      "subnet-private-a",
      "subnet-private-b",
    ]);
    expect(
      h.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.networkInterfaces[0].securityGroups,
    ).to.deep.equal(["batch-client-sg-id", "batch-msk-clients-id"]);
    const connector = h.one("aws:mskconnect/connector:Connector").inputs;
    expect(connector.kafkaCluster.apacheKafkaCluster.bootstrapServers).to.equal(
      brokersOf("pin-test-kafka"),
    );
    expect(connector.connectorConfiguration["s3.bucket.name"]).to.equal(BUCKET);
    expect(h.one("aws:s3/bucketObjectv2:BucketObjectv2").inputs.bucket).to.equal(BUCKET);
    expect(
      h.one("aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment").inputs
        .autoscalingGroupName,
    ).to.equal("pin-test-kafka-client");
    expect(clientUserData(h)).to.contain("--replication-factor 2\n");
  });

  it("opens no port to 0.0.0.0/0, never port 22, never all ports", async () => {
    await build();
    const rules = ingressRules(h);
    expect(rules.map((r) => r.fromPort)).to.have.members([9098, 8082]);
    for (const rule of rules) {
      expect(rule.cidrBlocks ?? [], rule.description).to.not.include("0.0.0.0/0");
      expect(rule.cidrIpv4, rule.description).to.equal(undefined);
      expect(portsOf(rule), rule.description).to.not.include(22);
      expect(portsOf(rule), rule.description).to.not.include(-1);
      expect(rule.description).to.be.a("string").with.length.above(0);
    }
    for (const sg of h.ofType("aws:ec2/securityGroup:SecurityGroup")) {
      expect(sg.inputs.description, sg.name).to.be.a("string").with.length.above(0);
    }
  });

  // node_modules/@pulumi/aws/ec2/securityGroup.d.ts: inline rules next to standalone rules on one
  // group "may cause rule conflicts, perpetual differences, and result in rules being overwritten".
  it("declares no inline rule on any group a standalone rule targets", async () => {
    await build();
    expect(groupsMixingRules(h)).to.deep.equal([]);
    expect(rulesOnUnknownGroups(h)).to.deep.equal([]);
  });

  it("has no key pair, requires IMDSv2 and encrypts the machines' disks", async () => {
    await build();
    const template = h.one("aws:ec2/launchTemplate:LaunchTemplate").inputs;
    expect(template.keyName).to.equal(undefined);
    expect(template.metadataOptions.httpTokens).to.equal("required");
    expect(template.blockDeviceMappings[0].ebs.encrypted).to.equal("true");
    expect(h.ofType("aws:ec2/keyPair:KeyPair")).to.deep.equal([]);
  });

  it("gives every log group a retention and every IAM policy scoped actions and resources", async () => {
    await build({ logRetentionDays: 14 });
    for (const group of h.ofType("aws:cloudwatch/logGroup:LogGroup")) {
      expect(group.inputs.retentionInDays, group.name).to.equal(14);
    }
    for (const policy of h.ofType("aws:iam/rolePolicy:RolePolicy")) {
      for (const statement of JSON.parse(policy.inputs.policy).Statement) {
        const actions = [].concat(statement.Action);
        expect(actions, policy.name).to.not.include("*");
        expect([].concat(statement.Resource), policy.name).to.not.include("*");
      }
    }
    const managed = h.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    expect(managed.map((m) => m.inputs.policyArn)).to.deep.equal([
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ]);
  });

  it("passes sizes from its arguments to the parts", async () => {
    await build({
      brokerCount: 4,
      brokerInstanceType: "kafka.m7g.large",
      brokerStorageGb: 100,
      kafkaVersion: "3.8.x",
      clientInstanceType: "t3.medium",
      clientInstanceCount: 2,
      connectorFlushSize: 2000,
      connectorMcuCount: 2,
      connectorWorkerCount: 2,
      topicPartitions: 6,
    });
    const cluster = h.one("aws:msk/cluster:Cluster").inputs;
    expect(cluster.numberOfBrokerNodes).to.equal(4);
    expect(cluster.brokerNodeGroupInfo.instanceType).to.equal("kafka.m7g.large");
    expect(cluster.kafkaVersion).to.equal("3.8.x");
    expect(h.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.instanceType).to.equal(
      "t3.medium",
    );
    expect(h.one("aws:autoscaling/group:Group").inputs.desiredCapacity).to.equal(2);
    expect(clientUserData(h)).to.contain("--replication-factor 3\n");
    expect(h.one("aws:ssm/association:Association").inputs.parameters.commands).to.match(
      /ensure-topics 6$/,
    );
    const connector = h.one("aws:mskconnect/connector:Connector").inputs;
    expect(connector.connectorConfiguration["flush.size"]).to.equal("2000");
    expect(connector.capacity.provisionedCapacity).to.deep.equal({ mcuCount: 2, workerCount: 2 });
  });

  it("exposes the outputs the stack exports", async () => {
    const batch = await build();
    expect(await h.value(batch.invokeUrl)).to.equal(
      "https://batch-api-api-id.execute-api.eu-west-1.amazonaws.com/v1",
    );
    expect(await h.value(batch.apiKeyId)).to.equal("batch-api-key-id");
    expect(await h.value(batch.topicNames)).to.deep.equal([
      "pin-test.pin",
      "pin-test.geo",
      "pin-test.user",
    ]);
    expect(await h.value(batch.bootstrapBrokersIam)).to.equal(brokersOf("pin-test-kafka"));
    expect(await h.value(batch.clientGroupName)).to.equal("pin-test-kafka-client");
  });

  // kafka.sinkRunner: client (dev): Apache Kafka's Connect worker on the client machine. What mocks
  // cannot show: that the worker starts and writes (docs/kafka-batch-path.md, "Where the sink runs").
  describe("with sinkRunner client", () => {
    it("declares no MSK Connect resource and exports no connector", async () => {
      const batch = await build({ sinkRunner: "client" });
      expect(h.resources.filter((r) => r.type.startsWith("aws:mskconnect/"))).to.deep.equal([]);
      expect(h.ofType("pinterest-pipeline:components:S3SinkConnector")).to.deep.equal([]);
      expect(batch.sink).to.equal(undefined);
      expect(batch.connectorArn).to.equal(undefined);
    });

    it("uploads the checked plugin under its own key and grants the machine the sink's policy", async () => {
      await build({ sinkRunner: "client", connectorFlushSize: 2000 });
      const object = h.byName("batch-client-sink-plugin-object").inputs;
      expect(object.key).to.equal(
        "connect-plugins/kafka-client/confluentinc-kafka-connect-s3-10.6.7.zip",
      );
      const policy = JSON.parse(h.byName("batch-client-sink").inputs.policy);
      expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).to.deep.equal([
        "Cluster",
        "ReadPipelineTopics",
        "ConnectInternalTopics",
        "ConnectGroups",
        "Bucket",
        "SinkObjects",
        "WorkerInternalTopicConfigs",
        "SinkPlugin",
      ]);
      const script = clientUserData(h);
      expect(script).to.contain("systemctl enable --now kafka-connect.service");
      const properties = clientConnectorProperties(h, "pin-test");
      expect(properties["flush.size"]).to.equal("2000");
      expect(properties["s3.bucket.name"]).to.equal(BUCKET);
      expect(properties["topics.dir"]).to.match(/^topics\/[A-Za-z0-9_-]+$/);
      expect(script).to.contain(
        "--key 'connect-plugins/kafka-client/confluentinc-kafka-connect-s3-10.6.7.zip'",
      );
    });

    it("opens the worker's REST port between the stack's client machines only", async () => {
      await build({ sinkRunner: "client" });
      const group = h.byName("batch-client-sg").state.id;
      for (const rule of ["batch-client-connect-in", "batch-client-connect-out"]) {
        expect(h.byName(rule).inputs).to.deep.include({
          securityGroupId: group,
          referencedSecurityGroupId: group,
          ipProtocol: "tcp",
          fromPort: 8083,
          toPort: 8083,
        });
      }
      expect(groupsMixingRules(h)).to.deep.equal([]);
    });

    it("refuses a plugin that is not a zip, before any resource", async () => {
      expect(() =>
        validateKafkaClientArgs({
          prefix: "pin-test",
          vpcId: "v",
          subnetIds: ["s"],
          clusterArn: "c",
          bootstrapBrokersIam: "b:9098",
          kafkaClientSecurityGroupId: "g",
          sink: {
            bucketName: "b",
            bucketArn: "arn:aws:s3:::b",
            clusterUuid: "u",
            pluginPath: "s3-sink.jar",
            pluginSha256: PLUGIN_SHA256,
          },
        }),
      ).to.throw('KafkaClient sink pluginPath "s3-sink.jar" is not a .zip');
    });
  });
});

describe("KafkaBatchPath argument validation", () => {
  const base = {
    vpcId: "v",
    privateSubnetIds: [],
    bucketName: "b",
    bucketArn: "arn:aws:s3:::b",
    connectorPluginPath: "c.zip",
    connectorPluginSha256: "",
  };
  const cases: [string, Partial<KafkaBatchPathArgs>, string][] = [
    ["an upper-case prefix", { prefix: "Pin-Dev" }, 'prefix "Pin-Dev" must be 3–20'],
    ["a prefix ending in '-'", { prefix: "pin-" }, 'prefix "pin-" must be'],
    ["no plugin", { prefix: "pin-dev", connectorPluginPath: "" }, "connectorPluginPath is empty"],
    [
      "an unknown sink runner",
      { prefix: "pin-dev", sinkRunner: "ecs" as never },
      'sinkRunner "ecs" is not one of mskconnect, client',
    ],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateKafkaBatchPathArgs({ prefix: "p", ...base, ...args })).to.throw(message);
    });
  }
});
