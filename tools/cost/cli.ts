// `npm run cost -- --stack <name> [--paused] [--set section.key=value ...]`: runs the stack program
// in-process under the mock engine (no cloud, no credentials) with Pulumi.<name>.yaml and prints what
// it costs a month (./report.ts). `--set` tries a config change before `pulumi up`;
// `--write-docs` regenerates docs/costs.md and the README's cost table.
import * as fs from "fs";
import * as path from "path";
import { exitWith, Failure, runCommand, stackName, UsageError } from "../../cli/args";
import { harness } from "../pulumi-mock/mockEngine";
import {
  readStackConfig,
  REPO_ROOT,
  runStack,
  stacksHere,
  withStandInPlugin,
} from "../pulumi-mock/mockRun";
import { costOf, renderCost, StackCost } from "./report";

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

const SET = /^(?:([a-z][\w-]*):)?([A-Za-z]\w*(?:\.[A-Za-z]\w*)*)=(.*)$/s;

/**
 * `--set` texts → config overrides merged into the stack's YAML: `kafka.clientInstanceType=t3.medium`
 * (a key of a section, at any depth, as `pulumi config set --path` takes it), `paused=true` (a
 * top-level key) or `aws:region=eu-west-1` (another namespace). A value is read as JSON when it
 * parses, else as a string. A UsageError for a text of another shape or a key given twice.
 */
export function parseSettings(stack: string, settings: string[]): Record<string, unknown> {
  const parsed: { namespace: string; path: string[]; value: unknown }[] = [];
  const seen = new Set<string>();
  for (const setting of settings) {
    const match = SET.exec(setting);
    if (!match) {
      throw new UsageError(
        `--set ${JSON.stringify(setting)} is not section.key=value or key=value ` +
          "(e.g. --set kafka.clientInstanceType=t3.medium, --set paused=true, --set aws:region=eu-west-1).",
      );
    }
    const [, namespace = NS, keyPath, text] = match;
    if (seen.has(`${namespace}:${keyPath}`)) {
      throw new UsageError(`--set ${namespace}:${keyPath} is given twice: give it once.`);
    }
    seen.add(`${namespace}:${keyPath}`);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // A plain string such as an instance type.
    }
    parsed.push({ namespace, path: keyPath.split("."), value });
  }
  const yaml = readStackConfig(stack);
  const overrides: Record<string, unknown> = {};
  for (const {
    namespace,
    path: [section, ...rest],
    value,
  } of parsed) {
    const top = `${namespace}:${section}`;
    overrides[top] = withValue(overrides[top] ?? yaml[top], rest, value);
  }
  return overrides;
}

/** `base` with the value at `path` replaced (objects along the path copied, not changed). */
function withValue(base: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const object = base && typeof base === "object" ? (base as Record<string, unknown>) : {};
  const [key, ...rest] = path;
  return { ...object, [key]: withValue(object[key], rest, value) };
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
  if (kafka) all[`${NS}:kafka`] = withStandInPlugin(kafka);
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

export const COST = {
  name: "cost",
  usage: `usage: npm run cost -- --stack NAME [--paused] [--set KEY=VALUE ...]
       npm run cost:docs      (npm run cost -- --write-docs)
  --stack NAME         the stack whose Pulumi.<NAME>.yaml is priced
  --paused             price it paused (as --set paused=true)
  --set KEY=VALUE      try a config change first: section.key=value (any depth, as
                       \`pulumi config set --path\`), key=value, or namespace:key=value
                       (aws:region=eu-west-1); the value is read as JSON when it parses
  --write-docs         rewrite the cost tables of docs/costs.md and README.md (dev and prod,
                       running and paused); takes no other option
  --help               this text
Exit codes: 0 priced, 1 the stack's config or a price is refused, 2 a wrong command line.`,
  options: {
    stack: { type: "string" },
    paused: { type: "boolean" },
    set: { type: "string", multiple: true },
    "write-docs": { type: "boolean" },
  },
} as const;

/**
 * Errors the stack program throws on purpose (plain `Error`s: a config value or an argument the
 * program refuses) become one-line Failures; a TypeError and its kind are bugs and keep their stack.
 */
async function refusalsAsFailures<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error && error.constructor === Error) throw new Failure(error.message);
    throw error;
  }
}

/** `npm run cost -- ...`: the exit code (see cli/args.ts). */
export function main(argv: string[]): Promise<number> {
  return runCommand(COST, argv, async ({ values, given }) => {
    if (values["write-docs"]) {
      const other = ["stack", "paused", "set"].find((o) => given.has(o));
      if (other) {
        throw new UsageError(
          `--write-docs prices dev and prod, running and paused, as committed; --${other} does ` +
            "not apply: drop it (or drop --write-docs to price one stack).",
        );
      }
      await refusalsAsFailures(async () => {
        const doc = await regeneratedDoc(fs.readFileSync(COSTS_DOC, "utf8"));
        const readme = await regeneratedReadme(fs.readFileSync(README, "utf8"));
        fs.writeFileSync(COSTS_DOC, doc);
        fs.writeFileSync(README, readme);
      });
      console.log("wrote docs/costs.md and the cost table of README.md");
      return 0;
    }
    if (values.stack === undefined) {
      throw new UsageError(`give --stack NAME (stacks here: ${stacksHere().join(", ")}).`);
    }
    const stack = stackName("--stack", values.stack);
    const settings = values.set ?? [];
    const pausedSetting = settings.find((s) => /^(pinterest-pipeline:)?paused=/.test(s));
    if (values.paused && pausedSetting && pausedSetting.split("=")[1] !== "true") {
      throw new UsageError(
        `--paused and --set ${pausedSetting} contradict each other: give one of them.`,
      );
    }
    const overrides = parseSettings(stack, settings);
    const cost = await refusalsAsFailures(() =>
      stackCost(stack, values.paused ?? false, overrides),
    );
    console.log(renderCost(cost));
    return 0;
  });
}

if (require.main === module) exitWith(main);
