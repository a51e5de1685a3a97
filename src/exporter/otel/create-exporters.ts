/**
 * `createSyvainExporters()`: a metric and a log exporter over one client and one experiment
 * registry, so a resource's metrics and logs land in the same experiment, created once, through
 * one outbox. Shut both down (or call `shutdown()` here); the last one drains and closes.
 */
import { SyvainLogRecordExporter } from "../log-exporter.ts";
import { SyvainMetricExporter } from "../metric-exporter.ts";
import type { CoreOwnership } from "./exporter-core.ts";
import type { SyvainExporterOptions } from "./exporter-options.ts";
import type { ExperimentExportStats, SyvainExporterHealth } from "./exporter-stats.ts";
import { newCore, optionsSharing } from "./shared-core.ts";
import type { SpoolSessionStats } from "../../destinations/spool-session.ts";

export interface SyvainExporters {
  metricExporter: SyvainMetricExporter;
  logExporter: SyvainLogRecordExporter;
  // Function properties (not methods): safe to destructure.
  /** Per-experiment counts for both signals. */
  stats: () => ExperimentExportStats[];
  /** The disk spool's figures (`spoolDir`); `null` without a spool. */
  spoolStats: () => SpoolSessionStats | null;
  isBackpressured: () => boolean;
  health: () => SyvainExporterHealth;
  forceFlush: () => Promise<void>;
  /** Shuts both exporters down (drain with the deadline, then close). Idempotent. */
  shutdown: () => Promise<void>;
}

export function createSyvainExporters(options?: SyvainExporterOptions): SyvainExporters {
  const { deliveredWithin: _owners, ...exporters } = exportersFor(options, "createSyvainExporters");
  return exporters;
}

/** What an owner (the bridge) also gets: whether what is queued now was delivered (`ExporterCore.deliveredWithin`). */
export interface OwnedExporters extends SyvainExporters {
  deliveredWithin: (deadline: number) => Promise<boolean>;
}

/**
 * `createSyvainExporters` on behalf of another API: errors name that API and the option the
 * exporter options came in (`createBridge: invalid option \`syvain.maxQueueItems\``). `ownership`:
 * what the owner changes (its spool, see `experiment-journals.ts`; how creations are waited for).
 */
export function exportersFor(options: SyvainExporterOptions | undefined, owner: string, within?: string, ownership?: CoreOwnership): OwnedExporters {
  const core = newCore(options, owner, within, ownership);
  const metricExporter = new SyvainMetricExporter(optionsSharing(core));
  const logExporter = new SyvainLogRecordExporter(optionsSharing(core));
  return {
    metricExporter,
    logExporter,
    stats: () => core.stats(),
    spoolStats: () => core.spoolStats(),
    isBackpressured: () => core.isBackpressured(),
    health: () => core.health(),
    forceFlush: () => core.forceFlush(),
    deliveredWithin: (deadline) => core.deliveredWithin(deadline),
    shutdown: async () => {
      await Promise.all([metricExporter.shutdown(), logExporter.shutdown()]);
    },
  };
}
