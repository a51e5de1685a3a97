/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every spool record and
 * ack entry. Castagnoli rather than IEEE because it detects more burst errors at the same cost and
 * is what the write-ahead logs we follow document (see docs/spool.md). Slicing-by-8 tables (eight
 * bytes per step, one 8 KiB table): the flusher checksums every byte it writes, so this sits on the
 * write path's throughput, and Node has no built-in CRC32C. The flusher's records and long reads go
 * through the same tables in WebAssembly (crc32c-wasm.ts), ~2.5x faster; this is the reference, the
 * path for short ranges and the fallback where WebAssembly cannot run (`node --jitless`).
 */
const POLY = 0x82f63b78;
/** `T[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes. */
const T = new Uint32Array(8 * 256);
/** The slicing tables, also loaded into the WebAssembly version's memory. */
export const CRC32C_TABLES: Readonly<Uint32Array> = T;
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[i] = c >>> 0;
}
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const prev = T[(k - 1) * 256 + i]!;
    T[k * 256 + i] = (T[prev & 0xff]! ^ (prev >>> 8)) >>> 0;
  }
}

/** Continues a CRC32C over `bytes[start, end)`; pass the previous result as `crc` (0 to begin). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc >>> 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c =
      T[1792 + (c & 0xff)]! ^
      T[1536 + ((c >>> 8) & 0xff)]! ^
      T[1280 + ((c >>> 16) & 0xff)]! ^
      T[1024 + (c >>> 24)]! ^
      T[768 + bytes[i + 4]!]! ^
      T[512 + bytes[i + 5]!]! ^
      T[256 + bytes[i + 6]!]! ^
      T[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = T[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
