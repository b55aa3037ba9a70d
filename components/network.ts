import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NatInstance } from "./natInstance";
import { checkLogRetention, logRetention } from "./shared/logs";
import { policyDocument, serviceTrustPolicy } from "./shared/iam";

/**
 * How private subnets reach the internet: no NAT, one NAT gateway, one per zone, or one NAT
 * instance (a t4g.nano: a tenth of a NAT gateway's price, one machine's availability).
 */
export type NatGatewayMode = "none" | "single" | "perAz" | "instance";

/** Every {@link NatGatewayMode}, for validation and the stack config. */
export const NAT_GATEWAY_MODES: readonly NatGatewayMode[] = ["none", "single", "perAz", "instance"];

/** Arguments of {@link Network}. */
export interface NetworkArgs {
  /** Prefix every AWS `Name` tag derives from (the stack's `prefix`). */
  readonly prefix: string;
  /** IPv4 range of the VPC, /16 to /20; its subnets are 4 bits longer. @default "10.0.0.0/16" */
  readonly cidrBlock?: string;
  /** Availability zones to spread over (exactly two). @default the region's first two */
  readonly availabilityZones?: pulumi.Input<string>[];
  /** NAT for the private subnets. @default "none" (private subnets reach S3 only) */
  readonly natGateways?: NatGatewayMode;
  /** SNS topic the NAT instance's recovery alarm notifies. @default none */
  readonly alarmTopicArn?: pulumi.Input<string>;
  /** Send VPC flow logs (rejected and accepted traffic) to CloudWatch Logs. @default false */
  readonly flowLogs?: boolean;
  /** Days to keep flow logs. @default 30 */
  readonly flowLogRetentionDays?: number;
  /** Tags added to every resource. @default {} */
  readonly tags?: Record<string, string>;
}

const AZ_COUNT = 2;

/** Whether `cidr` is an IPv4 CIDR from /16 to /20 (what the VPC and its four subnets take). */
export function isVpcCidr(cidr: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octetsOk = match?.slice(1, 5).every((o) => Number(o) <= 255);
  const bits = match ? Number(match[5]) : NaN;
  return !!match && !!octetsOk && bits >= 16 && bits <= 20;
}

/** Checks arguments that AWS would only reject minutes into a deployment. */
export function validateNetworkArgs(args: NetworkArgs): void {
  const cidr = args.cidrBlock ?? "10.0.0.0/16";
  if (!isVpcCidr(cidr)) {
    throw new Error(
      `Network cidrBlock "${cidr}" is not an IPv4 CIDR between /16 and /20; use e.g. "10.0.0.0/16".`,
    );
  }
  if (args.availabilityZones && args.availabilityZones.length !== AZ_COUNT) {
    throw new Error(
      `Network availabilityZones has ${args.availabilityZones.length} entries; give exactly ${AZ_COUNT}.`,
    );
  }
  if (args.natGateways && !NAT_GATEWAY_MODES.includes(args.natGateways)) {
    const modes = NAT_GATEWAY_MODES.map((m) => `"${m}"`).join(", ");
    throw new Error(`Network natGateways "${args.natGateways}" is not one of ${modes}.`);
  }
  checkLogRetention("Network", "flowLogRetentionDays", args.flowLogRetentionDays);
}

/**
 * Splits a /16–/20 VPC range into consecutive subnets four bits longer: subnet `i` of a
 * 10.0.0.0/16 is 10.0.<16·i>.0/20. Public subnets take the first indexes, private the next.
 */
export function subnetCidr(vpcCidr: string, index: number): string {
  const [address, bitsText] = vpcCidr.split("/");
  const bits = Number(bitsText) + 4;
  const base = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const value = base + index * 2 ** (32 - bits);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256);
  return `${octets.join(".")}/${bits}`;
}

/**
 * Trust of the flow-log role: the flow-logs service, only on behalf of this account's flow logs in
 * this region (confused-deputy guard). Source: "IAM role for publishing flow logs to CloudWatch
 * Logs", https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
 */
export function flowLogsTrustPolicy(region: string, accountId: string) {
  return serviceTrustPolicy("vpc-flow-logs.amazonaws.com", {
    StringEquals: { "aws:SourceAccount": accountId },
    ArnLike: { "aws:SourceArn": `arn:aws:ec2:${region}:${accountId}:vpc-flow-log/*` },
  });
}

/**
 * What the flow-logs service does with the role: the documented actions (same page as the trust)
 * except CreateLogGroup, since the stack creates the group with a retention. Streams and events on
 * the one group; DescribeLogGroups is a listing call, so it gets the region's groups.
 */
export function flowLogsPolicy(logGroupArn: string) {
  const groups = logGroupArn.replace(/:log-group:.*$/, ":log-group:*");
  return policyDocument(
    {
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: [logGroupArn, `${logGroupArn}:*`],
    },
    { Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: groups },
  );
}

/**
 * A VPC over two availability zones with public and private subnets, an S3 gateway endpoint, a
 * closed default security group, and optional NAT (gateways or one instance) and flow logs.
 */
