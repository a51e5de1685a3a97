import { describe, expect, it } from "vitest";
import { AggregationTemporality } from "@opentelemetry/sdk-metrics";
import type { MetricData } from "@opentelemetry/sdk-metrics";
import { metricsToEvents } from "../../src/mapping/index.ts";
import type { MetricEvent } from "../../src/api/contract.ts";
import { EVENT_ID, T0_MS, expHist, expHistogram, gauge, hist, histogram, point, scope, sum } from "./metric-fixtures.ts";

const opts = { experimentKey: "exp-1" };

/** Expected event without its id (ids are checked for form here and for identity rules below). */
function ev(name: string, value: number, step: number | null, metadata: MetricEvent["metadata"] = {}, timestamp = T0_MS) {
  return { client_event_id: expect.stringMatching(EVENT_ID) as unknown, name, value, step, timestamp, metadata };
}

describe("metricsToEvents: data types", () => {
  const cases: { title: string; metrics: MetricData[]; expected: ReturnType<typeof ev>[] }[] = [
    {
      title: "gauge point with step and a label",
      metrics: [gauge("loss", [point({ value: 0.25, attributes: { step: 3, split: "train" } })])],
      expected: [ev("loss", 0.25, 3, { split: "train" })],
    },
    {
      title: "gauge point without step",
      metrics: [gauge("gpu.util", [point({ value: 87, attributes: { device: "gpu:0" } })])],
      expected: [ev("gpu.util", 87, null, { device: "gpu:0" })],
    },
    {
      title: "monotonic cumulative sum (a counter's running total)",
      metrics: [sum("tokens", [point({ value: 1200 })], { monotonic: true, temporality: AggregationTemporality.CUMULATIVE })],
      expected: [ev("tokens", 1200, null)],
    },
    {
      title: "monotonic delta sum",
      metrics: [sum("tokens", [point({ value: 300, attributes: { step: 9 } })], { temporality: AggregationTemporality.DELTA })],
      expected: [ev("tokens", 300, 9)],
    },
    {
      title: "non-monotonic sums (up-down counters) keep negative values, either temporality",
      metrics: [
        sum("queue.depth", [point({ value: -4 })], { monotonic: false, temporality: AggregationTemporality.CUMULATIVE }),
        sum("queue.delta", [point({ value: -1.5 })], { monotonic: false, temporality: AggregationTemporality.DELTA }),
      ],
      expected: [ev("queue.depth", -4, null), ev("queue.delta", -1.5, null)],
    },
    {
      title: "histogram → count, sum, min, max",
      metrics: [histogram("latency", [point({ value: hist(4, 10, 1, 5), attributes: { step: 2, phase: "eval" } })])],
      expected: [
        ev("latency.count", 4, 2, { phase: "eval" }),
        ev("latency.sum", 10, 2, { phase: "eval" }),
        ev("latency.min", 1, 2, { phase: "eval" }),
        ev("latency.max", 5, 2, { phase: "eval" }),
      ],
    },
    {
      title: "cumulative histogram without min/max → count and sum only",
      metrics: [histogram("latency", [point({ value: hist(3, 7) })], AggregationTemporality.CUMULATIVE)],
      expected: [ev("latency.count", 3, null), ev("latency.sum", 7, null)],
    },
    {
      title: "histogram without sum → no sum event",
      metrics: [histogram("latency", [point({ value: hist(2, undefined, 1, 2) })])],
      expected: [ev("latency.count", 2, null), ev("latency.min", 1, null), ev("latency.max", 2, null)],
    },
    {
      title: "empty histogram (count 0, the SDK's ±Infinity min/max) → count and sum, min/max absent",
      metrics: [histogram("latency", [point({ value: hist(0, 0, Infinity, -Infinity) })])],
      expected: [ev("latency.count", 0, null), ev("latency.sum", 0, null)],
    },
    {
      title: "exponential histogram → count, sum, min, max",
      metrics: [expHistogram("size", [point({ value: expHist(5, 50, 2, 20), attributes: { step: 0 } })])],
      expected: [ev("size.count", 5, 0), ev("size.sum", 50, 0), ev("size.min", 2, 0), ev("size.max", 20, 0)],
    },
    {
      title: "several points and metrics keep their order",
      metrics: [
        gauge("loss", [point({ value: 3, attributes: { step: 1 } }), point({ value: 2, attributes: { step: 2 } })]),
        gauge("acc", [point({ value: 0.5, attributes: { step: 1 } })]),
      ],
      expected: [ev("loss", 3, 1), ev("loss", 2, 2), ev("acc", 0.5, 1)],
    },
  ];

  it.each(cases)("$title", ({ metrics, expected }) => {
    const { events, dropped } = metricsToEvents(scope(...metrics), opts);
    expect(events).toEqual(expected);
    expect(dropped).toEqual([]);
  });

  it("reads every scope", () => {
    const scopes = [...scope(gauge("a", [point({ value: 1 })])), ...scope(gauge("b", [point({ value: 2 })]))];
    expect(metricsToEvents(scopes, opts).events.map((e) => e.name)).toEqual(["a", "b"]);
  });

  it("timestamp is endTime in whole milliseconds, rounded down", () => {
    const metrics = [
      gauge("x", [point({ value: 1, endTime: [1_700_000_001, 999_999_999] })]),
      gauge("y", [point({ value: 1, endTime: [1_700_000_002, 0] })]),
    ];
    expect(metricsToEvents(scope(...metrics), opts).events.map((e) => e.timestamp)).toEqual([1_700_000_001_999, 1_700_000_002_000]);
  });

  it("a bigint value (decoded int64) becomes a number", () => {
    const metric = gauge("big", [point({ value: 12n as unknown as number })]);
    expect(metricsToEvents(scope(metric), opts).events).toEqual([ev("big", 12, null)]);
  });
});

