/**
 * Dead writers' directories a spool cannot take over. Adopting one is renaming it into this
 * process's writer directory, whose LOCK names a live process: that is what keeps two processes
 * from replaying the same segment. A spool that could not make its writer directory (a full disk:
 * no room for the LOCK) has nowhere to move them, and a full disk can fail the move itself. Either
 * way the directories stay where they are, for a process that can write there, and are named with
 * the cause: never answered as if there were nothing to adopt, which made `sync` report
 * "everything is delivered" (review 14, F2).
 */
import { leftInPlace, type NotAdopted } from "./adopt.ts";
import { adoptAndLoad, type AdoptedSource, type BacklogHost } from "./backlog-reader.ts";
import type { AdoptResult } from "./adopt.ts";
import type { LivenessOptions, OwnerIdentity } from "./process-identity.ts";
import { SpoolError } from "./spool-errors.ts";

export class LeftBehind {
  /** Directories already said: an owner adopts every minute, and would say the same ones each time. */
  readonly #said = new Set<string>();

  /**
   * Adopts and loads (`adoptAndLoad`), or, when `noWriterDir` says why this process has no writer
   * directory, only names what an adoption would take. Reports the directories left behind once.
   */
  async adopt(host: BacklogHost, myName: string, me: OwnerIdentity, noWriterDir: SpoolError | undefined, options: LivenessOptions): Promise<{ result: AdoptResult; sources: AdoptedSource[] }> {
    const loaded = noWriterDir === undefined ? await adoptAndLoad(host, myName, me, options) : { result: await withoutWriterDir(host, myName, me, noWriterDir, options), sources: [] };
    const left = loaded.result.notAdopted;
    const unsaid = left?.names.filter((name) => !this.#said.has(name)) ?? [];
    if (left !== undefined && unsaid.length > 0) {
      for (const name of unsaid) this.#said.add(name);
      host.report(leftBehindError(host.spoolDir, unsaid, left));
    }
    return loaded;
  }
}

async function withoutWriterDir(host: BacklogHost, myName: string, me: OwnerIdentity, cause: SpoolError, options: LivenessOptions): Promise<AdoptResult> {
  // A FORMAT of another version: its message says the directory is left untouched, every folder in it.
  const notAdopted = cause.code === "unsupported_format" ? undefined : await leftInPlace(host.fs, host.spoolDir, myName, me, cause, options);
  return { adopted: [], skipped: [], ...(notAdopted ? { notAdopted } : {}) };
}

function leftBehindError(spoolDir: string, names: readonly string[], { cause }: NotAdopted): SpoolError {
  return new SpoolError(
    "io",
    `spool ${spoolDir}: could not take over ${names.length} writer folder(s) of processes no longer running (${names.join(", ")}): ${cause.message}; they stay there, their records not delivered`,
    { op: "adopt", path: spoolDir, ...(cause.errno === undefined ? {} : { errno: cause.errno }), cause },
  );
}
