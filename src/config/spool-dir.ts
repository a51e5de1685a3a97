/**
 * Where the disk spool lives when nobody says: `$SYVAIN_SPOOL_DIR`, else
 * `$XDG_STATE_HOME/syvain-metrics-otel/spool`, else `~/.local/state/syvain-metrics-otel/spool`.
 * One resolution for the writers (facade, exporters, bridge) and for `syvain-otel sync`, which
 * must look where they wrote. XDG "state" (not cache): the spool holds data not yet delivered.
 */
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

export const SPOOL_DIR_ENV = "SYVAIN_SPOOL_DIR";
const APP_DIR = "syvain-metrics-otel";

/** `env` and `home` are parameters so tests need not touch the real environment. */
export function defaultSpoolDir(env: NodeJS.ProcessEnv = process.env, home: () => string = homedir): string {
  const explicit = env[SPOOL_DIR_ENV];
  if (explicit !== undefined && explicit !== "") return explicit;
  // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
  const state = env["XDG_STATE_HOME"];
  const base = state !== undefined && isAbsolute(state) ? state : join(home(), ".local", "state");
  return join(base, APP_DIR, "spool");
}
