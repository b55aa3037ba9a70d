import { expect } from "chai";
import { Network, subnetCidr, validateNetworkArgs } from "../../components/network";
import { withKafkaMocks } from "../../tools/pulumi-mock/mockRun";
import { ACCOUNT_ID, harness, PulumiHarness, REGION } from "../../tools/pulumi-mock/mockEngine";

// Mocks prove the resource graph and its security-relevant inputs; they cannot prove that the
// route tables actually route (AWS does that) or that the zone names exist in a real region.
describe("Network", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = harness().install();
  });

  async function build(args: Partial<ConstructorParameters<typeof Network>[1]> = {}) {
    const network = new Network("net", { prefix: "pin-test", ...args });
    await h.settle();
    return network;
  }

  it("builds two public and two private subnets, no NAT, an S3 endpoint by default", async () => {
    await build();
    expect(h.counts()).to.deep.equal({
      "pinterest-pipeline:components:Network": 1,
      "aws:ec2/vpc:Vpc": 1,
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
      "aws:ec2/internetGateway:InternetGateway": 1,
      "aws:ec2/routeTable:RouteTable": 3,
      "aws:ec2/subnet:Subnet": 4,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
      "aws:ec2/vpcEndpoint:VpcEndpoint": 1,
    });
  });

  it("spreads subnets over two zones with non-overlapping /20 ranges and no public IPs", async () => {
    await build();
    const subnets = h.ofType("aws:ec2/subnet:Subnet").map((s) => s.inputs);
    expect(subnets.map((s) => s.cidrBlock)).to.have.members([
      "10.0.0.0/20",
      "10.0.16.0/20",
      "10.0.32.0/20",
      "10.0.48.0/20",
    ]);
    expect(subnets.map((s) => s.availabilityZone)).to.have.members([
      "eu-west-1a",
      "eu-west-1b",
      "eu-west-1a",
      "eu-west-1b",
    ]);
    expect(subnets.every((s) => s.mapPublicIpOnLaunch === false)).to.equal(true);
  });

  it("closes the default security group", async () => {
    await build();
    const sg = h.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs;
    expect(sg.ingress).to.deep.equal([]);
    expect(sg.egress).to.deep.equal([]);
  });

  it("routes only the public table to the internet when there is no NAT", async () => {
    await build();
    const tables = h.ofType("aws:ec2/routeTable:RouteTable");
    expect(h.byName("net-public-rt").inputs.routes).to.deep.equal([
      { cidrBlock: "0.0.0.0/0", gatewayId: "net-igw-id" },
    ]);
    for (const t of tables.filter((t) => t.name.startsWith("net-private-rt"))) {
      expect(t.inputs.routes).to.deep.equal([]);
    }
  });

  it("attaches the S3 gateway endpoint to every route table", async () => {
    await build();
    const endpoint = h.one("aws:ec2/vpcEndpoint:VpcEndpoint").inputs;
    expect(endpoint.serviceName).to.equal("com.amazonaws.eu-west-1.s3");
    expect(endpoint.vpcEndpointType).to.equal("Gateway");
    expect(endpoint.routeTableIds).to.have.members([
      "net-public-rt-id",
      "net-private-rt-0-id",
      "net-private-rt-1-id",
    ]);
  });

  for (const [mode, count] of [
    ["single", 1],
    ["perAz", 2],
  ] as const) {
    it(`adds ${count} NAT gateway(s) for natGateways="${mode}" and routes private tables to them`, async () => {
      await build({ natGateways: mode });
      expect(h.ofType("aws:ec2/natGateway:NatGateway")).to.have.length(count);
      expect(h.ofType("aws:ec2/eip:Eip")).to.have.length(count);
      const natOf = (i: number) => h.byName(`net-private-rt-${i}`).inputs.routes[0].natGatewayId;
      expect([natOf(0), natOf(1)]).to.deep.equal(
        count === 1 ? ["net-nat-0-id", "net-nat-0-id"] : ["net-nat-0-id", "net-nat-1-id"],
      );
      const nat = h.byName("net-nat-0", "aws:ec2/natGateway:NatGateway");
      expect(nat.inputs.subnetId).to.equal("net-public-0-id");
    });
  }

  // "NAT instances" (Amazon VPC User Guide,
  // https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html): the NAT instance sits
  // in a public subnet, and the private subnets' route tables send 0.0.0.0/0 to it (its network
  // interface). The machine's own settings: test/components/natInstance.test.ts.
  it('adds one NAT instance for natGateways="instance", no NAT gateway, both zones routed to it', async () => {
    h = withKafkaMocks(h);
    await build({ natGateways: "instance", cidrBlock: "10.10.0.0/16" });
    expect(h.ofType("aws:ec2/natGateway:NatGateway")).to.have.length(0);
    expect(h.ofType("aws:ec2/eip:Eip")).to.have.length(0);
    const component = h.one("pinterest-pipeline:components:NatInstance");
    expect(component.parentUrn).to.equal(h.one("pinterest-pipeline:components:Network").urn);
    const instance = h.one("aws:ec2/instance:Instance");
    expect(instance.parentUrn).to.equal(component.urn);
    expect(instance.inputs.subnetId).to.equal("net-public-0-id");
    for (const i of [0, 1]) {
      expect(h.byName(`net-private-rt-${i}`).inputs.routes).to.deep.equal([
        { cidrBlock: "0.0.0.0/0", networkInterfaceId: "eni-net-nat-instance" },
      ]);
    }
    const ingress = h.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs;
    expect(ingress.cidrIpv4).to.equal("10.10.0.0/16");
    expect(h.byName("net-public-rt").inputs.routes).to.deep.equal([
      { cidrBlock: "0.0.0.0/0", gatewayId: "net-igw-id" },
    ]);
  });

  it("sends flow logs to a log group with retention through a role scoped to it", async () => {
    await build({ flowLogs: true, flowLogRetentionDays: 14 });
    const logGroup = h.one("aws:cloudwatch/logGroup:LogGroup");
    expect(logGroup.inputs.retentionInDays).to.equal(14);
    const flowLog = h.one("aws:ec2/flowLog:FlowLog").inputs;
    expect(flowLog.trafficType).to.equal("ALL");
    expect(flowLog.logDestination).to.equal(logGroup.state.arn);
    const trust = JSON.parse(h.one("aws:iam/role:Role").inputs.assumeRolePolicy);
    expect(trust.Statement[0].Principal).to.deep.equal({ Service: "vpc-flow-logs.amazonaws.com" });
    const policy = JSON.parse(h.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
    expect(policy.Statement[0].Resource).to.deep.equal([
      logGroup.state.arn,
      `${logGroup.state.arn}:*`,
    ]);
  });

  // https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html: the documented
  // policy's actions, and the trust's aws:SourceAccount / aws:SourceArn confused-deputy conditions.
  it("follows AWS's flow-log role: conditions on the trust, documented actions, policy first", async () => {
    await build({ flowLogs: true });
    const trust = JSON.parse(h.one("aws:iam/role:Role").inputs.assumeRolePolicy);
    expect(trust.Statement[0].Condition).to.deep.equal({
      StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
      ArnLike: { "aws:SourceArn": `arn:aws:ec2:${REGION}:${ACCOUNT_ID}:vpc-flow-log/*` },
    });
    const policy = h.one("aws:iam/rolePolicy:RolePolicy");
    const statements = JSON.parse(policy.inputs.policy).Statement;
    expect(statements.flatMap((st: { Action: string[] }) => st.Action)).to.have.members([
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
    ]);
    expect(statements[1].Resource).to.equal(`arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:*`);
    expect(h.one("aws:ec2/flowLog:FlowLog").dependsOn).to.include(policy.urn);
  });

  it("parents every child to the component and tags names from the prefix", async () => {
    await build();
    const component = h.one("pinterest-pipeline:components:Network");
    const children = h.resources.filter((r) => r !== component);
    expect(children.every((r) => r.parentUrn === component.urn)).to.equal(true);
    expect(h.one("aws:ec2/vpc:Vpc").inputs.tags).to.deep.equal({ Name: "pin-test-vpc" });
  });

  it("exposes subnet ids as outputs", async () => {
    const network = await build();
    expect(await h.value(network.privateSubnetIds)).to.deep.equal([
      "net-private-0-id",
      "net-private-1-id",
    ]);
    expect(await h.value(network.publicSubnetIds)).to.deep.equal([
      "net-public-0-id",
      "net-public-1-id",
    ]);
  });
});

