/**
 * The spool's cheap write path keeps the on-disk bytes: an envelope writes exactly what
 * `JSON.stringify({ x, i, e })` would, acks given as runs count each record once, and the
 * slicing-by-8 checksum equals the bit-by-bit definition.
 */
import { describe, expect, it } from "vitest";
import { crc32c, JsonEnvelope, openSpool } from "../../../src/delivery/spool/index.ts";
import { adoptAll, jsonOf, markDead, segmentFiles, tmpSpoolDir } from "./spool-helpers.ts";

const event = (n: number) => ({ name: "train/loss", value: n / 3, step: n, timestamp: 1_700_000_000_000 + n, client_event_id: `r-${n}`, metadata: { note: "é ✓ \u2028 \"q\"" } });

describe("JsonEnvelope", () => {
  it("writes the bytes of JSON.stringify({ x, i, e }), server id or not", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0 });
    const withId = JsonEnvelope.around({ x: "slug-ü", i: "exp-1" }, "e");
    const offline = JsonEnvelope.around({ x: "slug", i: null }, "e");
    spool.append(2, event(1), withId);
    spool.append(3, event(2), offline);
    spool.append(2, { plain: true });
    await spool.whenDurable();
    await spool.close();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map((r) => r.payload.toString("utf8"))).toEqual([
      JSON.stringify({ x: "slug-ü", i: "exp-1", e: event(1) }),
      JSON.stringify({ x: "slug", i: null, e: event(2) }),
      JSON.stringify({ plain: true }),
    ]);
    expect(records.map((r) => r.type)).toEqual([2, 3, 2]);
    await next.close();
  });

  it("around no fields is just the keyed object", () => {
    const envelope = JsonEnvelope.around({}, "e");
    expect(`${envelope.head.toString()}1${envelope.tail.toString()}`).toBe(JSON.stringify({ e: 1 }));
  });
});

describe("Spool.ack with runs", () => {
  it("counts each record once whether acked before or after the write, repeated or overlapping", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0 });
    const refs = Array.from({ length: 10 }, (_, n) => spool.append(1, { n })!);
    spool.ack([refs[2]!, refs[3]!]); // before the write: kept as an early run
    spool.ack([refs[2]!, refs[3]!]); // repeated before the write
    await spool.whenDurable();
    spool.ack(refs.slice(0, 6)); // written now; overlaps the early run
    spool.ack(refs.slice(0, 6)); // repeated
    await spool.whenDurable();
    expect(spool.stats()).toMatchObject({ acked: 6, recordsOnDisk: 4 });
    await spool.close();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map(jsonOf)).toEqual([{ n: 6 }, { n: 7 }, { n: 8 }, { n: 9 }]);
    next.ack(records.map((r) => r.ref));
    await next.close();
  });

  it("acks a run that crosses a segment rotation", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0, segmentBytes: 4096 });
    const refs = Array.from({ length: 200 }, (_, n) => spool.append(1, { n, pad: "x".repeat(40) })!);
    await spool.whenDurable();
    expect(segmentFiles(spool.dir).length).toBeGreaterThan(2);
    spool.ack(refs.slice(0, 150));
    await spool.whenDurable();
    expect(spool.stats()).toMatchObject({ acked: 150, recordsOnDisk: 50 });
    await spool.close();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map((r) => (jsonOf(r) as { n: number }).n)).toEqual(Array.from({ length: 50 }, (_, k) => 150 + k));
    await next.close();
  });
});

describe("crc32c slicing-by-8", () => {
  it("equals the bitwise definition for every length and offset", () => {
    const bitwise = (bytes: Uint8Array, start: number, end: number): number => {
      let c = 0xffffffff;
      for (let i = start; i < end; i++) {
        c ^= bytes[i]!;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 151 + 7) & 0xff));
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= bytes.length; end += 7) expect(crc32c(bytes, start, end)).toBe(bitwise(bytes, start, end));
    }
  });
});
