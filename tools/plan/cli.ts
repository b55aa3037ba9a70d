// `npm run plan -- --events-per-second N --base <stack> --out <file>`: sizes a stack for N events
// per second from Pulumi.<base>.yaml (./capacity.ts), writes the sized stack file, checks that the
// program accepts it, prices it with the cost command, and prints each part's use of capacity,
// the first bottleneck, the monthly cost and the cost per billion events. `--write-docs` rewrites
// the side-by-side table of docs/scaling.md (1k, 10k, 100k and 1M events/s from prod).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { exitWith, Failure, runCommand, stackName, UsageError, wholeNumber } from "../../cli/args";
import { ConfigSecret, isSecureValue } from "../../stacks/configReader";
import { parseStackConfig, StackConfig } from "../../stacks/config";
import { stackCost } from "../cost/stackCost";
import { REPO_ROOT } from "../pulumi-mock/mockRun";
import { HOURS_PER_MONTH, PRICES_AS_OF, REGION_PRICES, RegionPrices } from "../cost/prices";
import { BeyondDesign, CAPACITY_INPUTS, Plan, planCapacity } from "./capacity";

const NS = "pinterest-pipeline";
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
export const SCALING_DOC = path.join(REPO_ROOT, "docs", "scaling.md");
/** The rates docs/scaling.md compares, from the prod stack. */
export const DOC_RATES = [1_000, 10_000, 100_000, 1_000_000];

/** The base stack's file: its text and its `config:` map. */
function baseStack(stack: string): { text: string; config: Record<string, unknown> } {
  const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new UsageError(`--base ${stack}: there is no Pulumi.${stack}.yaml in the repository.`);
  }
  const text = fs.readFileSync(file, "utf8");
  return { text, config: (YAML.parse(text)?.config ?? {}) as Record<string, unknown> };
}

/** A `config:` map as the stack program reads it (its own namespace, secrets as secrets). */
function parsed(config: Record<string, unknown>): StackConfig {
  const raw = Object.fromEntries(
    Object.entries(config)
      .filter(([key]) => key.startsWith(`${NS}:`))
      .map(([key, value]) => [
        key.slice(NS.length + 1),
        isSecureValue(value) ? new ConfigSecret() : value,
      ]),
  );
  return parseStackConfig(raw, { region: config["aws:region"] as string | undefined });
}

/** What one plan gives: the sized file, the capacity, and the cost command's figures. */
export interface PlannedStack {
  readonly plan: Plan;
  readonly text: string;
  /** The cost command's total: every part billed for existing, usage left out. */
  readonly monthly: number;
  /** API requests and Kinesis PUT payload units at the planned rate, from the same price table. */
  readonly usageMonthly: number;
}

