import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import {
  DatabricksWorkspace,
  DatabricksWorkspaceArgs,
  UC_MASTER_ROLE_ARN,
  validateDatabricksWorkspaceArgs,
} from "../../../components/databricks/databricksWorkspace";
import {
  notebookParameters,
  STREAMING_INTERVAL_MINUTES,
  streamingCron,
} from "../../../components/databricks/databricksJobs";
import {
  buildPackageWheel,
  PackageWheel,
} from "../../../components/databricks/packageWheel";
import { KINESIS_STREAM_PATH_LIMITS } from "../../../components/kinesis/kinesisStreamPath";
import { fixtureSources } from "../../harness/databricksSources";
import { harness, PulumiHarness } from "../../../tools/pulumi-mock/mockEngine";

const BUCKET_ARN = "arn:aws:s3:::pin-test-raw";
const STREAMS = ["pin", "geo", "user"].map(
  (t) => `arn:aws:kinesis:eu-west-1:123456789012:stream/streaming-pin-test-${t}`,
);

const ROLE_ARN = "arn:aws:iam::123456789012:role/pin-test-databricks-data";
const KINESIS_ROLE_ARN = "arn:aws:iam::123456789012:role/pin-test-databricks-kinesis";
const EXTERNAL_ID = "0a1b2c3d-uc-credential-external-id";
const SERVICE_EXTERNAL_ID = "4e5f6a7b-uc-service-credential-external-id";
const UC = { catalog: "main" };
const MOUNT = { storageRoute: "mount" as const, crossAccountRoleName: "databricks-cross-account" };

/** Every principal a trust policy names, flattened. */
const principals = (doc: string): string[] =>
  JSON.parse(doc).Statement.flatMap((s: any) =>
    Object.values(s.Principal ?? {}).flatMap((p) => [p].flat() as string[]),
  );

