import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { kinesisApiName } from "./kinesisApiTemplates";
import { streamPathAlarms } from "./kinesisPolicies";
import {
  ApiStageArgs,
  DEFAULT_API_STAGE,
  STAGE_LIMITS,
  validateApiStageArgs,
} from "../apigateway/apiStage";
import { KinesisProxyApi } from "./kinesisProxyApi";
import { checkPrefix, kinesisStreamName, TABLE_KINDS, TableKind } from "../shared/naming";
import { wholeNumber, WholeSetting } from "../shared/validate";

/** How a stream pays for capacity: per shard-hour, or per stream-hour and GB written. */
export type StreamCapacityMode = "ON_DEMAND" | "PROVISIONED";

/** Arguments of {@link KinesisStreamPath}; those of its API's stage are {@link ApiStageArgs}. */
export interface KinesisStreamPathArgs extends ApiStageArgs {
  /** Prefix every name derives from (the stack's `prefix`); streams are `streaming-<prefix>-<kind>`. */
  readonly prefix: string;
  /** Capacity mode of the three streams; one provisioned shard costs ~40% of an on-demand stream. @default "PROVISIONED" */
  readonly capacityMode?: StreamCapacityMode;
  /** Shards per stream, only with capacityMode "PROVISIONED" (1–10000). @default 1 */
  readonly shardCount?: number;
  /** Hours a record stays readable (24–8760; also the AWS default of 24). @default 24 */
  readonly retentionHours?: number;
  /** Customer-managed KMS key ARN for stream encryption. @default undefined (AWS-managed alias/aws/kinesis) */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** Offer POST/DELETE /streams/{stream-name} for scratch streams named `streaming-<prefix>-*`. @default false */
  readonly streamAdminRoutes?: boolean;
  /** SNS topic ARN notified when an alarm fires or clears. @default undefined (alarms show in CloudWatch only) */
  readonly alarmTopicArn?: pulumi.Input<string>;
  /**
   * Build the API in front of the streams, and its alarms. false: the streams (and their
   * generation) alone, as a paused stack that must not lose unread records keeps them. @default true
   */
  readonly api?: boolean;
}

/**
 * What Kinesis and API Gateway accept for each numeric argument, and the default (the stack config
 * reads these). Kinesis Data Streams Developer Guide, "Quotas and limits": retention 24 hours to 365
 * days; a default quota of 20,000 shards per account in us-east-1, us-west-2 and eu-west-1 (1,000
 * or 6,000 elsewhere), checked by the stack config for the three streams together. Per stream,
 * UpdateShardCount's default limit of 10,000 shards (Kinesis API Reference, UpdateShardCount,
 * TargetShardCount). A change of the count is one UpdateShardCount, which refuses more than double or less
 * than half the current count (Kinesis API Reference): the stepwise procedure is in
 * docs/operations.md, "Kinesis shards". The API's limits are API Gateway's (apigateway/apiStage.ts).
 */
export const KINESIS_STREAM_PATH_LIMITS = {
  shardCount: { min: 1, max: 10_000, default: 1 },
  retentionHours: { min: 24, max: 8760, default: 24 },
  ...STAGE_LIMITS,
} as const satisfies Record<string, WholeSetting>;

/** The regions with the larger default shard quota (Kinesis "Quotas and limits"). */
const LARGE_SHARD_QUOTA_REGIONS: readonly string[] = ["us-east-1", "us-west-2", "eu-west-1"];

/**
 * An account's default shard quota in `region`, shared by all its provisioned streams there:
 * 20,000 in us-east-1, us-west-2 and eu-west-1, and "1,000 or 6,000" elsewhere, so 1,000, the
 * lower (Kinesis Data Streams Developer Guide, "Quotas and limits"). The Service Quotas console
 * shows the account's own, which may have been raised.
 */
export function defaultShardQuota(region: string): number {
  return LARGE_SHARD_QUOTA_REGIONS.includes(region) ? 20_000 : 1_000;
}

/** Checks arguments AWS would only reject minutes into a deployment, or not at all. */
export function validateKinesisStreamPathArgs(args: KinesisStreamPathArgs): void {
  checkPrefix("KinesisStreamPath", args.prefix);
  const mode = args.capacityMode ?? "PROVISIONED";
  if (mode !== "ON_DEMAND" && mode !== "PROVISIONED") {
    throw new Error(
      `KinesisStreamPath capacityMode "${mode}" is not one of "ON_DEMAND", "PROVISIONED".`,
    );
  }
  if (mode === "ON_DEMAND" && args.shardCount !== undefined) {
    throw new Error(
      `KinesisStreamPath shardCount ${args.shardCount} applies only to capacityMode "PROVISIONED"; ` +
        `remove it or leave capacityMode at "PROVISIONED".`,
    );
  }
  const limits = KINESIS_STREAM_PATH_LIMITS;
  wholeNumber("KinesisStreamPath", "shardCount", args.shardCount, limits.shardCount);
  wholeNumber("KinesisStreamPath", "retentionHours", args.retentionHours, limits.retentionHours);
  validateApiStageArgs("KinesisStreamPath", args);
}

/**
 * The stream ingestion path (docs/pipeline.md §4, §6): three encrypted Kinesis streams, a Kinesis proxy
 * REST API in front of them ({@link KinesisProxyApi}), and alarms on consumer lag, throttling and
 * API errors.
 */
