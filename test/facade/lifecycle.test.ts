import { describe, expect, it } from "vitest";
import { SyvainError } from "../../src/api/errors.ts";
import { DeliveryIncompleteError } from "../../src/delivery/delivery-errors.ts";
import { testExperiment } from "./helpers.ts";

const retryable = (): SyvainError => new SyvainError("network", "connection refused", { retryable: true });

describe("run()", () => {
  it("marks running, then done, ordered with the events, and flushes at the end", async () => {
    const { experiment, sink, fakeProcess } = testExperiment();
    const result = await experiment.run((e) => {
      for (let step = 0; step < 3; step++) e.metric("loss", 1 / (step + 1), { step });
      e.annotation("saved checkpoint");
      return "trained";
    });
    expect(result).toBe("trained");
    expect(experiment.status).toBe("done");
    // The best-effort flush already delivered everything: no explicit flush here.
    expect(sink.sequence).toEqual(["status:running", "metric", "annotation", "status:done"]);
    expect(sink.metrics.map((m) => m.step)).toEqual([0, 1, 2]);
    expect(fakeProcess.listenerCount("SIGTERM")).toBe(0);
  });

  it("marks failed when the block throws, flushes, and the error still propagates", async () => {
    const { experiment, sink } = testExperiment();
    const boom = new Error("CUDA out of memory");
    await expect(
      experiment.run(async (e) => {
        e.metric("loss", 0.5, { step: 0 });
        await Promise.resolve();
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(experiment.status).toBe("failed");
    expect(sink.sequence).toEqual(["status:running", "metric", "status:failed"]);
  });

  it("a best-effort flush that cannot deliver warns, never raises, and keeps the data queued", async () => {
    const { experiment, sink, warnings } = testExperiment({ exitFlushTimeoutSeconds: 0.2 });
    sink.failWith = retryable();
    await experiment.run((e) => e.metric("loss", 0.5, { step: 0 }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/experiment "unit-run" incomplete: .*1 pending metrics.*best-effort flush after run\(\)/);
    // Nothing was dropped or failed: a later explicit flush delivers it once the server is back.
    sink.failWith = undefined;
    const status = await experiment.flushOrRaise({ retries: 1 });
    expect(status.ok).toBe(true);
    expect(sink.metrics).toHaveLength(1);
    expect(sink.statuses).toEqual(["running", "done"]);
  });

  it("a finished experiment cannot run again (one experiment per run)", async () => {
    const { experiment } = testExperiment();
    await experiment.run(() => undefined, { installHooks: false });
    await expect(experiment.run(() => undefined)).rejects.toMatchObject({ code: "invalid_argument" });
  });
});

describe("await using experiment.running()", () => {
  it("disposal marks done and flushes", async () => {
    const { experiment, sink, fakeProcess } = testExperiment();
    {
      await using run = experiment.running();
      expect(fakeProcess.listenerCount("beforeExit")).toBe(1);
      run.experiment.metric("loss", 0.1, { step: 0 });
    }
    expect(experiment.status).toBe("done");
    expect(sink.sequence).toEqual(["status:running", "metric", "status:done"]);
    expect(fakeProcess.listenerCount("beforeExit")).toBe(0);
  });

  it("run.fail() in a catch reports the failure; disposal keeps failed", async () => {
    const { experiment, sink } = testExperiment();
    const attempt = async (): Promise<void> => {
      await using run = experiment.running({ installHooks: false });
      try {
        experiment.metric("loss", 0.1, { step: 0 });
        throw new Error("diverged");
      } catch (error) {
        run.fail();
        throw error;
      }
    };
    await expect(attempt()).rejects.toThrow("diverged");
    expect(experiment.status).toBe("failed");
    expect(sink.statuses).toEqual(["running", "failed"]);
  });
});

describe("manual lifecycle", () => {
  it("start() and done() queue status updates but do not flush", async () => {
    const { experiment, sink } = testExperiment();
    experiment.start({ installHooks: false });
    experiment.metric("loss", 0.3, { step: 0 });
    experiment.done();
    expect(experiment.status).toBe("done");
    expect(sink.batches).toHaveLength(0);
    await experiment.flushOrRaise();
    expect(sink.sequence).toEqual(["status:running", "metric", "status:done"]);
  });

  it("the first terminal status wins", async () => {
    const { experiment, sink } = testExperiment();
    experiment.start({ installHooks: false });
    experiment.fail();
    experiment.done();
    await experiment.flushOrRaise();
    expect(experiment.status).toBe("failed");
    expect(sink.statuses).toEqual(["running", "failed"]);
  });

  it("hooks installed by start() stay until a flush after done() delivered everything", async () => {
    const { experiment, fakeProcess } = testExperiment();
    experiment.start();
    expect(fakeProcess.listenerCount("SIGINT")).toBe(1);
    experiment.done();
    expect(fakeProcess.listenerCount("SIGINT")).toBe(1);
    await experiment.flush();
    expect(fakeProcess.listenerCount("SIGINT")).toBe(0);
  });
});

describe("flush() and flushOrRaise()", () => {
  it("flush() reports pending data and the last error without raising", async () => {
    const { experiment, sink } = testExperiment();
    sink.failWith = retryable();
    experiment.metric("loss", 1, { step: 0 });
    experiment.annotation("note");
    const status = await experiment.flush();
    expect(status).toMatchObject({ ok: false, pendingMetrics: 1, pendingAnnotations: 1, failedMetrics: 0, droppedMetrics: 0 });
    expect(status.retryableFailures).toBeGreaterThan(0);
    expect(status.lastError?.code).toBe("network");
  });

  it("flushOrRaise({ retries }) raises DeliveryIncompleteError carrying the status", async () => {
    const { experiment, sink } = testExperiment();
    sink.failWith = new SyvainError("validation", "bad batch");
    experiment.metric("loss", 1, { step: 0 });
    const error = await experiment.flushOrRaise({ retries: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeliveryIncompleteError);
    expect((error as DeliveryIncompleteError).status).toMatchObject({ ok: false, failedMetrics: 1 });
  });
});

describe("event identity and time", () => {
  it("client_event_id: one run token per Experiment object plus a sequence; identical calls are distinct points", async () => {
    const a = testExperiment();
    const b = testExperiment();
    a.experiment.metric("loss", 1, { step: 0 });
    a.experiment.metric("loss", 1, { step: 0 });
    a.experiment.annotation("same");
    b.experiment.metric("loss", 1, { step: 0 });
    await a.experiment.flushOrRaise();
    await b.experiment.flushOrRaise();
    const ids = [...a.sink.metrics, ...a.sink.annotations, ...b.sink.metrics].map((e) => e.client_event_id);
    expect(new Set(ids).size).toBe(4);
    expect(a.experiment.runToken).not.toBe(b.experiment.runToken);
    for (const id of ids.slice(0, 3)) expect(id.startsWith(`${a.experiment.runToken}.`)).toBe(true);
  });

  it("timestamps: seconds below 10,000,000,000 become ms, ms stay, Dates work, default is now", async () => {
    const { experiment, sink } = testExperiment({ now: () => 1_234_567 });
    experiment.metric("a", 1, { step: 0, timestamp: 1_700_000_000.5 });
    experiment.metric("a", 1, { step: 1, timestamp: 1_700_000_000_123 });
    experiment.metric("a", 1, { step: 2, timestamp: 9_999_999_999 });
    experiment.metric("a", 1, { step: 3, timestamp: 10_000_000_000 });
    experiment.metric("a", 1, { step: 4, timestamp: new Date(1_700_000_000_456) });
    experiment.metric("a", 1, { step: 5 });
    experiment.annotation("when", { timestamp: 1_600_000_000 });
    await experiment.flushOrRaise();
    expect(sink.metrics.map((m) => m.timestamp)).toEqual([
      1_700_000_000_500, 1_700_000_000_123, 9_999_999_999_000, 10_000_000_000, 1_700_000_000_456, 1_234_567,
    ]);
    expect(sink.annotations[0]!.timestamp).toBe(1_600_000_000_000);
  });

  it("queued events are copies: mutating the caller's metadata objects afterwards changes nothing", async () => {
    const { experiment, sink } = testExperiment();
    const labels: Record<string, string> = { split: "train" };
    const details = { files: ["a.pt"] };
    experiment.metric("loss", 1, { step: 0, metadata: labels });
    experiment.annotation("saved", { metadata: details });
    labels.split = "validation";
    details.files.push("b.pt");
    await experiment.flushOrRaise();
    expect(sink.metrics[0]!.metadata).toEqual({ split: "train" });
    expect(sink.annotations[0]!.metadata).toEqual({ files: ["a.pt"] });
  });

  it("after close(), metric() raises a shutdown error", async () => {
    const { experiment, sink } = testExperiment();
    await experiment.close();
    expect(sink.closed).toBe(true);
    expect(() => experiment.metric("loss", 1, { step: 0 })).toThrow(expect.objectContaining({ code: "shutdown" }) as Error);
  });
});
