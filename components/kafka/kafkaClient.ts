import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ensureTopicsCommand, kafkaClientUserData, REST_PROXY_PORT } from "./kafkaClientUserData";
import { CLIENT_INSTANCE_LIMITS, declareClientGroup } from "./kafkaClientGroup";
import { clientSinkUserData, CONNECT_REST_PORT } from "./kafkaClientConnect";
import {
  declareClientSink,
  KafkaClientSinkArgs,
  validateKafkaClientSinkArgs,
} from "./kafkaClientSink";
import { kafkaClientPolicy } from "./kafkaPolicies";
import { serviceTrustPolicy } from "../shared/iam";
import { checkPrefix, kafkaTopicNames } from "../shared/naming";
import { positiveWholeNumber, wholeNumber } from "../shared/validate";

/** The public SSM parameter AWS keeps pointing at the current Amazon Linux 2023 AMI. */
export const AL2023_AMI_PARAMETER =
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/** Arguments of {@link KafkaClient}. */
export interface KafkaClientArgs {
  /** Prefix every AWS name derives from (the stack's `prefix`); topics are `<prefix>.pin|geo|user`. */
  readonly prefix: string;
  /** VPC of the machines. */
  readonly vpcId: pulumi.Input<string>;
  /**
   * Private subnets, one per zone, the group spreads its machines over; they need HTTPS egress
   * (a NAT) to install their software.
   */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Machines in the group, 1–50 (its minimum, maximum and desired size). @default 1 */
  readonly instanceCount?: number;
  /** ARN of the MSK cluster the client may use (and nothing else). */
  readonly clusterArn: pulumi.Input<string>;
  /** SASL/IAM bootstrap brokers of that cluster. */
  readonly bootstrapBrokersIam: pulumi.Input<string>;
  /** The cluster's client security group, which lets the machine reach the brokers. */
  readonly kafkaClientSecurityGroupId: pulumi.Input<string>;
  /**
   * Partitions of each topic. A change reaches the running machine through a Systems Manager
   * association (topics grow in place; the machine is not replaced); Kafka refuses fewer. @default 3
   */
  readonly partitions?: number;
  /** Seconds `pulumi up` waits for the topics to be in place on a new machine. @default 2400 */
  readonly topicsTimeoutSeconds?: number;
  /** Replicas of each topic (at most the broker count). @default 2 */
  readonly replicationFactor?: number;
  /** EC2 instance type; the JVMs need 2 GiB. @default "t3.small" */
  readonly instanceType?: pulumi.Input<string>;
  /** SSM parameter holding the AMI id. @default the current Amazon Linux 2023 x86_64 AMI */
  readonly amiParameterName?: string;
  /** Refresh the machines whenever the parameter points at a newer AMI. @default false */
  readonly followLatestAmi?: boolean;
  /** Size of the encrypted gp3 root volume in GiB. @default 20 */
  readonly rootVolumeGb?: number;
  /** Run the S3 sink on this machine. @default undefined (MSK Connect runs it, see S3SinkConnector) */
  readonly sink?: KafkaClientSinkArgs;
  /** Tags added to every resource. @default {} */
  readonly tags?: Record<string, string>;
}

/** Checks arguments before anything is created. */
export function validateKafkaClientArgs(args: KafkaClientArgs): void {
  checkPrefix("KafkaClient", args.prefix);
  wholeNumber("KafkaClient", "rootVolumeGb", args.rootVolumeGb, { min: 8, max: 1024 });
  wholeNumber("KafkaClient", "instanceCount", args.instanceCount, CLIENT_INSTANCE_LIMITS);
  positiveWholeNumber("KafkaClient", "partitions", args.partitions);
  positiveWholeNumber("KafkaClient", "replicationFactor", args.replicationFactor);
  if (args.sink) validateKafkaClientSinkArgs(args.sink);
}

/**
 * The course's "client machine" done safely, as an autoscaling group of identical machines across
 * the network's private subnets: private Amazon Linux 2023 instances from one launch template,
 * reached through Session Manager only (no key pair, no port 22), IMDSv2 only, encrypted root
 * volumes, and a role limited to this cluster and the pipeline's topics. Each machine's boot script
 * starts the Kafka REST proxy on 8082 (see kafkaClientUserData.ts); a Systems Manager association
 * creates the topics. The group replaces a machine its load balancer finds unhealthy, and
 * replaces them one at a time when the launch template changes (kafkaClientGroup.ts).
 */
export class KafkaClient extends pulumi.ComponentResource {
  /** The autoscaling group's name: `<prefix>-kafka-client`. Never empty. */
  readonly groupName: pulumi.Output<string>;
  /** Id of the machines' own security group; an API opens 8082 on it for its load balancer. Never empty. */
  readonly securityGroupId: pulumi.Output<string>;
  /** ARN of the role every machine runs as (through its instance profile). Never empty. */
  readonly roleArn: pulumi.Output<string>;
  /** The three topics the machines create: `<prefix>.pin`, `.geo`, `.user`. Never empty. */
  readonly topicNames: pulumi.Output<string[]>;
  /** The port the REST proxy listens on, on each machine (8082). Always there. */
  readonly restProxyPort: pulumi.Output<number>;
  /** The sink worker's REST API port on each machine; undefined without `sink`. */
  readonly connectRestPort?: pulumi.Output<number>;

