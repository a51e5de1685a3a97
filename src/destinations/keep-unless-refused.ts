/**
 * What a batch of an experiment whose creation was deferred leaves on disk. A module of its own with
 * type imports only: the facade loads it at import, and the root entry must not load the spool
 * engine (`test/architecture/entry-points.test.ts`).
 */
import type { KeepFailed } from "../delivery/journal/outbox-journal.ts";

/**
 * What a batch of an experiment whose creation was deferred leaves on disk when it fails for good:
 * everything but events Syvain refused as invalid. A late creation Syvain refuses (a folder path
 * that does not exist, a key it rejects) cannot be raised by `experiment()` any more: its events
 * stay in the spool, as a replay leaves them, for `syvain-otel sync` once the cause is fixed.
 */
export const keepUnlessRefused: KeepFailed = (_request, reason) => reason?.code !== "validation";
