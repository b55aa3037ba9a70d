// Prices a stack: runs its program in-process under the mock engine (no cloud, no credentials) with
// Pulumi.<stack>.yaml and the given config overrides, and prices the recorded graph (./report.ts).
// The cost command, its docs writer (./docs.ts) and the planner (tools/plan/cli.ts) share it.
import { harness } from "../pulumi-mock/mockEngine";
import { runStack, withStandInPlugin } from "../pulumi-mock/mockRun";
import { costOf, StackCost } from "./report";

const NS = "pinterest-pipeline";

/** Runs the stack's program and prices it. */
export async function stackCost(
  stack: string,
  paused: boolean,
  overrides: Record<string, unknown> = {},
): Promise<StackCost> {
  const h = harness();
  const all: Record<string, unknown> = paused
    ? { ...overrides, [`${NS}:paused`]: true }
    : overrides;
  const kafka = all[`${NS}:kafka`];
  // The connector zip is a build input `pulumi up` uploads; pricing needs only a stand-in.
  if (kafka) all[`${NS}:kafka`] = withStandInPlugin(kafka);
  const { outputs } = await runStack(h, stack, all);
  return costOf(h, stack, outputs.region, outputs.paused === true);
}
