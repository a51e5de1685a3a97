/**
 * Marks a reader's or a batch processor's own shutdown, so that the exporter's `forceFlush()` it
 * runs there can be skipped (its `shutdown()` drains anyway, within one deadline). Which force-flush
 * is the shutdown's is a matter of call context, not of time: a user's `forceFlush()` already
 * running when the shutdown starts reaches the exporter during it too, and must still wait for its
 * data's delivery. The mark follows the shutdown's call chain through the SDK's awaits.
 * Used by `SyvainMetricReader` (reader.ts) and `SyvainLogRecordProcessor` (log-processor.ts).
 */
import { AsyncLocalStorage } from "node:async_hooks";

export class ShutdownScope {
  readonly #scope = new AsyncLocalStorage<true>();

  run<T>(shutdown: () => Promise<T>): Promise<T> {
    return this.#scope.run(true, shutdown);
  }

  /** True in the shutdown's own calls to the exporter. */
  get isOwnCall(): boolean {
    return this.#scope.getStore() === true;
  }
}
