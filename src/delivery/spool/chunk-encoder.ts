/**
 * Serialises appended payloads into one write's worth of framed records. This is where the cost
 * `append()` avoids is paid: JSON.stringify, UTF-8 encoding and the checksum happen here, in the
 * flusher, straight into one reused buffer (no per-record Buffer).
 */
import { frameRecord, MAX_RECORD_PAYLOAD_BYTES, RECORD_HEADER_BYTES } from "./record-format.ts";
import { SEGMENT_HEADER_BYTES } from "./segment-header.ts";

export interface ChunkRequest {
  types: readonly number[];
  payloads: readonly unknown[];
  /** First index to encode. */
  from: number;
  /** File offset the chunk will be written at. */
  base: number;
  /** Stop before a record that would take the segment past this size (unless it would be its first). */
  segmentBytes: number;
  /** Stop once the chunk holds this many bytes. */
  flushBytes: number;
}

export interface Chunk {
  buf: Buffer;
  length: number;
  /** Index of the first record not in this chunk. */
  next: number;
  /** End offset of each encoded record, from `from` to `next - 1`; a skipped (bad) record gets a zero-length slot. */
  ends: number[];
  /** Records in the chunk (skipped ones excluded). */
  records: number;
  /** The segment is full: rotate before the next chunk. */
  rotate: boolean;
  /** Why records were skipped, if any were. */
  badReasons: string[];
}

export class ChunkEncoder {
  #buf: Buffer;

  constructor(initialBytes: number) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
  }

  #ensure(pos: number, needed: number): Buffer {
    if (pos + needed <= this.#buf.length) return this.#buf;
    const grown = Buffer.allocUnsafe(Math.max(pos + needed, this.#buf.length * 2));
    this.#buf.copy(grown, 0, 0, pos);
    return (this.#buf = grown);
  }

  encode(req: ChunkRequest): Chunk {
    const { types, payloads } = req;
    const chunk: Chunk = { buf: this.#buf, length: 0, next: req.from, ends: [], records: 0, rotate: false, badReasons: [] };
    let pos = 0;
    let i = req.from;
    for (; i < types.length && pos < req.flushBytes; i++) {
      const payload = payloads[i];
      const at = pos + RECORD_HEADER_BYTES;
      let length: number;
      if (payload instanceof Uint8Array) {
        if (pos > 0 && at + payload.length > this.#buf.length) break;
        this.#ensure(at, payload.length).set(payload, at);
        length = payload.length;
      } else {
        const text = stringify(payload);
        if (text === undefined) {
          chunk.badReasons.push("payload is not JSON-serialisable");
          chunk.ends.push(req.base + pos);
          continue;
        }
        // UTF-8 takes at most 3 bytes per UTF-16 code unit.
        if (pos > 0 && at + text.length * 3 > this.#buf.length) break;
        length = this.#ensure(at, text.length * 3).write(text, at, "utf8");
      }
      if (length > MAX_RECORD_PAYLOAD_BYTES) {
        chunk.badReasons.push(`payload is ${length} bytes, over the ${MAX_RECORD_PAYLOAD_BYTES}-byte record limit`);
        chunk.ends.push(req.base + pos);
        continue;
      }
      if (req.base + at + length > req.segmentBytes && req.base + pos > SEGMENT_HEADER_BYTES) {
        chunk.rotate = true;
        break;
      }
      frameRecord(this.#buf, pos, types[i]!, length);
      pos = at + length;
      chunk.ends.push(req.base + pos);
      chunk.records++;
    }
    chunk.buf = this.#buf;
    chunk.length = pos;
    chunk.next = i;
    return chunk;
  }
}

function stringify(payload: unknown): string | undefined {
  try {
    const text: unknown = JSON.stringify(payload);
    return typeof text === "string" ? text : undefined;
  } catch {
    return undefined; // cycles, BigInt: the record is skipped and reported, never thrown into the flusher
  }
}
