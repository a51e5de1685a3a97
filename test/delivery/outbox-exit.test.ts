// An idle process with a live outbox must exit by itself: background timers are unref'd and
// nothing pending keeps the event loop alive. Runs real child processes (no fake timers).
import { describe, expect, it } from "vitest";
import { runModule, type ModuleOutcome } from "../client/run-module.ts";

const outboxUrl = new URL("../../src/delivery/outbox.ts", import.meta.url).href;
const errorsUrl = new URL("../../src/api/errors.ts", import.meta.url).href;

function runScript(body: string): Promise<ModuleOutcome> {
  return runModule(`import { Outbox } from ${JSON.stringify(outboxUrl)};
    import { SyvainApiError } from ${JSON.stringify(errorsUrl)};\n${body}`);
}

const event = `{ client_event_id: "e" + i, name: "loss", value: i, step: i, timestamp: 1, metadata: {} }`;

describe("Outbox and process exit", () => {
  it("lets a process exit with events queued behind the background timer and retries pending", async () => {
    const result = await runScript(`
      const sink = {
        deliver: () => Promise.reject(new SyvainApiError("server", "503", { retryable: true })),
        close: async () => {},
      };
      const outbox = new Outbox({ sink, flushDelaySeconds: 30 });
      for (let i = 0; i < 10; i++) outbox.enqueueMetric(${event});
      const retrying = new Outbox({ sink, flushDelaySeconds: 0 });
      for (let i = 0; i < 10; i++) retrying.enqueueMetric(${event});
      setTimeout(() => console.log("pending", outbox.stats().metrics.pending, retrying.stats().metrics.pending), 50);
    `);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("pending 10 10");
    expect(result.code).toBe(0);
  });

  it("lets a process exit while a request never answers", async () => {
    const result = await runScript(`
      const sink = { deliver: () => new Promise(() => {}), close: async () => {} };
      const outbox = new Outbox({ sink, flushDelaySeconds: 0 });
      outbox.enqueueStatus("running");
      setTimeout(() => console.log("in flight", outbox.stats().statusUpdates.pending), 50);
    `);
    expect(result.stdout.trim()).toBe("in flight 1");
    expect(result.code).toBe(0);
  });

  it("keeps the process alive while someone awaits a flush waiting for Retry-After", async () => {
    const result = await runScript(`
      let calls = 0;
      const sink = {
        deliver: () => ++calls === 1
          ? Promise.reject(new SyvainApiError("rate_limited", "429", { retryable: true, retryAfterMs: 300 }))
          : Promise.resolve({ accepted: 1, duplicates: 0 }),
        close: async () => {},
      };
      const outbox = new Outbox({ sink });
      const i = 1;
      outbox.enqueueMetric(${event});
      const status = await outbox.flush({ retries: 1 });
      console.log(status.ok, calls);
    `);
    expect(result.stdout.trim()).toBe("true 2");
    expect(result.code).toBe(0);
  });
});
