/**
 * The sink of an offline `Collector`'s experiments. Nothing is sent (`syvain-otel sync` sends it
 * later), so for an offline run "delivered" can only mean "in the spool": a flush ends with
 * `sync()`, which resolves once everything appended so far is written and fdatasync'd, as a JSONL
 * sink's flush waits for its fsync. It fails (the flush reports it, `flushOrRaise()` raises) when
 * the spool could not write, and when it refused events since the last flush (full, or a disk it
 * cannot use): offline, such an event is kept nowhere else. With a bare no-op sink,
 * `flushOrRaise()` said ok while the events were still in memory, and a kill -9 right after it
 * lost them.
 */
import { SyvainError } from "../api/errors.ts";
import { createNoopSink } from "../delivery/noop-sink.ts";
import type { DeliverySink } from "../delivery/delivery-types.ts";
import type { Spool } from "../delivery/spool/index.ts";

export function createOfflineSink(spool: () => Promise<Spool>): DeliverySink {
  let notSpooledSeen = 0;
  return {
    ...createNoopSink(),
    async sync(): Promise<void> {
      const opened = await spool();
      const s = opened.stats();
      const notSpooled = s.refusedFull + s.refusedFallback + s.unwrittenRecords;
      if (notSpooled > notSpooledSeen) {
        const lost = notSpooled - notSpooledSeen;
        notSpooledSeen = notSpooled;
        const why = opened.lastError?.message ?? (s.refusedFull > 0 ? "the spool is full (spoolMaxBytes)" : "the spool cannot write");
        throw new SyvainError("io", `offline: ${lost} record(s) could not be written to the spool (${why}); offline they are kept nowhere else`);
      }
      await opened.whenDurable();
    },
  };
}
