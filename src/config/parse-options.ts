/**
 * Validates options once, at construction, with a zod schema; a failure becomes a
 * `SyvainValidationError` that names the option. Secrets are never echoed:
 * - an unknown option is named (with the closest known name as a hint) but its value is never
 *   shown: a mistyped `api_key` holds the key itself;
 * - a bad value is shown masked (`secret-mask.ts`): secret-named fields, the `secretFields` of the
 *   caller and key- or token-shaped strings show as `<redacted>`.
 */
import { z } from "zod";
import { SyvainValidationError } from "../api/errors.ts";
import { isSecretName, maskValue, REDACTED } from "./secret-mask.ts";
import { suggestOption } from "./suggest-option.ts";

export interface ParseOptionsContext {
  /** Who is being configured, e.g. `Collector` or `syvain-otel bridge`. */
  owner: string;
  /** Top-level options whose values are never shown, beyond those with a secret-sounding name. */
  secretFields?: readonly string[];
  /** Options the caller handles outside `schema` (e.g. `apiKey`), offered as "did you mean" hints. */
  alsoKnown?: readonly string[];
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
  const prefix = context.within === undefined ? [] : [context.within];
  const code = context.code ?? "config";
  if (issue?.code === "unrecognized_keys" && issue.keys[0] !== undefined) {
    const name = issue.keys[0];
    const field = [...prefix, ...path, name].join(".");
    const known = [...objectKeysAt(schema, path), ...(path.length === 0 ? (context.alsoKnown ?? []) : [])];
    const hint = suggestOption(name, known);
    const message = `${context.owner}: unknown option \`${field}\`${hint === undefined ? "" : ` (did you mean \`${hint}\`?)`}`;
    throw new SyvainValidationError(field, REDACTED, message, code);
  }
  const field = [...prefix, ...path].join(".") || "options";
  const secret = context.secretFields?.includes(path[0] ?? "") || path.some(isSecretName);
  const value = secret ? REDACTED : maskValue(valueAt(input, path));
  const message = `${context.owner}: invalid option \`${field}\`: ${issue?.message ?? "invalid"} (got ${describeValue(value)})`;
  throw new SyvainValidationError(field, value, message, code);
}

/** The option names of the object schema at `path` (through optional/default wrappers). */
function objectKeysAt(schema: z.ZodType, path: readonly string[]): string[] {
  let current: unknown = schema;
  for (let i = 0; ; i++) {
    while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) current = current.unwrap();
    if (!(current instanceof z.ZodObject)) return [];
    const shape = current.shape as Record<string, unknown>;
    const key = path[i];
    if (key === undefined) return Object.keys(shape);
    current = shape[key];
  }
}

function valueAt(input: unknown, path: readonly string[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** `-1 (number)`, `"abc" (string)`: the value and its type, short enough for one line. */
export function describeValue(value: unknown): string {
  if (value === REDACTED) return value;
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
