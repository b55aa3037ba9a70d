// What every REST API of the pipeline needs after its routes, in one place: the stage with X-Ray
// and access logs, log groups with retention (including the execution log group API Gateway would
// create without one), method settings (metrics, ERROR logging, no data trace, throttling), and an
// API key bound to a usage plan with throttling and a daily quota. Children keep the caller's
// names (`<name>-stage`, `<name>-key`, ...) and are parented to the calling component.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ApiGatewayAccount } from "./apiGatewayAccount";
import { ACCESS_LOG_FORMAT } from "../shared/logs";
import { wholeNumber, WholeSetting } from "../shared/validate";

/**
 * What API Gateway accepts for a stage's burst and a usage plan's daily quota, and the pipeline's
 * defaults for both APIs. The account-level ceiling is 10,000 requests per second with a burst of
 * 5,000 per region (API Gateway Developer Guide, "Amazon API Gateway quotas").
 */
export const STAGE_LIMITS = {
  throttlingBurstLimit: { min: 1, max: 5000, default: 100 },
  quotaPerDay: { min: 1, max: 1_000_000_000, default: 1_000_000 },
} as const satisfies Record<string, WholeSetting>;

/** The stage's steady rate (requests per second; any number above 0, at most the account's 10000). */
export const THROTTLING_RATE = { max: 10000, default: 50 } as const;

/**
 * Throws, naming the component and the field, unless the throttle and quota given are ones API
 * Gateway takes (undefined: the default applies): both APIs of the pipeline check theirs here.
 */
export function validateApiLimits(
  component: string,
  limits: { throttlingRateLimit?: number; throttlingBurstLimit?: number; quotaPerDay?: number },
): void {
  const rate = limits.throttlingRateLimit;
  if (rate !== undefined && !(rate > 0 && rate <= THROTTLING_RATE.max)) {
    throw new Error(
      `${component} throttlingRateLimit ${rate} must be above 0 and at most ${THROTTLING_RATE.max} requests per second.`,
    );
  }
  wholeNumber(
    component,
    "throttlingBurstLimit",
    limits.throttlingBurstLimit,
    STAGE_LIMITS.throttlingBurstLimit,
  );
  wholeNumber(component, "quotaPerDay", limits.quotaPerDay, STAGE_LIMITS.quotaPerDay);
}

export interface ApiStageSpec {
  readonly api: aws.apigateway.RestApi;
  readonly apiName: string;
  readonly deployment: aws.apigateway.Deployment;
  readonly stageName: string;
  readonly retentionInDays: number;
  /** Requests per second (steady) and burst, for the stage and the usage plan. */
  readonly rate: number;
  readonly burst: number;
  readonly quotaPerDay: number;
  /** Name of the API key and of the usage plan. */
  readonly keyName: string;
  readonly planName: string;
  readonly manageApiGatewayAccount?: boolean;
  readonly tags?: Record<string, string>;
}

export function createApiStage(parent: pulumi.Resource, name: string, spec: ApiStageSpec) {
  const { api, apiName, stageName, retentionInDays, tags, rate, burst } = spec;
  const opts = { parent };
  const accessLogs = new aws.cloudwatch.LogGroup(
    `${name}-access-logs`,
    { name: `/aws/apigateway/${apiName}/${stageName}`, retentionInDays, tags },
    opts,
  );
  // API Gateway creates its execution log group on first use without retention; this sets one.
  const executionLogs = new aws.cloudwatch.LogGroup(
    `${name}-execution-logs`,
    {
      name: pulumi.interpolate`API-Gateway-Execution-Logs_${api.id}/${stageName}`,
      retentionInDays,
      tags,
    },
    opts,
  );
  const account = spec.manageApiGatewayAccount
    ? [new ApiGatewayAccount(`${name}-account`, { tags }, opts)]
    : [];
  const stage = new aws.apigateway.Stage(
    `${name}-stage`,
    {
      restApi: api.id,
      deployment: spec.deployment.id,
      stageName,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      tags,
    },
    { parent, dependsOn: [executionLogs, ...account] },
  );
  new aws.apigateway.MethodSettings(
    `${name}-method-settings`,
    {
      restApi: api.id,
      stageName: stage.stageName,
      methodPath: "*/*",
      settings: {
        metricsEnabled: true,
        loggingLevel: "ERROR",
        dataTraceEnabled: false, // full bodies in the logs would copy every record
        throttlingRateLimit: rate,
        throttlingBurstLimit: burst,
      },
    },
    opts,
  );
  const apiKey = new aws.apigateway.ApiKey(
    `${name}-key`,
    { name: spec.keyName, description: `Clients of ${apiName}`, tags },
    opts,
  );
  const usagePlan = new aws.apigateway.UsagePlan(
    `${name}-usage-plan`,
    {
      name: spec.planName,
      apiStages: [{ apiId: api.id, stage: stage.stageName }],
      throttleSettings: { rateLimit: rate, burstLimit: burst },
      quotaSettings: { limit: spec.quotaPerDay, period: "DAY" },
      tags,
    },
    opts,
  );
  new aws.apigateway.UsagePlanKey(
    `${name}-usage-plan-key`,
    { keyId: apiKey.id, keyType: "API_KEY", usagePlanId: usagePlan.id },
    opts,
  );
  return { stage, apiKey, accessLogs };
}
