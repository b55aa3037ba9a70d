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
import {
  CLIENT_HEALTH_CHECK_GRACE_SECONDS,
  clientRefreshPreferences,
} from "../../../components/kafka/kafkaClientGroup";
import { kafkaClientPolicy } from "../../../components/kafka/kafkaPolicies";
import { harness, PulumiHarness } from "../../../tools/pulumi-mock/mockEngine";
import { ingressRules } from "../../harness/kafkaMocks";
import { AMI_ID, brokersOf, withKafkaMocks } from "../../../tools/pulumi-mock/mockRun";

const CLUSTER_ARN =
  "arn:aws:kafka:eu-west-1:123456789012:cluster/pin-test-kafka/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2";

// Mocks prove the machines' template, the group's settings, the role and the firewall; they cannot
// prove that the boot script succeeds on Amazon Linux (its own tests run it through bash -n,
// shellcheck and Maven), nor that AWS accepts the template and group (a deployment shows that).
describe("KafkaClient", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = withKafkaMocks(harness().install());
  });

  async function build(args: Partial<KafkaClientArgs> = {}) {
    const client = new KafkaClient("client", {
      prefix: "pin-test",
      vpcId: "vpc-1",
      subnetIds: ["subnet-private-a", "subnet-private-b"],
      clusterArn: CLUSTER_ARN,
      bootstrapBrokersIam: brokersOf("pin-test-kafka"),
      kafkaClientSecurityGroupId: "sg-kafka-clients",
      ...args,
    });
    await h.settle();
    return client;
  }

  const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
  const GROUP = "aws:autoscaling/group:Group";
  const decoded = (userData: string) => Buffer.from(userData, "base64").toString("utf8");

  it("builds a role, its two policies, a profile, a security group, a template and a group", async () => {
    await build();
    expect(h.counts()).to.deep.equal({
      "pinterest-pipeline:components:KafkaClient": 1,
      "aws:iam/role:Role": 1,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
      "aws:iam/rolePolicy:RolePolicy": 1,
      "aws:iam/instanceProfile:InstanceProfile": 1,
      "aws:ec2/securityGroup:SecurityGroup": 1,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
      [TEMPLATE]: 1,
      [GROUP]: 1,
      "aws:ssm/association:Association": 1,
    });
  });

  it("resolves the AMI from the SSM parameter, never a hard-coded id", async () => {
    await build();
    const invoke = h.invokes.find((i) => i.token === "aws:ssm/getParameter:getParameter");
    expect(invoke?.inputs.name).to.equal(AL2023_AMI_PARAMETER);
    const template = h.one(TEMPLATE);
    expect(template.inputs.imageId).to.equal(AMI_ID);
    expect(template.ignoreChanges).to.deep.equal(["imageId"]);
  });

  it("follows the latest AMI only when asked", async () => {
    await build({ followLatestAmi: true });
    expect(h.one(TEMPLATE).ignoreChanges).to.deep.equal([]);
  });

  // No key pair and no public address: the policy pack (ec2-instance-hardened,
  // ec2-instance-no-public-address).
  // The template's nested values are strings where the provider's types say so
  // (node_modules/@pulumi/aws/types/input.d.ts: LaunchTemplateBlockDeviceMappingEbs.encrypted,
  // LaunchTemplateNetworkInterface.associatePublicIpAddress); IMDSv2 is `httpTokens: required`
  // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html).
  // Amazon Linux 2023's root device is /dev/xvda: a mapping of another name would add a second
  // disk and leave the root one unencrypted at the AMI's size.
  it("builds every machine in a private subnet, one metadata hop, its sized, encrypted gp3 disk", async () => {
    await build();
    const template = h.one(TEMPLATE).inputs;
    expect(template.metadataOptions).to.deep.equal({
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: "disabled",
    });
    expect(template.blockDeviceMappings).to.deep.equal([
      {
        deviceName: "/dev/xvda",
        ebs: { encrypted: "true", volumeType: "gp3", volumeSize: 20, deleteOnTermination: "true" },
      },
    ]);
    expect(template.instanceType).to.equal("t3.small");
    expect(template).to.not.have.property("keyName");
    expect(template.iamInstanceProfile).to.deep.equal({
      arn: h.one("aws:iam/instanceProfile:InstanceProfile").state.arn,
    });
    expect(h.one(GROUP).inputs.vpcZoneIdentifiers).to.deep.equal([
      "subnet-private-a",
      "subnet-private-b",
    ]);
  });

  it("joins its own group and the cluster's client group; nothing may connect in", async () => {
    await build();
    const [nic] = h.one(TEMPLATE).inputs.networkInterfaces;
    expect(nic).to.deep.equal({
      deviceIndex: 0,
      associatePublicIpAddress: "false",
      deleteOnTermination: "true",
      securityGroups: ["client-sg-id", "sg-kafka-clients"],
    });
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

  // "The base64-encoded user data to provide when launching the instance"
  // (node_modules/@pulumi/aws/ec2/launchTemplate.d.ts, userData): plain text would be refused.
  it("builds each machine with the rendered boot script, base64-encoded", async () => {
    await build({ partitions: 6, replicationFactor: 2 });
    const { userData } = h.one(TEMPLATE).inputs;
    expect(userData).to.match(/^[A-Za-z0-9+/]+=*$/);
    expect(decoded(userData)).to.equal(
      kafkaClientUserData({
        prefix: "pin-test",
        topics: ["pin-test.pin", "pin-test.geo", "pin-test.user"],
        bootstrapBrokers: brokersOf("pin-test-kafka"),
        replicationFactor: 2,
      }),
    );
  });

  // A refresh starts when the group's launchTemplate changes, and not with version "$Latest"
  // (node_modules/@pulumi/aws/types/input.d.ts, GroupInstanceRefresh.triggers NOTE): the group
  // names the template's latestVersion, and the template makes each version its default.
  it("is one group of identical machines, health-checked by the load balancer, refreshed on change", async () => {
    await build();
    const group = h.one(GROUP);
    const template = h.one(TEMPLATE);
    expect(group.inputs).to.deep.include({
      name: "pin-test-kafka-client",
      minSize: 1,
      maxSize: 1,
      desiredCapacity: 1,
      launchTemplate: { id: template.state.id, version: "1" },
      healthCheckType: "ELB",
      healthCheckGracePeriod: CLIENT_HEALTH_CHECK_GRACE_SECONDS,
      instanceRefresh: {
        strategy: "Rolling",
        preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200 },
      },
    });
    expect(template.inputs.updateDefaultVersion).to.equal(true);
    expect(group.dependsOn).to.include(h.one("aws:iam/rolePolicy:RolePolicy").urn);
    // The provider's note: a traffic source attached by its own resource (the API's) is not
    // managed from the group as well (node_modules/@pulumi/aws/autoscaling/group.d.ts).
    expect(group.ignoreChanges).to.have.members([
      "targetGroupArns",
      "trafficSources",
      "loadBalancers",
    ]);
    expect(template.inputs.tagSpecifications).to.deep.equal([
      { resourceType: "instance", tags: { Name: "pin-test-kafka-client" } },
      { resourceType: "volume", tags: { Name: "pin-test-kafka-client" } },
    ]);
  });

  it("sizes the group and replaces one machine at a time", async () => {
    await build({ instanceCount: 3, instanceType: "c5.large" });
    const group = h.one(GROUP).inputs;
    expect([group.minSize, group.maxSize, group.desiredCapacity]).to.deep.equal([3, 3, 3]);
    expect(group.instanceRefresh.preferences).to.deep.equal(clientRefreshPreferences(3));
    expect(h.one(TEMPLATE).inputs.instanceType).to.equal("c5.large");
  });

  // The boot script runs once per machine (userDataReplaceOnChange), so the partition count lives
  // in a State Manager association, which runs again when its parameters change:
  // https://docs.aws.amazon.com/systems-manager/latest/userguide/state-manager-about.html
  // Tag targets reach every machine the group launches later: "For dynamic targets, such as ...
  // an autoscaling group, State Manager ... applies the configuration when new managed nodes are
  // added" (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateAssociation.html).
  it("changes topic partitions through its association, without refreshing the machines", async () => {
    await build({ partitions: 3 });
    const before = h.one(TEMPLATE).inputs;
    const association = h.one("aws:ssm/association:Association");
    expect(association.inputs).to.deep.include({
      name: "AWS-RunShellScript",
      targets: [{ key: "tag:Name", values: ["pin-test-kafka-client"] }],
      maxConcurrency: "1",
      waitForSuccessTimeoutSeconds: 2400,
    });
    expect(association.inputs.parameters.commands).to.equal(ensureTopicsCommand(3));
    expect(association.dependsOn).to.include(h.one(GROUP).urn);
    h = withKafkaMocks(harness().install());
    await build({ partitions: 12 });
    const after = h.one(TEMPLATE).inputs;
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
  // partition count) or where is a replacement, the old association deleted first so that only
  // one runs ensure-topics on a machine.
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
    expect(h.one(GROUP).dependsOn).to.include(policy.urn);
  });

  it("exposes the group's name, topics and port, parenting every child", async () => {
    const client = await build();
    expect(await h.value(client.groupName)).to.equal("pin-test-kafka-client");
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
    subnetIds: ["s"],
    clusterArn: CLUSTER_ARN,
    bootstrapBrokersIam: "b:9098",
    kafkaClientSecurityGroupId: "sg",
  };
  const cases: [string, Partial<KafkaClientArgs>, string][] = [
    ["an upper-case prefix", { prefix: "Pin" }, 'prefix "Pin" must be 3–20 lowercase'],
    ["a tiny root volume", { rootVolumeGb: 4 }, "rootVolumeGb 4 must be a whole number from 8"],
    ["zero partitions", { partitions: 0 }, "partitions 0 must be a positive whole number"],
    ["no replicas", { replicationFactor: 0 }, "replicationFactor 0 must be"],
    ["no machines", { instanceCount: 0 }, "instanceCount 0 must be a whole number from 1 to 50"],
    ["51 machines", { instanceCount: 51 }, "instanceCount 51 must be a whole number from 1 to 50"],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateKafkaClientArgs({ ...base, ...args })).to.throw(message);
    });
  }
});
