// moto's server (the replica's object store, which also answers API Gateway, Secrets Manager, IAM,
// MSK's cluster API and CloudWatch) for tests that call AWS APIs: started by local/s3/s3.sh when
// no replica runs it already, and stopped again only by the test that started it.
import { execFileSync } from "child_process";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { forwardRequest } from "./faultProxy";
import { REPO_ROOT } from "../../tools/pulumi-mock/mockRun";
import { waitFor } from "./waitFor";

const S3_SH = path.join(REPO_ROOT, "local", "s3", "s3.sh");

/** Whether a local/*.sh server script says its server runs (`status` exits 0). */
export function isRunning(script: string): boolean {
  try {
    execFileSync(script, ["status"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A moto server this test may use, and how to leave it as it was found. */
export interface Moto {
  readonly endpoint: string;
  /** Stops the server if this test started it. */
  readonly release: () => void;
}

/** Starts moto unless it runs, and waits (with a deadline) until it answers. */
export async function useMoto(): Promise<Moto> {
  const started = !isRunning(S3_SH);
  if (started) execFileSync(S3_SH, ["start"], { stdio: ["ignore", "ignore", "inherit"] });
  const endpoint = /PIPELINE_S3_ENDPOINT=(\S+)/.exec(
    execFileSync(S3_SH, ["env"], { encoding: "utf8" }),
  )![1];
  await waitFor(`moto answering at ${endpoint}`, () => answers(endpoint), Boolean, {
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  return {
    endpoint,
    release: () => {
      if (started) execFileSync(S3_SH, ["stop"], { stdio: "ignore" });
    },
  };
}

/** Whether an HTTP server answers 2xx at the URL. */
export async function answers(url: string): Promise<boolean> {
  const res = await fetch(url);
  return res.ok;
}

/**
 * A proxy in front of moto that gives MSK's cluster times the zone AWS writes: moto 5.2.5 writes
 * `creationTime` as a local time without one (moto/kafka/models.py, `datetime.now().isoformat()`),
 * which the AWS SDK refuses ("Invalid RFC-3339 date-time value"), while the MSK API returns RFC
 * 3339 times (MSK API Reference, ClusterInfo). Everything else passes through unchanged.
 */
export async function startMskTimeProxy(
  target: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      try {
        const upstream = await forwardRequest(req, Buffer.concat(chunks), target);
        const text = upstream.text.replace(
          /("creationTime":\s*"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)"/g,
          '$1Z"',
        );
        res.writeHead(upstream.status, {
          "content-type": upstream.headers.get("content-type") ?? "application/json",
        });
        res.end(text);
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
