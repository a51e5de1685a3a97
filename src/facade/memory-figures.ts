/**
 * `collector.stats().memory`: the spill figures of a collector's experiment outboxes (see
 * `delivery/spill-refill.ts`). Live outboxes are read when asked; a closed one is folded into the
 * totals and let go, so a process that runs many experiments does not keep their outboxes.
 */
import type { Outbox } from "../delivery/outbox.ts";

export interface CollectorMemoryStats {
  /** Pending events held in memory now, over every experiment (spilled ones on disk excluded). */
  eventsInMemory: number;
  /** The most one experiment has held at once (the bound, `maxQueueItems`, is per experiment). */
  peakEventsInMemory: number;
  /** Events that left memory for the spool during outages (lifetime counts), and those on disk only now. */
  spilledMetrics: number;
  spilledAnnotations: number;
  spilledOnDisk: number;
}

export class MemoryFigures {
  readonly #live = new Set<Outbox>();
  #closed = { peakEventsInMemory: 0, spilledMetrics: 0, spilledAnnotations: 0 };

  add(outbox: Outbox): void {
    this.#fold();
    this.#live.add(outbox);
  }

  stats(): CollectorMemoryStats {
    this.#fold();
    const total: CollectorMemoryStats = { eventsInMemory: 0, spilledOnDisk: 0, ...this.#closed };
    for (const outbox of this.#live) {
      const s = outbox.memoryStats();
      if (s === undefined) continue;
      total.eventsInMemory += s.eventsInMemory;
      total.spilledOnDisk += s.spilledOnDisk;
      total.spilledMetrics += s.spilledMetrics;
      total.spilledAnnotations += s.spilledAnnotations;
      total.peakEventsInMemory = Math.max(total.peakEventsInMemory, s.peakEventsInMemory);
    }
    return total;
  }

  #fold(): void {
    for (const outbox of this.#live) {
      if (!outbox.isClosed) continue;
      this.#live.delete(outbox);
      const s = outbox.memoryStats();
      if (s === undefined) continue;
      const c = this.#closed;
      this.#closed = {
        peakEventsInMemory: Math.max(c.peakEventsInMemory, s.peakEventsInMemory),
        spilledMetrics: c.spilledMetrics + s.spilledMetrics,
        spilledAnnotations: c.spilledAnnotations + s.spilledAnnotations,
      };
    }
  }
}
