// Runs the policy pack's policies (policy/policies.ts) over what the mock engine recorded, the way
// the Pulumi CLI's analyzer would at `pulumi preview --policy-pack policy`: each resource's
// inputs under the same property names, its resource options, its parent and the resources each
// input depends on. What this cannot prove: that the CLI loads the pack (no CLI here), and a
// preview's unknown values (the mocks resolve every input), which the analyzer reports as advisory.
import { PackPolicy, PolicyResource, policies as packPolicies } from "../../policy/policies";
import type { RecordedResource } from "../../tools/pulumi-mock/mockEngine";

/** One reported violation: the policy, the resource's logical name and the message. */
export interface Violation {
  readonly policy: string;
  readonly resource: string;
  readonly message: string;
}

/** The resources as the analyzer hands them to a policy. */
export function asPolicyResources(recorded: readonly RecordedResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const out = recorded.map((r) => {
    const resource = {
      parent: undefined as PolicyResource | undefined,
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: r.inputs,
      opts: {
        protect: r.protect,
        ignoreChanges: r.ignoreChanges,
        deleteBeforeReplace: r.deleteBeforeReplace,
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: r.additionalSecretOutputs,
        parent: r.parentUrn,
      },
      dependencies: [] as PolicyResource[],
      propertyDependencies: {} as Record<string, PolicyResource[]>,
      isType: () => false,
      asType: () => undefined,
    };
    byUrn.set(r.urn, resource);
    return resource;
  });
  recorded.forEach((r, i) => {
    const known = (urns: string[]) => urns.flatMap((u) => byUrn.get(u) ?? []);
    out[i].parent = byUrn.get(r.parentUrn);
    out[i].dependencies = known(r.dependsOn);
    out[i].propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies).map(([key, urns]) => [key, known(urns)]),
    );
  });
  return out;
}

/** Every violation the policies report over these resources (all of the pack's by default). */
export async function violations(
  recorded: readonly RecordedResource[],
  policies: readonly PackPolicy[] = packPolicies,
): Promise<Violation[]> {
  const resources = asPolicyResources(recorded);
  const found: Violation[] = [];
  const nameOf = (urn?: string) => resources.find((r) => r.urn === urn)?.name ?? "(stack)";
  const fail = () => {
    throw new Error("not applicable");
  };
  for (const policy of policies) {
    if ("validateStack" in policy) {
      const args = { resources, stackTags: new Map(), getConfig: () => ({}), notApplicable: fail };
      await policy.validateStack(args as never, (message, urn) =>
        found.push({ policy: policy.name, resource: nameOf(urn), message }),
      );
      continue;
    }
    const checks = [policy.validateResource ?? []].flat();
    for (const r of resources) {
      const args = { ...r, stackTags: new Map(), getConfig: () => ({}), notApplicable: fail };
      for (const check of checks) {
        await check(args as never, (message) =>
          found.push({ policy: policy.name, resource: r.name, message }),
        );
      }
    }
  }
  return found;
}

/** Mandatory violations only (advisory ones do not stop an update). */
export async function mandatoryViolations(
  recorded: readonly RecordedResource[],
): Promise<Violation[]> {
  const mandatory = new Set(
    packPolicies.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.name),
  );
  return (await violations(recorded)).filter((v) => mandatory.has(v.policy));
}
