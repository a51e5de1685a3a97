/** What `Spool.stats()` reports. Counters are lifetime totals of this `Spool` object. */
export interface SpoolStats {
  /** `fallback`: disk writes failed; appends are refused (the caller keeps events in memory) until a retry succeeds. */
  state: "active" | "fallback" | "closed";
  /** Segment and acks bytes this spool manages: its own and its adopted orphans'. */
  bytesOnDisk: number;
  /** Records on disk not yet acknowledged (own written + adopted read so far). */
  recordsOnDisk: number;
  /** Appended, not yet written. */
  pendingRecords: number;
  /** `append()` refuses for room now: the bytes on disk and on their way there reach `maxBytes` (disk-budget.ts). */
  full: boolean;
  appended: number;
  written: number;
  /** Acknowledged before the flusher reached them, so never written (`skipAckedTypes`: delivered events). */
  deliveredUnwritten: number;
  acked: number;
  /** `append()` refused because the bytes on disk and on their way there would pass `maxBytes` (disk-budget.ts). */
  refusedFull: number;
  /** `append()` refused in fallback state. */
  refusedFallback: number;
  /** Accepted but never written because a write failed (they remain only in the caller's memory). */
  unwrittenRecords: number;
  /** Payloads that could not be serialised or exceeded the record limit (skipped). */
  badRecords: number;
  /** Segments read back that ended in an incomplete record (a kill mid-write). */
  tornTails: number;
  /** Damaged regions skipped while reading back (each resynchronised to the next valid record). */
  corruptRecords: number;
  /** Files moved to `corrupt/` (unreadable header or read error). */
  corruptFiles: number;
  /** Files left untouched because of an unknown version. */
  unsupportedFiles: number;
  /** Acks entries with a bad checksum (their records are resent). */
  badAckEntries: number;
  /** Switches to memory fallback. */
  fallbacks: number;
  /** Orphaned writer directories taken over. */
  adoptedDirs: number;
  /** Segment bytes of the adopted directories (known at adoption, before any is read). */
  backlogBytes: number;
  /** Of those, the bytes `backlog()` has read past: a replay's progress, as its event total is unknown until the end. */
  backlogBytesRead: number;
}

export type SpoolCounters = Omit<SpoolStats, "state" | "pendingRecords" | "recordsOnDisk" | "full">;

export function newCounters(): SpoolCounters {
  return {
    bytesOnDisk: 0,
    appended: 0,
    written: 0,
    deliveredUnwritten: 0,
    acked: 0,
    refusedFull: 0,
    refusedFallback: 0,
    unwrittenRecords: 0,
    badRecords: 0,
    tornTails: 0,
    corruptRecords: 0,
    corruptFiles: 0,
    unsupportedFiles: 0,
    badAckEntries: 0,
    fallbacks: 0,
    adoptedDirs: 0,
    backlogBytes: 0,
    backlogBytesRead: 0,
  };
}
