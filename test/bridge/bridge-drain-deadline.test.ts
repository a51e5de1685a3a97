/**
 * The bridge's shutdown keeps one deadline (`--shutdown-timeout` from its start): requests in flight
 * that use it all up leave the drain no extra time. The drain was waited for until
 * `max(deadline, now + 1 s)` and the exporters counted their own `shutdownTimeoutSeconds` from the
 * moment the requests were answered, so `shutdown.done` (and the exit) came ~1 s after the deadline
 * with a hanging Syvain. Fake clock: the steps are stand-ins that settle when the test says.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { drainWithin } from "../../src/bridge/drain.ts";
import { ownerFlushDeadline } from "../../src/exporter/otel/flush-deadline.ts";

beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => void vi.useRealTimers());

const never = (): Promise<void> => new Promise<void>(() => undefined);

describe("the bridge's drain", () => {
  it("ends at the shutdown's deadline when the requests in flight used it all up, and tells the exporters that deadline", async () => {
    const deadline = Date.now() + 10_000;
    let answered: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => (answered = resolve));
    const drainDeadlines: (number | undefined)[] = [];
    let ended = false;
    const done = drainWithin(deadline, {
      inFlight: () => inFlight,
      stopServing: () => Promise.resolve(),
      drain: () => {
        drainDeadlines.push(ownerFlushDeadline());
        return never(); // Syvain hangs: the exporters never finish on their own
      },
    }).then((drained) => {
      ended = true;
      return drained;
    });
    // The last request is answered 1 ms before the deadline (its experiment's creation was slow).
    await vi.advanceTimersByTimeAsync(9_999);
    answered();
    await vi.advanceTimersByTimeAsync(0);
    expect(drainDeadlines).toEqual([deadline]);
    expect(ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(Date.now()).toBe(deadline);
    expect(ended).toBe(true);
    expect(await done).toBe(false);
  });

  it("stops serving at the deadline when a request is still in flight, and the drain gets no time past it", async () => {
    const deadline = Date.now() + 3_000;
    const order: string[] = [];
    let ended = false;
    void drainWithin(deadline, {
      inFlight: never,
      stopServing: () => {
        order.push(`stop serving at +${Date.now() - (deadline - 3_000)} ms`);
        return Promise.resolve();
      },
      drain: () => {
        order.push("drain");
        return never();
      },
    }).then(() => (ended = true));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(order).toEqual(["stop serving at +3000 ms", "drain"]);
    expect(Date.now()).toBe(deadline);
    expect(ended).toBe(true);
  });

  it("ends as soon as the drain settles, before the deadline", async () => {
    const deadline = Date.now() + 10_000;
    const drained = await drainWithin(deadline, { inFlight: () => Promise.resolve(), stopServing: () => Promise.resolve(), drain: () => Promise.resolve() });
    expect(drained).toBe(true);
    expect(Date.now()).toBeLessThan(deadline);
  });
});
