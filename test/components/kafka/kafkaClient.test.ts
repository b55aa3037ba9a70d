import { expect } from "chai";
import {
  AL2023_AMI_PARAMETER,
  KafkaClient,
  KafkaClientArgs,
  validateKafkaClientArgs,
} from "../../../components/kafka/kafkaClient";
import {
  ensureTopicsCommand,
  kafkaClientUserData,
} from "../../../components/kafka/kafkaClientUserData";
import { kafkaClientPolicy } from "../../../components/kafka/kafkaPolicies";
import { harness, PulumiHarness } from "../../../tools/pulumi-mock/mockEngine";
import { ingressRules } from "../../harness/kafkaMocks";
import { AMI_ID, brokersOf, withKafkaMocks } from "../../../tools/pulumi-mock/mockRun";

const CLUSTER_ARN =
  "arn:aws:kafka:eu-west-1:123456789012:cluster/pin-test-kafka/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2";

// Mocks prove the machine's settings, its role and its firewall; they cannot prove that the boot
// script succeeds on Amazon Linux (its own tests run it through bash -n, shellcheck and Maven).
describe("KafkaClient", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = withKafkaMocks(harness().install());
  });

  async function build(args: Partial<KafkaClientArgs> = {}) {
    const client = new KafkaClient("client", {
      prefix: "pin-test",
      vpcId: "vpc-1",
      subnetId: "subnet-private-a",
      clusterArn: CLUSTER_ARN,
      bootstrapBrokersIam: brokersOf("pin-test-kafka"),
      kafkaClientSecurityGroupId: "sg-kafka-clients",
      ...args,
    });
    await h.settle();
    return client;
  }

  it("builds a role, its two policies, a profile, a security group and the instance", async () => {
    await build();
    expect(h.counts()).to.deep.equal({
      "pinterest-pipeline:components:KafkaClient": 1,
      "aws:iam/role:Role": 1,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
      "aws:iam/rolePolicy:RolePolicy": 1,
      "aws:iam/instanceProfile:InstanceProfile": 1,
      "aws:ec2/securityGroup:SecurityGroup": 1,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
      "aws:ec2/instance:Instance": 1,
      "aws:ssm/association:Association": 1,
    });
  });

  it("resolves the AMI from the SSM parameter, never a hard-coded id", async () => {
    await build();
    const invoke = h.invokes.find((i) => i.token === "aws:ssm/getParameter:getParameter");
    expect(invoke?.inputs.name).to.equal(AL2023_AMI_PARAMETER);
    const instance = h.one("aws:ec2/instance:Instance");
    expect(instance.inputs.ami).to.equal(AMI_ID);
    expect(instance.ignoreChanges).to.deep.equal(["ami"]);
  });

  it("follows the latest AMI only when asked", async () => {
    await build({ followLatestAmi: true });
    expect(h.one("aws:ec2/instance:Instance").ignoreChanges).to.deep.equal([]);
  });

  // No key pair and no public address: the policy pack (ec2-instance-hardened,
  // ec2-instance-no-public-address).
  it("sits in a private subnet with one metadata hop and its sized, encrypted gp3 disk", async () => {
    await build();
    const instance = h.one("aws:ec2/instance:Instance").inputs;
    expect(instance.metadataOptions).to.deep.equal({
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: "disabled",
    });
    expect(instance.rootBlockDevice).to.deep.equal({
      encrypted: true,
      volumeType: "gp3",
      volumeSize: 20,
      deleteOnTermination: true,
    });
    expect(instance.subnetId).to.equal("subnet-private-a");
    expect(instance.instanceType).to.equal("t3.small");
  });

  it("joins its own group and the cluster's client group; nothing may connect in", async () => {
    await build();
    const instance = h.one("aws:ec2/instance:Instance").inputs;
    expect(instance.vpcSecurityGroupIds).to.deep.equal(["client-sg-id", "sg-kafka-clients"]);
    expect(ingressRules(h)).to.deep.equal([]);
    // Standalone rules only: the API and the database add rules to this group, and inline rules
    // next to them get revoked (node_modules/@pulumi/aws/ec2/securityGroup.d.ts, WARNING).
    const group = h.one("aws:ec2/securityGroup:SecurityGroup").inputs;
    expect(group).to.not.have.property("ingress");
    expect(group).to.not.have.property("egress");
    const egress = h.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").inputs;
    expect(egress).to.include({
      securityGroupId: "client-sg-id",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    expect(egress.description).to.be.a("string");
  });

  it("runs the rendered boot script and is replaced when it changes", async () => {
    await build({ partitions: 6, replicationFactor: 2 });
    const instance = h.one("aws:ec2/instance:Instance");
    expect(instance.inputs.userData).to.equal(
      kafkaClientUserData({
        prefix: "pin-test",
        topics: ["pin-test.pin", "pin-test.geo", "pin-test.user"],
        bootstrapBrokers: brokersOf("pin-test-kafka"),
        replicationFactor: 2,
      }),
    );
    expect(instance.inputs.userDataReplaceOnChange).to.equal(true);
  });

  // The boot script runs once per machine (userDataReplaceOnChange), so the partition count lives
  // in a State Manager association, which runs again when its parameters change:
  // https://docs.aws.amazon.com/systems-manager/latest/userguide/state-manager-about.html
  it("changes topic partitions through its association, without replacing the machine", async () => {
    await build({ partitions: 3 });
    const before = h.one("aws:ec2/instance:Instance").inputs;
    const association = h.one("aws:ssm/association:Association");
    expect(association.inputs).to.deep.include({
      name: "AWS-RunShellScript",
      targets: [{ key: "InstanceIds", values: ["client-instance-id"] }],
      waitForSuccessTimeoutSeconds: 2400,
    });
    expect(association.inputs.parameters.commands).to.equal(ensureTopicsCommand(3));
    expect(association.dependsOn).to.include(h.one("aws:ec2/instance:Instance").urn);
    h = withKafkaMocks(harness().install());
    await build({ partitions: 12 });
    const after = h.one("aws:ec2/instance:Instance").inputs;
    expect(after).to.deep.equal(before);
    expect(h.one("aws:ssm/association:Association").inputs.parameters.commands).to.equal(
      ensureTopicsCommand(12),
    );
  });

  // The provider waits for the association's Success only when it creates it:
  // node_modules/@pulumi/aws/ssm/association.d.ts (waitForSuccessTimeoutSeconds: "If Success
  // status is not reached within the given time, create opration will fail"), and
  // terraform-provider-aws internal/service/ssm/association.go, whose update calls
  // UpdateAssociation and reads back with no waiter. So every change of what it runs (the
  // partition count) or where (a replaced machine) is a replacement, the old association deleted
  // first so that only one runs ensure-topics on the machine.
  it("turns every change of its command or machine into an awaited create", async () => {
    await build({ partitions: 6 });
    const association = h.one("aws:ssm/association:Association");
    expect(association.replaceOnChanges).to.have.members(["parameters", "targets"]);
    expect(association.deleteBeforeReplace).to.equal(true);
    expect(association.inputs.waitForSuccessTimeoutSeconds).to.be.above(0);
    expect(association.inputs).to.not.have.property("applyOnlyAtCronInterval");
    expect(association.inputs).to.not.have.property("scheduleExpression");
  });

  it("lets only EC2 assume its role, with Session Manager and the scoped Kafka policy", async () => {
    await build();
    const role = h.one("aws:iam/role:Role");
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).to.deep.equal([
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(h.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).to.equal(
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    );
    const policy = h.one("aws:iam/rolePolicy:RolePolicy");
    expect(JSON.parse(policy.inputs.policy)).to.deep.equal(
      kafkaClientPolicy({
        clusterArn: CLUSTER_ARN,
        topicPrefix: "pin-test",
        groupPrefix: "pin-test",
      }),
    );
    const instance = h.one("aws:ec2/instance:Instance");
    expect(instance.dependsOn).to.include(policy.urn);
    expect(instance.inputs.iamInstanceProfile).to.equal(
      h.one("aws:iam/instanceProfile:InstanceProfile").state.name,
    );
  });

  it("exposes instance id, topics and port, parenting every child", async () => {
    const client = await build();
    expect(await h.value(client.instanceId)).to.equal("client-instance-id");
    expect(await h.value(client.topicNames)).to.deep.equal([
      "pin-test.pin",
      "pin-test.geo",
      "pin-test.user",
    ]);
    expect(await h.value(client.restProxyPort)).to.equal(8082);
    const component = h.one("pinterest-pipeline:components:KafkaClient");
    expect(h.childrenOf(component)).to.have.length(h.resources.length - 1);
  });
});

describe("KafkaClient argument validation", () => {
  const base = {
    prefix: "pin-test",
    vpcId: "v",
    subnetId: "s",
    clusterArn: CLUSTER_ARN,
    bootstrapBrokersIam: "b:9098",
    kafkaClientSecurityGroupId: "sg",
  };
  const cases: [string, Partial<KafkaClientArgs>, string][] = [
    ["an upper-case prefix", { prefix: "Pin" }, 'prefix "Pin" must be 3–20 lowercase'],
    ["a tiny root volume", { rootVolumeGb: 4 }, "rootVolumeGb 4 must be a whole number from 8"],
    ["zero partitions", { partitions: 0 }, "partitions 0 must be a positive whole number"],
    ["no replicas", { replicationFactor: 0 }, "replicationFactor 0 must be"],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateKafkaClientArgs({ ...base, ...args })).to.throw(message);
    });
  }
});
