import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  DatabricksWorkspace,
  DatabricksWorkspaceArgs,
  packageFiles,
  UC_MASTER_ROLE_ARN,
  validateDatabricksWorkspaceArgs,
} from "../../components/databricksWorkspace";
import { notebookParameters } from "../../components/databricksJobs";
import { harness, PulumiHarness } from "../harness/pulumiMocks";

const BUCKET_ARN = "arn:aws:s3:::pin-test-raw";
const STREAMS = ["pin", "geo", "user"].map(
  (t) => `arn:aws:kinesis:eu-west-1:123456789012:stream/streaming-pin-test-${t}`,
);

/** A tiny copy of the databricks/ layout, so these tests do not depend on the real sources. */
function fixtureSources(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbx-"));
  for (const [file, text] of Object.entries({
    "pinterest_etl/__init__.py": "",
    "pinterest_etl/cleaning.py": "def clean(): pass\n",
    "pinterest_etl/__pycache__/cleaning.cpython-311.pyc": "x",
    "notebooks/batch.py": "# Databricks notebook source\n",
    "notebooks/streaming.py": "# Databricks notebook source\n",
  })) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

// Mocks prove the resources and their settings; they cannot prove that the workspace accepts the
// instance profile (Databricks validates it against the cross-account role) or that a volume may
// sit at the bucket's root.
describe("DatabricksWorkspace", () => {
  let h: PulumiHarness;
  let sourceDir: string;
  before(() => {
    sourceDir = fixtureSources();
  });
  beforeEach(() => {
    h = harness().install();
    h.onInvoke("databricks:index/getSparkVersion:getSparkVersion", () => ({
      id: "17.3.x-scala2.13",
    }));
    h.onInvoke("databricks:index/getNodeType:getNodeType", () => ({ id: "m5d.large" }));
    h.compute("databricks:index/job:Job", (name) => ({ url: `https://dbc.example/jobs/${name}` }));
  });

  async function build(args: Partial<DatabricksWorkspaceArgs> = {}) {
    const ws = new DatabricksWorkspace("dbx", {
      prefix: "pin-test",
      region: "eu-west-1",
      rawBucketName: "pin-test-raw",
      rawBucketArn: BUCKET_ARN,
      streamArns: STREAMS,
      sourceDir,
      ...args,
    });
    await h.settle();
    return ws;
  }

  it("builds the mount route: role, instance profile, cluster, mount, code and two jobs", async () => {
    await build();
    expect(h.graph()).to.deep.equal([
      "aws:iam/instanceProfile:InstanceProfile dbx-data",
      "aws:iam/role:Role dbx-data",
      "aws:iam/rolePolicy:RolePolicy dbx-data",
      "databricks:index/cluster:Cluster dbx-cluster",
      "databricks:index/instanceProfile:InstanceProfile dbx-data",
      "databricks:index/job:Job dbx-batch-job",
      "databricks:index/job:Job dbx-streaming-job",
      "databricks:index/mount:Mount dbx-raw-mount",
      "databricks:index/notebook:Notebook dbx-notebook-batch",
      "databricks:index/notebook:Notebook dbx-notebook-streaming",
      "databricks:index/workspaceFile:WorkspaceFile dbx-file-pinterest_etl-__init__-py",
      "databricks:index/workspaceFile:WorkspaceFile dbx-file-pinterest_etl-cleaning-py",
      "pinterest-pipeline:components:DatabricksWorkspace dbx",
    ]);
  });

  it("reaches S3 with no keys: an EC2-trusted role scoped to topics/ (read) and delta/ (read-write)", async () => {
    await build();
    const role = h.one("aws:iam/role:Role").inputs;
    expect(JSON.parse(role.assumeRolePolicy).Statement).to.deep.equal([
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const policy = JSON.parse(h.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
    const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    expect(bySid.ReadRawEvents.Resource).to.equal(`${BUCKET_ARN}/topics/*`);
    expect(bySid.ReadRawEvents.Action).to.deep.equal(["s3:GetObject"]);
    expect(bySid.ReadWriteDeltaTables.Resource).to.equal(`${BUCKET_ARN}/delta/*`);
    expect(bySid.ListRawAndDeltaFolders.Condition.StringLike["s3:prefix"]).to.deep.equal([
      "topics/*",
      "delta/*",
      "",
    ]);
    expect(bySid.ReadStreams.Resource).to.deep.equal(STREAMS);
    for (const s of policy.Statement) {
      expect([s.Action].flat().some((a: string) => a.includes("*"))).to.equal(false);
      expect([s.Resource].flat()).to.not.include("*");
    }
    const text = JSON.stringify(h.resources.map((r) => r.inputs));
    expect(text).to.not.match(/AKIA|aws_secret_access_key|secretKey/i);
  });

  it("runs a single-node cluster on the LTS runtime that stops after 15 idle minutes", async () => {
    const ws = await build();
    const cluster = h.one("databricks:index/cluster:Cluster").inputs;
    expect(cluster).to.include({
      clusterName: "pin-test-pipeline",
      sparkVersion: "17.3.x-scala2.13",
      nodeTypeId: "m5d.large",
      numWorkers: 0,
      autoterminationMinutes: 15,
      dataSecurityMode: "NONE",
    });
    expect(cluster.awsAttributes.instanceProfileArn).to.equal(
      "arn:aws:iam::123456789012:instance-profile/pin-test-databricks-data",
    );
    expect(h.invokes.map((i) => i.token)).to.include(
      "databricks:index/getSparkVersion:getSparkVersion",
    );
    expect(
      h.invokes.find((i) => i.token.includes("getSparkVersion"))!.inputs.longTermSupport,
    ).to.equal(true);
    expect(await h.value(ws.sourceRoot)).to.equal("/mnt/pin-test-raw");
  });

  it("mounts the bucket once, through Pulumi, with the instance profile", async () => {
    await build();
    const mount = h.one("databricks:index/mount:Mount").inputs;
    expect(mount.name).to.equal("pin-test-raw");
    expect(mount.s3).to.deep.equal({
      bucketName: "pin-test-raw",
      instanceProfile: "arn:aws:iam::123456789012:instance-profile/pin-test-databricks-data",
    });
  });

  it("deploys the notebooks and every package file from the sources, byte for byte", async () => {
    await build();
    const notebook = h.byName("dbx-notebook-batch").inputs;
    expect(notebook.path).to.equal("/Shared/pin-test/notebooks/batch");
    expect(notebook.language).to.equal("PYTHON");
    expect(Buffer.from(notebook.contentBase64, "base64").toString()).to.equal(
      "# Databricks notebook source\n",
    );
    const file = h.byName("dbx-file-pinterest_etl-cleaning-py").inputs;
    expect(file.path).to.equal("/Shared/pin-test/pinterest_etl/cleaning.py");
    expect(Buffer.from(file.contentBase64, "base64").toString()).to.equal("def clean(): pass\n");
  });

  it("schedules the batch job daily but paused, with retries, a timeout and the notebook's parameters", async () => {
    const ws = await build();
    const job = h.byName("dbx-batch-job").inputs;
    expect(job.schedule).to.deep.equal({
      quartzCronExpression: "0 0 2 * * ?",
      timezoneId: "UTC",
      pauseStatus: "PAUSED",
    });
    expect(job.timeoutSeconds).to.equal(3600);
    expect(job.maxConcurrentRuns).to.equal(1);
    const task = job.tasks[0];
    expect(task).to.include({ taskKey: "batch", maxRetries: 2, jobClusterKey: "single-node" });
    expect(task.notebookTask.notebookPath).to.equal("/Shared/pin-test/notebooks/batch");
    expect(task.notebookTask.baseParameters).to.deep.equal({
      source_root: "/mnt/pin-test-raw",
      prefix: "pin-test",
      package_path: "/Workspace/Shared/pin-test",
    });
    expect(h.byName("dbx-streaming-job").inputs.tasks[0].notebookTask.baseParameters).to.deep.equal(
      {
        prefix: "pin-test",
        region: "eu-west-1",
        checkpoint_root: "/mnt/pin-test-raw/delta/_checkpoints",
        package_path: "/Workspace/Shared/pin-test",
      },
    );
    expect(job.jobClusters[0].newCluster.awsAttributes.instanceProfileArn).to.match(
      /instance-profile\/pin-test-databricks-data$/,
    );
    expect(job).to.not.have.property("emailNotifications");
    expect(await h.value(ws.batchJobUrl)).to.equal("https://dbc.example/jobs/dbx-batch-job");
  });

  it("unpauses the schedule and mails failures when the stack asks", async () => {
    await build({
      batchSchedule: { paused: false, cron: "0 30 6 * * ?", timezone: "Europe/London" },
      failureEmails: ["oncall@example.com"],
    });
    const job = h.byName("dbx-batch-job").inputs;
    expect(job.schedule).to.deep.equal({
      quartzCronExpression: "0 30 6 * * ?",
      timezoneId: "Europe/London",
      pauseStatus: "UNPAUSED",
    });
    expect(job.emailNotifications).to.deep.equal({ onFailures: ["oncall@example.com"] });
    expect(h.byName("dbx-streaming-job").inputs.continuous).to.deep.equal({
      pauseStatus: "UNPAUSED",
    });
  });

  it("grants the workspace's cross-account role PassRole on this role only", async () => {
    await build({ crossAccountRoleName: "databricks-cross-account" });
    const pass = h.byName("dbx-pass-role").inputs;
    expect(pass.role).to.equal("databricks-cross-account");
    expect(JSON.parse(pass.policy).Statement).to.deep.equal([
      {
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: "arn:aws:iam::123456789012:role/pin-test-databricks-data",
      },
    ]);
  });

  it("builds the Unity Catalog route: credential, external location and volume, no mount or profile", async () => {
    const ws = await build({
      storageRoute: "unityCatalog",
      unityCatalog: { catalog: "main", schema: "pinterest", accountId: "acc-123" },
    });
    expect(h.ofType("databricks:index/mount:Mount")).to.have.length(0);
    expect(h.ofType("aws:iam/instanceProfile:InstanceProfile")).to.have.length(0);
    expect(
      h.one("databricks:index/storageCredential:StorageCredential").inputs.awsIamRole,
    ).to.deep.equal({
      roleArn: "arn:aws:iam::123456789012:role/pin-test-databricks-data",
    });
    expect(h.one("databricks:index/externalLocation:ExternalLocation").inputs.url).to.equal(
      "s3://pin-test-raw/",
    );
    expect(h.one("databricks:index/volume:Volume").inputs).to.include({
      volumeType: "EXTERNAL",
      catalogName: "main",
      name: "pin_test_raw",
    });
    const trust = JSON.parse(h.one("aws:iam/role:Role").inputs.assumeRolePolicy).Statement[0];
    expect(trust.Principal.AWS).to.deep.equal([
      UC_MASTER_ROLE_ARN,
      "arn:aws:iam::123456789012:role/pin-test-databricks-data",
    ]);
    expect(trust.Condition).to.deep.equal({ StringEquals: { "sts:ExternalId": "acc-123" } });
    expect(h.one("databricks:index/cluster:Cluster").inputs.dataSecurityMode).to.equal(
      "USER_ISOLATION",
    );
    expect(await h.value(ws.sourceRoot)).to.equal("/Volumes/main/pinterest/pin_test_raw");
  });

  it("fills exactly the widgets the real notebooks define", () => {
    const real = path.resolve(__dirname, "..", "..", "databricks", "notebooks");
    const widgets = (file: string) =>
      [
        ...fs
          .readFileSync(path.join(real, file), "utf8")
          .matchAll(/dbutils\.widgets\.\w+\("(\w+)"/g),
      ].map((m) => m[1]);
    const params = notebookParameters({
      prefix: "p",
      sourceRoot: "/mnt/r",
      deltaRoot: "/mnt/r/delta",
      packageRoot: "/W",
      region: "r",
    });
    for (const [kind, file] of [
      ["batch", "batch.py"],
      ["streaming", "streaming.py"],
    ] as const) {
      expect(widgets(file), file).to.include.members(Object.keys(params[kind]));
    }
  });

  it("deploys every Python file of the real package", () => {
    const real = path.resolve(__dirname, "..", "..", "databricks");
    const files = packageFiles(real);
    expect(files).to.include("pinterest_etl/__init__.py");
    expect(files.every((f) => f.startsWith("pinterest_etl/") && f.endsWith(".py"))).to.equal(true);
  });
});

describe("DatabricksWorkspace argument validation", () => {
  const base = { prefix: "p", region: "eu-west-1", rawBucketName: "b", rawBucketArn: "arn" };
  const cases: [string, Partial<DatabricksWorkspaceArgs>, string][] = [
    [
      "an unknown route",
      { storageRoute: "dbfs" as never },
      'storageRoute "dbfs" is not "mount" or "unityCatalog"',
    ],
    [
      "UC without a catalog",
      { storageRoute: "unityCatalog" },
      "needs unityCatalog { catalog, schema, accountId }",
    ],
    [
      "a cluster that never stops",
      { autoterminationMinutes: 0 },
      "autoterminationMinutes 0 must be from 10 to 120",
    ],
    [
      "Delta inside the raw folder",
      { deltaPrefix: "topics/" },
      'deltaPrefix "topics/" must be one folder name',
    ],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () =>
      expect(() => validateDatabricksWorkspaceArgs({ ...base, ...args })).to.throw(message));
  }
});
