/**
 * The OTel SDK folds every attribute set past its cardinality limit (2,000 per metric and
 * collection by default) into one point with `otel.metric.overflow: true`. With a `step`
 * attribute each step is its own attribute set, so a sender logging more steps than that per export
 * interval loses the rest into that point, which stands for no step. The mapping drops it and counts
 * it under its own reason, with a message that says how to avoid it (found by review 12: the bridge
 * stored it as an ordinary point without a step, and said nothing). The real SDK makes the point.
 */
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { metricsToEvents } from "../../src/mapping/index.ts";

class CollectOnly extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe("the SDK's cardinality overflow point", () => {
  it("is dropped and counted as cardinality_overflow, naming the fix; the steps within the limit are kept", async () => {
    const reader = new CollectOnly();
    const provider = new MeterProvider({ readers: [reader] });
    const gauge = provider.getMeter("train").createGauge("loss");
    const steps = 2_500;
    for (let step = 0; step < steps; step++) gauge.record(1 / (step + 1), { step });
    const { resourceMetrics } = await reader.collect();
    await provider.shutdown();

    const { events, dropped } = metricsToEvents(resourceMetrics.scopeMetrics, { experimentKey: "exp-1" });
    expect(events.every((event) => event.step !== null)).toBe(true);
    expect(events.length).toBeLessThan(steps);
    expect(dropped).toEqual([expect.objectContaining({ reason: "cardinality_overflow", metric: "loss", count: 1 })]);
    expect(dropped[0]!.example).toMatch(/otel\.metric\.overflow.*cardinalityLimits/);
  });
});
