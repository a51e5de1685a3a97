/**
 * A spilled event read back from this process's own record: its JSON is the record between the
 * journal's envelope bytes (`{"x":...,"i":...,"e":` ... `}`), exactly `JSON.stringify` of the event
 * as it was queued. It comes back as those bytes alone (`KeptBytes`, src/api/kept-json.ts), a range
 * of the read's buffer shared by every record of the read: nothing is parsed, copied or decoded per
 * event, and the request body that sends it copies the range. The record's checksum was verified
 * by the read (own-reader.ts), so the bytes are the ones written; they are still checked to be one
 * event's object (`{"client_event_id":"` ... `}`) before they are taken as one.
 * Delivery only counts, slices and serialises events; anything that reads a field of one (a test's
 * sink) has the bytes parsed then, once. Its fields are getters, not own properties: a spread or
 * `Object.keys` sees none (`JSON.stringify` does, through `toJSON`).
 * A record that does not have the envelope's bytes goes through the general `decodeRecord`.
 */
import type { AnnotationEvent, MetricEvent } from "../../api/contract.ts";
import { KeptBytes } from "../../api/kept-json.ts";
import type { JsonEnvelope } from "../spool/index.ts";
import { decodeRecord } from "./spool-records.ts";

type Fields = Partial<MetricEvent & AnnotationEvent>;

/** A read-back event: its bytes, and its fields parsed from them on first read. */
class SpilledEvent extends KeptBytes {
  #fields: Fields | undefined;

  #parsed(): Fields {
    return (this.#fields ??= this.toJSON() as Fields);
  }

  get client_event_id(): string {
    return this.#parsed().client_event_id!;
  }
  get name(): string | undefined {
    return this.#parsed().name;
  }
  get value(): number | undefined {
    return this.#parsed().value;
  }
  get step(): number | null | undefined {
    return this.#parsed().step;
  }
  get text(): string | undefined {
    return this.#parsed().text;
  }
  get timestamp(): number | undefined {
    return this.#parsed().timestamp;
  }
  get metadata(): Fields["metadata"] {
    return this.#parsed().metadata;
  }
}

/** What every event's JSON starts with: its id, a string (contract.ts, kept-batch.ts). */
const EVENT_START = Buffer.from('{"client_event_id":"', "latin1");
const CLOSE_BRACE = 0x7d;

/** The event of record payload `bytes[start, end)` (a read's buffer), or `undefined` if it is not one. */
export function eventOfOwnRecord(type: number, bytes: Buffer, start: number, end: number, envelope: JsonEnvelope): MetricEvent | AnnotationEvent | undefined {
  const { head, tail } = envelope;
  const from = start + head.length;
  const to = end - tail.length;
  if (to - from > EVENT_START.length && sameBytes(bytes, start, head) && sameBytes(bytes, to, tail)) {
    if (!sameBytes(bytes, from, EVENT_START) || bytes[to - 1] !== CLOSE_BRACE) return undefined;
    // Not a plain object (see above): the outbox needs its bytes, and what reads a field gets it.
    return new SpilledEvent(bytes, from, to) as unknown as MetricEvent | AnnotationEvent;
  }
  const record = decodeRecord(type, bytes.subarray(start, end));
  return record?.type === type ? (record.body as { e: MetricEvent | AnnotationEvent }).e : undefined;
}

/** `bytes[at, at + expected.length)` equals `expected`; a loop, as `Buffer.compare` with offsets allocated per call. */
function sameBytes(bytes: Buffer, at: number, expected: Buffer): boolean {
  if (at < 0 || at + expected.length > bytes.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}
