import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { wholeNumber, WholeSetting } from "../shared/validate";
import { checkLogRetention, logRetention } from "../shared/logs";

/** MSK's port for SASL/IAM over TLS inside the VPC. */
export const MSK_IAM_PORT = 9098;

/** Arguments of {@link MskCluster}. */
export interface MskClusterArgs {
  /** Prefix every AWS name derives from (the stack's `prefix`); the cluster is `<prefix>-kafka`. */
  readonly prefix: string;
  /** VPC of the brokers. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets, one per zone; brokers are spread evenly over them. */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Further security groups (besides {@link MskCluster.clientSecurityGroupId}) allowed on 9098. @default [] */
  readonly clientSecurityGroupIds?: pulumi.Input<string>[];
  /** Number of brokers; a multiple of the two zones. @default 2 */
  readonly brokerCount?: number;
  /** Broker instance type. @default "kafka.t3.small" */
  readonly instanceType?: pulumi.Input<string>;
  /** EBS storage per broker in GiB (1–16384). @default 20 */
  readonly storageGb?: number;
  /** MSK Kafka version. @default "3.9.x" */
  readonly kafkaVersion?: pulumi.Input<string>;
  /** Partitions of a topic created without a count. @default 3 */
  readonly defaultPartitions?: number;
  /** Hours a message is kept (Kafka's default is 168). @default 168 */
  readonly messageRetentionHours?: number;
  /** Days to keep broker logs in CloudWatch Logs. @default 30 */
  readonly logRetentionDays?: number;
  /** KMS key for encryption at rest. @default undefined (the AWS-managed MSK key) */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** Tags added to every resource. @default {} */
  readonly tags?: Record<string, string>;
}

/** The zones the brokers spread over (the Network's two private subnets). */
export const BROKER_ZONES = 2;
const ZONES = BROKER_ZONES;

/**
 * An MSK Kafka version as MSK names them ("Supported Apache Kafka versions", Amazon MSK Developer
 * Guide): `3.9.x`, `3.6.0`, `2.8.2-tiered`, `3.7.x.kraft`.
 */
export const MSK_KAFKA_VERSION = /^\d+\.\d+\.(\d+|x)(\.\d+)?(\.kraft|-tiered)?$/;

/**
 * What MSK accepts for each numeric argument, and the default (the stack config reads these).
 * Amazon MSK Developer Guide, "Amazon MSK quota": 30 brokers per ZooKeeper-based cluster (60 with
 * KRaft) unless the quota is raised, and 1–16384 GiB of storage per broker.
 */
export const MSK_CLUSTER_LIMITS = {
  brokerCount: { min: ZONES, max: 30, default: ZONES },
  storageGb: { min: 1, max: 16384, default: 20 },
  defaultPartitions: { min: 1, max: 1000, default: 3 },
  messageRetentionHours: { min: 1, max: 87600, default: 168 },
} as const satisfies Record<string, WholeSetting>;

/** Checks arguments that MSK would reject only after minutes of provisioning. */
export function validateMskClusterArgs(args: MskClusterArgs): void {
  const brokers = args.brokerCount ?? MSK_CLUSTER_LIMITS.brokerCount.default;
  if (!Number.isInteger(brokers) || brokers < ZONES || brokers % ZONES !== 0) {
    throw new Error(
      `MskCluster brokerCount ${brokers} must be a positive multiple of ${ZONES} ` +
        `(MSK puts the same number of brokers in each of the ${ZONES} subnets).`,
    );
  }
  for (const field of Object.keys(MSK_CLUSTER_LIMITS) as (keyof typeof MSK_CLUSTER_LIMITS)[]) {
    wholeNumber("MskCluster", field, args[field], MSK_CLUSTER_LIMITS[field]);
  }
  checkLogRetention("MskCluster", "logRetentionDays", args.logRetentionDays);
  const version = args.kafkaVersion;
  if (typeof version === "string" && !MSK_KAFKA_VERSION.test(version)) {
    throw new Error(
      `MskCluster kafkaVersion "${version}" is not an MSK Kafka version such as "3.9.x" or "3.6.0".`,
    );
  }
}

