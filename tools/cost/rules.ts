// How each resource type the stacks create is billed: "hourly" (billed for existing, by the hour or
// by the month pro rata; priced here from the resource's inputs), "usage" (billed only for what
// passes through it or is stored: a formula, outside the total) or "free". A type missing here, or
// an hourly resource whose size has no price in ./prices.ts, fails the command by name, so the
// table cannot fall behind the program.
import { Failure } from "../../cli/args";
import type { RecordedResource } from "../pulumi-mock/mockEngine";
import { HOURS_PER_MONTH, Price, RegionPrices } from "./prices";

/** One priced part of a resource: what is counted, and its USD per month. */
export interface CostLine {
  readonly detail: string;
  readonly monthly: number;
  readonly prices: Price[];
}

/** A usage-driven charge of a resource, as a formula over its traffic or storage. */
export interface UsageCharge {
  readonly what: string;
  readonly price: Price;
}

export type BillingRule =
  | {
      readonly billing: "hourly";
      /** `resourceAt` finds another resource of the graph by URN (an input's dependency). */
      readonly lines: (
        r: RecordedResource,
        p: RegionPrices,
        resourceAt: (urn: string) => RecordedResource | undefined,
      ) => CostLine[];
      readonly usage?: (p: RegionPrices, r: RecordedResource) => UsageCharge[];
    }
  | {
      readonly billing: "usage";
      readonly usage: (p: RegionPrices, r: RecordedResource) => UsageCharge[];
    }
  | { readonly billing: "free" };

/** A resource that bills by the hour but whose size or kind has no price in the table. */
export class MissingPriceError extends Failure {
  override name = "MissingPriceError";
}

const money = (usd: number) => `$${usd}`;

function hourly(count: number, what: string, price: Price): CostLine {
  const times = count === 1 ? "" : `${count} × `;
  return {
    detail: `${times}${what} × ${money(price.usd)}/h`,
    monthly: count * price.usd * HOURS_PER_MONTH,
    prices: [price],
  };
}

function perMonth(quantity: number, what: string, price: Price): CostLine {
  return {
    detail: `${what} × ${money(price.usd)}/${price.unit.includes("GB") ? "GB-month" : "month"}`,
    monthly: quantity * price.usd,
    prices: [price],
  };
}

/** The price of `key` in a keyed table, or a MissingPriceError naming the resource and the key. */
function priced(table: Readonly<Record<string, Price>>, key: unknown, r: RecordedResource): Price {
  const price = table[String(key)];
  if (!price) {
    throw new MissingPriceError(
      `${r.type} "${r.name}" bills by the hour, but tools/cost/prices.ts has no price for ` +
        `${JSON.stringify(key)} (priced: ${Object.keys(table).join(", ")}): add it with its pricing page.`,
    );
  }
  return price;
}

function noPrice(r: RecordedResource, why: string): never {
  throw new MissingPriceError(
    `${r.type} "${r.name}" ${why}, and tools/cost/prices.ts has no price for that: add one with its pricing page.`,
  );
}

/** What one EC2 machine is billed for: its hours, its gp3 root volume, a public address. */
interface Machine {
  readonly type: unknown;
  /** GB of the root volume; the AMI's 8 when the program does not size it. */
  readonly rootGb?: number;
  readonly rootVolumeType?: string;
  readonly publicIp: boolean;
}

function machineLines(r: RecordedResource, p: RegionPrices, count: number, m: Machine): CostLine[] {
  const gb = Number(m.rootGb ?? 8);
  if ((m.rootVolumeType ?? "gp3") !== "gp3") noPrice(r, `has a ${m.rootVolumeType} root volume`);
  const each = count === 1 ? "" : `${count} × `;
  return [
    hourly(count, `${String(m.type)} instance`, priced(p.ec2InstanceHour, m.type, r)),
    perMonth(count * gb, `${each}${gb} GB gp3 root volume`, p.ebsGp3GbMonth),
    // AWS bills every public IPv4 address, one assigned at launch as much as an Elastic IP.
    ...(m.publicIp ? [hourly(count, "public IPv4 address", p.publicIpv4Hour)] : []),
  ];
}

const free: BillingRule = { billing: "free" };
const usage = (fn: (p: RegionPrices, r: RecordedResource) => UsageCharge[]): BillingRule => ({
  billing: "usage",
  usage: fn,
});

