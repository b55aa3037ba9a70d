import { expect } from "chai";
import { BAD_REQUEST_BODY_TEMPLATE, MODELS } from "../../../components/kinesis/kinesisApiModels";
import { ACCESS_LOG_FORMAT } from "../../../components/shared/logs";
import {
  apiFingerprint,
  kinesisRoutes,
  PUT_RECORD_TEMPLATE,
  PUT_RECORDS_TEMPLATE,
} from "../../../components/kinesis/kinesisApiTemplates";
import {
  KINESIS_STREAM_PATH_LIMITS,
  KinesisStreamPath,
  KinesisStreamPathArgs,
  validateKinesisStreamPathArgs,
} from "../../../components/kinesis/kinesisStreamPath";
import { ACCOUNT_ID, harness, PulumiHarness, REGION } from "../../../tools/pulumi-mock/mockEngine";
import { streamApiStatements } from "../../harness/kinesisExpectations";

const T = {
  stream: "aws:kinesis/stream:Stream",
  method: "aws:apigateway/method:Method",
  integration: "aws:apigateway/integration:Integration",
  methodResponse: "aws:apigateway/methodResponse:MethodResponse",
  integrationResponse: "aws:apigateway/integrationResponse:IntegrationResponse",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  stage: "aws:apigateway/stage:Stage",
};
const TAGS = { environment: "test" };
const streamArn = (name: string) => `arn:aws:kinesis:${REGION}:${ACCOUNT_ID}:stream/${name}`;

