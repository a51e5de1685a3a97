/**
 * What every `syvain-otel` command shares: its flags declared once as a table (read by Node's
 * `util.parseArgs`, by the environment lookup and by the help generator), and errors worded for
 * someone at a shell: which flag or environment variable, what was wrong, what to type instead.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { SyvainValidationError } from "../api/errors.ts";
import { describeValue } from "../config/parse-options.ts";
import { hostWithoutSecrets } from "../config/secret-mask.ts";

export interface FlagSpec {
  /** Long name, without `--`. */
  name: string;
  /** Value placeholder in the help and in hints (`N`, `URL`); absent for a boolean flag. */
  placeholder?: string;
  description: string;
  /** Shown as `(default ...)` in the help. */
  default?: string | number;
  /** Read when the flag is not given. */
  env?: string;
  /** May be given several times (values collected in order). */
  multiple?: boolean;
  /** An example value for hints (`--port 4318`). */
  example?: string;
  /** A deprecated spelling: its value goes to `replacedBy`, with a warning. Hidden from the help. */
  replacedBy?: string;
  /** Never echoed in errors. */
  secret?: boolean;
  /** Read from `env` only, never a flag (secrets: flags sit in shell history and `ps`). Listed in the help's footer. */
  envOnly?: boolean;
}

/** A bare argument (`syvain-otel view FILE`), matched by position; its value lands under `name`. */
export interface PositionalSpec {
  name: string;
  /** In the usage line and the help (`FILE`). */
  placeholder: string;
  description: string;
  /** The last one only: takes every remaining argument (`[paths...]`), as a list. */
  variadic?: boolean;
}

export interface Command {
  /** `syvain-otel bridge` */
  name: string;
  flags: readonly FlagSpec[];
  /** In order; more arguments than these is a usage error, fewer is left to the schema. @default none */
  positionals?: readonly PositionalSpec[];
}

/** Where each value came from, for messages: `--port` or `SYVAIN_BRIDGE_PORT`. */
export type Sources = Record<string, string>;

export interface CollectedFlags {
  values: Record<string, string | string[]>;
  sources: Sources;
  /** Lines to print on stderr (deprecated spellings used). */
  notices: string[];
}

function usageError(command: Command, field: string, message: string): SyvainValidationError {
  return new SyvainValidationError(field, undefined, `${command.name}: ${message} (see '${command.name} --help')`, "config");
}

/** Environment first, then the command line over it. */
export function collectFlags(command: Command, argv: readonly string[], env: NodeJS.ProcessEnv): CollectedFlags {
  const values: Record<string, string | string[]> = {};
  const sources: Sources = {};
  const notices: string[] = [];
  for (const flag of command.flags) {
    const value = flag.env === undefined ? undefined : env[flag.env];
    if (flag.env !== undefined && value !== undefined && value !== "") {
      values[flag.name] = value;
      sources[flag.name] = flag.env;
    }
  }
  const options = Object.fromEntries(
    command.flags.filter((f) => f.envOnly !== true).map((f) => [f.name, { type: f.placeholder === undefined ? ("boolean" as const) : ("string" as const), multiple: f.multiple === true }]),
  );
  const positionals = command.positionals ?? [];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: negativeValuesJoined(command, argv), options, strict: true, allowPositionals: positionals.length > 0 });
  } catch (error) {
    throw usageError(command, "argv", parseArgsMessage(command, error));
  }
  // (Without positionals parseArgs itself refuses a bare argument, above.)
  const variadic = positionals.at(-1)?.variadic === true;
  const extra = parsed.positionals[positionals.length];
  if (!variadic && extra !== undefined) throw usageError(command, "argv", `unexpected argument ${extra}: expects ${positionals.map((p) => p.placeholder).join(" ")} only`);
  positionals.forEach((spec, i) => {
    const value = spec.variadic === true ? parsed.positionals.slice(i) : parsed.positionals[i];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) return;
    values[spec.name] = value;
    sources[spec.name] = spec.placeholder;
  });
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === undefined || typeof value === "boolean") continue;
    const flag = command.flags.find((f) => f.name === name);
    const target = flag?.replacedBy ?? name;
    if (flag?.replacedBy !== undefined) notices.push(`${command.name}: --${name} is deprecated and will be removed; use --${flag.replacedBy}`);
    values[target] = value as string | string[];
    sources[target] = `--${name}`;
  }
  return { values, sources, notices };
}

/** `-1`, `-0.5`: a negative number, never one of our flags (they all start with `--`). */
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

/**
 * `--spool-sync-ms -1` → `--spool-sync-ms=-1`: util.parseArgs reads a token starting with `-` as an
 * option, so a negative value would be "needs a value"; joined, the flag's schema says its range.
 */
function negativeValuesJoined(command: Command, argv: readonly string[]): string[] {
  const takesValue = new Set(command.flags.filter((f) => f.placeholder !== undefined && f.envOnly !== true).map((f) => `--${f.name}`));
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (takesValue.has(arg) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else args.push(arg);
  }
  return args;
}

