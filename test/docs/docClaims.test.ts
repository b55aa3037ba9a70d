// The docs say only what the repository holds: every `npm run` script a page names exists, every
// flag a page gives one of the CLIs is one of its options (cli/args.ts commands, the Python
// runners' argparse tables), every repository file a page names exists, every config key a page
// names is read by stacks/config.ts, and every dollar figure a page quotes from the cost command
// is what the command prints. Each checker is also run on a planted false claim of its kind, to
// prove it can fail. The checkers read text: a claim made in words only ("the loader's row flag")
// is not seen.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { BENCH as EMULATE_BENCH } from "../../emulator/bench";
import { SEND, VERIFY } from "../../emulator/cli";
import { BENCH as SOURCE_BENCH } from "../../emulator/source/bench";
import { SOURCE } from "../../emulator/source/cli";
import { stackConfigKeys } from "../../stacks/config";
import { PIPELINE_OUTPUTS_SCHEMA } from "../../stacks/contract";
import { COST, parseSettings } from "../../tools/cost/cli";
import { DOC_TABLES } from "../../tools/cost/docs";
import { stackCost } from "../../tools/cost/stackCost";
import { PLAN } from "../../tools/plan/cli";
import { renderCost } from "../../tools/cost/report";
import {
  Cli,
  CliTable,
  cliFlagClaims,
  configKeyClaims,
  CostOutput,
  CostRun,
  costFigureClaims,
  costRunsOf,
  diskFiles,
  docPages,
  FalseClaim,
  figuresOf,
  filePathClaims,
  npmScriptClaims,
  ROOT,
  runKey,
} from "./docClaims";

const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

const scripts = new Set(Object.keys(JSON.parse(read("package.json")).scripts as object));

const tsCli = (name: string, spec: { options: object }): Cli => ({
  name,
  options: new Set(Object.keys(spec.options)),
});

