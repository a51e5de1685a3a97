/**
 * `new SyvainLogRecordProcessor({ exporter })`: the SDK's `BatchLogRecordProcessor` around a
 * `SyvainLogRecordExporter`, whose shutdown keeps one deadline, `shutdownTimeoutSeconds`.
 *
 * Why not the SDK's processor as it is: it shuts down by flushing its buffer, and that flush calls
 * the exporter's `forceFlush()` after each batch it hands over (ours waits up to
 * `flushTimeoutSeconds` for delivery), and only then the exporter's `shutdown()`, which drains
 * within `shutdownTimeoutSeconds` itself. Two deadlines in a row: during an outage
 * `loggerProvider.shutdown()` took 30 + 10 s by default. The exporter cannot tell that force-flush
 * from a user's own (its `shutdown()` comes after it), so the processor, which knows, says so:
 * in its shutdown's own calls (shutdown-scope.ts) the exporter's `forceFlush()` is skipped. Every
 * buffered record is still exported (queued) first, and `shutdown()` drains them, within its one
 * deadline. Any other `loggerProvider.forceFlush()`, one already running when the shutdown starts
 * included, waits for delivery as before. (`SyvainMetricReader` does the same for metrics.)
 */
import { BatchLogRecordProcessor, type BatchLogRecordProcessorOptions, type LogRecordExporter } from "@opentelemetry/sdk-logs";
import { z } from "zod";
import { parseOptions } from "../config/parse-options.ts";
import { SyvainLogRecordExporter } from "./log-exporter.ts";
import { ShutdownScope } from "./shutdown-scope.ts";

export interface SyvainLogRecordProcessorOptions extends Omit<BatchLogRecordProcessorOptions, "exporter"> {
  /** The exporter the processor drives (e.g. `createSyvainExporters().logExporter`). */
  exporter: SyvainLogRecordExporter;
}

// Loose: the other keys are the SDK's batch options, which the SDK reads as it always does.
const processorSchema = z.looseObject({
  exporter: z.instanceof(SyvainLogRecordExporter, { message: "must be a SyvainLogRecordExporter" }),
});

export class SyvainLogRecordProcessor extends BatchLogRecordProcessor {
  /** The exporter it drives, as given. */
  readonly exporter: SyvainLogRecordExporter;
  readonly #shutdown: ShutdownScope;

  constructor(options: SyvainLogRecordProcessorOptions) {
    const { exporter, ...batch } = parseOptions(processorSchema, options, { owner: "SyvainLogRecordProcessor" }) as SyvainLogRecordProcessorOptions;
    const shutdown = new ShutdownScope(exporter);
    super({ ...batch, exporter: withoutFlushOnShutdown(exporter, shutdown) });
    this.exporter = exporter;
    this.#shutdown = shutdown;
  }

  /** The SDK's shutdown (flush the buffer into the exporter, then its `shutdown()`), marked as ours. */
  override shutdown(): Promise<void> {
    return this.#shutdown.run(() => super.shutdown());
  }
}

/** The exporter as the processor drives it: the same one, except that its shutdown's own `forceFlush()` is skipped. */
function withoutFlushOnShutdown(exporter: SyvainLogRecordExporter, shutdown: ShutdownScope): LogRecordExporter {
  return {
    export: (logs, done) => exporter.export(logs, done),
    forceFlush: () => (shutdown.isOwnCall ? Promise.resolve() : exporter.forceFlush()),
    shutdown: () => exporter.shutdown(),
  };
}
