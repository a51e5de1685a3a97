/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every spool record and
 * ack entry. Castagnoli rather than IEEE because it detects more burst errors at the same cost and
 * is what the write-ahead logs we follow document (see docs/spool.md). Slicing-by-4 tables: the
 * flusher checksums every byte it writes, so this sits on the write path's throughput.
 */
const POLY = 0x82f63b78;
const T0 = new Uint32Array(256);
const T1 = new Uint32Array(256);
const T2 = new Uint32Array(256);
const T3 = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T0[i] = c >>> 0;
}
for (let i = 0; i < 256; i++) {
  T1[i] = (T0[T0[i]! & 0xff]! ^ (T0[i]! >>> 8)) >>> 0;
  T2[i] = (T0[T1[i]! & 0xff]! ^ (T1[i]! >>> 8)) >>> 0;
  T3[i] = (T0[T2[i]! & 0xff]! ^ (T2[i]! >>> 8)) >>> 0;
}

/** Continues a CRC32C over `bytes[start, end)`; pass the previous result as `crc` (0 to begin). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc >>> 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = T3[c & 0xff]! ^ T2[(c >>> 8) & 0xff]! ^ T1[(c >>> 16) & 0xff]! ^ T0[c >>> 24]!;
  }
  for (; i < end; i++) c = T0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