// Mocks prove the resource graph and every security-relevant input (docs/security.md: streams, APIs,
// identity, logs). They cannot prove that API Gateway accepts the templates or renders them as the
// local engine does (test/components/kinesis/kinesisApiTemplates.local.test.ts renders them against a real
// Kinesis API), that IAM evaluates the policy as intended, or that the alarms ever fire.
describe("KinesisStreamPath", () => {
  let h: PulumiHarness;
  let defaults: { h: PulumiHarness; path: KinesisStreamPath } | undefined;

  /** Builds the component on a fresh harness; the default build (~90 resources) is built once. */
  async function build(args: Partial<KinesisStreamPathArgs> = {}) {
    const isDefault = Object.keys(args).length === 0;
    if (isDefault && defaults) {
      h = defaults.h;
      return defaults.path;
    }
    h = harness().install();
    h.compute(T.stream, (_, inputs) => ({ arn: streamArn(inputs.name) }));
    h.compute("aws:apigateway/restApi:RestApi", (name) => ({
      rootResourceId: `${name}-root`,
      executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${name}-id`,
    }));
    h.compute(T.stage, (_, inputs) => ({
      invokeUrl: `https://${inputs.restApi}.execute-api.${REGION}.amazonaws.com/${inputs.stageName}`,
    }));
    const path = new KinesisStreamPath("stream", { prefix: "pin-test", tags: TAGS, ...args });
    await h.settle();
    if (isDefault) defaults = { h, path };
    return path;
  }
  const policyOf = (name: string) =>
    JSON.parse(h.byName(name, T.rolePolicy).inputs.policy).Statement;

  it("creates exactly the streams, the API with 6 routes, its key, logs and 11 alarms", async () => {
    await build();
    expect(h.counts()).to.deep.equal({
      "pinterest-pipeline:components:KinesisStreamPath": 1,
      "pinterest-pipeline:components:KinesisProxyApi": 1,
      [T.stream]: 3,
      "random:index/randomId:RandomId": 1,
      [T.role]: 1,
      [T.rolePolicy]: 1,
      "aws:apigateway/restApi:RestApi": 1,
      "aws:apigateway/resource:Resource": 5,
      "aws:apigateway/requestValidator:RequestValidator": 1,
      "aws:apigateway/model:Model": 2,
      "aws:apigateway/response:Response": 1,
      [T.method]: 6,
      [T.integration]: 6,
      [T.methodResponse]: 18,
      [T.integrationResponse]: 18,
      "aws:apigateway/deployment:Deployment": 1,
      [T.logGroup]: 2,
      [T.stage]: 1,
      "aws:apigateway/methodSettings:MethodSettings": 1,
      "aws:apigateway/apiKey:ApiKey": 1,
      "aws:apigateway/usagePlan:UsagePlan": 1,
      "aws:apigateway/usagePlanKey:UsagePlanKey": 1,
      [T.alarm]: 11,
    });
  });

  // A paused stack that must not lose data keeps the streams and drops their API (stacks/index.ts).
  it("without the API, makes the streams and their generation alone", async () => {
    const path = await build({ api: false });
    expect(h.counts()).to.deep.equal({
      "pinterest-pipeline:components:KinesisStreamPath": 1,
      [T.stream]: 3,
      "random:index/randomId:RandomId": 1,
    });
    expect([path.invokeUrl, path.apiKeyId, path.restApiId]).to.deep.equal([
      undefined,
      undefined,
      undefined,
    ]);
    expect(await h.value(path.generation)).to.match(/^[0-9a-f]{16}$/);
  });

  it("makes three one-shard, KMS-encrypted streams with explicit 24 h retention", async () => {
    await build();
    const streams = h.ofType(T.stream).map((s) => s.inputs);
    expect(streams.map((s) => s.name)).to.deep.equal([
      "streaming-pin-test-pin",
      "streaming-pin-test-geo",
      "streaming-pin-test-user",
    ]);
    for (const s of streams) {
      expect(s).to.deep.include({
        streamModeDetails: { streamMode: "PROVISIONED" },
        shardCount: 1,
        retentionPeriod: 24,
        encryptionType: "KMS",
        kmsKeyId: "alias/aws/kinesis",
      });
    }
  });

  it("switches to on-demand, longer retention and a customer key when asked", async () => {
    const key = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/k1`;
    await build({ capacityMode: "ON_DEMAND", retentionHours: 168, kmsKeyArn: key });
    const s = h.byName("stream-geo", T.stream).inputs;
    expect(s).to.deep.include({
      streamModeDetails: { streamMode: "ON_DEMAND" },
      retentionPeriod: 168,
      kmsKeyId: key,
    });
    expect(s.shardCount).to.equal(undefined);
    expect(policyOf("stream-api-role").at(-1)).to.deep.equal({
      Sid: "StreamKey",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: key,
    });
  });

  it("gives API Gateway a role for exactly the routes' actions on exactly these streams", async () => {
    await build();
    const trust = JSON.parse(h.byName("stream-api-role", T.role).inputs.assumeRolePolicy);
    expect(trust.Statement).to.deep.equal([
      {
        Effect: "Allow",
        Principal: { Service: "apigateway.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    ]);
    const arns = ["pin", "geo", "user"].map((k) => streamArn(`streaming-pin-test-${k}`));
    expect(policyOf("stream-api-role")).to.deep.equal(streamApiStatements(arns));
    expect(h.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.deep.equal([]);
  });

  it("adds create and delete routes limited to the prefix when streamAdminRoutes is on", async () => {
    await build({ streamAdminRoutes: true });
    expect(h.ofType(T.method).map((m) => `${m.inputs.httpMethod} ${m.name}`)).to.include.members([
      "POST stream-api-create-stream",
      "DELETE stream-api-delete-stream",
    ]);
    expect(h.ofType(T.method)).to.have.length(8);
    const statements = policyOf("stream-api-role");
    expect(statements[2].Resource).to.equal(streamArn("streaming-pin-test-*"));
    expect(statements[3]).to.deep.include({ Effect: "Deny", Action: ["kinesis:DeleteStream"] });
  });

  it("requires an API key on every method and validates parameters and put bodies", async () => {
    await build();
    const validator = h.one("aws:apigateway/requestValidator:RequestValidator");
    expect(validator.inputs).to.deep.include({
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    for (const m of h.ofType(T.method)) {
      expect(m.inputs, m.name).to.deep.include({
        authorization: "NONE",
        apiKeyRequired: true,
        requestValidatorId: validator.state.id,
      });
    }
    expect(h.byName("stream-api-put-record", T.method).inputs.requestModels).to.deep.equal({
      "application/json": "PutRecordBody",
    });
    expect(h.byName("stream-api-put-records", T.method).inputs.requestModels).to.deep.equal({
      "application/json": "PutRecordsBody",
    });
    const models = h.ofType("aws:apigateway/model:Model").map((m) => m.inputs);
    expect(models.map((m) => [m.name, m.contentType, JSON.parse(m.schema)])).to.deep.equal([
      ["PutRecordBody", "application/json", MODELS.PutRecordBody],
      ["PutRecordsBody", "application/json", MODELS.PutRecordsBody],
    ]);
    const badBody = h.one("aws:apigateway/response:Response").inputs;
    expect(badBody).to.deep.include({ responseType: "BAD_REQUEST_BODY", statusCode: "400" });
    expect(badBody.responseTemplates).to.deep.equal({
      "application/json": BAD_REQUEST_BODY_TEMPLATE,
    });
  });

  it("integrates every route as an AWS-service POST to its Kinesis action with the role", async () => {
    await build();
    const role = h.byName("stream-api-role", T.role);
    const integrations = h.ofType(T.integration);
    const actions: [string, string][] = [
      ["GET", "ListStreams"],
      ["GET", "DescribeStream"],
      ["PUT", "PutRecord"],
      ["PUT", "PutRecords"],
      ["GET", "GetShardIterator"],
      ["GET", "GetRecords"],
    ];
    expect(integrations.map((i) => `${i.inputs.httpMethod} ${i.inputs.uri}`)).to.have.members(
      actions.map(([m, a]) => `${m} arn:aws:apigateway:${REGION}:kinesis:action/${a}`),
    );
    for (const i of integrations) {
      expect(i.inputs, i.name).to.deep.include({
        type: "AWS",
        integrationHttpMethod: "POST",
        credentials: role.state.arn,
        passthroughBehavior: "NEVER",
        requestParameters: {
          "integration.request.header.Content-Type": "'application/x-amz-json-1.1'",
        },
      });
    }
    expect(h.byName("stream-api-put-record", T.integration).inputs.requestTemplates).to.deep.equal({
      "application/json": PUT_RECORD_TEMPLATE,
    });
    expect(h.byName("stream-api-put-records", T.integration).inputs.requestTemplates).to.deep.equal(
      {
        "application/json": PUT_RECORDS_TEMPLATE,
      },
    );
  });

  it("maps Kinesis 4XX and 5XX to 400 and 500, and filters the list answer", async () => {
    await build();
    const responses = h
      .ofType(T.integrationResponse)
      .filter((r) => r.name.startsWith("stream-api-put-record-"));
    expect(responses.map((r) => [r.inputs.statusCode, r.inputs.selectionPattern])).to.deep.equal([
      ["200", undefined],
      ["400", "4\\d{2}"],
      ["500", "5\\d{2}"],
    ]);
    const list = h.byName("stream-api-list-streams-200", T.integrationResponse).inputs;
    expect(list.responseTemplates["application/json"]).to.include(
      '$name.startsWith("streaming-pin-test-")',
    );
  });

  it("redeploys on any route change, before removing the old deployment", async () => {
    await build();
    const deployment = h.one("aws:apigateway/deployment:Deployment");
    expect(deployment.inputs.triggers).to.deep.equal({
      redeployment: apiFingerprint(kinesisRoutes({ prefix: "pin-test", streamAdmin: false })),
    });
    expect(deployment.deleteBeforeReplace).to.equal(false);
    const routeUrns = [...h.ofType(T.method), ...h.ofType(T.integration)].map((r) => r.urn);
    expect(deployment.dependsOn).to.include.members(routeUrns);
    expect(deployment.dependsOn).to.include.members(
      h.ofType(T.integrationResponse).map((r) => r.urn),
    );
  });

  it("traces with X-Ray, logs access as JSON with retention, errors only, no request bodies", async () => {
    await build();
    const stage = h.one(T.stage);
    const access = h.byName("stream-api-access-logs", T.logGroup);
    const execution = h.byName("stream-api-execution-logs", T.logGroup);
    expect(stage.inputs).to.deep.include({ stageName: "v1", xrayTracingEnabled: true });
    expect(stage.inputs.accessLogSettings).to.deep.equal({
      destinationArn: access.state.arn,
      format: ACCESS_LOG_FORMAT,
    });
    expect(access.inputs).to.deep.include({
      name: "/aws/apigateway/pin-test-stream-api/v1",
      retentionInDays: 30,
    });
    expect(execution.inputs).to.deep.include({
      name: "API-Gateway-Execution-Logs_stream-api-id/v1",
      retentionInDays: 30,
    });
    expect(stage.dependsOn).to.include(execution.urn);
    const settings = h.one("aws:apigateway/methodSettings:MethodSettings").inputs;
    expect(settings).to.deep.include({ methodPath: "*/*", stageName: "v1" });
    expect(settings.settings).to.deep.equal({
      metricsEnabled: true,
      loggingLevel: "ERROR",
      dataTraceEnabled: false,
      throttlingRateLimit: 50,
      throttlingBurstLimit: 100,
    });
  });

  it("throttles and caps each API key through a usage plan", async () => {
    await build({ throttlingRateLimit: 20, throttlingBurstLimit: 40, quotaPerDay: 100000 });
    const plan = h.one("aws:apigateway/usagePlan:UsagePlan");
    expect(plan.inputs).to.deep.include({
      name: "pin-test-stream",
      apiStages: [{ apiId: "stream-api-id", stage: "v1" }],
      throttleSettings: { rateLimit: 20, burstLimit: 40 },
      quotaSettings: { limit: 100000, period: "DAY" },
    });
    const key = h.one("aws:apigateway/apiKey:ApiKey");
    expect(h.one("aws:apigateway/usagePlanKey:UsagePlanKey").inputs).to.deep.equal({
      keyId: key.state.id,
      keyType: "API_KEY",
      usagePlanId: plan.state.id,
    });
    expect(key.inputs.value).to.equal(undefined); // generated by AWS, never in the program
  });

  it("alarms on lag, throttling and API errors, notifying the topic when one is given", async () => {
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:alerts`;
    await build({ alarmTopicArn: topic });
    const alarms = h.ofType(T.alarm).map((a) => a.inputs);
    expect(alarms.map((a) => a.name)).to.deep.equal([
      ...["pin", "geo", "user"].flatMap((k) =>
        ["iterator-age", "read-throttled", "write-throttled"].map((m) => `pin-test-${k}-${m}`),
      ),
      "pin-test-api-5xx",
      "pin-test-api-4xx",
    ]);
    for (const a of alarms) {
      expect(a, a.name).to.deep.include({
        alarmActions: [topic],
        okActions: [topic],
        treatMissingData: "notBreaching",
      });
    }
    const alarm = (name: string) => alarms.find((a) => a.name === name);
    expect(alarm("pin-test-pin-iterator-age")).to.deep.include({
      metricName: "GetRecords.IteratorAgeMilliseconds",
      threshold: 43200000,
      dimensions: { StreamName: "streaming-pin-test-pin" },
    });
    expect(alarm("pin-test-api-5xx")?.dimensions).to.deep.equal({
      ApiName: "pin-test-stream-api",
      Stage: "v1",
    });
  });

  it("creates alarms without actions when there is no topic", async () => {
    await build();
    expect(h.ofType(T.alarm).every((a) => a.inputs.alarmActions.length === 0)).to.equal(true);
  });

  it("sets the account's API Gateway logging role only when asked", async () => {
    await build({ manageApiGatewayAccount: true });
    const account = h.one("aws:apigateway/account:Account");
    const role = h.byName("stream-api-account-role", T.role);
    expect(account.inputs.cloudwatchRoleArn).to.equal(role.state.arn);
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({
      Service: "apigateway.amazonaws.com",
    });
    expect(policyOf("stream-api-account-role")[0].Resource).to.equal(
      `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:*`,
    );
    expect(h.one(T.stage).dependsOn).to.include(account.urn);
  });

  // No wildcard action, "*" only for kinesis:ListStreams, a retention on every log group: the
  // policy pack (policy/policies.ts) checks these on every stack's graph.

  it("parents everything to the component and tags what takes tags", async () => {
    await build();
    const root = h.one("pinterest-pipeline:components:KinesisStreamPath");
    const api = h.one("pinterest-pipeline:components:KinesisProxyApi");
    expect(api.parentUrn).to.equal(root.urn);
    const others = h.resources.filter((r) => r !== root && r !== api);
    expect(others.every((r) => r.parentUrn === root.urn || r.parentUrn === api.urn)).to.equal(true);
    for (const type of [T.stream, T.alarm, T.stage, T.logGroup, "aws:apigateway/restApi:RestApi"]) {
      expect(h.ofType(type).length, type).to.be.above(0);
      for (const r of h.ofType(type)) expect(r.inputs.tags, r.name).to.deep.equal(TAGS);
    }
  });

  it("exposes the invoke URL, key id and stream names and ARNs", async () => {
    const path = await build();
    expect(await h.value(path.invokeUrl)).to.equal(
      `https://stream-api-id.execute-api.${REGION}.amazonaws.com/v1`,
    );
    expect(await h.value(path.apiKeyId)).to.equal("stream-api-key-id");
    expect(await h.value(path.streamNames)).to.deep.equal({
      pin: "streaming-pin-test-pin",
      geo: "streaming-pin-test-geo",
      user: "streaming-pin-test-user",
    });
    expect(await h.value(path.streamArns)).to.deep.equal({
      pin: streamArn("streaming-pin-test-pin"),
      geo: streamArn("streaming-pin-test-geo"),
      user: streamArn("streaming-pin-test-user"),
    });
  });
});