/**
 * The broker configuration: topics exist only when created on purpose (a typo in a topic name
 * must fail, not create a stray topic), replicated over up to three brokers, and writes
 * acknowledged by enough replicas that one broker can be patched at a time without blocking them.
 */
export function mskServerProperties(opts: {
  brokerCount: number;
  defaultPartitions: number;
  messageRetentionHours: number;
}): string {
  const replicationFactor = Math.min(opts.brokerCount, 3);
  const minInsyncReplicas = replicationFactor >= 3 ? 2 : 1;
  return [
    "auto.create.topics.enable=false",
    `default.replication.factor=${replicationFactor}`,
    `min.insync.replicas=${minInsyncReplicas}`,
    `num.partitions=${opts.defaultPartitions}`,
    `log.retention.hours=${opts.messageRetentionHours}`,
    "unclean.leader.election.enable=false",
    "delete.topic.enable=true",
    "",
  ].join("\n");
}

/**
 * The SASL/IAM bootstrap brokers, never silently empty. The cluster resource's attribute has been
 * seen empty for a running cluster (pulumi/pulumi-aws#4889), so MSK's GetBootstrapBrokers answer is
 * the fallback; if both are empty the deployment stops here instead of handing every client an
 * empty broker list.
 */
export function iamBootstrapBrokers(
  clusterName: string,
  fromCluster: string | undefined,
  fromApi: string | undefined,
): string {
  const brokers = fromCluster || fromApi;
  if (!brokers) {
    throw new Error(
      `MSK cluster ${clusterName} reports no SASL/IAM bootstrap brokers, neither on the cluster ` +
        `nor from GetBootstrapBrokers. Check that IAM client authentication is enabled on it ` +
        `(aws kafka get-bootstrap-brokers --cluster-arn <arn>), then run pulumi refresh and up.`,
    );
  }
  return brokers;
}

/** The cluster's name: `<prefix>-kafka`. */
export function mskClusterName(prefix: string): string {
  return `${prefix}-kafka`;
}

/**
 * A provisioned MSK cluster reachable only inside the VPC: IAM client authentication and nothing
 * else, TLS between clients and brokers and between brokers, encryption at rest, broker logs to a
 * log group with retention. Clients join {@link clientSecurityGroupId} to reach port 9098.
 */
export class MskCluster extends pulumi.ComponentResource {
  /** ARN of the cluster. Never empty. */
  readonly clusterArn: pulumi.Output<string>;
  /** The cluster's name (`<prefix>-kafka`). Never empty. */
  readonly clusterName: pulumi.Output<string>;
  /**
   * The cluster's UUID (the last part of its ARN), new with every cluster: the S3 sink writes under
   * `topics/<clusterUuid>/`, so a replaced cluster's objects never take an old one's names. Never
   * empty.
   */
  readonly clusterUuid: pulumi.Output<string>;
  /** Comma-separated `host:9098` list for SASL/IAM clients. Never empty. */
  readonly bootstrapBrokersIam: pulumi.Output<string>;
  /** Group of the brokers' network interfaces. Never empty. */
  readonly securityGroupId: pulumi.Output<string>;
  /** Group a client joins to reach the brokers on 9098. Never empty. */
  readonly clientSecurityGroupId: pulumi.Output<string>;
  /**
   * Replication factor for the pipeline's topics: the broker count, at most 3; a plain number,
   * known at preview. Never empty.
   */
  readonly replicationFactor: number;

