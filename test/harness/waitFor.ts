// The one way tests wait: for a named condition, polled until a deadline. Never a fixed sleep: a
// busy machine only makes the wait longer, and a condition that never holds fails with its name
// and the last value seen.

export interface WaitOptions<T = unknown> {
  /** Milliseconds before giving up. @default 30000 */
  readonly timeoutMs?: number;
  /** Milliseconds between two checks. @default 50 */
  readonly intervalMs?: number;
  /** How the last value is shown in the timeout's message. @default JSON, cut at 300 characters */
  readonly show?: (value: T) => string;
}

/**
 * Polls `probe` until `done(value)` holds and returns that value; throws
 * "timed out after N ms waiting for <what>; last value: ..." otherwise. A probe that throws counts
 * as "not yet" (a server still starting), and its last error is reported at the deadline.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  done: (value: T) => boolean = Boolean,
  { timeoutMs = 30_000, intervalMs = 50, show = describe }: WaitOptions<T> = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string = "no check completed";
  for (;;) {
    try {
      const value = await probe();
      if (done(value)) return value;
      last = show(value);
    } catch (error) {
      last = `error: ${(error as Error).message}`;
    }
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function describe(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