describe("metricsToEvents: step attribute", () => {
  const valid: [unknown, number][] = [
    [0, 0],
    [7, 7],
    [-0, 0],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ["0", 0],
    ["42", 42],
    ["9007199254740991", Number.MAX_SAFE_INTEGER],
    [5n, 5],
  ];
  it.each(valid)("step %s → %s", (raw, step) => {
    const { events, dropped } = metricsToEvents(scope(gauge("loss", [point({ value: 1, attributes: { step: raw } })])), opts);
    expect(dropped).toEqual([]);
    expect(events).toEqual([ev("loss", 1, step)]);
    expect(Object.is(events[0]?.step, step)).toBe(true);
  });

  const invalid: unknown[] = [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN, Infinity, "-1", "01", "1.0", " 1", "1e3", "", "abc",
    "9007199254740992", true, null, [1], -3n, { n: 1 }];
  it.each(invalid)("step %s → dropped as invalid_step, value named", (raw) => {
    const { events, dropped } = metricsToEvents(scope(gauge("loss", [point({ value: 1, attributes: { step: raw } })])), opts);
    expect(events).toEqual([]);
    expect(dropped).toEqual([{ reason: "invalid_step", metric: "loss", count: 1, example: expect.stringContaining('"step"') as unknown }]);
  });

  it("names the invalid value in the example", () => {
    const { dropped } = metricsToEvents(scope(gauge("loss", [point({ value: 1, attributes: { step: -17.5 } })])), opts);
    expect(dropped[0]?.example).toContain("-17.5");
  });

  it("a custom step key; the default key is then ordinary metadata", () => {
    const metric = gauge("loss", [point({ value: 1, attributes: { iteration: 12, step: "warmup" } })]);
    const { events } = metricsToEvents(scope(metric), { experimentKey: "e", stepAttribute: "iteration" });
    expect(events).toEqual([ev("loss", 1, 12, { step: "warmup" })]);
  });

  it("an undefined step attribute counts as absent", () => {
    const { events, dropped } = metricsToEvents(scope(gauge("loss", [point({ value: 1, attributes: { step: undefined } })])), opts);
    expect(events).toEqual([ev("loss", 1, null)]);
    expect(dropped).toEqual([]);
  });

  it("an invalid step drops the whole histogram point, counted once", () => {
    const metric = histogram("lat", [point({ value: hist(2, 3, 1, 2), attributes: { step: "x" } })]);
    const { events, dropped } = metricsToEvents(scope(metric), opts);
    expect(events).toEqual([]);
    expect(dropped).toEqual([expect.objectContaining({ reason: "invalid_step", metric: "lat", count: 1 })]);
  });
});

