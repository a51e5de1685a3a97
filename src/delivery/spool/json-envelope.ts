/**
 * Fixed bytes written around a JSON payload: a record is `head + JSON.stringify(value) + tail`.
 * Every event record of one experiment starts with the same `{"x":<slug>,"i":<id>,"e":` and ends
 * with `}`; encoding that once per experiment (not once per event) spares `append()` a wrapper
 * object per event and the flusher a stringify of the repeated part, while the bytes on disk are
 * exactly `JSON.stringify({ x, i, e })` (tested), so the record format does not change.
 */
import { Crc32cBlock } from "./crc32c-prefix.ts";

export class JsonEnvelope {
  readonly head: Buffer;
  readonly tail: Buffer;
  #headCrc: Crc32cBlock | undefined;

  constructor(head: string, tail: string) {
    this.head = Buffer.from(head, "utf8");
    this.tail = Buffer.from(tail, "utf8");
  }

  /** The head's share of a record checksum (crc32c-prefix.ts), made at the first record written: its tables take ~0.1 ms. */
  get headCrc(): Crc32cBlock {
    return (this.#headCrc ??= new Crc32cBlock(this.head));
  }

  /** The envelope that turns a value `v` into the bytes of `JSON.stringify({ ...fields, [key]: v })`. */
  static around(fields: Record<string, unknown>, key: string): JsonEnvelope {
    const open = JSON.stringify(fields).slice(0, -1); // drop the closing brace
    return new JsonEnvelope(`${open}${open.length > 1 ? "," : ""}${JSON.stringify(key)}:`, "}");
  }
}
