/**
 * The mapping fed by the OpenTelemetry JS 2.x line (sdk-metrics 2.12, sdk-logs 0.223, api 1.9) from
 * the `test/compat-otel2` workspace: its types must be accepted by our signatures (checked by tsc on
 * this file) and its objects must map like the 3.x ones.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type * as Metrics2 from "../compat-otel2/node_modules/@opentelemetry/sdk-metrics/build/src/index.js";
import type * as Logs2 from "../compat-otel2/node_modules/@opentelemetry/sdk-logs/build/src/index.js";
import type * as Resources2 from "../compat-otel2/node_modules/@opentelemetry/resources/build/src/index.js";
import { logRecordsToAnnotations, metricsToEvents } from "../../src/mapping/index.ts";
import { experimentFromResource } from "../../src/mapping/experiment.ts";
import { EVENT_ID } from "./metric-fixtures.ts";

const requireFromCompat = createRequire(new URL("../compat-otel2/package.json", import.meta.url));
const metrics2 = requireFromCompat("@opentelemetry/sdk-metrics") as typeof Metrics2;
const logs2 = requireFromCompat("@opentelemetry/sdk-logs") as typeof Logs2;
const resources2 = requireFromCompat("@opentelemetry/resources") as typeof Resources2;

describe("OTel JS 2.x objects", () => {
  it("come from the 2.x packages", () => {
    const version = (name: string) => (requireFromCompat(`${name}/package.json`) as { version: string }).version;
    expect(version("@opentelemetry/sdk-metrics")).toMatch(/^2\./);
    expect(version("@opentelemetry/sdk-logs")).toMatch(/^0\.2/);
  });

  it("metrics: gauge with steps, counter, histogram", async () => {
    class Reader extends metrics2.MetricReader {
      protected override async onForceFlush(): Promise<void> {}
      protected override async onShutdown(): Promise<void> {}
    }
    const reader = new Reader();
    const provider = new metrics2.MeterProvider({
      readers: [reader],
      resource: resources2.resourceFromAttributes({ "syvain.experiment.slug": "compat", "config.lr": 0.1 }),
    });
    const meter = provider.getMeter("compat");
    meter.createGauge("loss").record(0.5, { step: 3, split: "train" });
    meter.createCounter("tokens").add(7);
    meter.createHistogram("latency").record(2, { step: 3 });
    const { resourceMetrics, errors } = await reader.collect();
    await provider.shutdown();
    expect(errors).toEqual([]);

    const { events, dropped } = metricsToEvents(resourceMetrics.scopeMetrics, { experimentKey: "compat" });
    expect(dropped).toEqual([]);
    const sorted = [...events].sort((a, b) => a.name.localeCompare(b.name));
    const table = sorted.map((e) => [e.name, e.value, e.step, e.metadata]);
    expect(table).toEqual([
      ["latency.count", 1, 3, {}],
      ["latency.max", 2, 3, {}],
      ["latency.min", 2, 3, {}],
      ["latency.sum", 2, 3, {}],
      ["loss", 0.5, 3, { split: "train" }],
      ["tokens", 7, null, {}],
    ]);
    expect(events.every((e) => EVENT_ID.test(e.client_event_id))).toBe(true);
    expect(experimentFromResource(resourceMetrics.resource.attributes)).toEqual({ slug: "compat", metadata: { config: { lr: 0.1 } } });
  });

  it("log records", () => {
    const exporter = new logs2.InMemoryLogRecordExporter();
    const provider = new logs2.LoggerProvider({
      resource: resources2.resourceFromAttributes({ "service.name": "compat" }),
      processors: [new logs2.SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger("compat");
    logger.emit({ body: { a: [1, true] }, attributes: { k: "v" }, severityText: "WARN", eventName: "e", timestamp: 1_700_000_000_001 });
    const records = exporter.getFinishedLogRecords();
    const { events, dropped } = logRecordsToAnnotations(records, { experimentKey: "compat" });
    expect(dropped).toEqual([]);
    expect(events).toEqual([
      {
        client_event_id: expect.stringMatching(EVENT_ID) as unknown,
        text: '{"a":[1,true]}',
        timestamp: 1_700_000_000_001,
        metadata: { k: "v", "otel.severity_text": "WARN", "otel.event_name": "e" },
      },
    ]);
  });
});
