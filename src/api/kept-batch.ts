/**
 * One serialisation per batch, not per event, with the spool on. `JSON.stringify` of 500 events at
 * once costs ~30 % less than 500 calls of one event each, and its text becomes the request body's
 * bytes as they are: each event keeps the byte range of its own JSON inside that body
 * (kept-json.ts), so the spool's flusher copies those bytes into its record instead of serialising
 * the event again, and the request (and any retry of it) sends the body without building it.
 *
 * Where one event ends and the next begins is found, not parsed: every event we make starts with
 * its id (`{"client_event_id":`, contract.ts), so in `{"metrics":[e0,e1,...]}` each boundary is an
 * occurrence of `},{"client_event_id":`. A string value cannot hold one (its quotes are escaped),
 * but a nested object in metadata could. So the split is used only when every event starts with its
 * id and the text holds exactly n - 1 occurrences: then they are the n - 1 real boundaries. Anything
 * else (a nested look-alike, an event of another shape, a value JSON refuses) falls back to one
 * serialisation per event.
 */
import { keepJsonBytes, keepJsonOfAll, keptOf, type Kept } from "./kept-json.ts";
import { utf8Bytes } from "./utf8-bytes.ts";

const FIRST_KEY = "client_event_id";
const EVENT_START = `{"${FIRST_KEY}":`;
const BOUNDARY = `},${EVENT_START}`;
const COMMA = 0x2c;
const CLOSE = "]}";

/** `{"metrics":[`: what an ingest body holds before its first event. */
function opening(key: string): string {
  return `{${JSON.stringify(key)}:[`;
}

/**
 * Keeps every value's JSON for the request body and the spool: as byte ranges of the body
 * `JSON.stringify({ [key]: values })` when none has any yet, else of one `JSON.stringify` of those
 * that have none; where the split is not safe, as one text per value. A value JSON refuses is left
 * as it is.
 */
export function keepJsonBatch(key: string, values: readonly object[]): void {
  let unkept = 0;
  for (const value of values) if (keptOf(value) === undefined) unkept++;
  if (unkept === 0) return;
  if (unkept === values.length) {
    if (!keepSplit(values, () => JSON.stringify({ [key]: values }), opening(key).length, CLOSE.length)) keepJsonOfAll(values);
    return;
  }
  // Some were kept already (the spool's flusher reached the first of them): the rest in one batch too.
  const rest = values.filter((value) => keptOf(value) === undefined);
  if (!keepJsonOfEvents(rest)) keepJsonOfAll(rest);
}

/**
 * Keeps each of `events` (none of which kept anything yet) as a byte range of one
 * `JSON.stringify(events)`: the spool's flusher, first to serialise events it writes before they
 * are sent (the bridge answers only once they are on disk). False when the split is not safe: then
 * nothing is kept.
 */
export function keepJsonOfEvents(events: readonly object[]): boolean {
  return events.length > 0 && keepSplit(events, () => JSON.stringify(events), 1, 1);
}

/** Serialises `values` once with `stringify` (whose text holds them from `from` to `closeLength` before its end) and keeps each one's range. */
function keepSplit(values: readonly object[], stringify: () => string, from: number, closeLength: number): boolean {
  for (const value of values) if (!startsWithId(value)) return false;
  let text: string;
  try {
    text = stringify();
  } catch {
    return false;
  }
  // For ASCII, character offsets are byte offsets (utf8-bytes.ts); otherwise the boundaries are
  // found in the UTF-8 itself (no byte of a multi-byte character is ASCII).
  const bytes = utf8Bytes(text);
  const starts = eventStarts(bytes.length === text.length ? text : bytes, from, values.length);
  if (starts === undefined) return false;
  const last = values.length - 1;
  for (let i = 0; i < last; i++) keepJsonBytes(values[i]!, bytes, starts[i]!, starts[i + 1]! - 1);
  keepJsonBytes(values[last]!, bytes, starts[last]!, bytes.length - closeLength);
  return true;
}

