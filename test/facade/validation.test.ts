import { describe, expect, it } from "vitest";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { facadeLimits } from "../../src/facade/limits.ts";
import { testExperiment } from "./helpers.ts";

type Call = (e: ReturnType<typeof testExperiment>["experiment"]) => void;

const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

// Each row: a bad call, the field its error must name. Typed through `never` where the type system would refuse the call.
const badCalls: [string, Call, string][] = [
  ["NaN value", (e) => e.metric("loss", NaN, { step: 0 }), "value"],
  ["Infinity value", (e) => e.metric("loss", Infinity, { step: 0 }), "value"],
  ["-Infinity value", (e) => e.metric("loss", -Infinity, { step: 0 }), "value"],
  ["string value", (e) => e.metric("loss", "0.5" as never, { step: 0 }), "value"],
  ["bigint value", (e) => e.metric("loss", 1n as never, { step: 0 }), "value"],
  ["empty name", (e) => e.metric("", 1, { step: 0 }), "name"],
  ["name starting with a digit", (e) => e.metric("1loss", 1, { step: 0 }), "name"],
  ["name with a space", (e) => e.metric("train loss", 1, { step: 0 }), "name"],
  ["name too long", (e) => e.metric(`l${"o".repeat(facadeLimits.maxMetricNameChars)}`, 1, { step: 0 }), "name"],
  ["non-string name", (e) => e.metric(42 as never, 1, { step: 0 }), "name"],
  ["missing step", (e) => e.metric("loss", 1, {} as never), "step"],
  ["missing options", (e) => e.metric("loss", 1, undefined as never), "step"],
  ["negative step", (e) => e.metric("loss", 1, { step: -1 }), "step"],
  ["fractional step", (e) => e.metric("loss", 1, { step: 1.5 }), "step"],
  ["string step", (e) => e.metric("loss", 1, { step: "3" as never }), "step"],
  ["nested metric metadata", (e) => e.metric("loss", 1, { step: 0, metadata: { split: { name: "train" } } as never }), "metadata.split"],
  ["array metric metadata", (e) => e.metric("loss", 1, { step: 0, metadata: { ranks: [0, 1] } as never }), "metadata.ranks"],
  ["NaN metric metadata", (e) => e.metric("loss", 1, { step: 0, metadata: { lr: NaN } }), "metadata.lr"],
  ["null metric metadata", (e) => e.metric("loss", 1, { step: 0, metadata: { split: null } as never }), "metadata.split"],
  ["too many metadata keys", (e) => e.metric("loss", 1, { step: 0, metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])) }), "metadata"],
  ["metadata not an object", (e) => e.metric("loss", 1, { step: 0, metadata: "train" as never }), "metadata"],
  ["misspelt option", (e) => e.metric("loss", 1, { step: 0, metdata: { split: "train" } } as never), "metdata"],
  ["NaN timestamp", (e) => e.metric("loss", 1, { step: 0, timestamp: NaN }), "timestamp"],
  ["negative timestamp", (e) => e.metric("loss", 1, { step: 0, timestamp: -5 }), "timestamp"],
  ["string timestamp", (e) => e.metric("loss", 1, { step: 0, timestamp: "2024-01-01" as never }), "timestamp"],
  // The server takes timestamps as safe integers of ms: one beyond that would fail its whole batch.
  ["timestamp past the last Date (ms)", (e) => e.metric("loss", 1, { step: 0, timestamp: 8.64e15 + 1 }), "timestamp"],
  ["timestamp of 1e20", (e) => e.metric("loss", 1, { step: 0, timestamp: 1e20 }), "timestamp"],
  ["annotation timestamp of 1e300", (e) => e.annotation("late", { timestamp: 1e300 }), "timestamp"],
  ["oversized annotation text", (e) => e.annotation("x".repeat(facadeLimits.maxAnnotationTextChars + 1)), "text"],
  ["empty annotation text", (e) => e.annotation(""), "text"],
  ["oversized annotation metadata", (e) => e.annotation("big", { metadata: { blob: "y".repeat(facadeLimits.maxAnnotationMetadataBytes) } }), "metadata"],
  ["NaN deep in annotation metadata", (e) => e.annotation("n", { metadata: { eval: { scores: [1, NaN] } } }), "metadata.eval.scores[1]"],
  ["undefined in annotation metadata", (e) => e.annotation("u", { metadata: { path: undefined } as never }), "metadata.path"],
  ["circular annotation metadata", (e) => e.annotation("c", { metadata: circular as never }), "metadata.self"],
  ["Map as annotation metadata", (e) => e.annotation("m", { metadata: new Map() as never }), "metadata"],
];