/** parseArgs' own wording (`Unknown option '--x'. To specify a positional...`) is not for our users. */
function parseArgsMessage(command: Command, error: unknown): string {
  const code = (error as { code?: string }).code;
  const text = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(text)?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const name = quoted.replace(/^-+/, "").split("=")[0] ?? "";
    const envOnly = command.flags.find((f) => f.envOnly === true && f.name === name);
    if (envOnly?.env !== undefined) return `${quoted} is not a flag: secrets come from the environment only; set ${envOnly.env}`;
    return `unknown option '${quoted}'`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const name = quoted.replace(/^-+/, "").split(/[ =]/)[0] ?? "";
    const flag = command.flags.find((f) => f.name === name);
    return flag?.placeholder === undefined ? `option --${name} takes no value` : `option --${name} needs a value, e.g. ${hint(flag)}`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") return `unexpected argument ${quoted}: options start with --`;
  return text;
}

/** `--port 4318`: what to type. */
function hint(flag: FlagSpec): string {
  return `--${flag.name} ${flag.example ?? flag.default ?? flag.placeholder ?? ""}`.trimEnd();
}

/**
 * Validates the collected strings with `schema`; an error names the flag or variable the value
 * came from and says what to type, and never shows a secret.
 */
export function validateFlags<S extends z.ZodType>(command: Command, schema: S, collected: CollectedFlags): z.infer<S> {
  const result = schema.safeParse(collected.values);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? (issue?.code === "unrecognized_keys" ? issue.keys[0] : "") ?? "");
  const flag = command.flags.find((f) => f.name === name);
  const source = collected.sources[name] ?? command.positionals?.find((p) => p.name === name)?.placeholder ?? `--${name}`;
  // Nothing given (a missing argument): the message alone says so.
  const given = collected.values[name];
  // A host's credentials or query may hold a key (hostWithoutSecrets): never shown.
  const shown = typeof given === "string" && name.endsWith("host") ? hostWithoutSecrets(given) : given;
  const value = flag?.secret === true || given === undefined ? "" : ` ${describeValue(shown)}`;
  const fix = flag === undefined || source !== `--${name}` ? "" : `; e.g. ${hint(flag)}`;
  throw new SyvainValidationError(name, flag?.secret === true ? "<redacted>" : shown, `${command.name}: ${source}${value}: ${issue?.message ?? "invalid"}${fix}`, "config");
}

/** The help of a command, generated from its flag table. */
export function renderHelp(command: Command, intro: string, footer = ""): string {
  const shown = command.flags.filter((f) => f.replacedBy === undefined && f.envOnly !== true);
  const left = (f: FlagSpec): string => `--${f.name}${f.placeholder === undefined ? "" : ` ${f.placeholder}`}`;
  const positionals = command.positionals ?? [];
  const width = Math.max(...shown.map((f) => left(f).length), ...positionals.map((p) => p.placeholder.length), "-h, --help".length) + 2;
  const lines = shown.map((f) => {
    const details = [f.default === undefined ? "" : ` (default ${f.default === "" ? "none" : f.default})`, f.multiple === true ? "; repeat for several" : ""].join("");
    const env = f.env === undefined ? "" : `\n  ${"".padEnd(width)}env ${f.env}`;
    return `  ${left(f).padEnd(width)}${f.description}${details}${env}`;
  });
  lines.push(`  ${"-h, --help".padEnd(width)}show this help`);
  const args = positionals.map((p) => ` ${p.placeholder}`).join("");
  const argLines = positionals.map((p) => `  ${p.placeholder.padEnd(width)}${p.description}`);
  const argSection = argLines.length === 0 ? "" : `arguments:\n${argLines.join("\n")}\n\n`;
  return `usage: ${command.name}${args} [options]\n\n${intro}\n\n${argSection}options:\n${lines.join("\n")}\n${footer}`;
}

/** A whole number in a range, worded for a shell user (zod alone says "expected number, received NaN"). */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): z.ZodType<number, string> {
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${sized(min)}` : `from ${sized(min)} to ${sized(max)}`;
  return z
    .string()
    .regex(/^\d+$/, `must be a whole number ${range}`)
    .transform(Number)
    // A whole number out of range is told only the range ("1048576: must be a whole number, at least 8388608" read as if it were not one).
    .refine((n) => n >= min && n <= max, `must be ${range}`);
}

/** Byte sizes in MiB too (`8 MiB (8388608)`): the limits of byte flags are whole MiB. */
function sized(n: number): string {
  const MiB = 1024 * 1024;
  return n >= MiB && n % MiB === 0 ? `${n / MiB} MiB (${n})` : String(n);
}

/** A positive number of seconds (`10`, `0.5`). */
export const cliSeconds: z.ZodType<number, string> = z
  .string()
  .regex(/^\d+(\.\d+)?$/, "must be a number of seconds, e.g. 10 or 0.5")
  .transform(Number)
  .refine((n) => n > 0 && Number.isFinite(n), "must be more than 0 seconds");
