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
import { wasmCrc32c, type WasmCrc32c } from "./crc32c-wasm.ts";

export const RECORD_HEADER_BYTES = 9;
/** Largest payload; a record never spans segments, so this also bounds the smallest useful segment. */
export const MAX_RECORD_PAYLOAD_BYTES = 1024 * 1024;
/** Below this many bytes the JavaScript checksum beats copying them into WebAssembly's memory. */
const WASM_FROM_BYTES = 128;

/**
 * Writes the length and type of the record whose payload is already at `buf[at + 9, at + 9 + length)`;
 * its checksum is written by `checksumRecords` over the whole write (one call, not one per record).
 */
export function frameRecordHeader(buf: Buffer, at: number, type: number, length: number): void {
  buf.writeUInt32LE(length, at);
  buf[at + 8] = type;
}

/**
 * Writes the checksum of every record in `buf[start, end)`, each framed by `frameRecordHeader`.
 * `wasm`: `null` where WebAssembly cannot run, then the JavaScript tables do it (same bytes).
 */
export function checksumRecords(buf: Buffer, start: number, end: number, wasm: WasmCrc32c | null = wasmCrc32c()): void {
  if (wasm !== null && end - start >= WASM_FROM_BYTES) return wasm.frameRecords(buf, start, end);
  for (let at = start; at < end; ) {
    const recordEnd = at + RECORD_HEADER_BYTES + buf.readUInt32LE(at);
    buf.writeUInt32LE(recordChecksum(buf, at, recordEnd, null), at + 4);
    at = recordEnd;
  }
}

/**
 * If a complete, valid record starts at `at`, its end offset; otherwise -1 (`-2`: the bytes up to
 * the end of `buf` are a plausible prefix of a record, i.e. a torn tail candidate).
 */
export function recordEndAt(buf: Uint8Array, at: number, end: number): number {
  if (end - at < RECORD_HEADER_BYTES) return -2;
  const length = u32At(buf, at);
  const type = buf[at + 8]!;
  if (type === 0 || length > MAX_RECORD_PAYLOAD_BYTES) return -1;
  const recordEnd = at + RECORD_HEADER_BYTES + length;
  if (recordEnd > end) return -2;
  return recordChecksum(buf, at, recordEnd, recordEnd - at >= WASM_FROM_BYTES ? wasmCrc32c() : null) === u32At(buf, at + 4) ? recordEnd : -1;
}

/**
 * Whether `buf[at, recordEnd)` is exactly one intact record (its length, type and checksum), where
 * `loaded` is WebAssembly holding `buf` (`load`ed by the caller, once for all of its records), or
 * `null`: JavaScript. Reading records back allocates nothing per record this way.
 */
export function recordIntact(buf: Uint8Array, at: number, recordEnd: number, loaded: WasmCrc32c | null): boolean {
  if (at < 0 || recordEnd > buf.length || recordEnd - at < RECORD_HEADER_BYTES) return false;
  if (buf[at + 8] === 0 || u32At(buf, at) !== recordEnd - at - RECORD_HEADER_BYTES) return false;
  const head = crc32c(buf, at, at + 4);
  const crc = loaded === null ? crc32c(buf, at + 8, recordEnd, head) : loaded.crc32cOfLoaded(at + 8, recordEnd, head);
  return crc === u32At(buf, at + 4);
}

/** WebAssembly with `buf` copied in, for `recordIntact` over its records; `null` (JavaScript) for a few bytes or where it cannot run. */
export function loadForChecks(buf: Uint8Array): WasmCrc32c | null {
  const wasm = buf.length >= WASM_FROM_BYTES ? wasmCrc32c() : null;
  wasm?.load(buf, 0, buf.length);
  return wasm;
}

/** The u32 LE at `buf[at]`, read without a view. */
function u32At(buf: Uint8Array, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
}

/** The checksum of the record at `buf[at, recordEnd)`: its length and type bytes, then its payload. */
function recordChecksum(buf: Uint8Array, at: number, recordEnd: number, wasm: WasmCrc32c | null): number {
  const crc = crc32c(buf, at, at + 4);
  return wasm === null ? crc32c(buf, at + 8, recordEnd, crc) : wasm.crc32c(buf, at + 8, recordEnd, crc);
}
