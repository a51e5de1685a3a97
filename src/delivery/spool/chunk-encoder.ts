/**
 * Serialises appended payloads into one write's worth of framed records. This is where the cost
 * `append()` avoids is paid: JSON.stringify, UTF-8 encoding and the checksum happen here, in the
 * flusher, straight into one reused buffer (no per-record Buffer). An envelope's fixed bytes are
 * copied, not serialised again, and a payload's JSON text is kept on it for the request body that
 * later sends it (src/api/kept-json.ts): one serialisation per event.
 */
import { keepJsonOfEvents } from "../../api/kept-batch.ts";
import { keepJson, keptOf } from "../../api/kept-json.ts";
import type { JsonEnvelope } from "./json-envelope.ts";
import { DELIVERED, PENDING_STRIDE, type PendingItems } from "./pending-queue.ts";
import { checksumRecords, frameRecordHeader, MAX_RECORD_PAYLOAD_BYTES, RECORD_HEADER_BYTES } from "./record-format.ts";
import { SEGMENT_HEADER_BYTES } from "./segment-header.ts";

export interface ChunkRequest {
  /** Flat `[type, payload, envelope, ...]` (see pending-queue.ts). */
  items: Readonly<PendingItems>;
  /** First record index to encode. */
  from: number;
  /** Stop before this record index (the flusher's write window). @default every record of `items` */
  until?: number;
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
  /** Delivered records it gave no bytes (each has a zero-length slot in `ends`). */
  skipped: number;
  /** Bytes of its largest record, header included (the spool's disk budget sizes waiting records by it). */
  largestRecord: number;
  /** The segment is full: rotate before the next chunk. */
  rotate: boolean;
  /** Why records were skipped, if any were. */
  badReasons: string[];
}

/** What committing a written chunk to its segment needs (live-segments.ts). */
export type CommittedChunk = Pick<Chunk, "length" | "records" | "skipped" | "ends">;

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
    const items = req.items;
    const count = Math.min(items.length / PENDING_STRIDE, req.until ?? Infinity);
    const chunk: Chunk = { buf: this.#buf, length: 0, next: req.from, ends: [], records: 0, skipped: 0, largestRecord: 0, rotate: false, badReasons: [] };
    let pos = 0;
    let i = req.from;
    let aheadTo = req.from; // records up to here had their batch serialisation tried
    for (; i < count && pos < req.flushBytes; i++) {
      const type = items[i * PENDING_STRIDE] as number;
      const payload = items[i * PENDING_STRIDE + 1];
      const envelope = items[i * PENDING_STRIDE + 2] as JsonEnvelope | undefined;
      if (type === DELIVERED) {
        chunk.ends.push(req.base + pos);
        chunk.skipped++;
        continue;
      }
      const at = pos + RECORD_HEADER_BYTES;
      let length: number;
      if (i >= aheadTo && unkeptObject(payload)) aheadTo = keepAhead(items, i, count);
      const kept = isObject(payload) ? keptOf(payload) : undefined;
      if (payload instanceof Uint8Array) {
        if (pos > 0 && at + payload.length > this.#buf.length) break;
        this.#ensure(at, payload.length).set(payload, at);
        length = payload.length;
      } else if (kept?.bytes !== undefined) {
        // Its bytes inside a request body serialised for a whole batch (src/api/kept-batch.ts).
        const most = kept.end - kept.start + (envelope === undefined ? 0 : envelope.head.length + envelope.tail.length);
        if (pos > 0 && at + most > this.#buf.length) break;
        const buf = this.#ensure(at, most);
        let end = envelope === undefined ? at : copyInto(buf, envelope.head, at);
        end += kept.bytes.copy(buf, end, kept.start, kept.end);
        length = (envelope === undefined ? end : copyInto(buf, envelope.tail, end)) - at;
      } else {
        const text = stringify(payload);
        if (text === undefined) {
          chunk.badReasons.push("payload is not JSON-serialisable");
          chunk.ends.push(req.base + pos);
          continue;
        }
        // UTF-8 takes at most 3 bytes per UTF-16 code unit.
        const most = text.length * 3 + (envelope === undefined ? 0 : envelope.head.length + envelope.tail.length);
        if (pos > 0 && at + most > this.#buf.length) break;
        const buf = this.#ensure(at, most);
        if (envelope === undefined) length = buf.write(text, at, "utf8");
        else {
          let end = copyInto(buf, envelope.head, at);
          end += buf.write(text, end, "utf8");
          length = copyInto(buf, envelope.tail, end) - at;
        }
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
      frameRecordHeader(this.#buf, pos, type, length);
      if (at + length - pos > chunk.largestRecord) chunk.largestRecord = at + length - pos;
      pos = at + length;
      chunk.ends.push(req.base + pos);
      chunk.records++;
    }
    checksumRecords(this.#buf, 0, pos); // all at once: one copy into WebAssembly's memory per write
    chunk.buf = this.#buf;
    chunk.length = pos;
    chunk.next = i;
    return chunk;
  }
}

/**
 * Events serialised at once: enough to spread the call's cost, few enough that the text (~50 KB)
 * stays a regular young-generation string, not a large object kept until a full collection.
 */
const AHEAD = 256;

/**
 * Serialises the next events none has serialised yet (from `from`, which is one) in one
 * `JSON.stringify` (src/api/kept-batch.ts), each keeping its bytes for its record here and its
 * request body later: cheaper than one call per event. Events the batch cannot take are serialised
 * one by one in the loop, as before. Returns the index it looked up to.
 */
function keepAhead(items: Readonly<PendingItems>, from: number, count: number): number {
  const events: object[] = [];
  let i = from;
  for (; i < count && events.length < AHEAD; i++) {
    const payload = items[i * PENDING_STRIDE + 1];
    if (unkeptObject(payload)) events.push(payload);
  }
  if (events.length > 1) keepJsonOfEvents(events);
  return i;
}

/** Copies `bytes` to `buf[at...]`; returns the end. A loop: envelopes are tens of bytes, where `set()`'s call costs more. */
function copyInto(buf: Buffer, bytes: Buffer, at: number): number {
  for (let k = 0; k < bytes.length; k++) buf[at + k] = bytes[k]!;
  return at + bytes.length;
}

/** The payload's JSON text: the one kept on it (see kept-json.ts), else serialised now and kept for the request body. */
function stringify(payload: unknown): string | undefined {
  const object = isObject(payload);
  if (object) {
    const kept = keptOf(payload)?.text;
    if (kept !== undefined) return kept;
  }
  let text: unknown;
  try {
    text = JSON.stringify(payload);
  } catch {
    return undefined; // cycles, BigInt: the record is skipped and reported, never thrown into the flusher
  }
  if (typeof text !== "string") return undefined;
  if (object) keepJson(payload, text);
  return text;
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

/** A JSON payload (not raw bytes) whose JSON nobody has made yet. */
function unkeptObject(payload: unknown): payload is object {
  return isObject(payload) && !(payload instanceof Uint8Array) && keptOf(payload) === undefined;
}
