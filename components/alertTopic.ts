// The stack's one place to be told that something failed: an SNS topic every CloudWatch alarm of
// the stack notifies, with an e-mail subscription per address. The Databricks jobs mail the same
// addresses themselves (DatabricksWorkspace's alertEmails), so one list reaches everyone.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { isEmailAddress } from "./shared/validate";
import { policyDocument } from "./shared/iam";

/** Arguments of {@link AlertTopic}. */
export interface AlertTopicArgs {
  /** Prefix every name derives from (the stack's `prefix`): the topic is `<prefix>-alerts`. */
  readonly prefix: string;
  /** Addresses subscribed by e-mail; each must confirm from the mail SNS sends it. */
  readonly emails: string[];
  /** Tags of the topic. @default {} */
  readonly tags?: Record<string, string>;
}

export function validateAlertTopicArgs(args: AlertTopicArgs): void {
  if (args.emails.length === 0) {
    throw new Error(
      "AlertTopic emails is empty: a topic nobody subscribes to tells nobody; leave the topic out instead.",
    );
  }
  const bad = args.emails.find((email) => !isEmailAddress(email));
  if (bad !== undefined) {
    throw new Error(`AlertTopic email ${JSON.stringify(bad)} is not an e-mail address.`);
  }
}

/**
 * The topic's policy: the account's owner keeps every right, and CloudWatch alarms of this
 * account and region may publish (AWS knowledge center "Why didn't I receive an SNS notification
 * for my CloudWatch alarm trigger?": a topic policy without cloudwatch.amazonaws.com fails the
 * alarm's action with "not authorized to perform: SNS:Publish").
 */
export function alertTopicPolicy(
  topicArn: string,
  where: { partition: string; region: string; account: string },
) {
  const { partition, region, account } = where;
  return policyDocument(
    {
      Sid: "OwnerManages",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${account}:root` },
      Action: "sns:*",
      Resource: topicArn,
    },
    {
      Sid: "AlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: {
        ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        StringEquals: { "aws:SourceAccount": account },
      },
    },
  );
}

/**
 * An SNS topic with one e-mail subscription per address. It is left unencrypted: under the
 * AWS-managed SNS key, whose policy cannot be edited, CloudWatch alarms cannot publish (AWS
 * knowledge center "How do I configure a CloudWatch alarm with an encrypted SNS topic?"), and
 * alert texts hold no data.
 */
export class AlertTopic extends pulumi.ComponentResource {
  /** ARN of the `<prefix>-alerts` SNS topic the alarms notify. Never empty. */
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlertTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:AlertTopic", name, {}, opts);
    validateAlertTopicArgs(args);
    const topic = new aws.sns.Topic(
      `${name}-topic`,
      { name: `${args.prefix}-alerts`, tags: args.tags },
      { parent: this },
    );
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    new aws.sns.TopicPolicy(
      `${name}-topic`,
      {
        arn: topic.arn,
        policy: pulumi
          .all([topic.arn, identity.accountId, region, partition])
          .apply(([arn, account, r, p]) =>
            JSON.stringify(alertTopicPolicy(arn, { partition: p, region: r, account })),
          ),
      },
      { parent: this },
    );
    args.emails.forEach(
      (email, i) =>
        // An e-mail subscription stays "pending confirmation" until its owner clicks the link SNS
        // mails; the provider does not wait for that (provider doc of aws_sns_topic_subscription).
        new aws.sns.TopicSubscription(
          `${name}-email-${i}`,
          { topic: topic.arn, protocol: "email", endpoint: email },
          { parent: this },
        ),
    );
    this.topicArn = topic.arn;
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
