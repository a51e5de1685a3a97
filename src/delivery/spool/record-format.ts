/**
 * On-disk framing of one record, the unit every check works on:
 *
 *   u32 LE payload length | u32 LE CRC32C over (length bytes, type byte, payload) | u8 type | payload
 *
 * The checksum sits in the record, never in a header rewritten later, so a kill can at worst tear
 * the record being written. Type 0 is reserved as invalid: zero-filled pages (what a power loss can
 * leave behind) then never parse as records.
 */
import { crc32c } from "./crc32c.ts";
import type { Crc32cBlock } from "./crc32c-prefix.ts";

export const RECORD_HEADER_BYTES = 9;
/** Largest payload; a record never spans segments, so this also bounds the smallest useful segment. */
export const MAX_RECORD_PAYLOAD_BYTES = 1024 * 1024;

/**
 * Writes the 9-byte header for the payload already at `buf[at + 9, at + 9 + length)`. `prefix`:
 * the payload starts with that block's bytes (an envelope's head), whose share of the checksum is
 * then taken from its tables instead of a pass over them; the checksum is the same either way.
 */
export function frameRecord(buf: Buffer, at: number, type: number, length: number, prefix?: Crc32cBlock): void {
  buf.writeUInt32LE(length, at);
  buf[at + 8] = type;
  let crc = crc32c(buf, at, at + 4);
  const end = at + RECORD_HEADER_BYTES + length;
  if (prefix === undefined) crc = crc32c(buf, at + 8, end, crc);
  else {
    crc = prefix.continue(crc32c(buf, at + 8, at + RECORD_HEADER_BYTES, crc));
    crc = crc32c(buf, at + RECORD_HEADER_BYTES + prefix.length, end, crc);
  }
  buf.writeUInt32LE(crc, at + 4);
}

/**
 * If a complete, valid record starts at `at`, its end offset; otherwise -1 (`-2`: the bytes up to
 * the end of `buf` are a plausible prefix of a record, i.e. a torn tail candidate).
 */
export function recordEndAt(buf: Uint8Array, at: number, end: number): number {
  if (end - at < RECORD_HEADER_BYTES) return -2;
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const length = view.readUInt32LE(at);
  const type = buf[at + 8]!;
  if (type === 0 || length > MAX_RECORD_PAYLOAD_BYTES) return -1;
  const recordEnd = at + RECORD_HEADER_BYTES + length;
  if (recordEnd > end) return -2;
  let crc = crc32c(buf, at, at + 4);
  crc = crc32c(buf, at + 8, recordEnd, crc);
  return crc === view.readUInt32LE(at + 4) ? recordEnd : -1;
}
