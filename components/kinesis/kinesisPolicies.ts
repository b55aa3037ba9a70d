// IAM documents and alarm definitions of the Kinesis stream path, as pure functions of plain
// values so that tests can assert every statement exactly (docs/security.md, "Identity" and "Streams").
import type { KinesisAction, KinesisRoute } from "./kinesisApiTemplates";
import { PolicyDocument, policyDocument, PolicyStatement as AnyStatement } from "../shared/iam";

/** Every statement here names itself and lists its actions and resources. */
export type PolicyStatement = AnyStatement & {
  readonly Sid: string;
  readonly Action: string[];
  readonly Resource: string | string[];
};

/** Actions each route's integration calls on the stream it names. */
const STREAM_ACTIONS: Partial<Record<KinesisAction, string>> = {
  DescribeStream: "kinesis:DescribeStream",
  PutRecord: "kinesis:PutRecord",
  PutRecords: "kinesis:PutRecords",
  GetShardIterator: "kinesis:GetShardIterator",
  GetRecords: "kinesis:GetRecords",
};

/**
 * `arn:...:stream/streaming-<prefix>-*` from one of the stack's stream ARNs: the pattern that
 * create and delete are limited to.
 */
export function prefixStreamArnPattern(streamArn: string, prefix: string): string {
  const match = /^(arn:[^:]+:kinesis:[^:]+:\d{12}:stream\/)/.exec(streamArn);
  if (!match) throw new Error(`"${streamArn}" is not a Kinesis stream ARN.`);
  return `${match[1]}streaming-${prefix}-*`;
}

/**
 * The API role's policy: exactly the actions the routes call, on exactly the stack's streams.
 * ListStreams has no resource-level permission in IAM (only "*"); the API filters its answer to
 * the stack's names instead. Create/delete (only when routes offer them) are limited to names
 * under the stack's prefix, and the stack's own streams can never be deleted through the API.
 */
export function kinesisProxyPolicy(args: {
  readonly routes: readonly KinesisRoute[];
  readonly prefix: string;
  readonly streamArns: readonly string[];
  readonly kmsKeyArn?: string;
}): PolicyDocument<PolicyStatement> {
  const actions = new Set(args.routes.map((r) => r.action));
  const streamActions = [...actions].flatMap((a) => STREAM_ACTIONS[a] ?? []).sort();
  const statements: PolicyStatement[] = [
    {
      Sid: "StackStreams",
      Effect: "Allow",
      Action: streamActions,
      Resource: [...args.streamArns],
    },
  ];
  if (actions.has("ListStreams")) {
    statements.push({
      Sid: "ListIsAccountWide",
      Effect: "Allow",
      Action: ["kinesis:ListStreams"],
      Resource: "*",
    });
  }
  const admin = ["CreateStream", "DeleteStream"].filter((a) => actions.has(a as KinesisAction));
  if (admin.length > 0) {
    const pattern = prefixStreamArnPattern(args.streamArns[0], args.prefix);
    statements.push({
      Sid: "ScratchStreamsUnderPrefix",
      Effect: "Allow",
      Action: [...admin.map((a) => `kinesis:${a}`), "kinesis:DescribeStream"].sort(),
      Resource: pattern,
    });
    statements.push({
      Sid: "NeverDeleteStackStreams",
      Effect: "Deny",
      Action: ["kinesis:DeleteStream"],
      Resource: [...args.streamArns],
    });
  }
  if (args.kmsKeyArn) {
    // A customer-managed key: writers need data keys, readers decrypt. The AWS-managed
    // alias/aws/kinesis needs no grant.
    const kms = [
      ...(actions.has("PutRecord") || actions.has("PutRecords") ? ["kms:GenerateDataKey"] : []),
      ...(actions.has("GetRecords") ? ["kms:Decrypt"] : []),
    ];
    if (kms.length > 0) {
      statements.push({ Sid: "StreamKey", Effect: "Allow", Action: kms, Resource: args.kmsKeyArn });
    }
  }
  return policyDocument(...statements);
}

/** One CloudWatch alarm as data. */
export interface AlarmSpec {
  /** Logical key; the alarm's name is `<prefix>-<key>`. */
  readonly key: string;
  readonly namespace: "AWS/Kinesis" | "AWS/ApiGateway";
  readonly metricName: string;
  readonly statistic: "Maximum" | "Average" | "Sum";
  readonly comparisonOperator: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";
  readonly threshold: number;
  /** Seconds. */
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly dimensions: Record<string, string>;
  readonly description: string;
}

/** Iterator age at which a consumer is considered lost (ms; the AWS construct's 12 h). */
export const ITERATOR_AGE_ALARM_MS = 12 * 60 * 60 * 1000;
/** Share of requests answered 4XX over 15 minutes that means clients are broken. */
export const CLIENT_ERROR_RATE_ALARM = 0.05;

/** Per stream: consumer lag and read/write throttling; per API: any 5XX, sustained 4XX. */
export function streamPathAlarms(args: {
  readonly streams: Readonly<Record<string, string>>;
  readonly apiName: string;
  readonly stageName: string;
}): AlarmSpec[] {
  const perStream = Object.entries(args.streams).flatMap(([kind, streamName]) => {
    const base = { namespace: "AWS/Kinesis" as const, period: 300, evaluationPeriods: 1 };
    const dimensions = { StreamName: streamName };
    return [
      {
        ...base,
        key: `${kind}-iterator-age`,
        metricName: "GetRecords.IteratorAgeMilliseconds",
        statistic: "Maximum" as const,
        comparisonOperator: "GreaterThanOrEqualToThreshold" as const,
        threshold: ITERATOR_AGE_ALARM_MS,
        dimensions,
        description: `${streamName}: oldest unread record is 12 h old; the consumer is behind or stopped.`,
      },
      ...(["Read", "Write"] as const).map((way) => ({
        ...base,
        key: `${kind}-${way.toLowerCase()}-throttled`,
        metricName: `${way}ProvisionedThroughputExceeded`,
        statistic: "Average" as const,
        comparisonOperator: "GreaterThanThreshold" as const,
        threshold: 0,
        dimensions,
        description: `${streamName}: ${way.toLowerCase()}s are throttled; add shards or use on-demand.`,
      })),
    ];
  });
  const api = { ApiName: args.apiName, Stage: args.stageName };
  return [
    ...perStream,
    {
      key: "api-5xx",
      namespace: "AWS/ApiGateway",
      metricName: "5XXError",
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      period: 300,
      evaluationPeriods: 1,
      dimensions: api,
      description: `${args.apiName}: server errors (Kinesis or the integration failed).`,
    },
    {
      key: "api-4xx",
      namespace: "AWS/ApiGateway",
      metricName: "4XXError",
      statistic: "Average",
      comparisonOperator: "GreaterThanThreshold",
      threshold: CLIENT_ERROR_RATE_ALARM,
      period: 300,
      evaluationPeriods: 3,
      dimensions: api,
      description: `${args.apiName}: over 5% of requests rejected for 15 minutes (bad bodies, keys or throttling).`,
    },
  ];
}
