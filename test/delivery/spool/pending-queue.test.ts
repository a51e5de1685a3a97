/**
 * The spool's pending queue: appends fill small arrays (so V8 keeps them young), the flusher takes
 * them one at a time. Whatever the interleaving, the flusher sees every record once, in append
 * order, numbered with the seq `append()` gave it.
 */
import { describe, expect, it } from "vitest";
import { PENDING_CHUNK_RECORDS, PENDING_STRIDE, PendingQueue } from "../../../src/delivery/spool/pending-queue.ts";

/** Appends `n` records whose payload is their seq; returns the next seq. */
function appendMany(queue: PendingQueue, nextSeq: number, n: number): number {
  for (let i = 0; i < n; i++) queue.push(1, nextSeq + i, undefined);
  return nextSeq + n;
}

/** Takes up to `max` records the way the flusher does; returns [seq it computes, payload] pairs. */
function flushSome(queue: PendingQueue, nextSeq: number, max: number): [number, unknown][] {
  queue.refill(nextSeq);
  const taken: [number, unknown][] = [];
  while (queue.batchIndex < queue.batchRecords && taken.length < max) {
    taken.push([queue.batchBaseSeq + queue.batchIndex, queue.batch[queue.batchIndex * PENDING_STRIDE + 1]]);
    queue.batchIndex++;
  }
  return taken;
}

describe("PendingQueue", () => {
  it("hands every record to the flusher once, in order, with its own seq, across array boundaries", () => {
    const queue = new PendingQueue();
    let nextSeq = 1;
    const seen: [number, unknown][] = [];
    // Appends and partial flushes interleaved, crossing several array boundaries.
    for (const [append, take] of [[2500, 700], [10, 5000], [PENDING_CHUNK_RECORDS * 3 + 1, 1], [0, 100_000], [3, 100_000]] as const) {
      nextSeq = appendMany(queue, nextSeq, append);
      for (let left = take; left > 0 && queue.unwritten > 0; ) {
        const got = flushSome(queue, nextSeq, left);
        seen.push(...got);
        left -= got.length;
      }
    }
    expect(queue.unwritten).toBe(0);
    expect(seen.length).toBe(nextSeq - 1);
    for (const [seq, payload] of seen) expect(payload).toBe(seq);
    expect(seen.map(([seq]) => seq)).toEqual(Array.from({ length: nextSeq - 1 }, (_, i) => i + 1));
  });

  it("counts appends since the flusher last took an array (the spool's flush-now mark)", () => {
    const queue = new PendingQueue();
    let count = 0;
    for (let i = 0; i < PENDING_CHUNK_RECORDS * 2 + 5; i++) count = queue.push(1, i, undefined);
    expect(count).toBe(PENDING_CHUNK_RECORDS * 2 + 5);
    expect(queue.unwritten).toBe(count);
  });

  it("rest() returns everything unwritten in order, the flusher's batch first", () => {
    const queue = new PendingQueue();
    const nextSeq = appendMany(queue, 1, PENDING_CHUNK_RECORDS * 2 + 7);
    const taken = flushSome(queue, nextSeq, 10);
    const rest = queue.rest();
    const payloads = rest.filter((_, i) => i % PENDING_STRIDE === 1);
    expect(payloads).toEqual(Array.from({ length: nextSeq - 1 - taken.length }, (_, i) => taken.length + 1 + i));
  });
});
