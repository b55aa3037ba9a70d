// The pause's drain check (components/kafka/kafkaDrainCheck.ts) against moto's MSK cluster API and
// CloudWatch: the cluster found by its exact name, the S3 sink's consumer lag per topic (MSK's
// SumOffsetLag) and the batch API's recent requests (API Gateway's Count), put as the services
// publish them; and the provider as Pulumi runs it, serialized with its closure and loaded in a
// process of its own the way the SDK's dynamic-provider host loads it (require-from-string, then
// `handler()`). What this cannot prove: that MSK publishes the metric for a given group on time
// (the AWS docs say once a minute while the group is STABLE or EMPTY; a missing metric refuses).
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { CreateClusterV2Command, DeleteClusterCommand, KafkaClient } from "@aws-sdk/client-kafka";
import { expect } from "chai";
import * as crypto from "crypto";
import { kafkaDrainTarget } from "../../../components/kafka/kafkaBatchPath";
import {
  drainRefusal,
  IDLE_MINUTES,
  kafkaDrainProblem,
  kafkaDrainProvider,
  KafkaDrainTarget,
} from "../../../components/kafka/kafkaDrainCheck";
import { callSerializedProvider } from "../../harness/dynamicProvider";
import { Moto, startMskTimeProxy, useMoto } from "../../harness/moto";

const REGION = "eu-west-1";
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

describe("pause drain check against moto (MSK ListClustersV2, CloudWatch GetMetricData)", function () {
  this.timeout(60_000);
  let moto: Moto | undefined;
  let proxy: Awaited<ReturnType<typeof startMskTimeProxy>> | undefined;
  let clients: { kafka: KafkaClient; cloudwatch: CloudWatchClient };
  const clusters: string[] = [];

  before(async function () {
    this.timeout(10 * 60_000); // the first run installs moto from PyPI
    moto = await useMoto();
    proxy = await startMskTimeProxy(moto.endpoint);
    const options = {
      region: REGION,
      endpoint: proxy.url,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    };
    clients = { kafka: new KafkaClient(options), cloudwatch: new CloudWatchClient(options) };
  });

  after(async () => {
    for (const arn of clusters) {
      await clients.kafka.send(new DeleteClusterCommand({ ClusterArn: arn }));
    }
    clients?.kafka.destroy();
    clients?.cloudwatch.destroy();
    await proxy?.close();
    moto?.release();
  });

  /** A stack's target under a prefix no other test uses (moto may be a kept replica's). */
  function target(): KafkaDrainTarget {
    const prefix = `drain-${crypto.randomBytes(4).toString("hex")}`;
    return { ...kafkaDrainTarget(prefix), region: REGION };
  }

  async function createCluster(t: KafkaDrainTarget): Promise<void> {
    const created = await clients.kafka.send(
      new CreateClusterV2Command({
        ClusterName: t.clusterName,
        Provisioned: {
          KafkaVersion: "3.9.x",
          NumberOfBrokerNodes: 2,
          BrokerNodeGroupInfo: {
            InstanceType: "kafka.t3.small",
            ClientSubnets: ["subnet-0a", "subnet-0b"],
          },
        },
      }),
    );
    clusters.push(created.ClusterArn!);
  }

  /** The sink's lag per topic, as MSK publishes it, one datapoint a minute ago. */
  async function putLag(t: KafkaDrainTarget, lags: number[], at = minutesAgo(1)): Promise<void> {
    await clients.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: "AWS/Kafka",
        MetricData: t.topics.map((topic, i) => ({
          MetricName: "SumOffsetLag",
          Dimensions: [
            { Name: "Cluster Name", Value: t.clusterName },
            { Name: "Consumer Group", Value: t.consumerGroup },
            { Name: "Topic", Value: topic },
          ],
          Timestamp: at,
          Value: lags[i],
        })),
      }),
    );
  }

  async function putRequests(t: KafkaDrainTarget, count: number, at: Date): Promise<void> {
    await clients.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: "AWS/ApiGateway",
        MetricData: [
          {
            MetricName: "Count",
            Dimensions: [
              { Name: "ApiName", Value: t.apiName },
              { Name: "Stage", Value: t.stageName },
            ],
            Timestamp: at,
            Value: count,
          },
        ],
      }),
    );
  }

  it("finds nothing to drain when no cluster has the stack's name (already paused, or never run)", async () => {
    const t = target();
    // A cluster whose name only starts with the stack's: ListClustersV2 filters by prefix.
    await createCluster({ ...t, clusterName: `${t.clusterName}-other` });
    await putLag(t, [5, 5, 5]);
    expect(await kafkaDrainProblem(t, clients)).to.equal(undefined);
  });

  it("refuses while MSK has published no consumer lag for the sink (the connector may be down)", async () => {
    const t = target();
    await createCluster(t);
    expect(await kafkaDrainProblem(t, clients)).to.equal(
      `MSK reported no SumOffsetLag for the S3 sink's consumer group ${t.consumerGroup} on topic ` +
        `${t.topics[0]} in the last 15 minutes, so nothing shows that the sink wrote every record ` +
        "(is the connector running?)",
    );
  });

  it("refuses while the sink is behind on a topic, naming the group, the topic and the records", async () => {
    const t = target();
    await createCluster(t);
    await putLag(t, [0, 0, 7], minutesAgo(3));
    await putLag(t, [0, 0, 42]);
    expect(await kafkaDrainProblem(t, clients)).to.equal(
      `the S3 sink's consumer group ${t.consumerGroup} is 42 records behind on topic ` +
        `${t.topics[2]}: wait until it is 0, then pause`,
    );
  });

  it("refuses while the batch API took requests in the last minutes, whatever the lag says", async () => {
    const t = target();
    await createCluster(t);
    await putLag(t, [0, 0, 0]);
    await putRequests(t, 3, minutesAgo(2));
    expect(await kafkaDrainProblem(t, clients)).to.equal(
      `the batch API ${t.apiName} (stage ${t.stageName}) took 3 requests in the last ` +
        `${IDLE_MINUTES} minutes: stop every producer of it, then pause`,
    );
  });

  it("lets the pause go once the lag is 0 on every topic and the API has been idle", async () => {
    const t = target();
    await createCluster(t);
    await putRequests(t, 500, minutesAgo(IDLE_MINUTES + 3));
    await putLag(t, [12, 3, 9], minutesAgo(4));
    await putLag(t, [0, 0, 0]);
    expect(await kafkaDrainProblem(t, clients)).to.equal(undefined);
  });

  // What `pulumi up` runs: the provider text the dynamic resource carries, loaded in another
  // process as node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js loads it, with the
  // default credential chain and AWS_ENDPOINT_URL as any AWS SDK v3 client reads it.
  it("as Pulumi runs it, serialized and in a process of its own: fails the create with the refusal, or records the check", async () => {
    const undrained = target();
    await createCluster(undrained);
    await putLag(undrained, [0, 2, 0]);
    const drained = target();
    await createCluster(drained);
    await putLag(drained, [0, 0, 0]);

    const run = (t: KafkaDrainTarget) =>
      callSerializedProvider(kafkaDrainProvider, "create", [t], {
        AWS_ENDPOINT_URL: proxy!.url,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
      });
    expect(await run(undrained)).to.deep.equal({
      error: drainRefusal(
        `the S3 sink's consumer group ${undrained.consumerGroup} is 2 records behind on topic ` +
          `${undrained.topics[1]}: wait until it is 0, then pause`,
      ),
    });
    expect(await run(drained)).to.deep.equal({
      id: `${drained.clusterName}-drained`,
      outs: drained,
    });
  });
});
