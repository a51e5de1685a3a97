/**
 * The sink of an offline `Collector`'s experiments. Nothing is sent (`syvain-otel sync` sends it
 * later), so for an offline run "delivered" can only mean "in the spool": a flush ends with
 * `sync()`, which resolves once everything appended so far is written and fdatasync'd, as a JSONL
 * sink's flush waits for its fsync. It fails (the flush reports it, `flushOrRaise()` raises) when
 * the spool could not write, and, from then on, at every flush once the spool has refused records
 * since the experiment started (full, or a disk it cannot use): offline such a record is kept
 * nowhere else, a loss that stays reported, as dropped counts do. Sticky rather than reported once,
 * since the experiment's OTel view flushes through this same sink and would otherwise use the
 * report up. The spool is shared: the count is the spool's, whichever experiment's records they were.
 * With a bare no-op sink, `flushOrRaise()` said ok while the events were still in memory, and a
 * kill -9 right after it lost them.
 */
import { SyvainError } from "../api/errors.ts";
import { createNoopSink } from "../delivery/noop-sink.ts";
import type { DeliverySink } from "../delivery/delivery-types.ts";
import type { Spool } from "../delivery/spool/index.ts";
import { notSpooled } from "./spool-session.ts";

export function createOfflineSink(spool: () => Promise<Spool>): DeliverySink {
  // The experiment's creation opened the spool: the baseline is what was refused before it started.
  const before = spool().then((opened) => notSpooled(opened.stats()));
  return {
    ...createNoopSink(),
    async sync(): Promise<void> {
      const opened = await spool();
      const s = opened.stats();
      const lost = notSpooled(s) - (await before);
      if (lost > 0) {
        const why = opened.lastError?.message ?? (s.refusedFull > 0 ? "the spool is full (spoolMaxBytes)" : "the spool cannot write");
        throw new SyvainError("io", `offline: ${lost} record(s) could not be written to the spool since this experiment started (${why}); offline they are kept nowhere else`);
      }
      // The spool's flush and sync timers are unref'd (they must never hold a process open); a
      // caller awaiting this flush in a plain script has nothing else keeping the loop alive, and
      // Node would exit mid-await (code 13). A ref'd handle holds it until the records are durable.
      const hold = setInterval(() => {}, 60_000);
      try {
        await opened.whenDurable();
      } finally {
        clearInterval(hold);
      }
    },
  };
}
