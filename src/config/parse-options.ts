/**
 * Validates options once, at construction, with a zod schema; a failure becomes a
 * `SyvainValidationError` that names the option and shows the value it got. Secrets are never
 * echoed: fields listed in `secretFields` show as `<redacted>`.
 */
import type { z } from "zod";
import { SyvainValidationError } from "../api/errors.ts";

export interface ParseOptionsContext {
  /** Who is being configured, e.g. `Collector` or `syvain-otel bridge`. */
  owner: string;
  secretFields?: readonly string[];
  /**
   * Where these options sit in what the user passed, e.g. `syvain` when `createBridge` hands its
   * `syvain` option on: errors then name `syvain.maxQueueItems`, under the API the user called.
   */
  within?: string;
  /** `config` for constructor options / CLI flags, `invalid_argument` for method arguments. */
  code?: "config" | "invalid_argument";
}

export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, context: ParseOptionsContext): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String) ?? [];
  // An unknown option is reported on its parent object: name the key itself, so the message shows
  // that key's value and never the whole object (which may hold the API key).
  if (issue?.code === "unrecognized_keys" && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  const field = [...(context.within === undefined ? [] : [context.within]), ...path].join(".") || "options";
  const secrets = context.secretFields ?? [];
  const secret = secrets.includes(path[0] ?? "");
  const value = secret ? "<redacted>" : maskSecrets(valueAt(input, path), path.length === 0 ? secrets : []);
  const message = `${context.owner}: invalid option \`${field}\`: ${issue?.message ?? "invalid"} (got ${describeValue(value)})`;
  throw new SyvainValidationError(field, value, message, context.code ?? "config");
}

function valueAt(input: unknown, path: readonly string[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function maskSecrets(value: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0 || typeof value !== "object" || value === null) return value;
  const masked: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of secrets) if (key in masked) masked[key] = "<redacted>";
  return masked;
}

/** `-1 (number)`, `"abc" (string)`: the value and its type, short enough for one line. */
export function describeValue(value: unknown): string {
  if (value === "<redacted>") return value;
  let shown: string;
  try {
    if (typeof value === "string") shown = JSON.stringify(value);
    else if (typeof value === "bigint") shown = `${value}n`;
    // JSON would print NaN and Infinity as null, and functions or undefined as nothing.
    else if (typeof value === "object" && value !== null) shown = JSON.stringify(value) ?? Object.prototype.toString.call(value);
    else shown = String(value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  return `${shown} (${value === null ? "null" : Array.isArray(value) ? "array" : typeof value})`;
}