describe("metric() and annotation() validation", () => {
  it.each(badCalls)("%s → SyvainValidationError naming the field", (_label, call, field) => {
    const { experiment } = testExperiment();
    let caught: unknown;
    try {
      call(experiment);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SyvainValidationError);
    const error = caught as SyvainValidationError;
    expect(error.code).toBe("invalid_argument");
    expect(error.field).toBe(field);
    expect(error.message).toContain(`\`${field}\``);
    expect(error.message).toContain('experiment "unit-run"');
  });

  it("a rejected call loses nothing else: every valid event around the bad ones is delivered", async () => {
    const { experiment, sink } = testExperiment();
    experiment.start({ installHooks: false });
    let rejected = 0;
    badCalls.forEach(([, call], index) => {
      experiment.metric("loss", index, { step: index, metadata: { split: "train" } });
      try {
        call(experiment);
      } catch (error) {
        if (error instanceof SyvainValidationError) rejected++;
        else throw error;
      }
    });
    experiment.annotation("all bad calls made", { metadata: { rejected } });
    experiment.done();
    const status = await experiment.flushOrRaise();
    expect(rejected).toBe(badCalls.length);
    expect(status.ok).toBe(true);
    expect(sink.metrics.map((m) => m.step)).toEqual(badCalls.map((_, i) => i));
    expect(sink.annotations.map((a) => a.metadata)).toEqual([{ rejected }]);
    expect(sink.statuses).toEqual(["running", "done"]);
    expect(experiment.stats().metrics).toMatchObject({ enqueued: badCalls.length, accepted: badCalls.length, dropped: 0, failed: 0 });
  });

  it("step is required by the type, not only at run time", () => {
    const { experiment } = testExperiment();
    // @ts-expect-error `step` is required: pass a number, or null for an event without a step
    expect(() => experiment.metric("loss", 1, {})).toThrow(SyvainValidationError);
    // @ts-expect-error the options object is required
    expect(() => experiment.metric("loss", 1)).toThrow(SyvainValidationError);
    // @ts-expect-error metric metadata is flat
    expect(() => experiment.metric("loss", 1, { step: 0, metadata: { nested: { a: 1 } } })).toThrow(SyvainValidationError);
  });

  it("error messages show the bad value and its type", () => {
    const { experiment } = testExperiment();
    expect(() => experiment.metric("loss", NaN, { step: 3 })).toThrow(/got NaN \(number\)/);
    expect(() => experiment.metric("loss", 1, { step: 0, metadata: { split: { a: 1 } } as never })).toThrow(/got \{"a":1\} \(object\)/);
  });
});

