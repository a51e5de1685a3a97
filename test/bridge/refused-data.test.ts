/**
 * Which refusals count as "Syvain refused the data itself" (acknowledged by the bridge's journals)
 * and which keep events on disk for a later bridge: decided on the HTTP status and the server's
 * code, never on message text.
 */
import { describe, expect, it } from "vitest";
import { SyvainApiError, SyvainError } from "../../src/api/errors.ts";
import type { MetricEvent } from "../../src/api/contract.ts";
import { newEventRequest, newStatusRequest } from "../../src/delivery/delivery-request.ts";
import { isDataRefusal, keepUnlessDataRefused } from "../../src/bridge/refused-data.ts";
import type { BridgeLogEntry } from "../../src/bridge/bridge-log.ts";

const point = (step: number): MetricEvent => ({ name: "loss", value: 1, step, timestamp: 0, metadata: {}, client_event_id: `e${step}` });
const batch = (n: number) => newEventRequest("metric", Array.from({ length: n }, (_, i) => point(i)), 0, 0);
const answered = (status: number, serverCode?: string) =>
  new SyvainApiError(status === 413 ? "payload_too_large" : status < 500 ? "validation" : "server", `refused (${status})`, { status, ...(serverCode ? { serverCode } : {}) });

describe("isDataRefusal", () => {
  it("is true for 400 and 422, and for 413 on a single event", () => {
    expect(isDataRefusal(batch(3), answered(422))).toBe(true);
    expect(isDataRefusal(batch(3), answered(400))).toBe(true);
    expect(isDataRefusal(batch(1), answered(413))).toBe(true);
  });

  it("is false for auth, a missing experiment, server errors, a 413 on several events, a reused key, no answer", () => {
    for (const status of [401, 403, 404, 500, 503]) expect(isDataRefusal(batch(3), new SyvainApiError("auth", "no", { status }))).toBe(false);
    expect(isDataRefusal(batch(2), answered(413))).toBe(false);
    expect(isDataRefusal(batch(3), answered(422, "idempotency_key_reused"))).toBe(false);
    expect(isDataRefusal(batch(3), new SyvainError("network", "reset"))).toBe(false);
    expect(isDataRefusal(batch(3), undefined)).toBe(false);
    expect(isDataRefusal(newStatusRequest("done", 0, 0, 0), answered(422))).toBe(false);
  });
});

describe("keepUnlessDataRefused", () => {
  it("lets refused data go with one error log per batch, keeps the rest silently", () => {
    const logs: BridgeLogEntry[] = [];
    const keep = keepUnlessDataRefused((entry) => logs.push(entry), "exp");
    expect(keep(batch(7), answered(422, "validation_error"))).toBe(false);
    expect(keep(batch(7), new SyvainApiError("forbidden", "no", { status: 403 }))).toBe(true);
    expect(logs).toEqual([
      { level: "error", event: "spool.refused_data", slug: "exp", kind: "metric", count: 7, status: 422, serverCode: "validation_error", reason: "refused (422)", outcome: "acknowledged: not kept for a later bridge or sync" },
    ]);
  });
});
