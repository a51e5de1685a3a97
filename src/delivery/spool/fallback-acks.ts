/**
 * Acks made while the spool is in fallback (a segment write failed: EFBIG, ENOSPC) live only in
 * memory, yet the acks file is another, small file that usually still takes them. Unwritten, they
 * would make records Syvain already stored, a finished run's `running` status among them, look
 * undelivered to the next process (which would then mark that run failed). Best effort: the
 * fallback was already reported once, so a failure here is returned, not reported again.
 */
import type { AckLog } from "./ack-log.ts";
import { asSpoolError, type SpoolError } from "./spool-errors.ts";

/** Adds what the acks files grew by to `counters.bytesOnDisk`; returns the failure, if any. */
export async function writeFallbackAcks(dirty: Set<AckLog>, dir: string, counters: { bytesOnDisk: number }): Promise<SpoolError | undefined> {
  try {
    for (const log of dirty) {
      counters.bytesOnDisk += await log.writePending();
      await log.sync();
      dirty.delete(log);
    }
    return undefined;
  } catch (error) {
    return asSpoolError(error, "write", dir);
  }
}

/** The exit hook's variant: synchronous writes, each fdatasync'd. */
export function writeFallbackAcksSync(dirty: Set<AckLog>, dir: string): SpoolError | undefined {
  try {
    for (const log of dirty) {
      log.writePendingSync();
      dirty.delete(log);
    }
    return undefined;
  } catch (error) {
    return asSpoolError(error, "flushSync", dir);
  }
}
