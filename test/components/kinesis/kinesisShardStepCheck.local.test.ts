// The shard step check (components/kinesis/kinesisShardStepCheck.ts) against kinesalite's
// DescribeStreamSummary: it reads each stream's open shards and refuses a count one
// UpdateShardCount does not reach from there, naming the steps; and it does so as Pulumi runs it,
// serialized and in a process of its own, where its `check` answers a preview's failures. What
// this cannot prove: AWS's own refusal (kinesalite has no UpdateShardCount; the limits are the
// API Reference's, tested in test/components/kinesis/kinesisShardStepCheck.test.ts).
import { expect } from "chai";
import * as crypto from "crypto";
import {
  shardStepProblem,
  shardStepProvider,
  ShardStepTarget,
} from "../../../components/kinesis/kinesisShardStepCheck";
import { callSerializedProvider } from "../../harness/dynamicProvider";
import { LocalKinesis, startKinesis } from "../../harness/kinesis";

describe("Kinesis shard step check against kinesalite (DescribeStreamSummary)", function () {
  this.timeout(60_000);
  let kinesis: LocalKinesis;
  const suffix = crypto.randomBytes(3).toString("hex");
  const streams = ["pin", "geo", "user"].map((kind) => `streaming-step-${suffix}-${kind}`);
  const at = (shardCount: number): ShardStepTarget => ({
    region: "eu-west-1",
    streams,
    shardCount,
  });

  before(async () => {
    kinesis = await startKinesis();
    await kinesis.createStreams(streams, 2);
  });

  after(async () => {
    await kinesis?.close();
  });

  it("passes a count one update reaches from the open shards", async () => {
    for (const count of [1, 2, 3, 4]) {
      expect(await shardStepProblem(at(count), kinesis.client), String(count)).to.equal(undefined);
    }
  });

  it("refuses more than double or less than half, naming the stream and the steps", async () => {
    expect(await shardStepProblem(at(10), kinesis.client)).to.equal(
      `streamPath.shardCount 10: stream ${streams[0]} has 2 open shards, and one UpdateShardCount ` +
        "goes to at most double and at least half of that (Kinesis API Reference, " +
        "UpdateShardCount); step through 4, then 8, then 10, one pulumi up each " +
        '(docs/operations.md, "Kinesis shards")',
    );
  });

  it("passes any count for streams that do not exist yet (a first deploy creates them)", async () => {
    const fresh = { ...at(40), streams: [`streaming-step-${suffix}-none`] };
    expect(await shardStepProblem(fresh, kinesis.client)).to.equal(undefined);
  });

  it("as Pulumi runs it: the preview's check fails on a changed count out of reach, and reads nothing for an unchanged one", async () => {
    const env = {
      AWS_ENDPOINT_URL: kinesis.endpoint,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    };
    const refused = await callSerializedProvider(shardStepProvider, "check", [at(2), at(5)], env);
    expect(refused).to.deep.equal({
      inputs: at(5),
      failures: [
        {
          property: "shardCount",
          reason: (await shardStepProblem(at(5), kinesis.client))!,
        },
      ],
    });
    expect((refused as { failures: { reason: string }[] }).failures[0].reason).to.include(
      "step through 4, then 5",
    );
    const passed = await callSerializedProvider(shardStepProvider, "check", [at(2), at(4)], env);
    expect(passed).to.deep.equal({ inputs: at(4), failures: [] });
    // Unchanged: no call at all (an endpoint that does not answer would fail one).
    const quiet = await callSerializedProvider(shardStepProvider, "check", [at(9), at(9)], {
      ...env,
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
    });
    expect(quiet).to.deep.equal({ inputs: at(9) });
  });
});
