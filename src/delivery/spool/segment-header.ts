/**
 * The 32-byte header written once when a segment is created:
 *
 *   0  "SYVSPOOL"  8  u16 version  10  u16 reserved  12  u32 segment id
 *   16 u64 created-at (ms)  24  u32 writer id  28  u32 CRC32C of bytes 0..27
 *
 * Written once and never rewritten (a header updated as data grows is what a kill corrupts).
 */
import { crc32c } from "./crc32c.ts";

export const SEGMENT_HEADER_BYTES = 32;
export const SEGMENT_VERSION = 1;
const MAGIC = Buffer.from("SYVSPOOL", "latin1");

export interface SegmentHeader {
  version: number;
  segmentId: number;
  createdAtMs: number;
  writerId: number;
}

export function encodeSegmentHeader(header: Omit<SegmentHeader, "version">): Buffer {
  const buf = Buffer.alloc(SEGMENT_HEADER_BYTES);
  MAGIC.copy(buf, 0);
  buf.writeUInt16LE(SEGMENT_VERSION, 8);
  buf.writeUInt32LE(header.segmentId, 12);
  buf.writeBigUInt64LE(BigInt(header.createdAtMs), 16);
  buf.writeUInt32LE(header.writerId >>> 0, 24);
  buf.writeUInt32LE(crc32c(buf, 0, 28), 28);
  return buf;
}

/**
 * What the first bytes of a segment file say. `torn`: shorter than a header but a prefix of one
 * (killed while creating it; it holds no records). `corrupt`: not a spool segment or a damaged header.
 * `unsupported`: a valid header of a version this code does not read (left untouched).
 */
export type HeaderCheck =
  | { kind: "ok"; header: SegmentHeader }
  | { kind: "torn" }
  | { kind: "corrupt"; reason: string }
  | { kind: "unsupported"; version: number };

export function checkSegmentHeader(buf: Buffer): HeaderCheck {
  const magicBytes = Math.min(buf.length, MAGIC.length);
  if (!buf.subarray(0, magicBytes).equals(MAGIC.subarray(0, magicBytes))) return { kind: "corrupt", reason: "bad magic (not a spool segment)" };
  if (buf.length < SEGMENT_HEADER_BYTES) return { kind: "torn" };
  if (crc32c(buf, 0, 28) !== buf.readUInt32LE(28)) return { kind: "corrupt", reason: "header checksum mismatch" };
  const version = buf.readUInt16LE(8);
  if (version !== SEGMENT_VERSION) return { kind: "unsupported", version };
  return {
    kind: "ok",
    header: { version, segmentId: buf.readUInt32LE(12), createdAtMs: Number(buf.readBigUInt64LE(16)), writerId: buf.readUInt32LE(24) },
  };
}
