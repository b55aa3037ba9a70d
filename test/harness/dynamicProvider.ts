// Runs a Pulumi dynamic provider the way `pulumi up` does: serialized with its closure
// (pulumi.runtime.serializeFunction, as @pulumi/pulumi/dynamic serializes it) and loaded in a
// process of its own with require-from-string, then `handler()`, as the SDK's dynamic-provider
// host (node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js) loads it. Nothing of the test's
// process reaches it but the environment given.
import * as pulumi from "@pulumi/pulumi";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { REPO_ROOT } from "../../tools/pulumi-mock/mockRun";

/** What one call returned, or the message it failed with. */
export type ProviderResult = Record<string, unknown> | { error: string };

/** Calls `method(...args)` of the serialized provider in a new Node process. */
export async function callSerializedProvider(
  provider: pulumi.dynamic.ResourceProvider,
  method: keyof pulumi.dynamic.ResourceProvider,
  args: unknown[],
  env: Record<string, string>,
): Promise<ProviderResult> {
  const serialized = await pulumi.runtime.serializeFunction(() => provider);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamic-provider-"));
  const text = path.join(dir, "provider.js");
  const host = path.join(dir, "host.js");
  fs.writeFileSync(text, serialized.text);
  fs.writeFileSync(
    host,
    [
      'const requireFromString = require("require-from-string");',
      `const provider = requireFromString(require("fs").readFileSync(${JSON.stringify(text)}, "utf8")).handler();`,
      `provider[${JSON.stringify(method)}](...JSON.parse(process.argv[2])).then(`,
      "  (r) => console.log(JSON.stringify(r)),",
      "  (e) => console.log(JSON.stringify({ error: e.message })));",
    ].join("\n"),
  );
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [host, JSON.stringify(args)], {
      // The host resolves packages as Pulumi's does, from the project's node_modules.
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_PATH: path.join(REPO_ROOT, "node_modules"),
        AWS_CONFIG_FILE: path.join(dir, "no-config"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "no-credentials"),
        ...env,
      },
    });
    return JSON.parse(stdout.trim().split("\n").pop()!) as ProviderResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
