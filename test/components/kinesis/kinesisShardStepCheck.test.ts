// The steps a shard count change takes, one UpdateShardCount each: "You can't ... scale up to more
// than double your current shard count for a stream" and "scale down below half your current shard
// count" (Kinesis API Reference, UpdateShardCount). The check that reads the deployed count is
// tested against kinesalite (test/components/kinesis/kinesisShardStepCheck.local.test.ts); the stacks carry it
// here.
import { expect } from "chai";
import { shardSteps } from "../../../components/kinesis/kinesisShardStepCheck";
import { harness } from "../../../tools/pulumi-mock/mockEngine";
import { readStackConfig, runStack } from "../../../tools/pulumi-mock/mockRun";

describe("Kinesis shard steps", () => {
  it("is one update within double and half of the count before it", () => {
    expect(shardSteps(2, 4)).to.deep.equal([4]);
    expect(shardSteps(4, 2)).to.deep.equal([2]);
    expect(shardSteps(5, 3)).to.deep.equal([3]);
    expect(shardSteps(3, 3)).to.deep.equal([]);
  });

  it("steps past the limits by doubling up or halving down (rounded up), never overshooting", () => {
    expect(shardSteps(1, 4)).to.deep.equal([2, 4]);
    expect(shardSteps(1, 5)).to.deep.equal([2, 4, 5]);
    expect(shardSteps(8, 2)).to.deep.equal([4, 2]);
    expect(shardSteps(5, 2)).to.deep.equal([3, 2]);
    expect(shardSteps(1, 500)).to.have.length(9);
  });

  it("every step it names is one AWS takes", () => {
    for (const [from, to] of [
      [1, 500],
      [500, 1],
      [7, 100],
      [99, 3],
    ]) {
      let at = from;
      for (const next of shardSteps(from, to)) {
        expect(next, `${at} -> ${next}`).to.be.at.most(at * 2);
        expect(next, `${at} -> ${next}`).to.be.at.least(at / 2);
        at = next;
      }
      expect(at).to.equal(to);
    }
  });
});

describe("the stacks' shard step check", function () {
  this.timeout(120_000);

  it("prod checks its three provisioned streams at the config's count", async () => {
    const h = harness();
    await runStack(h, "prod");
    const { __provider, ...target } = h.byName(
      "stream-shard-step",
      "pulumi-nodejs:dynamic:Resource",
    ).inputs;
    expect(__provider).to.be.a("string").and.include("UpdateShardCount");
    expect(target).to.deep.equal({
      region: "eu-west-1",
      streams: h.ofType("aws:kinesis/stream:Stream").map((s) => s.inputs.name),
      shardCount: h.byName("stream-pin", "aws:kinesis/stream:Stream").inputs.shardCount,
    });
  });

  it("an on-demand stack has no count to check", async () => {
    const h = harness();
    const sp = readStackConfig("dev")["pinterest-pipeline:streamPath"] as object;
    await runStack(h, "dev", {
      "pinterest-pipeline:streamPath": { ...sp, capacityMode: "ON_DEMAND", shardCount: undefined },
    });
    expect(h.ofType("pulumi-nodejs:dynamic:Resource")).to.have.length(0);
  });
});
