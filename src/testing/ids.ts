import { randomBytes } from "node:crypto";

/**
 * A UUIDv7 (48-bit millisecond timestamp, then random bits), like the ids of the real service.
 * Ids made in the same millisecond still sort in creation order thanks to a sequence in the
 * random part, so "time-ordered" holds within one emulator.
 */
export function createIdGenerator(now: () => number): () => string {
  let lastMs = -1;
  let sequence = 0;
  return () => {
    let ms = Math.max(0, Math.floor(now()));
    if (ms <= lastMs) {
      ms = lastMs;
      sequence++;
    } else {
      sequence = 0;
    }
    lastMs = ms;
    const bytes = randomBytes(16);
    bytes.writeUIntBE(ms % 2 ** 48, 0, 6);
    // 12-bit counter after the version nibble keeps ids of one millisecond ordered.
    bytes[6] = 0x70 | ((sequence >> 8) & 0x0f);
    bytes[7] = sequence & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    return uuidText(bytes);
  };
}

/** 16 bytes in the UUID text form `8-4-4-4-12` (lower-case hex). */
export function uuidText(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
