// `npm run cost -- --stack <name> [--paused] [--set section.key=value ...]`: runs the stack program
// in-process under the mock engine (no cloud, no credentials) with Pulumi.<name>.yaml and prints what
// it costs a month (./stackCost.ts, ./report.ts). `--set` tries a config change before `pulumi up`;
// `--write-docs` regenerates docs/costs.md and the README's cost table (./docs.ts).
import { exitWith, Failure, runCommand, stackName, UsageError } from "../../cli/args";
import { readStackConfig, stacksHere } from "../pulumi-mock/mockRun";
import { writeDocs } from "./docs";
import { renderCost } from "./report";
import { stackCost } from "./stackCost";

const NS = "pinterest-pipeline";
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
      await refusalsAsFailures(writeDocs);
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
