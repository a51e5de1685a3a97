/**
 * Fixed bytes written around a JSON payload: a record is `head + JSON.stringify(value) + tail`.
 * Every event record of one experiment starts with the same `{"x":<slug>,"i":<id>,"e":` and ends
 * with `}`; encoding that once per experiment (not once per event) spares `append()` a wrapper
 * object per event and the flusher a stringify of the repeated part, while the bytes on disk are
 * exactly `JSON.stringify({ x, i, e })` (tested), so the record format does not change.
 */

export class JsonEnvelope {
  readonly head: Buffer;
  readonly tail: Buffer;

  constructor(head: string, tail: string) {
    this.head = Buffer.from(head, "utf8");
    this.tail = Buffer.from(tail, "utf8");
  }

  /** The envelope that turns a value `v` into the bytes of `JSON.stringify({ ...fields, [key]: v })`. */
  static around(fields: Record<string, unknown>, key: string): JsonEnvelope {
    const open = JSON.stringify(fields).slice(0, -1); // drop the closing brace
    return new JsonEnvelope(`${open}${open.length > 1 ? "," : ""}${JSON.stringify(key)}:`, "}");
  }
}
