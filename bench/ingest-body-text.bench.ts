/**
 * Issue 13, point 8 (fifth pass): would the exporter be cheaper if the mapping wrote each point's
 * JSON text itself, instead of making a `MetricEvent` that the outbox later serialises with
 * `JSON.stringify`? The text variant writes what repeats once per series (the id prefix, the name,
 * the metadata) and once per collection (the timestamp), so a point costs its id digits, its value
 * and its step; the event keeps its text (`src/api/kept-json.ts`, the spool's mechanism) and a
 * request body is the kept texts joined (`keptBodyBytes`), as the REST client does with the spool on.
 *
 * Both sides start from the same SDK collection (one gauge, `{ step, split }`, a new step per point,
 * as `otel-e2e.bench.ts` records) and end with the bytes of every ingest body of 500 events
 * (`jsonBody`, the client's own). Before timing, the two sides must produce byte-identical bodies.
 * Time: process CPU time per point (user + system, GC threads included), a full GC off the clock
 * before each side, sides alternating, medians of the per-round figures.
 * Run: node --conditions=syvain-source --expose-gc bench/ingest-body-text.bench.ts [rounds=15]
 */
import { fileURLToPath } from "node:url";
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type ScopeMetrics } from "@opentelemetry/sdk-metrics";
import type { MetricEvent } from "../src/api/contract.ts";
import { keptBodyBytes } from "../src/api/kept-batch.ts";
import { keepJson } from "../src/api/kept-json.ts";
import { jsonBody } from "../src/client/json-body.ts";
import { HrTimeConverter, SteppedIds } from "../src/mapping/event-id.ts";
import { metricsToEvents } from "../src/mapping/index.ts";
import { DEFAULT_STEP_ATTRIBUTE, SortedKeys, readPointLabels, type PointLabels } from "../src/mapping/metric-attributes.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";

const POINTS = 40_000;
const BATCH = 500;
const EXPERIMENT = "bench-otel";

class OnDemandReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The text around a point's id, value and step: the same for every point of a series in one collection. */
interface SeriesParts {
  nameJson: string;
  metadataCanonical: string;
  millis: number;
  /** `","name":…,"value":` */
  head: string;
  /** `,"timestamp":…,"metadata":…}` */
  tail: string;
}

/** One DELTA collection of `points` new steps of one gauge, recorded as the e2e bench records them. */
async function collection(points: number): Promise<ScopeMetrics[]> {
  const reader = new OnDemandReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA, cardinalitySelector: () => points + 1 });
  const provider = new MeterProvider({ readers: [reader] });
  const gauge = provider.getMeter("bench").createGauge("train.loss");
  for (let i = 0; i < points; i++) gauge.record(i * 1e-6, { step: i, split: "train" });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics.scopeMetrics;
}

/** What the exporter does today: events from the mapping, each body `JSON.stringify`'d when sent. */
function viaStringify(scopes: readonly ScopeMetrics[]): Buffer[] {
  const { events } = metricsToEvents(scopes, { experimentKey: EXPERIMENT });
  const bodies: Buffer[] = [];
  for (let i = 0; i < events.length; i += BATCH) bodies.push(jsonBody({ metrics: events.slice(i, i + BATCH) }));
  return bodies;
}

/**
 * The alternative: the same events, each with its JSON text written during the mapping from parts
 * made once per series and per collection. Only what this bench records (gauge points with a
 * valid step); anything else throws, so the comparison cannot silently measure less work.
 */
class TextMapper {
  readonly events: MetricEvent[] = [];
  readonly #ids = new SteppedIds(JSON.stringify(EXPERIMENT));
  readonly #keys = new SortedKeys();
  readonly #labels: PointLabels = { step: null, invalidStep: false, invalidStepValue: undefined, metadata: {}, metadataCanonical: "{}" };
  readonly #end = new HrTimeConverter();
  #series: SeriesParts = { nameJson: "", metadataCanonical: "", millis: Number.NaN, head: "", tail: "" };

