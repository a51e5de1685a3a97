/**
 * The outbox appends events queued below the spill window to its spool at the end of the caller's
 * synchronous code (one pass) rather than one call per `metric()`. What must still hold, checked on
 * a real spool in a temp dir: an exit in the same synchronous turn (a signal handler's
 * `persistSync`) writes every queued event; a status record follows the events queued before it on
 * disk; and the next turn has every event in the spool, in order, with nothing sent yet.
 */
import { rm } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AnnotationEvent, MetricEvent } from "../../src/api/contract.ts";
import { SpoolJournal } from "../../src/delivery/journal/outbox-journal.ts";
import { decodeRecord, RecordType } from "../../src/delivery/journal/spool-records.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import type { DeliverySink } from "../../src/delivery/delivery-types.ts";
import { openSpool, type Spool } from "../../src/delivery/spool/index.ts";
import { adoptAll, markDead, tmpSpoolDir } from "./spool/spool-helpers.ts";

let dir: string;
let spool: Spool;
const spools: Spool[] = [];

beforeEach(async () => {
  dir = tmpSpoolDir();
  spool = await openSpool({ dir, syncIntervalMs: 0, onError: () => {} });
  spools.push(spool);
});

afterEach(async () => {
  for (const s of spools.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

/** A sink that never answers: nothing is delivered (or acknowledged) during these tests. */
const silentSink: DeliverySink = { deliver: () => new Promise(() => {}), close: async () => {} };

const metricAt = (i: number): MetricEvent => ({ client_event_id: `m:${i}`, name: "loss", value: i, step: i, timestamp: 1_700_000_000_000 + i, metadata: {} });
const annotationAt = (i: number): AnnotationEvent => ({ client_event_id: `a:${i}`, text: `note ${i}`, timestamp: 1_700_000_000_000 + i, metadata: {} });

function outbox(): Outbox {
  return new Outbox({
    sink: silentSink,
    label: "catch-up",
    journal: new SpoolJournal({ spool, slug: "catch-up", experimentId: "exp-1" }),
    lazyJournal: true,
    flushDelaySeconds: 60,
    onWarning: () => {},
  });
}

/** What a later process finds on disk, in file order: "m:<i>", "a:<i>" or "status:<s>". */
async function recordsOnDisk(): Promise<string[]> {
  markDead(spool.dir);
  const adopted = await adoptAll(dir);
  spools.push(adopted.spool);
  return adopted.records.map((record) => {
    const decoded = decodeRecord(record.type, record.payload);
    if (decoded?.type === RecordType.status) return `status:${decoded.body.s}`;
    if (decoded?.type === RecordType.metric || decoded?.type === RecordType.annotation) return decoded.body.e.client_event_id;
    return `other:${record.type}`;
  });
}

describe("Outbox journal catch-up", () => {
  it("an exit in the same synchronous turn writes every event queued in it, the status after its events", async () => {
    const box = outbox();
    for (let i = 0; i < 300; i++) box.enqueueMetric(metricAt(i));
    box.enqueueAnnotation(annotationAt(0));
    box.enqueueStatus("done");
    for (let i = 300; i < 310; i++) box.enqueueMetric(metricAt(i));
    box.persistSync(); // no turn has passed: a signal handler's path

    const onDisk = await recordsOnDisk();
    const statusAt = onDisk.indexOf("status:done");
    expect(onDisk.filter((id) => id.startsWith("m:"))).toEqual(Array.from({ length: 310 }, (_, i) => `m:${i}`));
    expect(onDisk.filter((id) => id.startsWith("a:"))).toEqual(["a:0"]);
    // Everything queued before the status update is before it on disk.
    expect(statusAt).toBeGreaterThan(onDisk.indexOf("m:299"));
    expect(statusAt).toBeGreaterThan(onDisk.indexOf("a:0"));
  });

  it("by the next turn every queued event is in the spool, though nothing was sent", async () => {
    const box = outbox();
    const appendedBefore = spool.stats().appended;
    for (let i = 0; i < 2500; i++) box.enqueueMetric(metricAt(i));
    for (let i = 0; i < 7; i++) box.enqueueAnnotation(annotationAt(i));
    await nextTurn();
    expect(spool.stats().appended - appendedBefore).toBe(2507);
    await spool.whenDurable();
    await spool.close();
    const onDisk = await recordsOnDisk();
    expect(onDisk.filter((id) => id.startsWith("m:"))).toEqual(Array.from({ length: 2500 }, (_, i) => `m:${i}`));
    expect(onDisk.filter((id) => id.startsWith("a:"))).toEqual(Array.from({ length: 7 }, (_, i) => `a:${i}`));
  });
});
