import { expect } from "chai";
import {
  clientS3SinkPolicy,
  kafkaClientPolicy,
  kafkaConnectTrustPolicy,
  mskResourceArn,
  s3SinkConnectorPolicy,
} from "../../../components/kafka/kafkaPolicies";
import { PolicyDocument, serviceTrustPolicy } from "../../../components/shared/iam";

const CLUSTER = "arn:aws:kafka:eu-west-1:123456789012:cluster/pin-dev-kafka/abcd-1234-5";
const TOPICS = "arn:aws:kafka:eu-west-1:123456789012:topic/pin-dev-kafka/abcd-1234-5/";
const GROUPS = "arn:aws:kafka:eu-west-1:123456789012:group/pin-dev-kafka/abcd-1234-5/";

/** The security baseline's identity rules, checked on every document this file builds. */
function expectLeastPrivilege(policy: PolicyDocument) {
  for (const statement of policy.Statement) {
    const actions = ([] as string[]).concat(statement.Action);
    const resources = ([] as string[]).concat(statement.Resource ?? []);
    expect(actions, statement.Sid).to.not.include("*");
    expect(
      actions.filter((a) => a.endsWith(":*")),
      statement.Sid,
    ).to.deep.equal([]);
    expect(resources, statement.Sid).to.not.include("*");
    expect(statement.Effect).to.equal("Allow");
  }
}

describe("mskResourceArn", () => {
  const cases: [string, "topic" | "group", string, string][] = [
    [CLUSTER, "topic", "pin-dev.*", `${TOPICS}pin-dev.*`],
    [CLUSTER, "group", "connect-x", `${GROUPS}connect-x`],
    [
      "arn:aws-cn:kafka:cn-north-1:123456789012:cluster/c/u-1",
      "topic",
      "t",
      "arn:aws-cn:kafka:cn-north-1:123456789012:topic/c/u-1/t",
    ],
  ];
  for (const [cluster, kind, pattern, expected] of cases) {
    it(`${kind} ${pattern} of ${cluster.split(":").slice(-1)[0]}`, () => {
      expect(mskResourceArn(cluster, kind, pattern)).to.equal(expected);
    });
  }
  it("rejects an ARN that is not an MSK cluster's, naming it", () => {
    expect(() => mskResourceArn("arn:aws:s3:::bucket", "topic", "t")).to.throw(
      '"arn:aws:s3:::bucket" is not an MSK cluster ARN',
    );
  });
});

describe("trust policies", () => {
  it("lets only the named service assume the role", () => {
    expect(serviceTrustPolicy("ec2.amazonaws.com")).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "ec2.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    });
  });
  it("lets MSK Connect assume the role only for this account's connector", () => {
    const statement = kafkaConnectTrustPolicy("eu-west-1", "123456789012", "pin-dev-s3-sink")
      .Statement[0];
    expect(statement.Principal).to.deep.equal({ Service: "kafkaconnect.amazonaws.com" });
    expect(statement.Condition).to.deep.equal({
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnLike: {
        "aws:SourceArn": "arn:aws:kafkaconnect:eu-west-1:123456789012:connector/pin-dev-s3-sink/*",
      },
    });
  });
});

describe("kafkaClientPolicy", () => {
  const policy = kafkaClientPolicy({
    clusterArn: CLUSTER,
    topicPrefix: "pin-dev",
    groupPrefix: "pin-dev",
  });
  const table: [string, string[], string][] = [
    [
      "Cluster",
      [
        "kafka-cluster:Connect",
        "kafka-cluster:DescribeCluster",
        "kafka-cluster:WriteDataIdempotently",
      ],
      CLUSTER,
    ],
    // AlterTopic: CreatePartitions (kafka-topics --alter --partitions) needs it:
    // https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
    [
      "PipelineTopics",
      [
        "kafka-cluster:CreateTopic",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:DescribeTopicDynamicConfiguration",
        "kafka-cluster:AlterTopic",
        "kafka-cluster:WriteData",
        "kafka-cluster:ReadData",
      ],
      `${TOPICS}pin-dev.*`,
    ],
    [
      "PipelineGroups",
      ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
      `${GROUPS}pin-dev*`,
    ],
  ];
  it("has exactly the three statements below", () => {
    expect(policy.Statement.map((s) => s.Sid)).to.deep.equal(table.map(([sid]) => sid));
  });
  for (const [sid, actions, resource] of table) {
    it(`${sid}: ${actions.length} actions on ${resource.split("/").slice(-1)[0] || "cluster"}`, () => {
      const statement = policy.Statement.find((s) => s.Sid === sid)!;
      expect(statement.Action).to.deep.equal(actions);
      expect(statement.Resource).to.equal(resource);
    });
  }
  it("never grants a wildcard action or resource", () => expectLeastPrivilege(policy));
});

