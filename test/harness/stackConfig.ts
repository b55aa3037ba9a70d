// Reads a real Pulumi.<stack>.yaml so stack tests run the program with the config users deploy.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The `config:` map of Pulumi.<stack>.yaml, keys as written (`namespace:key`). */
export function readStackConfig(stack: string): Record<string, unknown> {
  const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
  return doc.config ?? {};
}
