/**
 * The aggregation temporality the Syvain exporters ask the SDK for (`docs/otel.md`, "Temporality").
 *
 * - DELTA for gauges and histograms: every recorded step is exported once and the SDK forgets it,
 *   so memory stays flat however many steps a run records. (CUMULATIVE would re-export every step
 *   ever seen on every interval and grow without bound.)
 * - CUMULATIVE for counters and up-down counters: a running total is what people plot, and a
 *   re-sent cumulative point is idempotent.
 *
 * Instrument types are compared as strings: the 2.x and 3.x SDKs use the same string values, so
 * this works whichever `InstrumentType` enum object the caller's SDK passes in.
 */
import { AggregationTemporality, type InstrumentType } from "@opentelemetry/sdk-metrics";

const deltaInstruments: ReadonlySet<string> = new Set(["GAUGE", "OBSERVABLE_GAUGE", "HISTOGRAM"]);

export function selectSyvainTemporality(instrumentType: InstrumentType): AggregationTemporality {
  return deltaInstruments.has(instrumentType) ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
}
