/**
 * A protobuf wire-format reader over one byte range, written for the OTLP subset the bridge
 * decodes. Every read is bounds-checked against the range of the enclosing message, so a
 * truncated or hostile body ends in an `OtlpDecodeError` (never a `RangeError`, an out-of-range
 * read of a neighbouring message, or a loop that does not advance).
 *
 * 64-bit integers come back as `bigint` (`uint64`, `int64`, `fixed64`, `sfixed64`) so nanosecond
 * timestamps keep every digit. The data point hot path avoids the bigint: `fixed64AsNumber` /
 * `sfixed64AsNumber` for values that end up as a JS number anyway (integer values, counts), and
 * `fixed64Nanos` for timestamps, exact as `[seconds, nanos]`.
 */
import { OtlpDecodeError } from "./otlp-decode-error.ts";

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

const utf8 = new TextDecoder("utf-8");
const TWO_32 = 4294967296;

export class ProtoReader {
  readonly bytes: Uint8Array;
  /** Next byte to read. */
  pos: number;
  /** One past the last byte of the message being read (narrowed by `enter()`). */
  end: number;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length, view?: DataView) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    this.view = view ?? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  hasMore(): boolean {
    return this.pos < this.end;
  }

  /** Reads a field key; `field = key >>> 3`, `wireType = key & 7`. Field 0 is invalid. */
  key(): number {
    const at = this.pos;
    const key = this.uint32();
    if (key >>> 3 === 0) throw this.error(`invalid field number 0`, at);
    return key;
  }

  /** A varint that must fit in 32 bits unsigned (keys, lengths, uint32 fields). */
  uint32(): number {
    const value = this.varintNumber();
    if (value > 0xffffffff) throw this.error(`varint ${value} does not fit in 32 bits`);
    return value;
  }

  /** `int32` / enum: a varint whose low 32 bits are a two's-complement number (negatives use 10 bytes). */
  int32(): number {
    return Number(BigInt.asIntN(32, this.varintBigInt()));
  }

  /** `sint32`: zigzag-encoded. */
  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  bool(): boolean {
    return this.varintBigInt() !== 0n;
  }

  uint64(): bigint {
    return this.varintBigInt();
  }

  int64(): bigint {
    return BigInt.asIntN(64, this.varintBigInt());
  }

  fixed32(): number {
    const at = this.take(4);
    return this.view.getUint32(at, true);
  }

  fixed64(): bigint {
    const at = this.take(8);
    return this.view.getBigUint64(at, true);
  }

  sfixed64(): bigint {
    const at = this.take(8);
    return this.view.getBigInt64(at, true);
  }

  /** `sfixed64` read straight into a number (exact up to 2^53, rounded beyond). */
  sfixed64AsNumber(): number {
    const at = this.take(8);
    return this.view.getInt32(at + 4, true) * TWO_32 + this.view.getUint32(at, true);
  }

  /** `fixed64` read straight into a number (exact up to 2^53, rounded beyond). */
  fixed64AsNumber(): number {
    const at = this.take(8);
    return this.view.getUint32(at + 4, true) * TWO_32 + this.view.getUint32(at, true);
  }

  /**
   * A `fixed64` count of nanoseconds as `[seconds, nanos]`, exactly, without a bigint (the hot
   * path: two timestamps per data point). Splits the value as a·2^48 + b·2^32 + lo so every
   * intermediate stays below 2^53.
   */
  fixed64Nanos(): [number, number] {
    const at = this.take(8);
    const lo = this.view.getUint32(at, true);
    const hi = this.view.getUint32(at + 4, true);
    const a = hi >>> 16;
    const b = hi & 0xffff;
    // 2^48 = 281474·10^9 + 976710656 and 2^32 = 4·10^9 + 294967296.
    const remainder = a * 976_710_656 + b * 294_967_296 + lo;
    const carry = Math.floor(remainder / 1e9);
    return [a * 281_474 + b * 4 + carry, remainder - carry * 1e9];
  }

  double(): number {
    const at = this.take(8);
    return this.view.getFloat64(at, true);
  }

  /** A length-delimited field's payload (a view, not a copy). */
  lengthDelimited(): Uint8Array {
    const [start, end] = this.lengthDelimitedRange();
    return this.bytes.subarray(start, end);
  }

  string(): string {
    const [start, end] = this.lengthDelimitedRange();
    return decodeUtf8(this.bytes, start, end);
  }

  /** A reader over an embedded message; this reader moves past it. */
  message(): ProtoReader {
    const [start, end] = this.lengthDelimitedRange();
    return new ProtoReader(this.bytes, start, end, this.view);
  }

  /**
   * Narrows this reader to the embedded message that follows (no new reader: the hot path of
   * attributes). Returns the enclosing end for `leave()`, to be called once the message is read.
   */
  enter(): number {
    const [start, end] = this.lengthDelimitedRange();
    const outer = this.end;
    this.pos = start;
    this.end = end;
    return outer;
  }

  leave(outer: number): void {
    this.end = outer;
  }

  /**
   * Reads a repeated scalar field in either encoding: packed (one LEN field holding
   * back-to-back values) or expanded (one field per value), as the protobuf spec requires
   * parsers to accept both.
   */
  repeated<T>(wireType: number, scalarWireType: number, readOne: (reader: ProtoReader) => T, into: T[]): void {
    if (wireType === scalarWireType) {
      into.push(readOne(this));
      return;
    }
    if (wireType !== WireType.LEN) throw this.error(`wire type ${wireType} where a repeated scalar was expected`);
    const packed = this.message();
    while (packed.hasMore()) into.push(readOne(packed));
  }

  /** Skips a field this decoder does not use (unknown fields must be ignored). */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varintBigInt();
        return;
      case WireType.I64:
        this.take(8);
        return;
      case WireType.LEN:
        this.lengthDelimitedRange();
        return;
      case WireType.I32:
        this.take(4);
        return;
      default:
        // Groups (3, 4) are deprecated and unused by OTLP; 6 and 7 do not exist.
        throw this.error(`unsupported wire type ${wireType}`);
    }
  }

  /** Throws unless `wireType` is the expected one for `field`. */
  expect(wireType: number, expected: number, field: string): void {
    if (wireType !== expected) throw this.error(`field ${field} has wire type ${wireType}, expected ${expected}`);
  }

  error(message: string, offset = this.pos): OtlpDecodeError {
    return new OtlpDecodeError(`${message} (at byte ${offset})`, { offset });
  }

  private lengthDelimitedRange(): [number, number] {
    const length = this.uint32();
    const start = this.pos;
    if (length > this.end - start) {
      throw this.error(`length ${length} runs past the end of the message (${this.end - start} bytes left)`, start);
    }
    this.pos = start + length;
    return [start, this.pos];
  }

  private take(count: number): number {
    const at = this.pos;
    if (count > this.end - at) throw this.error(`truncated: needed ${count} bytes, ${this.end - at} left`, at);
    this.pos = at + count;
    return at;
  }

  /** Varints up to 2^53 as a number (the fast path for keys and lengths). */
  private varintNumber(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= this.end) throw this.error("truncated varint", pos);
      const byte = bytes[pos++] as number;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) {
        this.pos = pos;
        return result;
      }
      multiplier *= 128;
    }
    // Eight 7-bit groups cover 2^56; beyond that take the exact path.
    const value = this.varintBigInt();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.error(`varint ${value} is too large`);
    return Number(value);
  }

  private varintBigInt(): bigint {
    const bytes = this.bytes;
    let pos = this.pos;
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.end) throw this.error("truncated varint", pos);
      const byte = bytes[pos++] as number;
      result |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if (byte < 0x80) {
        this.pos = pos;
        return BigInt.asUintN(64, result);
      }
    }
    throw this.error("varint longer than 10 bytes", this.pos);
  }
}

/** Short ASCII strings (attribute keys, metric names) skip the TextDecoder call overhead. */
function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let ascii = "";
    for (let i = start; i < end; i++) {
      const byte = bytes[i] as number;
      if (byte >= 0x80) return utf8.decode(bytes.subarray(start, end));
      ascii += String.fromCharCode(byte);
    }
    return ascii;
  }
  return utf8.decode(bytes.subarray(start, end));
}
