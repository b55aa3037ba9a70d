// Rules of AWS and of the Pulumi engine that a first `pulumi up` does not reveal but a later
// update, refresh or destroy would, checked over the whole graph of each committed stack. What the
// mocks cannot prove is listed in docs/kafka-batch-path.md ("What only a real deployment can prove").
import { expect } from "chai";
import * as fs from "fs";
import { stacksNotDeployableAlone } from "../../stacks/config";
import { groupsMixingRules, rulesOnUnknownGroups } from "../harness/kafkaMocks";
import {
  harness,
  PulumiHarness,
  RecordedAlias,
  RecordedResource,
} from "../../tools/pulumi-mock/mockEngine";
import { readStackConfig, REPO_ROOT, runStack } from "../../tools/pulumi-mock/mockRun";

const RAW_BUCKET = "pinterest-pipeline:components:RawBucket";
const STACKS = ["dev", "prod"];

/**
 * The URN an alias spec names, resolved the way the engine does: unset parts are the resource's
 * own; the parent's qualified type is prefixed to the type with `$`
 * (https://www.pulumi.com/docs/iac/concepts/resources/names/#urns).
 */
function resolveAlias(resource: RecordedResource, alias: RecordedAlias): string {
  if (alias.urn) return alias.urn;
  const [, stackAndProject, parentTypes] = /^urn:pulumi:(.+?::.+?)::(.+)::[^:]+$/.exec(
    alias.parentUrn ?? resource.parentUrn,
  )!;
  const type = alias.type ?? resource.type;
  const qualified =
    alias.noParent || parentTypes.endsWith("pulumi:pulumi:Stack") ? type : `${parentTypes}$${type}`;
  return `urn:pulumi:${stackAndProject}::${qualified}::${alias.name ?? resource.name}`;
}

/** name → inputs of every resource, for comparing two runs. */
function inputsByUrn(h: PulumiHarness): Record<string, unknown> {
  return Object.fromEntries(h.resources.map((r) => [r.urn, r.inputs]));
}

