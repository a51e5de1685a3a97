import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiPaths } from "../../src/api/contract.ts";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { FaultController, startEmulator } from "syvain-metrics-otel/testing";
import type { Emulator, EmulatorStats, FaultAction } from "syvain-metrics-otel/testing";
import { call, createExperiment, errorOf, metric } from "./http.ts";

let emulator: Emulator;
let id: string;
beforeEach(async () => {
  emulator = await startEmulator();
  id = await createExperiment(emulator, "faulty");
});
afterEach(() => emulator.close());

const ingest = (ids: string[], idempotencyKey?: string) =>
  call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: ids.map((i) => metric(i)) }, ...(idempotencyKey ? { idempotencyKey } : {}) });

describe("scripted faults", () => {
  it("answers injected statuses with Retry-After (seconds or HTTP-date) without storing, in script order", async () => {
    const date = new Date(Date.UTC(2030, 0, 2, 3, 4, 5));
    emulator.faults.script("ingestMetrics", [{ status: 503, retryAfterSeconds: 7 }, { status: 429, retryAfterDate: date }, { status: 502 }]);
    const a = await ingest(["a"]);
    expect([a.status, a.headers.get("retry-after"), errorOf(a).code]).toEqual([503, "7", "unavailable"]);
    const b = await ingest(["a"]);
    expect([b.status, b.headers.get("retry-after"), errorOf(b).code]).toEqual([429, date.toUTCString(), "rate_limited"]);
    expect((await ingest(["a"])).status).toBe(502);
    expect(emulator.store.metrics(id)).toEqual([]);
    expect((await ingest(["a"])).json).toEqual({ accepted: 1, duplicates: 0 });
    expect(emulator.counters.faultsByKind.status).toBe(3);
    expect(emulator.faults.pending()).toEqual({ ingestMetrics: 0 });
  });

  it("resets the connection without storing", async () => {
    emulator.faults.script("ingestMetrics", [{ reset: true }]);
    await expect(ingest(["a"])).rejects.toThrow();
    expect(emulator.store.metrics(id)).toEqual([]);
    expect(emulator.counters.faultsByKind.reset).toBe(1);
    expect((await ingest(["a"])).json).toEqual({ accepted: 1, duplicates: 0 });
  });

  it("store-then-fail stores the batch, fails, and the retry with the same key counts duplicates", async () => {
    emulator.faults.script("ingestMetrics", [{ storeThenFail: 500 }, { storeThenFail: "reset" }]);
    const failed = await ingest(["a", "b"], "k1");
    expect(failed.status).toBe(500);
    expect(emulator.store.metrics(id)).toHaveLength(2);
    await expect(ingest(["a", "b"], "k1")).rejects.toThrow();
    const retried = await ingest(["a", "b"], "k1");
    expect(retried.json).toEqual({ accepted: 0, duplicates: 2 });
    expect(emulator.store.metrics(id).map((e) => e.client_event_id)).toEqual(["a", "b"]);
    expect(emulator.counters).toMatchObject({ duplicatesSuppressed: 4, faultsInjected: 2, faultsByKind: { storeThenFail: 2 } });
  });

  it("delays a request, then handles it", async () => {
    emulator.faults.script("createExperiment", [{ delayMs: 1500 }]);
    const pending = call(emulator, "POST", apiPaths.experiments(), { body: { slug: "slow" } });
    while ((emulator.counters.requests.createExperiment ?? 0) < 2) await new Promise((r) => setTimeout(r, 5));
    expect(emulator.store.experiment("slow")).toBeUndefined();
    expect((await pending).status).toBe(201);
    expect(emulator.store.experiment("slow")?.slug).toBe("slow");
  });

  it("applies `*` to every route, after the route's own script", async () => {
    emulator.faults.script("*", [{ status: 504 }]).script("getExperiment", [{ status: 500 }]);
    expect((await call(emulator, "GET", apiPaths.experiment(id))).status).toBe(500);
    expect((await call(emulator, "GET", apiPaths.experiment(id))).status).toBe(504);
    expect((await call(emulator, "GET", apiPaths.experiment(id))).status).toBe(200);
  });

  it("validates actions and clears plans", async () => {
    expect(() => emulator.faults.script("ingestMetrics", [{ delayMs: -1 }])).toThrow();
    expect(() => emulator.faults.script("nope" as "*", [{ status: 500 }])).toThrow();
    emulator.faults.script("getExperiment", [{ status: 500 }]).random("*", { rate: 1 });
    emulator.faults.clear();
    expect((await call(emulator, "GET", apiPaths.experiment(id))).status).toBe(200);
  });
});

