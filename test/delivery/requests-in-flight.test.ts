/** The process-wide count of delivery requests in flight, which the facade's exit watchdog reads. */
import { describe, expect, it } from "vitest";
import type { IngestResult } from "../../src/api/contract.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { requestsInFlight } from "../../src/delivery/requests-in-flight.ts";
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
});
