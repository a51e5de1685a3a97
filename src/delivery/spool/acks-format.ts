/**
 * The append-only `acks` file: one 16-byte entry per delivered range,
 *
 *   u32 LE segment id | u32 LE start offset | u32 LE end offset | u32 LE CRC32C of the first 12 bytes
 *
 * Offsets are u32 because a segment is at most 1 GiB (see spool-options.ts). The file is a hint,
 * the segments are the truth: a lost or torn entry only causes a resend the server deduplicates by
 * `client_event_id`, so entries are synced lazily, with the data.
 */
import { crc32c } from "./crc32c.ts";
import { RangeSet } from "./range-set.ts";

export const ACK_ENTRY_BYTES = 16;

export function encodeAck(buf: Buffer, at: number, segmentId: number, start: number, end: number): void {
  buf.writeUInt32LE(segmentId, at);
  buf.writeUInt32LE(start, at + 4);
  buf.writeUInt32LE(end, at + 8);
  buf.writeUInt32LE(crc32c(buf, at, at + 12), at + 12);
}

export interface DecodedAcks {
  /** Acknowledged ranges per segment id. */
  bySegment: Map<number, RangeSet>;
  /** Entries with a bad checksum, plus a torn trailing entry. */
  badEntries: number;
}

/** Never throws: a damaged entry is skipped (its records are just resent). */
export function decodeAcks(buf: Buffer): DecodedAcks {
  const bySegment = new Map<number, RangeSet>();
  let badEntries = buf.length % ACK_ENTRY_BYTES ? 1 : 0;
  for (let at = 0; at + ACK_ENTRY_BYTES <= buf.length; at += ACK_ENTRY_BYTES) {
    if (crc32c(buf, at, at + 12) !== buf.readUInt32LE(at + 12)) {
      badEntries++;
      continue;
    }
    const id = buf.readUInt32LE(at);
    let set = bySegment.get(id);
    if (!set) bySegment.set(id, (set = new RangeSet()));
    set.add(buf.readUInt32LE(at + 4), buf.readUInt32LE(at + 8));
  }
  return { bySegment, badEntries };
}
