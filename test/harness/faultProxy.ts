// A fault-injecting HTTP proxy for tests (in the spirit of toxiproxy): it forwards every request
// to a real server and, when told to, answers some requests with an error instead, or forwards
// only part of a Kinesis PutRecords batch and reports the rest as throttled — so the server holds
// exactly what the client was told it accepted.
import * as http from "http";
import type { AddressInfo } from "net";

export interface FaultProxy {
  readonly url: string;
  /** Answer the next `count` requests with this status (no forwarding). */
  failNext(count: number, status: number, body?: string): void;
  /** For the next `count` PutRecords calls, forward only records whose position passes `keep`. */
  partialPutRecords(count: number, keep: (position: number) => boolean): void;
  readonly forwarded: number;
  readonly injected: number;
  close(): Promise<void>;
}

/** Sends a request a proxy received on to `target` as it came (hop headers aside). */
export async function forwardRequest(
  req: http.IncomingMessage,
  body: Buffer,
  target: string,
): Promise<{ status: number; headers: Headers; text: string }> {
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(
      ([k]) => !["host", "content-length", "connection"].includes(k),
    ),
  ) as Record<string, string>;
  const response = await fetch(new URL(req.url ?? "/", target), {
    method: req.method,
    headers,
    body: ["GET", "HEAD"].includes(req.method ?? "GET") ? undefined : body,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const faults: { status: number; body: string }[] = [];
  let partial: { count: number; keep: (i: number) => boolean } | undefined;
  let forwarded = 0;
  let injected = 0;

  const forward = async (req: http.IncomingMessage, body: Buffer) => {
    forwarded++;
    return forwardRequest(req, body, target);
  };

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    try {
      const fault = faults.shift();
      if (fault) {
        injected++;
        res.writeHead(fault.status, { "content-type": "application/json" }).end(fault.body);
        return;
      }
      const isPutRecords = String(req.headers["x-amz-target"] ?? "").endsWith(".PutRecords");
      if (partial && partial.count > 0 && isPutRecords) {
        partial.count--;
        injected++;
        const request = JSON.parse(body.toString("utf8")) as {
          StreamName: string;
          Records: unknown[];
        };
        const keptPositions = request.Records.map((_, i) => i).filter(partial.keep);
        const kept = keptPositions.map((i) => request.Records[i]);
        const real = await forward(req, Buffer.from(JSON.stringify({ ...request, Records: kept })));
        const results = (JSON.parse(real.text) as { Records: object[] }).Records;
        const merged = request.Records.map((_, i) => {
          const k = keptPositions.indexOf(i);
          return k >= 0
            ? results[k]
            : {
                ErrorCode: "ProvisionedThroughputExceededException",
                ErrorMessage: "Rate exceeded for shard (injected)",
              };
        });
        const failed = merged.filter((r) => "ErrorCode" in r).length;
        res
          .writeHead(200, { "content-type": "application/x-amz-json-1.1" })
          .end(JSON.stringify({ FailedRecordCount: failed, Records: merged }));
        return;
      }
      const real = await forward(req, body);
      res
        .writeHead(real.status, {
          "content-type": real.headers.get("content-type") ?? "application/json",
        })
        .end(real.text);
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failNext: (count, status, body = '{"message":"injected"}') => {
      for (let i = 0; i < count; i++) faults.push({ status, body });
    },
    partialPutRecords: (count, keep) => {
      partial = { count, keep };
    },
    get forwarded() {
      return forwarded;
    },
    get injected() {
      return injected;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
