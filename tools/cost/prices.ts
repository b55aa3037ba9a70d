// The dated price table the cost command (./cli.ts) reads: AWS on-demand list prices per region,
// each with the pricing page it comes from. The stored reference corpora of this project hold only
// us-east-1 figures for most of these services, so the eu-west-1 figures below are the list prices
// as of PRICES_AS_OF, recorded from the cited pages, not re-read from the live pages by any test:
// check a figure on its page before relying on it for a budget.

/** The date the figures were recorded; printed with every table. */
export const PRICES_AS_OF = "2026-12-01";

/** AWS bills hourly resources for the hours they exist; a month is 730 of them (8,760 / 12). */
export const HOURS_PER_MONTH = 730;

/** One price: USD per unit, and the AWS page that lists it. */
export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
}

const VPC = "https://aws.amazon.com/vpc/pricing/";
const EC2 = "https://aws.amazon.com/ec2/pricing/on-demand/";
const EBS = "https://aws.amazon.com/ebs/pricing/";
const ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const RDS = "https://aws.amazon.com/rds/mysql/pricing/";
const MSK = "https://aws.amazon.com/msk/pricing/";
const KINESIS = "https://aws.amazon.com/kinesis/data-streams/pricing/";
const CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/";
const SECRETS = "https://aws.amazon.com/secrets-manager/pricing/";
const APIGW = "https://aws.amazon.com/api-gateway/pricing/";
const S3 = "https://aws.amazon.com/s3/pricing/";
const MWAA = "https://aws.amazon.com/managed-workflows-for-apache-airflow/pricing/";
const XRAY = "https://aws.amazon.com/xray/pricing/";
const DATABRICKS = "https://www.databricks.com/product/pricing";

const p = (usd: number, unit: string, source: string): Price => ({ usd, unit, source });

/** The prices of one region. Keyed maps are by the value the resource's input carries. */
export interface RegionPrices {
  readonly natGatewayHour: Price;
  readonly natGatewayGb: Price;
  readonly publicIpv4Hour: Price;
  readonly ec2InstanceHour: Readonly<Record<string, Price>>;
  readonly ebsGp3GbMonth: Price;
  readonly nlbHour: Price;
  readonly nlbLcuHour: Price;
  /** Single-AZ instance hours; Multi-AZ bills the standby too (twice the hours). */
  readonly rdsMysqlInstanceHour: Readonly<Record<string, Price>>;
  /** Single-AZ gp3 storage; Multi-AZ stores twice. */
  readonly rdsGp3GbMonth: Price;
  readonly mskBrokerHour: Readonly<Record<string, Price>>;
  readonly mskStorageGbMonth: Price;
  readonly mskConnectMcuHour: Price;
  readonly kinesisShardHour: Price;
  readonly kinesisExtendedRetentionShardHour: Price;
  readonly kinesisOnDemandStreamHour: Price;
  readonly kinesisPutPayloadUnitsMillion: Price;
  readonly kinesisOnDemandGbIn: Price;
  readonly cloudwatchAlarmMonth: Price;
  readonly cloudwatchLogsIngestGb: Price;
  readonly cloudwatchLogsStoreGbMonth: Price;
  readonly vendedLogsIngestGb: Price;
  readonly secretMonth: Price;
  readonly apiGatewayRestMillion: Price;
  readonly s3StandardGbMonth: Price;
  readonly s3PutThousand: Price;
  readonly xrayTracesMillion: Price;
  readonly mwaaEnvironmentHour: Readonly<Record<string, Price>>;
  readonly databricksJobsDbu: Price;
  readonly databricksAllPurposeDbu: Price;
  readonly databricksServerlessSqlDbu: Price;
}

