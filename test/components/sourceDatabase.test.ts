import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import {
  SourceDatabase,
  SourceDatabaseArgs,
  validateSourceDatabaseArgs,
} from "../../components/sourceDatabase";
import { harness, PulumiHarness } from "../../tools/pulumi-mock/mockEngine";
import { groupsMixingRules } from "../harness/kafkaMocks";

const BASE: SourceDatabaseArgs = {
  prefix: "pin-test",
  vpcId: "vpc-1",
  publicSubnetIds: ["subnet-public-a", "subnet-public-b"],
};

// Mocks prove the requested settings (docs/security.md's database rules); they cannot prove that RDS
// accepts the parameter group family for the version or that MySQL enforces TLS.
describe("SourceDatabase", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = harness().install();
    h.compute("aws:secretsmanager/secret:Secret", (name) => ({
      arn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`,
    }));
  });

  async function build(args: Partial<SourceDatabaseArgs> = {}) {
    const db = new SourceDatabase("source", { ...BASE, ...args });
    await h.settle();
    return { db, instance: h.one("aws:rds/instance:Instance").inputs };
  }

  it("creates exactly the instance, its network, parameters and log groups", async () => {
    await build();
    expect(h.graph()).to.deep.equal([
      "aws:cloudwatch/logGroup:LogGroup source-log-error",
      "aws:cloudwatch/logGroup:LogGroup source-log-slowquery",
      "aws:ec2/securityGroup:SecurityGroup source-sg",
      "aws:rds/instance:Instance source-mysql",
      "aws:rds/parameterGroup:ParameterGroup source-params",
      "aws:rds/subnetGroup:SubnetGroup source-subnets",
      "pinterest-pipeline:components:SourceDatabase source",
    ]);
  });

  it("applies changes at once and may take a new major version, from its arguments", async () => {
    const { instance } = await build();
    expect(instance).to.include({ applyImmediately: true, allowMajorVersionUpgrade: true });
    h = harness().install();
    const later = await build({ applyImmediately: false });
    expect(later.instance.applyImmediately).to.equal(false);
  });

  it("is a private, encrypted MySQL 8 with 7 days of backups and an RDS-managed password", async () => {
    const { instance } = await build();
    expect(instance).to.include({
      identifier: "pin-test-source",
      engine: "mysql",
      engineVersion: "8.4",
      instanceClass: "db.t4g.micro",
      storageEncrypted: true,
      storageType: "gp3",
      publiclyAccessible: false,
      backupRetentionPeriod: 7,
      manageMasterUserPassword: true,
      dbName: "pinterest_data",
      deletionProtection: false,
    });
    expect(instance).to.not.have.property("password");
  });

  // RDS cannot move an instance to other subnets of the same VPC, and ModifyDBSubnetGroup refuses
  // to drop a subnet in use (hashicorp/terraform-provider-aws#512, aws/aws-cdk#26135): the group
  // must be the same subnets whether or not the database is open, so opening it is in place.
  it("keeps one subnet group whether or not it is open to CIDRs", async () => {
    await build();
    const closed = h.one("aws:rds/subnetGroup:SubnetGroup").inputs;
    const closedInstance = h.one("aws:rds/instance:Instance").inputs;
    h = harness().install();
    await build({ allowedCidrs: ["203.0.113.7/32"] });
    const open = h.one("aws:rds/subnetGroup:SubnetGroup").inputs;
    const openInstance = h.one("aws:rds/instance:Instance").inputs;
    expect(open).to.deep.equal(closed);
    expect(open.subnetIds).to.deep.equal(BASE.publicSubnetIds);
    // Only publiclyAccessible differs on the instance (an in-place ModifyDBInstance).
    const differing = Object.keys({ ...closedInstance, ...openInstance }).filter(
      (k) => JSON.stringify(closedInstance[k]) !== JSON.stringify(openInstance[k]),
    );
    expect(differing).to.deep.equal(["publiclyAccessible"]);
  });

  it("requires TLS and utf8mb4 through its parameter group", async () => {
    await build({ engineVersion: "8.0" });
    const params = h.one("aws:rds/parameterGroup:ParameterGroup").inputs;
    expect(params.family).to.equal("mysql8.0");
    expect(params.parameters).to.deep.include({ name: "require_secure_transport", value: "1" });
    expect(params.parameters).to.deep.include({ name: "character_set_server", value: "utf8mb4" });
  });

  // The slowquery export needs slow_query_log = 1 and log_output = FILE in a custom parameter
  // group: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.MySQLDB.PublishtoCloudWatchLogs.html
  it("turns the slow query log on, to a file, since it exports it", async () => {
    const { instance } = await build({ longQuerySeconds: 0.5 });
    expect(instance.enabledCloudwatchLogsExports).to.include("slowquery");
    const params = h.one("aws:rds/parameterGroup:ParameterGroup").inputs.parameters;
    expect(params).to.deep.include.members([
      { name: "slow_query_log", value: "1" },
      { name: "long_query_time", value: "0.5" },
      { name: "log_output", value: "FILE" },
    ]);
  });

  it("refuses deletion in production", async () => {
    const { instance } = await build({ deletionProtection: true, backupRetentionDays: 14 });
    expect(instance).to.include({ deletionProtection: true, backupRetentionPeriod: 14 });
  });

  // node_modules/@pulumi/aws/rds/instance.d.ts: skipFinalSnapshot "If false is specified, a DB
  // snapshot is created before the DB instance is deleted, using the value from
  // finalSnapshotIdentifier" (which "Must be provided if skipFinalSnapshot is set to false");
  // deleteAutomatedBackups "Whether to remove automated backups immediately after the DB instance
  // is deleted. Default is true". What a delete keeps is the data rule's (the stack's
  // allowDataLoss), not deletionProtection's: prod's way to destroy turns protection off first.
  it("keeps a final snapshot and the automated backups unless data loss is allowed", async () => {
    for (const deletionProtection of [true, false]) {
      h = harness().install();
      const { instance } = await build({ deletionProtection });
      expect(instance, `deletionProtection ${deletionProtection}`).to.include({
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: "pin-test-source-final-1",
        deleteAutomatedBackups: false,
      });
    }
    h = harness().install();
    const { instance } = await build({ deletionProtection: false, skipFinalSnapshot: true });
    expect(instance).to.include({ skipFinalSnapshot: true, deleteAutomatedBackups: true });
    expect(instance).to.not.have.property("finalSnapshotIdentifier");
  });

  // A fixed name fails the second destroy after a recreate (DBSnapshotAlreadyExists); a clock
  // would give a new name on every run (a diff on every up). The VPC id is new per network only.
  it("names the final snapshot after the network: stable on re-runs, new after a recreate", async () => {
    const first = (await build({ vpcId: "vpc-0a1b" })).instance;
    h = harness().install();
    const again = (await build({ vpcId: "vpc-0a1b" })).instance;
    h = harness().install();
    const recreated = (await build({ vpcId: "vpc-9f8e" })).instance;
    expect(first.finalSnapshotIdentifier).to.equal("pin-test-source-final-0a1b");
    expect(again.finalSnapshotIdentifier).to.equal(first.finalSnapshotIdentifier);
    expect(recreated.finalSnapshotIdentifier).to.equal("pin-test-source-final-9f8e");
    // RDS snapshot names: a letter first, letters, digits and single hyphens, at most 255.
    expect(first.finalSnapshotIdentifier).to.match(/^[a-z](?!.*--)[a-z0-9-]{0,253}[a-z0-9]$/i);
  });

  it("opens 3306 to nobody by default and declares no inline rules", async () => {
    await build();
    const sg = h.one("aws:ec2/securityGroup:SecurityGroup").inputs;
    expect(sg).to.not.have.property("ingress");
    expect(sg).to.not.have.property("egress");
    expect(h.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")).to.deep.equal([]);
  });

  it("admits client security groups on 3306 only, and lets them out to it", async () => {
    await build({ clientSecurityGroupIds: ["sg-client"] });
    const ingress = h.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs;
    expect(ingress).to.include({
      securityGroupId: "source-sg-id",
      ipProtocol: "tcp",
      fromPort: 3306,
      toPort: 3306,
      referencedSecurityGroupId: "sg-client",
    });
    // The client group has no default egress (the provider removes it), so it needs this rule.
    const egress = h.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").inputs;
    expect(egress).to.include({
      securityGroupId: "sg-client",
      ipProtocol: "tcp",
      fromPort: 3306,
      toPort: 3306,
      referencedSecurityGroupId: "source-sg-id",
    });
    expect(groupsMixingRules(h)).to.deep.equal([]);
  });

  it("becomes public only for listed CIDRs, in the public subnets", async () => {
    const { instance } = await build({ allowedCidrs: ["203.0.113.7/32"] });
    expect(instance.publiclyAccessible).to.equal(true);
    expect(h.one("aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds).to.deep.equal(
      BASE.publicSubnetIds,
    );
    const rule = h.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rule.name).to.equal("source-from-203-0-113-7-32");
    expect(rule.inputs).to.include({ cidrIpv4: "203.0.113.7/32", fromPort: 3306, toPort: 3306 });
  });

  it("sets a retention on the exported MySQL logs before the instance exports to them", async () => {
    await build({ logRetentionDays: 14 });
    const logs = h.ofType("aws:cloudwatch/logGroup:LogGroup");
    expect(logs.map((l) => [l.inputs.name, l.inputs.retentionInDays])).to.deep.equal([
      ["/aws/rds/instance/pin-test-source/error", 14],
      ["/aws/rds/instance/pin-test-source/slowquery", 14],
    ]);
    const instance = h.one("aws:rds/instance:Instance");
    expect(instance.dependsOn).to.include.members(logs.map((l) => l.urn));
  });

  it("outputs the RDS-managed secret's ARN, never a password", async () => {
    const { db } = await build();
    expect(await h.value(db.secretArn)).to.equal(
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-source-mysql",
    );
    expect(await h.value(db.host)).to.equal(
      "pin-test-source.abcdefghijkl.eu-west-1.rds.amazonaws.com",
    );
    expect(await h.value(db.port)).to.equal(3306);
  });

  it("stores a stack-supplied password in Secrets Manager as a secret", async () => {
    const { db, instance } = await build({ masterPassword: pulumi.secret("s3cret-from-config") });
    expect(instance).to.not.have.property("manageMasterUserPassword");
    const version = h.one("aws:secretsmanager/secretVersion:SecretVersion");
    const stored = JSON.parse(version.inputs.secretString);
    expect(stored).to.include({ username: "pipeline_admin", password: "s3cret-from-config" });
    expect(await h.value(db.secretArn)).to.equal(
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:source-credentials",
    );
    expect(pulumi.Output.isInstance(db.secretArn)).to.equal(true);
  });
});

describe("SourceDatabase argument validation", () => {
  const cases: [string, Partial<SourceDatabaseArgs>, string][] = [
    [
      "the whole internet",
      { allowedCidrs: ["0.0.0.0/0"] },
      'entry "0.0.0.0/0" opens MySQL to more than a /16',
    ],
    ["half the internet", { allowedCidrs: ["0.0.0.0/1"] }, "opens MySQL to more than a /16"],
    ["a bad CIDR", { allowedCidrs: ["10.0.0.1"] }, 'entry "10.0.0.1" is not an IPv4 CIDR'],
    ["MySQL 5.7", { engineVersion: "5.7" }, 'engineVersion "5.7" is not MySQL 8.x'],
    [
      "3 days of backups",
      { backupRetentionDays: 3 },
      "backupRetentionDays 3 must be a whole number from 7 to 35",
    ],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateSourceDatabaseArgs({ ...BASE, ...args })).to.throw(message);
    });
  }
  it("accepts a /32 and a /16", () => {
    expect(() =>
      validateSourceDatabaseArgs({ ...BASE, allowedCidrs: ["203.0.113.7/32", "10.20.0.0/16"] }),
    ).to.not.throw();
  });
});
