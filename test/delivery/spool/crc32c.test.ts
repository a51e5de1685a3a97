import { describe, expect, it } from "vitest";
import { crc32c } from "../../../src/delivery/spool/index.ts";

describe("crc32c", () => {
  it("matches the Castagnoli check value and the RFC 3720 vectors", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
  });

  it("continues across calls exactly like one pass, whatever the split", () => {
    const bytes = Buffer.from("the quick brown fox jumps over the lazy dog, twice over");
    const whole = crc32c(bytes);
    for (let split = 0; split <= bytes.length; split++) {
      expect(crc32c(bytes, split, bytes.length, crc32c(bytes, 0, split))).toBe(whole);
    }
  });
});
