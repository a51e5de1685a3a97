/**
 * The flusher serialises each JSON payload once and keeps the text on it for the request body
 * (src/api/kept-json.ts); a text kept earlier is the one written. The bytes on disk stay those of
 * JSON.stringify, and a payload that cannot carry a text (frozen, a primitive) is still written.
 */
import { describe, expect, it } from "vitest";
import { keepJsonBatch } from "../../../src/api/kept-batch.ts";
import { keepJson, keptJson, keptOf } from "../../../src/api/kept-json.ts";
import { JsonEnvelope, openSpool } from "../../../src/delivery/spool/index.ts";
import { adoptAll, markDead, tmpSpoolDir } from "./spool-helpers.ts";

const event = (n: number) => ({ client_event_id: `r-${n}`, name: "train/loss", value: n / 3, step: n, timestamp: 1_700_000_000_000 + n, metadata: { note: "é \"q\"" } });

async function writtenPayloads(write: (spool: Awaited<ReturnType<typeof openSpool>>) => void): Promise<string[]> {
  const dir = tmpSpoolDir();
  const spool = await openSpool({ dir, syncIntervalMs: 0 });
  write(spool);
  await spool.whenDurable();
  await spool.close();
  markDead(spool.dir);
  const { spool: next, records } = await adoptAll(dir);
  await next.close();
  return records.map((r) => r.payload.toString("utf8"));
}

describe("the flusher keeps each payload's JSON text", () => {
  it("keeps JSON.stringify(payload) on each written object, envelope or not, and writes the same bytes as before", async () => {
    const envelope = JsonEnvelope.around({ x: "slug", i: "exp-1" }, "e");
    const events = [event(1), event(2)];
    const plain = { plain: true };
    expect(events.map(keptJson)).toEqual([undefined, undefined]); // nothing before the flusher ran
    const payloads = await writtenPayloads((spool) => {
      for (const e of events) spool.append(2, e, envelope);
      spool.append(1, plain);
    });
    expect(events.map(keptJson)).toEqual(events.map((e) => JSON.stringify(e)));
    expect(keptJson(plain)).toBe('{"plain":true}');
    expect(payloads).toEqual([...events.map((e) => JSON.stringify({ x: "slug", i: "exp-1", e })), '{"plain":true}']);
  });

  it("serialises the events of a write at once, each keeping its bytes in one shared text", async () => {
    const envelope = JsonEnvelope.around({ x: "slug", i: "exp-1" }, "e");
    const events = Array.from({ length: 50 }, (_, n) => event(n));
    const payloads = await writtenPayloads((spool) => {
      for (const e of events) spool.append(2, e, envelope);
    });
    expect(new Set(events.map((e) => keptOf(e)?.bytes)).size).toBe(1);
    expect(events.map(keptJson)).toEqual(events.map((e) => JSON.stringify(e)));
    expect(payloads).toEqual(events.map((e) => JSON.stringify({ x: "slug", i: "exp-1", e })));
  });

  it("writes the bytes an event kept in a request body sent before the flush", async () => {
    const events = [event(1), event(2), event(3)];
    keepJsonBatch("metrics", events);
    const body = keptOf(events[0]!)!.bytes!;
    body.write("R", keptOf(events[1]!)!.start + 2, "latin1"); // `{"client_event_id"` → `{"Rlient_event_id"`: shows the kept bytes are the ones written
    const payloads = await writtenPayloads((spool) => {
      for (const e of events) spool.append(2, e, JsonEnvelope.around({ x: "s", i: null }, "e"));
    });
    expect(payloads[1]).toBe(`{"x":"s","i":null,"e":${JSON.stringify(events[1]).replace("client_event_id", "Rlient_event_id")}}`);
    expect([payloads[0], payloads[2]]).toEqual([events[0], events[2]].map((e) => JSON.stringify({ x: "s", i: null, e })));
  });

  it("writes a text kept before the flush instead of serialising again", async () => {
    const e = event(1);
    keepJson(e, '{"kept":1}');
    const payloads = await writtenPayloads((spool) => spool.append(2, e, JsonEnvelope.around({ x: "s", i: null }, "e")));
    expect(payloads).toEqual(['{"x":"s","i":null,"e":{"kept":1}}']);
  });

  it("still writes payloads that cannot keep a text: frozen objects and primitives", async () => {
    const frozen = Object.freeze(event(3));
    const payloads = await writtenPayloads((spool) => {
      spool.append(2, frozen);
      spool.append(1, "text");
      spool.append(1, 42);
    });
    expect(payloads).toEqual([JSON.stringify(event(3)), '"text"', "42"]);
    expect(keptJson(frozen)).toBeUndefined();
  });
});
