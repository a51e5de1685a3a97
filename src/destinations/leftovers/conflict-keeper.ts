/**
 * Where a replay keeps the records of a run it cannot deliver because its slug belongs to another
 * run (a deferred or offline `create`, `ifExists: "error"`, answered 409): `<host dir>/conflicts/`,
 * a spool directory of its own. The records are copied there (same bodies, same `client_event_id`s),
 * made durable, and only then acknowledged in the host's spool, so:
 *
 * - nothing is lost, and the host's spool still drains: other runs are delivered, writer folders
 *   emptied are removed, and kept runs never count against a later process's `spoolMaxBytes`;
 * - no background replay reads them again every 60 s, or asks Syvain about them again, or warns
 *   about them again: only `syvain-otel sync` opens that folder (it lists the kept runs, and
 *   `--rename OLD=NEW` delivers them under a new slug, `rename-kept-runs.ts`).
 *
 * A crash between the copy and the acknowledgement leaves both: the next replay copies the run
 * again. The copies are the same events, so a later rename stores each one once (Syvain
 * deduplicates by `client_event_id`); only the kept counts of a dry run may show them twice.
 */
import { openSpool, type RecordRef, type Spool } from "../../delivery/spool/index.ts";
import { conflictsDirOf } from "../kept-run-hint.ts";

export class ConflictKeeper {
  readonly dir: string;
  #spool: Promise<Spool> | undefined;
  /** The originals in the replayed spool, acknowledged once their copies are durable. */
  readonly #originals: RecordRef[] = [];

  /** `hostDir`: the spool directory of one Syvain host (where the replayed spool lives). */
  constructor(hostDir: string) {
    this.dir = conflictsDirOf(hostDir);
  }

  /** Copies records of a kept run (`type`, JSON body), standing for `originals` in the replayed spool. */
  async keep(records: readonly { type: number; body: object }[], originals: readonly RecordRef[]): Promise<void> {
    if (records.length === 0 && originals.length === 0) return;
    this.#spool ??= openSpool({ dir: this.dir, syncIntervalMs: 0 });
    const spool = await this.#spool;
    for (const { type, body } of records) {
      if (spool.append(type, body) === undefined) throw new Error(`could not keep a record of a run whose slug is taken in ${this.dir}: ${spool.lastError?.message ?? "the spool refused it"}`);
    }
    this.#originals.push(...originals);
  }

  /**
   * Makes every copy durable and closes the kept runs' spool (its folder stays, released, for
   * `sync`); returns the originals that may now be acknowledged. Throws if the copies could not be
   * written: then nothing may be acknowledged, and the next replay keeps the runs again.
   */
  async settle(): Promise<RecordRef[]> {
    const opening = this.#spool;
    this.#spool = undefined;
    if (opening === undefined) return this.#originals.splice(0);
    const spool = await opening;
    try {
      await spool.whenDurable();
    } finally {
      await spool.close();
    }
    return this.#originals.splice(0);
  }
}
