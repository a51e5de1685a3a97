/**
 * Protobuf data points → SDK data points: `NumberDataPoint`, `HistogramDataPoint`,
 * `ExponentialHistogramDataPoint` (opentelemetry/proto/metrics/v1/metrics.proto).
 * Timestamps are `fixed64` nanoseconds, read as bigint so no digit is lost.
 */
import type { Attributes, HrTime } from "@opentelemetry/api";
import type { ExponentialHistogram, Histogram } from "@opentelemetry/sdk-metrics";
import { DATA_POINT_FLAG_NO_RECORDED_VALUE, type DecodedDataPoint } from "./decoded-types.ts";
import { readKeyValueInto } from "./decode-common-proto.ts";
import { WireType, type ProtoReader } from "./proto-reader.ts";
import { dataPoint, type RejectionTally } from "./sdk-shapes.ts";

export interface NumberPointSink {
  points: DecodedDataPoint<number>[];
  /** Stays true while every point so far used `as_int`. */
  allInt: boolean;
  rejected: RejectionTally;
}

const readFixed64 = (reader: ProtoReader): number => reader.fixed64AsNumber();
const readDouble = (reader: ProtoReader): number => reader.double();
const readUint64 = (reader: ProtoReader): number => Number(reader.uint64());

/**
 * `NumberDataPoint` { 7: attributes, 2: start_time_unix_nano, 3: time_unix_nano,
 * 4: as_double | 6: as_int, 5: exemplars, 8: flags }. A point without a value is kept only when
 * flagged NO_RECORDED_VALUE (value NaN; the mapping drops it); otherwise it is rejected.
 */
export function decodeNumberPoint(reader: ProtoReader, sink: NumberPointSink): void {
  const attributes: Attributes = {};
  let start: HrTime = [0, 0];
  let time: HrTime = [0, 0];
  let value: number | undefined;
  let isInt = false;
  let flags = 0;
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 7:
        reader.expect(wireType, WireType.LEN, "attributes");
        readKeyValueInto(reader, attributes);
        break;
      case 2:
        reader.expect(wireType, WireType.I64, "start_time_unix_nano");
        start = reader.fixed64Nanos();
        break;
      case 3:
        reader.expect(wireType, WireType.I64, "time_unix_nano");
        time = reader.fixed64Nanos();
        break;
      case 4:
        reader.expect(wireType, WireType.I64, "as_double");
        value = reader.double();
        isInt = false;
        break;
      case 6:
        reader.expect(wireType, WireType.I64, "as_int");
        value = reader.sfixed64AsNumber();
        isInt = true;
        break;
      case 8:
        reader.expect(wireType, WireType.VARINT, "flags");
        flags = reader.uint32();
        break;
      default:
        reader.skip(wireType);
    }
  }
  if (value === undefined) {
    if ((flags & DATA_POINT_FLAG_NO_RECORDED_VALUE) === 0) {
      sink.rejected.add(1, "data point without a value");
      return;
    }
    value = Number.NaN;
  }
  if (!isInt) sink.allInt = false;
  sink.points.push(dataPoint(start, time, attributes, value, flags));
}

/** What both histogram point messages share; only some field numbers differ. */
interface HistogramPointState<V extends Histogram | ExponentialHistogram> {
  attributes: Attributes;
  start: HrTime;
  time: HrTime;
  flags: number;
  value: V;
}

/** Field numbers that differ between the two histogram point messages. */
interface HistogramFieldNumbers {
  attributes: number;
  min: number;
  max: number;
}

/**
 * Reads a field both histogram points have (2: start, 3: time, 4: count, 5: sum, 10: flags, and
 * attributes / min / max at their message's numbers); false when the field is not one of them.
 */
