/**
 * One serialisation per event, shared by the spool record and the request body. With the spool on,
 * whichever needs an event's JSON first (the spool's flusher for its record, or the outbox sending
 * it) serialises it and keeps the text on the event object, under a symbol (`JSON.stringify`,
 * `Object.keys` and for-in never see it; deep-equality helpers and `util.inspect` do); the other
 * takes the kept text instead of serialising the event a second time. Serialisation was the
 * largest part of what the spool cost end to end (docs/performance.md#the-spool-on-the-hot-path).
 *
 * Safe because an event is never changed once queued (the spool already relies on it: it
 * serialises after `append()`), and a kept text is exactly `JSON.stringify(event)`, so a body built
 * from kept texts is byte for byte `JSON.stringify({ metrics: events })`. A copy of an event (a
 * spread copies symbol properties) does not inherit the text: it is kept with the object it
 * describes and only given back for that object. Without a spool nothing is kept.
 */
const KEPT = Symbol("syvain-metrics-otel.json");

/**
 * An event's JSON, kept with the object it was made from (a spread copy carries the pair but is not
 * its owner): either its own `text`, or (`text` undefined) the UTF-8 bytes `bytes[start, end)` of one
 * request body serialised for a whole batch (kept-batch.ts). One shape for both, so that reading
 * it stays monomorphic.
 */
export interface Kept {
  readonly owner: object;
  readonly text: string | undefined;
  readonly bytes: Buffer | undefined;
  readonly start: number;
  readonly end: number;
}

interface WithKept {
  [KEPT]?: Kept;
}

/** What was kept for `value` (its text, or its bytes in a batch's body), if anything. */
export function keptOf(value: object): Kept | undefined {
  const kept = (value as WithKept)[KEPT];
  return kept?.owner === value ? kept : undefined;
}

/** The text kept for `value`, if any: its own, or decoded from the batch body that holds it. */
export function keptJson(value: object): string | undefined {
  const kept = keptOf(value);
  if (kept === undefined) return undefined;
  return kept.text ?? kept.bytes!.toString("utf8", kept.start, kept.end);
}

/**
 * Keeps `text` (which must be `JSON.stringify(value)`) for the next serialiser of `value`; does
 * nothing for a frozen or sealed value. A plain property store: `Object.defineProperty` (to hide it
 * from spreads) cost ~0.4 µs per event, more than the serialisation it saves.
 */
export function keepJson(value: object, text: string): void {
  if (Object.isExtensible(value)) (value as WithKept)[KEPT] = { owner: value, text, bytes: undefined, start: 0, end: 0 };
}

/** Keeps `bytes[start, end)` (the UTF-8 of `JSON.stringify(value)`, inside a batch's body) for `value`. */
export function keepJsonBytes(value: object, bytes: Buffer, start: number, end: number): void {
  if (Object.isExtensible(value)) (value as WithKept)[KEPT] = { owner: value, text: undefined, bytes, start, end };
}

/**
 * An object known by the UTF-8 bytes of its JSON alone, `bytes[start, end)`: a spilled event read
 * back from the spool (src/delivery/journal/read-back.ts). `keptOf` gives that range, so a request
 * body copies the bytes; `JSON.stringify` gives exactly their text (`toJSON` parses them, for a
 * serialiser that does not look for kept JSON). Three private fields instead of the parsed event
 * (its object, its metadata's, its strings), a `Kept` and views of the read: a drain holds
 * thousands of these at once, and what it holds survives V8's young-generation collections, which
 * is what makes V8 grow that generation (docs/spool.md, "Spill"). The `Kept` is made on each
 * `keptOf` call instead, and dropped by the code that asked (a request body being built): cached
 * on the event, it lived as long as the request and survived scavenges (measured). Nothing assigns
 * it kept JSON (`keepJson*`): whoever would checks `keptOf` first, and this has some.
 */
export class KeptBytes {
  readonly #bytes: Buffer;
  readonly #start: number;
  readonly #end: number;

  constructor(bytes: Buffer, start: number, end: number) {
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
  }

  get [KEPT](): Kept {
    return { owner: this, text: undefined, bytes: this.#bytes, start: this.#start, end: this.#end };
  }

  toJSON(): unknown {
    return JSON.parse(this.#bytes.toString("utf8", this.#start, this.#end));
  }
}

/**
 * Serialises and keeps each value that has no kept text yet. A value `JSON.stringify` refuses
 * (a cycle, a BigInt) is left as it is: whoever serialises it next meets the same error.
 */
export function keepJsonOfAll(values: readonly object[]): void {
  for (const value of values) {
    if (keptOf(value) !== undefined) continue;
    let text: unknown;
    try {
      text = JSON.stringify(value);
    } catch {
      continue;
    }
    if (typeof text === "string") keepJson(value, text);
  }
}
