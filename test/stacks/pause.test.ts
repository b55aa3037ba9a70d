// The pause switch (pinterest-pipeline:paused) over the committed dev and prod stacks: exactly which
// resource types a paused stack keeps and drops, that pausing and resuming keeps every kept
// resource's URN and inputs (so nothing holding data is replaced), what the outputs say, and that
// the emulator refuses a paused stack. What mocks cannot prove: how long AWS takes to delete and
// recreate the dropped parts, or that a real `pulumi up` plans no replacement (the engine's diff of
// the provider's state; here the inputs the program sends are compared).
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadOutputs, OutputsError } from "../../emulator/outputs";
import { contractProblems, RESUME_HINT } from "../../stacks/contract";
import { harness, PulumiHarness } from "../../tools/pulumi-mock/mockEngine";
import { readStackConfig, runStack } from "../../tools/pulumi-mock/mockRun";

const PAUSED = { "pinterest-pipeline:paused": true };
const MOUNT = { storageRoute: "mount", crossAccountRoleName: "databricks-cross-account" };

/** Both REST APIs go with their paths: every API Gateway type but the account setting. */
const API_TYPES =
  "ApiKey Deployment Integration IntegrationResponse Method MethodResponse MethodSettings Model RequestValidator Resource Response RestApi Stage UsagePlan UsagePlanKey VpcLink"
    .split(" ")
    .map((t) => `aws:apigateway/${t[0].toLowerCase()}${t.slice(1)}:${t}`);

/** The type of the checks a stack runs in the deployer's process (Pulumi dynamic resources). */
const DYNAMIC = "pulumi-nodejs:dynamic:Resource";

/**
 * What a paused stack that must not lose data (prod) keeps of the stream path: the streams, and
 * the check of their shard count's steps.
 */
const STREAMS_KEPT = {
  [DYNAMIC]: 1,
  "aws:kinesis/stream:Stream": 3,
  "pinterest-pipeline:components:KinesisStreamPath": 1,
  "random:index/randomId:RandomId": 1,
};

/**
 * Types present running but absent paused, in both stacks (dev drops STREAMS_KEPT's too, and its
 * NAT instance like prod's NAT gateway: DEV_NAT, PROD_NAT).
 */
const REMOVED = [
  ...API_TYPES,
  "aws:autoscaling/group:Group",
  "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:lb/listener:Listener",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/targetGroup:TargetGroup",
  "aws:msk/cluster:Cluster",
  "aws:msk/configuration:Configuration",
  "aws:s3/bucketObjectv2:BucketObjectv2",
  "aws:ssm/association:Association",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "databricks:index/cluster:Cluster",
  "pinterest-pipeline:components:KafkaBatchPath",
  "pinterest-pipeline:components:KafkaClient",
  "pinterest-pipeline:components:KafkaRestApi",
  "pinterest-pipeline:components:KinesisProxyApi",
  "pinterest-pipeline:components:MskCluster",
];

/** Types only prod has running: its sink runs on MSK Connect (dev's on the client machine). */
const MSK_CONNECT_TYPES = [
  "aws:mskconnect/connector:Connector",
  "aws:mskconnect/customPlugin:CustomPlugin",
  "aws:mskconnect/workerConfiguration:WorkerConfiguration",
  "pinterest-pipeline:components:S3SinkConnector",
];

/** Dev's NAT is one instance (network.natGateways: instance), prod's a NAT gateway. */
const DEV_NAT = ["aws:ec2/instance:Instance", "pinterest-pipeline:components:NatInstance"];
const PROD_NAT = ["aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway"];

/** Types a paused dev stack keeps, with their counts. */
const DEV_KEPT = {
  "aws:apigateway/account:Account": 1,
  "aws:cloudwatch/logGroup:LogGroup": 2,
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
  "aws:ec2/internetGateway:InternetGateway": 1,
  "aws:ec2/routeTable:RouteTable": 3,
  "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
  "aws:ec2/securityGroup:SecurityGroup": 1,
  "aws:ec2/subnet:Subnet": 4,
  "aws:ec2/vpc:Vpc": 1,
  "aws:ec2/vpcEndpoint:VpcEndpoint": 1,
  "aws:iam/role:Role": 3,
  "aws:iam/rolePolicy:RolePolicy": 3,
  "aws:rds/instance:Instance": 1,
  "aws:rds/parameterGroup:ParameterGroup": 1,
  "aws:rds/subnetGroup:SubnetGroup": 1,
  "aws:s3/bucket:Bucket": 1,
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
  "aws:s3/bucketPolicy:BucketPolicy": 1,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
  "aws:s3/bucketVersioning:BucketVersioning": 1,
  "databricks:index/credential:Credential": 1,
  "databricks:index/directory:Directory": 1,
  "databricks:index/externalLocation:ExternalLocation": 1,
  "databricks:index/grant:Grant": 1,
  "databricks:index/grants:Grants": 4,
  "databricks:index/job:Job": 2,
  "databricks:index/notebook:Notebook": 2,
  "databricks:index/permissions:Permissions": 1,
  "databricks:index/schema:Schema": 1,
  "databricks:index/servicePrincipal:ServicePrincipal": 1,
  "databricks:index/storageCredential:StorageCredential": 1,
  "databricks:index/volume:Volume": 2,
  "time:index/sleep:Sleep": 1,
  "pinterest-pipeline:components:ApiGatewayAccount": 1,
  "pinterest-pipeline:components:DatabricksWorkspace": 1,
  "pinterest-pipeline:components:Network": 1,
  "pinterest-pipeline:components:RawBucket": 1,
  "pinterest-pipeline:components:SourceDatabase": 1,
  "pulumi:providers:databricks": 1,
};

