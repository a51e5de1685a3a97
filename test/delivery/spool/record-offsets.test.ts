/**
 * RecordOffsets on its own (no files): when a group of 1,024 records forgets its per-record
 * offsets, and that it learns them again from the group's bytes, seqs without bytes (gaps) included.
 */
import { describe, expect, it } from "vitest";
import { RECORD_HEADER_BYTES } from "../../../src/delivery/spool/record-format.ts";
import { OFFSET_GROUP_RECORDS as N, RecordOffsets } from "../../../src/delivery/spool/record-offsets.ts";

const START = 64; // where the first record goes (after a segment header)

/** One group of N records from seq 100: payload length `len(i)` (0 = a gap: no bytes, no header). Returns the offsets and the group's bytes. */
function group(len: (i: number) => number): { offsets: RecordOffsets; bytes: Uint8Array; ends: number[] } {
  const offsets = new RecordOffsets(START);
  const chunks: Uint8Array[] = [];
  const ends: number[] = [];
  let end = START;
  for (let i = 0; i < N; i++) {
    const n = len(i);
    if (n > 0) {
      const record = new Uint8Array(RECORD_HEADER_BYTES + n);
      new DataView(record.buffer).setUint32(0, n, true);
      chunks.push(record);
      end += record.length;
    }
    ends.push(end);
    offsets.push(100 + i, end);
  }
  return { offsets, bytes: Buffer.concat(chunks), ends };
}

const gapEvery7 = (i: number): number => (i % 7 === 3 ? 0 : 10 + (i % 5));

describe("RecordOffsets", () => {
  it("a group with gaps forgets its offsets once every other record is released, and learns them again from its bytes", () => {
    const { offsets, bytes, ends } = group(gapEvery7);
    const before = Array.from({ length: N }, (_, i) => offsets.range(100 + i));
    expect(offsets.slots).toBe(N);
    offsets.release(100, N);
    expect(offsets.slots).toBe(0);
    expect(offsets.range(100)).toBeUndefined();
    // How many records of a run have bytes is known without the offsets (an ack run over the group).
    const gaps = ends.filter((_, i) => gapEvery7(i) === 0).length;
    expect(offsets.withBytes(100, 100 + N - 1)).toBe(N - gaps);

    expect(offsets.relearn(0, bytes)).toBe(true);
    expect(Array.from({ length: N }, (_, i) => offsets.range(100 + i))).toEqual(before);
  });

  it("acknowledged records count as away: a group of acknowledged and released records is forgotten; repeated acks count once", () => {
    const { offsets } = group(() => 12);
    offsets.settle(100, 10);
    offsets.settle(100, 10); // a repeated ack
    offsets.release(110, N - 11);
    expect(offsets.slots).toBe(N); // one record still in the owner's memory
    offsets.settle(100 + N - 1, 1);
    expect(offsets.slots).toBe(0);
  });

  it("a group pinned for a read keeps its offsets while acks of the events in memory leave every record away", () => {
    const { offsets } = group(() => 12);
    offsets.release(200, N - 100); // spilled; records 100..199 are still in the owner's memory
    offsets.pin(0); // a refill starts reading the spilled ones
    offsets.settle(100, 100); // meanwhile, the events in memory are delivered
    expect(offsets.range(200)).toBeDefined();
    expect(offsets.slots).toBe(N);
  });

  it("a group being read back is forgotten only once all its records are acknowledged, not between refills", () => {
    const { offsets, bytes } = group(() => 12);
    offsets.release(100, N);
    expect(offsets.relearn(0, bytes)).toBe(true);
    // The first refill: 50 records read back, then acknowledged; the rest still to read.
    for (let i = 0; i < 50; i++) offsets.readBack(100 + i);
    offsets.settle(100, 50);
    expect(offsets.slots).toBe(N);
    expect(offsets.range(150)).toBeDefined(); // the next refill reads without learning the group again
    for (let i = 50; i < N; i++) offsets.readBack(100 + i);
    offsets.settle(150, N - 50);
    expect(offsets.slots).toBe(0);
  });
});
