/**
 * What a batch of an experiment whose creation was deferred leaves on disk. A module of its own with
 * type imports only: the facade loads it at import, and the root entry must not load the spool
 * engine (`test/architecture/entry-points.test.ts`).
 */
import type { KeepFailed } from "../delivery/journal/outbox-journal.ts";

/**
 * What a batch of an experiment whose creation was deferred leaves on disk when it fails for good:
 * everything but events Syvain refused as invalid. A late creation Syvain refuses (a folder path
 * that does not exist, a key it rejects, a slug another run holds) cannot be raised by
 * `experiment()` any more: its events stay in the spool, as a replay leaves them, for
 * `syvain-otel sync` once the cause is fixed (a slug taken: `sync --rename`).
 */
export const keepUnlessRefused: KeepFailed = (_request, reason) => reason?.code !== "validation";

/**
 * The journals of one deferred facade experiment (its outbox's, its OTel view's): what they keep,
 * and for a `create` (`creationKey` set) the key every record carries, so a replay never merges
 * two runs of one slug.
 */
export interface DeferredJournalRules {
  keepFailed: KeepFailed;
  creationKey?: string;
}

export function deferredJournalRules(creationKey: string | undefined): DeferredJournalRules {
  return { keepFailed: keepUnlessRefused, ...(creationKey === undefined ? {} : { creationKey }) };
}