export class Network extends pulumi.ComponentResource {
  /** Id of the VPC. Never empty. */
  readonly vpcId: pulumi.Output<string>;
  /** The VPC's IPv4 range. Never empty. */
  readonly cidrBlock: pulumi.Output<string>;
  /** Ids of the two public subnets, one per zone. Never empty. */
  readonly publicSubnetIds: pulumi.Output<string[]>;
  /** Ids of the two private subnets, one per zone. Never empty. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** Ids of the private subnets' route tables, one per zone. Never empty. */
  readonly privateRouteTableIds: pulumi.Output<string[]>;
  /** Id of the S3 gateway endpoint on the private route tables. Never empty. */
  readonly s3EndpointId: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:Network", name, {}, opts);
    validateNetworkArgs(args);
    const cidr = args.cidrBlock ?? "10.0.0.0/16";
    const nat = args.natGateways ?? "none";
    const tagged = (suffix: string) => ({ ...args.tags, Name: `${args.prefix}-${suffix}` });
    const parent = { parent: this };

    const zones =
      args.availabilityZones ??
      [0, 1].map((i) =>
        aws.getAvailabilityZonesOutput({ state: "available" }, parent).names.apply((n) => n[i]),
      );

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tagged("vpc") },
      parent,
    );
    // The default security group allows all traffic between its members; with no rules it allows
    // nothing, so a resource that forgets its own group is isolated rather than exposed.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.id, ingress: [], egress: [], tags: tagged("default-closed") },
      parent,
    );
    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: tagged("igw") },
      parent,
    );

    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public-rt`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: tagged("public"),
      },
      parent,
    );
    const publicSubnets = zones.map((zone, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: subnetCidr(cidr, i),
          // Instances get a public address only when their own settings ask for one.
          mapPublicIpOnLaunch: false,
          tags: tagged(`public-${i}`),
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}`,
        { subnetId: subnet.id, routeTableId: publicRoutes.id },
        parent,
      );
      return subnet;
    });

    const natCount = nat === "single" ? 1 : nat === "perAz" ? AZ_COUNT : 0;
    const natGateways = publicSubnets.slice(0, natCount).map((subnet, i) => {
      const eip = new aws.ec2.Eip(
        `${name}-nat-${i}`,
        { domain: "vpc", tags: tagged(`nat-${i}`) },
        parent,
      );
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { allocationId: eip.id, subnetId: subnet.id, tags: tagged(`nat-${i}`) },
        { parent: this, dependsOn: [igw] },
      );
    });

    // "instance": one machine in the first public subnet; both zones route to its interface.
    const natInstance =
      nat === "instance"
        ? new NatInstance(
            `${name}-nat`,
            {
              prefix: args.prefix,
              vpcId: vpc.id,
              vpcCidr: cidr,
              subnetId: publicSubnets[0].id,
              alarmTopicArn: args.alarmTopicArn,
              tags: args.tags,
            },
            parent,
          )
        : undefined;

    // One private route table per zone, so that "perAz" keeps each zone's egress in its zone.
    const privateRouteTables = zones.map((_, i) => {
      const natGateway = natGateways[Math.min(i, natGateways.length - 1)];
      const defaultRoute = natGateway
        ? [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }]
        : natInstance
          ? [{ cidrBlock: "0.0.0.0/0", networkInterfaceId: natInstance.networkInterfaceId }]
          : [];
      return new aws.ec2.RouteTable(
        `${name}-private-rt-${i}`,
        {
          vpcId: vpc.id,
          routes: defaultRoute,
          tags: tagged(`private-${i}`),
        },
        parent,
      );
    });
    const privateSubnets = zones.map((zone, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: subnetCidr(cidr, AZ_COUNT + i),
          mapPublicIpOnLaunch: false,
          tags: tagged(`private-${i}`),
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: subnet.id, routeTableId: privateRouteTables[i].id },
        parent,
      );
      return subnet;
    });

    // Gateway endpoints are free; S3 traffic from private subnets needs no NAT.
    const region = aws.getRegionOutput({}, parent);
    const s3Endpoint = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: vpc.id,
        serviceName: pulumi.interpolate`com.amazonaws.${region.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: [publicRoutes.id, ...privateRouteTables.map((t) => t.id)],
        tags: tagged("s3"),
      },
      parent,
    );

    if (args.flowLogs) {
      this.createFlowLogs(name, vpc, logRetention(args.flowLogRetentionDays), tagged);
    }

    this.vpcId = vpc.id;
    this.cidrBlock = vpc.cidrBlock;
    this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
    this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
    this.privateRouteTableIds = pulumi.all(privateRouteTables.map((t) => t.id));
    this.s3EndpointId = s3Endpoint.id;
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      s3EndpointId: this.s3EndpointId,
    });
  }

  private createFlowLogs(
    name: string,
    vpc: aws.ec2.Vpc,
    retentionDays: number,
    tagged: (suffix: string) => Record<string, string>,
  ) {
    const parent = { parent: this };
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { retentionInDays: retentionDays, tags: tagged("flow-logs") },
      parent,
    );
    const region = aws.getRegionOutput({}, parent).region;
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    const role = new aws.iam.Role(
      `${name}-flow-logs`,
      {
        assumeRolePolicy: pulumi
          .all([region, accountId])
          .apply(([r, a]) => JSON.stringify(flowLogsTrustPolicy(r, a))),
        tags: tagged("flow-logs"),
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-flow-logs`,
      {
        role: role.id,
        policy: logGroup.arn.apply((arn) => JSON.stringify(flowLogsPolicy(arn))),
      },
      parent,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId: vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: logGroup.arn,
        iamRoleArn: role.arn,
        maxAggregationInterval: 600,
        tags: tagged("flow-log"),
      },
      // Delivery starts at once; without its policy in place it starts in "access error".
      { parent: this, dependsOn: [policy] },
    );
  }
}
