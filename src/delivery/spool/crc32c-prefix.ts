/**
 * CRC32C over a fixed block of bytes in four table lookups instead of a pass over the block.
 *
 * Every event record of one experiment starts with the same envelope bytes (`{"x":<slug>,"i":<id>,"e":`,
 * ~60 bytes of a ~220-byte record), but they follow the record's length, which differs per record,
 * so the checksum state before them differs too and cannot simply be cached. CRC is affine in its
 * state, though: running the register `r` over a block B gives `A(r) ^ P`, where `P` is the block's
 * run from a zero register and `A` (advancing by |B| zero bytes) is linear in `r`, so it is four
 * 256-entry tables indexed by the bytes of `r`. Both are computed once per block (per experiment);
 * the result is exactly `crc32c(block, 0, block.length, crc)` (tested), so the bytes on disk and
 * the format do not change. The flusher checksums every record on the main thread
 * (docs/performance.md#the-spool-on-the-hot-path): skipping the envelope is ~a quarter of it.
 */
import { crc32c } from "./crc32c.ts";

export class Crc32cBlock {
  /** The block's length in bytes. */
  readonly length: number;
  /** `A` as four tables: `#advance[k * 256 + b]` = A applied to byte `b` in byte position `k` of the register. */
  readonly #advance = new Uint32Array(4 * 256);
  /** The raw register after the block from a zero register (`P`). */
  readonly #fromZero: number;

  constructor(block: Uint8Array) {
    this.length = block.length;
    const zeros = new Uint8Array(block.length);
    for (let k = 0; k < 4; k++) {
      for (let b = 0; b < 256; b++) this.#advance[k * 256 + b] = rawRun((b << (8 * k)) >>> 0, zeros);
    }
    this.#fromZero = rawRun(0, block);
  }

  /** `crc32c(block, 0, block.length, crc)`, the block's checksum continued from `crc`. */
  continue(crc: number): number {
    const r = ~crc >>> 0;
    const a = this.#advance;
    return ~(a[r & 0xff]! ^ a[256 + ((r >>> 8) & 0xff)]! ^ a[512 + ((r >>> 16) & 0xff)]! ^ a[768 + (r >>> 24)]! ^ this.#fromZero) >>> 0;
  }
}

/** The raw register (no inversions) after running `bytes` from register `r`, through `crc32c`'s own tables. */
function rawRun(r: number, bytes: Uint8Array): number {
  // crc32c inverts on the way in and out: feeding it ~r and inverting its result gives the raw run.
  return ~crc32c(bytes, 0, bytes.length, ~r >>> 0) >>> 0;
}
