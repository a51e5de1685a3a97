/**
 * OTel metric data → Syvain metric events (`docs/otel.md`, "OTel ⇄ Syvain mapping"):
 * - GAUGE and SUM (monotonic or not, DELTA or CUMULATIVE): one event per point, `name` = instrument
 *   name, `value` = the point's value. Temporality is the reader's choice; each point is sent as it is.
 * - HISTOGRAM and EXPONENTIAL_HISTOGRAM: `<name>.count`, `<name>.sum` (when present), `<name>.min`
 *   and `<name>.max` (when present and the point counted at least one value: with count 0 the SDK
 *   reports ±Infinity there, which describes no recording). The events of one point share one
 *   (read-only) metadata object.
 * - `step` and `metadata` from the attributes (`metric-attributes.ts`); `timestamp` = `endTime` in
 *   ms (rounded down); `client_event_id` per `event-id.ts` (stepped: series digest + step; unstepped: start, end, value).
 * - Dropped, counted, never thrown: `flags & 1` (NO_RECORDED_VALUE), NaN/±Inf values
 *   (per histogram component), non-numeric values, invalid steps, empty metric names, other
 *   data point types.
 */
import type { Attributes, HrTime } from "@opentelemetry/api";
import type { DataPoint, MetricData, ScopeMetrics } from "@opentelemetry/sdk-metrics";
import type { MetricEvent } from "../api/contract.ts";
import { DropCounter, showValue } from "./drops.ts";
import type { DroppedPoints } from "./drops.ts";
import { HrTimeConverter, SteppedIds, eventIdOf, unsteppedIdentity } from "./event-id.ts";
import type { SteppedSumValues } from "./stepped-sums.ts";
import { DEFAULT_STEP_ATTRIBUTE, SortedKeys, readPointLabels } from "./metric-attributes.ts";
import type { PointLabels } from "./metric-attributes.ts";

export interface MetricsToEventsOptions {
  /** Experiment the events belong to (slug or id); part of every event id. */
  experimentKey: string;
  /** Attribute holding the step; default `"step"`. */
  stepAttribute?: string;
  /** The experiment's stepped Sum totals exported so far (kept by the caller across exports): a later, different total at a step is dropped as `restated_step`. */
  steppedSums?: SteppedSumValues;
}

export interface MetricsMappingResult {
  events: MetricEvent[];
  dropped: DroppedPoints[];
}

// DataPointType values of sdk-metrics (a type-only import cannot read the enum at run time).
const HISTOGRAM = 0;
const EXPONENTIAL_HISTOGRAM = 1;
const GAUGE = 2;
const SUM = 3;
const NO_RECORDED_VALUE = 1;
/** The attribute the SDK puts on the one point it folds series past its cardinality limit into. */
const OVERFLOW_ATTRIBUTE = "otel.metric.overflow";
const ZERO_TIME: HrTime = [0, 0];

interface HistogramLike {
  count?: unknown;
  sum?: unknown;
  min?: unknown;
  max?: unknown;
}

export function metricsToEvents(scopeMetrics: readonly ScopeMetrics[], options: MetricsToEventsOptions): MetricsMappingResult {
  const mapper = new MetricMapper(options);
  for (const scope of scopeMetrics) {
    for (const metric of scope.metrics) mapper.mapMetric(metric);
  }
  return { events: mapper.events, dropped: mapper.drops.list() };
}

/** Points of a metric as the mapping counts them: a malformed (non-array) `dataPoints` is one. */
export function pointCount(points: unknown): number {
  return Array.isArray(points) ? points.length : 1;
}

class MetricMapper {
  readonly events: MetricEvent[] = [];
  readonly drops = new DropCounter();
  readonly #experimentKeyJson: string;
  readonly #stepKey: string;
  readonly #labels: PointLabels = { step: null, invalidStep: false, invalidStepValue: undefined, metadata: {}, metadataCanonical: "{}" };
  readonly #keys = new SortedKeys();
  readonly #start = new HrTimeConverter();
  readonly #end = new HrTimeConverter();
  readonly #unstepped = { startNanos: "", endNanos: "", value: 0 };
  readonly #steppedIds: SteppedIds;
  readonly #steppedSums: SteppedSumValues | undefined;

  constructor(options: MetricsToEventsOptions) {
    this.#steppedSums = options.steppedSums;
    this.#experimentKeyJson = JSON.stringify(options.experimentKey);
    this.#steppedIds = new SteppedIds(this.#experimentKeyJson);
    this.#stepKey = options.stepAttribute ?? DEFAULT_STEP_ATTRIBUTE;
  }

