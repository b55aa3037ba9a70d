import { expect } from "chai";
import {
  CLIENT_INSTANCE_LIMITS,
  clientRefreshPreferences,
  launchTemplateUserData,
} from "../../../components/kafka/kafkaClientGroup";

// The rules of RefreshPreferences and InstanceMaintenancePolicy: MinHealthyPercentage 0–100, a
// share of the desired capacity "rounded up to the nearest integer"; MaxHealthyPercentage 100–200,
// at most 100 above the minimum
// (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html,
// https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceMaintenancePolicy.html).
// What a mock cannot show: how AWS schedules the replacements; this checks the arithmetic those
// pages define.
describe("clientRefreshPreferences", () => {
  const cases: [number, number, number][] = [
    [1, 100, 200],
    [2, 50, 100],
    [3, 66, 100],
    [4, 75, 100],
    [7, 85, 100],
    [50, 98, 100],
  ];
  for (const [count, min, max] of cases) {
    it(`${count} machine(s): min ${min} %, max ${max} %`, () => {
      expect(clientRefreshPreferences(count)).to.deep.equal({
        minHealthyPercentage: min,
        maxHealthyPercentage: max,
      });
    });
  }

  it("keeps all but one in service, launching at most one extra, for every allowed size", () => {
    for (let n = CLIENT_INSTANCE_LIMITS.min; n <= CLIENT_INSTANCE_LIMITS.max; n++) {
      const p = clientRefreshPreferences(n);
      expect(p.minHealthyPercentage).to.be.within(0, 100);
      expect(p.maxHealthyPercentage).to.be.within(100, 200);
      expect(p.maxHealthyPercentage - p.minHealthyPercentage).to.be.at.most(100);
      const kept = Math.ceil((n * p.minHealthyPercentage) / 100);
      const most = Math.floor((n * p.maxHealthyPercentage) / 100);
      // One machine out of service, or (one machine) one launched beside it first.
      expect(n === 1 ? [kept, most] : [kept, most]).to.deep.equal(n === 1 ? [1, 2] : [n - 1, n]);
    }
  });

  for (const bad of [0, 51, 1.5, NaN]) {
    it(`refuses ${bad} machines`, () => {
      expect(() => clientRefreshPreferences(bad)).to.throw(
        `KafkaClient instanceCount ${bad} must be a whole number from 1 to 50.`,
      );
    });
  }
});

describe("launchTemplateUserData", () => {
  it("base64-encodes the script, every byte of it", () => {
    const script = "#!/bin/bash\necho 'é ✓'\n";
    const encoded = launchTemplateUserData(script);
    expect(encoded).to.match(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(encoded, "base64").toString("utf8")).to.equal(script);
  });
});
