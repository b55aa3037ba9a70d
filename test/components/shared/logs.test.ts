// One rule for every log group's retention (components/shared/logs.ts): the values CloudWatch Logs
// accepts, and every component that creates a log group refusing any other before `pulumi up`.
// What this cannot prove: that AWS has not since widened the list (it is the API's documented one).
import { expect } from "chai";
import { validateMskClusterArgs } from "../../../components/kafka/mskCluster";
import { validateS3SinkConnectorArgs } from "../../../components/kafka/s3SinkConnector";
import { validateKinesisStreamPathArgs } from "../../../components/kinesis/kinesisStreamPath";
import { validateMwaaEnvironmentArgs } from "../../../components/mwaa/mwaaEnvironment";
import { validateNetworkArgs } from "../../../components/network";
import {
  checkLogRetention,
  DEFAULT_LOG_RETENTION_DAYS,
  LOG_RETENTION_DAYS,
  logRetention,
} from "../../../components/shared/logs";
import { validateSourceDatabaseArgs } from "../../../components/sourceDatabase";

describe("log retention (shared/logs.ts)", () => {
  it("accepts exactly the retentions CloudWatch Logs accepts", () => {
    // CloudWatch Logs API Reference, PutRetentionPolicy, retentionInDays: "Possible values are: 1,
    // 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    // 3288, and 3653."
    // (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html)
    const documented = [
      1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
      3288, 3653,
    ];
    expect(LOG_RETENTION_DAYS).to.deep.equal(documented);
    const accepted = [];
    for (let days = 0; days <= 4000; days++) {
      try {
        checkLogRetention("C", "logRetentionDays", days);
        accepted.push(days);
      } catch {
        // refused
      }
    }
    expect(accepted).to.deep.equal(documented);
  });

  it("names the component, the field and the allowed values when it refuses", () => {
    expect(() => checkLogRetention("MskCluster", "logRetentionDays", 2)).to.throw(
      `MskCluster logRetentionDays 2 is not a CloudWatch Logs retention; use one of ${documentedList()}.`,
    );
  });

  it("leaves an unset retention to the default of 30 days", () => {
    expect(() => checkLogRetention("C", "logRetentionDays", undefined)).not.to.throw();
    expect(DEFAULT_LOG_RETENTION_DAYS).to.equal(30);
    expect(logRetention(undefined)).to.equal(30);
    expect(logRetention(14)).to.equal(14);
  });

  // 2 days is a whole number from 1 to 3653, which two components once accepted; CloudWatch refuses it.
  // Both APIs check theirs through apigateway/apiStage.ts (test/components/apigateway/apiStage.test.ts).
  const components: [string, () => void][] = [
    ["Network", () => validateNetworkArgs({ prefix: "p", flowLogRetentionDays: 2 })],
    [
      "SourceDatabase",
      () =>
        validateSourceDatabaseArgs({
          prefix: "p",
          vpcId: "v",
          publicSubnetIds: [],
          logRetentionDays: 2,
        }),
    ],
    [
      "MskCluster",
      () => validateMskClusterArgs({ prefix: "p", vpcId: "v", subnetIds: [], logRetentionDays: 2 }),
    ],
    [
      "S3SinkConnector",
      () =>
        validateS3SinkConnectorArgs({
          prefix: "p",
          pluginPath: "sink.zip",
          pluginSha256: "",
          logRetentionDays: 2,
        } as never),
    ],
    [
      "MwaaEnvironment",
      () => validateMwaaEnvironmentArgs({ prefix: "p-dev", logRetentionDays: 2 } as never),
    ],
    [
      "KinesisStreamPath",
      () => validateKinesisStreamPathArgs({ prefix: "pin-test", logRetentionDays: 2 }),
    ],
  ];
  for (const [component, validate] of components) {
    it(`${component} refuses a retention of 2 days`, () => {
      expect(validate).to.throw(/ 2 is not a CloudWatch Logs retention/);
      expect(validate).to.throw(component);
    });
  }
});

function documentedList(): string {
  return LOG_RETENTION_DAYS.join(", ");
}
