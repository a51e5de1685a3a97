/**
 * `new SyvainMetricReader()`: a `PeriodicExportingMetricReader` set up for step-wise training
 * metrics, with its `SyvainMetricExporter` at hand (`reader.exporter.stats()`).
 *
 * Why not the SDK defaults:
 * - **Cardinality**: the SDK keeps at most 2000 attribute sets per instrument per collection
 *   interval; beyond that, points are folded into one `otel.metric.overflow` series. A gauge
 *   recorded with a `step` attribute has one attribute set per step, so a loop logging more than
 *   2000 steps between two exports would silently lose steps. The reader raises the limit for
 *   gauges and histograms (`cardinalityLimit`, default 100,000). With DELTA temporality (which the
 *   exporter asks for) the SDK forgets each step after it is exported, so memory stays bounded by
 *   what one interval records.
 * - **Interval**: 5 s instead of 60 s, so a run's curves show up while it runs and each export stays
 *   small. The exporter only queues (delivery happens in the background), so a short interval is cheap.
 */
import { PeriodicExportingMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { z } from "zod";
import { readerDefaults } from "../config/defaults.ts";
import { parseOptions } from "../config/parse-options.ts";
import { SyvainMetricExporter } from "./metric-exporter.ts";
import type { SyvainExporterOptions } from "./otel/exporter-options.ts";
import { ShutdownScope } from "./shutdown-scope.ts";

export interface SyvainMetricReaderOptions extends SyvainExporterOptions {
  /** Use this exporter instead of creating one from the other options. */
  exporter?: SyvainMetricExporter;
  /** @default 5000 */
  exportIntervalMillis?: number;
  /** How long one collection + export may take. @default the interval, at most 30000 */
  exportTimeoutMillis?: number;
  /** Attribute sets (e.g. steps) per gauge / histogram per interval before the SDK folds them into an overflow series. @default 100000 */
  cardinalityLimit?: number;
}

export const DEFAULT_EXPORT_INTERVAL_MILLIS = readerDefaults.exportIntervalMillis.default;
export const DEFAULT_CARDINALITY_LIMIT = readerDefaults.cardinalityLimit.default;

const readerKeys: ReadonlySet<string> = new Set(["exporter", "exportIntervalMillis", "exportTimeoutMillis", "cardinalityLimit"]);
const positiveInt = z.number().int().positive().max(2 ** 31 - 1);
// Loose: the other keys are exporter options, validated by the exporter.
const readerSchema = z
  .looseObject({
    exporter: z.instanceof(SyvainMetricExporter, { message: "must be a SyvainMetricExporter" }).optional(),
    exportIntervalMillis: positiveInt.default(DEFAULT_EXPORT_INTERVAL_MILLIS),
    exportTimeoutMillis: positiveInt.optional(),
    cardinalityLimit: positiveInt.default(DEFAULT_CARDINALITY_LIMIT),
  })
  .superRefine((options, context) => {
    if (options.exportTimeoutMillis !== undefined && options.exportTimeoutMillis > options.exportIntervalMillis) {
      context.addIssue({ code: "custom", path: ["exportTimeoutMillis"], message: "must not exceed exportIntervalMillis" });
    }
    const extra = Object.keys(options).filter((key) => !readerKeys.has(key) && (options as Record<string, unknown>)[key] !== undefined);
    if (options.exporter !== undefined && extra[0] !== undefined) {
      context.addIssue({ code: "custom", path: [extra[0]], message: "give `exporter` or exporter options, not both" });
    }
  });

/** The reader, with the exporter it drives. */
export class SyvainMetricReader extends PeriodicExportingMetricReader {
  readonly exporter: SyvainMetricExporter;

  constructor(options: SyvainMetricReaderOptions = {}) {
    const { exporter: given, exportIntervalMillis, exportTimeoutMillis, cardinalityLimit, ...exporterOptions } = parseOptions(
      readerSchema,
      options,
      { owner: "SyvainMetricReader", secretFields: ["apiKey"] },
    );
    const exporter = given ?? new SyvainMetricExporter(exporterOptions);
    const shutdown = new ShutdownScope(exporter);
    super({
      exporter: withoutFlushOnShutdown(exporter, shutdown),
      exportIntervalMillis,
      exportTimeoutMillis: exportTimeoutMillis ?? Math.min(exportIntervalMillis, 30_000),
      cardinalityLimits: { gauge: cardinalityLimit, observableGauge: cardinalityLimit, histogram: cardinalityLimit },
    });
    this.exporter = exporter;
    this.#shutdown = shutdown;
  }

  readonly #shutdown: ShutdownScope;

  protected override onShutdown(): Promise<void> {
    return this.#shutdown.run(() => super.onShutdown());
  }
}

/**
 * The exporter as the SDK's reader drives it: the same one, except that the reader's shutdown
 * skips its `forceFlush()`. The SDK shuts a reader down as a force-flush (ours waits up to
 * `flushTimeoutSeconds` for delivery) and then the exporter's `shutdown()`, which drains within
 * `shutdownTimeoutSeconds` itself: two deadlines in a row, so during an outage
 * `meterProvider.shutdown()` took 30 + 10 s by default. The last collection is still exported
 * (queued) first, and `shutdown()` drains it, within its one deadline. Any other force-flush waits
 * for delivery as usual, also one begun before the shutdown: at most until the shutdown's drain
 * closes the exporter (its outboxes end every flush then), and what was not delivered is counted
 * and reported (a `SyvainDeliveryWarning`).
 */
function withoutFlushOnShutdown(exporter: SyvainMetricExporter, shutdown: ShutdownScope): PushMetricExporter {
  return {
    export: (metrics, done) => exporter.export(metrics, done),
    forceFlush: () => (shutdown.isOwnCall ? Promise.resolve() : exporter.forceFlush()),
    shutdown: () => exporter.shutdown(),
    selectAggregationTemporality: (instrumentType) => exporter.selectAggregationTemporality(instrumentType),
  };
}
