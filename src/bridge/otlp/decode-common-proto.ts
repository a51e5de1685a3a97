/**
 * Protobuf decoding of the messages metrics and logs share (opentelemetry/proto/common/v1 and
 * resource/v1): `AnyValue`, `KeyValue` lists, `Resource`, `InstrumentationScope`.
 *
 * Values become what the OTel JS SDK holds in `Attributes` / a log body: strings, booleans,
 * numbers, arrays, plain objects (for `kvlist_value`) and `Uint8Array` (for `bytes_value`).
 * `int_value` beyond ±2^53 becomes a decimal string, because a JS number would silently change
 * it and a bigint cannot be JSON-encoded downstream.
 */
import type { Attributes } from "@opentelemetry/api";
import { fieldTable, readFields, type FieldSpec } from "./proto-fields.ts";
import { WireType, type ProtoReader } from "./proto-reader.ts";

/**
 * Most arrays / kvlists a value may sit in (the same bound as the JSON decoder's); deeper nesting
 * is refused rather than risking a stack overflow.
 */
export const MAX_ANY_VALUE_DEPTH = 64;

export interface DecodedAttributes {
  attributes: Attributes;
  droppedAttributesCount: number;
}

export type DecodedResource = DecodedAttributes;

export interface DecodedScope extends DecodedAttributes {
  name: string;
  version: string;
}

export function int64ToJs(value: bigint): number | string {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value.toString();
}

/**
 * Decodes an `AnyValue`; an empty one (no field set) is `undefined`. `AnyValue` and `KeyValue`
 * keep a hand-written loop, not a field table: they are read three times per data point, and a
 * table would need a state object per message where these keep the value in locals.
 */
export function decodeAnyValue(reader: ProtoReader, depth: number): unknown {
  if (depth > MAX_ANY_VALUE_DEPTH) throw reader.error(`values nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  let value: unknown = undefined;
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 1:
        reader.expect(wireType, WireType.LEN, "string_value");
        value = reader.string();
        break;
      case 2:
        reader.expect(wireType, WireType.VARINT, "bool_value");
        value = reader.bool();
        break;
      case 3:
        reader.expect(wireType, WireType.VARINT, "int_value");
        value = int64ToJs(reader.int64());
        break;
      case 4:
        reader.expect(wireType, WireType.I64, "double_value");
        value = reader.double();
        break;
      case 5:
        reader.expect(wireType, WireType.LEN, "array_value");
        value = decodeArrayValue(reader.message(), depth + 1);
        break;
      case 6:
        reader.expect(wireType, WireType.LEN, "kvlist_value");
        value = decodeKeyValueList(reader.message(), depth + 1);
        break;
      case 7:
        reader.expect(wireType, WireType.LEN, "bytes_value");
        // A copy, so holding on to the value does not keep the whole request body alive.
        value = reader.lengthDelimited().slice();
        break;
      default:
        // 8 = string_value_strindex (profiles' string table only) and anything newer.
        reader.skip(wireType);
    }
  }
  return value;
}

interface ArrayState {
  values: unknown[];
  depth: number;
}

interface KeyValueListState {
  object: Record<string, unknown>;
  depth: number;
}

const ARRAY_FIELDS = fieldTable<ArrayState>({
  1: { name: "ArrayValue.values", wireType: WireType.LEN, read: (r, s) => s.values.push(decodeAnyValue(r.message(), s.depth) ?? null) },
});

const KEY_VALUE_LIST_FIELDS = fieldTable<KeyValueListState>({
  1: { name: "KeyValueList.values", wireType: WireType.LEN, read: (r, s) => readKeyValueInto(r, s.object, s.depth) },
});

function decodeArrayValue(reader: ProtoReader, depth: number): unknown[] {
  return readFields(reader, ARRAY_FIELDS, { values: [], depth }).values;
}

function decodeKeyValueList(reader: ProtoReader, depth: number): Record<string, unknown> {
  return readFields(reader, KEY_VALUE_LIST_FIELDS, { object: {}, depth }).object;
}

/**
 * Reads the `KeyValue` message that follows (a length-delimited field) into `into`; a key
 * without a value is left out.
 */
export function readKeyValueInto(reader: ProtoReader, into: Record<string, unknown>, depth = 0): void {
  const outer = reader.enter();
  let name = "";
  let value: unknown = undefined;
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 1:
        reader.expect(wireType, WireType.LEN, "KeyValue.key");
        name = reader.string();
        break;
      case 2: {
        reader.expect(wireType, WireType.LEN, "KeyValue.value");
        const valueOuter = reader.enter();
        value = decodeAnyValue(reader, depth);
        reader.leave(valueOuter);
        break;
      }
      default:
        reader.skip(wireType);
    }
  }
  reader.leave(outer);
  if (value !== undefined) into[name] = value;
}

/** `attributes` and `dropped_attributes_count`, which `Resource` and `InstrumentationScope` share (at different numbers). */
function attributesField(message: string): FieldSpec<DecodedAttributes> {
  return { name: `${message}.attributes`, wireType: WireType.LEN, read: (r, s) => readKeyValueInto(r, s.attributes) };
}

function droppedAttributesCountField(message: string): FieldSpec<DecodedAttributes> {
  return {
    name: `${message}.dropped_attributes_count`,
    wireType: WireType.VARINT,
    read: (r, s) => {
      s.droppedAttributesCount = r.uint32();
    },
  };
}

/** `Resource` { 1: attributes, 2: dropped_attributes_count, 3: entity_refs (ignored) }. */
const RESOURCE_FIELDS = fieldTable<DecodedResource>({
  1: attributesField("Resource"),
  2: droppedAttributesCountField("Resource"),
});

/** `InstrumentationScope` { 1: name, 2: version, 3: attributes, 4: dropped_attributes_count }. */
const SCOPE_FIELDS = fieldTable<DecodedScope>({
  1: {
    name: "InstrumentationScope.name",
    wireType: WireType.LEN,
    read: (r, s) => {
      s.name = r.string();
    },
  },
  2: {
    name: "InstrumentationScope.version",
    wireType: WireType.LEN,
    read: (r, s) => {
      s.version = r.string();
    },
  },
  3: attributesField("InstrumentationScope"),
  4: droppedAttributesCountField("InstrumentationScope"),
});

export function decodeResource(reader: ProtoReader): DecodedResource {
  return readFields(reader, RESOURCE_FIELDS, { attributes: {}, droppedAttributesCount: 0 });
}

export function decodeScope(reader: ProtoReader): DecodedScope {
  return readFields(reader, SCOPE_FIELDS, { name: "", version: "", attributes: {}, droppedAttributesCount: 0 });
}