/** Sizes `base` for `eventsPerSecond`; a BeyondDesign when the design cannot carry it. */
export async function planStack(eventsPerSecond: number, base: string): Promise<PlannedStack> {
  const { text, config } = baseStack(base);
  const region = String(config["aws:region"] ?? "");
  const prices = REGION_PRICES[region];
  if (!prices)
    throw new Failure(`Pulumi.${base}.yaml is in region "${region}", which has no prices.`);
  const plan = planCapacity(eventsPerSecond, parsed(config), prices);
  // A base sized before keeps one header: this plan's.
  const doc = YAML.parseDocument(text.replace(/^# Sized by npm run plan[^\n]*\n+/, ""));
  for (const [section, values] of Object.entries(plan.settings)) {
    for (const [key, value] of Object.entries(values))
      doc.setIn(["config", `${NS}:${section}`, key], value);
  }
  const kept = doc.commentBefore ?? "";
  doc.commentBefore =
    ` Sized by npm run plan -- --events-per-second ${eventsPerSecond} --base ${base} ` +
    `(docs/scaling.md); the rest is Pulumi.${base}.yaml's.` +
    (kept ? `\n${kept}` : "");
  const sized = doc.toJS().config as Record<string, unknown>;
  parsed(sized); // the program must accept it, as `pulumi up` would read it
  const overrides = Object.fromEntries(
    Object.keys(plan.settings).map((section) => [`${NS}:${section}`, sized[`${NS}:${section}`]]),
  );
  const cost = await stackCost(base, false, overrides);
  return {
    plan,
    text: doc.toString(),
    monthly: cost.total,
    usageMonthly: usage(plan, parsed(config), prices),
  };
}

/** The usage-driven charges the rate determines: API requests and Kinesis PUT payload units. */
function usage(plan: Plan, base: StackConfig, prices: RegionPrices): number {
  const records = plan.eventsPerSecond * CAPACITY_INPUTS.recordsPerEvent.value;
  const paths = (base.kafka.enabled ? 1 : 0) + (base.streamPath.enabled ? 1 : 0);
  const requests = (paths * records * SECONDS_PER_MONTH) / CAPACITY_INPUTS.recordsPerRequest.value;
  const puts = base.streamPath.enabled ? records * SECONDS_PER_MONTH : 0;
  return (
    (requests / 1e6) * prices.apiGatewayRestMillion.usd +
    (puts / 1e6) * prices.kinesisPutPayloadUnitsMillion.usd
  );
}

const usd = (n: number) =>
  `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const perBillion = (monthly: number, eventsPerSecond: number) =>
  (monthly / (eventsPerSecond * SECONDS_PER_MONTH)) * 1e9;

/** The plan as the command prints it. */
export function renderPlan(p: PlannedStack): string {
  const n = p.plan.eventsPerSecond;
  const rows = p.plan.uses.map(
    (u) => `| ${u.component} | ${u.capacity} | ${(u.use * 100).toFixed(0)} % |`,
  );
  const first = p.plan.uses[0];
  const total = p.monthly + p.usageMonthly;
  return [
    `### ${n.toLocaleString("en-US")} events/s`,
    "",
    "| part | capacity planned | use at this rate |",
    "|---|---|---:|",
    ...rows,
    "",
    `first bottleneck: ${first.component}, at ${(first.use * 100).toFixed(0)} % of ${first.capacity}`,
    `monthly, the cost command's total (billed for existing): ${usd(p.monthly)}, ${usd(perBillion(p.monthly, n))} per billion events`,
    `with API requests and Kinesis PUT payload units at this rate (prices of ${PRICES_AS_OF}): ${usd(total)}, ${usd(perBillion(total, n))} per billion events`,
  ].join("\n");
}

/** Where each input of the model comes from, as the command prints it. */
export function renderInputs(): string {
  return [
    "| input | value | kind | source |",
    "|---|---:|---|---|",
    ...Object.values(CAPACITY_INPUTS).map(
      (i) => `| ${i.unit} | ${i.value.toLocaleString("en-US")} | ${i.kind} | ${i.source} |`,
    ),
  ].join("\n");
}

const BEGIN = "<!-- generated: npm run plan -- --write-docs -->";
const END = "<!-- end generated -->";

/** docs/scaling.md's table: the plans for DOC_RATES from prod, side by side, dated. */
export async function scalingTable(commit: string, date: string): Promise<string> {
  const plans: (PlannedStack | BeyondDesign)[] = [];
  for (const rate of DOC_RATES) {
    try {
      plans.push(await planStack(rate, "prod"));
    } catch (error) {
      if (!(error instanceof BeyondDesign)) throw error;
      plans.push(error);
    }
  }
  const header = DOC_RATES.map((r) => `${r.toLocaleString("en-US")}/s`);
  const keys = [
    ...new Set(
      plans.flatMap((p) =>
        p instanceof BeyondDesign
          ? []
          : Object.entries(p.plan.settings).flatMap(([s, v]) =>
              Object.keys(v).map((k) => `${s}.${k}`),
            ),
      ),
    ),
  ].sort();
  const cell = (p: PlannedStack | BeyondDesign, f: (p: PlannedStack) => string) =>
    p instanceof BeyondDesign ? "refused" : f(p);
  const setting = (p: PlannedStack, key: string) => {
    const [section, k] = key.split(".");
    const value = (p.plan.settings as Record<string, Record<string, unknown>>)[section][k];
    return value === undefined ? "(base)" : String(value);
  };
  const row = (name: string, f: (p: PlannedStack) => string) =>
    `| ${name} | ${plans.map((p) => cell(p, f)).join(" | ")} |`;
  return [
    `Generated ${date} at commit \`${commit}\` by \`npm run plan -- --write-docs\` (prices of ${PRICES_AS_OF}).`,
    "",
    `| | ${header.join(" | ")} |`,
    `|---|${DOC_RATES.map(() => "---:").join("|")}|`,
    row(
      "first bottleneck",
      (p) => `${p.plan.uses[0].component} ${(p.plan.uses[0].use * 100).toFixed(0)} %`,
    ),
    row("monthly (cost command)", (p) => usd(p.monthly)),
    row("per billion events (cost command)", (p) =>
      usd(perBillion(p.monthly, p.plan.eventsPerSecond)),
    ),
    row("monthly with API and PUT usage", (p) => usd(p.monthly + p.usageMonthly)),
    row("per billion events with usage", (p) =>
      usd(perBillion(p.monthly + p.usageMonthly, p.plan.eventsPerSecond)),
    ),
    ...keys.map((key) => row(`\`${key}\``, (p) => setting(p, key))),
    "",
    ...plans.flatMap((p, i) =>
      p instanceof BeyondDesign ? [`${header[i]} refused: ${p.message}`, ""] : [],
    ),
  ].join("\n");
}

