// The cost of a stack from the graph its program registers: one row per resource that bills for
// existing, subtotals per top-level component, the usage-driven charges as formulas, and the total
// of the hourly and monthly parts (no usage). Rendered as Markdown: the same text is printed by
// `npm run cost` and kept in docs/costs.md.
import type { PulumiHarness, RecordedResource } from "../pulumi-mock/mockEngine";
import { HOURS_PER_MONTH, Price, PRICES_AS_OF, REGION_PRICES } from "./prices";
import { CostLine, MissingPriceError, ruleFor, UsageCharge } from "./rules";

export interface ResourceCost {
  /** The top-level component it belongs to, e.g. `KafkaBatchPath "batch"`; `(stack)` if none. */
  readonly component: string;
  readonly name: string;
  readonly type: string;
  readonly lines: CostLine[];
  readonly monthly: number;
}

export interface UsageRow {
  readonly charge: UsageCharge;
  readonly resources: string[];
}

export interface StackCost {
  readonly stack: string;
  readonly region: string;
  readonly paused: boolean;
  readonly resources: ResourceCost[];
  readonly components: { readonly component: string; readonly monthly: number }[];
  readonly usage: UsageRow[];
  readonly freeCount: number;
  readonly total: number;
}

/** `aws:ec2/natGateway:NatGateway` → `aws.ec2.NatGateway`; Databricks' `index` module dropped. */
export function shortType(type: string): string {
  const [pkg, mod, name] = type.split(":");
  const module = mod.split("/")[0];
  return module === "index" ? `${pkg}.${name}` : `${pkg}.${module}.${name}`;
}

/** The outermost component above `r`, or undefined for a resource of the stack itself. */
function topComponent(
  r: RecordedResource,
  byUrn: Map<string, RecordedResource>,
): RecordedResource | undefined {
  let top: RecordedResource | undefined;
  for (let at = byUrn.get(r.parentUrn); at; at = byUrn.get(at.parentUrn)) {
    if (!at.custom) top = at;
  }
  return top;
}

const label = (c: RecordedResource | undefined) =>
  c ? `${c.type.split(":").pop()} "${c.name}"` : "(stack)";

/** Prices the graph a stack program registered under the mock engine. */
export function costOf(
  h: PulumiHarness,
  stack: string,
  region: string,
  paused: boolean,
): StackCost {
  const prices = REGION_PRICES[region];
  if (!prices) {
    throw new MissingPriceError(
      `stack ${stack} is in ${region}, and tools/cost/prices.ts has prices for ` +
        `${Object.keys(REGION_PRICES).join(", ")} only: add the region's prices with their pages.`,
    );
  }
  const byUrn = new Map(h.resources.map((r) => [r.urn, r]));
  const resources: ResourceCost[] = [];
  const usage = new Map<string, UsageRow>();
  let freeCount = 0;
  for (const r of h.resources) {
    if (!r.custom) continue;
    const rule = ruleFor(r);
    if (rule.billing === "free") {
      if (!r.type.startsWith("pulumi:providers:")) freeCount++;
      continue;
    }
    const charges = rule.usage?.(prices, r) ?? [];
    for (const charge of charges) {
      const key = `${charge.what}|${charge.price.unit}`;
      const row = usage.get(key) ?? { charge, resources: [] };
      row.resources.push(r.name);
      usage.set(key, row);
    }
    const lines = rule.billing === "hourly" ? rule.lines(r, prices, (urn) => byUrn.get(urn)) : [];
    if (lines.length === 0) continue;
    resources.push({
      component: label(topComponent(r, byUrn)),
      name: r.name,
      type: r.type,
      lines,
      monthly: lines.reduce((sum, l) => sum + l.monthly, 0),
    });
  }
  const components: { component: string; monthly: number }[] = [];
  for (const rc of resources) {
    const found = components.find((c) => c.component === rc.component);
    if (found) found.monthly += rc.monthly;
    else components.push({ component: rc.component, monthly: rc.monthly });
  }
  // The engine registers resources in no fixed order: the dearest component first, then by name.
  components.sort((a, b) => b.monthly - a.monthly || a.component.localeCompare(b.component));
  const rank = (rc: ResourceCost) => components.findIndex((c) => c.component === rc.component);
  resources.sort(
    (a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.type.localeCompare(b.type),
  );
  const total = resources.reduce((sum, rc) => sum + rc.monthly, 0);
  return {
    stack,
    region,
    paused,
    resources,
    components,
    usage: [...usage.values()].sort((a, b) => a.charge.what.localeCompare(b.charge.what)),
    freeCount,
    total,
  };
}

const dollars = (usd: number) => usd.toFixed(2);

/** The row of one resource, as printed (the stack tests compare these). */
export function resourceRow(rc: ResourceCost): string {
  const detail = rc.lines.map((l) => l.detail).join(" + ");
  return `| ${rc.component} | ${rc.name} | ${shortType(rc.type)} | ${detail} | ${dollars(rc.monthly)} |`;
}

function priceRows(cost: StackCost): string[] {
  const used = new Map<string, Price>();
  for (const rc of cost.resources)
    for (const l of rc.lines) for (const p of l.prices) used.set(p.unit, p);
  for (const u of cost.usage) used.set(u.charge.price.unit, u.charge.price);
  return [...used.values()]
    .sort((a, b) => a.source.localeCompare(b.source) || a.unit.localeCompare(b.unit))
    .map((p) => `| $${p.usd} | ${p.unit} | ${p.source} |`);
}

/** The whole table of one stack, ending with `total <stack>: $N per month`. */
export function renderCost(cost: StackCost): string {
  const state = cost.paused ? "paused" : "running";
  const out = [
    `### ${cost.stack}, ${state} (${cost.region})`,
    "",
    `On-demand list prices of ${PRICES_AS_OF} (tools/cost/prices.ts), ${HOURS_PER_MONTH} hours a month.`,
    "",
    "| component | resource | type | billed for existing | $/month |",
    "|---|---|---|---|---:|",
    ...cost.resources.map(resourceRow),
    "",
    "| component | $/month |",
    "|---|---:|",
    ...cost.components.map((c) => `| ${c.component} | ${dollars(c.monthly)} |`),
    "",
    "Usage-driven, not in the total (what passes through or is stored):",
    "",
    ...cost.usage.map(
      (u) =>
        `- ${u.charge.what}: $${u.charge.price.usd} per ${u.charge.price.unit} ` +
        `(${u.resources.length === 1 ? u.resources[0] : `${u.resources.length} resources`})`,
    ),
    "",
    `${cost.freeCount} more resources cost nothing of their own (network plumbing, IAM, API ` +
      "routes, bucket settings, Databricks notebooks, files and schema).",
    "",
    "| price | unit | source |",
    "|---:|---|---|",
    ...priceRows(cost),
    "",
    `total ${cost.stack}: $${dollars(cost.total)} per month`,
  ];
  return out.join("\n");
}
