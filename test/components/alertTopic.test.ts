import { expect } from "chai";
import {
  AlertTopic,
  AlertTopicArgs,
  alertTopicPolicy,
  validateAlertTopicArgs,
} from "../../components/alertTopic";
import { ACCOUNT_ID, harness, PulumiHarness, REGION } from "../../tools/pulumi-mock/mockEngine";

// Mocks prove the topic, its policy and one e-mail subscription per address; they cannot prove
// that SNS delivers (each address must confirm) or that CloudWatch publishes (AWS does that).
describe("AlertTopic", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = harness().install();
  });

  async function build(args: Partial<AlertTopicArgs> = {}) {
    const topic = new AlertTopic("alerts", {
      prefix: "pin-test",
      emails: ["data-alerts@example.com", "oncall@example.com"],
      ...args,
    });
    await h.settle();
    return topic;
  }

  it("builds the topic, its policy and one e-mail subscription per address", async () => {
    const topic = await build();
    const arn = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:pin-test-alerts`;
    expect(await h.value(topic.topicArn)).to.equal(arn);
    expect(h.one("aws:sns/topic:Topic").inputs).to.not.have.property("kmsMasterKeyId");
    expect(
      h.ofType("aws:sns/topicSubscription:TopicSubscription").map((s) => s.inputs),
    ).to.deep.equal([
      { topic: arn, protocol: "email", endpoint: "data-alerts@example.com" },
      { topic: arn, protocol: "email", endpoint: "oncall@example.com" },
    ]);
    const policy = JSON.parse(h.one("aws:sns/topicPolicy:TopicPolicy").inputs.policy);
    expect(policy).to.deep.equal(
      alertTopicPolicy(arn, { partition: "aws", region: REGION, account: ACCOUNT_ID }),
    );
  });

  // AWS knowledge center: a topic policy without cloudwatch.amazonaws.com fails the alarm's
  // action ("not authorized to perform: SNS:Publish").
  it("lets only this account's CloudWatch alarms publish, besides the owner", () => {
    const p = alertTopicPolicy("arn:aws:sns:eu-west-1:123456789012:t", {
      partition: "aws",
      region: "eu-west-1",
      account: "123456789012",
    });
    expect(p.Statement[1]).to.deep.equal({
      Sid: "AlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: "arn:aws:sns:eu-west-1:123456789012:t",
      Condition: {
        ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*" },
        StringEquals: { "aws:SourceAccount": "123456789012" },
      },
    });
  });

  it("refuses no address, or one that is not an address", () => {
    expect(() => validateAlertTopicArgs({ prefix: "pin-test", emails: [] })).to.throw(
      "AlertTopic emails is empty",
    );
    expect(() => validateAlertTopicArgs({ prefix: "pin-test", emails: ["ops"] })).to.throw(
      'AlertTopic email "ops" is not an e-mail address.',
    );
  });
});
