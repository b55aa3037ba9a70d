// `npm run cost:docs`: the cost tables the docs carry, regenerated from the cost command's output:
// the generated blocks of docs/costs.md (dev and prod, running and paused) and the README's totals.
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../pulumi-mock/mockRun";
import { renderCost } from "./report";
import { stackCost } from "./stackCost";

export const COSTS_DOC = path.join(REPO_ROOT, "docs", "costs.md");
export const README = path.join(REPO_ROOT, "README.md");
/** The tables docs/costs.md carries, in order: [stack, paused]. */
export const DOC_TABLES: [string, boolean][] = [
  ["dev", false],
  ["dev", true],
  ["prod", false],
  ["prod", true],
];

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

/** Rewrites docs/costs.md and the README's cost table in place. */
export async function writeDocs(): Promise<void> {
  const doc = await regeneratedDoc(fs.readFileSync(COSTS_DOC, "utf8"));
  const readme = await regeneratedReadme(fs.readFileSync(README, "utf8"));
  fs.writeFileSync(COSTS_DOC, doc);
  fs.writeFileSync(README, readme);
}
