// The local stand-in for the Kinesis proxy REST API: the same route table, models and mapping
// templates as the deployed one (components/kinesis/kinesisApi*.ts), rendered by ./vtl.ts and sent
// to a real Kinesis API (kinesalite locally) through the AWS SDK. Steps follow API Gateway's order:
// route, API key, parameters, content type, body model, request template, Kinesis, integration
// response. Messages mimic API Gateway's; validation wording is Ajv's, not API Gateway's.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClientConfig,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import Ajv, { ValidateFunction } from "ajv";
import {
  BAD_REQUEST_BODY_TEMPLATE,
  MODELS,
  ModelName,
} from "../../components/kinesis/kinesisApiModels";
import {
  INTEGRATION_RESPONSES,
  KinesisAction,
  KinesisRoute,
} from "../../components/kinesis/kinesisApiTemplates";
import { MappingRequest, MappingTemplateError, renderMappingTemplate } from "./vtl";
import { kinesisClient } from "../../emulator/kinesisClient";

/** Kinesis's raw answer: HTTP status and JSON text, as an AWS integration receives it. */
export interface KinesisAnswer {
  readonly statusCode: number;
  readonly body: string;
}

/** Sends a rendered request body to Kinesis as one action. */
export interface KinesisTransport {
  call(action: KinesisAction, body: string): Promise<KinesisAnswer>;
}

const COMMANDS = {
  ListStreams: ListStreamsCommand,
  DescribeStream: DescribeStreamCommand,
  CreateStream: CreateStreamCommand,
  DeleteStream: DeleteStreamCommand,
  PutRecord: PutRecordCommand,
  PutRecords: PutRecordsCommand,
  GetShardIterator: GetShardIteratorCommand,
  GetRecords: GetRecordsCommand,
  // One construct signature for all: the input is replaced anyway, so one command type will do.
} as unknown as Record<KinesisAction, new (input: object) => ListStreamsCommand>;

/**
 * A transport through the AWS SDK's own client: it signs and sends, over HTTP/1.1, exactly the
 * body the template rendered (swapped in after the SDK's serializer), and hands back Kinesis's raw
 * answer. Like API Gateway, it does not retry.
 */
export function sdkKinesisTransport(config: KinesisClientConfig): KinesisTransport & {
  destroy(): void;
} {
  const client = kinesisClient({ ...config, maxAttempts: 1 });
  return {
    destroy: () => client.destroy(),
    async call(action, body) {
      const Command = COMMANDS[action];
      // The input is irrelevant: the rendered body replaces whatever the serializer produced.
      const command = new Command({});
      let answer: KinesisAnswer | undefined;
      command.middlewareStack.add(
        (next) => async (args) => {
          const request = (args as { request: { body: unknown; headers: Record<string, string> } })
            .request;
          request.body = body;
          delete request.headers["content-length"];
          return next(args);
        },
        { step: "build", priority: "high", name: "renderedTemplateBody" },
      );
      command.middlewareStack.add(
        (next) => async (args) => {
          const result = await next(args);
          const response = result.response as { statusCode: number; body: AsyncIterable<Buffer> };
          const chunks: Buffer[] = [];
          for await (const chunk of response.body) chunks.push(chunk);
          const raw = Buffer.concat(chunks);
          answer = { statusCode: response.statusCode, body: raw.toString("utf8") };
          (response as { body: unknown }).body = raw; // the SDK's deserializer reads it again
          return result;
        },
        { step: "deserialize", priority: "low", name: "rawKinesisAnswer" },
      );
      try {
        await client.send(command);
      } catch (error) {
        if (!answer) throw error; // no answer at all: a network failure, not a Kinesis error
      }
      return answer as KinesisAnswer;
    },
  };
}

/** An HTTP request as the API receives it, the path without the stage. */
export interface ProxyRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface ProxyResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The rendered integration request, when the request got that far (for tests and logs). */
  readonly integrationRequest?: string;
}

export interface KinesisProxyOptions {
  readonly routes: readonly KinesisRoute[];
  readonly transport: KinesisTransport;
  /** Accepted `x-api-key` values; undefined accepts any request (every deployed route needs one). */
  readonly apiKeys?: readonly string[];
  /** `$context` fields (stage, accountId, ...). */
  readonly context?: Readonly<Record<string, unknown>>;
}

const safeDecode = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed %-escapes stay as sent; Kinesis rejects such a name
  }
};