/** A Python runner's options: the flags of every `add_argument(...)` of its file. */
function pythonCli(name: string, file: string): Cli | undefined {
  const full = path.join(ROOT, file);
  if (!fs.existsSync(full)) return undefined;
  const source = fs.readFileSync(full, "utf8");
  const options = [
    ...source.matchAll(/add(?:_argument|option)\(\s*((?:"-[^"]*"\s*,?\s*)+)/g),
  ].flatMap((m) => [...m[1].matchAll(/"--([\w-]+)"/g)].map((f) => f[1]));
  return { name, options: new Set(options) };
}

const NPM_CLIS: Record<string, Cli> = {
  emulate: tsCli("npm run emulate", SEND),
  "emulate:bench": tsCli("npm run emulate:bench", EMULATE_BENCH),
  "source:load": tsCli("npm run source:load", SOURCE),
  "source:summary": tsCli("npm run source:summary", SOURCE),
  "source:bench": tsCli("npm run source:bench", SOURCE_BENCH),
  cost: tsCli("npm run cost", COST),
  "cost:docs": tsCli("npm run cost:docs", COST),
  plan: tsCli("npm run plan", PLAN),
};
const VERIFY_CLI = tsCli("npm run emulate -- verify", VERIFY);

const pythonFiles = [
  ...fs
    .readdirSync(path.join(ROOT, "databricks/pinterest_etl"))
    .map((f) => `databricks/pinterest_etl/${f}`),
  ...fs
    .readdirSync(path.join(ROOT, "databricks/pinterest_etl/local"))
    .map((f) => `databricks/pinterest_etl/local/${f}`),
  ...fs.readdirSync(path.join(ROOT, "databricks/bench")).map((f) => `databricks/bench/${f}`),
  "databricks/tests/conftest.py",
].filter((f) => f.endsWith(".py"));

const clis: CliTable = {
  invocation(code) {
    const npm = /npm run ([\w:.-]+)(?: -- (.*))?/.exec(code);
    if (npm) {
      const cli = NPM_CLIS[npm[1]];
      const args = (npm[2] ?? "").split(/\s+/);
      if (!cli) return undefined;
      return npm[1] === "emulate" && args[0] === "verify"
        ? { cli: VERIFY_CLI, args: args.slice(1) }
        : { cli, args };
    }
    const module = /python3? -m pinterest_etl\.([\w.]+)(.*)$/.exec(code);
    if (module) {
      const cli = pythonCli(
        `pinterest_etl.${module[1]}`,
        `databricks/pinterest_etl/${module[1].replace(/\./g, "/")}.py`,
      );
      return cli && { cli, args: module[2].split(/\s+/) };
    }
    const bench = /(?:^|[\s/])bench\/(\w+)\.py(.*)$/.exec(code);
    if (bench) {
      const cli = pythonCli(`bench/${bench[1]}.py`, `databricks/bench/${bench[1]}.py`);
      return cli && { cli, args: bench[2].split(/\s+/) };
    }
    return undefined;
  },
  allOptions: new Set([
    ...Object.values(NPM_CLIS).flatMap((c) => [...c.options]),
    ...VERIFY_CLI.options,
    ...pythonFiles.flatMap((f) => [...(pythonCli(f, f)?.options ?? [])]),
  ]),
};

const files = diskFiles();
/** The field paths of a JSON schema's objects (`sourceDatabase.host`). */
function schemaPaths(schema: object, prefix = ""): string[] {
  const properties = (schema as { properties?: Record<string, object> }).properties ?? {};
  return Object.entries(properties).flatMap(([name, sub]) => [
    prefix + name,
    ...schemaPaths(sub, `${prefix}${name}.`),
  ]);
}
/**
 * What `<section>.<key>` may name: a config key, or a field of the outputs contract, which shares
 * the name `sourceDatabase` (`sourceDatabase.host` is an output).
 */
const knownKeys = new Set([...stackConfigKeys(), ...schemaPaths(PIPELINE_OUTPUTS_SCHEMA)]);

/** The cost command's output for a run, priced once per test run. */
const outputs = new Map<string, CostOutput>();
async function costOf(run: CostRun): Promise<CostOutput> {
  const key = runKey(run);
  if (!outputs.has(key)) {
    const cost = await stackCost(run.stack, run.paused, parseSettings(run.stack, [...run.sets]));
    outputs.set(key, { figures: figuresOf(renderCost(cost)), total: cost.total });
  }
  return outputs.get(key)!;
}

/** Prices runs one after another: the mock engine is one per process. */
async function costsOf(runs: CostRun[]): Promise<CostOutput[]> {
  const priced: CostOutput[] = [];
  for (const run of runs) priced.push(await costOf(run));
  return priced;
}
const COMMITTED_RUNS: CostRun[] = DOC_TABLES.map(([stack, paused]) => ({
  stack,
  paused,
  sets: [],
}));
/** The committed stacks' runs and every run a page names, any page's figure may come from. */
const DOC_RUNS: CostRun[] = [...COMMITTED_RUNS, ...docPages().flatMap((p) => costRunsOf(read(p)))];

const shown = (claims: FalseClaim[]) =>
  claims.map((c) => `line ${c.line}: ${c.kind} ${c.claim}: ${c.why}`);

describe("what the docs claim", function () {
  // The cost figures price each named run under the mock engine (a few seconds each).
  this.timeout(300_000);

  for (const page of docPages()) {
    describe(page, () => {
      const text = read(page);

      it("names only npm scripts that exist", () => {
        expect(shown(npmScriptClaims(text, scripts))).to.deep.equal([]);
      });

      it("gives the CLIs only flags they take", () => {
        expect(shown(cliFlagClaims(text, clis))).to.deep.equal([]);
      });

      it("names only repository files that exist", () => {
        expect(shown(filePathClaims(text, page, files))).to.deep.equal([]);
      });

      it("names only config keys the program reads", () => {
        expect(shown(configKeyClaims(text, knownKeys))).to.deep.equal([]);
      });

      it("quotes only figures the cost command prints", async () => {
        const priced = await costsOf(DOC_RUNS);
        expect(shown(costFigureClaims(text, priced))).to.deep.equal([]);
      });
    });
  }
});

describe("the docs checkers fail on a planted false claim of each kind", function () {
  this.timeout(300_000);
  const page = "docs/planted.md";

  it("an npm script that does not exist", () => {
    const planted = "Print the tables with `npm run source:sumary`.";
    expect(shown(npmScriptClaims(planted, scripts))).to.deep.equal([
      "line 1: npm script npm run source:sumary: package.json has no such script",
    ]);
  });

  it("a flag the CLI does not take, in a command and named alone", () => {
    const planted = [
      "```bash",
      "npm run emulate -- --stack dev --host 127.0.0.1",
      "npm run emulate -- verify --stack dev --rows 10",
      "python -m pinterest_etl.local.batch --source-root d --warehouse w --mode fast --tables pin",
      "```",
      "The loader takes `--batch-sise`.",
    ].join("\n");
    expect(shown(cliFlagClaims(planted, clis))).to.deep.equal([
      "line 2: CLI flag npm run emulate --host: npm run emulate has no option --host",
      "line 3: CLI flag npm run emulate -- verify --rows: npm run emulate -- verify has no option --rows",
      "line 4: CLI flag pinterest_etl.local.batch --tables: pinterest_etl.local.batch has no option --tables",
      "line 6: CLI flag --batch-sise: no CLI of the repository (nor a tool of EXTERNAL_FLAGS) takes it",
    ]);
  });

  it("a file, an import path and a page that do not exist", () => {
    const planted = [
      "The reader is `stacks/configReeder.ts:12`; tests are in `test/kafka/*.test.ts`.",
      "```ts",
      'import { KafkaBatchPath } from "../components/kafkaBatchPath";',
      "```",
      "As LOCAL.md says.",
    ].join("\n");
    expect(shown(filePathClaims(planted, page, files))).to.deep.equal([
      "line 1: file path stacks/configReeder.ts:12: stacks/configReeder.ts does not exist",
      "line 1: file path test/kafka/*.test.ts: test/kafka/*.test.ts does not exist",
      "line 3: file path ../components/kafkaBatchPath: components/kafkaBatchPath.ts does not exist",
      "line 5: file path LOCAL.md: LOCAL.md does not exist",
    ]);
  });

  it("a config key the program does not read", () => {
    const planted = [
      "Set `kafka.brokerCont` or `pulumi config set pinterest-pipeline:kafak.enabled true`.",
      "```bash",
      "npm run cost -- --stack dev --set streamPath.shards=2",
      "```",
    ].join("\n");
    expect(shown(configKeyClaims(planted, knownKeys))).to.deep.equal([
      "line 1: config key kafka.brokerCont: stacks/config.ts reads no key pinterest-pipeline:kafka.brokerCont",
      "line 1: config key kafak.enabled: stacks/config.ts reads no key pinterest-pipeline:kafak.enabled",
      "line 3: config key streamPath.shards: stacks/config.ts reads no key pinterest-pipeline:streamPath.shards",
    ]);
  });

  it("a figure the cost command does not print", async () => {
    const planted = [
      "MWAA's mw1.small costs $360.00 a month",
      "(`npm run cost -- --stack dev --set mwaa.enabled=true`: $401.50); dev runs at $176.81.",
    ].join("\n");
    const priced = await costsOf([...DOC_RUNS, ...costRunsOf(planted)]);
    expect(shown(costFigureClaims(planted, priced))).to.deep.equal([
      "line 1: cost figure $360.00: the cost command prints no such figure for the committed stacks or a run the docs name",
    ]);
  });
});
