/**
 * The facade's OTel view with a real instrumentation: `@opentelemetry/host-metrics` on the meter
 * provider an experiment hands out reports system and process metrics into that same experiment.
 */
import { HostMetrics } from "@opentelemetry/host-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Collector } from "syvain-metrics-otel";
import { startEmulator, type Emulator } from "syvain-metrics-otel/testing";

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe("@opentelemetry/host-metrics through experiment.createMeterProvider()", () => {
  it("stores host and process metrics in the experiment, beside its own metrics", async () => {
    const collector = new Collector(emulator.apiKey, { host: emulator.url });
    const experiment = await collector.experiment("host-metrics-run", { meta: { model: "mamba" } });
    const meterProvider = experiment.createMeterProvider();
    new HostMetrics({ meterProvider, name: "host-metrics" }).start();

    await experiment.run(async () => {
      experiment.metric("loss", 0.5, { step: 0 });
      await meterProvider.forceFlush();
    }, { installHooks: false });
    await experiment.flushOrRaise();
    await collector.close();

    const names = new Set(emulator.store.metrics("host-metrics-run").map((event) => event.name));
    expect(names).toContain("loss");
    expect(names).toContain("process.memory.usage");
    expect([...names].some((name) => name.startsWith("system.cpu."))).toBe(true);
    expect(emulator.store.experiment("host-metrics-run")?.status).toBe("done");
  });
});
