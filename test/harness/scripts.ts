// Runs a tool (bash -n, shellcheck) on a rendered script, as the user-data tests do.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Writes the script to a temp file and runs a tool on it; returns the tool's result. */
export function runOnScript(tool: string, args: string[], script: string) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "user-data-")), "user-data.sh");
  fs.writeFileSync(file, script);
  return spawnSync(tool, [...args, file], { encoding: "utf8" });
}