export class KinesisStreamPath extends pulumi.ComponentResource {
  /**
   * `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`; routes start at `/streams`.
   * Undefined without the API (`api: false`).
   */
  readonly invokeUrl?: pulumi.Output<string>;
  /** Id of the REST API; undefined without the API (`api: false`). */
  readonly restApiId?: pulumi.Output<string>;
  /** The API stage's name; undefined without the API (`api: false`). */
  readonly stageName?: pulumi.Output<string>;
  /**
   * Id of the API key; read its value with
   * `aws apigateway get-api-key --api-key <id> --include-value`. Undefined without the API
   * (`api: false`).
   */
  readonly apiKeyId?: pulumi.Output<string>;
  /** The three stream names (`streaming-<prefix>-<kind>`) by kind. Never empty. */
  readonly streamNames: pulumi.Output<Record<TableKind, string>>;
  /** The three stream ARNs by kind (for the Databricks credential). Never empty. */
  readonly streamArns: pulumi.Output<Record<TableKind, string>>;
  /** The API's access log group; undefined without the API (`api: false`). */
  readonly accessLogGroupName?: pulumi.Output<string>;
  /**
   * 16 hex digits made when the streams are created and kept while they exist (a random id, a child
   * of this component, replaced with the streams): the streaming job's checkpoints live under it,
   * because "if you delete and recreate a Kinesis stream, you cannot reuse any existing checkpoint
   * directories" (Databricks, "Connect to Amazon Kinesis"). New streams, new checkpoints, no manual
   * step. Never empty.
   */
  readonly generation: pulumi.Output<string>;

  constructor(name: string, args: KinesisStreamPathArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:KinesisStreamPath", name, {}, opts);
    validateKinesisStreamPathArgs(args);
    const parent = { parent: this };
    const tags = { ...args.tags };
    const provisioned = (args.capacityMode ?? "PROVISIONED") === "PROVISIONED";
    const names = Object.fromEntries(
      TABLE_KINDS.map((kind) => [kind, kinesisStreamName(args.prefix, kind)]),
    ) as Record<TableKind, string>;

    const streams = TABLE_KINDS.map(
      (kind) =>
        new aws.kinesis.Stream(
          `${name}-${kind}`,
          {
            name: names[kind],
            streamModeDetails: { streamMode: provisioned ? "PROVISIONED" : "ON_DEMAND" },
            shardCount: provisioned
              ? (args.shardCount ?? KINESIS_STREAM_PATH_LIMITS.shardCount.default)
              : undefined,
            retentionPeriod:
              args.retentionHours ?? KINESIS_STREAM_PATH_LIMITS.retentionHours.default,
            encryptionType: "KMS",
            kmsKeyId: args.kmsKeyArn ?? "alias/aws/kinesis",
            tags,
          },
          parent,
        ),
    );

    // Replaced whenever a stream is (a new name), and created anew with them after a pause.
    const generation = new random.RandomId(
      `${name}-generation`,
      { byteLength: 8, keepers: { streams: TABLE_KINDS.map((kind) => names[kind]).join(",") } },
      { parent: this, dependsOn: streams },
    );
    this.streamNames = pulumi.output(names);
    this.streamArns = pulumi
      .all(streams.map((s) => s.arn))
      .apply(
        (arns) =>
          Object.fromEntries(TABLE_KINDS.map((k, i) => [k, arns[i]])) as Record<TableKind, string>,
      );
    this.generation = generation.hex;
    if (args.api === false) {
      this.registerOutputs({
        streamNames: this.streamNames,
        streamArns: this.streamArns,
        generation: this.generation,
      });
      return;
    }

    const api = new KinesisProxyApi(
      `${name}-api`,
      {
        prefix: args.prefix,
        streamArns: streams.map((s) => s.arn),
        kmsKeyArn: args.kmsKeyArn,
        streamAdminRoutes: args.streamAdminRoutes,
        stageName: args.stageName,
        logRetentionDays: args.logRetentionDays,
        throttlingRateLimit: args.throttlingRateLimit,
        throttlingBurstLimit: args.throttlingBurstLimit,
        quotaPerDay: args.quotaPerDay,
        manageApiGatewayAccount: args.manageApiGatewayAccount,
        tags,
      },
      parent,
    );

    const actions = args.alarmTopicArn ? [args.alarmTopicArn] : [];
    const alarms = streamPathAlarms({
      streams: names,
      apiName: kinesisApiName(args.prefix),
      stageName: args.stageName ?? DEFAULT_API_STAGE,
    });
    for (const alarm of alarms) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-${alarm.key}`,
        {
          name: `${args.prefix}-${alarm.key}`,
          alarmDescription: alarm.description,
          namespace: alarm.namespace,
          metricName: alarm.metricName,
          statistic: alarm.statistic,
          comparisonOperator: alarm.comparisonOperator,
          threshold: alarm.threshold,
          period: alarm.period,
          evaluationPeriods: alarm.evaluationPeriods,
          dimensions: alarm.dimensions,
          // No traffic is not an incident: a stopped emulator must not page anyone.
          treatMissingData: "notBreaching",
          alarmActions: actions,
          okActions: actions,
          tags,
        },
        { parent: this, dependsOn: alarm.namespace === "AWS/Kinesis" ? streams : [api] },
      );
    }

    this.invokeUrl = api.invokeUrl;
    this.restApiId = api.restApiId;
    this.stageName = api.stageName;
    this.apiKeyId = api.apiKeyId;
    this.accessLogGroupName = api.accessLogGroupName;
    this.registerOutputs({
      invokeUrl: this.invokeUrl,
      apiKeyId: this.apiKeyId,
      streamNames: this.streamNames,
      streamArns: this.streamArns,
      generation: this.generation,
    });
  }
}
