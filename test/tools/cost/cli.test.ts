// The cost command (tools/cost/cli.ts) on the committed stacks: every resource type the dev and
// prod graphs contain has a billing rule, a type or size without a price fails by name, the rows and
// totals are exactly these, and docs/costs.md is the command's current output. What mocks cannot
// prove: that the prices are today's (they are dated list prices, tools/cost/prices.ts) or what
// the usage-driven parts come to.
import { expect } from "chai";
import * as fs from "fs";
import { UsageError } from "../../../cli/args";
import { parseSettings } from "../../../tools/cost/cli";
import { COSTS_DOC, README, regeneratedDoc, regeneratedReadme } from "../../../tools/cost/docs";
import { stackCost } from "../../../tools/cost/stackCost";
import { harness, RecordedResource } from "../../../tools/pulumi-mock/mockEngine";
import { readStackConfig, runStack } from "../../../tools/pulumi-mock/mockRun";
import { renderCost, resourceRow } from "../../../tools/cost/report";
import { BILLING_RULES, MissingPriceError, ruleFor } from "../../../tools/cost/rules";

/** The stream path's rows, by name: per stream its shards and three alarms, two API alarms. */
function streamPathRows(shards: string, monthly: string): string[] {
  const alarm = (name: string) =>
    `| KinesisStreamPath "stream" | ${name} | aws.cloudwatch.MetricAlarm | standard alarm × $0.1/month | 0.10 |`;
  return [
    alarm("stream-api-4xx"),
    alarm("stream-api-5xx"),
    ...["geo", "pin", "user"].flatMap((kind) => [
      `| KinesisStreamPath "stream" | stream-${kind} | aws.kinesis.Stream | ${shards} | ${monthly} |`,
      ...["iterator-age", "read-throttled", "write-throttled"].map((a) =>
        alarm(`stream-${kind}-${a}`),
      ),
    ]),
  ];
}

const DEV_ROWS = [
  '| KafkaBatchPath "batch" | batch-api-nlb | aws.lb.LoadBalancer | Network Load Balancer × $0.0252/h | 18.40 |',
  '| KafkaBatchPath "batch" | batch-api-proxy-unhealthy | aws.cloudwatch.MetricAlarm | standard alarm × $0.1/month | 0.10 |',
  '| KafkaBatchPath "batch" | batch-client-group | aws.autoscaling.Group | t3.small instance × $0.0228/h + 20 GB gp3 root volume × $0.088/GB-month | 18.40 |',
  '| KafkaBatchPath "batch" | batch-msk-cluster | aws.msk.Cluster | 2 × kafka.t3.small broker × $0.0502/h + 2 × 20 GB broker storage × $0.11/GB-month | 77.69 |',
  ...streamPathRows("shard × $0.017/h", "12.41"),
  '| SourceDatabase "source" | source-mysql | aws.rds.Instance | db.t4g.micro Single-AZ × $0.018/h + 1 × 20 GB gp3 × $0.127/GB-month + its managed master-password secret × $0.4/month | 16.08 |',
  // The NAT instance registers once its AMI is read (an invoke), after the rest.
  '| Network "network" | network-nat-instance | aws.ec2.Instance | t4g.nano instance × $0.0046/h + 8 GB gp3 root volume × $0.088/GB-month + public IPv4 address × $0.005/h | 7.71 |',
  '| Network "network" | network-nat-recover | aws.cloudwatch.MetricAlarm | standard alarm × $0.1/month | 0.10 |',
];

const PROD_ROWS = [
  '| KafkaBatchPath "batch" | batch-api-nlb | aws.lb.LoadBalancer | Network Load Balancer × $0.0252/h | 18.40 |',
  '| KafkaBatchPath "batch" | batch-api-proxy-unhealthy | aws.cloudwatch.MetricAlarm | standard alarm × $0.1/month | 0.10 |',
  '| KafkaBatchPath "batch" | batch-client-group | aws.autoscaling.Group | 2 × c5.large instance × $0.096/h + 2 × 20 GB gp3 root volume × $0.088/GB-month | 143.68 |',
  '| KafkaBatchPath "batch" | batch-msk-cluster | aws.msk.Cluster | 2 × kafka.m7g.large broker × $0.227/h + 2 × 550 GB broker storage × $0.11/GB-month | 452.42 |',
  '| KafkaBatchPath "batch" | batch-sink-connector | aws.mskconnect.Connector | 2 worker(s) × 1 MCU × $0.122/h | 178.12 |',
  ...streamPathRows("2 × shard × $0.017/h + 2 × shard with 168 h retention × $0.023/h", "58.40"),
  '| SourceDatabase "source" | source-mysql | aws.rds.Instance | 2 × db.t4g.small Multi-AZ (primary + standby) × $0.036/h + 2 × 50 GB gp3 × $0.127/GB-month + its managed master-password secret × $0.4/month | 65.66 |',
  '| Network "network" | network-nat-0 | aws.ec2.Eip | public IPv4 address × $0.005/h | 3.65 |',
  '| Network "network" | network-nat-0 | aws.ec2.NatGateway | NAT gateway × $0.048/h | 35.04 |',
];

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: Error) => error,
  );
}

