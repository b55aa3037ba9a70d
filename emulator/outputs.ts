// Finds a stack's outputs (the `pipeline` contract) and the secrets a client needs next to them.
// Order: --outputs FILE; `.local/stacks/<stack>.json` (what the local replica writes; same shape
// as `pulumi stack output --json`); the Pulumi Automation API when the Pulumi CLI is installed. Whatever the source, the object is validated against the contract.
import { APIGatewayClient, GetApiKeyCommand } from "@aws-sdk/client-api-gateway";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SOURCE_DATABASE_USER } from "../components/shared/naming";
import { Failure, readSecretFile } from "../cli/args";
import { contractProblems, PipelineOutputs, RESUME_HINT } from "../stacks/contract";

export const REPO_ROOT = path.resolve(__dirname, "..");
/**
 * Where local stacks' outputs, API keys and checkpoints are: `PIPELINE_STACKS_DIR` (the variable
 * local/replica.sh writes the replica's outputs by), else `.local/stacks`.
 */
export function localStacks(): string {
  return process.env.PIPELINE_STACKS_DIR || path.join(REPO_ROOT, ".local", "stacks");
}

/** Outputs or a secret beside them that cannot be had; a CLI prints the message alone, exit 1. */
export class OutputsError extends Failure {
  override name = "OutputsError";
}

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
    throw new OutputsError(`Cannot read stack outputs from ${file}: ${(error as Error).message}`);
  }
  return parsed && typeof parsed === "object" && "pipeline" in parsed ? parsed.pipeline : parsed;
}

export async function loadOutputs(stack: string, outputsFile?: string): Promise<PipelineOutputs> {
  let raw: unknown;
  let source: string;
  if (outputsFile) {
    raw = parseOutputsFile(outputsFile);
    source = outputsFile;
  } else if (fs.existsSync(path.join(localStacks(), `${stack}.json`))) {
    source = path.join(localStacks(), `${stack}.json`);
    raw = parseOutputsFile(source);
  } else if (pulumiCliPresent()) {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    try {
      const selected = await LocalWorkspace.selectStack({ stackName: stack, workDir: REPO_ROOT });
      raw = (await selected.outputs()).pipeline?.value;
    } catch (error) {
      // The CLI's own words (no such stack, not logged in) are in its stderr, in the message.
      const said = /stderr: (.+)/.exec(String((error as Error).message))?.[1];
      throw new OutputsError(
        `Cannot read the outputs of stack "${stack}" with the Pulumi CLI: ` +
          `${said ?? String((error as Error).message).split("\n")[0]}. ` +
          "Check `pulumi stack ls` and `pulumi whoami`, or pass --outputs FILE.",
      );
    }
    source = `pulumi stack ${stack}`;
  } else {
    const file = path.relative(process.cwd(), path.join(localStacks(), `${stack}.json`));
    const fromPulumi = `\`pulumi stack output --json --stack ${stack} > FILE\``;
    throw new OutputsError(
      `No outputs for stack "${stack}": ${file} does not exist and the Pulumi CLI is not installed. ` +
        (stack === "local"
          ? "Start the local replica (`local/replica.sh up`), which writes it."
          : `Pass --outputs FILE written by ${fromPulumi} where the Pulumi CLI is, or install it.`),
    );
  }
  const problems = contractProblems(raw);
  if (problems.length > 0) {
    throw new OutputsError(
      `Stack outputs from ${source} do not follow the contract: ${problems.join("; ")}`,
    );
  }
  const outputs = raw as PipelineOutputs;
  if (outputs.paused) {
    throw new OutputsError(
      `Stack "${stack}" (${source}) is paused: its Kafka path and streams are not deployed, so ` +
        `there is nothing to send to or read back. Resume it with \`${RESUME_HINT}\` ` +
        `(on stack ${stack}), then run this again.`,
    );
  }
  return outputs;
}

/** The API key's value: --api-key-file, PIPELINE_API_KEY, the local replica's key file, or AWS. */
export async function resolveApiKey(
  stack: string,
  outputs: PipelineOutputs,
  keyFile?: string,
): Promise<string | undefined> {
  if (keyFile) return readSecretFile("--api-key-file", keyFile);
  if (process.env.PIPELINE_API_KEY) return process.env.PIPELINE_API_KEY;
  const local = path.join(localStacks(), `${stack}.api-key`);
  if (fs.existsSync(local)) return fs.readFileSync(local, "utf8").trim();
  const id = outputs.batch?.apiKeyId ?? outputs.stream?.apiKeyId;
  if (!id) return undefined;
  return readApiKeyValue(outputs.region, id);
}

/** AWS error names that mean "these credentials may not do this" rather than "not there". */
const DENIED = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "ExpiredTokenException",
  "CredentialsProviderError",
]);

/**
 * An AWS SDK error's code, HTTP status and message. A body the SDK could not parse (an emulator
 * answering a JSON service in XML) still carries its status and, often, an XML `<Code>`.
 */