describe("stack program: deploy rules", function () {
  this.timeout(120_000);
  let h: PulumiHarness;
  beforeEach(() => {
    h = harness();
  });

  for (const [stack, overrides] of [
    ["dev", {}],
    ["prod", {}],
    ["dev", { "pinterest-pipeline:mwaa": { enabled: true } }],
  ] as const) {
    const label = `${stack}${Object.keys(overrides).length ? " with MWAA" : ""}`;
    // node_modules/@pulumi/aws/ec2/securityGroup.d.ts (WARNING at its top): inline ingress/egress
    // next to aws.vpc.SecurityGroup{Ingress,Egress}Rule "may cause rule conflicts, perpetual
    // differences, and result in rules being overwritten"; an explicit [] revokes every rule.
    it(`${label}: no security group with standalone rules declares inline rules`, async () => {
      await runStack(h, stack, overrides);
      expect(
        h.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
      ).to.have.length.above(2);
      expect(groupsMixingRules(h)).to.deep.equal([]);
      expect(rulesOnUnknownGroups(h)).to.deep.equal([]);
    });
  }

  for (const stack of STACKS) {
    it(`${stack}: the Kafka client machine reaches MySQL, and MySQL nothing else`, async () => {
      await runStack(h, stack);
      const dbGroup = h.byName("source-sg").state.id;
      const clientGroup = h.byName("batch-client-sg").state.id;
      const rule = (type: string, group: string) =>
        h
          .ofType(`aws:vpc/${type}:${type[0].toUpperCase()}${type.slice(1)}`)
          .filter((r) => r.inputs.securityGroupId === group && r.inputs.fromPort === 3306)
          .map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.toPort]);
      expect(rule("securityGroupIngressRule", dbGroup)).to.deep.equal([[clientGroup, 3306]]);
      // The client group has no default egress (the provider removes AWS's allow-all rule).
      expect(rule("securityGroupEgressRule", clientGroup)).to.deep.equal([[dbGroup, 3306]]);
      expect(
        h
          .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
          .filter((r) => r.inputs.securityGroupId === dbGroup),
      ).to.deep.equal([]);
    });
  }

  it("dev: opening MySQL to a CIDR changes only publiclyAccessible and adds a rule", async () => {
    await runStack(h, "dev");
    const closed = inputsByUrn(h);
    const db = readDb();
    h = harness();
    await runStack(h, "dev", {
      "pinterest-pipeline:sourceDatabase": { ...db, allowedCidrs: ["203.0.113.7/32"] },
    });
    const open = inputsByUrn(h);
    const changed = Object.keys({ ...closed, ...open }).filter(
      (urn) => JSON.stringify(closed[urn]) !== JSON.stringify(open[urn]),
    );
    expect(changed.map((urn) => urn.split("::").pop())).to.have.members([
      "source-mysql",
      "source-from-203-0-113-7-32",
    ]);
    const instanceUrn = h.one("aws:rds/instance:Instance").urn;
    const before = closed[instanceUrn] as Record<string, unknown>;
    const after = open[instanceUrn] as Record<string, unknown>;
    expect(
      Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])),
    ).to.deep.equal(["publiclyAccessible"]);
  });

  function readDb(): Record<string, unknown> {
    return readStackConfig("dev")["pinterest-pipeline:sourceDatabase"] as Record<string, unknown>;
  }

  it("keeps the raw bucket when the Kafka path is switched off", async () => {
    await runStack(h, "dev", {
      "pinterest-pipeline:kafka": { enabled: false },
      "pinterest-pipeline:databricks": { enabled: false },
    });
    expect(h.ofType("aws:msk/cluster:Cluster")).to.have.length(0);
    const bucket = h.byName("batch-raw", RAW_BUCKET);
    expect(h.parentOf(bucket)).to.equal(undefined);
    expect(h.ofType("aws:s3/bucket:Bucket").map((b) => b.name)).to.deep.equal(["batch-raw-bucket"]);
  });

  // The URN the bucket had under KafkaBatchPath "batch", recorded by running the program of
  // commit b172e09 under these mocks. The engine gives children the aliases their parent's
  // aliases imply (https://www.pulumi.com/docs/iac/concepts/options/aliases/), so the bucket,
  // its settings and its data stay; mocks cannot show that inheritance itself.
  const OLD_RAW_BUCKET_URN =
    "urn:pulumi:dev::pinterest-pipeline::pinterest-pipeline:components:KafkaBatchPath$" +
    "pinterest-pipeline:components:RawBucket::batch-raw";

  it("aliases the stack-level raw bucket to its URN under the Kafka path", async () => {
    await runStack(h, "dev");
    const bucket = h.byName("batch-raw", RAW_BUCKET);
    expect(bucket.urn).to.equal(
      "urn:pulumi:dev::pinterest-pipeline::pinterest-pipeline:components:RawBucket::batch-raw",
    );
    expect(bucket.aliases.map((a) => resolveAlias(bucket, a))).to.deep.equal([OLD_RAW_BUCKET_URN]);
    // Child names are unchanged, so the engine's inherited aliases land on the old children.
    expect(h.childrenOf(bucket).map((c) => c.name)).to.have.members([
      "batch-raw-bucket",
      "batch-raw-ownership",
      "batch-raw-public-access",
      "batch-raw-encryption",
      "batch-raw-versioning",
      "batch-raw-lifecycle",
      "batch-raw-policy",
    ]);
  });

  it("prod keeps the raw bucket and its settings on destroy; dev lets them go", async () => {
    await runStack(h, "prod");
    const prodChildren = h.childrenOf(h.byName("batch-raw", RAW_BUCKET));
    expect(prodChildren.map((c) => [c.name, c.retainOnDelete])).to.deep.equal(
      prodChildren.map((c) => [c.name, true]),
    );
    expect(h.byName("batch-raw-bucket").inputs.forceDestroy).to.equal(false);
    h = harness();
    await runStack(h, "dev");
    const devChildren = h.childrenOf(h.byName("batch-raw", RAW_BUCKET));
    expect(devChildren.every((c) => c.retainOnDelete === false)).to.equal(true);
  });

  // Destroying prod is documented as: deletionProtection false, `pulumi up`, `pulumi destroy`
  // (docs/operations.md, "Destroy"). RDS takes a final snapshot only when skipFinalSnapshot is
  // false, and deletes the automated backups with the instance unless deleteAutomatedBackups is
  // false (node_modules/@pulumi/aws/rds/instance.d.ts): both follow allowDataLoss, not protection.
  it("prod keeps the database's final snapshot and backups through its documented destroy; dev drops them", async () => {
    const prodDb = readStackConfig("prod")["pinterest-pipeline:sourceDatabase"] as object;
    await runStack(h, "prod", {
      "pinterest-pipeline:sourceDatabase": { ...prodDb, deletionProtection: false },
    });
    const prod = h.one("aws:rds/instance:Instance").inputs;
    expect(prod).to.include({
      deletionProtection: false,
      skipFinalSnapshot: false,
      deleteAutomatedBackups: false,
    });
    expect(prod.finalSnapshotIdentifier).to.match(/^pin-prod-source-final-\w+$/);
    h = harness();
    await runStack(h, "dev");
    const dev = h.one("aws:rds/instance:Instance").inputs;
    expect(dev).to.include({ skipFinalSnapshot: true, deleteAutomatedBackups: true });
    expect(dev).to.not.have.property("finalSnapshotIdentifier");
  });

  // A stack destroyed and brought up again at once reuses its fixed names. Secrets Manager keeps a
  // deleted secret's name for its recovery window (node_modules/@pulumi/aws/secretsmanager/secret.d.ts:
  // recoveryWindowInDays, default 30), and AWS services write log groups back into existence while
  // they still run (RDS, MSK, MSK Connect, MWAA, API Gateway, flow logs: each creates its group on
  // first write). So a fixed-name secret is deleted without a window, and a fixed-name log group is
  // deleted only after the resource writing to it (the engine deletes dependents first). The
  // stacks declare no KMS key or alias (a key waits 7–30 days; an alias name is freed at once).
  // Mocks cannot show AWS's timing; docs/operations.md, "Destroy and re-create", lists the rest.
  const LOG_WRITERS = [
    "aws:rds/instance:Instance",
    "aws:msk/cluster:Cluster",
    "aws:mskconnect/connector:Connector",
    "aws:mwaa/environment:Environment",
    "aws:apigateway/stage:Stage",
    "aws:ec2/flowLog:FlowLog",
  ];
  for (const [stack, overrides] of [
    ["dev", { "pinterest-pipeline:mwaa": { enabled: true } }],
    ["prod", {}],
  ] as const) {
    it(`${stack}: every fixed name the stack uses is free again as soon as destroy ends`, async () => {
      await runStack(h, stack, overrides);
      const secrets = h.ofType("aws:secretsmanager/secret:Secret");
      if (stack === "dev")
        expect(secrets.map((s) => s.name)).to.include("airflow-databricks-connection");
      for (const secret of secrets) {
        if (secret.inputs.namePrefix === undefined)
          expect(secret.inputs.recoveryWindowInDays, secret.name).to.equal(0);
      }
      expect(h.resources.filter((r) => r.type.startsWith("aws:kms/"))).to.deep.equal([]);
      const named = h
        .ofType("aws:cloudwatch/logGroup:LogGroup")
        .filter((g) => g.inputs.name !== undefined);
      expect(named.length).to.be.above(5);
      const unwritten = named.filter(
        (group) =>
          !h.resources.some((r) => LOG_WRITERS.includes(r.type) && r.dependsOn.includes(group.urn)),
      );
      expect(unwritten.map((g) => g.inputs.name)).to.deep.equal([]);
    });
  }

  // The Unity Catalog schema holds the jobs' tables: a non-empty schema refuses deletion unless
  // forced (databricks/terraform-provider-databricks#3659; node_modules/@pulumi/databricks/schema.d.ts,
  // forceDestroy), so it follows allowDataLoss exactly as the raw bucket does.
  it("prod keeps the Unity Catalog schema and its tables on destroy; dev drops them", async () => {
    for (const [stack, allowDataLoss] of [
      ["prod", false],
      ["dev", true],
    ] as const) {
      h = harness();
      await runStack(h, stack);
      const schema = h.one("databricks:index/schema:Schema");
      expect([schema.inputs.forceDestroy, schema.retainOnDelete], stack).to.deep.equal([
        allowDataLoss,
        !allowDataLoss,
      ]);
    }
  });

  // Inputs that differ between two runs with the same config are a diff on every `pulumi up`
  // (and a replacement when the property forces one).
  for (const stack of STACKS) {
    it(`${stack}: two runs with the same config give identical inputs for every resource`, async () => {
      await runStack(h, stack);
      const first = inputsByUrn(h);
      h = harness();
      await runStack(h, stack);
      const second = inputsByUrn(h);
      expect(Object.keys(second).sort()).to.deep.equal(Object.keys(first).sort());
      const differing = Object.keys(first).filter(
        (urn) => JSON.stringify(first[urn]) !== JSON.stringify(second[urn]),
      );
      expect(differing).to.deep.equal([]);
      expect(Object.keys(first).length).to.be.above(100);
    });
  }
});