/**
 * Types that cost nothing of their own: network plumbing, identity, API routes and settings (a REST
 * API's VPC link included: its load balancer is priced), bucket settings and small objects (counted
 * in their bucket's storage), Databricks workspace objects.
 */
export const FREE_TYPES: readonly string[] = [
  // Pulumi's random provider keeps its values in the stack's state: no cloud resource at all.
  "random:index/randomId:RandomId",
  // A dynamic resource runs in the deployer's Pulumi process: the pause's drain check reads two
  // AWS APIs once (components/kafka/kafkaDrainCheck.ts), below CloudWatch's free tier.
  "pulumi-nodejs:dynamic:Resource",
  "aws:apigateway/account:Account",
  "aws:apigateway/apiKey:ApiKey",
  "aws:apigateway/deployment:Deployment",
  "aws:apigateway/integration:Integration",
  "aws:apigateway/integrationResponse:IntegrationResponse",
  "aws:apigateway/method:Method",
  "aws:apigateway/methodResponse:MethodResponse",
  "aws:apigateway/methodSettings:MethodSettings",
  "aws:apigateway/model:Model",
  "aws:apigateway/requestValidator:RequestValidator",
  "aws:apigateway/resource:Resource",
  "aws:apigateway/response:Response",
  "aws:apigateway/usagePlan:UsagePlan",
  "aws:apigateway/usagePlanKey:UsagePlanKey",
  "aws:apigateway/vpcLink:VpcLink",
  // A group and its template bill nothing of their own: the group's machines are priced on it.
  "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/vpc:Vpc",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:lb/listener:Listener",
  "aws:lb/targetGroup:TargetGroup",
  "aws:msk/configuration:Configuration",
  "aws:mskconnect/customPlugin:CustomPlugin",
  "aws:mskconnect/workerConfiguration:WorkerConfiguration",
  "aws:rds/parameterGroup:ParameterGroup",
  "aws:rds/subnetGroup:SubnetGroup",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketObjectv2:BucketObjectv2",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:secretsmanager/secretVersion:SecretVersion",
  // An alert topic publishes a few messages a month: within SNS's free tier (1,000 e-mail
  // deliveries and a million publishes a month, Amazon SNS pricing).
  "aws:sns/topic:Topic",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:sns/topicSubscription:TopicSubscription",
  "aws:ssm/association:Association",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "databricks:index/credential:Credential",
  "databricks:index/dashboard:Dashboard",
  "databricks:index/directory:Directory",
  "databricks:index/externalLocation:ExternalLocation",
  "databricks:index/file:File",
  "databricks:index/grant:Grant",
  "databricks:index/grants:Grants",
  "databricks:index/instanceProfile:InstanceProfile",
  "databricks:index/mount:Mount",
  "databricks:index/notebook:Notebook",
  "databricks:index/permissions:Permissions",
  "databricks:index/schema:Schema",
  "databricks:index/servicePrincipal:ServicePrincipal",
  "databricks:index/servicePrincipalRole:ServicePrincipalRole",
  "databricks:index/storageCredential:StorageCredential",
  "databricks:index/volume:Volume",
  "databricks:index/workspaceFile:WorkspaceFile",
  // A wait in the engine (the time provider holds no cloud resource).
  "time:index/sleep:Sleep",
];

