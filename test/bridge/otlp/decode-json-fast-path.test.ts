/**
 * The plain-code fast path of the OTLP/JSON metrics decoder must be invisible: for any body, the
 * result (or the error, message and path) is the one the zod-only decoder gives.
 */
import { describe, expect, it } from "vitest";
import { JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { AggregationTemporality } from "@opentelemetry/sdk-metrics";
import { decodeMetricsJson } from "../../../src/bridge/otlp/decode-metrics-json.ts";
import { fastMetricsRequest } from "../../../src/bridge/otlp/decode-metrics-json-fast.ts";
import { OtlpDecodeError } from "../../../src/bridge/otlp/otlp-decode-error.ts";
import { collectSampleMetrics } from "../helpers/sdk-data.ts";
import { seededRandom as prng } from "../../mapping/random-json.ts";

type Outcome = { ok: true; value: unknown } | { ok: false; message: string; path: string };

function decodeBoth(body: string): [fast: Outcome, zodOnly: Outcome] {
  const run = (fastPath: boolean): Outcome => {
    try {
      return { ok: true, value: decodeMetricsJson(body, { fastPath }) };
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      return { ok: false, message: error.message, path: error.path };
    }
  };
  return [run(true), run(false)];
}

/** Every place in a JSON tree where a value can be replaced: [parent, key]. */
function slots(node: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      out.push([node, i]);
      slots(node[i], out);
    }
  } else if (typeof node === "object" && node !== null) {
    for (const [key, child] of Object.entries(node)) {
      out.push([node as Record<string, unknown>, key]);
      slots(child, out);
    }
  }
  return out;
}

// Values that each scalar encoding accepts in some form, or that zod rejects.
const variants: unknown[] = [
  null, "", 0, -0, "-0", "+7", 7, -5, "-5", 1.5, "1.5", "NaN", "-Infinity", "1e3", 2 ** 53 + 2, "9007199254740993", "123456789012345678901",
  4294967296, "4294967295", 2147483648, true, "true", "abc", [], {}, "AGGREGATION_TEMPORALITY_DELTA", "AGGREGATION_TEMPORALITY_CUMULATIVE", "toString",
  { stringValue: "s" }, { intValue: "12" }, { doubleValue: 2.5 }, { boolValue: false }, { stringValue: "s", intValue: "x" }, { arrayValue: { values: [] } },
  { bytesValue: "AQI=" }, { kvlistValue: null }, "1700000000123456789", 1_700_000_000_123, "x".repeat(3),
];

describe("OTLP/JSON metrics: fast path and zod agree", () => {
  it("on bodies made by the official serializer, gauges, sums and histograms, both temporalities", async () => {
    for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
      const body = new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(await collectSampleMetrics(temporality)));
      // Every point type, nested and bytes-free array attributes: all on the fast path.
      expect(fastMetricsRequest(JSON.parse(body), {})).toBeDefined();
      const [fast, zodOnly] = decodeBoth(body);
      expect(fast.ok).toBe(true);
      expect(fast).toEqual(zodOnly);
    }
  });

  it("on thousands of bodies with one value replaced anywhere, or a key removed or snake_cased", async () => {
    const text = new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(await collectSampleMetrics()));
    const random = prng(2024);
    let failures = 0;
    let fastTaken = 0;
    for (let i = 0; i < 3000; i++) {
      const tree = JSON.parse(text) as unknown;
      const all = slots(tree);
      for (let edits = 1 + Math.floor(random() * 2); edits > 0; edits--) {
        const [parent, key] = all[Math.floor(random() * all.length)]!;
        const action = random();
        if (action < 0.1 && !Array.isArray(parent)) delete parent[key as string];
        else if (action < 0.2 && !Array.isArray(parent) && typeof key === "string") {
          parent[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = parent[key];
          delete parent[key];
        } else (parent as Record<string | number, unknown>)[key] = variants[Math.floor(random() * variants.length)];
      }
      const body = JSON.stringify(tree);
      const [fast, zodOnly] = decodeBoth(body);
      expect(fast, body).toEqual(zodOnly);
      if (!fast.ok) failures++;
      if (fastMetricsRequest(JSON.parse(body), {}) !== undefined) fastTaken++;
    }
    expect(fastTaken).toBeGreaterThan(500);
    // The mutations reach both outcomes often, and the fast path decides many (the comparison is not vacuous).
    expect(failures).toBeGreaterThan(300);
    expect(failures).toBeLessThan(2700);
  });

  it("on attribute values nested up to the limit and one level past it", () => {
    const nested = (levels: number): unknown => {
      let value: unknown = { stringValue: "leaf" };
      for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { arrayValue: { values: [value] } } : { kvlistValue: { values: [{ key: "k", value }] } };
      return value;
    };
    const outcomes = [63, 64, 65].map((levels) => {
      const point = { timeUnixNano: "1", asDouble: 1, attributes: [{ key: "deep", value: nested(levels) }] };
      const body = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "m", gauge: { dataPoints: [point] } }] }] }] });
      // The fast path decodes up to the limit itself and leaves the refusal to zod.
      expect(fastMetricsRequest(JSON.parse(body), {}) !== undefined).toBe(levels <= 64);
      const [fast, zodOnly] = decodeBoth(body);
      expect(fast).toEqual(zodOnly);
      return fast.ok;
    });
    expect(outcomes).toEqual([true, true, false]);
  });
});
