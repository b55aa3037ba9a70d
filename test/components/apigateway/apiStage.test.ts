// The one rule for an API stage's arguments (components/apigateway/apiStage.ts): both APIs, and the
// stream path that passes its API its arguments, accept and refuse the same stage names, log
// retentions, rates, bursts and quotas, with the component named in the message.
// What this cannot prove: API Gateway's own check at deployment (the rules are its documented ones).
import { expect } from "chai";
import {
  ApiStageArgs,
  DEFAULT_API_STAGE,
  validateApiStageArgs,
} from "../../../components/apigateway/apiStage";
import { validateKafkaRestApiArgs } from "../../../components/kafka/kafkaRestApi";
import { validateKinesisStreamPathArgs } from "../../../components/kinesis/kinesisStreamPath";

describe("API stage arguments (apiStage.ts)", () => {
  // API Gateway API Reference, Stage, stageName: "Stage names can only contain alphanumeric
  // characters, hyphens, and underscores. Maximum length is 128 characters."
  // (https://docs.aws.amazon.com/apigateway/latest/api/API_Stage.html)
  const accepted: ApiStageArgs[] = [
    {},
    { stageName: DEFAULT_API_STAGE },
    { stageName: "prod_2" },
    { stageName: "v-1" },
    { stageName: "a".repeat(128) },
    { logRetentionDays: 14 },
    { throttlingRateLimit: 0.5, throttlingBurstLimit: 5000, quotaPerDay: 1 },
    { throttlingRateLimit: 10000 },
  ];
  const refused: [string, ApiStageArgs, string][] = [
    ["an empty stage name", { stageName: "" }, `stageName "" may hold only letters, digits`],
    ["a stage with a slash", { stageName: "v1/x" }, `stageName "v1/x" may hold only letters`],
    ["a stage with a dot", { stageName: "v1.0" }, `stageName "v1.0" may hold only letters`],
    [
      "a 129-character stage",
      { stageName: "a".repeat(129) },
      `stageName "${"a".repeat(129)}" may hold only letters`,
    ],
    ["2 days of logs", { logRetentionDays: 2 }, "logRetentionDays 2 is not a CloudWatch Logs"],
    ["a zero rate", { throttlingRateLimit: 0 }, "throttlingRateLimit 0 must be above 0"],
    [
      "a rate above 10000",
      { throttlingRateLimit: 10001 },
      "throttlingRateLimit 10001 must be above 0 and at most 10000",
    ],
    ["a burst above 5000", { throttlingBurstLimit: 5001 }, "throttlingBurstLimit 5001 must be"],
    ["a zero quota", { quotaPerDay: 0 }, "quotaPerDay 0 must be a whole number from 1"],
  ];
  const components: [string, (args: ApiStageArgs) => void][] = [
    ["ApiStage", (args) => validateApiStageArgs("ApiStage", args)],
    [
      "KafkaRestApi",
      (args) =>
        validateKafkaRestApiArgs({
          prefix: "p",
          vpcId: "v",
          subnetIds: [],
          targetGroupName: "g",
          targetSecurityGroupId: "sg",
          ...args,
        }),
    ],
    ["KinesisStreamPath", (args) => validateKinesisStreamPathArgs({ prefix: "pin-test", ...args })],
  ];
  for (const [component, validate] of components) {
    it(`${component} accepts what API Gateway and CloudWatch accept`, () => {
      for (const args of accepted)
        expect(() => validate(args), JSON.stringify(args)).not.to.throw();
    });
    for (const [label, args, message] of refused) {
      it(`${component} refuses ${label}`, () => {
        expect(() => validate(args)).to.throw(`${component} ${message}`);
      });
    }
  }
});
