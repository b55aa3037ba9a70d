// The docs cannot drift from the code they describe: every field of every component's Args
// interface (with those it extends) is a row of its page's Inputs table, every output of every
// component says in its doc comment what it holds and when it is empty, every stack config key is
// a row of docs/configuration.md, and every relative link in the READMEs and docs/ names a file
// that exists.
// Read from the sources as text (the interfaces exist only at compile time); the config keys from
// parseStackConfig itself, so a key added there without a row fails here.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../../stacks/config";
import { docPages } from "./docClaims";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

/**
 * The page holding each component's Inputs table (a heading naming `<Class>Args`, then a table).
 */
const COMPONENT_PAGES: Record<string, string> = {
  Network: "docs/network.md",
  NatInstance: "docs/network.md",
  SourceDatabase: "docs/source-database.md",
  RawBucket: "docs/kafka-batch-path.md",
  KafkaBatchPath: "docs/kafka-batch-path.md",
  MskCluster: "docs/kafka-batch-path.md",
  KafkaClient: "docs/kafka-batch-path.md",
  S3SinkConnector: "docs/kafka-batch-path.md",
  KafkaRestApi: "docs/kafka-batch-path.md",
  ApiGatewayAccount: "docs/kafka-batch-path.md",
  KinesisStreamPath: "docs/kinesis-stream-path.md",
  KinesisProxyApi: "docs/kinesis-stream-path.md",
  DatabricksWorkspace: "docs/databricks.md",
  DatabricksDashboard: "docs/dashboard.md",
  MwaaEnvironment: "docs/mwaa.md",
  AlertTopic: "docs/operations.md",
};

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? sourceFiles(path.join(dir, e.name))
        : e.name.endsWith(".ts")
          ? [path.join(dir, e.name)]
          : [],
    );
}

/**
 * Top-level `readonly` field names of `export interface <name> { ... }` in a source text, with
 * those of the interfaces it `extends`, found in `sources` (e.g. ApiStageArgs in apiStage.ts).
 */
export function interfaceFields(
  source: string,
  name: string,
  sources: string[] = [source],
): string[] | undefined {
  const start = new RegExp(`export interface ${name}\\s*(?:extends\\s+([\\w\\s,]+?)\\s*)?\\{`).exec(
    source,
  );
  if (!start) return undefined;
  const inherited = (start[1] ?? "")
    .split(",")
    .map((base) => base.trim())
    .filter((base) => base !== "")
    .flatMap((base) => {
      const home = sources.find((s) => new RegExp(`export interface ${base}\\b`).test(s));
      const fields = home === undefined ? undefined : interfaceFields(home, base, sources);
      if (fields === undefined) throw new Error(`${name} extends ${base}, which no source exports`);
      return fields;
    });
  let depth = 1;
  let body = "";
  for (let i = start.index + start[0].length; i < source.length && depth > 0; i++) {
    // Comments may hold braces ({@link X}, `{ catalog }`): skip them whole.
    const end = source.startsWith("/*", i)
      ? source.indexOf("*/", i) + 1
      : source.startsWith("//", i)
        ? source.indexOf("\n", i)
        : i;
    if (end !== i) {
      i = end;
      continue;
    }
    const c = source[i];
    if (c === "{") depth++;
    if (c === "}") depth--;
    // Only what sits directly in the interface: nested object types are skipped.
    if (depth === 1 && c !== "}") body += c;
  }
  const own = [...body.matchAll(/readonly\s+(\w+)\??\s*:/g)].map((m) => m[1]);
  return [...new Set([...inherited, ...own])];
}

/** Every `export class X extends pulumi.ComponentResource` under components/, with its file. */
function componentClasses(): { name: string; file: string; source: string }[] {
  return sourceFiles(path.join(ROOT, "components")).flatMap((file) => {
    const source = fs.readFileSync(file, "utf8");
    return [...source.matchAll(/export class (\w+) extends pulumi\.ComponentResource/g)].map(
      (m) => ({ name: m[1], file: path.relative(ROOT, file), source }),
    );
  });
}

/**
 * A component's outputs: its `readonly` fields declared before the constructor, with their JSDoc.
 */
