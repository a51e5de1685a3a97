/**
 * Table-driven message decoding: a message decoder is a table of the fields it reads (field
 * number → name, wire type, how to store the value) and one shared loop, `readFields`, which
 * reads keys, checks wire types, and skips every field the table does not list (protobuf
 * requires unknown fields to be ignored). Each decoder used to repeat that loop as a `switch`.
 *
 * The state a table writes into is the object being built (a `Resource`, a log record's fields)
 * or a scratch object the caller reuses, so the loop allocates nothing per message: allocation is
 * the measured reason this decoder is kept over protobufjs (bench/decoder-vs-protobufjs.bench.ts).
 */
import type { ProtoReader } from "./proto-reader.ts";

/** `wireType` of a repeated scalar field, which arrives packed (LEN) or one value per field. */
export const EITHER_ENCODING = -1;

export interface FieldSpec<S> {
  /** Protobuf field name, for errors. */
  name: string;
  /** The wire type the field must have, or `EITHER_ENCODING`. */
  wireType: number;
  /** Reads the value that follows the key into `state`. `wireType` is the one on the wire. */
  read(reader: ProtoReader, state: S, wireType: number): void;
}

/** Field specs indexed by field number (a dense array: one bounds-checked load per key). */
export type FieldTable<S> = readonly (FieldSpec<S> | undefined)[];

export function fieldTable<S>(fields: Readonly<Record<number, FieldSpec<S>>>): FieldTable<S> {
  const numbers = Object.keys(fields).map(Number);
  const table: (FieldSpec<S> | undefined)[] = Array.from({ length: Math.max(0, ...numbers) + 1 }, () => undefined);
  for (const number of numbers) table[number] = fields[number];
  return table;
}

/** Reads every field up to the reader's end into `state` and returns it. */
export function readFields<S>(reader: ProtoReader, table: FieldTable<S>, state: S): S {
  while (reader.pos < reader.end) {
    const key = reader.key();
    const wireType = key & 7;
    const spec = table[key >>> 3];
    if (spec === undefined) {
      reader.skip(wireType);
      continue;
    }
    if (spec.wireType !== EITHER_ENCODING) reader.expect(wireType, spec.wireType, spec.name);
    spec.read(reader, state, wireType);
  }
  return state;
}
