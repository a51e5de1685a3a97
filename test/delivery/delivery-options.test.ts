import { describe, expect, it } from "vitest";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { resolveDeliveryOptions } from "../../src/delivery/delivery-options.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { createNoopSink } from "../../src/delivery/noop-sink.ts";

describe("resolveDeliveryOptions", () => {
  it("fills the Python SDK defaults", () => {
    expect(resolveDeliveryOptions(undefined, "Collector")).toEqual({
      flushDelaySeconds: 0.25,
      maxQueueItems: 100_000,
      maxBatchItems: 500,
      maxRetries: null,
      maxConcurrentRequests: 4,
    });
  });

  it("keeps explicit values, including maxRetries 0 and flushDelaySeconds 0", () => {
    const given = { flushDelaySeconds: 0, maxQueueItems: 1, maxBatchItems: 1000, maxRetries: 0, maxConcurrentRequests: 16 };
    expect(resolveDeliveryOptions(given, "Collector")).toEqual(given);
  });

  it.each([
    ["flushDelaySeconds", -1],
    ["maxQueueItems", 0],
    ["maxQueueItems", 1.5],
    ["maxBatchItems", 1001],
    ["maxBatchItems", 0],
    ["maxRetries", -1],
    ["maxRetries", "3"],
    ["maxConcurrentRequests", 17],
    ["maxConcurrentRequests", 0],
  ])("rejects %s = %j with an error naming the option and the owner", (field, value) => {
    const attempt = (): unknown => resolveDeliveryOptions({ [field]: value }, "Collector");
    expect(attempt).toThrow(SyvainValidationError);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ field, value, code: "config" });
      expect((error as Error).message).toContain("Collector");
      expect((error as Error).message).toContain(field);
    }
  });

  it("is what the Outbox constructor applies", () => {
    expect(() => new Outbox({ sink: createNoopSink(), maxBatchItems: 0 })).toThrow(/maxBatchItems/);
  });
});