function readSharedHistogramField<V extends Histogram | ExponentialHistogram>(
  reader: ProtoReader,
  field: number,
  wireType: number,
  numbers: HistogramFieldNumbers,
  state: HistogramPointState<V>,
): boolean {
  switch (field) {
    case numbers.attributes:
      reader.expect(wireType, WireType.LEN, "attributes");
      readKeyValueInto(reader, state.attributes);
      return true;
    case 2:
      reader.expect(wireType, WireType.I64, "start_time_unix_nano");
      state.start = reader.fixed64Nanos();
      return true;
    case 3:
      reader.expect(wireType, WireType.I64, "time_unix_nano");
      state.time = reader.fixed64Nanos();
      return true;
    case 4:
      reader.expect(wireType, WireType.I64, "count");
      state.value.count = reader.fixed64AsNumber();
      return true;
    case 5:
      reader.expect(wireType, WireType.I64, "sum");
      state.value.sum = reader.double();
      return true;
    case 10:
      reader.expect(wireType, WireType.VARINT, "flags");
      state.flags = reader.uint32();
      return true;
    case numbers.min:
      reader.expect(wireType, WireType.I64, "min");
      state.value.min = reader.double();
      return true;
    case numbers.max:
      reader.expect(wireType, WireType.I64, "max");
      state.value.max = reader.double();
      return true;
    default:
      return false;
  }
}

const HISTOGRAM_FIELDS: HistogramFieldNumbers = { attributes: 9, min: 11, max: 12 };
const EXPONENTIAL_FIELDS: HistogramFieldNumbers = { attributes: 1, min: 12, max: 13 };

/**
 * `HistogramDataPoint` { 9: attributes, 2: start, 3: time, 4: count, 5: sum, 6: bucket_counts,
 * 7: explicit_bounds, 8: exemplars, 10: flags, 11: min, 12: max }.
 */
export function decodeHistogramPoint(reader: ProtoReader): DecodedDataPoint<Histogram> {
  const state: HistogramPointState<Histogram> = {
    attributes: {},
    start: [0, 0],
    time: [0, 0],
    flags: 0,
    value: { buckets: { boundaries: [], counts: [] }, count: 0 },
  };
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    const field = key >>> 3;
    if (readSharedHistogramField(reader, field, wireType, HISTOGRAM_FIELDS, state)) continue;
    if (field === 6) reader.repeated(wireType, WireType.I64, readFixed64, state.value.buckets.counts);
    else if (field === 7) reader.repeated(wireType, WireType.I64, readDouble, state.value.buckets.boundaries);
    else reader.skip(wireType);
  }
  return dataPoint(state.start, state.time, state.attributes, state.value, state.flags);
}

/**
 * `ExponentialHistogramDataPoint` { 1: attributes, 2: start, 3: time, 4: count, 5: sum, 6: scale,
 * 7: zero_count, 8: positive, 9: negative, 10: flags, 11: exemplars, 12: min, 13: max,
 * 14: zero_threshold (no SDK field) }.
 */
export function decodeExponentialHistogramPoint(reader: ProtoReader): DecodedDataPoint<ExponentialHistogram> {
  const state: HistogramPointState<ExponentialHistogram> = {
    attributes: {},
    start: [0, 0],
    time: [0, 0],
    flags: 0,
    value: { count: 0, scale: 0, zeroCount: 0, positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] } },
  };
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    const field = key >>> 3;
    if (readSharedHistogramField(reader, field, wireType, EXPONENTIAL_FIELDS, state)) continue;
    switch (field) {
      case 6:
        reader.expect(wireType, WireType.VARINT, "scale");
        state.value.scale = reader.sint32();
        break;
      case 7:
        reader.expect(wireType, WireType.I64, "zero_count");
        state.value.zeroCount = reader.fixed64AsNumber();
        break;
      case 8:
        reader.expect(wireType, WireType.LEN, "positive");
        state.value.positive = decodeBuckets(reader.message());
        break;
      case 9:
        reader.expect(wireType, WireType.LEN, "negative");
        state.value.negative = decodeBuckets(reader.message());
        break;
      default:
        reader.skip(wireType);
    }
  }
  return dataPoint(state.start, state.time, state.attributes, state.value, state.flags);
}

/** `Buckets` { 1: sint32 offset, 2: repeated uint64 bucket_counts }. */
function decodeBuckets(reader: ProtoReader): ExponentialHistogram["positive"] {
  const buckets = { offset: 0, bucketCounts: [] as number[] };
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 1:
        reader.expect(wireType, WireType.VARINT, "offset");
        buckets.offset = reader.sint32();
        break;
      case 2:
        reader.repeated(wireType, WireType.VARINT, readUint64, buckets.bucketCounts);
        break;
      default:
        reader.skip(wireType);
    }
  }
  return buckets;
}