/**
 * What prod keeps beyond dev's types: its flow logs and (allowDataLoss false) its streams with
 * their unread records; and what it adds, the drain check.
 */
const PROD_KEPT = {
  ...DEV_KEPT,
  ...STREAMS_KEPT,
  [DYNAMIC]: 2,
  "aws:cloudwatch/logGroup:LogGroup": 3,
  "aws:ec2/flowLog:FlowLog": 1,
  "aws:iam/role:Role": 4,
  "aws:iam/rolePolicy:RolePolicy": 4,
  // Who hears of failures stays while paused (alerts.emails; nothing billed).
  "aws:sns/topic:Topic": 1,
  "aws:sns/topicPolicy:TopicPolicy": 1,
  "aws:sns/topicSubscription:TopicSubscription": 1,
  "pinterest-pipeline:components:AlertTopic": 1,
};

/** Counts without the package's wheel (one file in the work volume), which stays. */
function keptCounts(h: PulumiHarness): Record<string, number> {
  const { "databricks:index/file:File": files, ...rest } = h.counts();
  expect(files, "the package's wheel stays").to.equal(1);
  return rest;
}

describe("pause switch", function () {
  this.timeout(120_000);

  for (const [stack, kept] of [
    ["dev", DEV_KEPT],
    ["prod", PROD_KEPT],
  ] as const) {
    it(`${stack}: paused keeps exactly the data and identity, and drops exactly the hourly parts`, async () => {
      const running = harness();
      await runStack(running, stack);
      const paused = harness();
      await runStack(paused, stack, PAUSED);
      expect(keptCounts(paused)).to.deep.equal(kept);
      const removed = Object.keys(running.counts()).filter((t) => !(t in paused.counts()));
      const dropped =
        stack === "dev"
          ? [...REMOVED, ...DEV_NAT, ...Object.keys(STREAMS_KEPT)]
          : [...REMOVED, ...PROD_NAT, ...MSK_CONNECT_TYPES];
      expect(removed.sort()).to.deep.equal([...dropped].sort());
    });

    it(`${stack}: pause then resume keeps every kept resource's URN and inputs (no replacement)`, async () => {
      const running = harness();
      await runStack(running, stack);
      const paused = harness();
      await runStack(paused, stack, PAUSED);
      const resumed = harness();
      await runStack(resumed, stack);
      const byUrn = new Map(running.resources.map((r) => [r.urn, r]));
      const changed: string[] = [];
      for (const r of paused.resources.filter((r) => r.name !== "kafka-drain")) {
        const before = byUrn.get(r.urn);
        expect(before, `${r.urn} exists running too`).to.not.equal(undefined);
        if (JSON.stringify(before!.inputs) !== JSON.stringify(r.inputs)) changed.push(r.name);
      }
      // Only the NAT route of the private route tables, prod's running batch and streaming schedules and, in
      // dev, whose streams go, the streaming job's checkpoint folder change (in place); the bucket,
      // database, secrets, roles, notebooks and prod's streams send the same inputs.
      const expected = ["network-private-rt-0", "network-private-rt-1"];
      expect(changed).to.deep.equal(
        stack === "prod"
          ? [...expected, "databricks-streaming-job", "databricks-batch-job"]
          : [...expected, "databricks-streaming-job"],
      );
      expect(resumed.graph()).to.deep.equal(running.graph());
      for (const name of ["batch-raw-bucket", "source-mysql", "databricks-streaming-job"]) {
        expect(paused.byName(name).urn).to.equal(running.byName(name).urn);
      }
    });
  }

  /** The streaming job's checkpoint root parameter (one folder per table below it). */
  const checkpointRoot = (h: PulumiHarness): string =>
    h.byName("databricks-streaming-job").inputs.tasks[0].notebookTask.baseParameters
      .checkpoint_root;

  // Issue 24, N2. "If you delete and recreate a Kinesis stream, you cannot reuse any existing
  // checkpoint directories to restart a streaming query" (Databricks, "Connect to Amazon
  // Kinesis"). A stack that must not lose data keeps its streams while paused: their unread
  // records stay (for the streams' retention) and the job resumes on the same checkpoints.
  it("prod (allowDataLoss false): paused keeps the streams and their generation; the job resumes on the same checkpoints", async () => {
    const running = harness();
    await runStack(running, "prod");
    const paused = harness();
    await runStack(paused, "prod", PAUSED);
    const streams = (h: PulumiHarness) => h.ofType("aws:kinesis/stream:Stream");
    expect(streams(paused).map((s) => [s.urn, s.inputs])).to.deep.equal(
      streams(running).map((s) => [s.urn, s.inputs]),
    );
    const generation = paused.one("random:index/randomId:RandomId");
    expect(generation.urn).to.equal(running.one("random:index/randomId:RandomId").urn);
    expect(checkpointRoot(paused)).to.equal(checkpointRoot(running));
    expect(checkpointRoot(running)).to.match(new RegExp(`/stream-${generation.state.hex}$`));
    expect(paused.ofType("aws:apigateway/restApi:RestApi")).to.have.length(0);
  });

  // A stack that may lose data (dev) drops its streams while paused: the generation goes with
  // them (a child of the stream path, replaced with any stream), so the resumed streams get a new
  // one and the job new checkpoints, with no manual step.
  it("dev (allowDataLoss true): paused drops the streams and their generation; resumed, the job checkpoints under the new one", async () => {
    const running = harness();
    await runStack(running, "dev");
    const generation = running.one("random:index/randomId:RandomId");
    expect(generation.parentUrn).to.equal(
      running.one("pinterest-pipeline:components:KinesisStreamPath").urn,
    );
    expect(generation.inputs.keepers).to.deep.equal({
      streams: "streaming-pin-dev-pin,streaming-pin-dev-geo,streaming-pin-dev-user",
    });
    expect(checkpointRoot(running)).to.match(new RegExp(`/stream-${generation.state.hex}$`));
    const paused = harness();
    await runStack(paused, "dev", PAUSED);
    expect(paused.ofType("aws:kinesis/stream:Stream")).to.have.length(0);
    expect(paused.ofType("random:index/randomId:RandomId")).to.have.length(0);
    expect(checkpointRoot(paused)).to.not.include("/stream-");
  });

  // Pausing deletes the MSK cluster with every record its S3 sink has not written. Prod checks
  // that the batch path is drained in the pausing `up` itself, before Pulumi deletes anything
  // (it deletes only after every create of the run succeeded); dev, which may lose data, does not.
  it("prod (allowDataLoss false): pausing first checks the batch path is drained, by the names its resources had", async () => {
    const running = harness();
    await runStack(running, "prod");
    expect(running.ofType(DYNAMIC).map((r) => r.name)).to.deep.equal(["stream-shard-step"]);
    const paused = harness();
    await runStack(paused, "prod", PAUSED);
    const check = paused.byName("kafka-drain", DYNAMIC);
    const { __provider, ...target } = check.inputs;
    expect(__provider, "the serialized provider").to.be.a("string").and.include("SumOffsetLag");
    expect(target).to.deep.equal({
      region: "eu-west-1",
      clusterName: running.one("aws:msk/cluster:Cluster").inputs.clusterName,
      consumerGroup: `connect-${running.one("aws:mskconnect/connector:Connector").inputs.name}`,
      topics: ["pin-prod.pin", "pin-prod.geo", "pin-prod.user"],
      apiName: running.byName("batch-api-api", "aws:apigateway/restApi:RestApi").inputs.name,
      stageName: running.byName("batch-api-stage", "aws:apigateway/stage:Stage").inputs.stageName,
    });
    const dev = harness();
    await runStack(dev, "dev", PAUSED);
    expect(dev.ofType(DYNAMIC)).to.have.length(0);
  });

  it("paused: both jobs kept with their schedules paused, no interactive cluster", async () => {
    const h = harness();
    const { jobs } = await runStack(h, "prod", PAUSED);
    expect(h.byName("databricks-batch-job").inputs.schedule.pauseStatus).to.equal("PAUSED");
    expect(h.byName("databricks-streaming-job").inputs.schedule.pauseStatus).to.equal("PAUSED");
    expect(jobs?.clusterId).to.equal("");
  });

  it("mount route: paused keeps the cluster the mount is made on, and the role names the same streams", async () => {
    const dbx = {
      ...(readStackConfig("dev")["pinterest-pipeline:databricks"] as object),
      ...MOUNT,
    };
    const running = harness();
    await runStack(running, "dev", { "pinterest-pipeline:databricks": dbx });
    const paused = harness();
    await runStack(paused, "dev", { ...PAUSED, "pinterest-pipeline:databricks": dbx });
    expect(paused.ofType("databricks:index/cluster:Cluster")).to.have.length(1);
    // The data role's policy by name: registration order differs between runs.
    const policy = (h: PulumiHarness) =>
      h.byName("databricks-data", "aws:iam/rolePolicy:RolePolicy");
    expect(policy(paused).inputs.policy).to.include(
      "arn:aws:kinesis:eu-west-1:123456789012:stream/streaming-pin-dev-pin",
    );
    expect(policy(paused).inputs).to.deep.equal(policy(running).inputs);
  });

  // The Kinesis service credential is identity: a paused Unity Catalog stack keeps it, its role
  // naming the same stream ARNs (pausedStreamArns), so resuming neither replaces nor edits it.
  it("Unity Catalog route: paused keeps the Kinesis credential, its role naming the same streams", async () => {
    const running = harness();
    await runStack(running, "dev");
    const paused = harness();
    await runStack(paused, "dev", PAUSED);
    expect(paused.ofType("databricks:index/credential:Credential")).to.have.length(1);
    const policy = (h: PulumiHarness) =>
      h.byName("databricks-kinesis", "aws:iam/rolePolicy:RolePolicy").inputs;
    expect(policy(paused).policy).to.include(
      "arn:aws:kinesis:eu-west-1:123456789012:stream/streaming-pin-dev-pin",
    );
    expect(policy(paused)).to.deep.equal(policy(running));
  });

  it("the outputs say paused, carry no batch or stream section, and follow the contract", async () => {
    const { outputs } = await runStack(harness(), "dev", PAUSED);
    expect(outputs.paused).to.equal(true);
    expect([outputs.batch, outputs.stream]).to.deep.equal([undefined, undefined]);
    expect(outputs.sourceDatabase?.host).to.equal(
      "pin-dev-source.abcdefghijkl.eu-west-1.rds.amazonaws.com",
    );
    expect(contractProblems(outputs)).to.deep.equal([]);
    const running = await runStack(harness(), "dev");
    expect(running.outputs.paused).to.equal(undefined);
  });

  it("with MWAA on, a paused stack keeps its bucket, secret and role and drops the environment", async () => {
    const h = harness();
    await runStack(h, "dev", { ...PAUSED, "pinterest-pipeline:mwaa": { enabled: true } });
    expect(h.ofType("aws:mwaa/environment:Environment")).to.have.length(0);
    expect(h.ofType("aws:secretsmanager/secret:Secret").map((s) => s.inputs.name)).to.deep.equal([
      "airflow/pin-dev/connections/databricks_default",
    ]);
    expect(h.byName("airflow-execution", "aws:iam/role:Role").inputs.description).to.equal(
      "MWAA pin-dev-airflow",
    );
  });

  it("with the dashboard on, a paused stack drops the dashboard and its SQL warehouse", async () => {
    const dbx = {
      ...(readStackConfig("dev")["pinterest-pipeline:databricks"] as object),
      dashboard: true,
    };
    const running = harness();
    await runStack(running, "dev", { "pinterest-pipeline:databricks": dbx });
    expect(running.ofType("databricks:index/sqlEndpoint:SqlEndpoint")).to.have.length(1);
    const paused = harness();
    await runStack(paused, "dev", { ...PAUSED, "pinterest-pipeline:databricks": dbx });
    const types = Object.keys(paused.counts()).filter((t) => /dashboard|sqlEndpoint/i.test(t));
    expect(types).to.deep.equal([]);
  });

  it("the emulator refuses a paused stack, saying how to resume", async () => {
    const { outputs } = await runStack(harness(), "dev", PAUSED);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "paused-")), "outputs.json");
    fs.writeFileSync(file, JSON.stringify({ pipeline: outputs }));
    const error = await loadOutputs("dev", file).then(
      () => new Error("loadOutputs accepted a paused stack"),
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(OutputsError);
    expect(error.message).to.include('Stack "dev"');
    expect(error.message).to.include("is paused");
    expect(error.message).to.include(RESUME_HINT);
    expect(RESUME_HINT).to.equal("pulumi config set pinterest-pipeline:paused false && pulumi up");
  });
});
