/**
 * The exit safety net (`flushOnExit`) with a fake `process`: an experiment that queued data without
 * `run()` / `start()` is flushed once when the event loop empties, its status untouched, and the
 * registry's exit-only registration never touches signals or uncaught errors.
 */
import { describe, expect, it, vi } from "vitest";
import { SyvainApiError, SyvainError, SyvainValidationError } from "../../src/api/errors.ts";
import { Collector } from "../../src/facade/collector.ts";
import { NoopCollector } from "../../src/facade/local-collectors.ts";
import { ProcessHooks, type ProcessEnd, type ProcessEndParticipant } from "../../src/facade/process-hooks.ts";
import { FakeProcess, testExperiment } from "./helpers.ts";

const others = ["uncaughtException", "SIGINT", "SIGTERM"];
const retryable = (): SyvainError => new SyvainError("network", "connection refused", { retryable: true });
/** For checks that nothing happens: give it a moment. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));
const noBeforeExit = (fake: FakeProcess) => vi.waitFor(() => expect(fake.listenerCount("beforeExit")).toBe(0));

describe("ProcessHooks: exit-only participants", () => {
  function setup() {
    const fake = new FakeProcess();
    const rethrown: unknown[] = [];
    const hooks = new ProcessHooks({ target: fake, rethrow: (error) => rethrown.push(error), marginMs: 50 });
    const log: ProcessEnd[] = [];
    const exitOnly = { deadlineMs: 1000, onProcessEnd: (end: ProcessEnd) => Promise.resolve(void log.push(end)) };
    return { fake, rethrown, hooks, log, exitOnly };
  }

  it("install only the beforeExit listener, removed with the last of them", () => {
    const { fake, hooks, exitOnly } = setup();
    const off1 = hooks.register(exitOnly, { exitOnly: true });
    const off2 = hooks.register({ ...exitOnly }, { exitOnly: true });
    expect(fake.listenerCount("beforeExit")).toBe(1);
    for (const event of others) expect(fake.listenerCount(event)).toBe(0);
    off1();
    off1();
    expect(fake.listenerCount("beforeExit")).toBe(1);
    off2();
    expect(fake.listenerCount("beforeExit")).toBe(0);
  });

  it("are called once per ending with the exit code, then dropped: a second beforeExit finds nothing", async () => {
    const { fake, hooks, log, exitOnly } = setup();
    hooks.register(exitOnly, { exitOnly: true });
    fake.emit("beforeExit", 0);
    await noBeforeExit(fake);
    expect(log).toEqual([{ kind: "exit", exitCode: 0 }]);
    fake.emit("beforeExit", 0);
    await settle();
    expect(log).toHaveLength(1);
  });

  it("take no part in a signal; if the process survives it (a user listener), they still wait for the exit", async () => {
    const { fake, hooks, log, exitOnly } = setup();
    fake.on("SIGTERM", () => undefined);
    const full: ProcessEnd[] = [];
    hooks.register({ deadlineMs: 1000, onProcessEnd: (end) => Promise.resolve(void full.push(end)) });
    hooks.register(exitOnly, { exitOnly: true });
    fake.emit("SIGTERM", "SIGTERM");
    await vi.waitFor(() => expect(fake.listenerCount("SIGINT")).toBe(0));
    expect(full).toEqual([{ kind: "signal", signal: "SIGTERM" }]);
    expect(log).toEqual([]);
    expect(fake.listenerCount("beforeExit")).toBe(1);
    fake.emit("beforeExit", 0);
    await noBeforeExit(fake);
    expect(log).toEqual([{ kind: "exit", exitCode: 0 }]);
  });

  it("an ending that is not the loop emptying never makes the net flush, even from a registry that calls it for signals", async () => {
    /** An older copy of the registry, unaware of exit-only participants: every participant takes part in every ending. */
    class OlderRegistry extends ProcessHooks {
      override register(participant: ProcessEndParticipant): () => void {
        return super.register(participant);
      }
    }
    const { experiment, sink, fakeProcess, warnings } = testExperiment({
      exitFlushTimeoutSeconds: 0.2,
      hooks: (target, rethrow) => new OlderRegistry({ target, rethrow }),
    });
    sink.failWith = retryable();
    experiment.metric("loss", 0.5, { step: 0 });
    expect(fakeProcess.listenerCount("SIGTERM")).toBe(1);
    fakeProcess.emit("SIGTERM", "SIGTERM");
    // The registry raises the signal again only after every participant finished: a flush by the net would have warned by then.
    await vi.waitFor(() => expect(fakeProcess.kills).toEqual([{ pid: fakeProcess.pid, signal: "SIGTERM" }]));
    expect(warnings).toEqual([]);
    expect(experiment.status).toBe("created");
  });

  it("alone leave uncaught errors to Node (no uncaughtException listener, nothing re-thrown)", () => {
    const { fake, hooks, rethrown, exitOnly } = setup();
    hooks.register(exitOnly, { exitOnly: true });
    expect(fake.listenerCount("uncaughtException")).toBe(0);
    expect(rethrown).toEqual([]);
  });
});

