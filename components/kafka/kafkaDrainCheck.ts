// Pausing a stack deletes its MSK cluster, and with it every record the S3 sink has not yet
// written to the bucket. A stack that must not lose data (allowDataLoss false) therefore pauses
// only once the batch path is drained: the check below runs as the first step of the pausing
// `pulumi up` and fails it while records are unwritten. Pulumi deletes the resources a program no
// longer declares only after every create and update of the same run has succeeded, so a failed
// check leaves the cluster, the connector and the API in place (a failed `up` schedules no
// deletes: pulumi/pulumi#9979 describes that order). docs/operations.md, "Pause and resume".
import {
  CloudWatchClient,
  GetMetricDataCommand,
  MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { KafkaClient, ListClustersV2Command } from "@aws-sdk/client-kafka";
import * as pulumi from "@pulumi/pulumi";

/** What the check looks at: names only, since a paused program no longer holds the resources. */
export interface KafkaDrainTarget {
  /** The stack's region. */
  readonly region: string;
  /** The MSK cluster's name (MskCluster: `<prefix>-kafka`). */
  readonly clusterName: string;
  /**
   * The S3 sink's consumer group. Kafka Connect names a sink connector's group `connect-<connector
   * name>` (Kafka documentation, Connect configs, `consumer.override.group.id` default; MSK
   * Connect keeps it), and the connector is `<prefix>-s3-sink` (S3SinkConnector).
   */
  readonly consumerGroup: string;
  /** The topics the sink reads. */
  readonly topics: readonly string[];
  /** The batch API's name and stage, as API Gateway's CloudWatch metrics name them. */
  readonly apiName: string;
  readonly stageName: string;
}

/**
 * Minutes the batch API must have taken no request before a pause: the sink writes an open object
 * within one rotation interval (60 s) after its last record, so two intervals and the metric's
 * own minute of delay fit in it.
 */
export const IDLE_MINUTES = 5;
/** How far back the check reads the metrics: MSK emits consumer lag once a minute. */
export const LOOKBACK_MINUTES = 15;

/** The IAM actions the check calls as the deployer (stacks/deployer-policy.json grants them). */
export const DRAIN_CHECK_ACTIONS = ["kafka:ListClustersV2", "cloudwatch:GetMetricData"] as const;

/** The AWS clients the check calls; tests point them at moto. */
export interface DrainClients {
  readonly kafka: Pick<KafkaClient, "send">;
  readonly cloudwatch: Pick<CloudWatchClient, "send">;
}

/**
 * Why the batch path is not drained, or undefined when a pause loses nothing: no live cluster of
 * that name, or the sink's consumer group 0 records behind on every topic and the API idle.
 */
export async function kafkaDrainProblem(
  target: KafkaDrainTarget,
  clients: DrainClients,
  now: Date = new Date(),
): Promise<string | undefined> {
  const listed = await clients.kafka.send(
    new ListClustersV2Command({ ClusterNameFilter: target.clusterName }),
  );
  // The filter matches name prefixes ("ListClustersV2", MSK API Reference), so compare exactly.
  const live = (listed.ClusterInfoList ?? []).filter(
    (c) => c.ClusterName === target.clusterName && c.State !== "DELETING",
  );
  if (live.length === 0) return undefined;

  const queries: MetricDataQuery[] = [
    // "SumOffsetLag", DEFAULT monitoring level, dimensions Cluster Name, Consumer Group, Topic
    // (Amazon MSK Developer Guide, "Amazon MSK metrics for monitoring Standard brokers with
    // CloudWatch" and "Monitor consumer lags").
    ...target.topics.map((topic, i) =>
      minuteQuery(`lag${i}`, "AWS/Kafka", "SumOffsetLag", "Maximum", {
        "Cluster Name": target.clusterName,
        "Consumer Group": target.consumerGroup,
        Topic: topic,
      }),
    ),
    // "Count", dimensions ApiName and Stage (API Gateway Developer Guide, "Amazon API Gateway
    // dimensions and metrics").
    minuteQuery("requests", "AWS/ApiGateway", "Count", "Sum", {
      ApiName: target.apiName,
      Stage: target.stageName,
    }),
  ];
  const minutes = (n: number) => new Date(now.getTime() - n * 60_000);
  const data = await clients.cloudwatch.send(
    new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: minutes(LOOKBACK_MINUTES),
      EndTime: now,
      ScanBy: "TimestampDescending",
    }),
  );
  const series = new Map(
    (data.MetricDataResults ?? []).map((r) => [
      r.Id ?? "",
      (r.Timestamps ?? []).map((t, i) => ({ at: t, value: r.Values?.[i] ?? 0 })),
    ]),
  );
  const idleSince = minutes(IDLE_MINUTES);
  const recent = (series.get("requests") ?? []).filter((p) => p.at >= idleSince);
  const requests = recent.reduce((sum, p) => sum + p.value, 0);
  if (requests > 0) {
    return (
      `the batch API ${target.apiName} (stage ${target.stageName}) took ${requests} requests in the ` +
      `last ${IDLE_MINUTES} minutes: stop every producer of it, then pause`
    );
  }
  for (const [i, topic] of target.topics.entries()) {
    const points = [...(series.get(`lag${i}`) ?? [])].sort((a, b) => +b.at - +a.at);
    if (points.length === 0) {
      return (
        `MSK reported no SumOffsetLag for the S3 sink's consumer group ${target.consumerGroup} on ` +
        `topic ${topic} in the last ${LOOKBACK_MINUTES} minutes, so nothing shows that the sink ` +
        "wrote every record (is the connector running?)"
      );
    }
    if (points[0].value > 0) {
      return (
        `the S3 sink's consumer group ${target.consumerGroup} is ${points[0].value} records behind ` +
        `on topic ${topic}: wait until it is 0, then pause`
      );
    }
  }
  return undefined;
}