describe("metric() accepts what the docs allow", () => {
  it("step null, scalar metadata of each type, the longest name, a `__proto__` label kept as data", async () => {
    const { experiment, sink } = testExperiment();
    const longName = `a${"b".repeat(facadeLimits.maxMetricNameChars - 1)}`;
    experiment.metric("eval/accuracy", 0.9, { step: null, metadata: { split: "validation", rank: 0, ema: true } });
    experiment.metric(longName, -0.5, { step: Number.MAX_SAFE_INTEGER });
    experiment.metric("loss", 1, { step: 0, metadata: JSON.parse('{"__proto__": "x"}') as Record<string, string> });
    await experiment.flushOrRaise();
    expect(sink.metrics.map(({ name, value, step, metadata }) => ({ name, value, step, metadata }))).toEqual([
      { name: "eval/accuracy", value: 0.9, step: null, metadata: { split: "validation", rank: 0, ema: true } },
      { name: longName, value: -0.5, step: Number.MAX_SAFE_INTEGER, metadata: {} },
      { name: "loss", value: 1, step: 0, metadata: JSON.parse('{"__proto__": "x"}') as object },
    ]);
    expect(Object.getPrototypeOf(sink.metrics[2]!.metadata)).toBe(Object.prototype);
  });

  it("labels equal to the previous call's share its copy; any change of key, order or value makes a new one", async () => {
    const { experiment, sink } = testExperiment();
    const nullPrototype = Object.create(null) as Record<string, unknown>;
    nullPrototype.split = "train";
    const mutated: Record<string, string> = { split: "train" };
    const calls: Record<string, unknown>[] = [{ split: "train" }, { split: "train" }, mutated, { split: "eval" }, { split: "train", rank: 0 }, { rank: 0, split: "train" }, nullPrototype, { split: "train" }];
    calls.forEach((metadata, step) => experiment.metric("loss", step, { step, metadata: metadata as Record<string, string> }));
    mutated.split = "changed after the call";
    experiment.metric("loss", 8, { step: 8 });
    experiment.metric("loss", 9, { step: 9 });
    await experiment.flushOrRaise();
    const sent = sink.metrics.map((m) => m.metadata);
    // What each event carries is what its call passed, in the caller's key order.
    expect(sent.map((m) => JSON.stringify(m))).toEqual([
      '{"split":"train"}',
      '{"split":"train"}',
      '{"split":"train"}',
      '{"split":"eval"}',
      '{"split":"train","rank":0}',
      '{"rank":0,"split":"train"}',
      '{"split":"train"}',
      '{"split":"train"}',
      "{}",
      "{}",
    ]);
    expect(sent[1]).toBe(sent[0]);
    expect(sent[2]).toBe(sent[0]);
    expect(sent[3]).not.toBe(sent[0]);
    expect(sent[5]).not.toBe(sent[4]);
    expect(sent[6]).not.toBe(sent[5]);
    expect(sent[7]).toBe(sent[6]);
    expect(sent[9]).toBe(sent[8]);
  });

  it("annotation text at the limit and metadata just under the byte limit are accepted", async () => {
    const { experiment, sink } = testExperiment();
    const text = "t".repeat(facadeLimits.maxAnnotationTextChars);
    const overhead = JSON.stringify({ blob: "" }).length;
    const blob = "y".repeat(facadeLimits.maxAnnotationMetadataBytes - overhead);
    experiment.annotation(text, { metadata: { blob } });
    await experiment.flushOrRaise();
    expect(sink.annotations).toHaveLength(1);
    expect(sink.annotations[0]!.text).toHaveLength(facadeLimits.maxAnnotationTextChars);
  });

  it("the annotation limit counts characters (code points), as the server does: 16,000 emoji pass, one more does not", async () => {
    const { experiment, sink } = testExperiment();
    const emoji = "🚀".repeat(facadeLimits.maxAnnotationTextChars);
    experiment.annotation(emoji);
    expect(() => experiment.annotation(`${emoji}🚀`)).toThrow(SyvainValidationError);
    await experiment.flushOrRaise();
    expect(sink.annotations.map((a) => a.text)).toEqual([emoji]);
  });

  it("the latest timestamp a Date can hold is accepted, in ms or as a Date", async () => {
    const { experiment, sink } = testExperiment();
    experiment.metric("loss", 1, { step: 0, timestamp: 8.64e15 });
    experiment.metric("loss", 2, { step: 1, timestamp: new Date(8.64e15) });
    await experiment.flushOrRaise();
    expect(sink.metrics.map((m) => m.timestamp)).toEqual([8.64e15, 8.64e15]);
  });
});
