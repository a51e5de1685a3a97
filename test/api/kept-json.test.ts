/**
 * The kept JSON text of an event (one serialisation shared by the spool record and the request
 * body) is invisible to everything that looks at the event, and an array is only built from kept
 * texts when every element has one.
 */
import { describe, expect, it } from "vitest";
import { keptBodyBytes } from "../../src/api/kept-batch.ts";
import { keepJson, keepJsonOfAll, keptJson } from "../../src/api/kept-json.ts";

/** The body built from kept texts, as text. */
const keptJsonBody = (key: string, values: object[]): string | undefined => keptBodyBytes(key, values)?.toString("utf8");

const event = (n: number) => ({ client_event_id: `r-${n}`, name: "loss", value: n / 3, step: n, timestamp: 1_700_000_000_000 + n, metadata: { split: "val" } });

describe("kept JSON text", () => {
  it("is invisible to JSON.stringify, Object.keys, Object.entries and for-in", () => {
    const kept = event(1);
    keepJson(kept, JSON.stringify(kept));
    expect(keptJson(kept)).toBe(JSON.stringify(event(1)));
    expect(JSON.stringify(kept)).toBe(JSON.stringify(event(1)));
    expect(Object.keys(kept)).toEqual(Object.keys(event(1)));
    expect(Object.entries(kept)).toEqual(Object.entries(event(1)));
    const keys: string[] = [];
    for (const key in kept) keys.push(key);
    expect(keys).toEqual(Object.keys(event(1)));
  });

  it("is not given to a copy, which may be changed afterwards", () => {
    const kept = event(1);
    keepJson(kept, JSON.stringify(kept));
    const copy = { ...kept, value: 99 };
    expect(keptJson(copy)).toBeUndefined();
    expect(keptJsonBody("metrics", [kept, copy])).toBeUndefined();
  });

  it("keepJsonOfAll serialises only what has no text yet, and skips what JSON refuses", () => {
    const first = event(1);
    keepJson(first, '{"kept":1}');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const frozen = Object.freeze(event(3));
    keepJsonOfAll([first, event(2), cyclic, frozen]);
    expect(keptJson(first)).toBe('{"kept":1}');
    expect(keptJson(cyclic)).toBeUndefined();
    expect(keptJson(frozen)).toBeUndefined();
    const second = event(2);
    keepJsonOfAll([second]);
    expect(keptJson(second)).toBe(JSON.stringify(event(2)));
  });

  it("builds JSON.stringify({ [key]: values }) from the kept texts, byte for byte", () => {
    const events = [event(1), event(2), event(3)];
    for (const e of events) keepJson(e, JSON.stringify(e));
    expect(keptJsonBody("metrics", events)).toBe(JSON.stringify({ metrics: events }));
    expect(keptJsonBody("annotations", events.slice(0, 1))).toBe(JSON.stringify({ annotations: events.slice(0, 1) }));
    expect(keptJsonBody("metrics", [])).toBe('{"metrics":[]}');
    expect(events.map(keptJson)).toEqual(events.map((e) => JSON.stringify(e))); // the kept texts are left as they were
  });

  it("uses the kept text, not the object (the reuse is real)", () => {
    const e = event(1);
    keepJson(e, '{"kept":true}');
    expect(keptJsonBody("metrics", [e])).toBe('{"metrics":[{"kept":true}]}');
  });

  it("gives nothing when one value has no kept text", () => {
    const events = [event(1), event(2), event(3)];
    keepJson(events[0]!, JSON.stringify(events[0]));
    keepJson(events[2]!, JSON.stringify(events[2]));
    expect(keptJson(events[1]!)).toBeUndefined();
    expect(keptJsonBody("metrics", events)).toBeUndefined();
  });
});
