/**
 * A spilled event read back from this process's own record: its JSON is the record between the
 * journal's envelope bytes (`{"x":...,"i":...,"e":` ... `}`), so only that part is parsed, and
 * those bytes are kept on the event (src/api/kept-json.ts) for the request body that sends it: a
 * refilled event is not serialised again, and no text of it outlives the parse (the bytes are the
 * read's buffer, outside the V8 heap). They are exactly `JSON.stringify` of the parsed event, since
 * it was written by `JSON.stringify` (a parse and a stringify give back its bytes).
 * A record that does not have the envelope's bytes goes through the general `decodeRecord`.
 */
import type { AnnotationEvent, MetricEvent } from "../../api/contract.ts";
import { keepJsonBytes } from "../../api/kept-json.ts";
import type { JsonEnvelope } from "../spool/index.ts";
import { decodeRecord } from "./spool-records.ts";

export function eventOfOwnRecord(type: number, payload: Uint8Array, envelope: JsonEnvelope): MetricEvent | AnnotationEvent | undefined {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const { head, tail } = envelope;
  const start = head.length;
  const end = bytes.length - tail.length;
  if (end > start && bytes.compare(head, 0, head.length, 0, start) === 0 && bytes.compare(tail, 0, tail.length, end) === 0) {
    const text = bytes.toString("utf8", start, end);
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof event !== "object" || event === null || typeof (event as { client_event_id?: unknown }).client_event_id !== "string") return undefined;
    keepJsonBytes(event, bytes, start, end);
    return event as MetricEvent | AnnotationEvent;
  }
  const record = decodeRecord(type, payload);
  return record?.type === type ? (record.body as { e: MetricEvent | AnnotationEvent }).e : undefined;
}
