/**
 * Reads the records of one segment's bytes, never throwing: a torn tail (the process was killed
 * mid-write) ends the scan and is counted; a damaged record is skipped by resynchronising on the
 * next offset where a complete record with a valid checksum starts, and is counted.
 */
import { recordEndAt, RECORD_HEADER_BYTES } from "./record-format.ts";

export interface ScannedRecord {
  type: number;
  /** Byte offsets of the whole record (header included) inside the segment. */
  start: number;
  end: number;
  payload: Buffer;
}

export interface SegmentScan {
  records: ScannedRecord[];
  /** 1 if the segment ends in an incomplete record, else 0. */
  tornTails: number;
  /** Damaged regions skipped (each may have held one or more records). */
  corruptRecords: number;
  corruptBytes: number;
}

export function scanRecords(buf: Buffer, from: number): SegmentScan {
  const scan: SegmentScan = { records: [], tornTails: 0, corruptRecords: 0, corruptBytes: 0 };
  const end = buf.length;
  let at = from;
  while (at < end) {
    const recordEnd = recordEndAt(buf, at, end);
    if (recordEnd >= 0) {
      scan.records.push({ type: buf[at + 8]!, start: at, end: recordEnd, payload: buf.subarray(at + RECORD_HEADER_BYTES, recordEnd) });
      at = recordEnd;
      continue;
    }
    const next = resync(buf, at + 1, end);
    if (next < 0) {
      // Nothing valid follows: a kill mid-write (or a damaged last record, which looks the same).
      scan.tornTails = 1;
      break;
    }
    scan.corruptRecords++;
    scan.corruptBytes += next - at;
    at = next;
  }
  return scan;
}

/** The first offset in `[from, end)` where a complete valid record starts, or -1. */
function resync(buf: Buffer, from: number, end: number): number {
  for (let at = from; at + RECORD_HEADER_BYTES <= end; at++) {
    if (buf[at + 8] !== 0 && recordEndAt(buf, at, end) >= 0) return at;
  }
  return -1;
}
