/**
 * Property tests: whatever the bytes, a decoder returns or throws `OtlpDecodeError`, never
 * anything else, and always finishes (each body is decoded synchronously; a loop that did not
 * advance would time the test out). Outcomes are counted, so a decoder that refused everything
 * (or accepted everything) fails, and every successful decode must be well-formed SDK data.
 */
import { describe, expect, it } from "vitest";
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { decodeMetricsProto } from "../../../src/bridge/otlp/decode-metrics-proto.ts";
import { decodeLogsProto } from "../../../src/bridge/otlp/decode-logs-proto.ts";
import { decodeMetricsJson } from "../../../src/bridge/otlp/decode-metrics-json.ts";
import { decodeLogsJson } from "../../../src/bridge/otlp/decode-logs-json.ts";
import type { DecodedLogsRequest, DecodedMetricsRequest } from "../../../src/bridge/otlp/decoded-types.ts";
import { OtlpDecodeError } from "../../../src/bridge/otlp/otlp-decode-error.ts";
import { collectSampleMetrics, emitSampleLogs } from "../helpers/sdk-data.ts";
import { seededRandom as prng } from "../../mapping/random-json.ts";
import { logsShapeProblems, metricsShapeProblems } from "./sdk-shape-problems.ts";

type Decoded = DecodedMetricsRequest | DecodedLogsRequest;

/** Each decoder with the structural check of what it returns. */
const metricsCheck = (decoded: Decoded) => metricsShapeProblems(decoded as DecodedMetricsRequest);
const logsCheck = (decoded: Decoded) => logsShapeProblems(decoded as DecodedLogsRequest);
const decoders: Record<string, { decode: (b: Uint8Array) => Decoded; problems: (d: Decoded) => string[] }> = {
  metricsProto: { decode: (b) => decodeMetricsProto(b), problems: metricsCheck },
  logsProto: { decode: (b) => decodeLogsProto(b), problems: logsCheck },
  metricsJson: { decode: (b) => decodeMetricsJson(b), problems: metricsCheck },
  logsJson: { decode: (b) => decodeLogsJson(b), problems: logsCheck },
};

/** Returns what was decoded or "decode-error"; anything else thrown fails the test with the input's label. */
function outcome(decode: (b: Uint8Array) => Decoded, body: Uint8Array, label: string): Decoded | "decode-error" {
  try {
    return decode(body);
  } catch (error) {
    if (error instanceof OtlpDecodeError) return "decode-error";
    throw new Error(`${label}: unexpected ${String(error)}`, { cause: error });
  }
}

/** Counts outcomes of many decodes; successes are checked for well-formed SDK shapes as they come. */
class OutcomeTally {
  decodeErrors = 0;
  successes = 0;
  /** Successes that handed on at least one data point or log record (not just an empty request). */
  successesWithData = 0;
  readonly problems: string[] = [];

  record(decoder: (typeof decoders)[string], body: Uint8Array, label: string): void {
    const result = outcome(decoder.decode, body, label);
    if (result === "decode-error") {
      this.decodeErrors += 1;
      return;
    }
    this.successes += 1;
    if (("dataPointCount" in result ? result.dataPointCount : result.logRecords.length) > 0) this.successesWithData += 1;
    for (const problem of decoder.problems(result)) this.problems.push(`${label}: ${problem}`);
  }
}

