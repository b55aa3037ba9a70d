import { expect } from "chai";
import { parseStackConfig } from "../../../stacks/config";
import { REGION_PRICES } from "../../../tools/cost/prices";
import { BeyondDesign, planCapacity } from "../../../tools/plan/capacity";
import { planStack } from "../../../tools/plan/cli";
import * as YAML from "yaml";

describe("npm run plan", function () {
  this.timeout(120_000);

  // The stack files the plan writes are read back by the stack config (as `pulumi up` would) and
  // priced by the cost command under the mock engine: what the mocks cannot prove is that AWS has
  // the capacity the inputs assume (docs/scaling.md lists the assumptions).
  for (const rate of [1_000, 10_000, 100_000]) {
    it(`writes a stack file for ${rate} events/s that the program accepts and the cost command prices`, async () => {
      const planned = await planStack(rate, "prod");
      const config = YAML.parse(planned.text).config as Record<string, unknown>;
      expect(config["pinterest-pipeline:prefix"]).to.equal("pin-prod");
      expect(planned.monthly).to.be.greaterThan(0);
      // Every part within its capacity at the planned rate.
      for (const use of planned.plan.uses) expect(use.use, use.component).to.be.at.most(1);
      expect(planned.text).to.match(/^# Sized by npm run plan -- --events-per-second /);
    });
  }

  it("refuses 1M events/s, naming API Gateway's account rate and the redesign", async () => {
    let error: unknown;
    try {
      await planStack(1_000_000, "prod");
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(BeyondDesign);
    expect((error as BeyondDesign).message).to.contain("API Gateway's account rate of 10,000");
    expect((error as BeyondDesign).message).to.contain("producers inside the VPC");
  });

  it("keeps the shipped prod stack at 1,000 events/s on both paths for a week", async () => {
    const prod = await planStack(1_000, "prod");
    // Planning prod for 1k again changes nothing: prod is that plan.
    const again = planCapacity(
      1_000,
      parseStackConfig({
        ...Object.fromEntries(
          Object.entries(YAML.parse(prod.text).config as Record<string, unknown>)
            .filter(([k]) => k.startsWith("pinterest-pipeline:"))
            .map(([k, v]) => [k.slice("pinterest-pipeline:".length), v]),
        ),
      }),
      REGION_PRICES["eu-west-1"],
    );
    expect(again.settings).to.deep.equal(prod.plan.settings);
    const storage = prod.plan.uses.find((u) => u.component.startsWith("MSK storage"));
    expect(storage?.component).to.contain("168 h");
    expect(prod.plan.settings.databricks.streamingPaused).to.equal(false);
  });

  it("never sizes below the base stack", () => {
    const base = parseStackConfig({
      prefix: "pin",
      network: { natGateways: "single" },
      kafka: { enabled: true, brokerStorageGb: 900 },
    });
    const plan = planCapacity(10, base, REGION_PRICES["eu-west-1"]);
    expect(plan.settings.kafka.brokerStorageGb).to.equal(900);
    expect(plan.settings.kafka.brokerInstanceType).to.equal("kafka.t3.small");
  });

  // The plan sizes MSK Connect units; the config refuses them beside kafka.sinkRunner: client.
  it("moves a base's sink from its client machine to the MSK Connect it sizes", () => {
    const kafka = { enabled: true, sinkRunner: "client" };
    const base = parseStackConfig({ prefix: "pin", network: { natGateways: "single" }, kafka });
    const plan = planCapacity(10, base, REGION_PRICES["eu-west-1"]);
    expect(plan.settings.kafka).to.include({ sinkRunner: "mskconnect", connectorMcuCount: 1 });
    const planned = {
      prefix: "pin",
      network: { natGateways: "single" },
      kafka: { ...kafka, ...plan.settings.kafka },
    };
    expect(parseStackConfig(planned).kafka.sinkRunner).to.equal("mskconnect");
  });
});
