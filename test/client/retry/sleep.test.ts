import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sleep } from "../../../src/client/retry/index.ts";

describe("sleep", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resolves once the time has passed", async () => {
    let done = false;
    const p = sleep(1000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it("rejects with the signal's reason when aborted", async () => {
    const controller = new AbortController();
    const p = sleep(60_000, controller.signal);
    const reason = new Error("shutting down");
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
  });

  it("rejects at once on an already aborted signal", async () => {
    const reason = new Error("already");
    await expect(sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});
