/** A small seeded generator of nested JSON objects for property tests (no dependency). */
import type { JsonObject, JsonValue } from "../../src/api/contract.ts";

export { seededRandom } from "../../src/testing/seeded-random.ts";

/** Keys chosen to stress the escaping rule: dots, backslashes, the JSON marker, empty, `__proto__`. */
const KEYS = ["a", "b", "config", "batch_size", "a.b", ".", "..", "\\", "\\.", "x\\", "\\json", "json", "a\\json", "",
  "__proto__", "constructor", "é", "𝔘nicode", "sp ace", "lr", "0", "dots.in.key."];
const STRINGS = ["", "train", "null", "{}", "[1]", "base64:AQ==", "a.b", "\\json", "ünï", "42"];

export function randomJsonObject(random: () => number, depth = 0): JsonObject {
  const out: JsonObject = {};
  const size = Math.floor(random() * (depth === 0 ? 6 : 4));
  for (let i = 0; i < size; i++) {
    const key = pick(random, KEYS);
    Object.defineProperty(out, key, { value: randomJsonValue(random, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function randomJsonValue(random: () => number, depth: number): JsonValue {
  const r = random();
  const leafOnly = depth >= 4;
  if (r < 0.2) return pick(random, STRINGS);
  if (r < 0.3) return Math.floor(random() * 2000) - 1000;
  if (r < 0.38) return (random() - 0.5) * 1e6;
  if (r < 0.45) return random() < 0.5;
  if (r < 0.52) return null;
  if (leafOnly) return pick(random, STRINGS);
  if (r < 0.75) return randomJsonObject(random, depth);
  return randomArray(random, depth);
}

function randomArray(random: () => number, depth: number): JsonValue[] {
  const length = Math.floor(random() * 4);
  const kind = Math.floor(random() * 5);
  const items: JsonValue[] = [];
  for (let i = 0; i < length; i++) {
    if (kind === 0) items.push(pick(random, STRINGS));
    else if (kind === 1) items.push(Math.floor(random() * 100) / 4);
    else if (kind === 2) items.push(random() < 0.5);
    else items.push(randomJsonValue(random, depth + 1)); // mixed, nested, nulls, objects
  }
  return items;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}