/** Prices per AWS region; a stack in a region missing here fails the command. */
export const REGION_PRICES: Readonly<Record<string, RegionPrices>> = {
  "eu-west-1": {
    natGatewayHour: p(0.048, "NAT gateway-hour", VPC),
    natGatewayGb: p(0.048, "GB processed by a NAT gateway", VPC),
    publicIpv4Hour: p(0.005, "public IPv4 address-hour", VPC),
    ec2InstanceHour: {
      // The NAT instance (components/natInstance.ts). Not found in the stored reference corpora
      // (searched for the eu-west-1 figure, found none): the page's figure as recorded on
      // PRICES_AS_OF, to be checked there like the rest.
      "t4g.nano": p(0.0046, "t4g.nano instance-hour, Linux", EC2),
      "t3.micro": p(0.0114, "t3.micro instance-hour, Linux", EC2),
      "t3.small": p(0.0228, "t3.small instance-hour, Linux", EC2),
      "t3.medium": p(0.0456, "t3.medium instance-hour, Linux", EC2),
      // Compute-optimised sizes for a REST proxy under sustained load (npm run plan):
      // unlimited T3 machines would bill surplus CPU credits above their baseline. Not read off
      // the page on 2026-12-06: entered as $0.096 per 2 vCPUs, which a 2019 listing of
      // eu-west-1 on-demand prices agrees with (c5.18xlarge $3.456); check before relying on them.
      "c5.large": p(0.096, "c5.large instance-hour, Linux", EC2),
      "c5.xlarge": p(0.192, "c5.xlarge instance-hour, Linux", EC2),
      "c5.2xlarge": p(0.384, "c5.2xlarge instance-hour, Linux", EC2),
      "c5.4xlarge": p(0.768, "c5.4xlarge instance-hour, Linux", EC2),
      "c5.9xlarge": p(1.728, "c5.9xlarge instance-hour, Linux", EC2),
      "c5.12xlarge": p(2.304, "c5.12xlarge instance-hour, Linux", EC2),
      "c5.18xlarge": p(3.456, "c5.18xlarge instance-hour, Linux", EC2),
      "c5.24xlarge": p(4.608, "c5.24xlarge instance-hour, Linux", EC2),
    },
    ebsGp3GbMonth: p(0.088, "gp3 GB-month", EBS),
    nlbHour: p(0.0252, "Network Load Balancer-hour", ELB),
    nlbLcuHour: p(0.006, "NLCU-hour", ELB),
    rdsMysqlInstanceHour: {
      "db.t4g.micro": p(0.018, "db.t4g.micro instance-hour, Single-AZ", RDS),
      "db.t4g.small": p(0.036, "db.t4g.small instance-hour, Single-AZ", RDS),
      "db.t4g.medium": p(0.072, "db.t4g.medium instance-hour, Single-AZ", RDS),
    },
    rdsGp3GbMonth: p(0.127, "gp3 GB-month, Single-AZ", RDS),
    mskBrokerHour: {
      "kafka.t3.small": p(0.0502, "kafka.t3.small broker-hour", MSK),
      "kafka.m5.large": p(0.234, "kafka.m5.large broker-hour", MSK),
      "kafka.m7g.large": p(0.227, "kafka.m7g.large broker-hour", MSK),
      // Larger M7g sizes (npm run plan), each at twice the size below, as MSK prices its sizes;
      // not read off the page on 2026-12-06: check before relying on them.
      "kafka.m7g.xlarge": p(0.454, "kafka.m7g.xlarge broker-hour", MSK),
      "kafka.m7g.2xlarge": p(0.908, "kafka.m7g.2xlarge broker-hour", MSK),
      "kafka.m7g.4xlarge": p(1.816, "kafka.m7g.4xlarge broker-hour", MSK),
    },
    mskStorageGbMonth: p(0.11, "broker storage GB-month", MSK),
    mskConnectMcuHour: p(0.122, "MSK Connect MCU-hour", MSK),
    kinesisShardHour: p(0.017, "provisioned shard-hour", KINESIS),
    kinesisExtendedRetentionShardHour: p(0.023, "shard-hour of retention over 24 h", KINESIS),
    kinesisOnDemandStreamHour: p(0.045, "on-demand stream-hour", KINESIS),
    kinesisPutPayloadUnitsMillion: p(0.0159, "million PUT payload units (25 KB each)", KINESIS),
    kinesisOnDemandGbIn: p(0.09, "GB written, on-demand", KINESIS),
    cloudwatchAlarmMonth: p(0.1, "standard-resolution alarm-month", CLOUDWATCH),
    cloudwatchLogsIngestGb: p(0.57, "GB of logs ingested", CLOUDWATCH),
    cloudwatchLogsStoreGbMonth: p(0.03, "GB-month of logs stored", CLOUDWATCH),
    vendedLogsIngestGb: p(0.5, "GB of vended logs (flow logs) ingested", CLOUDWATCH),
    secretMonth: p(0.4, "secret-month", SECRETS),
    apiGatewayRestMillion: p(3.5, "million REST API requests (first 333 million)", APIGW),
    s3StandardGbMonth: p(0.023, "S3 Standard GB-month (first 50 TB)", S3),
    s3PutThousand: p(0.005, "thousand PUT/COPY/POST/LIST requests", S3),
    xrayTracesMillion: p(5, "million traces recorded (first 100,000 a month free)", XRAY),
    mwaaEnvironmentHour: {
      "mw1.micro": p(0.26, "mw1.micro environment-hour", MWAA),
      "mw1.small": p(0.55, "mw1.small environment-hour", MWAA),
    },
    databricksJobsDbu: p(0.15, "Jobs Compute DBU (Premium), plus the EC2 node", DATABRICKS),
    databricksAllPurposeDbu: p(
      0.55,
      "All-Purpose Compute DBU (Premium), plus the node",
      DATABRICKS,
    ),
    databricksServerlessSqlDbu: p(0.7, "Serverless SQL DBU (Premium)", DATABRICKS),
  },
};