export const PLAN = {
  name: "plan",
  usage: `usage: npm run plan -- --events-per-second N --base STACK --out FILE
       npm run plan -- --write-docs
  --events-per-second N  the rate to size for, events (3 records each) per second
  --base STACK           the stack whose Pulumi.<STACK>.yaml is the starting point
  --out FILE             where to write the sized stack file (its folder must exist)
  --write-docs           rewrite the side-by-side table of docs/scaling.md; takes no other option
  --help                 this text
Exit codes: 0 planned, 1 beyond the design (the limit and the redesign are named), 2 a wrong command line.`,
  options: {
    "events-per-second": { type: "string" },
    base: { type: "string" },
    out: { type: "string" },
    "write-docs": { type: "boolean" },
  },
} as const;

/** `npm run plan -- ...`: the exit code (see cli/args.ts). */
export function main(argv: string[]): Promise<number> {
  return runCommand(PLAN, argv, async ({ values, given }) => {
    if (values["write-docs"]) {
      const other = ["events-per-second", "base", "out"].find((o) => given.has(o));
      if (other)
        throw new UsageError(
          `--write-docs plans prod at ${DOC_RATES.join(", ")}; drop --${other}.`,
        );
      const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT })
        .toString()
        .trim();
      const date = new Date().toISOString().slice(0, 10);
      const doc = fs.readFileSync(SCALING_DOC, "utf8");
      const start = doc.indexOf(BEGIN);
      const end = doc.indexOf(END, start);
      if (start < 0 || end < 0)
        throw new Failure(`docs/scaling.md lacks "${BEGIN}" ... "${END}": restore it.`);
      const table = await scalingTable(commit, date);
      fs.writeFileSync(
        SCALING_DOC,
        `${doc.slice(0, start)}${BEGIN}\n\n${table}\n${doc.slice(end)}`,
      );
      console.log("wrote the table of docs/scaling.md");
      return 0;
    }
    const missing = ["events-per-second", "base", "out"].find((o) => !given.has(o));
    if (missing) throw new UsageError(`give --${missing}.`);
    const rate = wholeNumber("--events-per-second", values["events-per-second"], 1, 1e9)!;
    const base = stackName("--base", values.base!);
    const out = path.resolve(values.out!);
    if (!fs.existsSync(path.dirname(out))) {
      throw new UsageError(
        `--out "${values.out}": the folder ${path.dirname(out)} does not exist.`,
      );
    }
    let planned: PlannedStack;
    try {
      planned = await planStack(rate, base);
    } catch (error) {
      if (error instanceof BeyondDesign) throw new Failure(`${rate} events/s: ${error.message}`);
      if (error instanceof Error && error.constructor === Error) throw new Failure(error.message);
      throw error;
    }
    fs.writeFileSync(out, planned.text);
    console.log(renderPlan(planned));
    console.log(`\nwrote ${values.out}\n\nInputs of the model:\n\n${renderInputs()}`);
    return 0;
  });
}

if (require.main === module) exitWith(main);
