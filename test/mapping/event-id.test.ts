import { describe, expect, it } from "vitest";
import { describeDrops, logRecordsToAnnotations, metricsToEvents } from "../../src/mapping/index.ts";
import { hrTimeToMillis, hrTimeToNanosText } from "../../src/mapping/event-id.ts";
import { canonicalJson } from "../../src/mapping/json.ts";
import { annotationEventId, metricEventId } from "./event-ids.ts";
import type { JsonValue } from "../../src/api/contract.ts";
import { randomJsonObject, seededRandom } from "./random-json.ts";
import { EVENT_ID, gauge, hist, histogram, point, scope } from "./metric-fixtures.ts";

describe("canonicalJson", () => {
  it("sorts object keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });

  it("is insensitive to insertion order and is JSON.stringify's text up to key order", () => {
    const random = seededRandom(7);
    for (let i = 0; i < 500; i++) {
      const value = randomJsonObject(random);
      const reversed = reverseKeys(value);
      expect(canonicalJson(reversed)).toBe(canonicalJson(value));
      expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      expect(canonicalJson(value)).toHaveLength(JSON.stringify(value).length);
    }
  });
});

describe("time conversions", () => {
  it("HrTime → exact decimal nanoseconds, also past 2^53", () => {
    expect(hrTimeToNanosText([1_700_000_000, 5])).toBe("1700000000000000005");
    expect(hrTimeToNanosText([0, 42])).toBe("42");
    expect(hrTimeToNanosText([4_102_444_800, 999_999_999])).toBe("4102444800999999999");
  });

  it("HrTime → milliseconds, rounded down", () => {
    expect(hrTimeToMillis([1_700_000_000, 999_999_999])).toBe(1_700_000_000_999);
    expect(hrTimeToMillis([1_700_000_000, 1_000_000])).toBe(1_700_000_000_001);
  });
});

describe("the id helpers agree with the mappers", () => {
  it("metricEventId gives the id metricsToEvents stamps, stepped and unstepped", () => {
    const stepped = point({ value: 1, attributes: { step: 2, split: "train" } });
    const unstepped = point({ value: 5, attributes: { split: "val" } });
    const { events } = metricsToEvents(scope(gauge("loss", [stepped, unstepped])), { experimentKey: "e" });
    expect(events[0]?.client_event_id).toBe(
      metricEventId({ experimentKey: "e", name: "loss", metadata: { split: "train" }, step: 2, startTime: [0, 0], endTime: [0, 0], value: 0 }),
    );
    expect(events[1]?.client_event_id).toBe(
      metricEventId({ experimentKey: "e", name: "loss", metadata: { split: "val" }, step: null, startTime: unstepped.startTime, endTime: unstepped.endTime, value: 5 }),
    );
  });

  it("annotationEventId gives the id logRecordsToAnnotations stamps", () => {
    const time: [number, number] = [1_700_000_000, 7];
    const record = {
      hrTime: time,
      hrTimeObserved: time,
      body: "hello",
      resource: undefined as never,
      instrumentationScope: { name: "s" },
      attributes: { k: 1 },
      droppedAttributesCount: 0,
    };
    const { events } = logRecordsToAnnotations([record], { experimentKey: "e" });
    expect(events[0]?.client_event_id).toBe(annotationEventId("e", time, "hello", { k: 1 }));
    expect(events[0]?.client_event_id).toMatch(EVENT_ID);
  });
});

describe("stepped ids: the series digest computed once, then the step", () => {
  it("every step from 0 to the largest safe integer keeps the documented 43-character form", () => {
    const ids = [0, 1, 35, 36, 2 ** 31, Number.MAX_SAFE_INTEGER].map((step) =>
      metricEventId({ experimentKey: "e", name: "loss", metadata: {}, step, startTime: [0, 0], endTime: [0, 0], value: 0 }),
    );
    for (const id of ids) expect(id).toMatch(EVENT_ID);
    expect(new Set(ids).size).toBe(ids.length);
    const mapped = metricsToEvents(scope(gauge("loss", [point({ value: 1, attributes: { step: Number.MAX_SAFE_INTEGER } })])), { experimentKey: "e" });
    expect(mapped.events[0]?.client_event_id).toBe(ids.at(-1));
  });

  it("steps of every width, 1 to 11 base-36 digits, are zero-padded as documented", () => {
    const steps = [0, Number.MAX_SAFE_INTEGER];
    for (let digits = 1; digits <= 10; digits++) steps.push(36 ** digits - 1, 36 ** digits);
    const points = steps.map((step) => point({ value: 1, attributes: { step, split: "train" } }));
    const { events } = metricsToEvents(scope(gauge("loss", points)), { experimentKey: "e" });
    expect(events.map((event) => event.client_event_id)).toEqual(
      steps.map((step) => metricEventId({ experimentKey: "e", name: "loss", metadata: { split: "train" }, step, startTime: [0, 0], endTime: [0, 0], value: 0 })),
    );
    expect(events.map((event) => event.client_event_id.slice(-11))).toContain("00000000010");
  });

  it("interleaved series, histograms and more series than the mapper caches: each id is the one its point gets alone", () => {
    const random = seededRandom(11);
    const points = Array.from({ length: 3000 }, (_, i) => {
      // 1,500 series (past the mapper's cache of 1,024), revisited in random order.
      const series = Math.floor(random() * 1500);
      return point({ value: i, attributes: { step: i % 7, split: `s${series % 50}`, rank: Math.floor(series / 50) } });
    });
    const { events } = metricsToEvents(scope(gauge("loss", points), histogram("lat", [point({ value: hist(2, 3, 1, 2), attributes: { step: 3 } })])), { experimentKey: "e" });
    const alone = points.map((p) => metricsToEvents(scope(gauge("loss", [p])), { experimentKey: "e" }).events[0]?.client_event_id);
    expect(events.slice(0, points.length).map((e) => e.client_event_id)).toEqual(alone);
    for (const event of events.slice(points.length)) {
      expect(event.client_event_id).toBe(
        metricEventId({ experimentKey: "e", name: event.name, metadata: {}, step: 3, startTime: [0, 0], endTime: [0, 0], value: 0 }),
      );
    }
  });
});

describe("describeDrops", () => {
  it("sums counts and shows each reason with its example", () => {
    const { dropped } = metricsToEvents(scope(gauge("loss", [point({ value: NaN }), point({ value: NaN }), point({ value: 1, flags: 1 })])), { experimentKey: "e" });
    const line = describeDrops(dropped);
    expect(line).toMatch(/^3 dropped: /);
    expect(line).toContain("2 × non_finite_value");
    expect(line).toContain("1 × no_recorded_value");
  });
});

function reverseKeys(value: JsonValue): JsonValue {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(reverseKeys);
  const out: Record<string, JsonValue> = {};
  for (const key of Object.keys(value).reverse()) {
    Object.defineProperty(out, key, { value: reverseKeys(value[key] as JsonValue), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
