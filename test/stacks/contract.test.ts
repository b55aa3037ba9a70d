import { expect } from "chai";
import { contractProblems } from "../../stacks/contract";

const VALID = {
  contractVersion: 1,
  prefix: "pin-dev",
  region: "eu-west-1",
  sourceDatabase: { host: "db", port: 3306, databaseName: "pinterest_data", secretArn: "" },
  batch: {
    invokeUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/dev",
    apiKeyId: "k1",
    topics: { pin: "pin-dev.pin", geo: "pin-dev.geo", user: "pin-dev.user" },
    bucketName: "pin-dev-raw",
    bootstrapBrokers: "",
    kafkaAuth: "iam",
  },
  stream: {
    invokeUrl: "https://def.execute-api.eu-west-1.amazonaws.com/dev",
    apiKeyId: "k2",
    streams: {
      pin: "streaming-pin-dev-pin",
      geo: "streaming-pin-dev-geo",
      user: "streaming-pin-dev-user",
    },
    kinesisEndpoint: "",
  },
};

describe("stack outputs contract", () => {
  it("accepts a complete v1 object and one with only the required fields", () => {
    expect(contractProblems(VALID)).to.deep.equal([]);
    expect(contractProblems({ contractVersion: 1, prefix: "p", region: "r" })).to.deep.equal([]);
  });

  it("names each missing, wrong or unknown field", () => {
    const broken = {
      ...VALID,
      contractVersion: 2,
      batch: { ...VALID.batch, invokeUrl: "abc.example", topics: { pin: "a", geo: "b" } },
      stream: { ...VALID.stream, streamNames: [] },
    };
    expect(contractProblems(broken)).to.have.members([
      "pipeline.contractVersion: must be 1 (this code reads contract v1 only)",
      'pipeline.batch.invokeUrl: must match pattern "^https?://"',
      "pipeline.batch.topics.user: missing",
      "pipeline.stream.streamNames: not part of contract v1",
    ]);
    expect(contractProblems({ ...VALID, paused: false })).to.deep.equal([
      "pipeline.paused: must be true (a running stack leaves it out)",
    ]);
  });
});
