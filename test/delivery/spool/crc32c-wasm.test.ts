import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BYTES_MODULE_URL, renderCrc32cWasmModule } from "../../../scripts/crc32c-wasm-build.ts";
import { crc32c } from "../../../src/delivery/spool/crc32c.ts";
import { wasmCrc32c, type WasmCrc32c } from "../../../src/delivery/spool/crc32c-wasm.ts";
import { checksumRecords, frameRecordHeader, recordEndAt, RECORD_HEADER_BYTES } from "../../../src/delivery/spool/record-format.ts";

function loaded(): WasmCrc32c {
  const wasm = wasmCrc32c();
  if (wasm === null) throw new Error("WebAssembly is unavailable in this Node");
  return wasm;
}

/** Random records framed back to back (lengths 0 to `most`), checksums not yet written. */
function unframed(count: number, most: number): { buf: Buffer; ends: number[] } {
  const payloads = Array.from({ length: count }, () => randomBytes(Math.floor(Math.random() * (most + 1))));
  const buf = Buffer.alloc(payloads.reduce((sum, p) => sum + RECORD_HEADER_BYTES + p.length, 0));
  const ends: number[] = [];
  let at = 0;
  for (const payload of payloads) {
    payload.copy(buf, at + RECORD_HEADER_BYTES);
    frameRecordHeader(buf, at, 1 + Math.floor(Math.random() * 5), payload.length);
    at += RECORD_HEADER_BYTES + payload.length;
    ends.push(at);
  }
  return { buf, ends };
}

/** The record format's checksum computed with the JavaScript reference alone. */
function referenceChecksum(buf: Buffer, at: number, end: number): number {
  return crc32c(buf, at + 8, end, crc32c(buf, at, at + 4));
}

describe("CRC32C in WebAssembly", () => {
  it("ships the bytes that crc32c.wat compiles to (run `npm run build:wasm` after editing it)", async () => {
    expect(readFileSync(BYTES_MODULE_URL, "utf8")).toBe(await renderCrc32cWasmModule());
  });

  it("matches the JavaScript reference on any range and continuation, growing its memory for long ones", () => {
    const wasm = loaded();
    expect(wasm.crc32c(Buffer.from("123456789"), 0, 9, 0)).toBe(0xe3069283);
    const bytes = randomBytes(300_000);
    for (let trial = 0; trial < 300; trial++) {
      const start = Math.floor(Math.random() * 1000);
      const end = start + Math.floor(Math.random() * (trial % 10 === 0 ? 290_000 : 600));
      const from = randomBytes(4).readUInt32LE(0);
      expect(wasm.crc32c(bytes, start, end, from)).toBe(crc32c(bytes, start, end, from));
    }
  });

  it("checksums a whole write's records with the reference's bytes, in WebAssembly and without it", () => {
    for (const most of [0, 40, 300, 5000]) {
      const { buf, ends } = unframed(200, most);
      const viaWasm = Buffer.from(buf);
      const viaJs = Buffer.from(buf);
      checksumRecords(viaWasm, 0, buf.length, loaded());
      checksumRecords(viaJs, 0, buf.length, null);
      let at = 0;
      for (const end of ends) {
        expect(viaWasm.readUInt32LE(at + 4)).toBe(referenceChecksum(buf, at, end));
        expect(recordEndAt(viaWasm, at, viaWasm.length)).toBe(end);
        at = end;
      }
      expect(viaJs.equals(viaWasm)).toBe(true);
    }
  });

  it("fails a record with one flipped bit, and refuses bytes that do not hold whole records", () => {
    const { buf, ends } = unframed(3, 400);
    checksumRecords(buf, 0, buf.length);
    const last = ends[1]!;
    const flipped = Buffer.from(buf);
    flipped[last - 1]! ^= 0x10;
    expect(recordEndAt(buf, ends[0]!, buf.length)).toBe(last);
    expect(recordEndAt(flipped, ends[0]!, buf.length)).toBe(-1);
    expect(() => loaded().frameRecords(buf, 0, buf.length - 1)).toThrow(/do not hold whole records/);
  });
});
