// What every REST API of the pipeline needs after its routes, in one place: the stage with X-Ray
// and access logs, log groups with retention (including the execution log group API Gateway would
// create without one), method settings (metrics, ERROR logging, no data trace, throttling), and an
// API key bound to a usage plan with throttling and a daily quota. Children keep the caller's
// names (`<name>-stage`, `<name>-key`, ...) and are parented to the calling component.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ApiGatewayAccount } from "./apiGatewayAccount";
import { ACCESS_LOG_FORMAT, checkLogRetention, logRetention } from "../shared/logs";
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

/** The stage every API has unless told otherwise (the invoke URL's last segment). */
export const DEFAULT_API_STAGE = "v1";

/**
 * What a stage name may hold: "Stage names can only contain alphanumeric characters, hyphens, and
 * underscores. Maximum length is 128 characters." (API Gateway API Reference, Stage, stageName).
 */
const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** What every REST API of the pipeline takes for its stage, logs, API key and usage plan. */
export interface ApiStageArgs {
  /** Name of the stage, the invoke URL's last segment. @default "v1" */
  readonly stageName?: string;
  /** Days to keep the stage's access and execution logs (a CloudWatch Logs value). @default 30 */
  readonly logRetentionDays?: number;
  /** Steady requests per second, per API key and per stage (above 0, at most 10000). @default 50 */
  readonly throttlingRateLimit?: number;
  /** Requests allowed in a burst above the steady rate (1–5000). @default 100 */
  readonly throttlingBurstLimit?: number;
  /** Requests per API key per day (1–1000000000). @default 1000000 */
  readonly quotaPerDay?: number;
  /** Create the region's account-wide API Gateway logging role (once per region). @default false */
  readonly manageApiGatewayAccount?: boolean;
  /** Tags added to every resource that takes tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * Throws, naming the component and the field, unless the stage name, log retention, throttle and
 * quota given are ones API Gateway and CloudWatch take (undefined: the default applies): both APIs
 * of the pipeline, and the components that pass them their arguments, check theirs here.
 */
export function validateApiStageArgs(component: string, args: ApiStageArgs): void {
  if (args.stageName !== undefined && !STAGE_NAME.test(args.stageName)) {
    throw new Error(
      `${component} stageName "${args.stageName}" may hold only letters, digits, '-' and '_' ` +
        `(at most 128; e.g. "${DEFAULT_API_STAGE}").`,
    );
  }
  checkLogRetention(component, "logRetentionDays", args.logRetentionDays);
  const rate = args.throttlingRateLimit;
  if (rate !== undefined && !(rate > 0 && rate <= THROTTLING_RATE.max)) {
    throw new Error(
      `${component} throttlingRateLimit ${rate} must be above 0 and at most ${THROTTLING_RATE.max} requests per second.`,
    );
  }
  wholeNumber(
    component,
    "throttlingBurstLimit",
    args.throttlingBurstLimit,
    STAGE_LIMITS.throttlingBurstLimit,
  );
  wholeNumber(component, "quotaPerDay", args.quotaPerDay, STAGE_LIMITS.quotaPerDay);
}

/** What {@link createApiStage} needs besides the caller's {@link ApiStageArgs}. */
export interface ApiStageSpec {
  readonly api: aws.apigateway.RestApi;
  readonly apiName: string;
  readonly deployment: aws.apigateway.Deployment;
  /** Name of the API key and of the usage plan. */
  readonly keyName: string;
  readonly planName: string;
  /** The caller's stage arguments; their defaults are resolved here. */
  readonly args: ApiStageArgs;
}

/** The stage, its logs, API key and usage plan, as children of `parent`, named from `name`. */
export function createApiStage(parent: pulumi.Resource, name: string, spec: ApiStageSpec) {
  const { api, apiName, args } = spec;
  const tags = { ...args.tags };
  const stageName = args.stageName ?? DEFAULT_API_STAGE;
  const retentionInDays = logRetention(args.logRetentionDays);
  const rate = args.throttlingRateLimit ?? THROTTLING_RATE.default;
  const burst = args.throttlingBurstLimit ?? STAGE_LIMITS.throttlingBurstLimit.default;
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
  const account = args.manageApiGatewayAccount
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
      quotaSettings: { limit: args.quotaPerDay ?? STAGE_LIMITS.quotaPerDay.default, period: "DAY" },
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
