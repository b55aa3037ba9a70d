// The secrets a client reads next to a deployed stack's outputs, against moto's server (the
// replica's object store, which also serves API Gateway, Secrets Manager and IAM): the emulator's
// API-key lookup (API Gateway GetApiKey with includeValue on the exported batch/stream apiKeyId)
// and the database-login lookup of the emulator and the loader (Secrets Manager GetSecretValue on
// the exported sourceDatabase.secretArn), and the error each gives when the thing is missing or
// the caller is denied. The SDK clients reach moto through AWS_ENDPOINT_URL, as any AWS SDK v3
// client does (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
// What this cannot prove: AWS's own IAM evaluation (moto's is a model of it) and KMS.
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  DeleteApiKeyCommand,
} from "@aws-sdk/client-api-gateway";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { main as loaderMain } from "../../emulator/source/cli";
import {
  loadOutputs,
  resolveApiKey,
  resolveDatabaseLogin,
  OutputsError,
} from "../../emulator/outputs";
import type { PipelineOutputs } from "../../stacks/contract";
import { answers, Moto, useMoto } from "../harness/moto";
import { scratchDatabase } from "../harness/mysql";
import { REPO_ROOT } from "../../tools/pulumi-mock/mockRun";
import { waitFor } from "../harness/waitFor";

