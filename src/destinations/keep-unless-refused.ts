/**
 * What a batch of an experiment whose creation was deferred leaves on disk. A module of its own with
 * type imports only: the facade loads it at import, and the root entry must not load the spool
 * engine (`test/architecture/entry-points.test.ts`).
 */
import type { KeepFailed } from "../delivery/journal/outbox-journal.ts";
import type { SyvainError } from "../api/errors.ts";
import { isSlugTaken } from "./destination.ts";

/**
 * What a batch of an experiment whose creation was deferred leaves on disk when it fails for good:
 * everything but events Syvain refused as invalid. A late creation Syvain refuses (a folder path
 * that does not exist, a key it rejects) cannot be raised by `experiment()` any more: its events
 * stay in the spool, as a replay leaves them, for `syvain-otel sync` once the cause is fixed.
 */
export const keepUnlessRefused: KeepFailed = (_request, reason) => reason?.code !== "validation";

/**
 * The journals of one deferred facade experiment (its outbox's, its OTel view's): what they keep,
 * and for a `create` (`creationKey` set) the key every record carries and the one refusal that
 * discards the whole run: the slug belongs to another run, whose experiment must not get its records.
 */
export interface DeferredJournalRules {
  keepFailed: KeepFailed;
  creationKey?: string;
  discardsRun?: (reason: SyvainError) => boolean;
}

export function deferredJournalRules(creationKey: string | undefined): DeferredJournalRules {
  if (creationKey === undefined) return { keepFailed: keepUnlessRefused };
  return { keepFailed: keepUnlessRefused, creationKey, discardsRun: isSlugTaken };
}
