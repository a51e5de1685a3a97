/** The mapping fed by a real MeterProvider (sdk-metrics 3.x), collected through a test MetricReader. */
import { afterEach, describe, expect, it } from "vitest";
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import type { AggregationTemporalitySelector, ResourceMetrics, ViewOptions } from "@opentelemetry/sdk-metrics";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { metricsToEvents } from "../../src/mapping/index.ts";
import { experimentFromResource } from "../../src/mapping/experiment.ts";
import type { MetricEvent } from "../../src/api/contract.ts";

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const providers: MeterProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

function setup(temporality: AggregationTemporality, views: ViewOptions[] = []) {
  const selector: AggregationTemporalitySelector = () => temporality;
  const reader = new CollectingReader({ aggregationTemporalitySelector: selector });
  const provider = new MeterProvider({
    readers: [reader],
    views,
    resource: resourceFromAttributes({ "syvain.experiment.slug": "sdk-run", "config.seed": 7 }),
  });
  providers.push(provider);
  const collect = async (): Promise<ResourceMetrics> => {
    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    return resourceMetrics;
  };
  return { meter: provider.getMeter("mapping-test"), collect };
}

function map(rm: ResourceMetrics) {
  return metricsToEvents(rm.scopeMetrics, { experimentKey: "sdk-run" });
}

/** design.md: timestamp = the point's endTime in ms. Collected from the SDK's own point. */
function endTimesMs(rm: ResourceMetrics): Set<number> {
  const out = new Set<number>();
  for (const s of rm.scopeMetrics) for (const m of s.metrics) for (const p of m.dataPoints) {
    out.add(p.endTime[0] * 1000 + Math.floor(p.endTime[1] / 1e6));
  }
  return out;
}

const byStep = (a: MetricEvent, b: MetricEvent) => (a.step ?? -1) - (b.step ?? -1);

describe("metricsToEvents with the real SDK", () => {
  it("a gauge recorded per step with {step, split} → one event per step, metadata without step", async () => {
    const { meter, collect } = setup(AggregationTemporality.DELTA);
    const loss = meter.createGauge("loss");
    for (let step = 0; step < 100; step++) loss.record(1 / (step + 1), { step, split: "train" });
    const rm = await collect();
    const { events, dropped } = map(rm);
    expect(dropped).toEqual([]);
    expect(events).toHaveLength(100);
    events.sort(byStep).forEach((event, step) => {
      expect(event).toMatchObject({ name: "loss", value: 1 / (step + 1), step, metadata: { split: "train" } });
    });
    const times = endTimesMs(rm);
    expect(events.every((e) => times.has(e.timestamp))).toBe(true);
    expect(new Set(events.map((e) => e.client_event_id)).size).toBe(100);
  });

  it("the same gauge steps collected twice (cumulative) → the same ids, so the server drops the repeat", async () => {
    const { meter, collect } = setup(AggregationTemporality.CUMULATIVE);
    const acc = meter.createGauge("acc");
    for (let step = 0; step < 10; step++) acc.record(step / 10, { step });
    const first = map(await collect()).events;
    const second = map(await collect()).events;
    expect(second.length).toBe(10);
    expect(second.map((e) => e.client_event_id).sort()).toEqual(first.map((e) => e.client_event_id).sort());
  });

  it("a counter under CUMULATIVE arrives as a running total; under DELTA as increments", async () => {
    for (const [temporality, expected] of [
      [AggregationTemporality.CUMULATIVE, [5, 8]],
      [AggregationTemporality.DELTA, [5, 3]],
    ] as const) {
      const { meter, collect } = setup(temporality);
      const tokens = meter.createCounter("tokens");
      tokens.add(5);
      const first = map(await collect()).events;
      tokens.add(3);
      const second = map(await collect()).events;
      expect([...first, ...second].map((e) => [e.name, e.value, e.step])).toEqual([
        ["tokens", expected[0], null],
        ["tokens", expected[1], null],
      ]);
      expect(second[0]?.client_event_id).not.toBe(first[0]?.client_event_id);
    }
  });

  it("an up-down counter keeps its sign", async () => {
    const { meter, collect } = setup(AggregationTemporality.CUMULATIVE);
    const queue = meter.createUpDownCounter("queue");
    queue.add(5, { worker: "a" });
    queue.add(-7, { worker: "a" });
    expect(map(await collect()).events).toMatchObject([{ name: "queue", value: -2, step: null, metadata: { worker: "a" } }]);
  });

  it("a histogram → count/sum/min/max per step", async () => {
    const { meter, collect } = setup(AggregationTemporality.DELTA);
    const latency = meter.createHistogram("latency");
    for (const v of [1, 2, 3]) latency.record(v, { step: 7 });
    latency.record(10, { step: 8 });
    const { events, dropped } = map(await collect());
    expect(dropped).toEqual([]);
    const table = events.map((e) => [e.name, e.step, e.value]).sort((a, b) => String(a).localeCompare(String(b)));
    expect(table).toEqual([
      ["latency.count", 7, 3],
      ["latency.count", 8, 1],
      ["latency.max", 7, 3],
      ["latency.max", 8, 10],
      ["latency.min", 7, 1],
      ["latency.min", 8, 10],
      ["latency.sum", 7, 6],
      ["latency.sum", 8, 10],
    ]);
  });

  it("an exponential histogram (view) → count/sum/min/max", async () => {
    const views: ViewOptions[] = [{ instrumentName: "size", aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }];
    const { meter, collect } = setup(AggregationTemporality.CUMULATIVE, views);
    const size = meter.createHistogram("size");
    size.record(4);
    size.record(16);
    const { events } = map(await collect());
    expect(Object.fromEntries(events.map((e) => [e.name, e.value]))).toEqual({
      "size.count": 2,
      "size.sum": 20,
      "size.min": 4,
      "size.max": 16,
    });
  });

  it("an observable gauge and a NaN recording: the NaN is reported, the rest maps", async () => {
    const { meter, collect } = setup(AggregationTemporality.CUMULATIVE);
    meter.createObservableGauge("temp").addCallback((result) => {
      result.observe(41.5, { device: "gpu:0" });
      result.observe(NaN, { device: "gpu:1" });
    });
    const { events, dropped } = map(await collect());
    expect(events).toMatchObject([{ name: "temp", value: 41.5, metadata: { device: "gpu:0" } }]);
    expect(dropped).toEqual([{ reason: "non_finite_value", metric: "temp", count: 1, example: expect.stringContaining("NaN") as unknown }]);
  });

  it("the resource of the collection gives the experiment", async () => {
    const { collect } = setup(AggregationTemporality.DELTA);
    const identity = experimentFromResource((await collect()).resource.attributes);
    expect(identity).toEqual({ slug: "sdk-run", metadata: { config: { seed: 7 } } });
  });
});
