// `npm run cost -- --stack <name> [--paused] [--set section.key=value ...]`: runs the stack program
// in-process under the mock engine (no cloud, no credentials) with Pulumi.<name>.yaml and prints what
// it costs a month (./report.ts). `--set` tries a config change before `pulumi up`;
// `--write-docs` regenerates docs/costs.md and the README's cost table.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { harness } from "./mockEngine";
import { PLUGIN, readStackConfig, REPO_ROOT, runStack } from "./mockRun";
import { costOf, renderCost, StackCost } from "./report";
import { MissingPriceError } from "./rules";

const NS = "pinterest-pipeline";
export const COSTS_DOC = path.join(REPO_ROOT, "docs", "costs.md");
export const README = path.join(REPO_ROOT, "README.md");
/** The tables docs/costs.md carries, in order: [stack, paused]. */
export const DOC_TABLES: [string, boolean][] = [
  ["dev", false],
  ["dev", true],
  ["prod", false],
  ["prod", true],
];

/** `kafka.clientInstanceType=t3.micro` → config overrides merged into the stack's YAML section. */
export function parseSettings(stack: string, settings: string[]): Record<string, unknown> {
  const yaml = readStackConfig(stack);
  const overrides: Record<string, unknown> = {};
  for (const setting of settings) {
    const match = /^([A-Za-z]+)(?:\.([A-Za-z]+))?=(.*)$/.exec(setting);
    if (!match) {
      throw new Error(
        `--set ${JSON.stringify(setting)} is not section.key=value or key=value ` +
          "(e.g. --set kafka.clientInstanceType=t3.micro, --set paused=true).",
      );
    }
    const [, section, key, text] = match;
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // A plain string such as an instance type.
    }
    const full = `${NS}:${section}`;
    if (key === undefined) overrides[full] = value;
    else {
      const base = (overrides[full] ?? yaml[full] ?? {}) as Record<string, unknown>;
      overrides[full] = { ...base, [key]: value };
    }
  }
  return overrides;
}

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
  if (kafka) all[`${NS}:kafka`] = { ...(kafka as object), connectorPluginPath: PLUGIN };
  const { outputs } = await runStack(h, stack, all);
  return costOf(h, stack, outputs.region, outputs.paused === true);
}

const BEGIN = (stack: string, paused: boolean) =>
  `<!-- generated: npm run cost -- --stack ${stack}${paused ? " --paused" : ""} -->`;
const END = "<!-- end generated -->";

/** docs/costs.md with every generated block replaced by the command's current output. */
export async function regeneratedDoc(text: string): Promise<string> {
  let doc = text;
  for (const [stack, paused] of DOC_TABLES) {
    const begin = BEGIN(stack, paused);
    const start = doc.indexOf(begin);
    const end = doc.indexOf(END, start);
    if (start < 0 || end < 0) {
      throw new Error(`docs/costs.md lacks the block "${begin}" ... "${END}": restore it.`);
    }
    const table = renderCost(await stackCost(stack, paused));
    doc = `${doc.slice(0, start)}${begin}\n\n${table}\n\n${doc.slice(end)}`;
  }
  return doc;
}

const TOTALS_BEGIN = "<!-- generated: npm run cost:docs (totals of npm run cost) -->";

/** The README's cost table: per stack, running and paused totals and the dearest component. */
export async function totalsTable(): Promise<string> {
  const rows = ["| stack | running | paused | dearest part, running |", "|---|---:|---:|---|"];
  for (const stack of ["dev", "prod"]) {
    const running = await stackCost(stack, false);
    const paused = await stackCost(stack, true);
    const top = running.components[0];
    rows.push(
      `| ${stack} | $${running.total.toFixed(2)} | $${paused.total.toFixed(2)} | ` +
        `${top.component} $${top.monthly.toFixed(2)} |`,
    );
  }
  return rows.join("\n");
}

/** README.md with its cost table replaced by the command's current totals. */
export async function regeneratedReadme(text: string): Promise<string> {
  const start = text.indexOf(TOTALS_BEGIN);
  const end = text.indexOf(END, start);
  if (start < 0 || end < 0) {
    throw new Error(`README.md lacks the block "${TOTALS_BEGIN}" ... "${END}": restore it.`);
  }
  return `${text.slice(0, start)}${TOTALS_BEGIN}\n\n${await totalsTable()}\n\n${text.slice(end)}`;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      paused: { type: "boolean", default: false },
      set: { type: "string", multiple: true, default: [] },
      "write-docs": { type: "boolean", default: false },
    },
  });
  if (values["write-docs"]) {
    fs.writeFileSync(COSTS_DOC, await regeneratedDoc(fs.readFileSync(COSTS_DOC, "utf8")));
    fs.writeFileSync(README, await regeneratedReadme(fs.readFileSync(README, "utf8")));
    console.log("wrote docs/costs.md and the cost table of README.md");
    return 0;
  }
  if (!values.stack) {
    console.error("usage: npm run cost -- --stack <name> [--paused] [--set section.key=value ...]");
    return 2;
  }
  const overrides = parseSettings(values.stack, values.set ?? []);
  console.log(renderCost(await stackCost(values.stack, values.paused ?? false, overrides)));
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      // Config and price errors name the value and the fix; anything else keeps its stack.
      const known =
        error instanceof MissingPriceError || /Stack config|--set|no stack/.test(error.message);
      console.error(`cost: ${known ? error.message : (error.stack ?? error.message)}`);
      process.exit(1);
    },
  );
}