describe("metricsToEvents: metadata values", () => {
  it("keeps scalars, JSON-encodes arrays, maps and null, writes bytes as base64, non-finite numbers as text", () => {
    const attributes = {
      split: "train",
      rank: 3,
      lr: 0.001,
      warm: false,
      tags: ["a", "b"],
      dims: [1, 2],
      nested: { k: [true] },
      nothing: null,
      raw: new Uint8Array([1, 2, 3]),
      odd: NaN,
      big: 2n ** 60n,
      gone: undefined,
    };
    const { events } = metricsToEvents(scope(gauge("m", [point({ value: 1, attributes })])), opts);
    expect(events[0]?.metadata).toEqual({
      split: "train",
      rank: 3,
      lr: 0.001,
      warm: false,
      tags: '["a","b"]',
      dims: "[1,2]",
      nested: '{"k":[true]}',
      nothing: "null",
      raw: "base64:AQID",
      odd: "NaN",
      big: "1152921504606846976",
    });
  });
});

describe("metricsToEvents: drops are counted, never thrown", () => {
  it("NaN and ±Infinity values, aggregated per reason and metric", () => {
    const metrics = [
      gauge("loss", [point({ value: NaN }), point({ value: Infinity }), point({ value: 1 })]),
      sum("tokens", [point({ value: -Infinity })]),
    ];
    const { events, dropped } = metricsToEvents(scope(...metrics), opts);
    expect(events).toEqual([ev("loss", 1, null)]);
    expect(dropped).toEqual([
      { reason: "non_finite_value", metric: "loss", count: 2, example: expect.stringContaining("NaN") as unknown },
      { reason: "non_finite_value", metric: "tokens", count: 1, example: expect.stringContaining("-Infinity") as unknown },
    ]);
  });

  it("NO_RECORDED_VALUE (flags & 1) drops the point; other flag bits do not", () => {
    const metrics = [
      gauge("g", [point({ value: 0, flags: 1 }), point({ value: 5, flags: 2 })]),
      histogram("h", [point({ value: hist(0, 0), flags: 3 })]),
    ];
    const { events, dropped } = metricsToEvents(scope(...metrics), opts);
    expect(events).toEqual([ev("g", 5, null)]);
    expect(dropped).toEqual([
      expect.objectContaining({ reason: "no_recorded_value", metric: "g", count: 1 }),
      expect.objectContaining({ reason: "no_recorded_value", metric: "h", count: 1 }),
    ]);
  });

  it("a non-finite histogram component is dropped alone, under its component name", () => {
    const metric = histogram("lat", [point({ value: hist(2, NaN, 1, Infinity) })]);
    const { events, dropped } = metricsToEvents(scope(metric), opts);
    expect(events).toEqual([ev("lat.count", 2, null), ev("lat.min", 1, null)]);
    expect(dropped).toEqual([
      expect.objectContaining({ reason: "non_finite_value", metric: "lat.sum", count: 1 }),
      expect.objectContaining({ reason: "non_finite_value", metric: "lat.max", count: 1 }),
    ]);
  });

  it("unknown data point types (e.g. a decoded summary) are dropped with their point count", () => {
    const summary = { ...gauge("s", [point({ value: 1 }), point({ value: 2 })]), dataPointType: 4 } as unknown as MetricData;
    const { events, dropped } = metricsToEvents(scope(summary, gauge("ok", [point({ value: 1 })])), opts);
    expect(events).toEqual([ev("ok", 1, null)]);
    expect(dropped).toEqual([{ reason: "unsupported_type", metric: "s", count: 2, example: expect.stringContaining("4") as unknown }]);
  });

  it("a metric without a name (decoded OTLP) is dropped with its point count", () => {
    const { events, dropped } = metricsToEvents(scope(gauge("", [point({ value: 1 }), point({ value: 2 })]), gauge("ok", [point({ value: 3 })])), opts);
    expect(events).toEqual([ev("ok", 3, null)]);
    expect(dropped).toEqual([{ reason: "invalid_name", metric: "", count: 2, example: expect.stringContaining('""') as unknown }]);
  });

  it("non-numeric values are dropped as invalid_value", () => {
    const metric = gauge("g", [point({ value: "12" as unknown as number })]);
    const { events, dropped } = metricsToEvents(scope(metric), opts);
    expect(events).toEqual([]);
    expect(dropped).toEqual([{ reason: "invalid_value", metric: "g", count: 1, example: expect.stringContaining('"12"') as unknown }]);
  });
});

