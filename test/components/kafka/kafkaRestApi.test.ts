import { expect } from "chai";
import {
  KafkaRestApi,
  KafkaRestApiArgs,
  redeploymentTrigger,
  validateKafkaRestApiArgs,
} from "../../../components/kafka/kafkaRestApi";
import { ACCESS_LOG_FORMAT } from "../../../components/shared/logs";
import { harness, PulumiHarness } from "../../../tools/pulumi-mock/mockEngine";
import { ingressRules } from "../../harness/kafkaMocks";
import { withKafkaMocks } from "../../../tools/pulumi-mock/mockRun";

// Mocks prove the route, its private path and its protections; they cannot prove that API Gateway
// reaches the proxy through the link (health checks and a deployed request show that).
describe("KafkaRestApi", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = withKafkaMocks(harness().install());
  });

  async function build(args: Partial<KafkaRestApiArgs> = {}) {
    const api = new KafkaRestApi("rest", {
      prefix: "pin-test",
      vpcId: "vpc-1",
      subnetIds: ["subnet-a", "subnet-b"],
      targetGroupName: "pin-test-kafka-client",
      targetSecurityGroupId: "sg-proxy",
      ...args,
    });
    await h.settle();
    return api;
  }

  it("builds the private path (NLB, VPC link) and the API with key, plan and logs", async () => {
    await build();
    expect(h.counts()).to.deep.equal({
      "pinterest-pipeline:components:KafkaRestApi": 1,
      "aws:ec2/securityGroup:SecurityGroup": 1,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
      "aws:lb/loadBalancer:LoadBalancer": 1,
      "aws:lb/targetGroup:TargetGroup": 1,
      "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment": 1,
      "aws:lb/listener:Listener": 1,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 1,
      "aws:apigateway/vpcLink:VpcLink": 1,
      "aws:apigateway/restApi:RestApi": 1,
      "aws:apigateway/resource:Resource": 1,
      "aws:apigateway/requestValidator:RequestValidator": 1,
      "aws:apigateway/method:Method": 1,
      "aws:apigateway/integration:Integration": 1,
      "aws:apigateway/deployment:Deployment": 1,
      "aws:cloudwatch/logGroup:LogGroup": 2,
      "aws:apigateway/stage:Stage": 1,
      "aws:apigateway/methodSettings:MethodSettings": 1,
      "aws:apigateway/apiKey:ApiKey": 1,
      "aws:apigateway/usagePlan:UsagePlan": 1,
      "aws:apigateway/usagePlanKey:UsagePlanKey": 1,
    });
  });

  it("proxies ANY /{proxy+} over the VPC link to http://<nlb>:8082/{proxy}", async () => {
    await build();
    const resource = h.one("aws:apigateway/resource:Resource").inputs;
    expect(resource.pathPart).to.equal("{proxy+}");
    const integration = h.one("aws:apigateway/integration:Integration").inputs;
    const nlb = h.one("aws:lb/loadBalancer:LoadBalancer").state;
    expect(integration).to.include({
      httpMethod: "ANY",
      type: "HTTP_PROXY",
      integrationHttpMethod: "ANY",
      uri: `http://${nlb.dnsName}:8082/{proxy}`,
      connectionType: "VPC_LINK",
      connectionId: "rest-vpc-link-id",
    });
    expect(integration.requestParameters).to.deep.equal({
      "integration.request.path.proxy": "method.request.path.proxy",
    });
    expect(h.one("aws:apigateway/vpcLink:VpcLink").inputs.targetArn).to.equal(nlb.arn);
  });

  it("requires an API key on the only method and validates its path parameter", async () => {
    await build();
    const method = h.one("aws:apigateway/method:Method").inputs;
    expect(method).to.include({ httpMethod: "ANY", authorization: "NONE", apiKeyRequired: true });
    expect(method.requestValidatorId).to.equal("rest-validator-id");
    expect(h.one("aws:apigateway/restApi:RestApi").inputs.apiKeySource).to.equal("HEADER");
    const plan = h.one("aws:apigateway/usagePlan:UsagePlan").inputs;
    expect(plan.throttleSettings).to.deep.equal({ rateLimit: 50, burstLimit: 100 });
    expect(plan.quotaSettings).to.deep.equal({ limit: 1_000_000, period: "DAY" });
    expect(h.one("aws:apigateway/usagePlanKey:UsagePlanKey").inputs).to.include({
      keyId: "rest-key-id",
      keyType: "API_KEY",
      usagePlanId: "rest-usage-plan-id",
    });
  });

  it("keeps the load balancer internal and the proxy reachable only from it", async () => {
    await build();
    const nlb = h.one("aws:lb/loadBalancer:LoadBalancer").inputs;
    expect(nlb).to.include({
      loadBalancerType: "network",
      internal: true,
      enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: "off",
    });
    expect(nlb.subnets).to.deep.equal(["subnet-a", "subnet-b"]);
    expect(ingressRules(h)).to.deep.equal([
      {
        group: "sg-proxy",
        securityGroupId: "sg-proxy",
        description: "REST proxy on 8082 from the pin-test-kafka-rest load balancer only",
        ipProtocol: "tcp",
        fromPort: 8082,
        toPort: 8082,
        referencedSecurityGroupId: "rest-nlb-sg-id",
      },
    ]);
    const egress = h.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").inputs;
    expect(egress).to.include({
      fromPort: 8082,
      toPort: 8082,
      referencedSecurityGroupId: "sg-proxy",
    });
  });

  // A group's traffic source is a target group ARN of type "elbv2" (the provider's
  // TrafficSourceAttachmentTrafficSource; https://docs.aws.amazon.com/autoscaling/ec2/userguide/attach-load-balancer-asg.html):
  // the group then registers every machine it launches, on the target group's port.
  it("forwards TCP 8082 to the proxy group's machines and checks their health over HTTP", async () => {
    await build();
    const targets = h.one("aws:lb/targetGroup:TargetGroup");
    expect(targets.inputs).to.include({ port: 8082, protocol: "TCP", targetType: "instance" });
    expect(targets.inputs.healthCheck).to.include({ protocol: "HTTP", path: "/" });
    expect(
      h.one("aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment").inputs,
    ).to.deep.equal({
      autoscalingGroupName: "pin-test-kafka-client",
      trafficSource: { identifier: targets.state.arn, type: "elbv2" },
    });
    expect(h.one("aws:lb/listener:Listener").inputs).to.include({ port: 8082, protocol: "TCP" });
  });

  it("logs access with retention, traces with X-Ray, logs errors without bodies", async () => {
    await build({ logRetentionDays: 14 });
    const stage = h.one("aws:apigateway/stage:Stage").inputs;
    expect(stage.stageName).to.equal("v1");
    expect(stage.xrayTracingEnabled).to.equal(true);
    const access = h.byName("rest-access-logs");
    expect(access.inputs.retentionInDays).to.equal(14);
    expect(stage.accessLogSettings).to.deep.equal({
      destinationArn: access.state.arn,
      format: ACCESS_LOG_FORMAT,
    });
    expect(h.byName("rest-execution-logs").inputs.retentionInDays).to.equal(14);
    expect(h.one("aws:apigateway/methodSettings:MethodSettings").inputs.settings).to.include({
      loggingLevel: "ERROR",
      dataTraceEnabled: false,
      metricsEnabled: true,
    });
  });

  it("redeploys when the route or its target changes, creating before deleting", async () => {
    await build();
    const first = h.one("aws:apigateway/deployment:Deployment");
    expect(first.deleteBeforeReplace).to.equal(false);
    expect(first.inputs.triggers.redeployment).to.match(/^[0-9a-f]{10}$/);
    h = withKafkaMocks(harness().install());
    await build({ targetPort: 8083 });
    const second = h.one("aws:apigateway/deployment:Deployment");
    expect(second.inputs.triggers.redeployment).not.to.equal(first.inputs.triggers.redeployment);
  });

  // Method and integration ids are derived from API, resource and verb, so an in-place change keeps
  // them; only a new deployment publishes it to the stage
  // (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html).
  it("hashes every rendered argument of the route into the deployment trigger", async () => {
    await build();
    const trigger = h.one("aws:apigateway/deployment:Deployment").inputs.triggers.redeployment;
    const rendered = (type: string) => {
      const { __defaults, ...inputs } = h.one(type).inputs; // eslint-disable-line @typescript-eslint/no-unused-vars
      return inputs;
    };
    const route = {
      resource: rendered("aws:apigateway/resource:Resource"),
      validator: rendered("aws:apigateway/requestValidator:RequestValidator"),
      method: rendered("aws:apigateway/method:Method"),
      integration: rendered("aws:apigateway/integration:Integration"),
    };
    expect(trigger).to.equal(redeploymentTrigger(route));
    const changed = (part: keyof typeof route, key: string, value: unknown) =>
      redeploymentTrigger({ ...route, [part]: { ...route[part], [key]: value } });
    expect(changed("method", "apiKeyRequired", false)).to.not.equal(trigger);
    expect(changed("integration", "timeoutMilliseconds", 10000)).to.not.equal(trigger);
    expect(changed("integration", "connectionId", "other-link")).to.not.equal(trigger);
    expect(changed("method", "requestParameters", {})).to.not.equal(trigger);
    // Key order is not content: the same arguments in another order give the same trigger.
    const reversed = Object.fromEntries(Object.entries(route.method).reverse());
    expect(redeploymentTrigger({ ...route, method: reversed })).to.equal(trigger);
  });

  it("redeploys when the integration timeout changes", async () => {
    await build();
    const first = h.one("aws:apigateway/deployment:Deployment").inputs.triggers.redeployment;
    h = withKafkaMocks(harness().install());
    await build({ integrationTimeoutMs: 10000 });
    expect(h.one("aws:apigateway/integration:Integration").inputs.timeoutMilliseconds).to.equal(
      10000,
    );
    const second = h.one("aws:apigateway/deployment:Deployment").inputs.triggers.redeployment;
    expect(second).to.not.equal(first);
  });

  // NLB metrics: HealthyHostCount in AWS/NetworkELB with the TargetGroup and LoadBalancer ARN
  // suffixes as dimensions (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-cloudwatch-metrics.html).
  it("alarms when no healthy REST proxy is behind the load balancer", async () => {
    await build({ alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:ops" });
    const alarm = h.one("aws:cloudwatch/metricAlarm:MetricAlarm").inputs;
    expect(alarm).to.include({
      namespace: "AWS/NetworkELB",
      metricName: "HealthyHostCount",
      statistic: "Maximum",
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      treatMissingData: "breaching",
    });
    expect(alarm.dimensions).to.deep.equal({
      TargetGroup: h.one("aws:lb/targetGroup:TargetGroup").state.arnSuffix,
      LoadBalancer: h.one("aws:lb/loadBalancer:LoadBalancer").state.arnSuffix,
    });
    expect(alarm.dimensions.TargetGroup).to.match(/^targetgroup\/[^/]+\/[0-9a-f]+$/);
    expect(alarm.dimensions.LoadBalancer).to.match(/^net\/[^/]+\/[0-9a-f]+$/);
    expect(alarm.alarmActions).to.deep.equal(["arn:aws:sns:eu-west-1:123456789012:ops"]);
    expect(alarm.okActions).to.deep.equal(["arn:aws:sns:eu-west-1:123456789012:ops"]);
  });

  it("creates the account logging role only when asked", async () => {
    await build({ manageApiGatewayAccount: true });
    expect(h.ofType("aws:apigateway/account:Account")).to.have.length(1);
  });

  it("exposes invoke URL and key id, parenting every child", async () => {
    const api = await build();
    expect(await h.value(api.invokeUrl)).to.equal(
      "https://rest-api-id.execute-api.eu-west-1.amazonaws.com/v1",
    );
    expect(await h.value(api.apiKeyId)).to.equal("rest-key-id");
    const component = h.one("pinterest-pipeline:components:KafkaRestApi");
    expect(h.childrenOf(component)).to.have.length(h.resources.length - 1);
  });
});