/** Every resource type the stacks create, by Pulumi type token. */
export const BILLING_RULES: Readonly<Record<string, BillingRule>> = {
  ...Object.fromEntries(FREE_TYPES.map((type) => [type, free])),
  // Network
  "aws:ec2/vpcEndpoint:VpcEndpoint": {
    billing: "hourly",
    // Gateway endpoints (S3, DynamoDB) are free; interface endpoints bill per hour and zone.
    lines: (r) =>
      r.inputs.vpcEndpointType === "Gateway" ? [] : noPrice(r, "is an interface endpoint"),
  },
  "aws:ec2/natGateway:NatGateway": {
    billing: "hourly",
    lines: (_r, p) => [hourly(1, "NAT gateway", p.natGatewayHour)],
    usage: (p) => [{ what: "data through the NAT gateway", price: p.natGatewayGb }],
  },
  "aws:ec2/eip:Eip": {
    billing: "hourly",
    lines: (_r, p) => [hourly(1, "public IPv4 address", p.publicIpv4Hour)],
  },
  "aws:ec2/flowLog:FlowLog": usage((p) => [
    { what: "flow-log records delivered", price: p.vendedLogsIngestGb },
  ]),

  // Compute and load balancing
  "aws:ec2/instance:Instance": {
    billing: "hourly",
    lines: (r, p) =>
      machineLines(r, p, 1, {
        type: r.inputs.instanceType,
        rootGb: r.inputs.rootBlockDevice?.volumeSize,
        rootVolumeType: r.inputs.rootBlockDevice?.volumeType,
        publicIp: r.inputs.associatePublicIpAddress === true,
      }),
  },
  // A fixed-size group keeps desiredCapacity machines of its launch template running.
  "aws:autoscaling/group:Group": {
    billing: "hourly",
    lines: (r, p, resourceAt) => {
      const template = (r.propertyDependencies.launchTemplate ?? [])
        .map(resourceAt)
        .find((d) => d?.type === "aws:ec2/launchTemplate:LaunchTemplate");
      if (!template) noPrice(r, "has no launch template in the program");
      const t = template.inputs;
      const root = (t.blockDeviceMappings ?? []).find(
        (m: { deviceName?: string }) => m.deviceName === "/dev/xvda",
      )?.ebs;
      return machineLines(r, p, Number(r.inputs.desiredCapacity ?? r.inputs.minSize), {
        type: t.instanceType,
        rootGb: root?.volumeSize,
        rootVolumeType: root?.volumeType,
        publicIp: (t.networkInterfaces ?? []).some(
          (n: { associatePublicIpAddress?: string }) => n.associatePublicIpAddress === "true",
        ),
      });
    },
  },
  "aws:lb/loadBalancer:LoadBalancer": {
    billing: "hourly",
    lines: (r, p) =>
      r.inputs.loadBalancerType === "network"
        ? [hourly(1, "Network Load Balancer", p.nlbHour)]
        : noPrice(r, `is a load balancer of type ${JSON.stringify(r.inputs.loadBalancerType)}`),
    usage: (p) => [{ what: "NLCUs of the load balancer (new flows, bytes)", price: p.nlbLcuHour }],
  },

  // Source database
  "aws:rds/instance:Instance": {
    billing: "hourly",
    lines: (r, p) => {
      const copies = r.inputs.multiAz ? 2 : 1;
      const az = r.inputs.multiAz ? "Multi-AZ (primary + standby)" : "Single-AZ";
      const gb = Number(r.inputs.allocatedStorage);
      if (r.inputs.storageType !== "gp3") noPrice(r, `has ${r.inputs.storageType} storage`);
      const cls = r.inputs.instanceClass;
      const lines = [
        hourly(copies, `${cls} ${az}`, priced(p.rdsMysqlInstanceHour, cls, r)),
        perMonth(copies * gb, `${copies} × ${gb} GB gp3`, p.rdsGp3GbMonth),
      ];
      // RDS keeps the managed master password in a Secrets Manager secret of its own.
      if (r.inputs.manageMasterUserPassword) {
        lines.push(perMonth(1, "its managed master-password secret", p.secretMonth));
      }
      return lines;
    },
  },

  // Kafka batch path
  "aws:msk/cluster:Cluster": {
    billing: "hourly",
    lines: (r, p) => {
      const brokers = Number(r.inputs.numberOfBrokerNodes);
      const info = r.inputs.brokerNodeGroupInfo;
      const gb = Number(info.storageInfo?.ebsStorageInfo?.volumeSize ?? 1000);
      return [
        hourly(
          brokers,
          `${info.instanceType} broker`,
          priced(p.mskBrokerHour, info.instanceType, r),
        ),
        perMonth(brokers * gb, `${brokers} × ${gb} GB broker storage`, p.mskStorageGbMonth),
      ];
    },
  },
  "aws:mskconnect/connector:Connector": {
    billing: "hourly",
    lines: (r, p) => {
      const capacity = r.inputs.capacity?.provisionedCapacity;
      if (!capacity) noPrice(r, "autoscales its workers");
      const mcus = Number(capacity.mcuCount) * Number(capacity.workerCount);
      const what = `${capacity.workerCount} worker(s) × ${capacity.mcuCount} MCU`;
      return [
        {
          ...hourly(mcus, "MCU", p.mskConnectMcuHour),
          detail: `${what} × ${money(p.mskConnectMcuHour.usd)}/h`,
        },
      ];
    },
  },

  // Kinesis stream path
  "aws:kinesis/stream:Stream": {
    billing: "hourly",
    lines: (r, p) => {
      if (r.inputs.streamModeDetails?.streamMode === "ON_DEMAND") {
        return [hourly(1, "on-demand stream", p.kinesisOnDemandStreamHour)];
      }
      const shards = Number(r.inputs.shardCount);
      const lines = [hourly(shards, "shard", p.kinesisShardHour)];
      const hours = Number(r.inputs.retentionPeriod ?? 24);
      if (hours > 168) noPrice(r, `keeps records ${hours} h (long-term retention)`);
      if (hours > 24) {
        lines.push(
          hourly(shards, `shard with ${hours} h retention`, p.kinesisExtendedRetentionShardHour),
        );
      }
      return lines;
    },
    usage: (p, r) =>
      r.inputs.streamModeDetails?.streamMode === "ON_DEMAND"
        ? [{ what: "data written to on-demand streams", price: p.kinesisOnDemandGbIn }]
        : [{ what: "records put (25 KB units)", price: p.kinesisPutPayloadUnitsMillion }],
  },

  // APIs
  "aws:apigateway/restApi:RestApi": usage((p) => [
    { what: "API requests", price: p.apiGatewayRestMillion },
  ]),
  "aws:apigateway/stage:Stage": {
    billing: "hourly",
    // A stage cache bills per hour by its size; the stacks' stages have none.
    lines: (r) => (r.inputs.cacheClusterEnabled ? noPrice(r, "has a cache cluster") : []),
    usage: (p, r) =>
      r.inputs.xrayTracingEnabled ? [{ what: "X-Ray traces", price: p.xrayTracesMillion }] : [],
  },

  // Storage, logs, alarms, secrets, identity
  "aws:s3/bucket:Bucket": usage((p) => [
    { what: "objects stored in S3 Standard", price: p.s3StandardGbMonth },
    { what: "S3 writes (the sink's objects, uploads)", price: p.s3PutThousand },
  ]),
  "aws:cloudwatch/logGroup:LogGroup": usage((p) => [
    { what: "log data ingested", price: p.cloudwatchLogsIngestGb },
    { what: "log data kept (until the group's retention)", price: p.cloudwatchLogsStoreGbMonth },
  ]),
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    billing: "hourly",
    lines: (_r, p) => [perMonth(1, "standard alarm", p.cloudwatchAlarmMonth)],
  },
  "aws:secretsmanager/secret:Secret": {
    billing: "hourly",
    lines: (_r, p) => [perMonth(1, "secret", p.secretMonth)],
  },

  // Orchestration
  "aws:mwaa/environment:Environment": {
    billing: "hourly",
    lines: (r, p) => {
      const cls = r.inputs.environmentClass ?? "mw1.small";
      return [hourly(1, `${cls} environment`, priced(p.mwaaEnvironmentHour, cls, r))];
    },
  },

  // Databricks: DBUs and the cloud node bill only while a cluster, job or warehouse runs.
  "databricks:index/cluster:Cluster": usage((p) => [
    {
      what: "interactive cluster while it runs (DBUs; its EC2 node on the AWS bill)",
      price: p.databricksAllPurposeDbu,
    },
  ]),
  "databricks:index/job:Job": {
    billing: "hourly",
    lines: (r) =>
      r.inputs.continuous && r.inputs.continuous.pauseStatus !== "PAUSED"
        ? noPrice(r, "is a continuous job left running (a job cluster around the clock)")
        : [],
    usage: (p) => [
      {
        what: "job runs (DBUs; the job cluster's EC2 node on the AWS bill)",
        price: p.databricksJobsDbu,
      },
    ],
  },
  "databricks:index/sqlEndpoint:SqlEndpoint": usage((p) => [
    {
      what: "SQL warehouse while it runs (serverless SQL DBUs)",
      price: p.databricksServerlessSqlDbu,
    },
  ]),
};

/** The rule of a recorded resource; components and providers are free by construction. */
export function ruleFor(r: RecordedResource): BillingRule {
  if (!r.custom || r.type.startsWith("pulumi:providers:")) return free;
  const rule = BILLING_RULES[r.type];
  if (!rule) {
    throw new MissingPriceError(
      `resource type ${r.type} ("${r.name}") is not in tools/cost/rules.ts: say whether it is ` +
        `billed by the hour (with its price in tools/cost/prices.ts), by usage, or free.`,
    );
  }
  return rule;
}
