import { expect } from "chai";
import { waitFor } from "./waitFor";

describe("waitFor: waiting for a named condition with a deadline", () => {
  it("returns the first value that satisfies the condition", async () => {
    let calls = 0;
    const value = await waitFor(
      "the third call",
      () => ++calls,
      (n) => n >= 3,
      {
        intervalMs: 1,
      },
    );
    expect([value, calls]).to.deep.equal([3, 3]);
  });

  it("counts a throwing probe as not yet, and names the condition and the last error at the deadline", async () => {
    const error = await waitFor(
      "a server that never starts",
      () => {
        throw new Error("connect ECONNREFUSED");
      },
      Boolean,
      { timeoutMs: 30, intervalMs: 5 },
    ).catch((e: Error) => e);
    expect((error as Error).message).to.equal(
      "timed out after 30 ms waiting for a server that never starts; last value: error: connect ECONNREFUSED",
    );
  });

  it("shows the last value as the caller asks", async () => {
    const error = await waitFor(
      "4 objects",
      () => [1, 2],
      (xs) => xs.length >= 4,
      {
        timeoutMs: 20,
        intervalMs: 5,
        show: (xs) => `${xs.length} objects`,
      },
    ).catch((e: Error) => e);
    expect((error as Error).message).to.match(/waiting for 4 objects; last value: 2 objects$/);
  });
});