describe("KafkaRestApi argument validation", () => {
  const base = {
    prefix: "p",
    vpcId: "v",
    subnetIds: [],
    targetGroupName: "g",
    targetSecurityGroupId: "sg",
  };
  const cases: [string, Partial<KafkaRestApiArgs>, string][] = [
    ["a stage with a slash", { stageName: "v1/x" }, 'stageName "v1/x" may hold only'],
    ["a privileged port", { targetPort: 80 }, "targetPort 80 must be an unprivileged port"],
    // API Gateway quotas: at most 10,000 requests per second and a burst of 5,000 per account and
    // region; a usage plan's quota is a positive whole number (apigateway/apiStage.ts).
    [
      "zero rate",
      { throttlingRateLimit: 0 },
      "throttlingRateLimit 0 must be above 0 and at most 10000",
    ],
    [
      "a rate above the account's",
      { throttlingRateLimit: 10001 },
      "throttlingRateLimit 10001 must be",
    ],
    [
      "a burst above the account's",
      { throttlingBurstLimit: 5001 },
      "throttlingBurstLimit 5001 must be a whole number from 1 to 5000",
    ],
    [
      "a zero quota",
      { quotaPerDay: 0 },
      "quotaPerDay 0 must be a whole number from 1 to 1000000000",
    ],
    ["a 30 s timeout", { integrationTimeoutMs: 30000 }, "integrationTimeoutMs 30000 must be"],
    [
      "a fractional burst",
      { throttlingBurstLimit: 1.5 },
      "throttlingBurstLimit 1.5 must be a whole",
    ],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateKafkaRestApiArgs({ ...base, ...args })).to.throw(message);
    });
  }
});
