/**
 * A tiny protobuf writer for hand-built test bodies (fields in any order, unknown fields,
 * unpacked repeated scalars, summaries, flags): what other senders may produce and the
 * official JS serializer never does.
 */
export type Field =
  | { f: number; varint: bigint | number }
  | { f: number; fixed64: bigint }
  | { f: number; double: number }
  | { f: number; fixed32: number }
  | { f: number; bytes: Uint8Array }
  | { f: number; string: string }
  | { f: number; message: Field[] };

export function varint(value: bigint | number): number[] {
  let rest = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return out;
}

export function encode(fields: Field[]): Uint8Array {
  const out: number[] = [];
  for (const field of fields) {
    const key = (wire: number) => out.push(...varint(field.f * 8 + wire));
    if ("varint" in field) {
      key(0);
      out.push(...varint(field.varint));
    } else if ("fixed64" in field) {
      key(1);
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, BigInt.asUintN(64, field.fixed64), true);
      out.push(...new Uint8Array(view.buffer));
    } else if ("double" in field) {
      key(1);
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, field.double, true);
      out.push(...new Uint8Array(view.buffer));
    } else if ("fixed32" in field) {
      key(5);
      const view = new DataView(new ArrayBuffer(4));
      view.setUint32(0, field.fixed32, true);
      out.push(...new Uint8Array(view.buffer));
    } else {
      const payload = "bytes" in field ? field.bytes : "string" in field ? new TextEncoder().encode(field.string) : encode(field.message);
      key(2);
      out.push(...varint(payload.length), ...payload);
    }
  }
  return Uint8Array.from(out);
}

export const kv = (key: string, value: Field[]): Field[] => [{ f: 1, string: key }, { f: 2, message: value }];
export const str = (s: string): Field[] => [{ f: 1, string: s }];