describe("cost command", function () {
  this.timeout(120_000);

  it("has a billing rule for every resource type of the dev and prod graphs (paused, MWAA, mount route, dashboard)", async () => {
    const prodDbx = readStackConfig("prod")["pinterest-pipeline:databricks"] as object;
    const devDbx = readStackConfig("dev")["pinterest-pipeline:databricks"] as object;
    const variants: [string, Record<string, unknown>][] = [
      ["dev", {}],
      ["prod", {}],
      ["dev", { "pinterest-pipeline:paused": true }],
      ["dev", { "pinterest-pipeline:databricks": { ...devDbx, dashboard: true } }],
      [
        "dev",
        {
          "pinterest-pipeline:databricks": {
            ...devDbx,
            storageRoute: "mount",
            crossAccountRoleName: "databricks-cross-account",
          },
        },
      ],
      ["prod", { "pinterest-pipeline:paused": true }],
      [
        "prod",
        {
          "pinterest-pipeline:mwaa": { enabled: true },
          "pinterest-pipeline:databricks": { ...prodDbx, batchSchedulePaused: true },
        },
      ],
    ];
    const types = new Set<string>();
    for (const [stack, overrides] of variants) {
      const h = harness();
      await runStack(h, stack, overrides);
      for (const r of h.resources) {
        expect(() => ruleFor(r), r.type).not.to.throw();
        if (r.custom && !r.type.startsWith("pulumi:providers:")) types.add(r.type);
      }
    }
    // And the table lists nothing the stacks no longer make.
    expect(Object.keys(BILLING_RULES).filter((t) => !types.has(t))).to.deep.equal([]);
  });

  it("fails on a resource type it does not know, naming it", () => {
    const unknown = { type: "aws:kms/key:Key", name: "data-key", custom: true } as RecordedResource;
    expect(() => ruleFor(unknown)).to.throw(
      MissingPriceError,
      'resource type aws:kms/key:Key ("data-key") is not in tools/cost/rules.ts',
    );
  });

  it("fails on an hourly resource whose size has no price, naming the resource and the size", async () => {
    const overrides = parseSettings("dev", ["kafka.clientInstanceType=m5.large"]);
    const error = await rejection(stackCost("dev", false, overrides));
    expect(error).to.be.instanceOf(MissingPriceError);
    expect(error.message).to.equal(
      'aws:autoscaling/group:Group "batch-client-group" bills by the hour, but tools/cost/prices.ts ' +
        'has no price for "m5.large" (priced: t4g.nano, t3.micro, t3.small, t3.medium, c5.large, c5.xlarge, c5.2xlarge, c5.4xlarge, c5.9xlarge, c5.12xlarge, c5.18xlarge, c5.24xlarge): add it with its pricing page.',
    );
  });

  it("fails on a continuous Databricks job left running (billed around the clock, unpriced)", async () => {
    const dbx = readStackConfig("dev")["pinterest-pipeline:databricks"] as object;
    // A continuous job has no interval: the config refuses one beside it.
    const continuous: Record<string, unknown> = {
      ...dbx,
      streamingMode: "continuous",
      streamingPaused: false,
    };
    delete continuous.streamingIntervalMinutes;
    const error = await rejection(
      stackCost("dev", false, {
        "pinterest-pipeline:databricks": continuous,
        "pinterest-pipeline:alerts": { emails: ["data-alerts@example.com"] },
      }),
    );
    expect(error.message).to.match(
      /^databricks:index\/job:Job "databricks-streaming-job" is a continuous job/,
    );
  });

  // The default streaming job is a scheduled drain-and-stop run: billed by its runs, like the
  // batch job, so running it adds no hourly row and nothing to the total.
  it("prices a running scheduled streaming job by its runs, adding nothing per hour", async () => {
    const dbx = readStackConfig("dev")["pinterest-pipeline:databricks"] as object;
    const running = await stackCost("dev", false, {
      "pinterest-pipeline:databricks": { ...dbx, streamingPaused: false },
      "pinterest-pipeline:alerts": { emails: ["data-alerts@example.com"] },
    });
    expect(running.resources.map(resourceRow)).to.deep.equal(DEV_ROWS);
    expect(running.total).to.equal((await stackCost("dev", false)).total);
  });

  it("refuses a --set that is not section.key=value, or one key given twice", () => {
    expect(() => parseSettings("dev", ["kafka"])).to.throw(
      UsageError,
      /--set "kafka" is not section.key=value/,
    );
    expect(() => parseSettings("dev", ["paused=true", "paused=false"])).to.throw(
      UsageError,
      "--set pinterest-pipeline:paused is given twice: give it once.",
    );
  });

  it("--set takes a key at any depth and another namespace, keeping the rest of the section", () => {
    const dev = readStackConfig("dev");
    const dbx = dev["pinterest-pipeline:databricks"] as { unityCatalog: object };
    const overrides = parseSettings("dev", [
      "databricks.unityCatalog.catalog=other",
      "aws:region=us-east-1",
      "kafka.brokerCount=4",
    ]);
    expect(overrides["aws:region"]).to.equal("us-east-1");
    expect(overrides["pinterest-pipeline:databricks"]).to.deep.equal({
      ...dbx,
      unityCatalog: { ...dbx.unityCatalog, catalog: "other" },
    });
    expect(overrides["pinterest-pipeline:kafka"]).to.deep.equal({
      ...(dev["pinterest-pipeline:kafka"] as object),
      brokerCount: 4,
    });
  });

  it("prices every billed resource of dev and prod, one row each", async () => {
    expect((await stackCost("dev", false)).resources.map(resourceRow)).to.deep.equal(DEV_ROWS);
    expect((await stackCost("prod", false)).resources.map(resourceRow)).to.deep.equal(PROD_ROWS);
  });

  it("ends with the total of the hourly and monthly parts; paused dev costs the database alone", async () => {
    const last = (text: string) => text.split("\n").pop();
    expect(last(renderCost(await stackCost("dev", false)))).to.equal(
      "total dev: $176.81 per month",
    );
    const paused = await stackCost("dev", true);
    expect(paused.resources.map((r) => r.name)).to.deep.equal(["source-mysql"]);
    expect(last(renderCost(paused))).to.equal("total dev: $16.08 per month");
  });

  it("a cheaper setting shows its saving before pulumi up", async () => {
    const onMskConnect = parseSettings("dev", ["kafka.sinkRunner=mskconnect"]);
    const base = await stackCost("dev", false, onMskConnect);
    const micro = await stackCost(
      "dev",
      false,
      parseSettings("dev", ["kafka.sinkRunner=mskconnect", "kafka.clientInstanceType=t3.micro"]),
    );
    expect((base.total - micro.total).toFixed(2)).to.equal("8.32");
  });

  // A fixed-size group runs desiredCapacity machines of its launch template (each one hour per
  // hour, each with its root volume): three t3.small of 20 GB cost three times one.
  it("prices the REST proxy group as its count of machines", async () => {
    const one = await stackCost("dev", false);
    const three = await stackCost(
      "dev",
      false,
      parseSettings("dev", ["kafka.clientInstanceCount=3"]),
    );
    const row = (c: typeof one) => c.resources.find((r) => r.name === "batch-client-group")!;
    expect(row(one).monthly.toFixed(2)).to.equal("18.40");
    expect(row(three).monthly.toFixed(2)).to.equal((3 * row(one).monthly).toFixed(2));
    expect((three.total - one.total).toFixed(2)).to.equal((2 * row(one).monthly).toFixed(2));
  });

  // docs/costs.md's goal: dev's sink on the client machine instead of MSK Connect's one MCU.
  it("running the sink on the client machine saves dev its MSK Connect worker", async () => {
    const onClient = await stackCost("dev", false);
    const onMskConnect = await stackCost(
      "dev",
      false,
      parseSettings("dev", ["kafka.sinkRunner=mskconnect"]),
    );
    expect((onMskConnect.total - onClient.total).toFixed(2)).to.equal("89.06");
    expect(onMskConnect.total.toFixed(2)).to.equal("265.87");
  });

  it("docs/costs.md and the README's cost table are the command's current output (npm run cost:docs)", async () => {
    const doc = fs.readFileSync(COSTS_DOC, "utf8");
    expect(doc, "docs/costs.md is stale: run npm run cost:docs").to.equal(
      await regeneratedDoc(doc),
    );
    const readme = fs.readFileSync(README, "utf8");
    expect(readme, "README's cost table is stale: run npm run cost:docs").to.equal(
      await regeneratedReadme(readme),
    );
  });
});
