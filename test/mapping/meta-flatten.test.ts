import { describe, expect, it } from "vitest";
import type { Attributes } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { flattenMeta, unflattenMeta } from "../../src/mapping/meta-flatten.ts";
import { canonicalJson } from "../../src/mapping/json.ts";
import type { JsonObject } from "../../src/api/contract.ts";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { catchError } from "./catch-error.ts";
import { randomJsonObject, seededRandom } from "./random-json.ts";

// Rule (meta-flatten.ts): segments joined by "."; in a segment "\" → "\\" and "." → "\.";
// leaves that are not scalars or homogeneous scalar arrays → compact JSON under key + "\json".
const cases: { title: string; meta: JsonObject; attributes: Attributes }[] = [
  { title: "nested object → dotted keys", meta: { config: { batch_size: 32, lr: 0.1 } }, attributes: { "config.batch_size": 32, "config.lr": 0.1 } },
  { title: "scalars as they are", meta: { model: "mamba", seed: 7, fp16: true }, attributes: { model: "mamba", seed: 7, fp16: true } },
  { title: "dot inside a key is escaped", meta: { "a.b": { c: 1 } }, attributes: { "a\\.b.c": 1 } },
  { title: "backslash inside a key is escaped", meta: { "back\\slash": "x" }, attributes: { "back\\\\slash": "x" } },
  { title: "a key that looks like the marker is escaped, not a marker", meta: { "x\\json": 1 }, attributes: { "x\\\\json": 1 } },
  { title: "string array → OTel array", meta: { tags: ["a", "b"] }, attributes: { tags: ["a", "b"] } },
  { title: "number and boolean arrays → OTel arrays", meta: { dims: [1, 2.5], on: [true, false] }, attributes: { dims: [1, 2.5], on: [true, false] } },
  { title: "empty array → empty OTel array", meta: { none: [] }, attributes: { none: [] } },
  { title: "null → JSON leaf", meta: { owner: null }, attributes: { "owner\\json": "null" } },
  { title: "empty object → JSON leaf", meta: { config: {} }, attributes: { "config\\json": "{}" } },
  { title: "array of objects → JSON leaf", meta: { layers: [{ d: 64 }] }, attributes: { "layers\\json": '[{"d":64}]' } },
  { title: "mixed array → JSON leaf", meta: { mixed: [1, "a"] }, attributes: { "mixed\\json": '[1,"a"]' } },
  { title: "array with null → JSON leaf", meta: { gaps: ["a", null] }, attributes: { "gaps\\json": '["a",null]' } },
  { title: "nested arrays → JSON leaf", meta: { grid: [[1], [2]] }, attributes: { "grid\\json": "[[1],[2]]" } },
  { title: "empty keys", meta: { a: { "": { b: 2 }, c: { "": 3 } } }, attributes: { "a..b": 2, "a.c.": 3 } },
  { title: "the top-level empty key (OTel drops empty attribute keys) → JSON leaf", meta: { "": 1 }, attributes: { "\\json": "1" } },
  { title: "top-level empty key holding an object → dotted", meta: { "": { b: [1] } }, attributes: { ".b": [1] } },
  {
    title: "a top-level __proto__ leaf (a Resource would lose it) → JSON leaf",
    meta: JSON.parse('{"__proto__": true}') as JsonObject,
    attributes: JSON.parse('{"__proto__\\\\json": "true"}') as Attributes,
  },
  { title: "deep JSON leaf", meta: { a: { b: { c: null } } }, attributes: { "a.b.c\\json": "null" } },
];

