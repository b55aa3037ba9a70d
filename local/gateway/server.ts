// The local replica's API Gateway: one loopback HTTP server with the two APIs the stack deploys.
//   /batch/...   the batch API: `{proxy+}` ANY, HTTP proxy to the REST proxy (as KafkaRestApi);
//   /stream/...  the stream API: the very route table, request models and mapping templates of
//                KinesisStreamPath, rendered and sent to the local Kinesis API.
// Both require the API key, as the deployed usage plan does.
//   node -r ts-node/register/transpile-only local/gateway/server.ts --port 4580 --prefix pin-local \
//     --rest-proxy http://127.0.0.1:8082 --kinesis http://127.0.0.1:4567 --api-key-file FILE
import * as fs from "fs";
import * as http from "http";
import { parseArgs } from "util";
import { kinesisRoutes } from "../../components/kinesis/kinesisApiTemplates";
import { createKinesisProxy, sdkKinesisTransport } from "./kinesisProxy";

export interface GatewayOptions {
  readonly prefix: string;
  readonly restProxyUrl: string;
  readonly kinesisEndpoint: string;
  readonly apiKey: string;
  readonly region?: string;
}

const HOP_BY_HOP = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "x-api-key",
  "keep-alive",
]);

function reply(
  res: http.ServerResponse,
  status: number,
  body: string,
  contentType = "application/json",
) {
  res.writeHead(status, { "content-type": contentType }).end(body);
}

/** Creates (but does not start) the gateway server. */
export function createGateway(options: GatewayOptions): http.Server {
  const kinesis = createKinesisProxy({
    routes: kinesisRoutes({ prefix: options.prefix, streamAdmin: false }),
    transport: sdkKinesisTransport({
      endpoint: options.kinesisEndpoint,
      region: options.region ?? "eu-west-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    }),
    apiKeys: [options.apiKey],
    context: { stage: "local", accountId: "000000000000" },
  });

  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://gateway.local");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(
      Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
    );
    try {
      if (url.pathname.startsWith("/stream/")) {
        const answer = await kinesis({
          method: req.method ?? "GET",
          path: url.pathname.slice("/stream".length),
          query: Object.fromEntries(url.searchParams),
          headers,
          body: body.toString("utf8"),
        });
        res.writeHead(answer.statusCode, answer.headers).end(answer.body);
        return;
      }
      if (url.pathname.startsWith("/batch/")) {
        if (headers["x-api-key"] !== options.apiKey)
          return reply(res, 403, '{"message":"Forbidden"}');
        const target = new URL(
          url.pathname.slice("/batch".length) + url.search,
          options.restProxyUrl,
        );
        const forwarded = Object.fromEntries(
          Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k)),
        );
        let answer: Response;
        try {
          answer = await fetch(target, {
            method: req.method,
            headers: forwarded,
            body: ["GET", "HEAD"].includes(req.method ?? "GET") ? undefined : body,
            signal: AbortSignal.timeout(29_000), // API Gateway's integration timeout
          });
        } catch {
          // What API Gateway answers when the HTTP integration cannot be reached.
          return reply(res, 504, '{"message":"Endpoint request timed out"}');
        }
        const text = Buffer.from(await answer.arrayBuffer());
        res
          .writeHead(answer.status, {
            "content-type": answer.headers.get("content-type") ?? "application/json",
          })
          .end(text);
        return;
      }
      reply(res, 403, '{"message":"Missing Authentication Token"}');
    } catch (error) {
      reply(
        res,
        500,
        JSON.stringify({ message: `Internal server error: ${(error as Error).message}` }),
      );
    }
  });
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4580" },
      prefix: { type: "string" },
      "rest-proxy": { type: "string" },
      kinesis: { type: "string" },
      "api-key-file": { type: "string" },
    },
  });
  for (const required of ["prefix", "rest-proxy", "kinesis", "api-key-file"] as const) {
    if (!values[required]) {
      console.error(`gateway: --${required} is required`);
      process.exit(2);
    }
  }
  const server = createGateway({
    prefix: values.prefix!,
    restProxyUrl: values["rest-proxy"]!,
    kinesisEndpoint: values.kinesis!,
    apiKey: fs.readFileSync(values["api-key-file"]!, "utf8").trim(),
  });
  server.on("error", (error: NodeJS.ErrnoException) => {
    console.error(
      error.code === "EADDRINUSE"
        ? `gateway: port ${values.port} is busy; set PIPELINE_GATEWAY_PORT to a free port`
        : `gateway: ${error.message}`,
    );
    process.exit(1);
  });
  server.listen(Number(values.port), "127.0.0.1", () =>
    console.log(`gateway: listening on 127.0.0.1:${values.port}`),
  );
}