// Mocks prove the resources, their settings and their order; they cannot prove that Databricks
// accepts them (it validates the instance profile with an EC2 dry run and the external location by
// assuming the role, both against IAM that may still be propagating), nor that the catalog has
// managed storage.
describe("DatabricksWorkspace", () => {
  let h: PulumiHarness;
  let sourceDir: string;
  let wheel: PackageWheel;
  before(function () {
    // The first build on a machine fetches pyproject's build requirements; later ones reuse
    // .local/dist/<id>/.
    this.timeout(180_000);
    sourceDir = fixtureSources();
    wheel = buildPackageWheel(sourceDir);
  });
  beforeEach(() => {
    h = harness().install();
    h.onInvoke("databricks:index/getNodeType:getNodeType", () => ({ id: "m5d.large" }));
    h.compute("databricks:index/job:Job", (name) => ({ url: `https://dbc.example/jobs/${name}` }));
    // Databricks computes the credential's external id (provider doc: awsIamRole.externalId).
    h.compute("databricks:index/storageCredential:StorageCredential", (_n, inputs) => ({
      awsIamRole: { ...inputs.awsIamRole, externalId: EXTERNAL_ID },
    }));
    h.compute("databricks:index/credential:Credential", (_n, inputs) => ({
      awsIamRole: { ...inputs.awsIamRole, externalId: SERVICE_EXTERNAL_ID },
    }));
  });

  async function build(args: Partial<DatabricksWorkspaceArgs> = {}, name = "dbx") {
    const ws = new DatabricksWorkspace(name, {
      prefix: "pin-test",
      region: "eu-west-1",
      rawBucketName: "pin-test-raw",
      rawBucketArn: BUCKET_ARN,
      streamArns: STREAMS,
      unityCatalog: UC,
      sourceDir,
      ...args,
    });
    await h.settle();
    return ws;
  }

  describe("Unity Catalog route (the default)", () => {
    it("builds credentials, roles, read-only location, schema, two volumes, cluster, code and jobs", async () => {
      await build();
      expect(h.graph()).to.deep.equal([
        "aws:iam/role:Role dbx-data",
        "aws:iam/role:Role dbx-kinesis",
        "aws:iam/rolePolicy:RolePolicy dbx-data",
        "aws:iam/rolePolicy:RolePolicy dbx-kinesis",
        "databricks:index/cluster:Cluster dbx-cluster",
        "databricks:index/credential:Credential dbx-kinesis-credential",
        "databricks:index/directory:Directory dbx-folder",
        "databricks:index/externalLocation:ExternalLocation dbx-location",
        "databricks:index/file:File dbx-wheel",
        "databricks:index/grant:Grant dbx-catalog-run-as",
        "databricks:index/grants:Grants dbx-grants-kinesisCredential",
        "databricks:index/grants:Grants dbx-grants-rawVolume",
        "databricks:index/grants:Grants dbx-grants-schema",
        "databricks:index/grants:Grants dbx-grants-workVolume",
        "databricks:index/job:Job dbx-batch-job",
        "databricks:index/job:Job dbx-streaming-job",
        "databricks:index/notebook:Notebook dbx-notebook-batch",
        "databricks:index/notebook:Notebook dbx-notebook-streaming",
        "databricks:index/permissions:Permissions dbx-folder",
        "databricks:index/schema:Schema dbx-schema",
        "databricks:index/servicePrincipal:ServicePrincipal dbx-run-as",
        "databricks:index/storageCredential:StorageCredential dbx-credential",
        "databricks:index/volume:Volume dbx-volume-raw",
        "databricks:index/volume:Volume dbx-volume-work",
        "pinterest-pipeline:components:DatabricksWorkspace dbx",
        "time:index/sleep:Sleep dbx-data-iam-propagation",
      ]);
    });

    // Rule: IAM resolves principals when a policy is saved, so a trust policy naming the role being
    // created fails CreateRole with "Invalid principal in policy" (aws-samples/
    // aws-secure-environment-accelerator#1136, databrickslabs/ucx#2269). Self-assumption is granted
    // through the account root + aws:PrincipalArn, as the provider renders it
    // (terraform-provider-databricks aws/data_aws_unity_catalog_assume_role_policy.go).
    it("never names the role being created in its own trust policy", async () => {
      await build();
      const role = h.byName("dbx-data", "aws:iam/role:Role").inputs;
      expect(principals(role.assumeRolePolicy)).to.deep.equal([
        UC_MASTER_ROLE_ARN,
        "arn:aws:iam::123456789012:root",
      ]);
      const self = JSON.parse(role.assumeRolePolicy).Statement[1];
      expect(self.Condition.ArnLike).to.deep.equal({ "aws:PrincipalArn": ROLE_ARN });
    });

    // Rule: Databricks assumes the role with the storage credential's own external id (provider
    // docs: getAwsUnityCatalogAssumeRolePolicy externalId "The storage credential external id";
    // guide unity-catalog.md). The credential names the role by ARN, not by reference, so the
    // trust can wait for the credential without a cycle.
    it("binds the trust to the storage credential's external id, in the provider's two-step order", async () => {
      await build();
      const credential = h.one("databricks:index/storageCredential:StorageCredential");
      expect(credential.inputs.awsIamRole).to.deep.equal({ roleArn: ROLE_ARN });
      const role = h.byName("dbx-data", "aws:iam/role:Role");
      for (const s of JSON.parse(role.inputs.assumeRolePolicy).Statement) {
        expect(s.Condition.StringEquals).to.deep.equal({ "sts:ExternalId": EXTERNAL_ID });
      }
      expect(role.dependsOn).to.include(credential.urn);
      expect(credential.dependsOn).to.not.include(role.urn);
    });

    // Rule: a self-assuming role also needs sts:AssumeRole on itself in its permission policy
    // (provider aws/data_aws_unity_catalog_policy.go; databricks/terraform-databricks-sra#37);
    // external-location validation lists the location's root (no prefix condition).
    it("lets the role assume itself and list and read the bucket, nothing more", async () => {
      await build();
      const policy = JSON.parse(h.byName("dbx-data", "aws:iam/rolePolicy:RolePolicy").inputs.policy);
      expect(policy.Statement).to.deep.equal([
        {
          Sid: "ListRawBucket",
          Effect: "Allow",
          Action: ["s3:ListBucket", "s3:GetBucketLocation"],
          Resource: BUCKET_ARN,
        },
        {
          Sid: "ReadRawBucket",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: `${BUCKET_ARN}/*`,
        },
        { Sid: "AssumeSelf", Effect: "Allow", Action: "sts:AssumeRole", Resource: ROLE_ARN },
      ]);
    });

    // Rule: Databricks validates an external location by assuming the credential's role, so the
    // role and its policy exist first (guide unity-catalog.md orders them so).
    it("creates the external location only after the role and its policy", async () => {
      await build();
      const location = h.one("databricks:index/externalLocation:ExternalLocation");
      expect(location.inputs).to.include({
        name: "pin-test-raw",
        url: "s3://pin-test-raw/",
        credentialName: "pin-test-raw",
        readOnly: true,
      });
      // Through the IAM propagation wait (IAM_PROPAGATION_WAIT, databricksStorage.ts, names the
      // provider docs and the Databricks module that wait there).
      const wait = h.one("time:index/sleep:Sleep");
      expect(wait.inputs.createDuration).to.equal("30s");
      expect(location.dependsOn).to.include(wait.urn);
      expect(wait.dependsOn).to.include.members([
        h.byName("dbx-data", "aws:iam/role:Role").urn,
        h.byName("dbx-data", "aws:iam/rolePolicy:RolePolicy").urn,
      ]);
    });

    it("writes tables to <catalog>.<schema>, checkpoints and the package's wheel to a managed volume", async () => {
      const ws = await build();
      expect(h.one("databricks:index/schema:Schema").inputs).to.include({
        catalogName: "main",
        name: "pin_test",
      });
      expect(h.byName("dbx-volume-raw").inputs).to.include({
        name: "pin_test_raw",
        volumeType: "EXTERNAL",
        storageLocation: "s3://pin-test-raw/",
      });
      expect(h.byName("dbx-volume-work").inputs).to.include({
        name: "pin_test_work",
        volumeType: "MANAGED",
      });
      expect(h.byName("dbx-volume-work").inputs).to.not.have.property("storageLocation");
      const file = h.byName("dbx-wheel", "databricks:index/file:File");
      expect(file.inputs.path).to.equal(
        `/Volumes/main/pin_test/pin_test_work/wheels/${wheel.id}/pinterest_etl-0.1.0-py3-none-any.whl`,
      );
      expect(Buffer.from(file.inputs.contentBase64, "base64")).to.deep.equal(
        fs.readFileSync(wheel.file),
      );
      expect(file.dependsOn).to.include(h.byName("dbx-volume-work").urn);
      expect(h.ofType("databricks:index/workspaceFile:WorkspaceFile")).to.have.length(0);
      const batch = h.byName("dbx-batch-job").inputs.tasks[0].notebookTask.baseParameters;
      expect(batch).to.deep.equal({
        source_root: "/Volumes/main/pin_test/pin_test_raw",
        prefix: "pin-test",
        checkpoint_root: "/Volumes/main/pin_test/pin_test_work/checkpoints",
        schema: "main.pin_test",
      });
      const streaming = h.byName("dbx-streaming-job").inputs.tasks[0].notebookTask.baseParameters;
      expect(streaming).to.deep.equal({
        prefix: "pin-test",
        region: "eu-west-1",
        checkpoint_root: "/Volumes/main/pin_test/pin_test_work/checkpoints",
        schema: "main.pin_test",
        available_now: "true",
        service_credential: "pin-test-kinesis",
      });
      expect(await h.value(ws.tableSchema)).to.equal("main.pin_test");
      expect(await h.value(ws.sourceRoot)).to.equal("/Volumes/main/pin_test/pin_test_raw");
    });

    // The schema's delete fails once the jobs have written tables unless forced ("Schema ... is
    // not empty. The schema has 1 tables(s)", databricks/terraform-provider-databricks#3659), and
    // forcing drops them: node_modules/@pulumi/databricks/schema.d.ts, forceDestroy "Delete schema
    // regardless of its contents" (catalog/resource_schema.go: DeleteSchemaRequest{Force}). So it
    // follows the raw bucket's rule: dropped where data loss is allowed, retained otherwise.
    it("drops the schema with its tables on destroy only when asked, and otherwise leaves it", async () => {
      await build();
      await build({ forceDestroy: true }, "dropped");
      const kept = h.byName("dbx-schema");
      expect(kept.inputs.forceDestroy).to.equal(false);
      expect(kept.retainOnDelete).to.equal(true);
      const dropped = h.byName("dropped-schema");
      expect(dropped.inputs.forceDestroy).to.equal(true);
      expect(dropped.retainOnDelete).to.equal(false);
    });

    // The same trap, checked for the schema's neighbours. A volume drops whatever it holds
    // (Databricks SQL reference, DROP VOLUME: a managed volume's files are purged after 7 days, an
    // external one's stay), and catalog/resource_volume.go deletes without a force flag. An
    // external location or a storage credential with dependents refuses deletion unless forced
    // (their force_destroy, catalog/resource_external_location.go, resource_storage_credential.go);
    // their only dependents are the stack's own, which the engine deletes first.
    it("deletes each volume before its schema and location, and the location before its credential", async () => {
      await build();
      const urn = (name: string) => h.byName(name).urn;
      for (const volume of ["dbx-volume-raw", "dbx-volume-work"])
        expect(h.byName(volume).dependsOn, volume).to.include(urn("dbx-schema"));
      expect(h.byName("dbx-volume-raw").dependsOn).to.include(urn("dbx-location"));
      expect(h.byName("dbx-location").dependsOn).to.include(urn("dbx-credential"));
      for (const type of ["externalLocation:ExternalLocation", "storageCredential:StorageCredential"]) {
        const r = h.one(`databricks:index/${type}`);
        expect(r.inputs, type).to.not.have.property("forceDestroy");
        expect(r.retainOnDelete, type).to.equal(false);
      }
    });

    it("uses the schema the stack names", async () => {
      await build({ unityCatalog: { catalog: "lake", schema: "pinterest" } });
      expect(h.one("databricks:index/schema:Schema").inputs).to.include({
        catalogName: "lake",
        name: "pinterest",
      });
    });

    // Rule: workspaces with legacy features disabled refuse DBFS mounts and no-isolation clusters
    // and provision no Hive metastore (provider doc of databricks.DisableLegacyFeaturesSetting):
    // the default route uses none of them.
    it("uses no mount, instance profile or no-isolation cluster", async () => {
      await build();
      expect(h.ofType("databricks:index/mount:Mount")).to.have.length(0);
      expect(h.ofType("databricks:index/instanceProfile:InstanceProfile")).to.have.length(0);
      expect(h.ofType("aws:iam/instanceProfile:InstanceProfile")).to.have.length(0);
      const cluster = h.one("databricks:index/cluster:Cluster").inputs;
      expect(cluster.dataSecurityMode).to.equal("USER_ISOLATION");
      expect(cluster.awsAttributes).to.not.have.property("instanceProfileArn");
    });
  });

  // Kinesis on the Unity Catalog route: a standard-access cluster has no instance profile, so the
  // Kinesis source reads with a Unity Catalog service credential ("Databricks recommends managing
  // your connection to Kinesis using a Databricks service credential … Databricks Runtime 16.1 and
  // above", docs.databricks.com/aws/en/connect/streaming/kinesis; review row 3).
  describe("Kinesis service credential (Unity Catalog route)", () => {
    // Rule: a service credential is a databricks_credential of purpose SERVICE with an IAM role
    // (provider doc docs/resources/credential.md). The role's trust needs the credential's
    // external id, computed on creation, so the credential names the role by ARN and comes first;
    // it cannot validate then, hence skipValidation ("Suppress validation errors if any & force
    // save the credential", same doc).
    it("creates a SERVICE credential naming its role by ARN, before the role", async () => {
      await build();
      const credential = h.one("databricks:index/credential:Credential");
      expect(credential.name).to.equal("dbx-kinesis-credential");
      expect(credential.inputs).to.deep.include({
        name: "pin-test-kinesis",
        purpose: "SERVICE",
        awsIamRole: { roleArn: KINESIS_ROLE_ARN },
        skipValidation: true,
      });
      const role = h.byName("dbx-kinesis", "aws:iam/role:Role");
      expect(role.inputs.name).to.equal("pin-test-databricks-kinesis");
      expect(role.dependsOn).to.include(credential.urn);
      expect(credential.dependsOn).to.not.include(role.urn);
    });

    // Rule: the service credential's role trusts Databricks' Unity Catalog role and itself, both
    // with the service credential's external id (Databricks "Create service credentials", step 3,
    // as quoted in terraform-provider-databricks#4755 and #4596; the provider renders it in
    // aws/data_aws_unity_catalog_assume_role_policy.go), the role named through the account root
    // + aws:PrincipalArn because IAM resolves principals when the policy is saved.
    it("trusts Unity Catalog's role and itself, bound to the service credential's external id", async () => {
      await build();
      const trust = h.byName("dbx-kinesis", "aws:iam/role:Role").inputs.assumeRolePolicy;
      expect(principals(trust)).to.deep.equal([
        UC_MASTER_ROLE_ARN,
        "arn:aws:iam::123456789012:root",
      ]);
      const statements = JSON.parse(trust).Statement;
      for (const st of statements) {
        expect(st.Condition.StringEquals).to.deep.equal({ "sts:ExternalId": SERVICE_EXTERNAL_ID });
      }
      expect(statements[1].Condition.ArnLike).to.deep.equal({
        "aws:PrincipalArn": KINESIS_ROLE_ARN,
      });
    });

    // Rule: "The Kinesis source requires ListShards, GetRecords, and GetShardIterator
    // permissions" (docs.databricks.com/aws/en/connect/streaming/kinesis), plus DescribeStream and
    // DescribeStreamSummary, which a Kinesis consumer calls before reading (AWS Kinesis Data
    // Streams Developer Guide, "Create an IAM policy and user"); on this stack's three streams
    // only. Self-assumption needs sts:AssumeRole on itself in the role's own policy too
    // (databricks/terraform-databricks-sra#37). Nothing else: no writes, no fan-out, no wildcards.
    it("lets the role read exactly the stack's three streams and assume itself", async () => {
      await build();
      const policy = JSON.parse(h.byName("dbx-kinesis", "aws:iam/rolePolicy:RolePolicy").inputs.policy);
      expect(policy.Statement).to.deep.equal([
        {
          Sid: "ReadStreams",
          Effect: "Allow",
          Action: [
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetShardIterator",
            "kinesis:GetRecords",
            "kinesis:ListShards",
          ],
          Resource: STREAMS,
        },
        {
          Sid: "AssumeSelf",
          Effect: "Allow",
          Action: "sts:AssumeRole",
          Resource: KINESIS_ROLE_ARN,
        },
      ]);
    });

    // Rule: the Kinesis source takes the credential by name (`serviceCredential`, same Kinesis
    // page); the notebook's `service_credential` widget passes it on. The job waits for the role
    // and its policy, so no scheduled run can start against a role not yet written.
    it("passes the credential's name to the streaming job, which waits for the role", async () => {
      const ws = await build();
      const job = h.byName("dbx-streaming-job");
      expect(job.inputs.tasks[0].notebookTask.baseParameters.service_credential).to.equal(
        "pin-test-kinesis",
      );
      expect(job.dependsOn).to.include.members([
        h.byName("dbx-kinesis", "aws:iam/role:Role").urn,
        h.byName("dbx-kinesis", "aws:iam/rolePolicy:RolePolicy").urn,
      ]);
      expect(await h.value(ws.kinesisCredentialName)).to.equal("pin-test-kinesis");
      expect(await h.value(ws.kinesisRoleArn)).to.equal(KINESIS_ROLE_ARN);
      // The batch job reads no stream and takes no credential.
      const batch = h.byName("dbx-batch-job").inputs.tasks[0].notebookTask.baseParameters;
      expect(batch).to.not.have.property("service_credential");
    });

    it("makes no service credential where there are no streams", async () => {
      const ws = await build({ streamArns: [] });
      expect(h.ofType("databricks:index/credential:Credential")).to.have.length(0);
      expect(h.ofType("aws:iam/role:Role").map((r) => r.name)).to.deep.equal(["dbx-data"]);
      expect(await h.value(ws.kinesisCredentialName)).to.equal("");
    });
  });

  describe("mount route (the course's)", () => {
    it("builds role, instance profile, pass-role grant, cluster, mount, code and jobs", async () => {
      await build(MOUNT);
      expect(h.graph()).to.deep.equal([
        "aws:iam/instanceProfile:InstanceProfile dbx-data",
        "aws:iam/role:Role dbx-data",
        "aws:iam/rolePolicy:RolePolicy dbx-data",
        "aws:iam/rolePolicy:RolePolicy dbx-pass-role",
        "databricks:index/cluster:Cluster dbx-cluster",
        "databricks:index/directory:Directory dbx-folder",
        "databricks:index/instanceProfile:InstanceProfile dbx-data",
        "databricks:index/job:Job dbx-batch-job",
        "databricks:index/job:Job dbx-streaming-job",
        "databricks:index/mount:Mount dbx-raw-mount",
        "databricks:index/notebook:Notebook dbx-notebook-batch",
        "databricks:index/notebook:Notebook dbx-notebook-streaming",
        "databricks:index/permissions:Permissions dbx-folder",
        "databricks:index/servicePrincipal:ServicePrincipal dbx-run-as",
        "databricks:index/servicePrincipalRole:ServicePrincipalRole dbx-run-as-data",
        "databricks:index/workspaceFile:WorkspaceFile dbx-wheel",
        "pinterest-pipeline:components:DatabricksWorkspace dbx",
        "time:index/sleep:Sleep dbx-data-iam-propagation",
      ]);
    });

    it("reaches S3 with no keys: an EC2-trusted role scoped to topics/ (read) and delta/ (read-write)", async () => {
      await build(MOUNT);
      const role = h.one("aws:iam/role:Role").inputs;
      expect(JSON.parse(role.assumeRolePolicy).Statement).to.deep.equal([
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
      const policy = JSON.parse(
        h.byName("dbx-data", "aws:iam/rolePolicy:RolePolicy").inputs.policy,
      );
      const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
      expect(bySid.ReadRawEvents.Resource).to.equal(`${BUCKET_ARN}/topics/*`);
      expect(bySid.ReadRawEvents.Action).to.deep.equal(["s3:GetObject"]);
      expect(bySid.ReadWriteDeltaTables.Resource).to.equal(`${BUCKET_ARN}/delta/*`);
      expect(bySid.ListRawAndDeltaFolders.Condition.StringLike["s3:prefix"]).to.deep.equal([
        "topics/*",
        "delta/*",
        "",
      ]);
      // The mount route's job cluster reads Kinesis with this instance profile: the same reads
      // the Kinesis source requires (docs.databricks.com/aws/en/connect/streaming/kinesis).
      expect(bySid.ReadStreams.Resource).to.deep.equal(STREAMS);
      expect(bySid.ReadStreams.Action).to.include.members([
        "kinesis:ListShards",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
      ]);
      expect(h.ofType("databricks:index/credential:Credential")).to.have.length(0);
      for (const s of policy.Statement) {
        expect([s.Action].flat().some((a: string) => a.includes("*"))).to.equal(false);
        expect([s.Resource].flat()).to.not.include("*");
      }
      const text = JSON.stringify(h.resources.map((r) => r.inputs));
      expect(text).to.not.match(/AKIA|aws_secret_access_key|secretKey/i);
    });

    // Rule: registering an instance profile makes Databricks run an EC2 RunInstances dry run as
    // the workspace's cross-account role (provider doc of databricks.InstanceProfile), which fails
    // "not authorized" without iam:PassRole on the role (terraform-provider-databricks#654;
    // Databricks "Tutorial: Configure S3 access with an instance profile", step 5). So the grant,
    // and the role's own policy, exist before the registration.
    it("registers the instance profile only after the pass-role grant it needs", async () => {
      await build(MOUNT);
      const pass = h.byName("dbx-pass-role").inputs;
      expect(pass.role).to.equal("databricks-cross-account");
      expect(JSON.parse(pass.policy).Statement).to.deep.equal([
        { Effect: "Allow", Action: "iam:PassRole", Resource: ROLE_ARN },
      ]);
      const registered = h.one("databricks:index/instanceProfile:InstanceProfile");
      const wait = h.one("time:index/sleep:Sleep");
      expect(registered.dependsOn).to.include(wait.urn);
      expect(wait.dependsOn).to.include.members([
        h.byName("dbx-pass-role").urn,
        h.byName("dbx-data", "aws:iam/rolePolicy:RolePolicy").urn,
        h.byName("dbx-data", "aws:iam/instanceProfile:InstanceProfile").urn,
      ]);
    });

    it("runs a single-node no-isolation cluster on the pinned runtime that stops after 15 idle minutes", async () => {
      const ws = await build(MOUNT);
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
      expect(await h.value(ws.sourceRoot)).to.equal("/mnt/pin-test-raw");
      expect(await h.value(ws.tableSchema)).to.equal("");
    });

    it("mounts the bucket once, through Pulumi, with the registered profile", async () => {
      await build(MOUNT);
      const mount = h.one("databricks:index/mount:Mount").inputs;
      expect(mount.name).to.equal("pin-test-raw");
      expect(mount.s3).to.deep.equal({
        bucketName: "pin-test-raw",
        instanceProfile: "arn:aws:iam::123456789012:instance-profile/pin-test-databricks-data",
      });
    });

    it("deploys the notebooks and the package's wheel beside them, byte for byte", async () => {
      await build(MOUNT);
      const notebook = h.byName("dbx-notebook-batch").inputs;
      expect(notebook.path).to.equal("/pinterest-pipeline/pin-test/notebooks/batch");
      expect(notebook.language).to.equal("PYTHON");
      expect(Buffer.from(notebook.contentBase64, "base64").toString()).to.equal(
        "# Databricks notebook source\nfrom pinterest_etl.cleaning import clean\n",
      );
      const file = h.byName("dbx-wheel", "databricks:index/workspaceFile:WorkspaceFile").inputs;
      expect(file.path).to.equal(
        `/pinterest-pipeline/pin-test/wheels/${wheel.id}/pinterest_etl-0.1.0-py3-none-any.whl`,
      );
      expect(Buffer.from(file.contentBase64, "base64")).to.deep.equal(fs.readFileSync(wheel.file));
      expect(h.ofType("databricks:index/file:File")).to.have.length(0);
    });

    it("passes the mount, the current schema and the delta/ checkpoints to the notebooks", async () => {
      await build(MOUNT);
      const job = h.byName("dbx-batch-job").inputs;
      expect(job.tasks[0].notebookTask.baseParameters).to.deep.equal({
        source_root: "/mnt/pin-test-raw",
        prefix: "pin-test",
        checkpoint_root: "/mnt/pin-test-raw/delta/_checkpoints",
        schema: "",
      });
      expect(
        h.byName("dbx-streaming-job").inputs.tasks[0].notebookTask.baseParameters,
      ).to.deep.equal({
        prefix: "pin-test",
        region: "eu-west-1",
        checkpoint_root: "/mnt/pin-test-raw/delta/_checkpoints",
        schema: "",
        available_now: "true",
        // No service credential: the job cluster's instance profile reads the streams.
        service_credential: "",
      });
      expect(job.jobClusters[0].newCluster.awsAttributes.instanceProfileArn).to.match(
        /instance-profile\/pin-test-databricks-data$/,
      );
    });
  });

  // The package reaches the jobs as one wheel built from pyproject.toml, installed on each job's
  // cluster, instead of a folder the notebooks put on sys.path (review row 1: a Spark Connect
  // worker process does not see the notebook's sys.path). Mocks prove the path and the libraries;
  // that the runtime installs the wheel from there is for a workspace to prove.
  describe("the package's wheel", () => {
    const WHEEL = "pinterest_etl-0.1.0-py3-none-any.whl";
    const libraries = () =>
      h
        .ofType("databricks:index/job:Job")
        .map((j) => [j.name, j.inputs.tasks[0].libraries])
        .sort();
    const parameters = () =>
      h.ofType("databricks:index/job:Job").flatMap((j) =>
        Object.keys(j.inputs.tasks[0].notebookTask.baseParameters),
      );

    // Rule: a job's libraries belong to its tasks ("Libraries cannot be declared in a shared job
    // cluster. You must declare dependent libraries in task settings", provider doc of
    // databricks_job, `job_cluster`); a wheel library is a /Volumes or a /Workspace path (provider
    // doc of databricks_library, `whl`). Unity Catalog: a volume, the place "Install libraries"
    // recommends for standard access mode (docs.databricks.com/aws/en/libraries/).
    it("Unity Catalog: both jobs install exactly the wheel in the work volume, no package_path", async () => {
      await build();
      const whl = `/Volumes/main/pin_test/pin_test_work/wheels/${wheel.id}/${WHEEL}`;
      expect(libraries()).to.deep.equal([
        ["dbx-batch-job", [{ whl }]],
        ["dbx-streaming-job", [{ whl }]],
      ]);
      expect(parameters()).to.not.include("package_path");
    });

    // Rule: no-isolation clusters cannot read volumes ("No-isolation shared access mode does not
    // support volumes", docs.databricks.com/aws/en/compute/compatibility): the mount route's wheel
    // is a workspace file, named by its /Workspace path.
    it("mount: both jobs install exactly the wheel among the workspace files, no package_path", async () => {
      await build(MOUNT);
      const whl = `/Workspace/pinterest-pipeline/pin-test/wheels/${wheel.id}/${WHEEL}`;
      expect(libraries()).to.deep.equal([
        ["dbx-batch-job", [{ whl }]],
        ["dbx-streaming-job", [{ whl }]],
      ]);
      expect(parameters()).to.not.include("package_path");
    });

    it("names the wheel by its sources: the same give the same path, a change a new one", async function () {
      this.timeout(180_000); // a changed source is a new build
      const wheelOf = async (name: string, dir: string) => {
        await build({ sourceDir: dir }, name);
        const whl = h.byName(`${name}-wheel`).inputs.path as string;
        const installed = h
          .ofType("databricks:index/job:Job")
          .filter((j) => j.name.startsWith(`${name}-`))
          .map((j) => j.inputs.tasks[0].libraries);
        expect(installed, name).to.deep.equal([[{ whl }], [{ whl }]]);
        return whl;
      };
      const original = await wheelOf("dbx", sourceDir);
      const copy = await wheelOf("copy", fixtureSources());
      const changed = await wheelOf(
        "changed",
        fixtureSources({ "pinterest_etl/cleaning.py": "def clean(): return 1\n" }),
      );
      expect(copy).to.equal(original);
      expect(changed).to.not.equal(original);
      // The file name stays pip's: only the folder carries the content id.
      for (const p of [original, changed]) {
        expect(p).to.match(new RegExp(`/wheels/[0-9a-f]{10}/${WHEEL.replace(/\./g, "\\.")}$`));
      }
    });
  });

  describe("jobs", () => {
    it("schedules the batch job daily but paused, with retries and a timeout", async () => {
      const ws = await build();
      const job = h.byName("dbx-batch-job").inputs;
      expect(job.schedule).to.deep.equal({
        quartzCronExpression: "0 0 2 * * ?",
        timezoneId: "UTC",
        pauseStatus: "PAUSED",
      });
      expect(job.timeoutSeconds).to.equal(3600);
      expect(job.maxConcurrentRuns).to.equal(1);
      // Scheduled runs are incremental; the notebook's `mode` widget receives the job parameter.
      expect(job.parameters).to.deep.equal([{ name: "mode", default: "incremental" }]);
      const task = job.tasks[0];
      expect(task).to.include({ taskKey: "batch", maxRetries: 2, jobClusterKey: "single-node" });
      expect(task.notebookTask.notebookPath).to.equal("/pinterest-pipeline/pin-test/notebooks/batch");
      expect(job).to.not.have.property("emailNotifications");
      expect(await h.value(ws.batchJobUrl)).to.equal("https://dbc.example/jobs/dbx-batch-job");
    });

    // Review m2: the streaming job's pause was the batch schedule's, so a stack running its batch
    // schedule also ran a continuous job cluster around the clock.
    it("keeps the streaming job paused when the batch schedule runs, and mails failures", async () => {
      await build({
        batchSchedule: { paused: false, cron: "0 30 6 * * ?", timezone: "Europe/London" },
        alertEmails: ["oncall@example.com"],
      });
      const job = h.byName("dbx-batch-job").inputs;
      expect(job.schedule).to.deep.equal({
        quartzCronExpression: "0 30 6 * * ?",
        timezoneId: "Europe/London",
        pauseStatus: "UNPAUSED",
      });
      const mail = ["oncall@example.com"];
      const everyEvent = {
        onFailures: mail,
        onDurationWarningThresholdExceededs: mail,
        onStreamingBacklogExceededs: mail,
      };
      expect(job.emailNotifications).to.deep.equal(everyEvent);
      // Health rules (provider doc of databricks_job, `health`: GREATER_THAN is the only op): the
      // batch job warns at half its timeout, the streaming job an hour beyond its interval.
      expect(job.health).to.deep.equal({
        rules: [{ metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: 1800 }],
      });
      expect(job).to.have.property("runAs"); // its application id: test/stacks/identityAlerts.test.ts
      const streaming = h.byName("dbx-streaming-job").inputs;
      expect(streaming.schedule.pauseStatus).to.equal("PAUSED");
      expect(streaming.emailNotifications).to.deep.equal(everyEvent);
      expect(streaming.health).to.deep.equal({
        rules: [{ metric: "STREAMING_BACKLOG_SECONDS", op: "GREATER_THAN", value: 60 * 60 + 3600 }],
      });
    });

    // Review row 7: a continuous job cluster bills around the clock for course-sized data; the
    // notebook drains the streams and stops with `available_now` (Trigger.AvailableNow), so the
    // default is a scheduled run. The provider's periodic trigger has no minutes
    // (JobTriggerPeriodic.unit: HOURS, DAYS, WEEKS; node_modules/@pulumi/databricks types), so
    // the interval is a Quartz schedule.
    it("runs the streaming job by default as a drain-and-stop run every 60 minutes, paused", async () => {
      await build();
      const job = h.byName("dbx-streaming-job").inputs;
      expect(job.schedule).to.deep.equal({
        quartzCronExpression: "0 0 0/1 * * ?",
        timezoneId: "UTC",
        pauseStatus: "PAUSED",
      });
      expect(job).to.not.have.property("continuous");
      expect(job.maxConcurrentRuns).to.equal(1);
      expect(job.timeoutSeconds).to.equal(3600);
      expect(job.tasks[0].notebookTask.baseParameters.available_now).to.equal("true");
    });

    it("runs the schedule only when asked, at the interval asked", async () => {
      await build({ streamingPaused: false, streamingIntervalMinutes: 15 });
      expect(h.byName("dbx-streaming-job").inputs.schedule).to.deep.equal({
        quartzCronExpression: "0 0/15 * * * ?",
        timezoneId: "UTC",
        pauseStatus: "UNPAUSED",
      });
      expect(h.byName("dbx-batch-job").inputs.schedule.pauseStatus).to.equal("PAUSED");
    });

    it("keeps the continuous job as an option: no schedule, no available_now, paused by default", async () => {
      await build({ streamingMode: "continuous" });
      const job = h.byName("dbx-streaming-job").inputs;
      expect(job.continuous).to.deep.equal({ pauseStatus: "PAUSED" });
      expect(job).to.not.have.property("schedule");
      expect(job).to.not.have.property("timeoutSeconds");
      expect(job.tasks[0].notebookTask.baseParameters.available_now).to.equal("false");
    });

    it("runs the continuous job only when asked", async () => {
      await build({ streamingMode: "continuous", streamingPaused: false });
      expect(h.byName("dbx-streaming-job").inputs.continuous).to.deep.equal({
        pauseStatus: "UNPAUSED",
      });
    });

    // Every interval is a whole divisor of an hour or of a day, so the Quartz steps are equal
    // (a step of 45 would fire at :00 and :45); and the longest stays within a quarter of the
    // shortest retention a stream may have (Kinesis Data Streams Developer Guide, "Quotas and
    // limits": 24 hours by default and at least), so records wait at most one interval and three
    // failed runs in a row still lose none.
    it("offers only evenly spaced intervals, well inside the streams' shortest retention", () => {
      for (const minutes of STREAMING_INTERVAL_MINUTES) {
        expect(minutes < 60 ? 60 % minutes : 1440 % minutes, `${minutes}`).to.equal(0);
        expect(minutes * 4).to.be.at.most(KINESIS_STREAM_PATH_LIMITS.retentionHours.min * 60);
      }
      expect(STREAMING_INTERVAL_MINUTES.map(streamingCron)).to.deep.equal([
        "0 0/15 * * * ?",
        "0 0/20 * * * ?",
        "0 0/30 * * * ?",
        "0 0 0/1 * * ?",
        "0 0 0/2 * * ?",
        "0 0 0/3 * * ?",
        "0 0 0/4 * * ?",
        "0 0 0/6 * * ?",
      ]);
    });

    // Review m2: a continuous job with no stream to read fails and restarts forever.
    it("makes no streaming job or notebook where there are no streams", async () => {
      const ws = await build({ streamArns: [] });
      expect(h.ofType("databricks:index/job:Job").map((j) => j.name)).to.deep.equal([
        "dbx-batch-job",
      ]);
      expect(h.ofType("databricks:index/notebook:Notebook").map((n) => n.name)).to.deep.equal([
        "dbx-notebook-batch",
      ]);
      expect(await h.value(ws.streamingJobUrl)).to.equal("");
      expect(await h.value(ws.streamingJobId)).to.equal("");
    });
  });

  // Review row 19: "latest LTS" (getSparkVersion) moved production to each new LTS on the next
  // `pulumi up`, away from what the local tier tests; every cluster runs the one pinned runtime.
  it("runs the interactive cluster and both job clusters on one pinned runtime, looked up nowhere", async () => {
    await build();
    const versions = [
      h.one("databricks:index/cluster:Cluster").inputs.sparkVersion,
      ...h
        .ofType("databricks:index/job:Job")
        .map((j) => j.inputs.jobClusters[0].newCluster.sparkVersion),
    ];
    expect(versions).to.deep.equal(Array(3).fill("17.3.x-scala2.13"));
    expect(h.invokes.map((i) => i.token)).to.not.include(
      "databricks:index/getSparkVersion:getSparkVersion",
    );
  });

  it("fills exactly the widgets the real notebooks define", () => {
    const real = path.resolve(__dirname, "..", "..", "..", "databricks", "notebooks");
    const widgets = (file: string) =>
      [
        ...fs
          .readFileSync(path.join(real, file), "utf8")
          .matchAll(/dbutils\.widgets\.\w+\("(\w+)"/g),
      ].map((m) => m[1]);
    const params = notebookParameters({
      prefix: "p",
      sourceRoot: "/mnt/r",
      checkpointRoot: "/mnt/r/delta/_checkpoints",
      tableSchema: "main.p",
      region: "r",
      streamingMode: "scheduled",
      serviceCredential: "p-kinesis",
      streamGeneration: "0123456789abcdef",
    });
    expect(params.streaming.checkpoint_root).to.equal(
      "/mnt/r/delta/_checkpoints/stream-0123456789abcdef",
    );
    expect(widgets("batch.py"), "the batch job's mode parameter").to.include("mode");
    for (const [kind, file] of [
      ["batch", "batch.py"],
      ["streaming", "streaming.py"],
    ] as const) {
      expect(widgets(file), file).to.include.members(Object.keys(params[kind]));
    }
  });

});

describe("DatabricksWorkspace argument validation", () => {
  const base = { prefix: "p", region: "eu-west-1", rawBucketName: "b", rawBucketArn: "arn" };
  const uc = { unityCatalog: { catalog: "main" } };
  const cases: [string, Partial<DatabricksWorkspaceArgs>, string][] = [
    [
      "an unknown route",
      { storageRoute: "dbfs" as never },
      'storageRoute "dbfs" is not "mount" or "unityCatalog"',
    ],
    [
      "UC (the default) without a catalog",
      {},
      'storageRoute "unityCatalog" needs unityCatalog { catalog }',
    ],
    [
      "the mount route without the cross-account role (review B1)",
      { storageRoute: "mount" },
      'storageRoute "mount" needs crossAccountRoleName',
    ],
    [
      "a cluster that never stops",
      { ...uc, autoterminationMinutes: 0 },
      "autoterminationMinutes 0 must be from 10 to 120",
    ],
    [
      "Delta inside the raw folder",
      { ...uc, deltaPrefix: "topics/" },
      'deltaPrefix "topics/" must be one folder name',
    ],
    [
      "a runtime without a row of Spark and Delta versions",
      { ...uc, sparkVersion: "18.3.x-scala2.13" },
      'sparkVersion "18.3.x-scala2.13" is not one of 17.3.x-scala2.13',
    ],
    [
      "an unknown streaming mode",
      { ...uc, streamingMode: "triggered" as never },
      'streamingMode "triggered" is not one of scheduled, continuous',
    ],
    [
      "an interval that does not divide an hour or a day",
      { ...uc, streamingIntervalMinutes: 45 },
      "streamingIntervalMinutes 45 must be one of 15, 20, 30, 60, 120, 180, 240, 360",
    ],
    [
      "an interval beside a continuous job",
      { ...uc, streamingMode: "continuous", streamingIntervalMinutes: 60 },
      'streamingIntervalMinutes 60 applies only to streamingMode "scheduled"',
    ],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () =>
      expect(() => validateDatabricksWorkspaceArgs({ ...base, ...args })).to.throw(message));
  }
});