/** One metric's statistic per minute, by its dimensions. */
function minuteQuery(
  id: string,
  namespace: string,
  metricName: string,
  stat: string,
  dimensions: Record<string, string>,
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: namespace,
        MetricName: metricName,
        Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: 60,
      Stat: stat,
    },
  };
}

/** The one-line refusal a pausing `pulumi up` fails with. */
export function drainRefusal(problem: string): string {
  return (
    `pause refused: ${problem}. Pausing deletes the MSK cluster and every record the sink has not ` +
    'written (docs/operations.md, "Pause and resume"); to pause and lose them, set ' +
    "pinterest-pipeline:allowDataLoss true for this update."
  );
}

/**
 * The dynamic provider behind {@link KafkaDrainCheck}. Pulumi serializes it with its closure and
 * runs it in its own process (the SDK's cmd/dynamic-provider), so it reaches AWS with the
 * deployer's default credential chain, in the stack's region.
 */
export const kafkaDrainProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: KafkaDrainTarget) {
    const clients = {
      kafka: new KafkaClient({ region: inputs.region }),
      cloudwatch: new CloudWatchClient({ region: inputs.region }),
    };
    try {
      const problem = await kafkaDrainProblem(inputs, clients);
      if (problem) throw new Error(drainRefusal(problem));
    } finally {
      clients.kafka.destroy();
      clients.cloudwatch.destroy();
    }
    return { id: `${inputs.clusterName}-drained`, outs: { ...inputs } };
  },
  // Nothing to undo: the check only reads. A stack stays paused with it, and resuming removes it,
  // so the next pause checks again.
  async delete() {},
  // Once paused, the cluster is gone; a changed input is recorded without checking again.
  async diff() {
    return { changes: false };
  },
};

/**
 * Fails the pausing `pulumi up` of a stack that must not lose data while the batch path holds
 * records the S3 sink has not written, before any of its resources is deleted.
 */
export class KafkaDrainCheck extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    target: Omit<KafkaDrainTarget, "region"> & { readonly region: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(kafkaDrainProvider, name, { ...target, topics: [...target.topics] }, opts);
  }
}
