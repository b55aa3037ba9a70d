// The checkers of what the docs claim about the repository, one per kind of claim, as pure
// functions of a page's text and of what the repository holds: the npm scripts a page runs, the
// flags it gives a CLI, the files it names, the config keys it names, and the dollar figures it
// quotes from the cost command. test/docs/docClaims.test.ts runs them over every page, and over a
// planted false claim of each kind to prove each checker can fail.
import * as fs from "fs";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..", "..");

export type ClaimKind = "npm script" | "CLI flag" | "file path" | "config key" | "cost figure";

/** A claim a page makes that the repository does not hold. */
export interface FalseClaim {
  readonly line: number;
  readonly kind: ClaimKind;
  readonly claim: string;
  readonly why: string;
}

/** The pages the checks read: the READMEs and everything under docs/. */
export function docPages(): string[] {
  return [
    "README.md",
    "emulator/README.md",
    "local/README.md",
    "local/kafka/README.md",
    "databricks/README.md",
    ...fs
      .readdirSync(path.join(ROOT, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
}

/** A piece of code on a page: an inline `span`, or one line of a fenced block. */
export interface Code {
  readonly text: string;
  readonly line: number;
  readonly fenced: boolean;
}

const GENERATED = /<!-- generated[^]*?<!-- end generated -->/g;

/** A page without its generated blocks (the cost tables, which the cost test compares whole). */
export function withoutGenerated(markdown: string): string {
  // Keep the line count, so that line numbers stay those of the page.
  return markdown.replace(GENERATED, (block) => block.replace(/[^\n]/g, ""));
}

/** The code of a page: inline spans and the lines of fenced blocks, with their line numbers. */
export function codeOf(markdown: string): Code[] {
  const code: Code[] = [];
  let fenced = false;
  markdown.split("\n").forEach((text, i) => {
    if (/^\s*```/.test(text)) {
      fenced = !fenced;
      return;
    }
    if (fenced) code.push({ text, line: i + 1, fenced: true });
    else
      for (const m of text.matchAll(/`([^`\n]+)`/g))
        code.push({ text: m[1], line: i + 1, fenced: false });
  });
  return code;
}

// ---------------------------------------------------------------------------------------------
// npm scripts

/** Every `npm run <script>` a page names (in code or prose) must be a script of package.json. */
export function npmScriptClaims(markdown: string, scripts: ReadonlySet<string>): FalseClaim[] {
  const claims: FalseClaim[] = [];
  markdown.split("\n").forEach((text, i) => {
    for (const m of text.matchAll(/npm run ([a-z][\w:.-]*)/g)) {
      const script = m[1].replace(/[.:]+$/, "");
      if (!scripts.has(script)) {
        claims.push({
          line: i + 1,
          kind: "npm script",
          claim: `npm run ${script}`,
          why: "package.json has no such script",
        });
      }
    }
  });
  return claims;
}

// ---------------------------------------------------------------------------------------------
// CLI flags

/** A CLI's name as the docs invoke it, and the options it takes (without the leading `--`). */
export interface Cli {
  readonly name: string;
  readonly options: ReadonlySet<string>;
}

/**
 * How the docs invoke the project's CLIs: the npm scripts of the TypeScript ones (cli/args.ts) and
 * the Python runners (pinterest_etl/cli.py) by module or bench file. `invocation` returns the CLI
 * a piece of code starts and the arguments after it, or undefined.
 */
export interface CliTable {
  invocation(code: string): { cli: Cli; args: string[] } | undefined;
  /** Every option of every project CLI (a flag named alone must be one of these, or external). */
  readonly allOptions: ReadonlySet<string>;
}

/** The words of a command line up to the end of the command (a pipe, `&&`, `;`, a comment). */
export function commandWords(text: string): string[] {
  const words: string[] = [];
  for (const word of text.trim().split(/\s+/)) {
    if (["&&", "||", "|", ";", "#", ">", "2>&1"].includes(word) || word.startsWith("#")) break;
    words.push(word.replace(/^\[+|\]+$/g, ""));
  }
  return words.filter((w) => w !== "");
}

/** The `--flag` names among some words (`--rows`, `--rows=5`). */
export function flagsOf(words: string[]): string[] {
  return words.flatMap((w) => /^--([a-z][\w-]*)(=.*)?$/.exec(w)?.[1] ?? []);
}

/**
 * Flags of tools outside the repository that the docs name alone, by tool: Pulumi's `config set`
 * (`--path`, `--secret`, `--type`; pulumi.com/docs/iac/cli/commands/pulumi_config_set) and `stack`
 * commands, the AWS CLI's `rds restore-db-instance-to-point-in-time`, pytest's options of
 * databricks/tests/conftest.py and Kafka's `kafka-topics.sh --alter`.
 */
export const EXTERNAL_FLAGS: Record<string, readonly string[]> = {
  pulumi: ["path", "secret", "type", "plaintext", "stack", "create", "yes", "target", "refresh"],
  aws: ["target-db-instance-identifier", "source-db-instance-identifier", "restore-time"],
  kafka: ["alter", "bootstrap-server", "topic", "partitions", "describe"],
};

/** The flags each invocation of a project CLI gives it must be options of that CLI. */
export function cliFlagClaims(markdown: string, clis: CliTable): FalseClaim[] {
  const claims: FalseClaim[] = [];
  const external = new Set(Object.values(EXTERNAL_FLAGS).flat());
  for (const code of codeOf(markdown)) {
    const found = clis.invocation(code.text);
    if (found) {
      for (const flag of flagsOf(commandWords(found.args.join(" ")))) {
        if (flag !== "help" && !found.cli.options.has(flag)) {
          claims.push({
            line: code.line,
            kind: "CLI flag",
            claim: `${found.cli.name} --${flag}`,
            why: `${found.cli.name} has no option --${flag}`,
          });
        }
      }
      continue;
    }
    // A flag named alone (`--batch-size`, `--via direct`) belongs to some CLI of the repository.
    const alone = /^--([a-z][\w-]*)(?:[ =]\S+)*$/.exec(code.text.trim());
    if (!code.fenced && alone && alone[1] !== "help") {
      const flag = alone[1];
      if (!clis.allOptions.has(flag) && !external.has(flag)) {
        claims.push({
          line: code.line,
          kind: "CLI flag",
          claim: `--${flag}`,
          why: "no CLI of the repository (nor a tool of EXTERNAL_FLAGS) takes it",
        });
      }
    }
  }
  return claims;
}

// ---------------------------------------------------------------------------------------------
// file paths

/** What a checker may ask of the repository's files. */
export interface Files {
  /** Whether `rel` (relative to the repository, `*` allowed in the last part) exists. */
  exists(rel: string): boolean;
  /** The top-level entries of a folder of the repository ("" for the root). */
  entries(dir: string): ReadonlySet<string>;
}

/** The repository's files as they are on disk. */
export function diskFiles(root = ROOT): Files {
  return {
    exists(rel) {
      const full = path.join(root, rel);
      if (!rel.includes("*")) return fs.existsSync(full);
      const dir = path.dirname(full);
      const pattern = new RegExp(
        `^${path
          .basename(full)
          .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, ".*")}$`,
      );
      return (
        fs.existsSync(dir) && !dir.includes("*") && fs.readdirSync(dir).some((f) => pattern.test(f))
      );
    },
    entries(dir) {
      const full = path.join(root, dir);
      return new Set(fs.existsSync(full) ? fs.readdirSync(full) : []);
    },
  };
}

const EXTENSION = /\.(ts|js|mjs|py|md|json|ya?ml|sh|toml|txt|env|xml|properties|html|png|cfg|ini)$/;

/**
 * The repository file a piece of code names, relative to the repository, or undefined when it names
 * none: a path whose first folder is a folder of the repository (or of the page's folder), with a
 * `:line` suffix allowed; placeholders (`<prefix>`), runtime folders (`.local/`) and URLs are not
 * claims about the repository.
 */
export function repositoryPath(code: string, page: string, files: Files): string | undefined {
  const text = code
    .trim()
    .replace(/^\.\//, "")
    .replace(/:\d+(-\d+)?$/, "");
  if (!/^[\w.*-]+(\/[\w.*-]+)*\/?$/.test(text) || text.startsWith(".local")) return undefined;
  const [first, ...rest] = text.split("/");
  if (rest.length === 0) {
    // A bare file name counts only as a Markdown page (`LOCAL.md`), looked for where pages live.
    if (!/\.md$/.test(text)) return undefined;
    const dir = path.dirname(page);
    return [text, path.join(dir, text), `docs/${text}`].find((p) => files.exists(p)) ?? text;
  }
  if (!EXTENSION.test(text) && !text.endsWith("/") && !text.includes("*")) {
    // A folder: only when its first part is one of the repository's.
    if (!files.entries("").has(first)) return undefined;
  }
  if (files.entries("").has(first)) return text.replace(/\/$/, "");
  const dir = path.dirname(page);
  if (dir !== "." && files.entries(dir).has(first)) return path.join(dir, text).replace(/\/$/, "");
  return undefined;
}

/**
 * Every repository file a page names (in code, in a TypeScript import of an example, or a Markdown
 * page named in prose) must exist.
 */
export function filePathClaims(markdown: string, page: string, files: Files): FalseClaim[] {
  const claims: FalseClaim[] = [];
  const missing = (line: number, claim: string, rel: string) =>
    claims.push({ line, kind: "file path", claim, why: `${rel} does not exist` });
  for (const code of codeOf(markdown)) {
    for (const word of code.fenced ? commandWords(code.text) : [code.text]) {
      const rel = repositoryPath(word, page, files);
      if (rel && !files.exists(rel)) missing(code.line, word, rel);
    }
    // An example's import, written from a file one folder down (as stacks/index.ts imports).
    for (const m of code.text.matchAll(/from ["'](\.\.?\/[^"']+)["']/g)) {
      const rel = path.normalize(path.join("stacks", m[1]));
      if (![".ts", ".js", "/index.ts", ""].some((ext) => files.exists(rel + ext))) {
        missing(code.line, m[1], `${rel}.ts`);
      }
    }
  }
  markdown.split("\n").forEach((text, i) => {
    const prose = text
      .replace(/`[^`]*`/g, "")
      .replace(/\]\([^)]*\)/g, "]")
      .replace(/\S+:\/\/\S+/g, "");
    for (const m of prose.matchAll(/(?<![\w/.-])([\w-]+\.md)\b/g)) {
      const rel = repositoryPath(m[1], page, files);
      if (rel && !files.exists(rel)) missing(i + 1, m[1], rel);
    }
  });
  return claims;
}

// ---------------------------------------------------------------------------------------------
// config keys

const NAMESPACE = "pinterest-pipeline";
const SECTIONS = [
  "network",
  "sourceDatabase",
  "kafka",
  "streamPath",
  "databricks",
  "mwaa",
  "alerts",
];

/**
 * The config keys a piece of code names: `pinterest-pipeline:<key>` (not a type token such as
 * `pinterest-pipeline:components:Network`), the key of a `--set key=value`, and, in an inline span,
 * `<section>.<key>` (in a fenced example that is as likely a variable: `network.vpcId`). A key's
 * part is a camelCase word, digits only after three letters or more (`connectorPluginSha256`), so
 * an instance type (`kafka.t3.small`) is not taken for a key.
 */
export function configKeysOf(code: string, fenced = false): string[] {
  const keys: string[] = [];
  for (const m of code.matchAll(/pinterest-pipeline:([A-Za-z][\w.]*\w)(?![\w.]*:)/g)) {
    keys.push(m[1]);
  }
  const rest = code.replace(/pinterest-pipeline:[\w.:]*/g, "");
  for (const m of rest.matchAll(/--set[ =](?![\w-]+:)([A-Za-z][\w.]*)=/g)) keys.push(m[1]);
  if (fenced) return keys;
  const section = new RegExp(
    `(?<![\\w:./=-])((?:${SECTIONS.join("|")})(?:\\.(?:[a-z][A-Za-z]{2,}\\d*|[a-z][A-Za-z]*))+)(?![\\w-])`,
    "g",
  );
  for (const m of rest.replace(/--set[ =][^ ]*/g, "").matchAll(section)) {
    if (!EXTENSION.test(m[1])) keys.push(m[1]);
  }
  return keys;
}

/** The words that stand for a key in a command's form (`--set section.key=value`). */
const PLACEHOLDER = /^(section\.)?key$/;

/**
 * Every config key a page names in code must be one the config reader reads (`tags.<name>` is
 * free: tags are the user's own names).
 */
export function configKeyClaims(markdown: string, known: ReadonlySet<string>): FalseClaim[] {
  return codeOf(markdown).flatMap((code) =>
    configKeysOf(code.text, code.fenced)
      .filter((key) => !known.has(key) && !key.startsWith("tags.") && !PLACEHOLDER.test(key))
      .map((key) => ({
        line: code.line,
        kind: "config key" as const,
        claim: key,
        why: `stacks/config.ts reads no key ${NAMESPACE}:${key}`,
      })),
  );
}

// ---------------------------------------------------------------------------------------------
// cost figures

/** A run of the cost command: `--stack`, `--paused` and the `--set` texts. */
export interface CostRun {
  readonly stack: string;
  readonly paused: boolean;
  readonly sets: readonly string[];
}

/** The cost runs a page names (`npm run cost -- --stack dev --set ...`), placeholders left out. */
export function costRunsOf(markdown: string): CostRun[] {
  const runs: CostRun[] = [];
  for (const code of codeOf(markdown)) {
    const m = /npm run cost -- (.*)$/.exec(code.text);
    if (!m || m[1].includes("<")) continue;
    const words = commandWords(m[1]);
    const stack = words[words.indexOf("--stack") + 1];
    if (!words.includes("--stack") || !stack) continue;
    const sets = words.flatMap((w, i) => (w === "--set" ? [words[i + 1] ?? ""] : []));
    if (sets.some((set) => !set.includes("="))) continue; // `--set ...`: a form, not a run
    runs.push({ stack, paused: words.includes("--paused"), sets });
  }
  return runs;
}

/** A run's key, to price each once. */
export const runKey = (run: CostRun) =>
  `${run.stack}${run.paused ? " --paused" : ""}${run.sets.map((s) => ` --set ${s}`).join("")}`;

/** What a run printed: every figure of its output (amounts and prices), and its total. */
export interface CostOutput {
  readonly figures: ReadonlySet<number>;
  readonly total: number;
}

/** The figures of a printed cost table: every amount and price in it (the $/month columns too). */
export function figuresOf(printed: string): Set<number> {
  return new Set([...printed.matchAll(/(\d[\d,]*\.\d+)/g)].map((m) => amount(m[1])));
}

const amount = (text: string) => Number(text.replace(/,/g, ""));
const cents = (usd: number) => Math.round(usd * 100);

/**
 * Every dollar figure with a decimal point (`$296.75`, `$0.048`) on a page is quoted from the cost
 * command: it must be a figure the command prints (an amount, a subtotal, a total or a price) for
 * the committed stacks or for a run the docs name (`npm run cost -- --stack dev --set ...` on any
 * page), or the difference of two of those runs' totals (a saving). Whole-dollar figures (`about
 * $214`) are a page's own arithmetic, and not checked.
 */
export function costFigureClaims(markdown: string, outputs: readonly CostOutput[]): FalseClaim[] {
  const printed = new Set(outputs.flatMap((o) => [...o.figures].map(cents)));
  for (const a of outputs) for (const b of outputs) printed.add(cents(a.total - b.total));
  const exact = new Set(outputs.flatMap((o) => [...o.figures]));
  const claims: FalseClaim[] = [];
  withoutGenerated(markdown)
    .split("\n")
    .forEach((text, i) => {
      for (const m of text.matchAll(/\$(\d[\d,]*\.\d+)(?![\d])/g)) {
        const usd = amount(m[1]);
        const decimals = m[1].split(".")[1].length;
        const known = decimals > 2 ? exact.has(usd) : printed.has(cents(usd));
        if (!known) {
          claims.push({
            line: i + 1,
            kind: "cost figure",
            claim: `$${m[1]}`,
            why: "the cost command prints no such figure for the committed stacks or a run the docs name",
          });
        }
      }
    });
  return claims;
}
