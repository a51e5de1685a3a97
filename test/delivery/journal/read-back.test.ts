/**
 * A spilled event read back from the spool comes with its JSON kept for the request body (no second
 * serialisation, no parse: a range of the read's buffer), and that text is exactly JSON.stringify
 * of the event; a record without the journal's envelope is still read through the general decoder.
 */
import { describe, expect, it } from "vitest";
import type { MetricEvent } from "../../../src/api/contract.ts";
import { keptJson, keptOf } from "../../../src/api/kept-json.ts";
import { SpoolJournal } from "../../../src/delivery/journal/outbox-journal.ts";
import { eventOfOwnRecord } from "../../../src/delivery/journal/read-back.ts";
import { JsonEnvelope, openSpool } from "../../../src/delivery/spool/index.ts";
import { tmpSpoolDir } from "../spool/spool-helpers.ts";

const metric = (n: number): MetricEvent => ({
  client_event_id: `id-${n}`,
  name: "train/loss",
  value: n === 2 ? -0 : n / 7,
  step: n,
  timestamp: 1_700_000_000_000 + n,
  metadata: { split: "val ✓ \u2028 \"q\" \ud800", big: 1e21 },
});

describe("reading a spilled event back", () => {
  it("gives the event with its JSON kept: the text JSON.stringify would write", async () => {
    const spool = await openSpool({ dir: tmpSpoolDir(), syncIntervalMs: 0 });
    const journal = new SpoolJournal({ spool, slug: "slug-ü", experimentId: "exp-1" });
    const events = [1, 2, 3].map(metric);
    const refs = events.map((e) => journal.metric(e)!);
    await spool.whenDurable();
    const back = await journal.readBack("metric", refs);
    expect(back.map((e) => JSON.stringify(e))).toEqual(events.map((e) => JSON.stringify(e)));
    expect(back.map((e) => keptJson(e!))).toEqual(events.map((e) => JSON.stringify(e)));
    expect(back.every((e) => keptOf(e!)?.bytes !== undefined)).toBe(true); // bytes of the read, no text kept
    await spool.close();
  });

  it("gives the events of one read as ranges of one buffer: no parse, view or copy per event", async () => {
    const spool = await openSpool({ dir: tmpSpoolDir(), syncIntervalMs: 0 });
    const journal = new SpoolJournal({ spool, slug: "slug", experimentId: "exp-1" });
    const events = Array.from({ length: 1000 }, (_, i) => metric(i));
    const refs = events.map((e) => journal.metric(e)!);
    await spool.whenDurable();
    const back = await journal.readBack("metric", refs);
    // One read of consecutive records: every event's bytes are a range of its buffer (before: a view each).
    expect(new Set(back.map((e) => keptOf(e!)!.bytes)).size).toBe(1);
    expect(back.map((e) => keptJson(e!))).toEqual(events.map((e) => JSON.stringify(e)));
    // Nothing was parsed for delivery; a field is parsed when read.
    expect(Object.keys(back[0]!)).toEqual([]);
    expect(back.map((e) => e!.client_event_id)).toEqual(events.map((e) => e.client_event_id));
    expect((back[7] as MetricEvent).metadata).toEqual(events[7]!.metadata);
    await spool.close();
  });

  it("reads a record without the envelope's bytes through the general decoder, and refuses one that is not an event", () => {
    const envelope = JsonEnvelope.around({ x: "slug", i: "exp-1" }, "e");
    const other = Buffer.from(JSON.stringify({ i: "exp-1", x: "slug", e: metric(4) }));
    const decoded = eventOfOwnRecord(2, other, 0, other.length, envelope);
    expect(JSON.stringify(decoded)).toBe(JSON.stringify(metric(4)));
    expect(keptJson(decoded!)).toBeUndefined();
    const notAnEvent = Buffer.concat([envelope.head, Buffer.from("[1,2]"), envelope.tail]);
    expect(eventOfOwnRecord(2, notAnEvent, 0, notAnEvent.length, envelope)).toBeUndefined();
    const torn = Buffer.concat([envelope.head, Buffer.from('{"client_event_id":'), envelope.tail]);
    expect(eventOfOwnRecord(2, torn, 0, torn.length, envelope)).toBeUndefined();
  });
});