  constructor(name: string, args: KafkaClientArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:KafkaClient", name, {}, opts);
    validateKafkaClientArgs(args);
    const parent = { parent: this };
    const tags = { ...args.tags };
    const machineName = `${args.prefix}-kafka-client`;
    const topics = kafkaTopicNames(args.prefix);
    const instanceCount = args.instanceCount ?? CLIENT_INSTANCE_LIMITS.default;

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `Instance role of ${machineName}: Session Manager and its Kafka topics`,
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")),
        tags,
      },
      parent,
    );
    const sessionManager = new aws.iam.RolePolicyAttachment(
      `${name}-ssm`,
      { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
      parent,
    );
    const kafkaAccess = new aws.iam.RolePolicy(
      `${name}-kafka`,
      {
        role: role.id,
        policy: pulumi
          .output(args.clusterArn)
          .apply((clusterArn) =>
            JSON.stringify(
              kafkaClientPolicy({ clusterArn, topicPrefix: args.prefix, groupPrefix: args.prefix }),
            ),
          ),
      },
      parent,
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-profile`,
      { role: role.name, tags },
      parent,
    );

    // No inline rules: the API adds a standalone ingress rule to this group, and the provider's
    // docs warn that inline rules next to standalone ones get revoked on a refresh or update
    // (node_modules/@pulumi/aws/ec2/securityGroup.d.ts). AWS's default allow-all egress rule is
    // removed by the provider at creation, so HTTPS is the only way out besides added rules.
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `${machineName}: no inbound by default; HTTPS out for packages and SSM`,
        tags: { ...tags, Name: machineName },
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-https-out`,
      {
        securityGroupId: securityGroup.id,
        description: "HTTPS to package repositories, Maven Central and Session Manager",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
        tags,
      },
      parent,
    );

    const sink =
      args.sink &&
      declareClientSink(name, {
        prefix: args.prefix,
        clusterArn: args.clusterArn,
        sink: args.sink,
        role,
        securityGroup,
        tags,
        parent: this,
      });

    const ami = aws.ssm.getParameterOutput(
      { name: args.amiParameterName ?? AL2023_AMI_PARAMETER },
      parent,
    );
    const replicationFactor = args.replicationFactor ?? 2;
    const userData = pulumi.all([args.bootstrapBrokersIam, sink?.userDataInput]).apply(
      ([bootstrapBrokers, sinkInput]) =>
        kafkaClientUserData({
          prefix: args.prefix,
          topics,
          bootstrapBrokers,
          replicationFactor,
        }) +
        (sinkInput
          ? clientSinkUserData({ ...sinkInput, bootstrapBrokers, replicationFactor })
          : ""),
    );
    const group = declareClientGroup(name, {
      machineName,
      instanceCount,
      subnetIds: args.subnetIds,
      imageId: ami.value,
      instanceType: args.instanceType ?? "t3.small",
      instanceProfileArn: profile.arn,
      securityGroupIds: [securityGroup.id, args.kafkaClientSecurityGroupId],
      rootVolumeGb: args.rootVolumeGb ?? 20,
      userData,
      followLatestAmi: args.followLatestAmi ?? false,
      tags,
      // The boot script creates topics: the role's permissions must exist first.
      dependsOn: [kafkaAccess, sessionManager, ...(sink ? [sink.access] : [])],
      parent: this,
    });

    // Creates the topics on the group's machines (by their Name tag, so each machine the group
    // launches later gets it too: "For dynamic targets, such as ... an autoscaling group, State
    // Manager applies the configuration when new managed nodes are added", CreateAssociation,
    // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateAssociation.html;
    // tag targets are AWS's advice for groups, https://docs.aws.amazon.com/systems-manager/latest/userguide/systems-manager-state-manager-asg.html),
    // and grows them when `partitions` changes. The provider
    // waits for Success only on create (waitForSuccessTimeoutSeconds, association.d.ts: "create
    // opration will fail"; internal/service/ssm/association.go: UpdateAssociation, no waiter), so
    // a change of the count replaces the association, old one first, and the
    // new one's first run is awaited: a boot that never installed the Kafka CLI, or a count Kafka
    // refuses (fewer partitions), fails `pulumi up` instead of only marking the association Failed.
    // https://docs.aws.amazon.com/systems-manager/latest/userguide/state-manager-about.html
    new aws.ssm.Association(
      `${name}-topics`,
      {
        associationName: `${machineName}-topics`,
        name: "AWS-RunShellScript",
        targets: [{ key: "tag:Name", values: [machineName] }],
        // One machine at a time: two running ensure-topics at once would both --alter a topic.
        maxConcurrency: "1",
        parameters: {
          commands: ensureTopicsCommand(args.partitions ?? 3),
          executionTimeout: "3600",
        },
        waitForSuccessTimeoutSeconds: args.topicsTimeoutSeconds ?? 2400,
      },
      {
        parent: this,
        // The group waits for its machines to be in service: the association has targets.
        dependsOn: [group],
        replaceOnChanges: ["parameters", "targets"],
        deleteBeforeReplace: true,
      },
    );

    this.groupName = group.name;
    this.securityGroupId = securityGroup.id;
    this.roleArn = role.arn;
    this.topicNames = pulumi.output(topics);
    this.restProxyPort = pulumi.output(REST_PROXY_PORT);
    this.connectRestPort = sink && pulumi.output(CONNECT_REST_PORT);
    this.registerOutputs({
      groupName: this.groupName,
      securityGroupId: this.securityGroupId,
      topicNames: this.topicNames,
    });
  }
}
