import { afterEach, describe, expect, it, vi } from "vitest";
import { ProcessHooks, type ProcessEnd, type ProcessEndParticipant } from "../../src/facade/process-hooks.ts";
import { FakeProcess, RecordingSink, testExperiment } from "./helpers.ts";

afterEach(() => {
  vi.useRealTimers();
});

const events = ["beforeExit", "uncaughtException", "SIGINT", "SIGTERM"];

function participant(log: ProcessEnd[], onEnd: () => Promise<void> = () => Promise.resolve()): ProcessEndParticipant {
  return {
    deadlineMs: 1000,
    onProcessEnd: async (end) => {
      log.push(end);
      await onEnd();
    },
  };
}

function setup() {
  const fake = new FakeProcess();
  const rethrown: unknown[] = [];
  const hooks = new ProcessHooks({ target: fake, rethrow: (error) => rethrown.push(error), marginMs: 50 });
  return { fake, rethrown, hooks };
}

/** The participants' deadline (1000 ms) plus the registry's margin (50 ms): until then an ending waits. */
const endingBudgetMs = 1050;
/** An ending is over once our listeners are gone (no test adds its own SIGTERM listener). */
const ended = (fake: FakeProcess) => vi.waitFor(() => expect(fake.listenerCount("SIGTERM")).toBe(0));

describe("ProcessHooks registry", () => {
  it("installs one listener per event for any number of participants, removes them with the last", () => {
    const { fake, hooks } = setup();
    const off1 = hooks.register(participant([]));
    const off2 = hooks.register(participant([]));
    for (const event of events) expect(fake.listenerCount(event)).toBe(1);
    off1();
    off1();
    for (const event of events) expect(fake.listenerCount(event)).toBe(1);
    off2();
    for (const event of events) expect(fake.listenerCount(event)).toBe(0);
  });

  it("SIGTERM: every participant ends, listeners go, then the signal is raised again", async () => {
    const { fake, hooks } = setup();
    const log: ProcessEnd[] = [];
    hooks.register(participant(log));
    hooks.register(participant(log));
    fake.emit("SIGTERM", "SIGTERM");
    await ended(fake);
    expect(log).toEqual([{ kind: "signal", signal: "SIGTERM" }, { kind: "signal", signal: "SIGTERM" }]);
    expect(fake.kills).toEqual([{ pid: fake.pid, signal: "SIGTERM" }]);
    for (const event of events) expect(fake.listenerCount(event)).toBe(0);
  });

  it("a user's own signal listener owns the signal: it is not raised again", async () => {
    const { fake, hooks } = setup();
    fake.on("SIGINT", () => undefined);
    hooks.register(participant([]));
    fake.emit("SIGINT", "SIGINT");
    await ended(fake);
    expect(fake.kills).toEqual([]);
  });

  it("a second SIGINT while flushing stops waiting and raises at once", async () => {
    vi.useFakeTimers();
    const { fake, hooks } = setup();
    hooks.register(participant([], () => new Promise(() => undefined)));
    fake.emit("SIGINT", "SIGINT");
    // Up to the last millisecond of the budget the first SIGINT only waits for the flush.
    await vi.advanceTimersByTimeAsync(endingBudgetMs - 1);
    expect(fake.kills).toEqual([]);
    fake.emit("SIGINT", "SIGINT");
    expect(fake.kills).toEqual([{ pid: fake.pid, signal: "SIGINT" }]);
  });

  it("a SIGINT while an exit or error flush is running stops waiting and raises it (Ctrl+C is never swallowed)", async () => {
    for (const [event, arg] of [["beforeExit", 0], ["uncaughtException", new Error("boom")]] as const) {
      vi.useFakeTimers();
      const { fake, hooks, rethrown } = setup();
      hooks.register(participant([], () => new Promise(() => undefined)));
      fake.emit(event, arg, event);
      await vi.advanceTimersByTimeAsync(endingBudgetMs - 1);
      expect(fake.kills).toEqual([]);
      fake.emit("SIGINT", "SIGINT");
      expect(fake.kills).toEqual([{ pid: fake.pid, signal: "SIGINT" }]);
      for (const name of events) expect(fake.listenerCount(name)).toBe(0);
      expect(rethrown).toEqual([]);
    }
  });

  it("a participant that never finishes is abandoned after its deadline plus the margin", async () => {
    const { fake, hooks } = setup();
    hooks.register({ deadlineMs: 30, onProcessEnd: () => new Promise(() => undefined) });
    fake.emit("SIGTERM", "SIGTERM");
    await vi.waitFor(() => expect(fake.kills).toHaveLength(1));
  });

  it("uncaught error: participants end with the error, then it is re-thrown for Node to print and exit 1", async () => {
    const { fake, hooks, rethrown } = setup();
    const log: ProcessEnd[] = [];
    hooks.register(participant(log));
    const boom = new Error("boom");
    fake.emit("uncaughtException", boom, "uncaughtException");
    await ended(fake);
    expect(log).toEqual([{ kind: "error", error: boom }]);
    expect(rethrown).toEqual([boom]);
    expect(fake.listenerCount("uncaughtException")).toBe(0);
  });

  it("with another uncaughtException listener the error is theirs: nothing ends", async () => {
    const { fake, hooks, rethrown } = setup();
    const log: ProcessEnd[] = [];
    vi.useFakeTimers();
    fake.on("uncaughtException", () => undefined);
    hooks.register(participant(log));
    fake.emit("uncaughtException", new Error("handled elsewhere"), "uncaughtException");
    await vi.advanceTimersByTimeAsync(endingBudgetMs * 2);
    expect(log).toEqual([]);
    expect(rethrown).toEqual([]);
    expect(fake.listenerCount("SIGTERM")).toBe(1);
  });

  it("a second uncaught error while an ending flushes is printed and makes the exit code 1, without ending twice", async () => {
    for (const [event, arg] of [["beforeExit", 0], ["uncaughtException", new Error("first")]] as const) {
      const printed: string[] = [];
      vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
        printed.push(String(chunk));
        return true;
      });
      const { fake, hooks, rethrown } = setup();
      const log: ProcessEnd[] = [];
      let finish = (): void => undefined;
      hooks.register(participant(log, () => new Promise<void>((resolve) => (finish = resolve))));
      fake.emit(event, arg, event);
      const second = new Error("second failure while flushing");
      fake.emit("uncaughtException", second, "uncaughtException");
      expect(fake.exitCode).toBe(1);
      expect(printed.join("")).toContain("second failure while flushing");
      finish();
      await ended(fake);
      expect(log).toHaveLength(1);
      expect(rethrown).toEqual(event === "uncaughtException" ? [arg] : []);
      vi.restoreAllMocks();
    }
  });

  it("beforeExit: participants end with the exit code; no signal, no rethrow", async () => {
    const { fake, hooks, rethrown } = setup();
    const log: ProcessEnd[] = [];
    hooks.register(participant(log));
    fake.emit("beforeExit", 0);
    await ended(fake);
    expect(log).toEqual([{ kind: "exit", exitCode: 0 }]);
    expect(fake.kills).toEqual([]);
    expect(rethrown).toEqual([]);
    expect(fake.listenerCount("beforeExit")).toBe(0);
  });
});

