/** The process-wide counts of delivery requests and flushes in flight, which the facade's exit watchdog reads. */
import { describe, expect, it } from "vitest";
import type { IngestResult } from "../../src/api/contract.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { flushesInFlight, requestsInFlight } from "../../src/delivery/requests-in-flight.ts";
import { metric } from "./scripted-sink.ts";

describe("requestsInFlight", () => {
  it("counts each outbox request from its start until it settles, however it settles", async () => {
    const pending: { resolve: (result: IngestResult) => void; reject: (error: unknown) => void }[] = [];
    const sink = {
      deliver: () => new Promise<IngestResult>((resolve, reject) => pending.push({ resolve, reject })),
      close: () => Promise.resolve(),
    };
    const outbox = new Outbox({ sink, maxBatchItems: 1, maxRetries: 0, flushDelaySeconds: 0 });
    const before = requestsInFlight();
    outbox.enqueueMetric(metric("loss", 0));
    outbox.enqueueMetric(metric("loss", 1));
    await expect.poll(() => pending.length).toBe(2);
    expect(requestsInFlight() - before).toBe(2);
    pending[0]?.resolve({ accepted: 1, duplicates: 0 });
    pending[1]?.reject(new Error("socket hang up"));
    await expect.poll(() => requestsInFlight() - before).toBe(0);
    await outbox.close({ timeoutSeconds: 0 });
  });

  it("counts a flush from its call until it settles", async () => {
    let release = (): void => undefined;
    const sink = {
      deliver: () => new Promise<{ accepted: number; duplicates: number }>((resolve) => (release = () => resolve({ accepted: 1, duplicates: 0 }))),
      close: () => Promise.resolve(),
    };
    const outbox = new Outbox({ sink, flushDelaySeconds: 60 });
    const before = flushesInFlight();
    outbox.enqueueMetric(metric("loss", 0));
    const flushed = outbox.flush();
    expect(flushesInFlight() - before).toBe(1);
    await expect.poll(() => requestsInFlight()).toBeGreaterThan(0);
    release();
    expect((await flushed).ok).toBe(true);
    await expect.poll(() => flushesInFlight() - before).toBe(0);
    await outbox.close({ timeoutSeconds: 0 });
  });
});