describe("random faults", () => {
  const draw = (controller: FaultController, n: number): (FaultAction | undefined)[] =>
    Array.from({ length: n }, () => controller.next("ingestMetrics"));

  it("is reproducible with a seed and follows the rate and mix", () => {
    const mix = [{ status: 503, weight: 3 }, { reset: true as const }];
    const a = draw(new FaultController().random("ingestMetrics", { rate: 0.3, seed: 42, mix }), 2000);
    const b = draw(new FaultController().random("ingestMetrics", { rate: 0.3, seed: 42, mix }), 2000);
    expect(a).toEqual(b);
    const faults = a.filter((f) => f !== undefined);
    expect(faults.length).toBeGreaterThan(450);
    expect(faults.length).toBeLessThan(750);
    const resets = faults.filter((f) => "reset" in f).length;
    expect(resets / faults.length).toBeGreaterThan(0.15);
    expect(resets / faults.length).toBeLessThan(0.35);
    expect(faults.every((f) => !("weight" in f))).toBe(true);
    expect(draw(new FaultController().random("ingestMetrics", { rate: 0 }), 100).every((f) => f === undefined)).toBe(true);
  });

  it("fails over HTTP at the configured rate, scripts taking precedence", async () => {
    emulator.faults.random("ingestMetrics", { rate: 1, seed: 1, mix: [{ status: 500 }] }).script("ingestMetrics", [{ status: 418 }]);
    expect((await ingest(["a"])).status).toBe(418);
    expect((await ingest(["a"])).status).toBe(500);
    expect((await call(emulator, "GET", apiPaths.experiment(id))).status).toBe(200);
  });
});

describe("admin routes", () => {
  it("serves stats and replaces the fault plan over HTTP, authenticated", async () => {
    await ingest(["a", "b", "a"]);
    expect((await call(emulator, "GET", "/_emulator/stats", { key: null })).status).toBe(401);
    const stats = await call(emulator, "GET", "/_emulator/stats");
    const statsBody = stats.json as unknown as EmulatorStats;
    expect(statsBody.counters).toMatchObject({ metricsAccepted: 2, duplicatesSuppressed: 1, requests: { createExperiment: 1, ingestMetrics: 1, adminStats: 2 } });
    expect(statsBody.experiments).toEqual([{ id, slug: "faulty", status: "created", metrics: 2, annotations: 0, series: 1 }]);
    const put = await call(emulator, "PUT", "/_emulator/faults", { body: { scripts: { ingestMetrics: [{ status: 503, retryAfterSeconds: 2 }] } } });
    expect(put.status).toBe(200);
    const faulted = await ingest(["c"]);
    expect([faulted.status, faulted.headers.get("retry-after")]).toEqual([503, "2"]);
    const bad = await call(emulator, "PUT", "/_emulator/faults", { body: { scripts: { ingestMetrics: [{ explode: true }] } } });
    expect(bad.status).toBe(422);
    expect((await call(emulator, "POST", "/_emulator/faults", { body: {} })).status).toBe(405);
  });

  it("takes an initial plan and validates options with typed errors", async () => {
    await using other = await startEmulator({ faults: { scripts: { findFolders: [{ status: 503 }] } } });
    expect((await call(other, "GET", `${apiPaths.folders()}?path=/`)).status).toBe(503);
    await expect(startEmulator({ port: -1 })).rejects.toBeInstanceOf(SyvainValidationError);
    await expect(startEmulator({ apiKeys: ["ak_org_secret", ""] })).rejects.toThrow(/apiKeys.*<redacted>/);
  });
});