describe("Experiment with hooks", () => {
  it("SIGTERM during a run marks failed and delivers what was queued before the process dies", async () => {
    const { experiment, sink, fakeProcess } = testExperiment();
    experiment.start();
    experiment.metric("loss", 0.7, { step: 0 });
    fakeProcess.emit("SIGTERM", "SIGTERM");
    await ended(fakeProcess);
    expect(experiment.status).toBe("failed");
    expect(sink.sequence).toEqual(["status:running", "metric", "status:failed"]);
    expect(fakeProcess.kills).toEqual([{ pid: fakeProcess.pid, signal: "SIGTERM" }]);
  });

  it("normal exit with a running experiment marks done; a non-zero exit code marks failed", async () => {
    for (const [exitCode, expected] of [[0, "done"], [3, "failed"]] as const) {
      const { experiment, sink, fakeProcess } = testExperiment();
      experiment.start();
      fakeProcess.emit("beforeExit", exitCode);
      await ended(fakeProcess);
      expect(sink.statuses).toEqual(["running", expected]);
    }
  });

  it("the event loop running dry inside a run() block (a promise that never settles) marks failed", async () => {
    const { experiment, sink, fakeProcess } = testExperiment();
    void experiment.run(() => new Promise(() => undefined));
    fakeProcess.emit("beforeExit", 0);
    await ended(fakeProcess);
    expect(sink.statuses).toEqual(["running", "failed"]);
  });

  it("done() without a flush: the exit hook delivers the rest, keeping done", async () => {
    const { experiment, sink, fakeProcess } = testExperiment();
    experiment.start();
    experiment.metric("loss", 0.2, { step: 9 });
    experiment.done();
    fakeProcess.emit("beforeExit", 0);
    await ended(fakeProcess);
    expect(sink.sequence).toEqual(["status:running", "metric", "status:done"]);
    expect(fakeProcess.listenerCount("beforeExit")).toBe(0);
  });

  it("installHooks: false installs nothing", async () => {
    const { experiment, fakeProcess } = testExperiment();
    await experiment.run(
      () => {
        for (const event of events) expect(fakeProcess.listenerCount(event)).toBe(0);
      },
      { installHooks: false },
    );
  });

  it("the real process: a finished run leaves no listener behind", async () => {
    const before = Object.fromEntries(events.map((e) => [e, process.listenerCount(e as "SIGINT")]));
    const { Experiment } = await import("../../src/facade/experiment.ts");
    const { Outbox } = await import("../../src/delivery/outbox.ts");
    const sink = new RecordingSink();
    const experiment = new Experiment({
      record: { id: "x", slug: "real-hooks", description: null, folder_id: null, metadata: {}, status: "created", created_at: 0 },
      outbox: new Outbox({ sink }),
      sink,
      exitFlushTimeoutSeconds: 1,
    });
    await experiment.run(() => {
      for (const event of events) expect(process.listenerCount(event as "SIGINT")).toBe(before[event]! + 1);
    });
    for (const event of events) expect(process.listenerCount(event as "SIGINT")).toBe(before[event]);
  });
});
