/**
 * The command that delivers a run kept aside because its slug belongs to another run
 * (`leftovers/conflict-keeper.ts`), as the warnings and `syvain-otel sync` print it, and where it
 * is kept. Node built-ins only: the facade words its warning with it, and must not load the spool
 * engine at import.
 */
import path from "node:path";

/** The folder of kept runs inside one host's spool directory (a spool directory of its own). */
export const CONFLICTS_DIR = "conflicts";

export function conflictsDirOf(hostDir: string): string {
  return path.join(hostDir, CONFLICTS_DIR);
}

/**
 * `SYVAIN_METRICS_HOST=<host> syvain-otel sync <dir>`: a host's part of a spool directory is synced
 * only to that host, and sync's own default host may be another. `fromOtherMachine`: with
 * `--from-other-machine`, for folders whose LOCK names another machine (only once their processes have ended).
 */
export function syncCommand(hostDir: string, host: string, flags: { fromOtherMachine?: boolean } = {}): string {
  return `SYVAIN_METRICS_HOST=${shellWord(host)} syvain-otel sync ${flags.fromOtherMachine === true ? "--from-other-machine " : ""}${shellWord(hostDir)}`;
}

/** `syvain-otel sync --rename <slug>=<new-slug> <dir>`, the slug quoted for a POSIX shell when it needs it. */
export function renameCommand(slug: string, hostDir: string): string {
  return `syvain-otel sync --rename ${shellWord(`${slug}=`)}<new-slug> ${shellWord(hostDir)}`;
}

function shellWord(text: string): string {
  return /^[\w./:@+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
