/**
 * The official OTLP examples (`shared/fixtures/otlp-examples/{metrics,logs}.json`), built by hand in
 * the shapes the OTLP decoder hands over (until the bridge's decoder can produce them from the files),
 * and the events design.md says they become.
 */
import { describe, expect, it } from "vitest";
import { AggregationTemporality } from "@opentelemetry/sdk-metrics";
import type { HrTime } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { experimentFromResource, logRecordsToAnnotations, metricsToEvents } from "../../src/mapping/index.ts";
import { EVENT_ID, expHist, expHistogram, gauge, hist, histogram, point, scope, sum } from "./metric-fixtures.ts";

const TIME: HrTime = [1_544_712_660, 300_000_000]; // "1544712660300000000"
const TIME_MS = 1_544_712_660_300;
const resource = resourceFromAttributes({ "service.name": "my.service" });
const id = expect.stringMatching(EVENT_ID) as unknown;

describe("official OTLP examples", () => {
  it("metrics.json: counter, gauge, histogram, exponential histogram", () => {
    const attr = (metric: string) => ({ [`${metric}.attr`]: "some value" });
    const metrics = scope(
      sum("my.counter", [point({ value: 5, endTime: TIME, attributes: attr("my.counter") })], { monotonic: true, temporality: AggregationTemporality.DELTA }),
      gauge("my.gauge", [point({ value: 10, endTime: TIME, attributes: attr("my.gauge") })]),
      histogram("my.histogram", [point({ value: hist(2, 2, 0, 2), endTime: TIME, attributes: attr("my.histogram") })]),
      expHistogram("my.exponential.histogram", [point({ value: expHist(3, 10, 0, 5), endTime: TIME, attributes: attr("my.exponential.histogram") })]),
    );
    const { events, dropped } = metricsToEvents(metrics, { experimentKey: "my.service" });
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
    expect(experimentFromResource(resource.attributes)).toEqual({ slug: "my.service", metadata: { service: { name: "my.service" } } });
  });

  it("logs.json: string body, every attribute kind, severity, trace context", () => {
    const record: ReadableLogRecord = {
      hrTime: TIME,
      hrTimeObserved: TIME,
      severityNumber: 10,
      severityText: "Information",
      spanContext: { traceId: "5B8EFFF798038103D269B633813FC60C", spanId: "EEE19B7EC3C1B174", traceFlags: 0 },
      body: "Example log record",
      resource,
      instrumentationScope: { name: "my.library", version: "1.0.0" },
      attributes: {
        "string.attribute": "some string",
        "boolean.attribute": true,
        "int.attribute": 10,
        "double.attribute": 637.704,
        "array.attribute": ["many", "values"],
        "map.attribute": { "some.map.key": "some value" },
      },
      droppedAttributesCount: 0,
    };
    const { events, dropped } = logRecordsToAnnotations([record], { experimentKey: "my.service" });
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
