/**
 * What the metric and the log exporter share: the core they attach to, the lifecycle
 * (`forceFlush`, idempotent `shutdown`), the stats / health API, and the guard that makes
 * `export()` answer once and never throw.
 */
import type { ExportResult } from "@opentelemetry/core";
import { SyvainError } from "../../api/errors.ts";
import { settleOnce, type SettleOnce } from "./export-callback.ts";
import type { ExporterCore } from "./exporter-core.ts";
import type { SyvainExporterOptions } from "./exporter-options.ts";
import type { ExperimentExportStats, SyvainExporterHealth } from "./exporter-stats.ts";
import { attachCore } from "./shared-core.ts";
import type { SpoolSessionStats } from "../../destinations/spool-session.ts";

/**
 * The deadline of a shutdown of `exporter` starting now (its owner's, else its
 * `shutdownTimeoutSeconds` from now), for a reader or a processor whose shutdown drives it: not a
 * method, so that it stays off the exporters' public surface.
 */
export let shutdownDeadlineOf: (exporter: SyvainExporterBase) => number;

export abstract class SyvainExporterBase {
  static {
    shutdownDeadlineOf = (exporter) => exporter.#core.shutdownDeadline();
  }

  // A private field (not a property): `util.inspect(exporter)` shows nothing of the core.
  readonly #core: ExporterCore;
  readonly #name: string;
  #shutdown: Promise<void> | undefined;

  protected constructor(options: SyvainExporterOptions | undefined, name: string) {
    this.#core = attachCore(options, name);
    this.#name = name;
  }

  protected get core(): ExporterCore {
    return this.#core;
  }

  /** Runs `body` with a once-only result; a shut-down exporter or a throw becomes FAILED. */
  protected guardExport(resultCallback: (result: ExportResult) => void, body: (result: SettleOnce) => void): void {
    const result = settleOnce(resultCallback);
    try {
      if (this.#shutdown !== undefined || this.core.isClosed) {
        result.fail(new SyvainError("shutdown", `${this.#name} is shut down: export refused, nothing was queued`));
        return;
      }
      body(result);
    } catch (error) {
      result.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Drains every outbox (waits up to `flushTimeoutSeconds`); incomplete delivery is a `diag` warning. */
  forceFlush(): Promise<void> {
    return this.core.forceFlush();
  }

  /** Drains (up to `shutdownTimeoutSeconds`), then closes; later exports fail. Idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.core.release();
    return this.#shutdown;
  }

  /** Per-experiment delivery counts (shared with the sibling exporter of `createSyvainExporters`). */
  stats(): ExperimentExportStats[] {
    return this.core.stats();
  }

  /** The disk spool's figures (`spoolDir`); `null` without a spool. */
  spoolStats(): SpoolSessionStats | null {
    return this.core.spoolStats();
  }

  /** Cheap: true when an outbox is nearly full or Syvain looks unavailable. */
  isBackpressured(): boolean {
    return this.core.isBackpressured();
  }

  /** `isBackpressured()` with one reason per line. */
  health(): SyvainExporterHealth {
    return this.core.health();
  }
}
