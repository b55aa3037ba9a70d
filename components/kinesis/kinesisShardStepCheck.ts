// A new shard count reaches each stream as one UpdateShardCount (uniform scaling;
// terraform-provider-aws internal/service/kinesis/stream.go), which AWS refuses beyond double or
// below half of the stream's open shards (Kinesis API Reference, UpdateShardCount). The program
// cannot see the deployed count, so this check reads it: a Pulumi dynamic resource whose `check`
// runs at every preview (and the preview that starts every `pulumi up`), before anything changes,
// and refuses a count no single update reaches, naming the steps that do.
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-kinesis";
import * as pulumi from "@pulumi/pulumi";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/** The IAM action the check calls as the deployer (stacks/deployer-policy.json grants it). */
export const SHARD_STEP_ACTIONS = ["kinesis:DescribeStreamSummary"] as const;

/** What the check reads: the stack's provisioned streams and the count the config asks for. */
export interface ShardStepTarget {
  readonly region: string;
  readonly streams: readonly string[];
  readonly shardCount: number;
}

/**
 * The counts one UpdateShardCount at a time goes through from `current` to `target`: at most
 * double, at least half (rounded up) of the count before it. `[target]` when one update does.
 */
export function shardSteps(current: number, target: number): number[] {
  const steps: number[] = [];
  for (let at = current; at !== target;) {
    at = target > at ? Math.min(target, at * 2) : Math.max(target, Math.ceil(at / 2));
    steps.push(at);
  }
  return steps;
}

/**
 * Why the config's count cannot be applied in one `pulumi up`, or undefined: the open shards of
 * each stream that exists (a stream not there yet is created with any count) against the target.
 */
export async function shardStepProblem(
  target: ShardStepTarget,
  kinesis: Pick<KinesisClient, "send">,
): Promise<string | undefined> {
  for (const StreamName of target.streams) {
    let open: number | undefined;
    try {
      const { StreamDescriptionSummary: s } = await kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName }),
      );
      // An on-demand stream has no count to step through: switching modes is one update.
      if (s?.StreamModeDetails?.StreamMode === "ON_DEMAND") continue;
      open = s?.OpenShardCount;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) continue;
      throw error;
    }
    if (open === undefined) continue;
    const steps = shardSteps(open, target.shardCount);
    if (steps.length > 1) {
      return (
        `streamPath.shardCount ${target.shardCount}: stream ${StreamName} has ${open} open ` +
        `shards, and one UpdateShardCount goes to at most double and at least half of that ` +
        `(Kinesis API Reference, UpdateShardCount); step through ${steps.join(", then ")}, one ` +
        `pulumi up each (docs/operations.md, "Kinesis shards")`
      );
    }
  }
  return undefined;
}

/** The dynamic provider behind {@link KinesisShardStepCheck} (serialized and run by Pulumi). */
export const shardStepProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Partial<ShardStepTarget>, news: ShardStepTarget) {
    // Only a changed count can be refused; an unchanged one reads nothing.
    if (olds.shardCount === news.shardCount) return { inputs: news };
    // HTTP/1.1, which Kinesis serves as well as the SDK's default HTTP/2, and its emulators only.
    const kinesis = new KinesisClient({
      region: news.region,
      requestHandler: new NodeHttpHandler(),
    });
    try {
      const problem = await shardStepProblem(news, kinesis);
      return {
        inputs: news,
        failures: problem ? [{ property: "shardCount", reason: problem }] : [],
      };
    } finally {
      kinesis.destroy();
    }
  },
  async create(inputs: ShardStepTarget) {
    return { id: inputs.streams.join(","), outs: { ...inputs } };
  },
  async diff(_id: string, olds: ShardStepTarget, news: ShardStepTarget) {
    return { changes: olds.shardCount !== news.shardCount };
  },
  async update(_id: string, _olds: ShardStepTarget, news: ShardStepTarget) {
    return { outs: { ...news } };
  },
};

/**
 * Refuses, at preview, a provisioned shard count that a stream's UpdateShardCount would refuse
 * from its deployed count; `pulumi up` previews first, so a refused count changes nothing.
 */
export class KinesisShardStepCheck extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    target: Omit<ShardStepTarget, "region"> & { readonly region: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(shardStepProvider, name, { ...target, streams: [...target.streams] }, opts);
  }
}
