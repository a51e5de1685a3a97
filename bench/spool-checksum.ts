/**
 * The flusher's record checksums (record-format.ts `checksumRecords`) over one write of 500
 * facade-like records in their journal envelope, in WebAssembly and in JavaScript (the fallback),
 * alternating in one process: ns per record for each and the ratio.
 */
import { wasmCrc32c } from "../src/delivery/spool/crc32c-wasm.ts";
import { checksumRecords, frameRecordHeader, RECORD_HEADER_BYTES } from "../src/delivery/spool/record-format.ts";
import { median } from "./bench-types.ts";
import { facadeLikeEvent } from "./facade-like-events.ts";

const RECORDS = 500;
const REPEATS = 40;

function framedWrite(): Buffer {
  const payloads = Array.from({ length: RECORDS }, (_, i) =>
    Buffer.from(JSON.stringify({ x: "train-run-7", i: "exp_0192a7b3c4d5e6f708192a3b4c5d6e7f", e: facadeLikeEvent("bench", i, 1_700_000_000_000 + i) })),
  );
  const buf = Buffer.alloc(payloads.reduce((sum, p) => sum + RECORD_HEADER_BYTES + p.length, 0));
  let at = 0;
  for (const payload of payloads) {
    payload.copy(buf, at + RECORD_HEADER_BYTES);
    frameRecordHeader(buf, at, 1, payload.length);
    at += RECORD_HEADER_BYTES + payload.length;
  }
  return buf;
}

function nsPerRecord(buf: Buffer, wasm: ReturnType<typeof wasmCrc32c>): number {
  const start = process.hrtime.bigint();
  for (let k = 0; k < REPEATS; k++) checksumRecords(buf, 0, buf.length, wasm);
  return Number(process.hrtime.bigint() - start) / (REPEATS * RECORDS);
}

export function checksumCost(): { wasmNs: number; jsNs: number; recordBytes: number } | undefined {
  const wasm = wasmCrc32c();
  if (wasm === null) return undefined;
  const buf = framedWrite();
  const wasmSamples: number[] = [];
  const jsSamples: number[] = [];
  for (let round = 0; round < 30; round++) {
    const wasmFirst = round % 2 === 0;
    const a = nsPerRecord(buf, wasmFirst ? wasm : null);
    const b = nsPerRecord(buf, wasmFirst ? null : wasm);
    if (round < 5) continue; // JIT warm-up
    wasmSamples.push(wasmFirst ? a : b);
    jsSamples.push(wasmFirst ? b : a);
  }
  return { wasmNs: median(wasmSamples), jsNs: median(jsSamples), recordBytes: Math.round(buf.length / RECORDS) };
}
