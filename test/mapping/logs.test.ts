import { afterEach, describe, expect, it } from "vitest";
import { SeverityNumber, TraceFlags, context, trace } from "@opentelemetry/api";
import type { Attributes, HrTime, SpanContext } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { groupLogRecordsByResource, logRecordsToAnnotations } from "../../src/mapping/index.ts";
import { apiLimits } from "../../src/api/contract.ts";
import type { JsonObject } from "../../src/api/contract.ts";
import { EVENT_ID } from "./metric-fixtures.ts";

const resource = resourceFromAttributes({ "service.name": "trainer" });
const TIME: HrTime = [1_700_000_000, 500_000_000];
const TIME_MS = 1_700_000_000_500;
const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const SPAN_ID = "b7ad6b7169203331";

interface RecordInput {
  body?: unknown;
  eventName?: string;
  attributes?: Attributes;
  hrTime?: HrTime;
  hrTimeObserved?: HrTime;
  severityText?: string;
  severityNumber?: SeverityNumber;
  spanContext?: SpanContext;
  resource?: ReadableLogRecord["resource"];
}

/** A hand-built record, as the OTLP decoder would hand it over. */
function record(input: RecordInput): ReadableLogRecord {
  return {
    hrTime: input.hrTime ?? TIME,
    hrTimeObserved: input.hrTimeObserved ?? [1_700_000_009, 0],
    body: input.body,
    eventName: input.eventName,
    severityText: input.severityText,
    severityNumber: input.severityNumber,
    spanContext: input.spanContext,
    resource: input.resource ?? resource,
    instrumentationScope: { name: "test" },
    attributes: input.attributes ?? {},
    droppedAttributesCount: 0,
  };
}

const map = (records: ReadableLogRecord[]) => logRecordsToAnnotations(records, { experimentKey: "exp-1" });

describe("logRecordsToAnnotations: body → text", () => {
  const cases: [string, RecordInput, string][] = [
    ["string as is", { body: "saved checkpoint" }, "saved checkpoint"],
    ["map → compact JSON", { body: { step: 3, path: "ckpt.pt", nested: [true, null] } }, '{"step":3,"path":"ckpt.pt","nested":[true,null]}'],
    ["array → compact JSON", { body: [1, "x", { a: false }] }, '[1,"x",{"a":false}]'],
    ["integer", { body: 42 }, "42"],
    ["float", { body: 0.5 }, "0.5"],
    ["NaN", { body: NaN }, "NaN"],
    ["boolean", { body: false }, "false"],
    ["null", { body: null }, "null"],
    ["bytes → base64: form", { body: new Uint8Array([104, 105]) }, "base64:aGk="],
    ["bytes inside a map", { body: { raw: new Uint8Array([255]) } }, '{"raw":"base64:/w=="}'],
    ["non-finite number inside a map", { body: { loss: Infinity } }, '{"loss":"Infinity"}'],
    ["no body, an event name → the event name", { eventName: "checkpoint.saved" }, "checkpoint.saved"],
    ["no body, no event name → empty text", {}, ""],
    ["empty string body stays empty even with an event name", { body: "", eventName: "e" }, ""],
  ];
  it.each(cases)("%s", (_title, input, text) => {
    const { events, dropped } = map([record(input)]);
    expect(dropped).toEqual([]);
    expect(events).toEqual([{ client_event_id: expect.stringMatching(EVENT_ID) as unknown, text, timestamp: TIME_MS, metadata: expect.any(Object) as unknown }]);
  });
});

describe("logRecordsToAnnotations: metadata and time", () => {
  it("attributes plus severity, event name and trace/span ids under otel.*", () => {
    const { events } = map([
      record({
        body: "b",
        attributes: { path: "ckpt.pt", "code.lineno": 12, tags: ["a"], raw: new Uint8Array([1]) },
        severityText: "INFO",
        severityNumber: SeverityNumber.INFO,
        eventName: "checkpoint.saved",
        spanContext: { traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED },
      }),
    ]);
    expect(events[0]?.metadata).toEqual({
      path: "ckpt.pt",
      "code.lineno": 12,
      tags: ["a"],
      raw: "base64:AQ==",
      "otel.severity_text": "INFO",
      "otel.severity_number": 9,
      "otel.event_name": "checkpoint.saved",
      "otel.trace_id": TRACE_ID,
      "otel.span_id": SPAN_ID,
    });
  });

  it("no ids for an invalid span context; unset fields are absent", () => {
    const invalid = { traceId: "0".repeat(32), spanId: SPAN_ID, traceFlags: 0 };
    expect(map([record({ body: "b", spanContext: invalid })]).events[0]?.metadata).toEqual({});
    const shortSpan = { traceId: TRACE_ID, spanId: "abc", traceFlags: 0 };
    expect(map([record({ body: "b", spanContext: shortSpan })]).events[0]?.metadata).toEqual({});
  });

  it("a record field wins over an attribute of the same key", () => {
    const { events } = map([record({ body: "b", severityText: "WARN", attributes: { "otel.severity_text": "spoofed" } })]);
    expect(events[0]?.metadata).toEqual({ "otel.severity_text": "WARN" });
  });

  it("record time, else observed time; neither → dropped as missing_timestamp", () => {
    const { events, dropped } = map([
      record({ body: "a", hrTime: [1_700_000_000, 999_999_999] }),
      record({ body: "b", hrTime: [0, 0], hrTimeObserved: [1_700_000_005, 1_000_000] }),
      record({ body: "c", hrTime: [0, 0], hrTimeObserved: [0, 0] }),
    ]);
    expect(events.map((e) => [e.text, e.timestamp])).toEqual([
      ["a", 1_700_000_000_999],
      ["b", 1_700_000_005_001],
    ]);
    expect(dropped).toEqual([{ reason: "missing_timestamp", metric: "annotation", count: 1, example: expect.stringContaining('"c"') as unknown }]);
  });
});

