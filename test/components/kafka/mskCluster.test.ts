import { expect } from "chai";
import {
  iamBootstrapBrokers,
  MskCluster,
  MskClusterArgs,
  mskServerProperties,
  validateMskClusterArgs,
} from "../../../components/kafka/mskCluster";
import { harness, PulumiHarness } from "../../../tools/pulumi-mock/mockEngine";
import { groupsMixingRules, ingressRules } from "../../harness/kafkaMocks";
import { brokersOf, CLUSTER_UUID, withKafkaMocks } from "../../../tools/pulumi-mock/mockRun";

// Mocks prove the cluster's settings and its firewall graph; they cannot prove that MSK accepts the
// Kafka version for the instance type, or that brokers actually refuse unauthenticated clients.
describe("MskCluster", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = withKafkaMocks(harness().install());
  });

  async function build(args: Partial<MskClusterArgs> = {}) {
    const cluster = new MskCluster("msk", {
      prefix: "pin-test",
      vpcId: "vpc-1",
      subnetIds: ["subnet-a", "subnet-b"],
      ...args,
    });
    await h.settle();
    return cluster;
  }

  it("builds the cluster, its configuration, log group and two security groups", async () => {
    await build();
    expect(h.counts()).to.deep.equal({
      "pinterest-pipeline:components:MskCluster": 1,
      "aws:ec2/securityGroup:SecurityGroup": 2,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
      "aws:cloudwatch/logGroup:LogGroup": 1,
      "aws:msk/configuration:Configuration": 1,
      "aws:msk/cluster:Cluster": 1,
    });
  });

  it("defaults to two kafka.t3.small brokers with 20 GiB each in the private subnets", async () => {
    await build();
    const cluster = h.one("aws:msk/cluster:Cluster").inputs;
    expect(cluster.clusterName).to.equal("pin-test-kafka");
    expect(cluster.kafkaVersion).to.equal("3.9.x");
    expect(cluster.numberOfBrokerNodes).to.equal(2);
    expect(cluster.brokerNodeGroupInfo).to.deep.equal({
      instanceType: "kafka.t3.small",
      clientSubnets: ["subnet-a", "subnet-b"],
      securityGroups: ["msk-brokers-id"],
      storageInfo: { ebsStorageInfo: { volumeSize: 20 } },
      connectivityInfo: { publicAccess: { type: "DISABLED" } },
    });
  });

  it("takes size, count, storage and version from its arguments", async () => {
    await build({
      brokerCount: 4,
      instanceType: "kafka.m7g.large",
      storageGb: 100,
      kafkaVersion: "3.8.x",
    });
    const cluster = h.one("aws:msk/cluster:Cluster").inputs;
    expect(cluster.numberOfBrokerNodes).to.equal(4);
    expect(cluster.brokerNodeGroupInfo.instanceType).to.equal("kafka.m7g.large");
    expect(cluster.brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize).to.equal(100);
    expect(cluster.kafkaVersion).to.equal("3.8.x");
  });

  // IAM-only clients and TLS in transit: the policy pack (msk-iam-tls-logged-private).
  it("encrypts at rest with the given KMS key", async () => {
    await build({ kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k" });
    const cluster = h.one("aws:msk/cluster:Cluster").inputs;
    expect(cluster.encryptionInfo.encryptionAtRestKmsKeyArn).to.equal(
      "arn:aws:kms:eu-west-1:123456789012:key/k",
    );
  });

  it("sends broker logs to its own log group with retention", async () => {
    await build({ logRetentionDays: 14 });
    const logGroup = h.one("aws:cloudwatch/logGroup:LogGroup").inputs;
    expect(logGroup).to.include({ name: "/aws/msk/pin-test-kafka", retentionInDays: 14 });
    expect(h.one("aws:msk/cluster:Cluster").inputs.loggingInfo).to.deep.equal({
      brokerLogs: { cloudwatchLogs: { enabled: true, logGroup: "/aws/msk/pin-test-kafka" } },
    });
  });

  it("applies a configuration without topic auto-creation at its latest revision", async () => {
    await build();
    const config = h.one("aws:msk/configuration:Configuration");
    expect(config.inputs.serverProperties).to.contain("auto.create.topics.enable=false\n");
    expect(h.one("aws:msk/cluster:Cluster").inputs.configurationInfo).to.deep.equal({
      arn: config.state.arn,
      revision: 1,
    });
  });

  it("opens the brokers on 9098 only to its client group and the given groups", async () => {
    await build({ clientSecurityGroupIds: ["sg-databricks"] });
    const rules = ingressRules(h);
    expect(
      rules.map((r) => [r.group, r.fromPort, r.toPort, r.referencedSecurityGroupId]),
    ).to.have.deep.members([
      ["msk-brokers-id", 9098, 9098, "msk-clients-id"],
      ["msk-brokers-id", 9098, 9098, "sg-databricks"],
    ]);
    expect(rules.every((r) => r.cidrIpv4 === undefined && r.description)).to.equal(true);
    // No inline rules next to the standalone ones (the WARNING in
    // node_modules/@pulumi/aws/ec2/securityGroup.d.ts); no egress rule: brokers only answer.
    const brokers = h.byName("msk-brokers", "aws:ec2/securityGroup:SecurityGroup").inputs;
    expect(brokers).to.not.have.property("ingress");
    expect(brokers).to.not.have.property("egress");
    expect(groupsMixingRules(h)).to.deep.equal([]);
  });

  it("lets members of the client group reach the brokers on 9098 and nothing else", async () => {
    await build();
    const clients = h.byName("msk-clients", "aws:ec2/securityGroup:SecurityGroup").inputs;
    expect(clients).to.not.have.property("ingress");
    expect(clients).to.not.have.property("egress");
    const egress = h.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").inputs;
    expect(egress).to.include({
      securityGroupId: "msk-clients-id",
      ipProtocol: "tcp",
      fromPort: 9098,
      toPort: 9098,
      referencedSecurityGroupId: "msk-brokers-id",
    });
  });

  it("exposes the IAM bootstrap brokers, ARN and groups, parenting every child", async () => {
    const msk = await build();
    expect(await h.value(msk.bootstrapBrokersIam)).to.equal(brokersOf("pin-test-kafka"));
    expect(await h.value(msk.clusterArn)).to.match(/:cluster\/pin-test-kafka\//);
    expect(await h.value(msk.clientSecurityGroupId)).to.equal("msk-clients-id");
    expect(msk.replicationFactor).to.equal(2);
    const component = h.one("pinterest-pipeline:components:MskCluster");
    expect(h.childrenOf(component)).to.have.length(h.resources.length - 1);
  });
});

describe("MskCluster bootstrap brokers", () => {
  // pulumi/pulumi-aws#4889: the cluster resource has reported empty broker strings for running
  // clusters. The component asks MSK's GetBootstrapBrokers too, and fails loudly if both are empty.
  let h: PulumiHarness;
  function clusterReporting(brokers: string, apiBrokers: string) {
    h = withKafkaMocks(harness().install())
      .compute("aws:msk/cluster:Cluster", (_name, inputs) => ({
        arn: `arn:aws:kafka:eu-west-1:123456789012:cluster/${inputs.clusterName}/${CLUSTER_UUID}`,
        bootstrapBrokersSaslIam: brokers,
        currentVersion: "K1",
      }))
      .onInvoke("aws:msk/getBootstrapBrokers:getBootstrapBrokers", () => ({
        bootstrapBrokersSaslIam: apiBrokers,
      }));
    return new MskCluster("msk", { prefix: "pin-test", vpcId: "v", subnetIds: ["a", "b"] });
  }

  it("asks MSK for them when the cluster's attribute comes back empty", async () => {
    const msk = clusterReporting("", "b-1.from-api:9098");
    expect(await h.value(msk.bootstrapBrokersIam)).to.equal("b-1.from-api:9098");
    const asked = h.invokes.filter(
      (i) => i.token === "aws:msk/getBootstrapBrokers:getBootstrapBrokers",
    );
    expect(asked.map((i) => i.inputs.clusterArn)).to.deep.equal([
      `arn:aws:kafka:eu-west-1:123456789012:cluster/pin-test-kafka/${CLUSTER_UUID}`,
    ]);
  });

  it("prefers the cluster's own attribute when it has one", async () => {
    const msk = clusterReporting("b-1.from-cluster:9098", "b-1.from-api:9098");
    expect(await h.value(msk.bootstrapBrokersIam)).to.equal("b-1.from-cluster:9098");
  });

  it("fails the deployment when neither the cluster nor MSK reports brokers", async () => {
    const msk = clusterReporting("", "");
    const failure = await h.failure(msk.bootstrapBrokersIam);
    expect(failure.message).to.contain(
      "MSK cluster pin-test-kafka reports no SASL/IAM bootstrap brokers",
    );
  });

  it("refuses to hand out an empty broker list, saying what to check", () => {
    expect(() => iamBootstrapBrokers("pin-test-kafka", "", undefined)).to.throw(
      "MSK cluster pin-test-kafka reports no SASL/IAM bootstrap brokers",
    );
    expect(() => iamBootstrapBrokers("pin-test-kafka", undefined, "")).to.throw(
      "aws kafka get-bootstrap-brokers --cluster-arn",
    );
  });
});

describe("mskServerProperties", () => {
  const cases: [number, number, number, string[]][] = [
    [2, 3, 168, ["default.replication.factor=2", "min.insync.replicas=1", "num.partitions=3"]],
    [3, 6, 24, ["default.replication.factor=3", "min.insync.replicas=2", "num.partitions=6"]],
    [6, 1, 72, ["default.replication.factor=3", "min.insync.replicas=2", "log.retention.hours=72"]],
  ];
  for (const [brokerCount, defaultPartitions, messageRetentionHours, lines] of cases) {
    it(`${brokerCount} brokers, ${defaultPartitions} partitions, ${messageRetentionHours} h`, () => {
      const text = mskServerProperties({ brokerCount, defaultPartitions, messageRetentionHours });
      const all = text.trim().split("\n");
      expect(all).to.include.members([
        "auto.create.topics.enable=false",
        "unclean.leader.election.enable=false",
        ...lines,
      ]);
      expect(all).to.have.length(7);
    });
  }
});

describe("MskCluster argument validation", () => {
  const cases: [string, Partial<MskClusterArgs>, string][] = [
    ["one broker", { brokerCount: 1 }, "brokerCount 1 must be a positive multiple of 2"],
    ["an odd count", { brokerCount: 3 }, "brokerCount 3 must be a positive multiple of 2"],
    ["no storage", { storageGb: 0 }, "storageGb 0 must be a whole number from 1 to 16384"],
    ["zero partitions", { defaultPartitions: 0 }, "defaultPartitions 0 must be"],
    ["fractional hours", { messageRetentionHours: 1.5 }, "messageRetentionHours 1.5 must be"],
    ["zero log days", { logRetentionDays: 0 }, "logRetentionDays 0 is not a CloudWatch Logs"],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () => {
      const base = { prefix: "p", vpcId: "v", subnetIds: [] };
      expect(() => validateMskClusterArgs({ ...base, ...args })).to.throw(message);
    });
  }
});
