/**
 * Checks that a value is plain JSON (what the server stores as-is) and names the first bad path.
 * `JSON.stringify` alone would silently turn NaN into null and drop `undefined`, so walk it.
 */
import type { JsonObject } from "../api/contract.ts";
import { describeValue } from "../config/parse-options.ts";
import { SyvainValidationError } from "../api/errors.ts";
import { isPlainObject } from "../mapping/json.ts";
import { facadeLimits } from "./limits.ts";

/** Throws a `SyvainValidationError` naming `field.path.to.value` unless `value` is a JSON object. */
export function assertJsonObject(value: unknown, field: string, owner: string): asserts value is JsonObject {
  if (!isPlainObject(value)) {
    throw new SyvainValidationError(field, value, `${owner}: \`${field}\` must be a plain object (got ${describeValue(value)})`);
  }
  const problem = findNonJson(value, field, new Set(), 0);
  if (problem) {
    throw new SyvainValidationError(problem.path, problem.value, `${owner}: \`${problem.path}\` ${problem.reason} (got ${describeValue(problem.value)})`);
  }
}

interface Problem {
  path: string;
  value: unknown;
  reason: string;
}

function findNonJson(value: unknown, path: string, seen: Set<object>, depth: number): Problem | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : { path, value, reason: "must be a finite number (JSON has no NaN or Infinity)" };
  }
  if (typeof value !== "object") return { path, value, reason: "must be JSON: a string, finite number, boolean, null, array or plain object" };
  if (depth >= facadeLimits.maxJsonDepth) return { path, value, reason: `nests deeper than ${facadeLimits.maxJsonDepth} levels` };
  if (seen.has(value)) return { path, value: "[circular]", reason: "is a circular reference" };
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) {
        const problem = findNonJson(item, `${path}[${index}]`, seen, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    if (!isPlainObject(value)) return { path, value, reason: "must be a plain object (not a class instance, Map or Date)" };
    for (const [key, item] of Object.entries(value)) {
      const problem = findNonJson(item, `${path}.${key}`, seen, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
}