function awsError(error: unknown): { name: string; status?: number; message: string } {
  const e = error as Error & {
    $metadata?: { httpStatusCode?: number };
    $response?: { body?: unknown };
  };
  const body = typeof e.$response?.body === "string" ? e.$response.body : "";
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  const message = code
    ? (/<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? "")
    : String(e.message).split("\n")[0];
  return { name: code ?? e.name, status: e.$metadata?.httpStatusCode, message };
}

function causeOf(error: unknown): string {
  const { name, status, message } = awsError(error);
  // The SDK could not parse the answer: the status is all there is to tell.
  if (name === "SyntaxError" && status) return `HTTP ${status}, an answer the SDK could not parse`;
  return `${name}${status ? `, HTTP ${status}` : ""}: ${message}`;
}

/** The caller may not do this (as opposed to: it is not there). */
function denied(error: unknown): boolean {
  const { name, status } = awsError(error);
  return DENIED.has(name) || status === 403;
}

/**
 * The value of API key `id` (API Gateway GetApiKey with includeValue), with AWS's default
 * credentials. GetApiKey needs `apigateway:GET` on `arn:aws:apigateway:<region>::/apikeys/<id>`.
 */
export async function readApiKeyValue(region: string, id: string): Promise<string> {
  const client = new APIGatewayClient({ region });
  const instead = "or set PIPELINE_API_KEY or pass --api-key-file with the key's value";
  try {
    const key = await client.send(new GetApiKeyCommand({ apiKey: id, includeValue: true }));
    if (!key.value) throw new OutputsError(`API key ${id} in ${region} has no value; ${instead}.`);
    return key.value;
  } catch (error) {
    if (error instanceof OutputsError) throw error;
    if (awsError(error).name === "NotFoundException") {
      throw new OutputsError(
        `API key ${id} does not exist in ${region} (${causeOf(error)}): the outputs are not those ` +
          `of the deployed stack (export them again with \`pulumi stack output --json\`), ${instead}.`,
      );
    }
    if (denied(error)) {
      throw new OutputsError(
        `Not allowed to read API key ${id} in ${region} (${causeOf(error)}): use AWS credentials ` +
          `allowed apigateway:GET on arn:aws:apigateway:${region}::/apikeys/${id}, ${instead}.`,
      );
    }
    throw new OutputsError(
      `Cannot read the value of API key ${id} in ${region} (${causeOf(error)}): ${instead}.`,
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
    ? readSecretFile("--password-file", passwordFile)
    : process.env.MYSQL_PASSWORD;
  if (password !== undefined) return { user: user ?? SOURCE_DATABASE_USER, password };
  const arn = outputs.sourceDatabase?.secretArn;
  if (!arn) {
    throw new OutputsError(
      "No source database password: set MYSQL_PASSWORD or pass --password-file.",
    );
  }
  const secret = await readDatabaseSecret(outputs.region, arn);
  return { user: user ?? secret.username ?? SOURCE_DATABASE_USER, password: secret.password };
}

/**
 * The source database's login from its Secrets Manager secret (RDS's managed master secret holds
 * `{"username","password"}`), with AWS's default credentials. GetSecretValue needs
 * `secretsmanager:GetSecretValue` on the secret (and `kms:Decrypt` on its key if it has its own).
 */
export async function readDatabaseSecret(
  region: string,
  arn: string,
): Promise<{ username?: string; password: string }> {
  const client = new SecretsManagerClient({ region });
  const instead = "or set MYSQL_PASSWORD or pass --password-file";
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
  } catch (error) {
    if (awsError(error).name === "ResourceNotFoundException") {
      throw new OutputsError(
        `The database secret ${arn} does not exist in ${region} (${causeOf(error)}): the outputs are ` +
          `not those of the deployed stack (export them again with \`pulumi stack output --json\`), ${instead}.`,
      );
    }
    if (denied(error)) {
      throw new OutputsError(
        `Not allowed to read the database secret ${arn} (${causeOf(error)}): use AWS credentials ` +
          `allowed secretsmanager:GetSecretValue on it, ${instead}.`,
      );
    }
    throw new OutputsError(
      `Cannot read the database secret ${arn} (${causeOf(error)}): ${instead}.`,
    );
  } finally {
    client.destroy();
  }
  let parsed: { username?: unknown; password?: unknown };
  try {
    parsed = JSON.parse(text ?? "");
  } catch {
    parsed = {};
  }
  if (typeof parsed?.password !== "string" || parsed.password === "") {
    throw new OutputsError(
      `The database secret ${arn} holds no "password" (expected JSON {"username","password"}, as RDS ` +
        `writes it), ${instead}.`,
    );
  }
  return {
    username: typeof parsed.username === "string" ? parsed.username : undefined,
    password: parsed.password,
  };
}