describe("committed stacks: each deploys alone, and none breaks another's API logging", function () {
  this.timeout(120_000);
  const files = fs
    .readdirSync(REPO_ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .map((stack) => ({ stack, config: readStackConfig(stack) }));

  // Stages with access or execution logging need API Gateway's logging role in the account's
  // settings ("CloudWatch Logs role ARN must be set in account settings to enable logging" at
  // CreateStage: anomalyco/sst#1556): a stack that does not set it cannot go first or alone.
  it("every committed stack with an API sets the region's logging role itself", () => {
    expect(files.map((f) => f.stack)).to.include.members(STACKS);
    expect(stacksNotDeployableAlone(files)).to.deep.equal([]);
  });

  it("refuses, in one line naming the key and the fix, a stack that relies on another's setting", () => {
    const stack = (name: string, extra: Record<string, unknown>) => ({
      stack: name,
      config: {
        "aws:region": "eu-west-1",
        "pinterest-pipeline:prefix": `pin-${name}`,
        "pinterest-pipeline:streamPath": { enabled: true },
        ...extra,
      },
    });
    const [refusal, ...more] = stacksNotDeployableAlone([
      stack("a", { "pinterest-pipeline:manageApiGatewayAccount": false }),
      stack("b", {}),
      stack("c", {
        "pinterest-pipeline:manageApiGatewayAccount": false,
        "pinterest-pipeline:streamPath": { enabled: false },
      }),
    ]);
    expect(more).to.deep.equal([]);
    expect(refusal).to.match(
      /^Stack "a" sets "pinterest-pipeline:manageApiGatewayAccount" false but has an API: .* Set it true/,
    );
    expect(refusal).to.not.include("\n");
  });

  // Dev and prod share eu-west-1 (and, unless aws:allowedAccountIds says otherwise, an account),
  // and both set the one setting: each creates its own role (generated name), the setting ignores
  // later changes of its role, and all of it is kept on destroy (components/apigateway/
  // apiGatewayAccount.ts cites the sources). So whichever goes first sets it, the other repoints
  // it once at creation to an equivalent role, and destroying either leaves it working.
  it("dev and prod each set it without a fixed name, never repoint it and keep it on destroy", async () => {
    for (const stack of STACKS) {
      const h = harness();
      await runStack(h, stack);
      const account = h.one("pinterest-pipeline:components:ApiGatewayAccount");
      const children = h.childrenOf(account);
      expect(children.map((c) => c.type).sort(), stack).to.deep.equal([
        "aws:apigateway/account:Account",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
      ]);
      expect(children.every((c) => c.retainOnDelete)).to.equal(true);
      expect(h.one("aws:apigateway/account:Account").ignoreChanges).to.deep.equal([
        "cloudwatchRoleArn",
      ]);
      expect(h.byName("api-gateway-account-role", "aws:iam/role:Role").inputs).to.not.have.property(
        "name",
      );
      // Both paths wait for the setting, and their stages register only after them.
      for (const path of ["KafkaBatchPath", "KinesisStreamPath"])
        expect(h.one(`pinterest-pipeline:components:${path}`).dependsOn, path).to.include(
          h.one("aws:apigateway/account:Account").urn,
        );
    }
  });
});
