/**
 * Marks a reader's or a batch processor's own shutdown, so that the exporter's `forceFlush()` it
 * runs there can be skipped (its `shutdown()` drains anyway, within one deadline). Which force-flush
 * is the shutdown's is a matter of call context, not of time: a user's `forceFlush()` already
 * running when the shutdown starts reaches the exporter during it too, and must still wait for its
 * data's delivery. The mark follows the shutdown's call chain through the SDK's awaits.
 *
 * The shutdown's deadline follows the same chain (`flush-deadline.ts`): the exporter's
 * `shutdownTimeoutSeconds` counts from the start of the whole shutdown, so the last collection's
 * export (whose first export may wait for its experiment's creation) and the exporter's drain share
 * it, instead of the drain getting a whole `shutdownTimeoutSeconds` of its own after that export.
 * Used by `SyvainMetricReader` (reader.ts) and `SyvainLogRecordProcessor` (log-processor.ts).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { shutdownDeadlineOf, type SyvainExporterBase } from "./otel/exporter-base.ts";
import { withFlushDeadline } from "./otel/flush-deadline.ts";

export class ShutdownScope {
  readonly #scope = new AsyncLocalStorage<true>();
  readonly #exporter: SyvainExporterBase;

  constructor(exporter: SyvainExporterBase) {
    this.#exporter = exporter;
  }

  run<T>(shutdown: () => Promise<T>): Promise<T> {
    return withFlushDeadline(shutdownDeadlineOf(this.#exporter), () => this.#scope.run(true, shutdown));
  }

  /** True in the shutdown's own calls to the exporter. */
  get isOwnCall(): boolean {
    return this.#scope.getStore() === true;
  }
}
