// The documented retry budget of a control call, as a tested property: with fake timers, the time
// from the first attempt to the rejection is at most (1 + retries) × timeout + the wait budget,
// whatever the failure (refused at once, hanging until the timeout, Retry-After answers).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SyvainApiError } from "../../../src/api/errors.ts";
import { sleep } from "../../../src/client/retry/index.ts";
import { CONTROL_WAIT_BUDGET_MS, withRetries } from "../../../src/client/with-retries.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Failure = (timeoutMs: number) => Promise<never>;
const refused: Failure = () => Promise.reject(new SyvainApiError("network", "ECONNREFUSED", { retryable: true }));
const hangs: Failure = (timeoutMs) =>
  new Promise((_resolve, reject) => setTimeout(() => reject(new SyvainApiError("timeout", "no answer", { retryable: true })), timeoutMs));
const busy = (retryAfterMs: number): Failure => () =>
  Promise.reject(new SyvainApiError("server", "503", { retryable: true, status: 503, retryAfterMs }));

/** Runs a control call that always fails; resolves with its attempts, elapsed fake time and error. */
async function exhaust(fail: Failure, retries: number, timeoutMs: number) {
  const started = Date.now();
  let attempts = 0;
  let settledAt = NaN;
  const call = withRetries(
    () => {
      attempts++;
      return fail(timeoutMs);
    },
    // The largest jitter: every backoff wait at its cap.
    { retries, random: () => 0.999_999, sleep },
  ).catch((error: unknown) => {
    settledAt = Date.now();
    return error;
  });
  await vi.runAllTimersAsync();
  const error = await call;
  return { attempts, elapsedMs: settledAt - started, error };
}

describe("control-call retry budget", () => {
  it("with the defaults (timeout 10 s, 3 retries): a refused port rejects within 45 s, a hanging server within 75 s", async () => {
    const whenRefused = await exhaust(refused, 3, 10_000);
    expect(whenRefused).toMatchObject({ attempts: 4, error: { code: "network" } });
    expect(whenRefused.elapsedMs).toBeLessThanOrEqual(45_000);
    const whenHanging = await exhaust(hangs, 3, 10_000);
    expect(whenHanging).toMatchObject({ attempts: 4, error: { code: "timeout" } });
    expect(whenHanging.elapsedMs).toBeLessThanOrEqual(75_000);
  });

  const failures: [string, Failure][] = [
    ["refused", refused],
    ["hanging", hangs],
    ["503 + Retry-After 1 s", busy(1_000)],
    ["503 + Retry-After 9 s", busy(9_000)],
    ["503 + Retry-After 29 s", busy(29_000)],
  ];
  const grid = failures.flatMap(([label, fail]) => [0, 1, 3, 10].flatMap((retries) => [200, 10_000, 60_000].map((timeoutMs) => [label, fail, retries, timeoutMs] as const)));

  it.each(grid)("%s, %i retries, timeout %i ms: waits + timeouts ≤ (1 + retries) × timeout + the wait budget", async (_label, fail, retries, timeoutMs) => {
    const { attempts, elapsedMs } = await exhaust(fail, retries, timeoutMs);
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThanOrEqual(retries + 1);
    expect(elapsedMs).toBeLessThanOrEqual((retries + 1) * timeoutMs + CONTROL_WAIT_BUDGET_MS);
  });

  it("a Retry-After that would overrun the budget ends the retries at once, with the server's error", async () => {
    const { attempts, elapsedMs, error } = await exhaust(busy(CONTROL_WAIT_BUDGET_MS + 1), 3, 10_000);
    expect(attempts).toBe(1);
    expect(elapsedMs).toBe(0);
    expect(error).toMatchObject({ code: "server", retryable: true });
  });
});