describe("decoders under hostile input", () => {
  it("random bytes: only success or OtlpDecodeError; protobuf decoders accept some, every decoder refuses some", () => {
    const random = prng(42);
    const tallies = Object.fromEntries(Object.keys(decoders).map((name) => [name, new OutcomeTally()]));
    for (let i = 0; i < 3000; i++) {
      // Non-empty: an empty body is a valid (empty) protobuf request, which would count as a success without any decoding.
      const body = Uint8Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256));
      for (const [name, decoder] of Object.entries(decoders)) tallies[name]!.record(decoder, body, `${name} #${i}`);
    }
    for (const [name, tally] of Object.entries(tallies)) {
      expect(tally.problems, name).toEqual([]);
      expect(tally.decodeErrors, name).toBeGreaterThan(0);
    }
    // Random bytes are sometimes a valid protobuf message (unknown fields are skipped).
    expect(tallies.metricsProto!.successes).toBeGreaterThan(0);
    expect(tallies.logsProto!.successes).toBeGreaterThan(0);
  });

  it("every truncation of a valid single-resource protobuf body is an OtlpDecodeError", async () => {
    const metrics = ProtobufMetricsSerializer.serializeRequest(await collectSampleMetrics())!;
    const logs = ProtobufLogsSerializer.serializeRequest(await emitSampleLogs())!;
    for (const [body, { decode }] of [[metrics, decoders.metricsProto!], [logs, decoders.logsProto!]] as const) {
      expect(outcome(decode, body, "whole body")).not.toBe("decode-error");
      for (let length = 1; length < body.length; length++) {
        expect(outcome(decode, body.subarray(0, length), `prefix ${length}`)).toBe("decode-error");
      }
    }
  });

  it("bit flips in a valid protobuf body: success (well-formed SDK data) or OtlpDecodeError, and both happen", async () => {
    const body = ProtobufMetricsSerializer.serializeRequest(await collectSampleMetrics())!;
    const random = prng(7);
    const tally = new OutcomeTally();
    for (let i = 0; i < 3000; i++) {
      const mutated = body.slice();
      for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--) mutated[Math.floor(random() * mutated.length)]! ^= 1 << Math.floor(random() * 8);
      tally.record(decoders.metricsProto!, mutated, `flip #${i}`);
    }
    expect(tally.problems).toEqual([]);
    // A flip in a string, a value or a timestamp leaves a decodable body; one in a key or a length usually does not.
    expect(tally.decodeErrors).toBeGreaterThan(0);
    expect(tally.successesWithData).toBeGreaterThan(0);
  });

  it("mutated JSON bodies: success (well-formed SDK data) or OtlpDecodeError, and both happen", async () => {
    const text = new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(await collectSampleMetrics()));
    const random = prng(99);
    const junk = ['"', "{", "}", "[", "]", ",", ":", "null", "-1", '"NaN"', "1e400", '"x"', "true", "0"];
    const tally = new OutcomeTally();
    for (let i = 0; i < 1500; i++) {
      const at = Math.floor(random() * text.length);
      const cut = Math.floor(random() * 8);
      const mutated = text.slice(0, at) + junk[Math.floor(random() * junk.length)] + text.slice(at + cut);
      tally.record(decoders.metricsJson!, new TextEncoder().encode(mutated), `json #${i}`);
    }
    expect(tally.problems).toEqual([]);
    expect(tally.decodeErrors).toBeGreaterThan(0);
    expect(tally.successesWithData).toBeGreaterThan(0);
  });

  it("deeply nested values are refused, not a stack overflow", () => {
    // AnyValue { array_value { values { array_value ... } } } 300 levels deep (the limit is 64).
    let inner = Uint8Array.from([]);
    for (let i = 0; i < 300; i++) {
      const values = Uint8Array.from([0x0a, ...lengthPrefix(inner)]); // ArrayValue.values = inner
      inner = Uint8Array.from([0x2a, ...lengthPrefix(values)]); // AnyValue.array_value = values
    }
    const logRecord = Uint8Array.from([0x2a, ...lengthPrefix(inner)]); // LogRecord.body
    const scopeLogs = Uint8Array.from([0x12, ...lengthPrefix(logRecord)]);
    const resourceLogs = Uint8Array.from([0x12, ...lengthPrefix(scopeLogs)]);
    const body = Uint8Array.from([0x0a, ...lengthPrefix(resourceLogs)]);
    expect(() => decodeLogsProto(body)).toThrow(/nested deeper/);
  });
});

function lengthPrefix(payload: Uint8Array): number[] {
  const out: number[] = [];
  let n = payload.length;
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return [...out, ...payload];
}
