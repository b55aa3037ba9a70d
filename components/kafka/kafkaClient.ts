import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ensureTopicsCommand, kafkaClientUserData, REST_PROXY_PORT } from "./kafkaClientUserData";
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
  /** VPC of the machine. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnet of the machine; it needs HTTPS egress (a NAT) to install its software. */
  readonly subnetId: pulumi.Input<string>;
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
  /** Replace the machine whenever the parameter points at a newer AMI. @default false */
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
  positiveWholeNumber("KafkaClient", "partitions", args.partitions);
  positiveWholeNumber("KafkaClient", "replicationFactor", args.replicationFactor);
  if (args.sink) validateKafkaClientSinkArgs(args.sink);
}

/**
 * The course's "client machine" done safely: a private Amazon Linux 2023 instance, reached through
 * Session Manager only (no key pair, no port 22), IMDSv2 only, an encrypted root volume, and a role
 * limited to this cluster and the pipeline's topics. At boot it creates the topics and starts the
 * Kafka REST proxy on 8082 (see kafkaClientUserData.ts).
 */
export class KafkaClient extends pulumi.ComponentResource {
  readonly instanceId: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;
  /** The machine's own group; an API opens 8082 on it for its load balancer. */
  readonly securityGroupId: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  readonly topicNames: pulumi.Output<string[]>;
  readonly restProxyPort: pulumi.Output<number>;
  /** The sink worker's REST API port on the machine's loopback; undefined without `sink`. */
  readonly connectRestPort?: pulumi.Output<number>;

  constructor(name: string, args: KafkaClientArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:KafkaClient", name, {}, opts);
    validateKafkaClientArgs(args);
    const parent = { parent: this };
    const tags = { ...args.tags };
    const machineName = `${args.prefix}-kafka-client`;
    const topics = kafkaTopicNames(args.prefix);

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
    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: ami.value,
        instanceType: args.instanceType ?? "t3.small",
        subnetId: args.subnetId,
        associatePublicIpAddress: false,
        vpcSecurityGroupIds: [securityGroup.id, args.kafkaClientSecurityGroupId],
        iamInstanceProfile: profile.name,
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          // 1 hop: a container on the machine could not reach the instance credentials.
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        rootBlockDevice: {
          encrypted: true,
          volumeType: "gp3",
          volumeSize: args.rootVolumeGb ?? 20,
          deleteOnTermination: true,
        },
        userData,
        // The script runs once per machine: a changed script must give a new machine.
        userDataReplaceOnChange: true,
        monitoring: false,
        tags: { ...tags, Name: machineName },
        volumeTags: { ...tags, Name: machineName },
      },
      {
        parent: this,
        // The boot script creates topics: the role's permissions must exist first.
        dependsOn: [kafkaAccess, sessionManager, ...(sink ? [sink.access] : [])],
        // A newer AMI would otherwise replace the REST proxy's machine on an unrelated update.
        ignoreChanges: args.followLatestAmi ? [] : ["ami"],
      },
    );

    // Creates the topics on a new machine, and grows them when `partitions` changes. The provider
    // waits for Success only on create (waitForSuccessTimeoutSeconds, association.d.ts: "create
    // opration will fail"; internal/service/ssm/association.go: UpdateAssociation, no waiter), so
    // a change of the count or of the machine replaces the association, old one first, and the
    // new one's first run is awaited: a boot that never installed the Kafka CLI, or a count Kafka
    // refuses (fewer partitions), fails `pulumi up` instead of only marking the association Failed.
    // https://docs.aws.amazon.com/systems-manager/latest/userguide/state-manager-about.html
    new aws.ssm.Association(
      `${name}-topics`,
      {
        associationName: `${machineName}-topics`,
        name: "AWS-RunShellScript",
        targets: [{ key: "InstanceIds", values: [instance.id] }],
        parameters: {
          commands: ensureTopicsCommand(args.partitions ?? 3),
          executionTimeout: "3600",
        },
        waitForSuccessTimeoutSeconds: args.topicsTimeoutSeconds ?? 2400,
      },
      {
        parent: this,
        dependsOn: [instance],
        replaceOnChanges: ["parameters", "targets"],
        deleteBeforeReplace: true,
      },
    );

    this.instanceId = instance.id;
    this.privateIp = instance.privateIp;
    this.securityGroupId = securityGroup.id;
    this.roleArn = role.arn;
    this.topicNames = pulumi.output(topics);
    this.restProxyPort = pulumi.output(REST_PROXY_PORT);
    this.connectRestPort = sink && pulumi.output(CONNECT_REST_PORT);
    this.registerOutputs({
      instanceId: this.instanceId,
      securityGroupId: this.securityGroupId,
      topicNames: this.topicNames,
    });
  }
}
