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
 * during its shutdown the exporter's `forceFlush()` is skipped. Every buffered record is still
 * exported (queued) first, and `shutdown()` drains them, within its one deadline. Outside a
 * shutdown, `loggerProvider.forceFlush()` waits for delivery as before. (`SyvainMetricReader` does
 * the same for metrics.)
 */
import { BatchLogRecordProcessor, type BatchLogRecordProcessorOptions, type LogRecordExporter } from "@opentelemetry/sdk-logs";
import { z } from "zod";
import { parseOptions } from "../config/parse-options.ts";
import { SyvainLogRecordExporter } from "./log-exporter.ts";

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
  readonly #shutdown: { started: boolean };

  constructor(options: SyvainLogRecordProcessorOptions) {
    const { exporter, ...batch } = parseOptions(processorSchema, options, { owner: "SyvainLogRecordProcessor" }) as SyvainLogRecordProcessorOptions;
    const shutdown = { started: false };
    super({ ...batch, exporter: withoutFlushOnShutdown(exporter, shutdown) });
    this.exporter = exporter;
    this.#shutdown = shutdown;
  }

  /** The SDK calls this first in its shutdown, before flushing its buffer into the exporter. */
  protected override onShutdown(): void {
    this.#shutdown.started = true;
    super.onShutdown();
  }
}

/** The exporter as the processor drives it: the same one, except that its `forceFlush()` is skipped once shutdown started. */
function withoutFlushOnShutdown(exporter: SyvainLogRecordExporter, shutdown: { readonly started: boolean }): LogRecordExporter {
  return {
    export: (logs, done) => exporter.export(logs, done),
    forceFlush: () => (shutdown.started ? Promise.resolve() : exporter.forceFlush()),
    shutdown: () => exporter.shutdown(),
  };
}