describe("logRecordsToAnnotations: size limits", () => {
  it("text at the limit maps; one character over is dropped as annotation_too_large", () => {
    const limit = apiLimits.maxAnnotationTextChars;
    const { events, dropped } = map([record({ body: "x".repeat(limit) }), record({ body: "y".repeat(limit + 1) })]);
    expect(events.map((e) => e.text.length)).toEqual([limit]);
    expect(dropped).toEqual([{ reason: "annotation_too_large", metric: "annotation", count: 1, example: expect.stringContaining(String(limit + 1)) as unknown }]);
  });

  it("text is counted in characters (code points): 16,000 emoji (32,000 UTF-16 units) still map", () => {
    const limit = apiLimits.maxAnnotationTextChars;
    const { events, dropped } = map([record({ body: "😀".repeat(limit) }), record({ body: "😀".repeat(limit + 1) })]);
    expect(events.map((e) => e.text.length)).toEqual([2 * limit]);
    expect(dropped).toMatchObject([{ reason: "annotation_too_large", count: 1 }]);
  });

  it("metadata is measured in UTF-8 bytes of compact JSON", () => {
    // 33,000 "é" are 33,000 characters but 66,000 bytes: over the 65,536-byte limit.
    const wide = map([record({ body: "b", attributes: { note: "é".repeat(33_000) } })]);
    expect(wide.events).toEqual([]);
    expect(wide.dropped).toMatchObject([{ reason: "annotation_too_large", count: 1 }]);
    // `{"note":"…"}` is 11 bytes of syntax: 65,525 ASCII characters land exactly on the limit.
    const exact = map([record({ body: "b", attributes: { note: "a".repeat(apiLimits.maxAnnotationMetadataBytes - 11) } })]);
    expect(exact.dropped).toEqual([]);
    expect(JSON.stringify(exact.events[0]?.metadata)).toHaveLength(apiLimits.maxAnnotationMetadataBytes);
  });
});

describe("logRecordsToAnnotations: client_event_id", () => {
  const idOf = (input: RecordInput, experimentKey = "exp-1") =>
    logRecordsToAnnotations([record(input)], { experimentKey }).events[0]?.client_event_id;

  it("the same record mapped twice (a re-export) has the same id, whatever the attribute order", () => {
    expect(idOf({ body: "b", attributes: { a: 1, b: 2 } })).toBe(idOf({ body: "b", attributes: { b: 2, a: 1 } }));
  });

  it("differs by time, text, metadata and experiment", () => {
    const ids = [
      idOf({ body: "b", attributes: { a: 1 } }),
      idOf({ body: "b", attributes: { a: 1 }, hrTime: [1_700_000_000, 500_000_001] }),
      idOf({ body: "c", attributes: { a: 1 } }),
      idOf({ body: "b", attributes: { a: 2 } }),
      idOf({ body: "b", attributes: { a: "1" } }),
      idOf({ body: "b", attributes: { a: 1 } }, "exp-2"),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("groupLogRecordsByResource", () => {
  it("groups by resource, keeping first-seen order", () => {
    const other = resourceFromAttributes({ "service.name": "eval" });
    const records = [record({ body: "1" }), record({ body: "2", resource: other }), record({ body: "3" })];
    const groups = groupLogRecordsByResource(records);
    expect(groups.map((g) => [g.resource, g.records.map((r) => r.body)])).toEqual([
      [resource, ["1", "3"]],
      [other, ["2"]],
    ]);
  });
});

describe("logRecordsToAnnotations with the real SDK (LoggerProvider + SimpleLogRecordProcessor)", () => {
  const providers: LoggerProvider[] = [];
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.shutdown()));
  });

  it("reads SDK records through their getters: body kinds, attributes, severity, event name, ids, time", () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
    providers.push(provider);
    const logger = provider.getLogger("mapping-test");
    const spanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED };
    const ctx = trace.setSpanContext(context.active(), spanContext);
    logger.emit({ body: "saved checkpoint", attributes: { path: "ckpt.pt" }, severityNumber: SeverityNumber.INFO, severityText: "INFO", timestamp: 1_700_000_000_250, context: ctx });
    logger.emit({ body: { loss: 0.5, tags: ["a"] }, eventName: "eval.done", timestamp: 1_700_000_001_000 });
    logger.emit({ eventName: "run.started", timestamp: 1_700_000_002_000 });

    const records = exporter.getFinishedLogRecords();
    const { events, dropped } = map(records);
    expect(dropped).toEqual([]);
    const expected: { text: string; timestamp: number; metadata: JsonObject }[] = [
      {
        text: "saved checkpoint",
        timestamp: 1_700_000_000_250,
        metadata: { path: "ckpt.pt", "otel.severity_text": "INFO", "otel.severity_number": 9, "otel.trace_id": TRACE_ID, "otel.span_id": SPAN_ID },
      },
      { text: '{"loss":0.5,"tags":["a"]}', timestamp: 1_700_000_001_000, metadata: { "otel.event_name": "eval.done" } },
      { text: "run.started", timestamp: 1_700_000_002_000, metadata: { "otel.event_name": "run.started" } },
    ];
    expect(events).toEqual(expected.map((e) => ({ ...e, client_event_id: expect.stringMatching(EVENT_ID) as unknown })));
    expect(map(records).events.map((e) => e.client_event_id)).toEqual(events.map((e) => e.client_event_id));
    expect(groupLogRecordsByResource(records)).toHaveLength(1);
  });
});