describe("metricsToEvents: client_event_id", () => {
  const idOf = (metric: MetricData, experimentKey = "exp-1") => {
    const { events } = metricsToEvents(scope(metric), { experimentKey });
    expect(events).toHaveLength(1);
    return events[0]?.client_event_id;
  };

  it("a stepped point's id ignores time and value: re-sending the same step is a duplicate", () => {
    const first = idOf(gauge("loss", [point({ value: 0.5, attributes: { step: 4, split: "train" }, endTime: [1_700_000_000, 0] })]));
    const again = idOf(gauge("loss", [point({ value: 0.7, attributes: { split: "train", step: 4 }, endTime: [1_700_000_060, 5] })]));
    expect(again).toBe(first);
  });

  it("points of one call with changing key orders and key sets: order never matters, sets always do", () => {
    const points = [
      point({ value: 1, attributes: { step: 1, split: "a" } }),
      point({ value: 1, attributes: { split: "a", step: 1 } }),
      point({ value: 1, attributes: { split: "a" } }),
      point({ value: 1, attributes: { split: "a", step: 1, rank: 0 } }),
      point({ value: 1, attributes: { rank: 0, step: 1, split: "a" } }),
      point({ value: 1, attributes: { step: 1, splat: "a" } }),
    ];
    const { events } = metricsToEvents(scope(gauge("loss", points)), opts);
    expect(events.map((e) => [e.step, e.metadata])).toEqual([
      [1, { split: "a" }],
      [1, { split: "a" }],
      [null, { split: "a" }],
      [1, { split: "a", rank: 0 }],
      [1, { split: "a", rank: 0 }],
      [1, { splat: "a" }],
    ]);
    const ids = events.map((e) => e.client_event_id);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[4]).toBe(ids[3]);
    expect(new Set([ids[0], ids[2], ids[3], ids[5]]).size).toBe(4);
  });

  it("step given as text is the same step as the number", () => {
    const a = idOf(gauge("loss", [point({ value: 1, attributes: { step: 4 } })]));
    const b = idOf(gauge("loss", [point({ value: 1, attributes: { step: "4" } })]));
    expect(b).toBe(a);
  });

  it("differs by step, metadata, name and experiment", () => {
    const base = idOf(gauge("loss", [point({ value: 1, attributes: { step: 4, split: "train" } })]));
    const others = [
      idOf(gauge("loss", [point({ value: 1, attributes: { step: 5, split: "train" } })])),
      idOf(gauge("loss", [point({ value: 1, attributes: { step: 4, split: "val" } })])),
      idOf(gauge("loss", [point({ value: 1, attributes: { step: 4, split: "train", rank: 0 } })])),
      idOf(gauge("loss", [point({ value: 1, attributes: { step: 4, split: 1 } })])),
      idOf(gauge("loss2", [point({ value: 1, attributes: { step: 4, split: "train" } })])),
      idOf(gauge("loss", [point({ value: 1, attributes: { step: 4, split: "train" } })]), "exp-2"),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it("an unstepped point's id is (start, end, value): a re-sent point is a duplicate, any change is not", () => {
    const at = (value: number, startTime: [number, number], endTime: [number, number]) => {
      const p = point({ value, endTime });
      return idOf(sum("tokens", [{ ...p, startTime }]));
    };
    const a = at(10, [1_699_999_000, 0], [1_700_000_000, 1]);
    expect(at(10, [1_699_999_000, 0], [1_700_000_000, 1])).toBe(a);
    const changed = [
      at(10, [1_699_999_000, 0], [1_700_000_000, 2]),
      // the SDK stamps collections in whole ms: two collections in one ms differ only by value or start
      at(11, [1_699_999_000, 0], [1_700_000_000, 1]),
      at(10, [1_699_999_500, 0], [1_700_000_000, 1]),
    ];
    expect(new Set([a, ...changed]).size).toBe(4);
  });

  it("a decoded point without a start time still maps", () => {
    const p = point({ value: 3 });
    const { events } = metricsToEvents(scope(gauge("g", [{ ...p, startTime: undefined as unknown as [number, number] }])), opts);
    expect(events).toEqual([ev("g", 3, null)]);
  });

  it("histogram components of one point have distinct ids; a stepped and an unstepped point differ", () => {
    const { events } = metricsToEvents(scope(histogram("lat", [point({ value: hist(2, 3, 1, 2), attributes: { step: 1 } })])), opts);
    expect(new Set(events.map((e) => e.client_event_id)).size).toBe(4);
    const stepped = idOf(gauge("g", [point({ value: 1, attributes: { step: 0 } })]));
    const unstepped = idOf(gauge("g", [point({ value: 1, endTime: [0, 0] })]));
    expect(stepped).not.toBe(unstepped);
  });

  it("ids fit the API limit", () => {
    const long = "x".repeat(10_000);
    const id = idOf(gauge(long, [point({ value: 1, attributes: { [long]: long } })]), long);
    expect(id).toMatch(EVENT_ID);
    expect(id?.length).toBeLessThanOrEqual(255);
  });
});

describe("metricsToEvents: consecutive points of one key order", () => {
  it("gives each point the metadata of its own attributes, whether the previous point's values match or not", () => {
    const tags = ["a"];
    const metrics = [
      gauge("loss", [
        point({ value: 1, attributes: { step: 1, split: "train", rank: 0 } }),
        point({ value: 2, attributes: { step: 2, split: "train", rank: 0 } }),
        point({ value: 3, attributes: { step: 3, split: "eval", rank: 0 } }),
        point({ value: 4, attributes: { step: 4, split: "eval", rank: 1 } }),
        point({ value: 5, attributes: { step: 5, split: "eval", rank: 1, tags } }),
      ]),
    ];
    const first = metricsToEvents(scope(...metrics), opts).events;
    tags.push("b"); // the same array object, new content: its metadata text must follow
    const again = metricsToEvents(scope(gauge("loss", [point({ value: 6, attributes: { step: 6, split: "eval", rank: 1, tags } })])), opts).events;
    expect([...first, ...again].map((e) => e.metadata)).toEqual([
      { split: "train", rank: 0 },
      { split: "train", rank: 0 },
      { split: "eval", rank: 0 },
      { split: "eval", rank: 1 },
      { split: "eval", rank: 1, tags: '["a"]' },
      { split: "eval", rank: 1, tags: '["a","b"]' },
    ]);
  });

  it("does not carry a step key's value into the next point's metadata when the step attribute name differs", () => {
    const metrics = scope(gauge("loss", [point({ value: 1, attributes: { epoch: 1, step: 7 } }), point({ value: 2, attributes: { epoch: 2, step: 7 } })]));
    const events = metricsToEvents(metrics, { ...opts, stepAttribute: "epoch" }).events;
    expect(events.map((e) => [e.step, e.metadata])).toEqual([
      [1, { step: 7 }],
      [2, { step: 7 }],
    ]);
  });
});