describe("flattenMeta / unflattenMeta", () => {
  it.each(cases)("$title", ({ meta, attributes }) => {
    expect(flattenMeta(meta)).toEqual(attributes);
    expect(unflattenMeta(attributes)).toEqual(meta);
  });

  const invalid: [string, JsonObject, string][] = [
    ["NaN", { a: NaN }, "meta.a"],
    ["Infinity deep inside", { a: { b: Infinity } }, "meta.a.b"],
    ["Infinity inside an array", { a: [1, -Infinity] }, "meta.a[1]"],
    ["undefined", { a: { b: undefined } } as unknown as JsonObject, "meta.a.b"],
    ["bigint", { a: 1n } as unknown as JsonObject, "meta.a"],
    ["Date", { when: new Date(0) } as unknown as JsonObject, "meta.when"],
    ["function in an array", { a: [() => 1] } as unknown as JsonObject, "meta.a[0]"],
  ];
  it.each(invalid)("rejects %s, naming the path", (_title, meta, field) => {
    const error = catchError(() => flattenMeta(meta));
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect(error).toMatchObject({ field, code: "invalid_argument" });
    expect((error as Error).message).toContain(field);
  });

  it("rejects a non-object meta", () => {
    expect(() => flattenMeta([1] as unknown as JsonObject)).toThrow(SyvainValidationError);
  });

  it("round-trips random nested JSON exactly, also through a real OTel Resource", () => {
    const random = seededRandom(20261126);
    for (let i = 0; i < 2000; i++) {
      const meta = randomJsonObject(random);
      const attributes = flattenMeta(meta);
      for (const value of Object.values(attributes)) expect(isOtelAttributeValue(value)).toBe(true);
      const back = unflattenMeta(attributes);
      expect(canonicalJson(back)).toBe(canonicalJson(meta));
      expect(back).toEqual(meta);
      const viaResource = unflattenMeta(resourceFromAttributes(attributes).attributes);
      expect(canonicalJson(viaResource)).toBe(canonicalJson(meta));
    }
  });

  it("a __proto__ key is data, not a prototype", () => {
    const meta = JSON.parse('{"__proto__": {"polluted": 1}}') as JsonObject;
    const back = unflattenMeta(flattenMeta(meta));
    expect(Object.keys(back)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(canonicalJson(back)).toBe('{"__proto__":{"polluted":1}}');
  });
});

describe("unflattenMeta on arbitrary resource attributes", () => {
  it("nests dotted keys", () => {
    expect(unflattenMeta({ "service.name": "svc", "k8s.pod.name": "p-1", "k8s.pod.uid": "u" })).toEqual({
      service: { name: "svc" },
      k8s: { pod: { name: "p-1", uid: "u" } },
    });
  });

  it("a conflict keeps the later key (sorted order) whole at the top level, whatever the attribute order", () => {
    expect(unflattenMeta({ a: 1, "a.b": 2 })).toEqual({ a: 1, "a.b": 2 });
    expect(unflattenMeta({ "a.b": 2, a: 1 })).toEqual({ a: 1, "a.b": 2 });
    expect(unflattenMeta({ "x.y.z": 1, "x.y": 2 })).toEqual({ x: { y: 2 }, "x.y.z": 1 });
  });

  it("converts values JSON cannot hold and skips undefined", () => {
    const attributes: Attributes = { raw: new Uint8Array([0, 255]), odd: NaN, arr: ["a", undefined], gone: undefined, map: { k: 1 } };
    expect(unflattenMeta(attributes)).toEqual({ raw: "base64:AP8=", odd: "NaN", arr: ["a", null], map: { k: 1 } });
  });

  it("a marked key whose value is not JSON keeps its key and text", () => {
    expect(unflattenMeta({ "x\\json": "{nope" })).toEqual({ "x\\json": "{nope" });
  });

  it("a lone backslash in a key is literal", () => {
    expect(unflattenMeta({ "C:\\temp": 1 })).toEqual({ "C:\\temp": 1 });
  });
});

function isOtelAttributeValue(value: unknown): boolean {
  if (typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (!Array.isArray(value)) return false;
  return value.every((item) => typeof item === typeof value[0] && ["string", "number", "boolean"].includes(typeof item));
}