export function classOutputs(
  source: string,
  className: string,
): { name: string; optional: boolean; doc: string }[] | undefined {
  const start = new RegExp(`export class ${className} extends pulumi\\.ComponentResource \\{`).exec(
    source,
  );
  if (!start) return undefined;
  const end = source.indexOf("constructor(", start.index);
  const body = source.slice(start.index + start[0].length, end);
  return [...body.matchAll(/(\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?readonly (\w+)(\?)?:/g)].map(
    (m) => ({
      name: m[3],
      optional: m[4] === "?",
      doc: (m[2] ?? "").replace(/\s*\n\s*\*\s?/g, " ").trim(),
    }),
  );
}

/** What an output's doc says when it may be empty, or that it never is. */
const WHEN_EMPTY = /\bnever empty\b|\bempty \(""\)|\bundefined (when|without)\b|\balways there\b/i;

/**
 * Pages with a component's Outputs section: its table (or the prose under it) names each output.
 */
const OUTPUT_PAGES: Record<string, string> = {
  Network: "docs/network.md",
  SourceDatabase: "docs/source-database.md",
  KafkaBatchPath: "docs/kafka-batch-path.md",
  KinesisStreamPath: "docs/kinesis-stream-path.md",
  DatabricksWorkspace: "docs/databricks.md",
  MwaaEnvironment: "docs/mwaa.md",
};

/**
 * The "## Outputs" section of a page: the names in its table's first cells, and every name it
 * writes in backticks (`batch.cluster` counts as `cluster`).
 */
export function outputsSection(markdown: string): { rows: string[]; named: Set<string> } {
  const start = markdown.search(/^## Outputs$/m);
  if (start < 0) return { rows: [], named: new Set() };
  const rest = markdown.slice(start + "## Outputs".length);
  const section = rest.slice(0, rest.search(/^## /m) < 0 ? undefined : rest.search(/^## /m));
  const rows = section
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .flatMap((l) => [...(l.split("|")[1] ?? "").matchAll(/`(\w+)`/g)].map((m) => m[1]));
  const named = new Set([...section.matchAll(/`(?:\w+\.)?(\w+)`/g)].map((m) => m[1]));
  return { rows, named };
}

/** The names in the first cells of the first table after the heading that names `<args>`. */
export function inputsTableNames(markdown: string, args: string): string[] | undefined {
  const lines = markdown.split("\n");
  const heading = lines.findIndex((l) => /^#{2,4} /.test(l) && l.includes(`\`${args}\``));
  if (heading < 0) return undefined;
  let i = heading + 1;
  while (i < lines.length && !lines[i].startsWith("|")) {
    if (/^#{1,4} /.test(lines[i])) return undefined;
    i++;
  }
  const names: string[] = [];
  for (; i < lines.length && lines[i].startsWith("|"); i++) {
    const first = lines[i].split("|")[1] ?? "";
    // `a`, `b` in one cell names both fields.
    names.push(...[...first.matchAll(/`(\w+)`/g)].map((m) => m[1]));
  }
  return names;
}

describe("component docs", () => {
  const classes = componentClasses();
  const sources = sourceFiles(path.join(ROOT, "components")).map((f) => fs.readFileSync(f, "utf8"));

  it("finds the components (the scan itself works)", () => {
    expect(classes.map((c) => c.name)).to.include.members(["Network", "KafkaBatchPath"]);
  });

  it("maps every component to a docs page", () => {
    const unmapped = classes.map((c) => c.name).filter((n) => !(n in COMPONENT_PAGES));
    expect(
      unmapped,
      "add each to COMPONENT_PAGES with the page holding its Inputs table",
    ).to.deep.equal([]);
  });

  for (const [component, page] of Object.entries(COMPONENT_PAGES)) {
    it(`${page} has a row for every field of ${component}Args`, () => {
      const cls = classes.find((c) => c.name === component);
      expect(cls, `no ComponentResource ${component} under components/`).to.not.equal(undefined);
      const fields = interfaceFields(cls!.source, `${component}Args`, sources);
      expect(fields, `${cls!.file} has no "export interface ${component}Args {"`).to.not.equal(
        undefined,
      );
      expect(fields!.length, `${component}Args has no readonly fields`).to.be.above(0);
      const names = inputsTableNames(read(page), `${component}Args`);
      expect(
        names,
        `${page} has no heading naming \`${component}Args\` followed by its Inputs table`,
      ).to.not.equal(undefined);
      const missing = fields!.filter((f) => !names!.includes(f));
      expect(missing, `${page}: Inputs rows missing for ${component}Args fields`).to.deep.equal([]);
    });
  }
});

describe("component outputs", () => {
  const classes = componentClasses();

  it("finds the outputs (the scan itself works)", () => {
    const network = classes.find((c) => c.name === "Network")!;
    expect(classOutputs(network.source, "Network")!.map((o) => o.name)).to.include("vpcId");
  });

  for (const [component, page] of Object.entries(OUTPUT_PAGES)) {
    it(`${page} names every output of ${component} in its Outputs section, and no other`, () => {
      const cls = classes.find((c) => c.name === component)!;
      const outputs = classOutputs(cls.source, component)!.map((o) => o.name);
      const { rows, named } = outputsSection(read(page));
      expect(rows.length, `${page} has no "## Outputs" table`).to.be.above(0);
      expect(
        outputs.filter((o) => !named.has(o)),
        `${page}: outputs not named`,
      ).to.deep.equal([]);
      expect(
        rows.filter((r) => !outputs.includes(r)),
        `${page}: rows of no output`,
      ).to.deep.equal([]);
    });
  }

  for (const { name, file, source } of classes) {
    it(`${file}: every output of ${name} says what it holds and when it is empty`, () => {
      const outputs = classOutputs(source, name)!;
      expect(outputs.length, `${name} has no outputs`).to.be.above(0);
      const undocumented = outputs.filter((o) => o.doc === "").map((o) => o.name);
      expect(undocumented, `${name}: outputs without a /** doc */`).to.deep.equal([]);
      const silent = outputs.filter((o) => !WHEN_EMPTY.test(o.doc)).map((o) => o.name);
      expect(
        silent,
        `${name}: outputs whose doc does not say when they are empty ("Never empty." or ` +
          `'empty ("") when/on ...' or "undefined when/without ...")`,
      ).to.deep.equal([]);
      const optional = outputs.filter((o) => o.optional && !/\bundefined\b/i.test(o.doc));
      expect(
        optional.map((o) => o.name),
        `${name}: optional outputs must say when they are undefined`,
      ).to.deep.equal([]);
    });
  }
});

/** Dotted keys of a parsed config: sections are walked, values (lists, tags) are leaves. */
function configKeys(value: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(value).flatMap(([key, v]) => {
    const full = prefix + key;
    const section = typeof v === "object" && v !== null && !Array.isArray(v) && key !== "tags";
    return section ? configKeys(v as Record<string, unknown>, `${full}.`) : [full];
  });
}

describe("docs/configuration.md", () => {
  const doc = read("docs/configuration.md");
  const rows = new Set(
    doc
      .split("\n")
      .filter((l) => l.startsWith("| `"))
      .map((l) => /^\| `([\w.]+)`/.exec(l)?.[1]),
  );
  // A config with every optional section present, so that its keys are there too.
  const keys = configKeys(
    parseStackConfig({
      prefix: "pin-doc",
      databricks: { unityCatalog: { catalog: "main" } },
    }) as unknown as Record<string, unknown>,
  );

  it("has a row for every key of the stack config", () => {
    expect(keys).to.include.members(["paused", "kafka.brokerCount", "databricks.dashboard"]);
    expect(keys.filter((k) => !rows.has(k))).to.deep.equal([]);
  });

  it("documents no key the config does not read", () => {
    const optional = [
      "kafka.rawDataExpirationDays",
      "databricks.runAsApplicationId",
      "databricks.readersGroup",
      "databricks.crossAccountRoleName",
      "databricks.dashboardWarehouseName",
      "databricks.unityCatalog.schema",
      "databricks.batchNodeType",
      "databricks.streamingNodeType",
    ];
    const known = new Set([...keys, ...optional]);
    expect([...rows].filter((r) => r && !known.has(r))).to.deep.equal([]);
  });
});

/** Relative link targets of a markdown text: `](target)`, without http(s), mailto and anchors. */
export function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^(https?:|mailto:|#)/.test(t))
    .map((t) => t.replace(/#.*$/, ""));
}

describe("links in the READMEs and docs/", () => {
  for (const page of docPages()) {
    it(`${page} links only to files that exist`, () => {
      const dir = path.dirname(path.join(ROOT, page));
      const broken = relativeLinks(read(page)).filter(
        (t) => !fs.existsSync(path.resolve(dir, decodeURI(t))),
      );
      expect(broken, `${page}: links to missing files`).to.deep.equal([]);
    });
  }
});
