/** Durability rules 5 and 6: torn tails and damaged records are skipped and counted, never fatal. */
import { describe, expect, it } from "vitest";
import { ChunkEncoder } from "../../../src/delivery/spool/chunk-encoder.ts";
import { encodeSegmentHeader, SEGMENT_HEADER_BYTES } from "../../../src/delivery/spool/segment-header.ts";
import { scanRecords } from "../../../src/delivery/spool/segment-scan.ts";

function segmentWith(count: number): { buf: Buffer; ends: number[] } {
  const payloads = Array.from({ length: count }, (_, i) => ({ n: i, name: `loss/${i % 3}`, value: i * 0.5 }));
  const chunk = new ChunkEncoder(1024).encode({
    items: payloads.flatMap((payload) => [1, payload, undefined]),
    from: 0,
    base: SEGMENT_HEADER_BYTES,
    segmentBytes: Infinity,
    flushBytes: Infinity,
  });
  const header = encodeSegmentHeader({ segmentId: 1, createdAtMs: 0, writerId: 7 });
  return { buf: Buffer.concat([header, chunk.buf.subarray(0, chunk.length)]), ends: chunk.ends };
}

const numbers = (buf: Buffer) => scanRecords(buf, SEGMENT_HEADER_BYTES).records.map((r) => (JSON.parse(r.payload.toString()) as { n: number }).n);

describe("scanRecords", () => {
  it("reads back every record of an intact segment", () => {
    const { buf } = segmentWith(20);
    const scan = scanRecords(buf, SEGMENT_HEADER_BYTES);
    expect(scan.records.map((r) => JSON.parse(r.payload.toString()) as unknown)).toEqual(Array.from({ length: 20 }, (_, i) => ({ n: i, name: `loss/${i % 3}`, value: i * 0.5 })));
    expect(scan).toMatchObject({ tornTails: 0, corruptRecords: 0 });
  });

  it("(a) truncated at every byte of the last 3 records: all complete records back, a torn tail counted", () => {
    const { buf, ends } = segmentWith(10);
    const from = ends[6]!; // end of record 6 = start of record 7
    for (let cut = from; cut <= buf.length; cut++) {
      const scan = scanRecords(buf.subarray(0, cut), SEGMENT_HEADER_BYTES);
      const complete = ends.filter((end) => end <= cut).length;
      expect(scan.records.length).toBe(complete);
      expect(scan.tornTails).toBe(ends.includes(cut) ? 0 : 1);
      expect(scan.corruptRecords).toBe(0);
    }
  });

  it("(b) a bit flipped anywhere in a middle record: only that record is skipped, and counted", () => {
    const { buf, ends } = segmentWith(9);
    const start = ends[3]!;
    const end = ends[4]!; // record 4
    const expected = [0, 1, 2, 3, 5, 6, 7, 8];
    for (let at = start; at < end; at++) {
      for (const bit of [0, 3, 7]) {
        const damaged = Buffer.from(buf);
        damaged[at]! ^= 1 << bit;
        const scan = scanRecords(damaged, SEGMENT_HEADER_BYTES);
        expect(numbers(damaged), `byte ${at - start} bit ${bit}`).toEqual(expected);
        expect(scan.corruptRecords).toBe(1);
        expect(scan.tornTails).toBe(0);
      }
    }
  });

  it("zero-filled pages (what a power loss can leave) parse as nothing and end the scan as a torn tail", () => {
    const { buf } = segmentWith(3);
    const scan = scanRecords(Buffer.concat([buf, Buffer.alloc(4096)]), SEGMENT_HEADER_BYTES);
    expect(scan.records).toHaveLength(3);
    expect(scan.tornTails).toBe(1);
  });
});