  mapMetric(metric: MetricData): void {
    const name = metric.descriptor.name;
    const rawType: unknown = metric.dataPointType;
    const type = rawType as number;
    const points = metric.dataPoints as readonly DataPoint<unknown>[];
    if (typeof name !== "string" || name.length === 0) {
      // The API rejects an empty name, and with it the whole batch: an OTLP metric may lack one.
      this.drops.add("invalid_name", String(name), `metric name ${showValue(name)} is empty`, pointCount(points));
      return;
    }
    if (type === GAUGE || type === SUM) {
      const nameJson = JSON.stringify(name);
      const sums = type === SUM ? this.#steppedSums : undefined;
      for (const point of points) {
        if (this.#acceptPoint(name, point)) this.#emit(name, nameJson, point.value, point, sums);
      }
    } else if (type === HISTOGRAM || type === EXPONENTIAL_HISTOGRAM) {
      for (const point of points) this.#mapHistogramPoint(name, point);
    } else {
      this.drops.add("unsupported_type", name, `${name}: data point type ${showValue(rawType)} is not supported`, pointCount(points));
    }
  }

  /** Flags and step checks; fills #labels. False (and counted) when the whole point is dropped. */
  #acceptPoint(name: string, point: DataPoint<unknown>): boolean {
    const flags = (point as { flags?: unknown }).flags;
    if (typeof flags === "number" && (flags & NO_RECORDED_VALUE) !== 0) {
      this.drops.add("no_recorded_value", name, `${name}: point flagged NO_RECORDED_VALUE (flags ${flags})`);
      return false;
    }
    if ((point.attributes as Attributes | undefined)?.[OVERFLOW_ATTRIBUTE] === true) {
      this.drops.add("cardinality_overflow", name, `${name}: the sender's SDK folded the points past its cardinality limit (2,000 attribute sets per metric by default) into one "${OVERFLOW_ATTRIBUTE}" point; their steps are lost. Raise the limit (the metric reader's cardinalityLimits, or a view's aggregationCardinalityLimit) or export more often`);
      return false;
    }
    const labels = this.#labels;
    readPointLabels(point.attributes, this.#stepKey, labels, this.#keys);
    if (labels.invalidStep) {
      const example = `${name}: step attribute "${this.#stepKey}" = ${showValue(labels.invalidStepValue)} is not a non-negative safe integer`;
      this.drops.add("invalid_step", name, example);
      return false;
    }
    return true;
  }

  #mapHistogramPoint(name: string, point: DataPoint<unknown>): void {
    if (!this.#acceptPoint(name, point)) return;
    const histogram = point.value as HistogramLike | null;
    if (typeof histogram !== "object" || histogram === null) {
      this.drops.add("invalid_value", name, `${name}: histogram value ${showValue(histogram)} is not an object`);
      return;
    }
    const count = histogram.count;
    this.#emit(`${name}.count`, undefined, count, point);
    if (histogram.sum !== undefined) this.#emit(`${name}.sum`, undefined, histogram.sum, point);
    if (typeof count === "number" ? count > 0 : typeof count === "bigint" && count > 0n) {
      if (histogram.min !== undefined) this.#emit(`${name}.min`, undefined, histogram.min, point);
      if (histogram.max !== undefined) this.#emit(`${name}.max`, undefined, histogram.max, point);
    }
  }

  /** Validates the value and pushes one event with the current #labels. */
  #emit(name: string, nameJson: string | undefined, raw: unknown, point: DataPoint<unknown>, steppedSums?: SteppedSumValues): void {
    let value: number;
    if (typeof raw === "number") value = raw;
    else if (typeof raw === "bigint") value = Number(raw);
    else {
      this.drops.add("invalid_value", name, `${name}: value ${showValue(raw)} is not a number`);
      return;
    }
    if (!Number.isFinite(value)) {
      this.drops.add("non_finite_value", name, `${name}: value ${String(value)} is not finite`);
      return;
    }
    value += 0; // folds -0, which JSON would send as 0 anyway
    const labels = this.#labels;
    const end = this.#end.set(point.endTime);
    const json = nameJson ?? JSON.stringify(name);
    let id: string;
    if (labels.step !== null) {
      id = this.#steppedIds.id(json, labels.metadataCanonical, labels.step);
      const verdict = steppedSums?.judge(id, value);
      if (verdict !== undefined && !verdict.send) {
        // Said (and counted) once per total: a periodic reader exports the same restated total every interval.
        if (!verdict.said) this.drops.add("restated_step", name, `${name}: step ${labels.step} was exported with ${verdict.first}, now ${value}; Syvain keeps the first value of a step (a counter is a running total: record each step's total with a gauge at that step)`);
        return;
      }
    } else {
      // A decoded point may lack a start time (OTLP leaves it 0 for gauges).
      this.#unstepped.startNanos = this.#start.set(point.startTime ?? ZERO_TIME).nanosText;
      this.#unstepped.endNanos = end.nanosText;
      this.#unstepped.value = value;
      id = eventIdOf(unsteppedIdentity(this.#experimentKeyJson, json, this.#unstepped, labels.metadataCanonical));
    }
    this.events.push({
      client_event_id: id,
      name,
      value,
      step: labels.step,
      timestamp: end.millis,
      metadata: labels.metadata,
    });
  }
}
