// The emulation loop: pages of source events → one request per target (3 topics and/or 3 streams)
// per page, at most `concurrency` requests in flight, retries with exponential backoff and full
// jitter, only failed records re-sent, a checkpoint after every fully delivered page.
import * as fs from "fs";
import { TABLE_KINDS } from "../components/shared/naming";
import type { SourceEvent } from "./sourceReader";
import { Delivery, FatalError, Path, RetryableError, Table, Target, Transport } from "./transports";

export interface TargetStats {
  rows: number;
  requests: number;
  retries: number;
  failures: number;
}

export interface RunOptions {
  readonly targets: Target[];
  readonly transport: Transport;
  readonly pages: AsyncIterable<SourceEvent[]>;
  readonly concurrency: number;
  /** Events per second across all targets; unlimited when absent. */
  readonly rate?: number;
  /** Stop reading new pages after this many seconds. */
  readonly durationSeconds?: number;
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** File to record the highest index below which every event was delivered (sequential mode). */
  readonly checkpointFile?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
}

export interface Progress {
  readonly events: number;
  readonly stats: Record<string, TargetStats>;
  readonly elapsedSeconds: number;
}

export interface RunResult extends Progress {
  /** Events that did not reach a target after every retry, by target name. */
  readonly undelivered: Record<string, number[]>;
  readonly fatal?: string;
  readonly interrupted: boolean;
  readonly checkpoint?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff: a random wait up to base·2^attempt, capped. */
export function backoffMs(
  attempt: number,
  base: number,
  cap: number,
  random = Math.random,
): number {
  return Math.floor(random() * Math.min(cap, base * 2 ** attempt));
}

/** A counting semaphore for requests in flight. */
class Slots {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async take() {
    if (this.free > 0) return void this.free--;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give() {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

export async function runEmulation(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const maxAttempts = options.maxAttempts ?? 8;
  const stats: Record<string, TargetStats> = {};
  const undelivered: Record<string, number[]> = {};
  for (const t of options.targets) {
    stats[t.name] = { rows: 0, requests: 0, retries: 0, failures: 0 };
    undelivered[t.name] = [];
  }
  const slots = new Slots(options.concurrency);
  let events = 0;
  let fatal: string | undefined;
  let checkpoint: number | undefined;
  const elapsed = () => (Date.now() - started) / 1000;
  const progress = () => options.onProgress?.({ events, stats, elapsedSeconds: elapsed() });

  /** Sends one page to one target until every record is accepted or the attempts run out. */
  async function deliver(target: Target, page: SourceEvent[]): Promise<boolean> {
    let pending = page;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (fatal) return false;
      if (attempt > 0) {
        stats[target.name].retries++;
        await sleep(backoffMs(attempt, options.baseDelayMs ?? 200, options.maxDelayMs ?? 10_000));
      }
      await slots.take();
      let result: Delivery;
      try {
        stats[target.name].requests++;
        result = await options.transport.send(
          target,
          pending.map((e) => e[target.table]),
          pending.map((e) => String(e.index)),
        );
      } catch (error) {
        if (error instanceof FatalError || !(error instanceof RetryableError)) {
          fatal ??= (error as Error).message;
          break;
        }
        result = { failed: pending.map((_, i) => i) };
        if (attempt + 1 >= maxAttempts)
          fatal ??= `${(error as Error).message} (gave up after ${maxAttempts} attempts)`;
      } finally {
        slots.give();
      }
      const failed = new Set(result.failed);
      stats[target.name].rows += pending.length - failed.size;
      pending = pending.filter((_, i) => failed.has(i));
      if (attempt + 1 >= maxAttempts) break;
    }
    stats[target.name].failures += pending.length;
    undelivered[target.name].push(...pending.map((e) => e.index));
    progress();
    return pending.length === 0;
  }

  // Sequential checkpoints: the highest index such that every page up to it was fully delivered.
  const done: { last: number; ok: boolean }[] = [];
  let contiguous = 0;
  const advanceCheckpoint = () => {
    while (contiguous < done.length && done[contiguous]?.ok) checkpoint = done[contiguous++].last;
    if (options.checkpointFile && checkpoint !== undefined) {
      const tmp = `${options.checkpointFile}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ lastDeliveredIndex: checkpoint }) + "\n");
      fs.renameSync(tmp, options.checkpointFile);
    }
  };

  const inFlight = new Set<Promise<void>>();
  const maxPagesInFlight =
    Math.max(1, Math.ceil(options.concurrency / Math.max(1, options.targets.length))) + 1;
  const deadline = options.durationSeconds ? started + options.durationSeconds * 1000 : Infinity;
  let pageNo = 0;
  for await (const page of options.pages) {
    if (fatal || options.signal?.aborted || Date.now() > deadline || page.length === 0) break;
    if (options.rate) {
      const due = started + ((events + page.length) / options.rate) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    const slot = pageNo++;
    done[slot] = undefined as never;
    events += page.length;
    const task = Promise.all(options.targets.map((t) => deliver(t, page))).then((oks) => {
      done[slot] = { last: page[page.length - 1].index, ok: oks.every(Boolean) };
      advanceCheckpoint();
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= maxPagesInFlight) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  progress();
  return {
    events,
    stats,
    elapsedSeconds: elapsed(),
    undelivered,
    fatal,
    interrupted: options.signal?.aborted ?? false,
    checkpoint,
  };
}

/** The targets of the chosen paths, from the stack's names. */
export function targetsFor(
  paths: Path[],
  names: { batch?: Record<Table, string>; stream?: Record<Table, string> },
): Target[] {
  return paths.flatMap((path) =>
    TABLE_KINDS.map((table) => ({ path, table, name: names[path]![table] })),
  );
}