describe("Network argument validation", () => {
  const cases: [string, object, string][] = [
    ["bad CIDR", { cidrBlock: "10.0.0/16" }, 'cidrBlock "10.0.0/16" is not an IPv4 CIDR'],
    ["too small VPC", { cidrBlock: "10.0.0.0/24" }, "between /16 and /20"],
    ["octet out of range", { cidrBlock: "10.300.0.0/16" }, "is not an IPv4 CIDR"],
    ["three zones", { availabilityZones: ["a", "b", "c"] }, "has 3 entries; give exactly 2"],
    ["unknown NAT mode", { natGateways: "many" }, 'natGateways "many" is not one of'],
    [
      "zero retention",
      { flowLogRetentionDays: 0 },
      "flowLogRetentionDays 0 is not a CloudWatch Logs",
    ],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateNetworkArgs({ prefix: "p", ...args } as never)).to.throw(message);
    });
  }
});

describe("subnetCidr", () => {
  const cases: [string, number, string][] = [
    ["10.0.0.0/16", 0, "10.0.0.0/20"],
    ["10.0.0.0/16", 3, "10.0.48.0/20"],
    ["10.1.0.0/16", 15, "10.1.240.0/20"],
    ["172.16.0.0/20", 2, "172.16.2.0/24"],
  ];
  for (const [vpc, i, expected] of cases) {
    it(`subnet ${i} of ${vpc} is ${expected}`, () => expect(subnetCidr(vpc, i)).to.equal(expected));
  }
});
