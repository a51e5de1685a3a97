import { describe, expect, it } from "vitest";
import { ProtoReader, WireType } from "../../../src/bridge/otlp/proto-reader.ts";
import { OtlpDecodeError } from "../../../src/bridge/otlp/otlp-decode-error.ts";
import { encode, varint } from "../helpers/proto-writer.ts";

const reader = (bytes: number[] | Uint8Array) => new ProtoReader(Uint8Array.from(bytes));

describe("ProtoReader", () => {
  it("reads varints of every length, exactly", () => {
    for (const value of [0n, 1n, 127n, 128n, 300n, 2n ** 32n - 1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n]) {
      expect(reader(varint(value)).uint64()).toBe(value);
    }
  });

  it("reads negative int64 and int32 (ten-byte varints) and zigzag sint32", () => {
    expect(reader(varint(-1n)).int64()).toBe(-1n);
    expect(reader(varint(-(2n ** 63n))).int64()).toBe(-(2n ** 63n));
    expect(reader(varint(-5n)).int32()).toBe(-5);
    for (const [n, zigzag] of [[0, 0], [-1, 1], [1, 2], [-2, 3], [2147483647, 4294967294], [-2147483648, 4294967295]] as const) {
      expect(reader(varint(zigzag)).sint32()).toBe(n);
    }
  });

  it("reads fixed64 / sfixed64 as exact bigints and agrees with the number fast paths below 2^53", () => {
    const samples = [0n, 1n, 1_544_712_660_300_000_000n, 2n ** 53n - 1n, 2n ** 64n - 1n];
    for (const value of samples) {
      const body = encode([{ f: 1, fixed64: value }]);
      const r = new ProtoReader(body, 1);
      expect(r.fixed64()).toBe(value);
      if (value < 2n ** 53n) expect(new ProtoReader(body, 1).fixed64AsNumber()).toBe(Number(value));
    }
    for (const value of [-1n, -(2n ** 52n), 2n ** 52n, -(2n ** 63n)]) {
      const body = encode([{ f: 1, fixed64: value }]);
      expect(new ProtoReader(body, 1).sfixed64()).toBe(value);
      expect(new ProtoReader(body, 1).sfixed64AsNumber()).toBe(Number(value));
    }
  });

  it("splits fixed64 nanoseconds into [seconds, nanos] exactly over the whole 64-bit range", () => {
    let state = 0x2545f4914f6cdd1dn;
    const samples = [0n, 999_999_999n, 1_000_000_000n, 1_764_000_000_123_456_789n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 64n - 1n];
    for (let i = 0; i < 2000; i++) {
      // xorshift64: arbitrary 64-bit patterns, reproducible
      state ^= (state << 13n) & 0xffffffffffffffffn;
      state ^= state >> 7n;
      state ^= (state << 17n) & 0xffffffffffffffffn;
      samples.push(state);
    }
    for (const value of samples) {
      const [seconds, nanos] = new ProtoReader(encode([{ f: 1, fixed64: value }]), 1).fixed64Nanos();
      expect([BigInt(seconds), BigInt(nanos)]).toEqual([value / 1_000_000_000n, value % 1_000_000_000n]);
    }
  });

  it("reads packed and expanded repeated scalars alike", () => {
    const packedPayload = new Uint8Array(16);
    new DataView(packedPayload.buffer).setBigUint64(0, 3n, true);
    new DataView(packedPayload.buffer).setBigUint64(8, 4n, true);
    const packed = encode([{ f: 6, bytes: packedPayload }]);
    const expanded = encode([{ f: 6, fixed64: 3n }, { f: 6, fixed64: 4n }]);
    for (const body of [packed, expanded]) {
      const r = new ProtoReader(body);
      const values: number[] = [];
      while (r.hasMore()) r.repeated(r.key() & 7, WireType.I64, (x) => x.fixed64AsNumber(), values);
      expect(values).toEqual([3, 4]);
    }
  });

  it("skips every known wire type and rejects groups and invalid ones", () => {
    const body = encode([{ f: 1, varint: 2n ** 64n - 1n }, { f: 2, fixed64: 1n }, { f: 3, string: "x" }, { f: 4, fixed32: 7 }]);
    const r = new ProtoReader(body);
    while (r.hasMore()) r.skip(r.key() & 7);
    expect(r.pos).toBe(body.length);
    for (const wire of [3, 4, 6, 7]) expect(() => reader([0]).skip(wire)).toThrow(OtlpDecodeError);
  });

  it("refuses reads past the end of the enclosing message", () => {
    expect(() => reader([0x80]).uint64()).toThrow(OtlpDecodeError);
    expect(() => reader([1, 2, 3]).fixed64()).toThrow(/truncated/);
    expect(() => reader([5, 1, 2]).string()).toThrow(/runs past the end/);
    // A nested message's reader stops at its own end even if the outer buffer goes on.
    const outer = reader([2, 0x0d, 0x01, 0xff, 0xff, 0xff]);
    const inner = outer.message();
    inner.key();
    expect(() => inner.fixed32()).toThrow(OtlpDecodeError);
    // enter() narrows the same reader the same way; leave() restores the enclosing end.
    const narrowed = reader([2, 0x0d, 0x01, 0xff, 0xff, 0xff]);
    const outerEnd = narrowed.enter();
    narrowed.key();
    expect(() => narrowed.fixed32()).toThrow(OtlpDecodeError);
    const nested = reader([2, 0x08, 0x07, 0x08, 0x09]);
    const end = nested.enter();
    expect([nested.key(), nested.uint32(), nested.hasMore()]).toEqual([8, 7, false]);
    nested.leave(end);
    expect([outerEnd, nested.hasMore(), nested.key(), nested.uint32(), nested.hasMore()]).toEqual([6, true, 8, 9, false]);
    expect(() => reader(Array(11).fill(0x80)).uint64()).toThrow(/longer than 10 bytes/);
    expect(() => reader([0]).key()).toThrow(/field number 0/);
    expect(() => reader([...varint(2n ** 40n)]).uint32()).toThrow(/32 bits/);
  });

  it("decodes UTF-8 strings, short ASCII and long multi-byte alike", () => {
    for (const text of ["loss", "é", "步骤 step ✓", "x".repeat(100), "ü".repeat(40)]) {
      expect(new ProtoReader(encode([{ f: 1, string: text }]), 1).string()).toBe(text);
    }
  });
});
