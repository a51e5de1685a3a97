/**
 * Structured logs of the bridge: one JSON object per event (`{"time", "level", "event", ...}`),
 * one line each, on stderr by default. Entries never carry headers, bodies or configuration
 * values; as a second line of defence the default writer masks every configured secret.
 */

export type BridgeLogLevel = "info" | "warn" | "error";

export interface BridgeLogEntry {
  level: BridgeLogLevel;
  /** Stable event name, e.g. `request`, `listening`, `shutdown.done`. */
  event: string;
  [field: string]: unknown;
}

export type BridgeLog = (entry: BridgeLogEntry) => void;

/** A writer of JSON lines that replaces each of `secrets` (if it ever shows up) with `<redacted>`. */
export function jsonLineLog(write: (line: string) => void, secrets: readonly (string | undefined)[]): BridgeLog {
  const masked = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4);
  return (entry) => {
    let line = JSON.stringify({ time: new Date().toISOString(), ...entry }, jsonSafe);
    for (const secret of masked) line = line.split(secret).join("<redacted>");
    write(`${line}\n`);
  };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, ...("code" in value ? { code: value.code } : {}) };
  return value;
}

/** A logger that never throws into the request path (a broken custom logger must not fail requests). */
export function safeLog(log: BridgeLog): BridgeLog {
  return (entry) => {
    try {
      log(entry);
    } catch {
      // Logging is best effort.
    }
  };
}