const MOTO_SERVER = path.join(REPO_ROOT, ".local", "s3", "venv", "bin", "moto_server");
const REGION = "eu-west-1";
const ACCOUNT = "123456789012";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A deployed stack's outputs (contract v1) naming this key and secret. */
function deployedOutputs(
  suffix: string,
  apiKeyId: string,
  secretArn: string,
  db = { host: "pin-dev-source.abc.eu-west-1.rds.amazonaws.com", port: 3306, name: "pinterest" },
): PipelineOutputs {
  const prefix = `pin-${suffix}`;
  return {
    contractVersion: 1,
    prefix,
    region: REGION,
    sourceDatabase: { host: db.host, port: db.port, databaseName: db.name, secretArn },
    batch: {
      invokeUrl: `https://abc123.execute-api.${REGION}.amazonaws.com/prod`,
      apiKeyId,
      topics: { pin: `${prefix}.pin`, geo: `${prefix}.geo`, user: `${prefix}.user` },
      bucketName: `${prefix}-raw-1`,
      bootstrapBrokers: "",
      kafkaAuth: "iam",
    },
    stream: {
      invokeUrl: `https://def456.execute-api.${REGION}.amazonaws.com/prod`,
      apiKeyId,
      streams: {
        pin: `streaming-${prefix}-pin`,
        geo: `streaming-${prefix}-geo`,
        user: `streaming-${prefix}-user`,
      },
      kinesisEndpoint: "",
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("deployed-stack lookups against moto: API key (GetApiKey) and database secret (GetSecretValue)", function () {
  this.timeout(60_000);
  const suffix = crypto.randomBytes(3).toString("hex");
  // A stack name with no .local/stacks/<stack>.api-key, so the lookup goes to API Gateway.
  const stack = `deployed-${suffix}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lookups-"));
  const saved = { ...process.env };
  let moto: Moto | undefined;
  let endpoint = "";
  const root = () => ({
    region: REGION,
    endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  let apiKey: { id: string; value: string };
  let secretArn = "";
  const login = {
    username: `admin_${suffix}`,
    password: `pw-${crypto.randomBytes(9).toString("hex")}`,
  };

  before(async function () {
    this.timeout(10 * 60_000); // the first run installs moto from PyPI
    moto = await useMoto();
    endpoint = moto.endpoint;
    const gateway = new APIGatewayClient(root());
    const created = await gateway.send(
      new CreateApiKeyCommand({ name: `pin-${suffix}-key`, enabled: true }),
    );
    gateway.destroy();
    apiKey = { id: created.id!, value: created.value! };
    const secrets = new SecretsManagerClient(root());
    secretArn = (
      await secrets.send(
        new CreateSecretCommand({
          Name: `pin-${suffix}/source-db`,
          SecretString: JSON.stringify(login),
        }),
      )
    ).ARN!;
    secrets.destroy();
  });

  beforeEach(() => {
    process.env = { ...saved };
    // The emulator's own clients: default credential chain and endpoint resolution, nothing else.
    for (const name of ["PIPELINE_API_KEY", "MYSQL_USER", "MYSQL_PASSWORD", "AWS_PROFILE"]) {
      delete process.env[name];
    }
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_CONFIG_FILE: path.join(dir, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "no-credentials"),
    });
  });

  after(async function () {
    this.timeout(60_000);
    process.env = saved;
    if (endpoint) {
      const gateway = new APIGatewayClient(root());
      if (apiKey) await gateway.send(new DeleteApiKeyCommand({ apiKey: apiKey.id }));
      gateway.destroy();
      const secrets = new SecretsManagerClient(root());
      if (secretArn)
        await secrets.send(
          new DeleteSecretCommand({ SecretId: secretArn, ForceDeleteWithoutRecovery: true }),
        );
      secrets.destroy();
    }
    moto?.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function outputsFile(outputs: PipelineOutputs): string {
    const file = path.join(dir, `${crypto.randomBytes(3).toString("hex")}.json`);
    fs.writeFileSync(file, JSON.stringify({ pipeline: outputs }));
    return file;
  }

  it("reads the API key's value from the exported apiKeyId, as the emulator does for a deployed stack", async () => {
    const outputs = await loadOutputs(
      stack,
      outputsFile(deployedOutputs(suffix, apiKey.id, secretArn)),
    );
    expect(await resolveApiKey(stack, outputs)).to.equal(apiKey.value);
  });

  it("reads the database login from the exported secretArn", async () => {
    const outputs = deployedOutputs(suffix, apiKey.id, secretArn);
    expect(await resolveDatabaseLogin(outputs)).to.deep.equal({
      user: login.username,
      password: login.password,
    });
    // MYSQL_USER still names the user; the password comes from the secret.
    process.env.MYSQL_USER = "someone_else";
    expect(await resolveDatabaseLogin(outputs)).to.deep.equal({
      user: "someone_else",
      password: login.password,
    });
  });

  it("lets the loader log in to the stack's database with the login in its secret", async () => {
    const db = await scratchDatabase();
    const secrets = new SecretsManagerClient(root());
    const arn = (
      await secrets.send(
        new CreateSecretCommand({
          Name: `pin-${suffix}/scratch-db`,
          SecretString: JSON.stringify({
            username: db.settings.user,
            password: db.settings.password,
          }),
        }),
      )
    ).ARN!;
    const log = console.log;
    const printed: string[] = [];
    try {
      for (const name of ["MYSQL_HOST", "MYSQL_PORT", "MYSQL_DATABASE"]) delete process.env[name];
      const file = outputsFile(
        deployedOutputs(suffix, apiKey.id, arn, {
          host: db.settings.host,
          port: db.settings.port,
          name: db.settings.database,
        }),
      );
      console.log = (line: string) => printed.push(line);
      expect(await loaderMain(["load", "--outputs", file, "--rows", "3"])).to.equal(0);
    } finally {
      console.log = log;
      await secrets.send(
        new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }),
      );
      secrets.destroy();
      await db.drop();
    }
    expect(printed.join("\n")).to.contain(`Loaded 3 generated rows`);
  });

  it("says clearly when the exported API key or secret does not exist", async () => {
    const missingKey = deployedOutputs(suffix, "nokey00000", secretArn);
    const keyError = await rejection(resolveApiKey(stack, missingKey));
    expect(keyError).to.be.instanceOf(OutputsError);
    expect(keyError.message).to.match(
      /^API key nokey00000 does not exist in eu-west-1 \(NotFoundException, HTTP 404: [^)]*\): the outputs are not those of the deployed stack/,
    );
    expect(keyError.message).to.contain("PIPELINE_API_KEY");
    const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:pin-${suffix}/gone-AbCdEf`;
    const secretError = await rejection(
      resolveDatabaseLogin(deployedOutputs(suffix, apiKey.id, arn)),
    );
    expect(secretError).to.be.instanceOf(OutputsError);
    expect(secretError.message).to.match(
      new RegExp(
        `^The database secret ${arn.replace(/[/.]/g, "\\$&")} does not exist in eu-west-1 \\(ResourceNotFoundException, HTTP \\d+: `,
      ),
    );
    expect(secretError.message).to.contain("MYSQL_PASSWORD");
  });

  it("refuses a secret that holds no password, naming the shape it expects", async () => {
    const secrets = new SecretsManagerClient(root());
    const arn = (
      await secrets.send(
        new CreateSecretCommand({
          Name: `pin-${suffix}/no-password`,
          SecretString: JSON.stringify({ username: "x" }),
        }),
      )
    ).ARN!;
    try {
      const error = await rejection(resolveDatabaseLogin(deployedOutputs(suffix, apiKey.id, arn)));
      expect(error.message).to.equal(
        `The database secret ${arn} holds no "password" (expected JSON {"username","password"}, as ` +
          `RDS writes it), or set MYSQL_PASSWORD or pass --password-file.`,
      );
    } finally {
      await secrets.send(
        new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }),
      );
      secrets.destroy();
    }
  });

  describe("with IAM enforced (a moto server of its own, /moto-api/reset-auth)", function () {
    let server: ChildProcess | undefined;
    let authEndpoint = "";
    let reader = { id: "", secret: "" };
    let keyId = "";
    let arn = "";

    /** An IAM query-API call; moto reads the service from the credential scope. */
    async function iam(params: Record<string, string>): Promise<string> {
      const res = await fetch(`${authEndpoint}/`, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: new URLSearchParams({ Version: "2010-05-08", ...params }).toString(),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`IAM ${params.Action}: HTTP ${res.status} ${text}`);
      return text;
    }

    before(async function () {
      this.timeout(60_000);
      const port = await freePort();
      authEndpoint = `http://127.0.0.1:${port}`;
      server = spawn(MOTO_SERVER, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
      await waitFor(
        `moto (IAM enforced) answering at ${authEndpoint}`,
        () => answers(authEndpoint),
        Boolean,
        {
          timeoutMs: 30_000,
          intervalMs: 200,
        },
      );
      // Set up while moto still lets everything through: a key, a secret, a user with no policy.
      const admin = {
        region: REGION,
        endpoint: authEndpoint,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      };
      const gateway = new APIGatewayClient(admin);
      keyId = (await gateway.send(new CreateApiKeyCommand({ name: "k", enabled: true }))).id!;
      gateway.destroy();
      const secrets = new SecretsManagerClient(admin);
      arn = (
        await secrets.send(
          new CreateSecretCommand({ Name: "db", SecretString: JSON.stringify(login) }),
        )
      ).ARN!;
      secrets.destroy();
      await iam({ Action: "CreateUser", UserName: "reader" });
      const created = await iam({ Action: "CreateAccessKey", UserName: "reader" });
      reader = {
        id: /<AccessKeyId>(.+?)<\/AccessKeyId>/.exec(created)![1],
        secret: /<SecretAccessKey>(.+?)<\/SecretAccessKey>/.exec(created)![1],
      };
      // From now on every request must be signed by an IAM identity that is allowed the action.
      const reset = await fetch(`${authEndpoint}/moto-api/reset-auth`, {
        method: "POST",
        body: "0",
      });
      expect(reset.status).to.equal(200);
    });

    after(() => {
      server?.kill();
    });

    beforeEach(() => {
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: authEndpoint,
        AWS_ACCESS_KEY_ID: reader.id,
        AWS_SECRET_ACCESS_KEY: reader.secret,
      });
    });

    it("says which permission the API-key lookup lacks when GetApiKey is denied", async () => {
      const error = await rejection(resolveApiKey(stack, deployedOutputs(suffix, keyId, arn)));
      expect(error).to.be.instanceOf(OutputsError);
      expect(error.message).to.match(
        new RegExp(
          `^Not allowed to read API key ${keyId} in eu-west-1 \\([^)]*HTTP 403[^)]*\\): use AWS credentials allowed apigateway:GET on arn:aws:apigateway:eu-west-1::/apikeys/${keyId}, or set PIPELINE_API_KEY`,
        ),
      );
    });

    it("says which permission the database lookup lacks when GetSecretValue is denied", async () => {
      const error = await rejection(resolveDatabaseLogin(deployedOutputs(suffix, keyId, arn)));
      expect(error).to.be.instanceOf(OutputsError);
      expect(error.message).to.match(
        new RegExp(
          `^Not allowed to read the database secret ${arn.replace(/[/.]/g, "\\$&")} \\([^)]*HTTP 403[^)]*\\): use AWS credentials allowed secretsmanager:GetSecretValue on it, or set MYSQL_PASSWORD`,
        ),
      );
    });

    it("says the same for credentials AWS does not know", async () => {
      process.env.AWS_ACCESS_KEY_ID = "unknown-access-key-id"; // no such key in moto
      const error = await rejection(resolveApiKey(stack, deployedOutputs(suffix, keyId, arn)));
      expect(error.message).to.match(
        /^Not allowed to read API key \S+ in eu-west-1 \([^)]*HTTP 403[^)]*\): use AWS credentials/,
      );
    });
  });
});
