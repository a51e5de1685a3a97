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

/** The text and the object it was made from (a spread copy carries the pair but is not its owner). */
interface Kept {
  readonly owner: object;
  readonly text: string;
}

interface WithKept {
  [KEPT]?: Kept;
}

/** The text kept for `value` by `keepJson`, if any. */
export function keptJson(value: object): string | undefined {
  const kept = (value as WithKept)[KEPT];
  return kept?.owner === value ? kept.text : undefined;
}

/**
 * Keeps `text` (which must be `JSON.stringify(value)`) for the next serialiser of `value`; does
 * nothing for a frozen or sealed value. A plain property store: `Object.defineProperty` (to hide it
 * from spreads) cost ~0.4 µs per event, more than the serialisation it saves.
 */
export function keepJson(value: object, text: string): void {
  if (Object.isExtensible(value)) (value as WithKept)[KEPT] = { owner: value, text };
}

/**
 * Serialises and keeps each value that has no kept text yet. A value `JSON.stringify` refuses
 * (a cycle, a BigInt) is left as it is: whoever serialises it next meets the same error.
 */
export function keepJsonOfAll(values: readonly object[]): void {
  for (const value of values) {
    if (keptJson(value) !== undefined) continue;
    let text: unknown;
    try {
      text = JSON.stringify(value);
    } catch {
      continue;
    }
    if (typeof text === "string") keepJson(value, text);
  }
}

/**
 * An ingest body, `JSON.stringify({ [key]: values })`, built from the kept texts, or undefined as
 * soon as one of the values has none (the caller then serialises them all). The braces go into
 * the join rather than around its result: a string made by `+` around a joined body is a rope,
 * which encoding it as UTF-8 first copies flat (~25 % of building a body, measured).
 */
export function keptJsonBody(key: string, values: readonly object[]): string | undefined {
  const open = `{${JSON.stringify(key)}:[`;
  const close = "]}";
  if (values.length === 0) return open + close;
  const texts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const text = keptJson(values[i]!);
    if (text === undefined) return undefined;
    texts[i] = text;
  }
  texts[0] = open + texts[0]!;
  texts[values.length - 1] += close;
  return texts.join(",");
}