/** The value's JSON starts with its id: its first key is `client_event_id`, a string. */
function startsWithId(value: object): boolean {
  for (const key in value) return key === FIRST_KEY && typeof (value as Record<string, unknown>)[FIRST_KEY] === "string";
  return false;
}

/** Where each of the `n` events starts in `text` (the first at `from`), or `undefined` if the split is not certain. */
function eventStarts(text: string | Buffer, from: number, n: number): number[] | undefined {
  if (text.indexOf(EVENT_START, from) !== from) return undefined;
  const starts = new Array<number>(n);
  starts[0] = from;
  let at = from;
  for (let i = 1; i < n; i++) {
    const found = text.indexOf(BOUNDARY, at);
    if (found < 0) return undefined;
    at = starts[i] = found + 2; // past "},"
  }
  // One more occurrence means one of those found lies inside an event: the split would be wrong.
  return text.indexOf(BOUNDARY, at) < 0 ? starts : undefined;
}

/**
 * The UTF-8 bytes of `JSON.stringify({ [key]: values })` from what the values kept, or `undefined`
 * as soon as one of them kept nothing. The batch body the values were split from is returned as it
 * is when they are exactly its events, in order (a request and its retries); otherwise the kept
 * texts and byte ranges are joined.
 */
export function keptBodyBytes(key: string, values: readonly object[]): Buffer | undefined {
  const open = opening(key);
  const kept = new Array<Kept>(values.length);
  let texts = 0;
  for (let i = 0; i < values.length; i++) {
    const k = keptOf(values[i]!);
    if (k === undefined) return undefined;
    kept[i] = k;
    if (k.text !== undefined) texts++;
  }
  if (kept.length === 0) return Buffer.from(open + CLOSE, "latin1");
  if (texts === kept.length) return fromTexts(open, kept);
  return wholeBody(open, kept) ?? joined(open, kept);
}

/** The one body every kept range comes from, when the ranges are that body's events and nothing else. */
function wholeBody(open: string, kept: readonly Kept[]): Buffer | undefined {
  const body = kept[0]!.bytes!;
  let expected = open.length;
  for (const k of kept) {
    if (k.bytes !== body || k.start !== expected) return undefined;
    expected = k.end + 1; // past the comma
  }
  return expected - 1 === body.length - CLOSE.length && body.toString("latin1", 0, open.length) === open ? body : undefined;
}

/** Kept texts joined as one string (the braces inside the join: a rope around it would be copied flat again). */
function fromTexts(open: string, kept: readonly Kept[]): Buffer {
  const texts = kept.map((k) => k.text!);
  texts[0] = open + texts[0]!;
  texts[texts.length - 1] += CLOSE;
  return utf8Bytes(texts.join(","));
}

/**
 * Texts and byte ranges of several bodies, copied into one. Ranges that follow one another in their
 * body (consecutive events of one flusher batch: one comma apart) are copied as one run, commas
 * included: a request of 500 events the flusher serialised is then a copy or two, not 500.
 */
function joined(open: string, kept: readonly Kept[]): Buffer {
  let total = open.length + CLOSE.length + kept.length - 1;
  for (const k of kept) total += k.text === undefined ? k.end - k.start : Buffer.byteLength(k.text, "utf8");
  const out = Buffer.allocUnsafe(total);
  let pos = out.write(open, 0, "latin1");
  for (let i = 0; i < kept.length; i++) {
    const k = kept[i]!;
    if (i > 0) out[pos++] = COMMA;
    if (k.text !== undefined) {
      pos += out.write(k.text, pos, "utf8");
      continue;
    }
    let end = k.end;
    while (i + 1 < kept.length && kept[i + 1]!.bytes === k.bytes && kept[i + 1]!.start === end + 1) end = kept[++i]!.end;
    pos += k.bytes!.copy(out, pos, k.start, end);
  }
  out.write(CLOSE, pos, "latin1");
  return out;
}
