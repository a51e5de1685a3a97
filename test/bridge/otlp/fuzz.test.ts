/**
 * Property tests: whatever the bytes, a decoder returns or throws `OtlpDecodeError`, never
 * anything else, and always finishes (each body is decoded synchronously; a loop that did not
 * advance would time the test out).
 */
import { describe, expect, it } from "vitest";
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { decodeMetricsProto } from "../../../src/bridge/otlp/decode-metrics-proto.ts";
import { decodeLogsProto } from "../../../src/bridge/otlp/decode-logs-proto.ts";
import { decodeMetricsJson } from "../../../src/bridge/otlp/decode-metrics-json.ts";
import { decodeLogsJson } from "../../../src/bridge/otlp/decode-logs-json.ts";
import { OtlpDecodeError } from "../../../src/bridge/otlp/otlp-decode-error.ts";
import { collectSampleMetrics, emitSampleLogs } from "../helpers/sdk-data.ts";
import { seededRandom as prng } from "../../mapping/random-json.ts";

const decoders = {
  metricsProto: (b: Uint8Array) => decodeMetricsProto(b),
  logsProto: (b: Uint8Array) => decodeLogsProto(b),
  metricsJson: (b: Uint8Array) => decodeMetricsJson(b),
  logsJson: (b: Uint8Array) => decodeLogsJson(b),
};

/** Returns "ok" or "decode-error"; anything else thrown fails the test with the input's seed. */
function outcome(decode: (b: Uint8Array) => unknown, body: Uint8Array, label: string): "ok" | "decode-error" {
  try {
    decode(body);
    return "ok";
  } catch (error) {
    if (error instanceof OtlpDecodeError) return "decode-error";
    throw new Error(`${label}: unexpected ${String(error)}`, { cause: error });
  }
}

describe("decoders under hostile input", () => {
  it("random bytes: only success or OtlpDecodeError", () => {
    const random = prng(42);
    for (let i = 0; i < 3000; i++) {
      const body = Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256));
      for (const [name, decode] of Object.entries(decoders)) outcome(decode, body, `${name} #${i}`);
    }
  });

  it("every truncation of a valid single-resource protobuf body is an OtlpDecodeError", async () => {
    const metrics = ProtobufMetricsSerializer.serializeRequest(await collectSampleMetrics())!;
    const logs = ProtobufLogsSerializer.serializeRequest(await emitSampleLogs())!;
    for (const [body, decode] of [[metrics, decoders.metricsProto], [logs, decoders.logsProto]] as const) {
      expect(outcome(decode, body, "whole body")).toBe("ok");
      for (let length = 1; length < body.length; length++) {
        expect(outcome(decode, body.subarray(0, length), `prefix ${length}`)).toBe("decode-error");
      }
    }
  });

  it("bit flips in a valid protobuf body: only success or OtlpDecodeError", async () => {
    const body = ProtobufMetricsSerializer.serializeRequest(await collectSampleMetrics())!;
    const random = prng(7);
    for (let i = 0; i < 3000; i++) {
      const mutated = body.slice();
      for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--) mutated[Math.floor(random() * mutated.length)]! ^= 1 << Math.floor(random() * 8);
      outcome(decoders.metricsProto, mutated, `flip #${i}`);
    }
  });

  it("mutated JSON bodies: only success or OtlpDecodeError", async () => {
    const text = new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(await collectSampleMetrics()));
    const random = prng(99);
    const junk = ['"', "{", "}", "[", "]", ",", ":", "null", "-1", '"NaN"', "1e400", '"x"', "true", "0"];
    for (let i = 0; i < 1500; i++) {
      const at = Math.floor(random() * text.length);
      const cut = Math.floor(random() * 8);
      const mutated = text.slice(0, at) + junk[Math.floor(random() * junk.length)] + text.slice(at + cut);
      outcome(decoders.metricsJson, new TextEncoder().encode(mutated), `json #${i}`);
    }
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
