import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import {
  MwaaEnvironment,
  MwaaEnvironmentArgs,
  validateMwaaEnvironmentArgs,
} from "../../../components/mwaa/mwaaEnvironment";
import { harness, PulumiHarness } from "../../../tools/pulumi-mock/mockEngine";

const BUCKET_ARN = "arn:aws:s3:::pin-test-airflow";

// Mocks prove the settings; they cannot prove that MWAA starts with the provider requirements or
// that the private subnets reach AWS APIs (the stack requires a NAT for that).
describe("MwaaEnvironment", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = harness().install();
    h.compute("aws:secretsmanager/secret:Secret", (_n, inputs) => ({
      arn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${inputs.name}-AbCd`,
    }));
    h.compute("aws:s3/bucketObjectv2:BucketObjectv2", (name) => ({ versionId: `v-${name}` }));
    h.compute("aws:mwaa/environment:Environment", () => ({
      webserverUrl: "abc.airflow.eu-west-1.on.aws",
    }));
  });

  async function build(args: Partial<MwaaEnvironmentArgs> = {}) {
    const env = new MwaaEnvironment("mwaa", {
      prefix: "pin-test",
      vpcId: "vpc-1",
      vpcCidr: "10.0.0.0/16",
      privateSubnetIds: ["subnet-a", "subnet-b"],
      bucketName: "pin-test-airflow",
      bucketArn: BUCKET_ARN,
      databricksHost: "https://dbc-123.cloud.databricks.com",
      databricksLogin: { kind: "token", token: pulumi.secret("token-from-stack-config") },
      ...args,
    });
    await h.settle();
    return { env, mwaa: h.one("aws:mwaa/environment:Environment").inputs };
  }

  it("creates the environment with its DAG, requirements, connection secret, logs, role and group", async () => {
    await build();
    expect(h.counts()).to.deep.equal({
      "pinterest-pipeline:components:MwaaEnvironment": 1,
      "aws:s3/bucketObjectv2:BucketObjectv2": 2,
      "aws:secretsmanager/secret:Secret": 1,
      "aws:secretsmanager/secretVersion:SecretVersion": 1,
      "aws:cloudwatch/logGroup:LogGroup": 5,
      "aws:iam/role:Role": 1,
      "aws:iam/rolePolicy:RolePolicy": 1,
      "aws:ec2/securityGroup:SecurityGroup": 1,
      "aws:mwaa/environment:Environment": 1,
    });
  });

  it("keeps the webserver private by default and logs every component", async () => {
    const { mwaa } = await build();
    expect(mwaa.webserverAccessMode).to.equal("PRIVATE_ONLY");
    for (const kind of [
      "dagProcessingLogs",
      "schedulerLogs",
      "taskLogs",
      "webserverLogs",
      "workerLogs",
    ]) {
      expect(mwaa.loggingConfiguration[kind], kind).to.deep.equal({
        enabled: true,
        logLevel: "INFO",
      });
    }
    expect(mwaa).to.include({
      name: "pin-test-airflow",
      environmentClass: "mw1.small",
      dagS3Path: "dags",
    });
    expect(mwaa.requirementsS3ObjectVersion).to.equal("v-mwaa-requirements");
  });

  it("opens the webserver only when asked", async () => {
    const { mwaa } = await build({ publicWebserver: true });
    expect(mwaa.webserverAccessMode).to.equal("PUBLIC_ONLY");
  });

  it("uploads the repository's DAG and passes the prefix and secrets backend as Airflow options", async () => {
    const { mwaa } = await build();
    const dag = h.byName("mwaa-dag").inputs;
    expect(dag.key).to.equal("dags/pinterest_batch_dag.py");
    expect(await dag.source.path).to.match(/databricks\/dags\/pinterest_batch_dag\.py$/);
    expect(mwaa.airflowConfigurationOptions).to.deep.equal({
      "pinterest.prefix": "pin-test",
      "secrets.backend":
        "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
      "secrets.backend_kwargs": '{"connections_prefix":"airflow/pin-test/connections"}',
    });
  });

  /** The connection as Airflow reads it from Secrets Manager. */
  const storedConnection = () =>
    JSON.parse(h.one("aws:secretsmanager/secretVersion:SecretVersion").inputs.secretString);
  /** Every other resource's inputs, as text. */
  const inputsOutsideTheSecret = () =>
    JSON.stringify(
      h.resources
        .filter((r) => r.type !== "aws:secretsmanager/secretVersion:SecretVersion")
        .map((r) => r.inputs),
    );

  // Issue 26: the connection logs in as the deploying service principal through OAuth M2M
  // (apache-airflow-providers-databricks, "Databricks Connection": with `service_principal_oauth`
  // true in the extra, the login and password are the client id and secret).
  it("gives the connection the service principal's OAuth client, only in Secrets Manager", async () => {
    await build({
      databricksLogin: {
        kind: "oauth",
        clientId: "client-id-of-sp",
        clientSecret: pulumi.secret("oauth-secret-of-sp"),
      },
    });
    const stored = storedConnection();
    expect(stored).to.deep.equal({
      conn_type: "databricks",
      host: "https://dbc-123.cloud.databricks.com",
      login: "client-id-of-sp",
      password: "oauth-secret-of-sp",
      extra: '{"service_principal_oauth":true}',
    });
    expect(inputsOutsideTheSecret()).to.not.include("oauth-secret-of-sp");
  });

  it("stores the Databricks token only in Secrets Manager", async () => {
    await build();
    const secret = h.one("aws:secretsmanager/secret:Secret").inputs;
    expect(secret.name).to.equal("airflow/pin-test/connections/databricks_default");
    const stored = storedConnection();
    expect(stored).to.deep.equal({
      conn_type: "databricks",
      host: "https://dbc-123.cloud.databricks.com",
      password: "token-from-stack-config",
    });
    expect(inputsOutsideTheSecret()).to.not.include("token-from-stack-config");
  });

  // node_modules/@pulumi/aws/secretsmanager/secret.d.ts (recoveryWindowInDays): "0 to force
  // deletion without recovery or ... 7 to 30 days. The default value is 30"; a name scheduled for
  // deletion cannot be reused ("You can't create this secret because a secret with this name is
  // already scheduled for deletion", aws-samples/terraform-aws-windows-workloads-on-aws#6).
  it("deletes the fixed-name connection secret at once, so the name is free for the next up", async () => {
    await build();
    const secret = h.one("aws:secretsmanager/secret:Secret").inputs;
    expect(secret).to.not.have.property("namePrefix");
    expect(secret.recoveryWindowInDays).to.equal(0);
  });

  it("scopes the execution role to its bucket, logs, queue and one secret", async () => {
    await build();
    const trust = JSON.parse(h.one("aws:iam/role:Role").inputs.assumeRolePolicy);
    expect(trust.Statement[0].Principal.Service).to.deep.equal([
      "airflow.amazonaws.com",
      "airflow-env.amazonaws.com",
    ]);
    const policy = JSON.parse(h.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
    const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    expect(bySid.ReadDagBucket.Resource).to.deep.equal([BUCKET_ARN, `${BUCKET_ARN}/*`]);
    expect(bySid.WriteOwnLogs.Resource[0]).to.equal(
      "arn:aws:logs:eu-west-1:123456789012:log-group:airflow-pin-test-airflow-*",
    );
    expect(bySid.DatabricksConnection.Resource).to.equal(
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow/pin-test/connections/databricks_default-AbCd",
    );
    // Only the actions AWS cannot scope take "*".
    const unscoped = policy.Statement.filter((s: any) => s.Resource === "*").map(
      (s: any) => s.Action,
    );
    expect(unscoped).to.deep.equal([
      "logs:DescribeLogGroups",
      "s3:GetAccountPublicAccessBlock",
      "cloudwatch:PutMetricData",
    ]);
  });

  // Rule (AWS MWAA User Guide, "Amazon MWAA execution role",
  // https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-create-role.html): on an AWS-owned key
  // (no kmsKey on the environment) the role must use keys outside its account through SQS in its
  // region, for the Celery queue; the documented minimum also reads the account's public-access block.
  it("lets the role use the AWS-owned key of MWAA's Celery queue, only through SQS", async () => {
    const { mwaa } = await build();
    expect(mwaa.kmsKey).to.equal(undefined);
    const policy = JSON.parse(h.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
    const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    expect(bySid.CeleryQueueKey).to.deep.equal({
      Sid: "CeleryQueueKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"],
      NotResource: "arn:aws:kms:*:123456789012:key/*",
      Condition: { StringLike: { "kms:ViaService": ["sqs.eu-west-1.amazonaws.com"] } },
    });
    expect(bySid.CeleryQueue.Resource).to.equal("arn:aws:sqs:eu-west-1:*:airflow-celery-*");
    expect(bySid.ReadAccountPublicAccessBlock.Action).to.equal("s3:GetAccountPublicAccessBlock");
  });

  // Rule (same page): the environment validates and uses its execution role on creation, so the
  // role's policy is attached before CreateEnvironment starts. Mocks prove the order Pulumi
  // follows; not how long IAM takes to propagate.
  it("creates the environment only after its execution role's policy", async () => {
    await build();
    const env = h.one("aws:mwaa/environment:Environment");
    expect(env.dependsOn).to.include(h.one("aws:iam/rolePolicy:RolePolicy").urn);
  });

  it("admits only its own members and opens no port to the internet", async () => {
    await build();
    const sg = h.one("aws:ec2/securityGroup:SecurityGroup").inputs;
    expect(sg.ingress.every((r: any) => r.self === true && !r.cidrBlocks)).to.equal(true);
    expect(sg.ingress.map((r: any) => r.fromPort)).to.deep.equal([443, 5432]);
    expect(sg.egress.some((r: any) => r.protocol === "-1")).to.equal(false);
  });

  it("sets a retention on each of MWAA's log groups", async () => {
    await build({ logRetentionDays: 14 });
    const groups = h
      .ofType("aws:cloudwatch/logGroup:LogGroup")
      .map((g) => [g.inputs.name, g.inputs.retentionInDays]);
    expect(groups).to.deep.equal(
      ["DAGProcessing", "Scheduler", "Task", "WebServer", "Worker"].map((k) => [
        `airflow-pin-test-airflow-${k}`,
        14,
      ]),
    );
  });
});

describe("MwaaEnvironment argument validation", () => {
  const base = { prefix: "pin-dev" } as MwaaEnvironmentArgs;
  const cases: [string, Partial<MwaaEnvironmentArgs>, string][] = [
    [
      "a class MWAA does not have",
      { environmentClass: "mw2.small" },
      'MwaaEnvironment environmentClass "mw2.small" is not one of mw1.micro, mw1.small, mw1.medium, mw1.large, mw1.xlarge, mw1.2xlarge.',
    ],
    [
      "Airflow 1",
      { airflowVersion: "1.10.12" },
      'MwaaEnvironment airflowVersion "1.10.12" must be an MWAA release of Airflow 2.7 or later',
    ],
    ["a version that is not x.y.z", { airflowVersion: "3.0" }, 'airflowVersion "3.0" must be'],
    [
      "a retention CloudWatch refuses",
      { logRetentionDays: 10 },
      "MwaaEnvironment logRetentionDays 10 is not a CloudWatch Logs retention",
    ],
    ["an upper-case prefix", { prefix: "Pin" }, 'MwaaEnvironment prefix "Pin" must be 3–20'],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateMwaaEnvironmentArgs({ ...base, ...args })).to.throw(message);
    });
  }

  it("accepts the defaults, the smallest class and Airflow 2.10", () => {
    validateMwaaEnvironmentArgs(base);
    validateMwaaEnvironmentArgs({
      ...base,
      environmentClass: "mw1.micro",
      airflowVersion: "2.10.3",
    });
  });
});
