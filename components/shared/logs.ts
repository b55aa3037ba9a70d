// What every log group and API access log of the pipeline shares.

/** The retention values CloudWatch Logs accepts (days); any other value fails at `pulumi up`. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/** The retention a stack gives its log groups unless its config says otherwise (days). */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/**
 * Throws, naming the component and the field, unless `days` is a retention CloudWatch Logs accepts
 * (undefined: the default applies). Every component that creates a log group checks it here.
 */
export function checkLogRetention(component: string, field: string, days: number | undefined) {
  if (days !== undefined && !LOG_RETENTION_DAYS.includes(days)) {
    throw new Error(
      `${component} ${field} ${days} is not a CloudWatch Logs retention; use one of ` +
        `${LOG_RETENTION_DAYS.join(", ")}.`,
    );
  }
}

/** The days a log group keeps its events: the given retention, else the pipeline's default. */
export function logRetention(days: number | undefined): number {
  return days ?? DEFAULT_LOG_RETENTION_DAYS;
}

/**
 * API Gateway's access log line (JSON, one per request) for both APIs: who, what, the answer, and
 * the integration's status and latency (Kinesis's or the REST proxy's).
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  apiKeyId: "$context.identity.apiKeyId",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  responseLength: "$context.responseLength",
  integrationStatus: "$context.integration.status",
  integrationLatency: "$context.integration.latency",
  error: "$context.error.message",
  xrayTraceId: "$context.xrayTraceId",
});
