/**
 * The schedule of the re-adoption rounds, with fake timers: a round at start, the next one an
 * interval after a round *ends* (so two never overlap, however long one takes), an unref'd timer,
 * and `stop()` ending the schedule, waiting for the round in progress within its grace period,
 * then aborting it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { adoptionSchedule, PeriodicAdoption } from "../../src/destinations/leftovers/periodic-adoption.ts";

/** A round the test ends by hand; records the signal each round got and how many ran at once. */
function manualRounds() {
  const ends: (() => void)[] = [];
  const signals: AbortSignal[] = [];
  let running = 0;
  let maxRunning = 0;
  const round = (signal: AbortSignal): Promise<void> => {
    signals.push(signal);
    running++;
    maxRunning = Math.max(maxRunning, running);
    return new Promise<void>((resolve) => {
      const end = (): void => {
        running--;
        resolve();
      };
      ends.push(end);
      signal.addEventListener("abort", end, { once: true });
    });
  };
  return { round, ends, signals, maxRunning: () => maxRunning, running: () => running };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("PeriodicAdoption", () => {
  it("runs a round at start, then one interval after each round ends, never two at once", async () => {
    const rounds = manualRounds();
    const adoption = new PeriodicAdoption({ round: rounds.round, intervalMs: 60_000, onError: () => expect.fail("no round rejects") });
    adoption.start();
    adoption.start(); // a second start does not add a schedule
    expect(adoption.rounds).toBe(1);
    // The first round takes 5 minutes: no second round meanwhile.
    await vi.advanceTimersByTimeAsync(300_000);
    expect(adoption.rounds).toBe(1);
    rounds.ends[0]!();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(adoption.rounds).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(adoption.rounds).toBe(2);
    rounds.ends[1]!();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(adoption.rounds).toBe(3);
    expect(rounds.maxRunning()).toBe(1);
    await adoption.stop(0, new Error("closing"));
  });

  it("takes its default interval from adoptionSchedule (60 s), read when it is built", async () => {
    expect(adoptionSchedule.intervalMs).toBe(60_000);
    const rounds = manualRounds();
    const saved = adoptionSchedule.intervalMs;
    adoptionSchedule.intervalMs = 1_000;
    const adoption = new PeriodicAdoption({ round: rounds.round, onError: () => undefined });
    adoptionSchedule.intervalMs = saved;
    adoption.start();
    rounds.ends[0]!();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(adoption.rounds).toBe(2);
    await adoption.stop(0, new Error("closing"));
  });

  it("keeps its timer unref'd: re-adoption never holds a process open", async () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    const rounds = manualRounds();
    const adoption = new PeriodicAdoption({ round: rounds.round, intervalMs: 60_000, onError: () => undefined });
    adoption.start();
    rounds.ends[0]!();
    await vi.advanceTimersByTimeAsync(0);
    const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    spy.mockRestore();
    await adoption.stop(0, new Error("closing"));
  });

  it("stop(): no round after it; a round in progress gets its grace period, then its signal aborts", async () => {
    const rounds = manualRounds();
    const adoption = new PeriodicAdoption({ round: rounds.round, intervalMs: 60_000, onError: () => undefined });
    adoption.start();
    let stopped = false;
    const stopping = adoption.stop(10_000, new Error("the owner closed")).then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(stopped).toBe(false);
    expect(rounds.signals[0]!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(rounds.signals[0]!.reason).toEqual(new Error("the owner closed"));
    await vi.advanceTimersByTimeAsync(600_000);
    expect(adoption.rounds).toBe(1);
  });

  it("stop() between rounds cancels the next one; stop(0) aborts a round at once", async () => {
    const rounds = manualRounds();
    const adoption = new PeriodicAdoption({ round: rounds.round, intervalMs: 60_000, onError: () => undefined });
    adoption.start();
    rounds.ends[0]!();
    await vi.advanceTimersByTimeAsync(30_000);
    await adoption.stop(undefined, new Error("closing"));
    await vi.advanceTimersByTimeAsync(600_000);
    expect(adoption.rounds).toBe(1);

    const other = manualRounds();
    const aborted = new PeriodicAdoption({ round: other.round, intervalMs: 60_000, onError: () => undefined });
    aborted.start();
    await aborted.stop(0, new Error("now"));
    expect(other.signals[0]!.aborted).toBe(true);
    expect(other.running()).toBe(0);
  });

  it("a round that throws or rejects is reported and the schedule goes on", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const adoption = new PeriodicAdoption({
      round: () => {
        calls++;
        if (calls === 1) throw new Error("sync bug");
        return Promise.reject(new Error("async bug"));
      },
      intervalMs: 1_000,
      onError: (error) => errors.push(error),
    });
    adoption.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error("sync bug"), new Error("async bug")]);
    await adoption.stop(0, new Error("closing"));
  });
});
