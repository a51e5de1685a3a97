/**
 * A request body as UTF-8 bytes of its compact JSON, made cheaply for the common case.
 *
 * undici turns a string body into bytes with `Buffer.from(text)` (UTF-8), which costs about as much
 * as the `JSON.stringify` that made the text: for an ingest batch that is ~0.3 µs per event.
 * Batches are nearly always pure ASCII (ids, names, numbers; labels like `"train"`), and for ASCII
 * text the Latin-1 copy is byte for byte the UTF-8 encoding, at a quarter of the cost.
 * `Buffer.byteLength(text)` equals `text.length` exactly when every character is ASCII (any other
 * code unit takes two or more UTF-8 bytes, a surrogate pair four), which decides the path safely:
 * the bytes sent are always the UTF-8 of the text.
 */
export function jsonBody(value: unknown): Buffer {
  const text = JSON.stringify(value);
  return Buffer.byteLength(text, "utf8") === text.length ? Buffer.from(text, "latin1") : Buffer.from(text, "utf8");
}
