import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiLimits, apiPaths } from "../../src/api/contract.ts";
import { startEmulator } from "syvain-metrics-otel/testing";
import type { Emulator } from "syvain-metrics-otel/testing";
import { call, createExperiment, errorOf, experimentOf, metric } from "./http.ts";

let emulator: Emulator;
let clock: number;
let id: string;
beforeEach(async () => {
  clock = 1_800_000_000_000;
  emulator = await startEmulator({ apiKeys: ["ak_org_emulator", "ak_org_other"], now: () => clock });
  id = await createExperiment(emulator, "idem");
});
afterEach(() => emulator.close());

describe("idempotency", () => {
  it("replays the stored answer for the same key and body without applying twice", async () => {
    const body = { metrics: [metric("a"), metric("b")] };
    const first = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body, idempotencyKey: "k1" });
    const second = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body, idempotencyKey: "k1" });
    expect(first.json).toEqual({ accepted: 2, duplicates: 0 });
    expect(second.status).toBe(200);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(emulator.counters).toMatchObject({ idempotentReplays: 1, duplicatesSuppressed: 0, metricsAccepted: 2 });
  });

  it("replays a 201 create (not a 409) and a 422 answer", async () => {
    const create = { slug: "made-once" };
    const a = await call(emulator, "POST", apiPaths.experiments(), { body: create, idempotencyKey: "c" });
    const b = await call(emulator, "POST", apiPaths.experiments(), { body: create, idempotencyKey: "c" });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(experimentOf(b).id).toBe(experimentOf(a).id);
    const bad = { metrics: [metric("x", { value: Number.NaN })] };
    const c = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: bad, idempotencyKey: "v" });
    const d = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: bad, idempotencyKey: "v" });
    expect([c.status, d.status]).toEqual([422, 422]);
    expect(d.headers.get("idempotent-replayed")).toBe("true");
  });

  it("answers 422 idempotency_key_reused for the same key with another body or path", async () => {
    await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [metric("a")] }, idempotencyKey: "k" });
    const otherBody = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [metric("b")] }, idempotencyKey: "k" });
    expect(otherBody.status).toBe(422);
    expect(errorOf(otherBody).code).toBe("idempotency_key_reused");
    const otherPath = await call(emulator, "POST", apiPaths.experimentAnnotations(id), { body: { metrics: [metric("a")] }, idempotencyKey: "k" });
    expect(errorOf(otherPath).code).toBe("idempotency_key_reused");
    expect(emulator.store.metrics(id).map((e) => e.client_event_id)).toEqual(["a"]);
    expect(emulator.counters.idempotencyConflicts).toBe(2);
  });

  it("scopes keys per API key", async () => {
    await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [metric("a")] }, idempotencyKey: "k" });
    const other = await call(emulator, "POST", apiPaths.experimentMetrics(id), { key: "ak_org_other", body: { metrics: [metric("b")] }, idempotencyKey: "k" });
    expect(other.json).toEqual({ accepted: 1, duplicates: 0 });
  });

  it("forgets a key after 24 hours", async () => {
    const body = { metrics: [metric("a")] };
    await call(emulator, "POST", apiPaths.experimentMetrics(id), { body, idempotencyKey: "k" });
    clock += apiLimits.idempotencyTtlMs - 1;
    expect((await call(emulator, "POST", apiPaths.experimentMetrics(id), { body, idempotencyKey: "k" })).headers.get("idempotent-replayed")).toBe("true");
    clock += 1;
    const fresh = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body, idempotencyKey: "k" });
    expect(fresh.headers.get("idempotent-replayed")).toBeNull();
    expect(fresh.json).toEqual({ accepted: 0, duplicates: 1 });
  });
});