const SINK_POLICY_INPUT = {
  clusterArn: CLUSTER,
  topicPrefix: "pin-dev",
  connectorName: "pin-dev-s3-sink",
  bucketArn: "arn:aws:s3:::pin-dev-raw-1",
  objectPrefix: "topics/",
};

describe("s3SinkConnectorPolicy", () => {
  const input = SINK_POLICY_INPUT;
  const policy = s3SinkConnectorPolicy(input);
  const table: [string, string[], string | string[]][] = [
    ["Cluster", ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"], CLUSTER],
    [
      "ReadPipelineTopics",
      ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
      `${TOPICS}pin-dev.*`,
    ],
    [
      "ConnectInternalTopics",
      [
        "kafka-cluster:CreateTopic",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:ReadData",
        "kafka-cluster:WriteData",
      ],
      `${TOPICS}__amazon_msk_connect_*`,
    ],
    [
      "ConnectGroups",
      ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
      [`${GROUPS}connect-pin-dev-s3-sink`, `${GROUPS}__amazon_msk_connect_*`],
    ],
    [
      "Bucket",
      ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
      "arn:aws:s3:::pin-dev-raw-1",
    ],
    [
      "SinkObjects",
      ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      "arn:aws:s3:::pin-dev-raw-1/topics/*",
    ],
  ];
  it("has exactly the six statements below without a KMS key", () => {
    expect(policy.Statement.map((s) => s.Sid)).to.deep.equal(table.map(([sid]) => sid));
  });
  for (const [sid, actions, resource] of table) {
    it(`${sid}: ${actions.join(", ")}`, () => {
      const statement = policy.Statement.find((s) => s.Sid === sid)!;
      expect(statement.Action).to.deep.equal(actions);
      expect(statement.Resource).to.deep.equal(resource);
    });
  }
  it("never writes to the topics it reads: no WriteData on the pipeline topics", () => {
    const writes = policy.Statement.filter((s) =>
      ([] as string[]).concat(s.Action).includes("kafka-cluster:WriteData"),
    );
    expect(writes.map((s) => s.Resource)).to.deep.equal([`${TOPICS}__amazon_msk_connect_*`]);
  });
  it("adds the bucket's KMS key when there is one", () => {
    const withKey = s3SinkConnectorPolicy({ ...input, kmsKeyArn: "arn:aws:kms:eu-west-1:1:key/k" });
    expect(withKey.Statement.at(-1)).to.deep.equal({
      Sid: "BucketKey",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "arn:aws:kms:eu-west-1:1:key/k",
    });
    expectLeastPrivilege(withKey);
  });
  it("never grants a wildcard action or resource", () => expectLeastPrivilege(policy));
});

describe("clientS3SinkPolicy (the sink on the client machine)", () => {
  const input = {
    ...SINK_POLICY_INPUT,
    internalNamePattern: "_connect-pin-dev-*",
    pluginObjectArn: "arn:aws:s3:::pin-dev-raw-1/connect-plugins/kafka-client/s3.zip",
  };
  const policy = clientS3SinkPolicy(input);
  const byId = new Map(policy.Statement.map((s) => [s.Sid, s]));

  it("is MSK Connect's policy for the worker's own names, then the plugin and topic configs", () => {
    const mskConnect = s3SinkConnectorPolicy({ ...input, internalNamePattern: undefined });
    expect(policy.Statement.map((s) => s.Sid)).to.deep.equal([
      ...mskConnect.Statement.map((s) => s.Sid),
      "WorkerInternalTopicConfigs",
      "SinkPlugin",
    ]);
    expect(byId.get("ConnectInternalTopics")?.Resource).to.equal(`${TOPICS}_connect-pin-dev-*`);
    expect(byId.get("ConnectGroups")?.Resource).to.deep.equal([
      `${GROUPS}connect-pin-dev-s3-sink`,
      `${GROUPS}_connect-pin-dev-*`,
    ]);
    expect(JSON.stringify(policy)).to.not.contain("__amazon_msk_connect_");
  });

  it("reads the plugin upload by version and nothing else of connect-plugins/", () => {
    expect(byId.get("SinkPlugin")).to.deep.include({
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: input.pluginObjectArn,
    });
  });

  // A worker describes its internal topics' configs to check cleanup.policy=compact (Apache Kafka
  // connect/runtime TopicAdmin); MSK names that DescribeTopicDynamicConfiguration
  // (https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html).
  it("lets the worker read its internal topics' configurations only", () => {
    expect(byId.get("WorkerInternalTopicConfigs")).to.deep.include({
      Action: ["kafka-cluster:DescribeTopicDynamicConfiguration"],
      Resource: `${TOPICS}_connect-pin-dev-*`,
    });
  });

  it("never grants a wildcard action or resource", () => expectLeastPrivilege(policy));
});
