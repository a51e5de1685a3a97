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
    // A look-alike inside one event and an event whose id comes second: the counts match (one
    // boundary missing, one false), so only the first-key check keeps the split from going wrong.
    const compensated = [event(1, { rows: [{ client_event_id: "a" }, { client_event_id: "b" }] }), { name: "loss", client_event_id: "x", value: 1 }, event(2)];
    keepJsonBatch("metrics", compensated);
    expect(compensated.map(keptJson)).toEqual(compensated.map((e) => JSON.stringify(e)));
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

describe("kept ranges against random events (a property: whatever is kept is each event's own JSON)", () => {
  // A seeded generator: the same cases every run, many shapes, including the boundary's look-alikes.
  function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  }
  const pieces = ['},{"client_event_id":', "client_event_id", "},{", '"', "\\", "é", "😀", "\u2028", ",", "]}", "{", "x"];

  function value(next: () => number, depth: number): unknown {
    const pick = Math.floor(next() * (depth > 2 ? 4 : 7));
    if (pick === 0) return next() * 1e6 - 5e5;
    if (pick === 1) return Array.from({ length: 1 + Math.floor(next() * 4) }, () => pieces[Math.floor(next() * pieces.length)]).join("");
    if (pick === 2) return next() < 0.5;
    if (pick === 3) return null;
    if (pick === 4) return Array.from({ length: Math.floor(next() * 3) }, () => value(next, depth + 1));
    if (pick === 5) return { client_event_id: value(next, depth + 1), other: value(next, depth + 1) };
    return { [String(pieces[Math.floor(next() * pieces.length)])]: value(next, depth + 1) };
  }

  it("keepJsonBatch and keepJsonOfEvents keep exactly JSON.stringify of each event, and bodies are exact, over 400 random batches", () => {
    const next = random(20261207);
    let split = 0;
    for (let round = 0; round < 400; round++) {
      const n = 1 + Math.floor(next() * 12);
      const batch: object[] = Array.from({ length: n }, (_, i) => event(round * 100 + i, { a: value(next, 0), b: value(next, 0) }));
      if (next() < 0.2) batch[Math.floor(next() * n)] = { name: "id second", client_event_id: `s-${round}`, metadata: { c: value(next, 0) } };
      if (round % 2 === 0) keepJsonBatch("metrics", batch);
      else if (!keepJsonOfEvents(batch)) keepJsonBatch("metrics", batch);
      if (keptOf(batch[0]!)?.bytes !== undefined) split++;
      expect(batch.map(keptJson)).toEqual(batch.map((e) => JSON.stringify(e)));
      const part = batch.filter(() => next() < 0.7).reverse();
      expect(keptBodyBytes("metrics", part)!.equals(utf8({ metrics: part }))).toBe(true);
      expect(keptBodyBytes("annotations", batch)!.equals(utf8({ annotations: batch }))).toBe(true);
    }
    expect(split).toBeGreaterThan(50); // the fast path was taken, not only the fallback
    expect(split).toBeLessThan(400); // and look-alikes made it fall back
  });
});
