/**
 * The official OTLP examples (opentelemetry-proto examples/{metrics,logs}.json, copied to
 * test/bridge/fixtures/), decoded by the bridge's OTLP/JSON decoder, and the events design.md
 * says they become.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeMetricsJson } from "../../src/bridge/otlp/decode-metrics-json.ts";
import { decodeLogsJson } from "../../src/bridge/otlp/decode-logs-json.ts";
import { logRecordsToAnnotations, metricsToEvents } from "../../src/mapping/index.ts";
import { experimentFromResource } from "../../src/mapping/experiment.ts";
import { EVENT_ID } from "./metric-fixtures.ts";

const fixture = (name: string) => readFileSync(new URL(`../bridge/fixtures/${name}`, import.meta.url));
const TIME_MS = 1_544_712_660_300; // "1544712660300000000" ns
const id = expect.stringMatching(EVENT_ID) as unknown;

describe("official OTLP examples", () => {
  it("metrics.json: counter, gauge, histogram, exponential histogram", () => {
    const decoded = decodeMetricsJson(fixture("metrics.json"));
    expect(decoded.resourceMetrics).toHaveLength(1);
    const [resourceMetrics] = decoded.resourceMetrics;
    const { events, dropped } = metricsToEvents(resourceMetrics!.scopeMetrics, { experimentKey: "my.service" });
    const attr = (metric: string) => ({ [`${metric}.attr`]: "some value" });
    expect(dropped).toEqual([]);
    const ev = (name: string, value: number, metric: string) => ({
      client_event_id: id,
      name,
      value,
      step: null,
      timestamp: TIME_MS,
      metadata: attr(metric),
    });
    expect(events).toEqual([
      ev("my.counter", 5, "my.counter"),
      ev("my.gauge", 10, "my.gauge"),
      ev("my.histogram.count", 2, "my.histogram"),
      ev("my.histogram.sum", 2, "my.histogram"),
      ev("my.histogram.min", 0, "my.histogram"),
      ev("my.histogram.max", 2, "my.histogram"),
      ev("my.exponential.histogram.count", 3, "my.exponential.histogram"),
      ev("my.exponential.histogram.sum", 10, "my.exponential.histogram"),
      ev("my.exponential.histogram.min", 0, "my.exponential.histogram"),
      ev("my.exponential.histogram.max", 5, "my.exponential.histogram"),
    ]);
    expect(experimentFromResource(resourceMetrics!.resource.attributes)).toEqual({ slug: "my.service", metadata: { service: { name: "my.service" } } });
  });

  it("logs.json: string body, every attribute kind, severity, trace context", () => {
    const decoded = decodeLogsJson(fixture("logs.json"));
    expect(decoded.logRecords).toHaveLength(1);
    const { events, dropped } = logRecordsToAnnotations(decoded.logRecords, { experimentKey: "my.service" });
    expect(dropped).toEqual([]);
    expect(events).toEqual([
      {
        client_event_id: id,
        text: "Example log record",
        timestamp: TIME_MS,
        metadata: {
          "string.attribute": "some string",
          "boolean.attribute": true,
          "int.attribute": 10,
          "double.attribute": 637.704,
          "array.attribute": ["many", "values"],
          "map.attribute": { "some.map.key": "some value" },
          "otel.severity_text": "Information",
          "otel.severity_number": 10,
          "otel.trace_id": "5b8efff798038103d269b633813fc60c",
          "otel.span_id": "eee19b7ec3c1b174",
        },
      },
    ]);
  });
});
