import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

// AWS's own recipe for a NAT instance, followed step by step: "NAT instances" in the Amazon VPC
// User Guide, https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html, and its
// "Work with NAT instances" page (create a NAT AMI, security group, launch in a public subnet with
// a public address, disable source/destination checks, route the private subnets to it),
// https://docs.aws.amazon.com/vpc/latest/userguide/work-with-nat-instances.html

/** The public SSM parameter AWS keeps pointing at the current Amazon Linux 2023 arm64 AMI. */
export const AL2023_ARM64_AMI_PARAMETER =
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

/** The smallest Graviton machine: forwarding is in the kernel, 0.5 GiB is plenty. */
export const NAT_INSTANCE_TYPE = "t4g.nano";

/**
 * The only port forwarded: every download of the machines behind it (dnf, Maven Central,
 * Confluent's repository) and every AWS API is HTTPS (components/kafka/kafkaClientUserData.ts).
 */
export const NAT_PORT = 443;

/** The CloudWatch action that recovers an instance onto healthy hardware, in `region`. */
export const recoverAction = (region: string) => `arn:aws:automate:${region}:ec2:recover`;

/**
 * User data that makes an Amazon Linux 2023 machine a NAT, as AWS's "Create a NAT AMI" does:
 * iptables-services from the release's own repository (the one the AMI is locked to), IPv4
 * forwarding kept across reboots, masquerade on the interface of the default route (ens5 on
 * Nitro machines; read, not assumed) for the VPC's range only, the FORWARD chain's default reject
 * flushed, and the rules saved so that they survive a reboot or a recovery. Its output goes where
 * cloud-init sends it, the console too: with no login on the machine, `aws ec2 get-console-output`
 * is how to read it.
 */
export function natInstanceUserData(vpcCidr: string): string {
  return `#!/bin/bash
set -euo pipefail
# The public route may still be on its way while the machine boots: retry for 5 minutes.
for attempt in $(seq 30); do
  dnf install -y iptables-services && break
  echo "dnf install failed (attempt $attempt); retrying in 10 s"
  sleep 10
done
rpm -q iptables-services
systemctl enable --now iptables
echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat-instance.conf
sysctl -p /etc/sysctl.d/90-nat-instance.conf
interface=$(ip -o -4 route show to default | awk '{print $5; exit}')
iptables -t nat -A POSTROUTING -o "$interface" -s ${vpcCidr} -j MASQUERADE
iptables -F FORWARD
service iptables save
`;
}

/** Arguments of {@link NatInstance}. */
export interface NatInstanceArgs {
  /** Prefix every AWS `Name` tag derives from (the stack's `prefix`). */
  readonly prefix: string;
  /** VPC of the machine. */
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's IPv4 range: the only source the machine admits and masquerades. */
  readonly vpcCidr: string;
  /** A public subnet (routed to the internet gateway) to place the machine in. */
  readonly subnetId: pulumi.Input<string>;
  /** SNS topic the recovery alarm also notifies. @default none (the alarm only recovers) */
  readonly alarmTopicArn?: pulumi.Input<string>;
  /** Tags added to every resource. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * One NAT instance for the private subnets: a t4g.nano on Amazon Linux 2023 arm64 in a public
 * subnet with a public address, source/destination check off, IMDSv2 only, no key pair and no role
 * (nothing to log in with or to call), an encrypted root volume, HTTPS admitted from the VPC only,
 * and a CloudWatch alarm that recovers it when its system status check fails.
 */
export class NatInstance extends pulumi.ComponentResource {
  /** Id of the NAT machine. Never empty. */
  readonly instanceId: pulumi.Output<string>;
  /** The network interface the private route tables send 0.0.0.0/0 to. Never empty. */
  readonly networkInterfaceId: pulumi.Output<string>;
  /** The machine's public IPv4 address (AWS-assigned; new with a new machine). Never empty. */
  readonly publicIp: pulumi.Output<string>;
  /** The machine's group: HTTPS in from the VPC's range, HTTPS out to the internet. Never empty. */
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: NatInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:NatInstance", name, {}, opts);
    const parent = { parent: this };
    const tags = { ...args.tags };
    const machineName = `${args.prefix}-nat-instance`;

    // "NAT instance security groups": in, only what the private subnets send; out, to the
    // internet. No inbound from the internet: replies come back on the tracked connections.
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `${machineName}: HTTPS from the VPC forwarded to the internet; no inbound from it`,
        tags: { ...tags, Name: machineName },
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-https-in`,
      {
        securityGroupId: securityGroup.id,
        description: "HTTPS from the VPC's machines, to be forwarded",
        ipProtocol: "tcp",
        fromPort: NAT_PORT,
        toPort: NAT_PORT,
        cidrIpv4: args.vpcCidr,
        tags,
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-https-out`,
      {
        securityGroupId: securityGroup.id,
        description: "HTTPS to the internet: the forwarded connections and its own dnf",
        ipProtocol: "tcp",
        fromPort: NAT_PORT,
        toPort: NAT_PORT,
        cidrIpv4: "0.0.0.0/0",
        tags,
      },
      parent,
    );

    const ami = aws.ssm.getParameterOutput({ name: AL2023_ARM64_AMI_PARAMETER }, parent);
    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: ami.value,
        instanceType: NAT_INSTANCE_TYPE,
        subnetId: args.subnetId,
        // "The NAT instance must have a public IP address or an Elastic IP address."
        associatePublicIpAddress: true,
        // "Disable source/destination checks": it forwards traffic that is neither from nor to it.
        sourceDestCheck: false,
        vpcSecurityGroupIds: [securityGroup.id],
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        // 8 GiB: the size of the AMI's own snapshot, the smallest EC2 accepts for it.
        rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 8 },
        userData: natInstanceUserData(args.vpcCidr),
        userDataReplaceOnChange: true,
        monitoring: false,
        // T4g launches "unlimited" by default and bills surplus CPU credits above its baseline
        // (RunInstances, CreditSpecification): standard keeps the bill at the hourly price.
        creditSpecification: { cpuCredits: "standard" },
        tags: { ...tags, Name: machineName },
        volumeTags: { ...tags, Name: machineName },
      },
      // A newer AMI would otherwise replace the machine (and cut every download) on an unrelated
      // update.
      { parent: this, ignoreChanges: ["ami"] },
    );

    // "Recover your instance": a failed system status check (the host, not the OS) for two
    // minutes moves the machine to healthy hardware, keeping its id, private address and disk.
    // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/UsingAlarmActions.html
    const region = aws.getRegionOutput({}, parent).region;
    new aws.cloudwatch.MetricAlarm(
      `${name}-recover`,
      {
        name: `${machineName}-recover`,
        alarmDescription: `${machineName} failed its system status check: EC2 recovers it onto healthy hardware.`,
        namespace: "AWS/EC2",
        metricName: "StatusCheckFailed_System",
        dimensions: { InstanceId: instance.id },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 2,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        alarmActions: pulumi
          .all([region, args.alarmTopicArn])
          .apply(([r, topic]) => [recoverAction(r), ...(topic ? [topic] : [])]),
        okActions: pulumi.output(args.alarmTopicArn).apply((topic) => (topic ? [topic] : [])),
        tags,
      },
      parent,
    );

    this.instanceId = instance.id;
    this.networkInterfaceId = instance.primaryNetworkInterfaceId;
    this.publicIp = instance.publicIp;
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({
      instanceId: this.instanceId,
      networkInterfaceId: this.networkInterfaceId,
      publicIp: this.publicIp,
    });
  }
}