describe("Experiment: flushOnExit", () => {
  it("metric() without run()/start(): the loop emptying delivers it once, the status stays created", async () => {
    const { experiment, sink, fakeProcess, warnings } = testExperiment();
    expect(fakeProcess.listenerCount("beforeExit")).toBe(0);
    experiment.metric("loss", 0.5, { step: 0 });
    experiment.annotation("a note");
    expect(fakeProcess.listenerCount("beforeExit")).toBe(1);
    for (const event of others) expect(fakeProcess.listenerCount(event)).toBe(0);
    fakeProcess.emit("beforeExit", 0);
    await vi.waitFor(() => expect(sink.metrics).toHaveLength(1));
    expect(fakeProcess.listenerCount("beforeExit")).toBe(0);
    expect(sink.annotations).toHaveLength(1);
    expect(sink.statuses).toEqual([]);
    expect(experiment.status).toBe("created");
    expect(warnings).toEqual([]);
  });

  it("an unreachable sink: one best-effort flush, a warning, then a second beforeExit does nothing (no loop)", async () => {
    const { experiment, sink, fakeProcess, warnings } = testExperiment({ exitFlushTimeoutSeconds: 0.2 });
    // Rate limited with a long Retry-After: the outbox's own background retries (which go on by
    // design) cannot fire during this test, so any further attempt would come from a second flush.
    sink.failWith = new SyvainApiError("rate_limited", "slow down", { retryable: true, status: 429, retryAfterMs: 60_000 });
    experiment.metric("loss", 0.5, { step: 0 });
    fakeProcess.emit("beforeExit", 0);
    await vi.waitFor(() => expect(warnings).toHaveLength(1));
    expect(fakeProcess.listenerCount("beforeExit")).toBe(0);
    expect(warnings[0]).toMatch(/1 pending metrics.*best-effort flush after the event loop emptied \(flushOnExit\)/);
    const attempts = sink.attempts;
    expect(attempts).toBeGreaterThan(0);
    fakeProcess.emit("beforeExit", 0);
    await settle();
    expect(sink.attempts).toBe(attempts);
    expect(warnings).toHaveLength(1);
  });

  it("points recorded through createMeterProvider() are collected and delivered when the loop empties", async () => {
    const { experiment, sink, fakeProcess } = testExperiment();
    const provider = experiment.createMeterProvider();
    expect(fakeProcess.listenerCount("beforeExit")).toBe(1);
    provider.getMeter("test").createGauge("gpu_util").record(0.9, { step: 3 });
    expect(sink.metrics).toEqual([]);
    fakeProcess.emit("beforeExit", 0);
    await vi.waitFor(() => expect(sink.metrics.map((m) => [m.name, m.value, m.step])).toEqual([["gpu_util", 0.9, 3]]));
    expect(experiment.status).toBe("created");
    await experiment.close();
  });

  it("flushOnExit: false registers nothing", () => {
    const { experiment, fakeProcess } = testExperiment({ flushOnExit: false });
    experiment.metric("loss", 0.5, { step: 0 });
    expect(fakeProcess.listenerCount("beforeExit")).toBe(0);
  });

  it("run(…, { installHooks: false }) disarms it, before, during and after the run", async () => {
    const { experiment, fakeProcess } = testExperiment();
    experiment.metric("loss", 0.5, { step: 0 });
    expect(fakeProcess.listenerCount("beforeExit")).toBe(1);
    await experiment.run(
      (e) => {
        e.metric("loss", 0.4, { step: 1 });
        expect(fakeProcess.listenerCount("beforeExit")).toBe(0);
      },
      { installHooks: false },
    );
    experiment.annotation("after the run");
    expect(fakeProcess.listenerCount("beforeExit")).toBe(0);
  });

  it("a flush that leaves nothing pending disarms it; the next point arms it again; close() disarms for good", async () => {
    const { experiment, fakeProcess } = testExperiment();
    experiment.metric("loss", 0.5, { step: 0 });
    await experiment.flushOrRaise();
    expect(fakeProcess.listenerCount("beforeExit")).toBe(0);
    experiment.metric("loss", 0.4, { step: 1 });
    expect(fakeProcess.listenerCount("beforeExit")).toBe(1);
    await experiment.close();
    expect(fakeProcess.listenerCount("beforeExit")).toBe(0);
  });

  it("a flush that leaves data pending keeps it armed", async () => {
    const { experiment, sink, fakeProcess } = testExperiment();
    sink.failWith = retryable();
    experiment.metric("loss", 0.5, { step: 0 });
    const status = await experiment.flush();
    expect(status.ok).toBe(false);
    expect(fakeProcess.listenerCount("beforeExit")).toBe(1);
  });

  it("with the run's hooks installed the run's ending does the flush: one warning, not two", async () => {
    const { experiment, sink, fakeProcess, warnings } = testExperiment({ exitFlushTimeoutSeconds: 0.2 });
    // Rate limited with a long Retry-After: the outbox's own background retries (which go on by
    // design) cannot fire during this test, so any further attempt would come from a second flush.
    sink.failWith = new SyvainApiError("rate_limited", "slow down", { retryable: true, status: 429, retryAfterMs: 60_000 });
    experiment.start();
    experiment.metric("loss", 0.5, { step: 0 });
    fakeProcess.emit("beforeExit", 0);
    await noBeforeExit(fakeProcess);
    expect(experiment.status).toBe("done");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/best-effort flush after process exit/);
  });

  it("data a run's best-effort flush could not deliver is not flushed again at exit (one deadline, not two)", async () => {
    const { experiment, sink, fakeProcess, warnings } = testExperiment({ exitFlushTimeoutSeconds: 0.2 });
    // Rate limited with a long Retry-After: the outbox's own background retries (which go on by
    // design) cannot fire during this test, so any further attempt would come from a second flush.
    sink.failWith = new SyvainApiError("rate_limited", "slow down", { retryable: true, status: 429, retryAfterMs: 60_000 });
    await experiment.run((e) => e.metric("loss", 0.5, { step: 0 }));
    expect(warnings).toHaveLength(1);
    expect(fakeProcess.listenerCount("beforeExit")).toBe(0);
    experiment.annotation("queued after the run");
    expect(fakeProcess.listenerCount("beforeExit")).toBe(1);
  });
});

describe("the flushOnExit option", () => {
  it.each([
    ["Collector", () => new Collector("ak_org_test", { flushOnExit: "no" as unknown as boolean })],
    ["NoopCollector", () => new NoopCollector({ flushOnExit: 0 as unknown as boolean })],
  ])("%s: a non-boolean is a validation error naming flushOnExit", (_name, make) => {
    let error: unknown;
    try {
      make();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect(error).toMatchObject({ code: "config", field: "flushOnExit" });
  });

  it("reaches the collector's experiments: false leaves no listener, the default arms one", async () => {
    const baseline = process.listenerCount("beforeExit");
    const optedOut = await new NoopCollector({ flushOnExit: false }).experiment("opted-out");
    optedOut.metric("loss", 1, { step: 0 });
    expect(process.listenerCount("beforeExit")).toBe(baseline);
    const collector = new NoopCollector();
    const guarded = await collector.experiment("guarded");
    guarded.metric("loss", 1, { step: 0 });
    expect(process.listenerCount("beforeExit")).toBe(baseline + 1);
    await collector.close();
    expect(process.listenerCount("beforeExit")).toBe(baseline);
  });
});