  map(name: string, points: readonly DataPoint<unknown>[]): void {
    const nameJson = JSON.stringify(name);
    for (const point of points) {
      readPointLabels(point.attributes, DEFAULT_STEP_ATTRIBUTE, this.#labels, this.#keys);
      const { step, metadata, metadataCanonical } = this.#labels;
      const value = point.value;
      if (step === null || typeof value !== "number" || !Number.isFinite(value)) throw new Error(`TextMapper: only stepped, finite gauge points (${JSON.stringify({ step, value, attributes: point.attributes })})`);
      const millis = this.#end.set(point.endTime).millis;
      const series = this.#partsFor(nameJson, metadataCanonical, millis);
      const id = this.#ids.id(nameJson, metadataCanonical, step);
      const event: MetricEvent = { client_event_id: id, name, value: value + 0, step, timestamp: millis, metadata };
      // The metadata text is its canonical form: equal to JSON.stringify(metadata) for the sorted
      // scalar labels this bench records (checked against the other side before timing).
      keepJson(event, `{"client_event_id":"${id}${series.head}${value + 0},"step":${step}${series.tail}`);
      this.events.push(event);
    }
  }

  #partsFor(nameJson: string, metadataCanonical: string, millis: number): SeriesParts {
    const last = this.#series;
    if (last.nameJson === nameJson && last.metadataCanonical === metadataCanonical && last.millis === millis) return last;
    this.#series = { nameJson, metadataCanonical, millis, head: `","name":${nameJson},"value":`, tail: `,"timestamp":${millis},"metadata":${metadataCanonical}}` };
    return this.#series;
  }
}

function viaTextAtMapping(scopes: readonly ScopeMetrics[]): Buffer[] {
  const mapper = new TextMapper();
  for (const scope of scopes) for (const metric of scope.metrics) mapper.map(metric.descriptor.name, metric.dataPoints);
  const bodies: Buffer[] = [];
  for (let i = 0; i < mapper.events.length; i += BATCH) {
    const body = keptBodyBytes("metrics", mapper.events.slice(i, i + BATCH));
    if (body === undefined) throw new Error("an event has no kept text");
    bodies.push(body);
  }
  return bodies;
}

const SIDES = [
  { name: "MetricEvent + JSON.stringify per body (today)", run: viaStringify },
  { name: "JSON text written at mapping, bodies joined", run: viaTextAtMapping },
] as const;

const gc = (globalThis as { gc?: () => void }).gc;

function cpuNanosPerPoint(run: (scopes: readonly ScopeMetrics[]) => Buffer[], scopes: readonly ScopeMetrics[]): number {
  gc?.();
  const start = process.cpuUsage();
  run(scopes);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / POINTS;
}

export interface BodyTextComparison {
  nsPerPoint: number[];
  /** text / stringify, median of per-round ratios: < 1 means writing the text at mapping is cheaper. */
  ratio: number;
}

export async function compareBodyBuilders(rounds = 15): Promise<BodyTextComparison> {
  const scopes = await collection(POINTS);
  const [today, text] = SIDES.map((side) => Buffer.concat(side.run(scopes)));
  if (!today!.equals(text!)) throw new Error("the two sides build different ingest bodies");
  for (let i = 0; i < 5; i++) for (const side of SIDES) side.run(scopes); // JIT warm-up
  const ns: number[][] = SIDES.map(() => []);
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    const t: number[] = [];
    for (const index of order) t[index] = cpuNanosPerPoint(SIDES[index]!.run, scopes);
    ns[0]!.push(t[0]!);
    ns[1]!.push(t[1]!);
    ratios.push(t[1]! / t[0]!);
  }
  return { nsPerPoint: ns.map((values) => median(values)), ratio: median(ratios) };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function bodyTextRows(c: BodyTextComparison): BenchResult[] {
  const what = `map + ingest bodies of ${BATCH} (${POINTS / 1000}k points), CPU, median`;
  return [
    ...SIDES.map((side, i) => ({ name: `exporter body: ${side.name}`, metric: what, value: Math.round(c.nsPerPoint[i]!), unit: "ns/point" })),
    { name: "exporter body: text at mapping / today", metric: "CPU time ratio, median of interleaved rounds", value: round2(c.ratio), unit: "x" },
  ];
}

export const bodyTextBench: BenchModule = {
  name: "exporter body: JSON.stringify vs text written at mapping",
  async run() {
    return bodyTextRows(await compareBodyBuilders());
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = bodyTextRows(await compareBodyBuilders(Number(process.argv[2] ?? 15)));
  for (const r of rows) process.stdout.write(`${r.name} | ${r.metric}: ${r.value.toLocaleString("en-US")} ${r.unit}\n`);
}