  constructor(name: string, args: MskClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:MskCluster", name, {}, opts);
    validateMskClusterArgs(args);
    const parent = { parent: this };
    const tags = { ...args.tags };
    const clusterName = mskClusterName(args.prefix);
    const brokerCount = args.brokerCount ?? MSK_CLUSTER_LIMITS.brokerCount.default;

    // Every rule of both groups is a standalone rule resource and the groups declare no inline
    // `ingress`/`egress`: mixing the two makes a refresh or update revoke the standalone rules
    // (warning in node_modules/@pulumi/aws/ec2/securityGroup.d.ts). The provider removes AWS's
    // default allow-all egress rule when it creates a group, so brokers open no connections.
    const brokers = new aws.ec2.SecurityGroup(
      `${name}-brokers`,
      {
        vpcId: args.vpcId,
        description: `MSK ${clusterName} brokers: SASL/IAM on ${MSK_IAM_PORT} from clients only`,
        tags: { ...tags, Name: `${clusterName}-brokers` },
      },
      parent,
    );
    const clients = new aws.ec2.SecurityGroup(
      `${name}-clients`,
      {
        vpcId: args.vpcId,
        description: `Clients of MSK ${clusterName}: may reach the brokers on ${MSK_IAM_PORT}`,
        tags: { ...tags, Name: `${clusterName}-clients` },
      },
      parent,
    );
    const allowed = [clients.id, ...(args.clientSecurityGroupIds ?? [])];
    allowed.forEach((groupId, i) => {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-brokers-from-client-${i}`,
        {
          securityGroupId: brokers.id,
          description: "Kafka SASL/IAM over TLS from a client group",
          ipProtocol: "tcp",
          fromPort: MSK_IAM_PORT,
          toPort: MSK_IAM_PORT,
          referencedSecurityGroupId: groupId,
        },
        parent,
      );
    });
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-clients-to-brokers`,
      {
        securityGroupId: clients.id,
        description: "Kafka SASL/IAM over TLS to the brokers",
        ipProtocol: "tcp",
        fromPort: MSK_IAM_PORT,
        toPort: MSK_IAM_PORT,
        referencedSecurityGroupId: brokers.id,
      },
      parent,
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-broker-logs`,
      {
        name: `/aws/msk/${clusterName}`,
        retentionInDays: logRetention(args.logRetentionDays),
        tags,
      },
      parent,
    );
    const configuration = new aws.msk.Configuration(
      `${name}-config`,
      {
        name: `${clusterName}-config`,
        description: `Broker settings of ${clusterName}: no topic auto-creation`,
        serverProperties: mskServerProperties({
          brokerCount,
          defaultPartitions: args.defaultPartitions ?? MSK_CLUSTER_LIMITS.defaultPartitions.default,
          messageRetentionHours:
            args.messageRetentionHours ?? MSK_CLUSTER_LIMITS.messageRetentionHours.default,
        }),
      },
      parent,
    );

    const cluster = new aws.msk.Cluster(
      `${name}-cluster`,
      {
        clusterName,
        kafkaVersion: args.kafkaVersion ?? "3.9.x",
        numberOfBrokerNodes: brokerCount,
        brokerNodeGroupInfo: {
          instanceType: args.instanceType ?? "kafka.t3.small",
          clientSubnets: args.subnetIds,
          securityGroups: [brokers.id],
          storageInfo: {
            ebsStorageInfo: { volumeSize: args.storageGb ?? MSK_CLUSTER_LIMITS.storageGb.default },
          },
          connectivityInfo: { publicAccess: { type: "DISABLED" } },
        },
        clientAuthentication: { sasl: { iam: true }, unauthenticated: false },
        encryptionInfo: {
          encryptionInTransit: { clientBroker: "TLS", inCluster: true },
          encryptionAtRestKmsKeyArn: args.kmsKeyArn,
        },
        configurationInfo: { arn: configuration.arn, revision: configuration.latestRevision },
        loggingInfo: {
          brokerLogs: { cloudwatchLogs: { enabled: true, logGroup: logGroup.name } },
        },
        enhancedMonitoring: "DEFAULT",
        tags: { ...tags, Name: clusterName },
      },
      parent,
    );

    this.clusterArn = cluster.arn;
    this.clusterName = cluster.clusterName;
    this.clusterUuid = cluster.clusterUuid;
    const reported = aws.msk.getBootstrapBrokersOutput({ clusterArn: cluster.arn }, parent);
    this.bootstrapBrokersIam = pulumi
      .all([cluster.bootstrapBrokersSaslIam, reported.bootstrapBrokersSaslIam])
      .apply(([fromCluster, fromApi]) => iamBootstrapBrokers(clusterName, fromCluster, fromApi));
    this.securityGroupId = brokers.id;
    this.clientSecurityGroupId = clients.id;
    this.replicationFactor = Math.min(brokerCount, 3);
    this.registerOutputs({
      clusterArn: this.clusterArn,
      bootstrapBrokersIam: this.bootstrapBrokersIam,
      clientSecurityGroupId: this.clientSecurityGroupId,
    });
  }
}
