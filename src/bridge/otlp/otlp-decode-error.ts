/**
 * The one error an OTLP decoder throws for a body it cannot read: truncated or malformed
 * protobuf, JSON that does not match the OTLP schema, or values out of range. The receiver
 * turns it into `400 Bad Request` with a `google.rpc.Status`; anything else escaping a decoder
 * would be a bug, which the fuzz tests look for.
 */
export class OtlpDecodeError extends Error {
  readonly code = "otlp_decode";
  /** Where in the message the problem is, e.g. `resourceMetrics[0].scopeMetrics[1].metrics[2]`. */
  readonly path: string;
  /** Byte offset in a protobuf body, when known. */
  readonly offset: number | undefined;

  constructor(message: string, options: { path?: string; offset?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OtlpDecodeError";
    this.path = options.path ?? "";
    this.offset = options.offset;
  }

  /** The same error seen from an enclosing message: `segment` is prepended to the path. */
  within(segment: string): OtlpDecodeError {
    const path = this.path === "" ? segment : this.path.startsWith("[") ? `${segment}${this.path}` : `${segment}.${this.path}`;
    return new OtlpDecodeError(this.message, { path, offset: this.offset, cause: this.cause });
  }

  override toString(): string {
    return this.path === "" ? `${this.name}: ${this.message}` : `${this.name}: ${this.path}: ${this.message}`;
  }
}

/** Runs `decode`, naming `segment` in the path of any `OtlpDecodeError` it throws. */
export function decodingField<T>(segment: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw error instanceof OtlpDecodeError ? error.within(segment) : error;
  }
}
