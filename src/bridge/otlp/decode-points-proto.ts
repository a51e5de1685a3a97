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

/**
 * `HistogramDataPoint` { 9: attributes, 2: start, 3: time, 4: count, 5: sum, 6: bucket_counts,
 * 7: explicit_bounds, 8: exemplars, 10: flags, 11: min, 12: max }.
 */
export function decodeHistogramPoint(reader: ProtoReader): DecodedDataPoint<Histogram> {
  const attributes: Attributes = {};
  let start: HrTime = [0, 0];
  let time: HrTime = [0, 0];
  let flags = 0;
  const value: Histogram = { buckets: { boundaries: [], counts: [] }, count: 0 };
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 9:
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
        reader.expect(wireType, WireType.I64, "count");
        value.count = reader.fixed64AsNumber();
        break;
      case 5:
        reader.expect(wireType, WireType.I64, "sum");
        value.sum = reader.double();
        break;
      case 6:
        reader.repeated(wireType, WireType.I64, readFixed64, value.buckets.counts);
        break;
      case 7:
        reader.repeated(wireType, WireType.I64, readDouble, value.buckets.boundaries);
        break;
      case 10:
        reader.expect(wireType, WireType.VARINT, "flags");
        flags = reader.uint32();
        break;
      case 11:
        reader.expect(wireType, WireType.I64, "min");
        value.min = reader.double();
        break;
      case 12:
        reader.expect(wireType, WireType.I64, "max");
        value.max = reader.double();
        break;
      default:
        reader.skip(wireType);
    }
  }
  return dataPoint(start, time, attributes, value, flags);
}

/**
 * `ExponentialHistogramDataPoint` { 1: attributes, 2: start, 3: time, 4: count, 5: sum, 6: scale,
 * 7: zero_count, 8: positive, 9: negative, 10: flags, 11: exemplars, 12: min, 13: max,
 * 14: zero_threshold (no SDK field) }.
 */
export function decodeExponentialHistogramPoint(reader: ProtoReader): DecodedDataPoint<ExponentialHistogram> {
  const attributes: Attributes = {};
  let start: HrTime = [0, 0];
  let time: HrTime = [0, 0];
  let flags = 0;
  const value: ExponentialHistogram = {
    count: 0,
    scale: 0,
    zeroCount: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
  };
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 1:
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
        reader.expect(wireType, WireType.I64, "count");
        value.count = reader.fixed64AsNumber();
        break;
      case 5:
        reader.expect(wireType, WireType.I64, "sum");
        value.sum = reader.double();
        break;
      case 6:
        reader.expect(wireType, WireType.VARINT, "scale");
        value.scale = reader.sint32();
        break;
      case 7:
        reader.expect(wireType, WireType.I64, "zero_count");
        value.zeroCount = reader.fixed64AsNumber();
        break;
      case 8:
        reader.expect(wireType, WireType.LEN, "positive");
        value.positive = decodeBuckets(reader.message());
        break;
      case 9:
        reader.expect(wireType, WireType.LEN, "negative");
        value.negative = decodeBuckets(reader.message());
        break;
      case 10:
        reader.expect(wireType, WireType.VARINT, "flags");
        flags = reader.uint32();
        break;
      case 12:
        reader.expect(wireType, WireType.I64, "min");
        value.min = reader.double();
        break;
      case 13:
        reader.expect(wireType, WireType.I64, "max");
        value.max = reader.double();
        break;
      default:
        reader.skip(wireType);
    }
  }
  return dataPoint(start, time, attributes, value, flags);
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
