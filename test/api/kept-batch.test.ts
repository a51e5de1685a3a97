/**
 * One serialisation per batch (src/api/kept-batch.ts): each event keeps the byte range of its JSON
 * inside one body, and whatever is built from those ranges is byte for byte the UTF-8 of
 * JSON.stringify. Where the split would not be certain, each event keeps its own text instead.
 */
import { describe, expect, it } from "vitest";
import { keepJsonBatch, keepJsonOfEvents, keptBodyBytes } from "../../src/api/kept-batch.ts";
import { keepJson, keptJson, keptOf } from "../../src/api/kept-json.ts";

const event = (n: number, metadata: Record<string, unknown> = { split: "val" }) => ({ client_event_id: `r-${n}`, name: "loss", value: n / 3, step: n, timestamp: 1_700_000_000_000 + n, metadata });
const events = (n: number, metadata?: Record<string, unknown>) => Array.from({ length: n }, (_, i) => event(i, metadata));
const utf8 = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), "utf8");

describe("keepJsonBatch", () => {
  it("keeps each event's bytes inside one body, and that body is sent as it is", () => {
    const batch = events(5);
    keepJsonBatch("metrics", batch);
    const body = keptBodyBytes("metrics", batch)!;
    expect(body.equals(utf8({ metrics: batch }))).toBe(true);
    expect(batch.every((e) => keptOf(e)?.bytes === body && keptOf(e)?.text === undefined)).toBe(true);
    expect(batch.map(keptJson)).toEqual(batch.map((e) => JSON.stringify(e)));
    expect(keptBodyBytes("metrics", batch)).toBe(body); // a retry sends the same bytes, built once
  });

  it("builds a body for a part or another order of the batch, and for the other key, from the kept ranges", () => {
    const batch = events(4);
    keepJsonBatch("metrics", batch);
    const whole = keptBodyBytes("metrics", batch)!;
    for (const part of [batch.slice(1, 3), [batch[3]!, batch[0]!], batch.slice(0, 3)]) {
      const body = keptBodyBytes("metrics", part)!;
      expect(body).not.toBe(whole);
      expect(body.equals(utf8({ metrics: part }))).toBe(true);
    }
    expect(keptBodyBytes("annotations", batch)!.equals(utf8({ annotations: batch }))).toBe(true);
  });

  it("splits text with multi-byte characters at byte offsets", () => {
    const batch = events(3, { note: "é 😀 \"q\" \\ \u2028" });
    keepJsonBatch("metrics", batch);
    expect(keptOf(batch[0]!)?.bytes).toBeDefined();
    expect(batch.map(keptJson)).toEqual(batch.map((e) => JSON.stringify(e)));
    expect(keptBodyBytes("metrics", batch)!.equals(utf8({ metrics: batch }))).toBe(true);
  });

  it("falls back to one text per event when metadata holds a look-alike of the boundary", () => {
    const batch = events(3);
    batch[1] = event(1, { rows: [{ client_event_id: "a" }, { client_event_id: "b" }] });
    keepJsonBatch("metrics", batch);
    expect(batch.every((e) => keptOf(e)?.text !== undefined && keptOf(e)?.bytes === undefined)).toBe(true);
    expect(keptBodyBytes("metrics", batch)!.equals(utf8({ metrics: batch }))).toBe(true);
  });

  it("falls back when an event does not start with its id, and when a value is not serialisable", () => {
    const reordered = [event(1), { name: "loss", client_event_id: "x", value: 1 }, event(2)];
    keepJsonBatch("metrics", reordered);
    expect(reordered.map((e) => keptOf(e)?.text)).toEqual(reordered.map((e) => JSON.stringify(e)));
    const withBigInt = [event(1), { ...event(2), value: 10n }, event(3)];
    keepJsonBatch("metrics", withBigInt);
    expect(withBigInt.map((e) => keptOf(e)?.text)).toEqual([JSON.stringify(event(1)), undefined, JSON.stringify(event(3))]);
    expect(keptBodyBytes("metrics", withBigInt)).toBeUndefined();
  });

  it("keeps only what has nothing yet once one event kept something (in one batch), and leaves frozen events alone", () => {
    const batch = events(3);
    keepJson(batch[0]!, '{"kept":0}');
    keepJsonBatch("metrics", batch);
    expect(keptOf(batch[0]!)?.text).toBe('{"kept":0}');
    expect(keptOf(batch[1]!)?.bytes).toBeDefined();
    expect(keptOf(batch[1]!)?.bytes).toBe(keptOf(batch[2]!)?.bytes);
    expect(batch.slice(1).map(keptJson)).toEqual(batch.slice(1).map((e) => JSON.stringify(e)));
    expect(keptBodyBytes("metrics", batch)!.toString()).toBe(`{"metrics":[{"kept":0},${JSON.stringify(batch[1])},${JSON.stringify(batch[2])}]}`);
    const frozen = [event(1), Object.freeze(event(2))];
    keepJsonBatch("metrics", frozen);
    expect(keptOf(frozen[1]!)).toBeUndefined();
    expect(keptBodyBytes("metrics", frozen)).toBeUndefined();
  });

  it("does not give a copy of an event the bytes of the original", () => {
    const batch = events(2);
    keepJsonBatch("metrics", batch);
    expect(keptOf({ ...batch[0]!, value: 99 })).toBeUndefined();
  });
});

describe("keepJsonOfEvents (the spool's flusher)", () => {
  it("keeps ranges of one array's JSON; bodies mixing two such arrays and kept texts are still exact", () => {
    const first = events(3);
    const second = events(2).map((e) => ({ ...e, client_event_id: `s-${e.step}` }));
    expect(keepJsonOfEvents(first)).toBe(true);
    expect(keepJsonOfEvents(second)).toBe(true);
    const texted = event(9);
    keepJson(texted, JSON.stringify(texted));
    const mixed = [first[2]!, second[0]!, texted, first[0]!];
    expect(keptBodyBytes("metrics", mixed)!.equals(utf8({ metrics: mixed }))).toBe(true);
    expect(keptBodyBytes("metrics", first)!.equals(utf8({ metrics: first }))).toBe(true); // one run of ranges
    const runs = [first[0]!, first[1]!, second[0]!, second[1]!, first[2]!, first[1]!];
    expect(keptBodyBytes("metrics", runs)!.equals(utf8({ metrics: runs }))).toBe(true);
  });

  it("keeps nothing when the split is not certain", () => {
    const batch = [event(1), event(2, { rows: [{ client_event_id: "a" }, { client_event_id: "b" }] })];
    expect(keepJsonOfEvents(batch)).toBe(false);
    expect(batch.map((e) => keptOf(e))).toEqual([undefined, undefined]);
  });
});
