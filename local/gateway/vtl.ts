// API Gateway mapping templates rendered locally: Velocity (velocityjs) with API Gateway's
// `$input`, `$util`, `$context` and `$stageVariables`. The local replica's APIs and the template
// tests use it. Known differences from the real service (docs/kinesis-stream-path.md):
// - values are JavaScript, not Java: Java string methods (`.length()`, `.matches()`) do not exist,
//   JS ones (`.startsWith()`) happen to match; numbers print the JS way (1.0 prints as 1);
// - `$input.json` re-serialises with JSON.stringify: same JSON value, but the text may differ
//   from Java's (number formatting, whether non-ASCII is escaped);
// - a missing `$input.json` path renders as nothing; the real service's answer was not verified.
import { JSONPath } from "jsonpath-plus";
import { Compile, parse } from "velocityjs";

/** What a mapping template sees of a request (or, for response templates, of Kinesis's answer). */
export interface MappingRequest {
  /** Raw body text; empty or absent reads as `{}` through `$input.path`/`$input.json`. */
  readonly body?: string;
  readonly path?: Readonly<Record<string, string>>;
  readonly querystring?: Readonly<Record<string, string>>;
  /** Header names match case-insensitively, as HTTP headers do. */
  readonly header?: Readonly<Record<string, string>>;
  /** `$context` fields, merged over local defaults (`identity` merged one level deep). */
  readonly context?: Readonly<Record<string, unknown>>;
  readonly stageVariables?: Readonly<Record<string, string>>;
}

/** The template could not be rendered (API Gateway answers 500 in that case). */
export class MappingTemplateError extends Error {
  override name = "MappingTemplateError";
}

/** How Java prints a value: maps as `{k=v, k2=v2}`, lists as `[a, b]`, strings unquoted. */
export function javaText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(javaText).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${k}=${javaText(v)}`).join(", ")}}`;
  }
  return String(value);
}

const hex = (code: number, width: number) => code.toString(16).toUpperCase().padStart(width, "0");

/**
 * `$util.escapeJavaScript`: Apache Commons Lang 2 `escapeJavaScript`, which API Gateway uses.
 * Note that it turns `'` into `\'`, which is not valid inside JSON.
 */
export function escapeJavaScript(value: unknown): string {
  const named: Record<string, string> = {
    "\b": "\\b",
    "\n": "\\n",
    "\t": "\\t",
    "\f": "\\f",
    "\r": "\\r",
    "'": "\\'",
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
  };
  const text = javaText(value);
  let out = "";
  // Per UTF-16 unit, as Java does: an emoji becomes two \u escapes (a surrogate pair).
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const unit = text.charCodeAt(i);
    if (named[c]) out += named[c];
    else if (unit < 0x20 || unit > 0x7f) out += `\\u${hex(unit, 4)}`;
    else out += c;
  }
  return out;
}

/** `$util.urlEncode`: Java's URLEncoder (UTF-8): space as `+`, only `*-._` left unescaped. */
export function urlEncode(value: unknown): string {
  return encodeURIComponent(javaText(value))
    .replace(/[!'()~]/g, (c) => `%${hex(c.charCodeAt(0), 2)}`)
    .replace(/%20/g, "+");
}

/** `$util.urlDecode`: Java's URLDecoder (UTF-8): `+` is a space. */
export function urlDecode(value: unknown): string {
  return decodeURIComponent(javaText(value).replace(/\+/g, " "));
}

// Paths that can match several nodes; their result is a list (as in Jayway JsonPath).
const INDEFINITE = /\.\.|\*|\?\(|\[[^\]]*[,:][^\]]*\]/;

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MappingTemplateError(`${what} is not JSON: ${(error as Error).message}`);
  }
}

function inputOf(request: MappingRequest) {
  let parsed: { value: unknown } | undefined;
  const root = () => {
    const body = request.body ?? "";
    parsed ??= { value: body.trim() === "" ? {} : parseJson(body, "The request body") };
    return parsed.value;
  };
  const select = (path: string): unknown => {
    const json = root() as null | boolean | number | string | object;
    const found = JSONPath({ path, json, wrap: true, eval: "safe" }) as unknown[];
    return INDEFINITE.test(path) ? found : found[0];
  };
  const header = request.header ?? {};
  const headerValue = (name: string) =>
    Object.entries(header).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  return {
    body: request.body ?? "",
    path: (path: string) => select(path),
    json: (path: string) => {
      const value = select(path);
      return value === undefined ? "" : JSON.stringify(value);
    },
    params: (name?: string) => {
      if (name === undefined) {
        return {
          path: { ...request.path },
          querystring: { ...request.querystring },
          header: { ...header },
        };
      }
      return request.path?.[name] ?? request.querystring?.[name] ?? headerValue(name) ?? "";
    },
  };
}

const util = {
  escapeJavaScript,
  urlEncode,
  urlDecode,
  base64Encode: (value: unknown) => Buffer.from(javaText(value), "utf8").toString("base64"),
  base64Decode: (value: unknown) => Buffer.from(javaText(value), "base64").toString("utf8"),
  parseJson: (value: unknown) => parseJson(javaText(value), "$util.parseJson's argument"),
};

/** `$context` defaults for a local request; callers override what they know. */
function contextOf(overrides: Readonly<Record<string, unknown>> = {}) {
  const now = new Date();
  const identity = { sourceIp: "127.0.0.1", userAgent: "", apiKey: "", apiKeyId: "" };
  return {
    requestId: `local-${now.getTime().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
    accountId: "000000000000",
    apiId: "local",
    stage: "local",
    httpMethod: "POST",
    resourcePath: "/",
    path: "/",
    protocol: "HTTP/1.1",
    requestTimeEpoch: now.getTime(),
    requestTime: now.toISOString(),
    ...overrides,
    identity: { ...identity, ...(overrides.identity as object | undefined) },
  };
}

const parsedTemplates = new Map<string, ReturnType<typeof parse>>();

/** Renders an API Gateway mapping template against a request, as API Gateway would. */
export function renderMappingTemplate(template: string, request: MappingRequest = {}): string {
  let asts = parsedTemplates.get(template);
  if (!asts) {
    try {
      asts = parse(template);
    } catch (error) {
      throw new MappingTemplateError(`Template does not parse: ${(error as Error).message}`);
    }
    parsedTemplates.set(template, asts);
  }
  const context = {
    input: inputOf(request),
    util,
    context: contextOf(request.context),
    stageVariables: { ...request.stageVariables },
  };
  try {
    return new Compile(asts, { escape: false }).render(context);
  } catch (error) {
    if (error instanceof MappingTemplateError) throw error;
    throw new MappingTemplateError(`Template failed: ${(error as Error).message}`);
  }
}