/** The route for a method and path, with its path parameters; undefined when none matches. */
export function matchRoute(routes: readonly KinesisRoute[], method: string, path: string) {
  const segments = path.split("/").filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split("/").filter(Boolean);
    if (route.httpMethod !== method.toUpperCase() || pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((part, i) => {
      const name = /^\{(.+)\}$/.exec(part)?.[1];
      if (name) params[name] = safeDecode(segments[i]);
      return name !== undefined || part === segments[i];
    });
    if (matches) return { route, params };
  }
  return undefined;
}

const json = (statusCode: number, body: unknown): ProxyResponse => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

/** Compiles each model once, with API Gateway's draft-4 `$schema` left unchecked by Ajv. */
function modelValidators(): Record<ModelName, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, validateSchema: false });
  const entries = Object.entries(MODELS).map(([name, schema]) => [name, ajv.compile(schema)]);
  return Object.fromEntries(entries);
}

/** A request handler that behaves like the deployed Kinesis proxy API. */
export function createKinesisProxy(options: KinesisProxyOptions) {
  const validators = modelValidators();
  return async function handle(request: ProxyRequest): Promise<ProxyResponse> {
    const headers = Object.fromEntries(
      Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const matched = matchRoute(options.routes, request.method, request.path);
    if (!matched) return json(403, { message: "Missing Authentication Token" });
    const { route, params } = matched;
    if (options.apiKeys && !options.apiKeys.includes(headers["x-api-key"] ?? "")) {
      return json(403, { message: "Forbidden" });
    }
    const missing = Object.entries(route.requestParameters)
      .filter(([, required]) => required)
      .map(([key]) => key.split(".") as [string, string, string, string])
      .filter(([, , where, name]) => {
        if (where === "path") return !params[name];
        if (where === "querystring") return !request.query?.[name];
        return !headers[name.toLowerCase()];
      })
      .map(([, , , name]) => name);
    if (missing.length > 0) {
      return json(400, { message: `Missing required request parameters: [${missing.join(", ")}]` });
    }
    const contentType = (headers["content-type"] ?? "application/json").split(";")[0].trim();
    if (contentType !== "application/json") {
      return json(415, { message: "Unsupported Media Type" });
    }
    if (route.model) {
      const problem = bodyProblem(validators[route.model], request.body ?? "");
      if (problem !== undefined) {
        return {
          statusCode: 400,
          headers: { "content-type": "text/plain" },
          body: BAD_REQUEST_BODY_TEMPLATE.replace("$context.error.validationErrorString", problem),
        };
      }
    }

    const context = {
      httpMethod: route.httpMethod,
      resourcePath: route.path,
      path: request.path,
      ...options.context,
      identity: { apiKey: headers["x-api-key"] ?? "" },
    };
    const integrationRequest = renderOrUndefined(route.requestTemplate, {
      body: request.body,
      path: params,
      querystring: request.query,
      header: request.headers,
      context,
    });
    if (integrationRequest === undefined) return json(500, { message: "Internal server error" });
    const answer = await options.transport.call(route.action, integrationRequest);
    const status = String(answer.statusCode);
    const selected =
      INTEGRATION_RESPONSES.find(
        (r) => r.selectionPattern && new RegExp(`^(?:${r.selectionPattern})$`).test(status),
      ) ?? INTEGRATION_RESPONSES[0];
    const template = selected.statusCode === "200" ? route.responseTemplate : undefined;
    const body = template
      ? renderOrUndefined(template, { body: answer.body, context })
      : answer.body;
    if (body === undefined) return json(500, { message: "Internal server error" });
    return {
      statusCode: Number(selected.statusCode),
      headers: { "content-type": "application/json" },
      body,
      integrationRequest,
    };
  };
}

/** The rendered template, or undefined when it fails (API Gateway then answers 500). */
function renderOrUndefined(template: string, request: MappingRequest): string | undefined {
  try {
    return renderMappingTemplate(template, request);
  } catch (error) {
    if (error instanceof MappingTemplateError) return undefined;
    throw error;
  }
}

/** Why a body fails its model (`[...]`, as API Gateway brackets it), or undefined if it passes. */
function bodyProblem(validate: ValidateFunction, body: string): string | undefined {
  let value: unknown;
  try {
    value = body.trim() === "" ? {} : JSON.parse(body);
  } catch (error) {
    return `[the body is not JSON: ${(error as Error).message}]`;
  }
  if (validate(value)) return undefined;
  const errors = (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || "body"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`,
  );
  return `[${errors.join("; ")}]`;
}
