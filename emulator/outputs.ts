// Finds a stack's outputs (the `pipeline` contract) and the secrets a client needs next to them.
// Order: --outputs FILE; the Pulumi Automation API when the Pulumi CLI is installed;
// `.local/stacks/<stack>.json` (what the local replica writes; same shape as
// `pulumi stack output --json`). Whatever the source, the object is validated against the contract.
import { APIGatewayClient, GetApiKeyCommand } from "@aws-sdk/client-api-gateway";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { contractProblems, PipelineOutputs } from "../stacks/contract";

export const REPO_ROOT = path.resolve(__dirname, "..");
export const LOCAL_STACKS = path.join(REPO_ROOT, ".local", "stacks");

/** A problem the user fixes by changing how the command is run; printed alone, exit 1. */
export class UsageError extends Error {}

function pulumiCliPresent(): boolean {
  try {
    execFileSync("pulumi", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function parseOutputsFile(file: string): unknown {
  let parsed: { pipeline?: unknown };
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`Cannot read stack outputs from ${file}: ${(error as Error).message}`);
  }
  return parsed && typeof parsed === "object" && "pipeline" in parsed ? parsed.pipeline : parsed;
}

export async function loadOutputs(stack: string, outputsFile?: string): Promise<PipelineOutputs> {
  let raw: unknown;
  let source: string;
  if (outputsFile) {
    raw = parseOutputsFile(outputsFile);
    source = outputsFile;
  } else if (fs.existsSync(path.join(LOCAL_STACKS, `${stack}.json`))) {
    source = path.join(LOCAL_STACKS, `${stack}.json`);
    raw = parseOutputsFile(source);
  } else if (pulumiCliPresent()) {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const selected = await LocalWorkspace.selectStack({ stackName: stack, workDir: REPO_ROOT });
    raw = (await selected.outputs()).pipeline?.value;
    source = `pulumi stack ${stack}`;
  } else {
    throw new UsageError(
      `No outputs for stack "${stack}": ${path.relative(process.cwd(), path.join(LOCAL_STACKS, `${stack}.json`))} ` +
        `does not exist and the Pulumi CLI is not installed. Start the local replica (local/replica up), or ` +
        `pass --outputs FILE written by \`pulumi stack output --json --stack ${stack} > FILE\`.`,
    );
  }
  const problems = contractProblems(raw);
  if (problems.length > 0) {
    throw new UsageError(
      `Stack outputs from ${source} do not follow the contract:\n  ${problems.join("\n  ")}`,
    );
  }
  return raw as PipelineOutputs;
}

/** The API key's value: --api-key-file, PIPELINE_API_KEY, the local replica's key file, or AWS. */
export async function resolveApiKey(
  stack: string,
  outputs: PipelineOutputs,
  keyFile?: string,
): Promise<string | undefined> {
  if (keyFile) return fs.readFileSync(keyFile, "utf8").trim();
  if (process.env.PIPELINE_API_KEY) return process.env.PIPELINE_API_KEY;
  const local = path.join(LOCAL_STACKS, `${stack}.api-key`);
  if (fs.existsSync(local)) return fs.readFileSync(local, "utf8").trim();
  const id = outputs.batch?.apiKeyId ?? outputs.stream?.apiKeyId;
  if (!id) return undefined;
  const client = new APIGatewayClient({ region: outputs.region });
  try {
    return (await client.send(new GetApiKeyCommand({ apiKey: id, includeValue: true }))).value;
  } catch (error) {
    throw new UsageError(
      `Cannot read the value of API key ${id} in ${outputs.region} (${(error as Error).name}): ` +
        `set PIPELINE_API_KEY or pass --api-key-file, or use AWS credentials allowed apigateway:GET on it.`,
    );
  } finally {
    client.destroy();
  }
}

/** Source database login: MYSQL_USER/MYSQL_PASSWORD, --password-file, or the stack's secret. */
export async function resolveDatabaseLogin(
  outputs: PipelineOutputs,
  passwordFile?: string,
): Promise<{ user: string; password?: string }> {
  const user = process.env.MYSQL_USER;
  const password = passwordFile
    ? fs.readFileSync(passwordFile, "utf8").trim()
    : process.env.MYSQL_PASSWORD;
  if (password !== undefined) return { user: user ?? "pipeline_admin", password };
  const arn = outputs.sourceDatabase?.secretArn;
  if (!arn) {
    throw new UsageError(
      "No source database password: set MYSQL_PASSWORD or pass --password-file.",
    );
  }
  const client = new SecretsManagerClient({ region: outputs.region });
  try {
    const secret = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const parsed = JSON.parse(secret.SecretString ?? "{}") as {
      username?: string;
      password?: string;
    };
    return { user: user ?? parsed.username ?? "pipeline_admin", password: parsed.password };
  } catch (error) {
    throw new UsageError(
      `Cannot read the database secret ${arn} (${(error as Error).name}): set MYSQL_PASSWORD, or use AWS ` +
        `credentials allowed secretsmanager:GetSecretValue on it.`,
    );
  } finally {
    client.destroy();
  }
}
