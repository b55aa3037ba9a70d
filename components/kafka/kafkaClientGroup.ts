// The Kafka client machines' launch template and autoscaling group (KafkaClient), and the pure
// rules they follow: how many machines the group may hold, how long a new one has to boot before
// its health counts, and how an instance refresh replaces them one at a time. Each rule cites the
// page it follows.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BOOT_WAIT_SECONDS } from "./kafkaClientUserData";

/**
 * Machines in the group (its minimum, maximum and desired size are equal: a fixed-size group).
 * Up to 99 the refresh preferences below keep exactly one machine out at a time; the plan
 * (tools/plan) asks for at most {@link CLIENT_INSTANCE_LIMITS}.max.
 */
export const CLIENT_INSTANCE_LIMITS = { min: 1, max: 50, default: 1 } as const;

/**
 * Seconds after a machine enters service before its load balancer health counts (the group's
 * `healthCheckGracePeriod`), and before an instance refresh moves on to the next machine (its
 * warmup defaults to the grace period: RefreshPreferences.InstanceWarmup,
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html). The boot
 * script's budget, the one the topics association waits for: a shorter grace period would have
 * the group replace a machine still installing the REST proxy, again and again.
 */
export const CLIENT_HEALTH_CHECK_GRACE_SECONDS = BOOT_WAIT_SECONDS;

/** The instance refresh preferences of a group of `count` machines. */
export interface ClientRefreshPreferences {
  readonly minHealthyPercentage: number;
  readonly maxHealthyPercentage: number;
}

/**
 * One machine replaced at a time. MinHealthyPercentage is a share of the desired capacity
 * "rounded up to the nearest integer" and ranges 0–100; MaxHealthyPercentage ranges 100–200 and
 * lies at most 100 above it (API_RefreshPreferences and API_InstanceMaintenancePolicy,
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceMaintenancePolicy.html).
 * - one machine: 100 and 200, so the group launches the new machine first and terminates the old
 *   one only once the new one is in service (no gap in dev's only REST proxy);
 * - n ≥ 2 machines: ⌊100 (n − 1) / n⌋ and 100: rounded up, that keeps n − 1 in service (exactly,
 *   for n < 100) and launches nothing extra, so the group replaces one machine, waits for it to be
 *   healthy and warm, then the next.
 */
export function clientRefreshPreferences(count: number): ClientRefreshPreferences {
  const { min, max } = CLIENT_INSTANCE_LIMITS;
  if (!Number.isInteger(count) || count < min || count > max) {
    throw new Error(
      `KafkaClient instanceCount ${count} must be a whole number from ${min} to ${max}.`,
    );
  }
  if (count === 1) return { minHealthyPercentage: 100, maxHealthyPercentage: 200 };
  return {
    minHealthyPercentage: Math.floor((100 * (count - 1)) / count),
    maxHealthyPercentage: 100,
  };
}

/** A launch template's user data: "The base64-encoded user data" (ec2/launchTemplate.d.ts). */
export function launchTemplateUserData(script: string): string {
  return Buffer.from(script, "utf8").toString("base64");
}

/** What {@link declareClientGroup} needs of the KafkaClient it belongs to. */
export interface ClientGroupContext {
  /** `<prefix>-kafka-client`: the group's name and every machine's Name tag. */
  readonly machineName: string;
  readonly instanceCount: number;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly imageId: pulumi.Input<string>;
  readonly instanceType: pulumi.Input<string>;
  readonly instanceProfileArn: pulumi.Input<string>;
  readonly securityGroupIds: pulumi.Input<string>[];
  readonly rootVolumeGb: number;
  /** The boot script, plain text (the template takes it base64-encoded). */
  readonly userData: pulumi.Input<string>;
  readonly followLatestAmi: boolean;
  readonly tags: Record<string, string>;
  /** What must exist before a machine boots (the role's policies). */
  readonly dependsOn: pulumi.Resource[];
  /** The KafkaClient: both resources are its children. */
  readonly parent: pulumi.Resource;
}

/**
 * Declares the launch template every machine is built from and the group that keeps
 * `instanceCount` of them in service across `subnetIds`, as children of the KafkaClient `name`.
 */
export function declareClientGroup(name: string, c: ClientGroupContext): aws.autoscaling.Group {
  const machineTags = { ...c.tags, Name: c.machineName };
  const template = new aws.ec2.LaunchTemplate(
    `${name}-template`,
    {
      namePrefix: `${c.machineName}-`,
      description: `${c.machineName}: the Kafka REST proxy machines of the group`,
      imageId: c.imageId,
      instanceType: c.instanceType,
      iamInstanceProfile: { arn: c.instanceProfileArn },
      // Strings, as the provider takes them (ec2/launchTemplate: LaunchTemplateNetworkInterface).
      networkInterfaces: [
        {
          deviceIndex: 0,
          associatePublicIpAddress: "false",
          deleteOnTermination: "true",
          securityGroups: c.securityGroupIds,
        },
      ],
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        // 1 hop: a container on the machine could not reach the instance credentials.
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      // Amazon Linux 2023's root device is /dev/xvda: this mapping sizes and encrypts it.
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            encrypted: "true",
            volumeType: "gp3",
            volumeSize: c.rootVolumeGb,
            deleteOnTermination: "true",
          },
        },
      ],
      userData: pulumi.output(c.userData).apply(launchTemplateUserData),
      monitoring: { enabled: false },
      tagSpecifications: [
        { resourceType: "instance", tags: machineTags },
        { resourceType: "volume", tags: machineTags },
      ],
      // Each change is a new version the group's instance refresh rolls out.
      updateDefaultVersion: true,
      tags: machineTags,
    },
    {
      parent: c.parent,
      // A newer AMI would otherwise refresh the REST proxy's machines on an unrelated update.
      ignoreChanges: c.followLatestAmi ? [] : ["imageId"],
    },
  );
  return new aws.autoscaling.Group(
    `${name}-group`,
    {
      name: c.machineName,
      vpcZoneIdentifiers: c.subnetIds,
      minSize: c.instanceCount,
      maxSize: c.instanceCount,
      desiredCapacity: c.instanceCount,
      // The version number, not $Latest: only a changed version starts an instance refresh
      // (autoscaling/group.d.ts, GroupInstanceRefresh.triggers NOTE).
      launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
      // The load balancer's check (the REST proxy answering on 8082), not only EC2's status.
      healthCheckType: "ELB",
      healthCheckGracePeriod: CLIENT_HEALTH_CHECK_GRACE_SECONDS,
      instanceRefresh: {
        strategy: "Rolling",
        preferences: clientRefreshPreferences(c.instanceCount),
      },
      tags: Object.entries(c.tags).map(([key, value]) => ({
        key,
        value,
        propagateAtLaunch: false,
      })),
    },
    {
      parent: c.parent,
      dependsOn: c.dependsOn,
      // The API attaches its target group with a TrafficSourceAttachment; the provider's note
      // (autoscaling/group.d.ts) says not to manage a traffic source from both resources.
      ignoreChanges: ["targetGroupArns", "trafficSources", "loadBalancers"],
    },
  );
}
