import { expect } from "chai";
import { contractProblems, PipelineOutputs } from "../../stacks/contract";
import { harness, importFresh, PulumiHarness } from "../harness/pulumiMocks";
import { readStackConfig } from "../harness/stackConfig";

type Program = { pipeline: import("@pulumi/pulumi").Output<PipelineOutputs> };

// Runs the real stack program with each committed Pulumi.<stack>.yaml under mocks.
async function runStack(h: PulumiHarness, stack: string, overrides: Record<string, unknown> = {}) {
  h.install({ stack, config: { ...readStackConfig(stack), ...overrides } });
  const program = await importFresh<Program>("../../stacks/index");
  await h.settle();
  return { outputs: await h.value(program.pipeline) };
}

describe("stack program", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = harness();
  });

  it("dev composes a NAT-free network and a private source database", async () => {
    const { outputs } = await runStack(h, "dev");
    expect(h.ofType("pinterest-pipeline:components:Network")).to.have.length(1);
    expect(h.ofType("pinterest-pipeline:components:SourceDatabase")).to.have.length(1);
    expect(h.ofType("aws:ec2/natGateway:NatGateway")).to.have.length(0);
    expect(h.ofType("aws:ec2/flowLog:FlowLog")).to.have.length(0);
    expect(h.one("aws:rds/instance:Instance").inputs).to.include({
      identifier: "pin-dev-source",
      deletionProtection: false,
      publiclyAccessible: false,
      multiAz: false,
    });
    expect(outputs).to.deep.equal({
      contractVersion: 1,
      prefix: "pin-dev",
      region: "eu-west-1",
      sourceDatabase: {
        host: "pin-dev-source.abcdefghijkl.eu-west-1.rds.amazonaws.com",
        port: 3306,
        databaseName: "pinterest_data",
        secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-source-mysql",
      },
    });
  });

  it("prod protects the database, keeps logs longer and turns on flow logs and a NAT", async () => {
    await runStack(h, "prod");
    expect(h.one("aws:rds/instance:Instance").inputs).to.include({
      identifier: "pin-prod-source",
      deletionProtection: true,
      skipFinalSnapshot: false,
      multiAz: true,
      backupRetentionPeriod: 14,
    });
    expect(h.ofType("aws:ec2/natGateway:NatGateway")).to.have.length(1);
    const retention = h
      .ofType("aws:cloudwatch/logGroup:LogGroup")
      .map((l) => l.inputs.retentionInDays);
    expect(retention).to.deep.equal([90, 90, 90]);
  });

  it("every tag carries the environment and the pipeline prefix", async () => {
    await runStack(h, "prod");
    const vpc = h.one("aws:ec2/vpc:Vpc");
    expect(vpc.inputs.tags).to.deep.equal({
      environment: "prod",
      pipeline: "pin-prod",
      Name: "pin-prod-vpc",
    });
  });

  it("leaves the database out when the stack switches it off", async () => {
    const { outputs } = await runStack(h, "dev", {
      "pinterest-pipeline:sourceDatabase": { enabled: false },
    });
    expect(h.ofType("aws:rds/instance:Instance")).to.have.length(0);
    expect(outputs.sourceDatabase).to.equal(undefined);
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}'s exports conform to the contract schema the emulator validates with`, async () => {
      const { outputs } = await runStack(h, stack);
      expect(contractProblems(outputs)).to.deep.equal([]);
    });
  }

  it("exports only the contract's keys, none of them a credential", async () => {
    const { outputs } = await runStack(h, "prod");
    expect(Object.keys(outputs).sort()).to.deep.equal([
      "contractVersion",
      "prefix",
      "region",
      "sourceDatabase",
    ]);
    expect(Object.keys(outputs.sourceDatabase ?? {}).sort()).to.deep.equal([
      "databaseName",
      "host",
      "port",
      "secretArn",
    ]);
    expect(JSON.stringify(outputs)).to.not.match(/password/i);
  });
});
