import { expect } from "chai";
import { parseStackConfig } from "../../stacks/config";

describe("stack config", () => {
  it("fills every default from a prefix alone", () => {
    expect(parseStackConfig({ prefix: "pin-dev" })).to.deep.equal({
      prefix: "pin-dev",
      logRetentionDays: 30,
      allowDataLoss: false,
      tags: { pipeline: "pin-dev" },
      network: { cidrBlock: "10.0.0.0/16", natGateways: "none", flowLogs: false },
      sourceDatabase: {
        enabled: true,
        instanceClass: "db.t4g.micro",
        allocatedStorageGb: 20,
        engineVersion: "8.4",
        backupRetentionDays: 7,
        multiAz: false,
        deletionProtection: false,
        allowedCidrs: [],
      },
    });
  });

  const bad: [string, Record<string, unknown>, string][] = [
    [
      "a missing prefix",
      {},
      'Stack config "pinterest-pipeline:prefix" is undefined; expected 3–20',
    ],
    ["an upper-case prefix", { prefix: "Pin-Dev" }, '"pinterest-pipeline:prefix" is "Pin-Dev"'],
    ["a prefix ending in '-'", { prefix: "pin-" }, '"pinterest-pipeline:prefix" is "pin-"'],
    [
      "a retention CloudWatch refuses",
      { prefix: "pin", logRetentionDays: 10 },
      '"pinterest-pipeline:logRetentionDays" is 10; expected one of 1, 3, 5',
    ],
    [
      "a NAT mode that does not exist",
      { prefix: "pin", network: { natGateways: "two" } },
      '"pinterest-pipeline:network.natGateways" is "two"',
    ],
    [
      "MySQL 5.7",
      { prefix: "pin", sourceDatabase: { engineVersion: "5.7" } },
      '"pinterest-pipeline:sourceDatabase.engineVersion" is "5.7"',
    ],
    [
      "2 days of backups",
      { prefix: "pin", sourceDatabase: { backupRetentionDays: 2 } },
      "is 2; expected a whole number from 7 to 35",
    ],
    [
      "a string for a switch",
      { prefix: "pin", allowDataLoss: "yes" },
      '"pinterest-pipeline:allowDataLoss" is "yes"; expected true or false',
    ],
    [
      "a list for a section",
      { prefix: "pin", network: [] },
      '"pinterest-pipeline:network" is []; expected an object',
    ],
    [
      "a CIDR string instead of a list",
      { prefix: "pin", sourceDatabase: { allowedCidrs: "1.2.3.4/32" } },
      "expected a list of CIDR strings",
    ],
  ];
  for (const [label, raw, message] of bad) {
    it(`rejects ${label} with a message naming the key and value`, () => {
      expect(() => parseStackConfig(raw)).to.throw(message);
    });
  }
});
