import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { annotationListSchema, apiLimits, apiPaths, ingestResultSchema, seriesResponseSchema } from "../../src/api/contract.ts";
import { startEmulator } from "syvain-metrics-otel/testing";
import type { Emulator } from "syvain-metrics-otel/testing";
import { call, createExperiment, errorOf, metric } from "./http.ts";

let emulator: Emulator;
let id: string;
beforeEach(async () => {
  emulator = await startEmulator();
  id = await createExperiment(emulator, "ingest");
});
afterEach(() => emulator.close());

const note = (cid: string, extra: Record<string, unknown> = {}) => ({ client_event_id: cid, text: `note ${cid}`, timestamp: 1_700_000_000_000, metadata: {}, ...extra });

describe("metric ingest", () => {
  it("stores events and deduplicates by client_event_id, within and across requests", async () => {
    const first = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [metric("a"), metric("b", { step: 2 }), metric("a")] } });
    expect(first.status).toBe(200);
    expect(ingestResultSchema.parse(first.json)).toEqual({ accepted: 2, duplicates: 1 });
    const second = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [metric("b"), metric("c", { step: null })] } });
    expect(second.json).toEqual({ accepted: 1, duplicates: 1 });
    expect(emulator.store.metrics("ingest").map((e) => e.client_event_id)).toEqual(["a", "b", "c"]);
    expect(emulator.store.metrics(id)[2]).toEqual(metric("c", { step: null }));
    expect(emulator.counters).toMatchObject({ metricsAccepted: 3, duplicatesSuppressed: 2 });
  });

  it("validates every item, answers 422 with details, and stores nothing from that request", async () => {
    const bad = [
      metric("ok"),
      metric("v", { value: "1" as unknown as number }),
      { ...metric("s"), step: -1 },
      { ...metric("s2"), step: 1.5 },
      { ...metric("t"), timestamp: 1.5 },
      { ...metric(""), metadata: { nested: { a: 1 } } as never },
      { ...metric("n"), name: "" },
      "not an object",
    ];
    const r = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: bad } });
    expect(r.status).toBe(422);
    expect(errorOf(r).code).toBe("validation_failed");
    const got = errorOf(r).details!.map((d) => `${d.index}:${d.field}`);
    expect(got).toEqual(["1:value", "2:step", "3:step", "4:timestamp", "5:client_event_id", "5:metadata.nested", "6:name", "7:"]);
    expect(emulator.store.metrics(id)).toEqual([]);
    const noArray = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { events: [] } });
    expect(errorOf(noArray).details![0]!).toMatchObject({ index: null, field: "metrics" });
    const longId = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [metric("x".repeat(256))] } });
    expect(errorOf(longId).details![0]!.field).toBe("client_event_id");
  });

  it("answers 413 above the item limit and above the byte limit, storing nothing", async () => {
    const many = Array.from({ length: apiLimits.maxIngestItems + 1 }, (_, i) => metric(`m${i}`));
    const items = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: many } });
    expect(items.status).toBe(413);
    expect(errorOf(items).code).toBe("payload_too_large");
    const exact = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: many.slice(1) } });
    expect(exact.json).toEqual({ accepted: apiLimits.maxIngestItems, duplicates: 0 });
    const padding = "p".repeat(apiLimits.maxBodyBytes);
    const bytes = await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [metric("big", { metadata: { padding } })] } });
    expect(bytes.status).toBe(413);
    expect(emulator.store.metrics(id)).toHaveLength(apiLimits.maxIngestItems);
    // The connection is still usable after a 413.
    expect((await call(emulator, "GET", apiPaths.experiment(id))).status).toBe(200);
  });

  it("counts bytes while reading a body without Content-Length (chunked)", async () => {
    const chunk = new TextEncoder().encode(`{"metrics":[{"client_event_id":"a","padding":"${"p".repeat(1024 * 1024)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 64 MiB in all, far over the limit: the server must answer 413 without buffering it.
        if (sent++ < 64) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(emulator.url + apiPaths.experimentMetrics(id), {
      method: "POST",
      headers: { authorization: "Bearer ak_org_emulator", "content-type": "application/json", "idempotency-key": "chunked" },
      body,
      duplex: "half",
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    expect(emulator.store.metrics(id)).toEqual([]);
  });

  it("answers 404 for an unknown experiment (ingest takes ids, not slugs)", async () => {
    expect((await call(emulator, "POST", apiPaths.experimentMetrics("ingest"), { body: { metrics: [metric("a")] } })).status).toBe(404);
  });
});

describe("series query", () => {
  beforeEach(async () => {
    const events = [
      metric("1", { step: 2, timestamp: 10, value: 1, metadata: { split: "train", seed: 1 } }),
      metric("2", { step: 1, timestamp: 30, value: 2, metadata: { seed: 1, split: "train" } }),
      metric("3", { step: 3, timestamp: 20, value: 3, metadata: { split: "eval", seed: 1 } }),
      metric("4", { name: "acc", step: 1, timestamp: 5, value: 0.9, metadata: { split: "train", seed: 1 } }),
      metric("5", { step: 0, timestamp: 40, value: 4, metadata: { split: "train", seed: "1" } }),
    ];
    await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: events } });
  });
  const query = async (body: Record<string, unknown>) => {
    const r = await call(emulator, "POST", apiPaths.metricSeries(), { body: { experiment_id: id, ...body } });
    expect(r.status).toBe(200);
    return seriesResponseSchema.parse(r.json).series;
  };

  it("returns one batch per exact metadata mapping, default step ascending", async () => {
    const series = await query({ metric_name: "loss" });
    expect(series).toHaveLength(3);
    const train = series.find((s) => s.metadata.split === "train" && s.metadata.seed === 1)!;
    expect(train).toEqual({ experiment_id: id, metric_name: "loss", metadata: { split: "train", seed: 1 }, data: { steps: [1, 2], timestamp: [30, 10], value: [2, 1] } });
    expect(series.some((s) => s.metadata.seed === "1")).toBe(true);
    expect(await query({})).toHaveLength(4);
  });

  it("keeps series apart for a high-cardinality name, whatever the metadata key order", async () => {
    const batch = (round: number) =>
      Array.from({ length: 40 }, (_, i) => metric(`hc-${round}-${i}`, { name: "hc", step: round, metadata: round === 0 ? { shard: i, kind: "x" } : { kind: "x", shard: i } }));
    await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: batch(0) } });
    await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: batch(1) } });
    const series = await query({ metric_name: "hc" });
    expect(series).toHaveLength(40);
    expect(series.every((s) => s.data.steps.join() === "0,1")).toBe(true);
    expect(new Set(series.map((s) => s.metadata.shard)).size).toBe(40);
  });

  it("tells series apart by exact metadata when consecutive events differ by an extra key, a missing key or an inherited name", async () => {
    const events = [
      metric("m1", { name: "m", step: 1, metadata: { split: "train" } }),
      metric("m2", { name: "m", step: 1, metadata: { split: "train", rank: 0 } }),
      metric("m3", { name: "m", step: 1, metadata: {} }),
      metric("m4", { name: "m", step: 1, metadata: { toString: "x" } }),
      metric("m5", { name: "m", step: 2, metadata: { split: "train" } }),
      metric("m6", { name: "m", step: 2, metadata: { rank: 0, split: "train" } }),
    ];
    await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: events } });
    const series = await query({ metric_name: "m" });
    const steps = (metadata: Record<string, unknown>) => series.find((s) => JSON.stringify(s.metadata) === JSON.stringify(metadata))?.data.steps;
    expect(series).toHaveLength(4);
    expect(steps({ split: "train" })).toEqual([1, 2]);
    expect(steps({ split: "train", rank: 0 })).toEqual([1, 2]);
    expect(steps({})).toEqual([1]);
    expect(steps({ toString: "x" })).toEqual([1]);
  });

  it("filters on metadata and orders by timestamp or step, asc or desc", async () => {
    const filtered = await query({ metric_name: "loss", metadata_filter: [{ key: "split", value: "train" }, { key: "seed", value: 1 }] });
    expect(filtered).toHaveLength(1);
    const byTime = await query({ metric_name: "loss", metadata_filter: [{ key: "seed", value: 1 }, { key: "split", value: "train" }], order: { axis: "timestamp", direction: "desc" } });
    expect(byTime[0]!.data.timestamp).toEqual([30, 10]);
    const stepDesc = await query({ metric_name: "loss", metadata_filter: [{ key: "split", value: "train" }, { key: "seed", value: 1 }], order: { axis: "step", direction: "desc" } });
    expect(stepDesc[0]!.data.steps).toEqual([2, 1]);
    expect(await query({ metric_name: "nope" })).toEqual([]);
  });

  it("rejects bad queries and unknown experiments", async () => {
    const bad = await call(emulator, "POST", apiPaths.metricSeries(), { body: { experiment_id: id, order: { axis: "wall", direction: "asc" } } });
    expect(bad.status).toBe(422);
    expect(errorOf(bad).details![0]!.field).toBe("order.axis");
    expect((await call(emulator, "POST", apiPaths.metricSeries(), { body: { experiment_id: "nope" } })).status).toBe(404);
  });
});

describe("annotations", () => {
  it("stores, deduplicates (with metrics, one id space per experiment) and pages", async () => {
    await call(emulator, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [metric("shared")] } });
    const batch = [note("n0"), note("n1"), note("n2", { metadata: { deep: { x: [1] } } }), note("n0"), note("shared")];
    const r = await call(emulator, "POST", apiPaths.experimentAnnotations(id), { body: { annotations: batch } });
    expect(r.json).toEqual({ accepted: 3, duplicates: 2 });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = annotationListSchema.parse((await call(emulator, "GET", apiPaths.experimentAnnotations(id) + q)).json);
      seen.push(...page.annotations.map((a) => a.client_event_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["n0", "n1", "n2"]);
    expect(emulator.store.annotations("ingest")[2]).toEqual(note("n2", { metadata: { deep: { x: [1] } } }));
    expect(emulator.counters.annotationsAccepted).toBe(3);
  });

  it("enforces the text and metadata size limits", async () => {
    const text = "é".repeat(apiLimits.maxAnnotationTextChars);
    const okAtLimit = await call(emulator, "POST", apiPaths.experimentAnnotations(id), { body: { annotations: [note("a", { text })] } });
    expect(okAtLimit.json).toEqual({ accepted: 1, duplicates: 0 });
    const tooLong = await call(emulator, "POST", apiPaths.experimentAnnotations(id), { body: { annotations: [note("b", { text: `${text}x` })] } });
    expect(errorOf(tooLong).details).toEqual([expect.objectContaining({ index: 0, field: "text" })]);
    const big = { blob: "x".repeat(apiLimits.maxAnnotationMetadataBytes) };
    const tooBig = await call(emulator, "POST", apiPaths.experimentAnnotations(id), { body: { annotations: [note("c"), note("d", { metadata: big })] } });
    expect(errorOf(tooBig).details).toEqual([expect.objectContaining({ index: 1, field: "metadata" })]);
    expect(emulator.store.annotations(id).map((a) => a.client_event_id)).toEqual(["a"]);
  });

  it("answers 404 for an unknown experiment and 422 for a bad limit", async () => {
    expect((await call(emulator, "GET", apiPaths.experimentAnnotations("nope"))).status).toBe(404);
    expect((await call(emulator, "GET", `${apiPaths.experimentAnnotations(id)}?limit=5000`)).status).toBe(422);
  });
});
