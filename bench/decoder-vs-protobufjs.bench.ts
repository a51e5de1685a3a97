/**
 * Issue 13, point 6: is our hand-written OTLP protobuf decoder worth keeping over protobufjs?
 * Same bodies (made by the SDK + the official protobuf serializer: 10 gauges × 1,000 steps, three
 * attributes per point), decoded and mapped to SDK shapes, then to Syvain events by the same
 * `metricsToEvents`, on both sides. Before timing, both sides must produce identical events.
 *
 * Time: process CPU time (`process.cpuUsage()`, user + system, GC threads included), not wall
 * time: on a shared machine wall time mostly measured the other jobs (per-round ratios swung from
 * 0.7 to 2.3). Rounds alternate the two sides (the order flips every round), each round runs a
 * fixed number of bodies; the ratio is the median of the per-round ratios.
 * Allocation: V8 heap bytes allocated per point = used-heap growth over a run of bodies plus what
 * every GC inside the run freed (read synchronously from `v8.GCProfiler`, which reports each GC's
 * used heap before and after), so a scavenge in the middle does not hide allocations. External
 * memory (ArrayBuffer backing stores) is not counted; neither side allocates any per point.
 * Keep rule: ours stays only if it is ≥ 2× faster or allocates ≥ 2× less.
 * Run: node --conditions=syvain-source --expose-gc bench/decoder-vs-protobufjs.bench.ts [rounds=21]
 */
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";
import { GCProfiler, getHeapStatistics } from "node:v8";
import { ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { decodeMetricsProto } from "../src/bridge/otlp/decode-metrics-proto.ts";
import { metricsToEvents } from "../src/mapping/index.ts";
import type { MetricEvent } from "../src/api/contract.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";
import { sampleMetrics } from "./bridge.bench.ts";
import { decodeMetricsWithProtobufjs } from "./protobufjs-otlp.ts";

type Decoder = (body: Uint8Array) => { resourceMetrics: ResourceMetrics[]; dataPointCount: number };

const SIDES: readonly { name: string; decode: Decoder }[] = [
  { name: "ours", decode: decodeMetricsProto },
  { name: "protobufjs", decode: decodeMetricsWithProtobufjs },
];
/** Short rounds (~60 ms of work each on an idle core) so the interleaving is fine-grained on a busy machine. */
const BODIES_PER_ROUND = 4;

function decodeAndMap(decode: Decoder, body: Uint8Array): MetricEvent[] {
  const decoded = decode(body);
  const events: MetricEvent[] = [];
  for (const rm of decoded.resourceMetrics) events.push(...metricsToEvents(rm.scopeMetrics, { experimentKey: "bench-run" }).events);
  if (events.length !== decoded.dataPointCount) throw new Error(`mapped ${events.length} events from ${decoded.dataPointCount} points`);
  return events;
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * CPU nanoseconds per point over `BODIES_PER_ROUND` bodies. A full GC first (off the clock), so a side
 * never pays for the garbage the other side left: without it, whichever side ran second was
 * slower, and the per-round ratio swung with the order.
 */
function timeRound(decode: Decoder, body: Uint8Array, points: number): number {
  gc?.();
  const start = process.cpuUsage();
  for (let i = 0; i < BODIES_PER_ROUND; i++) decodeAndMap(decode, body);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / (BODIES_PER_ROUND * points);
}

/** V8 heap bytes allocated per point over `BODIES_PER_ROUND` bodies (growth + what GCs freed meanwhile). */
function allocationRound(decode: Decoder, body: Uint8Array, points: number): number {
  gc?.();
  const profiler = new GCProfiler();
  profiler.start();
  const before = getHeapStatistics().used_heap_size;
  for (let i = 0; i < BODIES_PER_ROUND; i++) decodeAndMap(decode, body);
  const after = getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  let freed = 0;
  for (const gc of statistics) freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  return (after - before + freed) / (BODIES_PER_ROUND * points);
}

export interface DecoderComparison {
  points: number;
  bodyBytes: number;
  nsPerPoint: Record<string, number>;
  bytesPerPoint: Record<string, number>;
  /** protobufjs / ours, medians of per-round ratios: > 1 means ours is faster / allocates less. */
  timeRatio: number;
  allocationRatio: number;
}

export async function compareDecoders(rounds = 21): Promise<DecoderComparison> {
  const body = ProtobufMetricsSerializer.serializeRequest(await sampleMetrics(10, 1000))!;
  const [ours, theirs] = SIDES.map((side) => decodeAndMap(side.decode, body));
  if (!isDeepStrictEqual(ours, theirs)) throw new Error("the two decoders map the body to different events");
  const points = ours!.length;
  for (let i = 0; i < 10; i++) for (const side of SIDES) decodeAndMap(side.decode, body); // JIT warm-up

  const ns: Record<string, number[]> = { ours: [], protobufjs: [] };
  const bytes: Record<string, number[]> = { ours: [], protobufjs: [] };
  const timeRatios: number[] = [];
  const allocationRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
    const t: Record<string, number> = {};
    const a: Record<string, number> = {};
    for (const side of order) t[side.name] = timeRound(side.decode, body, points);
    for (const side of order) a[side.name] = allocationRound(side.decode, body, points);
    for (const side of SIDES) {
      ns[side.name]!.push(t[side.name]!);
      bytes[side.name]!.push(a[side.name]!);
    }
    timeRatios.push(t.protobufjs! / t.ours!);
    allocationRatios.push(a.protobufjs! / a.ours!);
  }
  if (process.env.BENCH_VERBOSE) process.stderr.write(`time ratios ${timeRatios.map(round2).join(" ")}\nallocation ratios ${allocationRatios.map(round2).join(" ")}\n`);
  return {
    points,
    bodyBytes: body.length,
    nsPerPoint: { ours: median(ns.ours!), protobufjs: median(ns.protobufjs!) },
    bytesPerPoint: { ours: median(bytes.ours!), protobufjs: median(bytes.protobufjs!) },
    timeRatio: median(timeRatios),
    allocationRatio: median(allocationRatios),
  };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function comparisonRows(c: DecoderComparison): BenchResult[] {
  const what = `decode + map (${c.points} points, ${(c.bodyBytes / 1024).toFixed(0)} KiB bodies)`;
  return [
    ...SIDES.map((side) => ({ name: `OTLP protobuf decoder, ${side.name}`, metric: `${what}, CPU time, median`, value: Math.round(c.nsPerPoint[side.name]!), unit: "ns/point" })),
    ...SIDES.map((side) => ({ name: `OTLP protobuf decoder, ${side.name}`, metric: "V8 heap allocated, median", value: Math.round(c.bytesPerPoint[side.name]!), unit: "bytes/point" })),
    { name: "OTLP protobuf decoder, protobufjs / ours", metric: "CPU time ratio, median of interleaved rounds", value: round2(c.timeRatio), unit: "x" },
    { name: "OTLP protobuf decoder, protobufjs / ours", metric: "allocation ratio, median of rounds", value: round2(c.allocationRatio), unit: "x" },
    {
      name: "OTLP protobuf decoder, keep rule",
      metric: "best of time / allocation ratio",
      value: round2(Math.max(c.timeRatio, c.allocationRatio)),
      unit: "x",
      target: { op: ">=", value: 2 },
    },
  ];
}

export const decoderComparisonBench: BenchModule = {
  name: "bridge decoder vs protobufjs",
  async run() {
    return comparisonRows(await compareDecoders());
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = comparisonRows(await compareDecoders(Number(process.argv[2] ?? 21)));
  for (const r of rows) process.stdout.write(`${r.name} | ${r.metric}: ${r.value.toLocaleString("en-US")} ${r.unit}\n`);
}