describe("KinesisStreamPath argument validation", () => {
  const cases: [string, Partial<KinesisStreamPathArgs>, string][] = [
    [
      "an upper-case prefix",
      { prefix: "Pin" },
      "KinesisStreamPath prefix \"Pin\" must be 3–20 lowercase letters, digits or '-'",
    ],
    ["an unknown mode", { capacityMode: "AUTO" as never }, 'capacityMode "AUTO" is not one of'],
    [
      "shards with on-demand",
      { capacityMode: "ON_DEMAND", shardCount: 2 },
      'shardCount 2 applies only to capacityMode "PROVISIONED"',
    ],
    ["zero shards", { shardCount: 0 }, "shardCount 0 must be a whole number from 1 to 10000."],
    [
      "12 h retention",
      { retentionHours: 12 },
      "retentionHours 12 must be a whole number from 24 to 8760.",
    ],
    [
      "a retention CloudWatch refuses",
      { logRetentionDays: 10 },
      "logRetentionDays 10 is not a CloudWatch",
    ],
    ["a zero rate", { throttlingRateLimit: 0 }, "throttlingRateLimit 0 must be above 0"],
    [
      "a fractional burst",
      { throttlingBurstLimit: 1.5 },
      "throttlingBurstLimit 1.5 must be a whole",
    ],
    ["a zero quota", { quotaPerDay: 0 }, "quotaPerDay 0 must be a whole number from 1"],
    ["a stage with a slash", { stageName: "v1/x" }, 'stageName "v1/x" may hold only letters'],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateKinesisStreamPathArgs({ prefix: "pin-test", ...args })).to.throw(
        message,
      );
    });
  }

  it("accepts the defaults and a provisioned stream", () => {
    expect(() => validateKinesisStreamPathArgs({ prefix: "pin-dev" })).not.to.throw();
    expect(() =>
      validateKinesisStreamPathArgs({
        prefix: "pin-dev",
        capacityMode: "PROVISIONED",
        shardCount: 1,
      }),
    ).not.to.throw();
  });

  // Kinesis API Reference, UpdateShardCount: by default no more than 10,000 shards in a stream;
  // Kinesis Data Streams Developer Guide, "Quotas and limits": a default of 20,000 shards per
  // account in us-east-1, us-west-2 and eu-west-1 (where both stacks run), 1,000 or 6,000
  // elsewhere. What no range can hold is the step from the deployed count (at most double, at
  // least half): docs/operations.md, "Kinesis shards".
  it("keeps the shard range at a stream's ceiling: the account's quota is the stack config's check", () => {
    // UpdateShardCount (Kinesis API Reference): by default at most 10,000 shards in a stream. The
    // three streams together within the region's quota is checkShardQuota's (stacks/configRules.ts).
    const { min, max } = KINESIS_STREAM_PATH_LIMITS.shardCount;
    expect([min, max]).to.deep.equal([1, 10_000]);
  });
});
