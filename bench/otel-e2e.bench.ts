/**
 * End to end over loopback, side by side, servers in their own processes:
 * - facade: `experiment.metric()` (a `Collector`) → outbox → emulator; events/s from the first call
 *   until `flushOrRaise()` returns;
 * - OTel SDK → Syvain: MeterProvider + `SyvainMetricReader` → emulator, against the official
 *   `@opentelemetry/exporter-metrics-otlp-http` (JSON, DELTA) on the same MeterProvider setup →
 *   a loopback sink that only parses; points/s from the first `gauge.record()` until
 *   `provider.forceFlush()` returns. Same reader interval and cardinality limit on both sides.
 * The Syvain exporter also pushes to a parse-only Syvain sink (`syvain-parse-sink-process.ts`), so
 * the two exporters can be compared with the same minimal server work; the emulator validates,
 * deduplicates and stores, which the OTLP sink does not.
 * Beside them, the same SDK setup with an exporter that sends nothing: the SDK's own cost alone, the
 * ceiling of any exporter's rate here (and of its ratio to the official one).
 * Runs alternate and the table gives medians, plus the ratios. Bytes on the wire per event come from
 * a smaller run through a byte-counting proxy (not timed).
 * Every run checks the server stored (or counted) every point.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { AggregationTemporalityPreference, OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { ExportResultCode } from "@opentelemetry/core";
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type MetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { SyvainMetricReader } from "../src/exporter/reader.ts";
import { Collector } from "../src/facade/index.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";
import { startByteCountingProxy } from "./byte-counting-proxy.ts";
import { getJson, startChildServer, type ChildServer } from "./child-server.ts";
import { round2 } from "./facade-vs-otel-record.bench.ts";

const FACADE_EVENTS = Number(process.env.BENCH_FACADE_EVENTS ?? 300_000);
const OTEL_POINTS = Number(process.env.BENCH_OTEL_POINTS ?? 150_000);
const RUNS = Number(process.env.BENCH_E2E_RUNS ?? 7);
const WIRE_EVENTS = 20_000;
const YIELD_EVERY = 5_000;
const EXPORT_INTERVAL_MS = 250;

interface EmulatorStats {
  experiments: { slug: string; metrics: number }[];
}

export const uniqueSlug = (prefix: string): string => `${prefix}-${randomBytes(6).toString("hex")}`;

export async function storedMetrics(emulator: ChildServer, slug: string): Promise<number | undefined> {
  const stats = await getJson<EmulatorStats>(`${emulator.url}/_emulator/stats`, emulator.apiKey);
  return stats.experiments.find((e) => e.slug === slug)?.metrics;
}

export function expectAll(what: string, got: number | undefined, sent: number): void {
  if (got !== sent) throw new Error(`${what}: the server has ${got} of ${sent} points`);
}

/** A fresh directory for a facade's spool (the default engine, not the user's own state directory). */
export const benchSpoolDir = (): string => mkdtempSync(path.join(tmpdir(), "syvain-bench-spool-"));

/**
 * Events/s through the facade; `host` may be the emulator or a proxy in front of it. `spoolDir`:
 * a directory for the spool, which is on by default for the facade, or `false` for none.
 */
export async function facadeRun(host: string, emulator: ChildServer, events: number, spoolDir: string | false): Promise<number> {
  // maxQueueItems = events: the loop outruns any network, and this measures delivery, not eviction.
  const collector = new Collector(emulator.apiKey, { host, maxQueueItems: events, spoolDir });
  const experiment = await collector.experiment(uniqueSlug("bench-facade"));
  const start = process.hrtime.bigint();
  for (let i = 0; i < events; i++) {
    experiment.metric("train/loss", i * 1e-6, { step: i, metadata: { split: "train" } });
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
  }
  await experiment.flushOrRaise();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await collector.close();
  expectAll("facade", await storedMetrics(emulator, experiment.slug), events);
  return events / seconds;
}

/** One OTel run: points/s, and the client process's CPU per point (all its threads: the sinks are other processes). */
interface OtelRun {
  rate: number;
  cpuMicrosPerPoint: number;
  /**
   * Milliseconds from the loop's last `record()` until `forceFlush()` returns: what was still
   * collected, mapped, sent and answered after the producer stopped.
   */
  drainMillis: number;
  /** The server's CPU per point during the run (`/proc`, 10 ms ticks), where a server was measured. */
  serverCpuMicrosPerPoint?: number;
}

/**
 * `run` with its server's CPU per point added. On a 2-core machine shared with other jobs the
 * client and the server compete for the same cores, so a side's rate follows the *sum* of both
 * CPU figures: this shows what each exporter also costs the server it sends to.
 */
async function withServerCpu(server: ChildServer, points: number, run: () => Promise<OtelRun>): Promise<OtelRun> {
  const before = await server.cpuSeconds();
  const result = await run();
  return { ...result, serverCpuMicrosPerPoint: (((await server.cpuSeconds()) - before) * 1e6) / points };
}

/** Points/s through a MeterProvider with `reader`, recording `points` new steps of one gauge. */
async function otelRun(reader: MetricReader, points: number): Promise<OtelRun> {
  const provider = new MeterProvider({ readers: [reader] });
  const gauge = provider.getMeter("bench").createGauge("train.loss");
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < points; i++) {
    gauge.record(i * 1e-6, { step: i, split: "train" });
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
  }
  const loopEnd = process.hrtime.bigint();
  await provider.forceFlush();
  const end = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpuBefore);
  await provider.shutdown();
  return { rate: points / (Number(end - start) / 1e9), cpuMicrosPerPoint: (cpu.user + cpu.system) / points, drainMillis: Number(end - loopEnd) / 1e6 };
}

/** Median of the per-run ratios: each pair ran back to back, so a noisy neighbour hits both alike. */
export function pairedRatio(ours: readonly number[], theirs: readonly number[]): number {
  return round2(median(ours.map((value, i) => value / theirs[i]!)));
}

/** Points (or events) a server holds: per experiment for the emulator, in total for a parse-only sink. */
type Counter = (slug: string) => Promise<number>;

const emulatorCounter =
  (emulator: ChildServer): Counter =>
  async (slug) =>
    (await storedMetrics(emulator, slug)) ?? 0;
const sinkCounter =
  (sink: ChildServer): Counter =>
  async () =>
    (await getJson<{ total: number }>(`${sink.url}/count`, sink.apiKey)).total;

async function syvainOtelRun(host: string, apiKey: string, count: Counter, points: number): Promise<OtelRun> {
  const slug = uniqueSlug("bench-otel");
  const before = await count(slug);
  // As for the facade: a queue that holds the whole run (the default 100,000 would evict when the
  // loop outruns the network, and this measures delivery, not eviction).
  const reader = new SyvainMetricReader({ host, apiKey, slug, maxQueueItems: points, exportIntervalMillis: EXPORT_INTERVAL_MS, cardinalityLimit: points });
  const rate = await otelRun(reader, points);
  expectAll("SyvainMetricExporter", (await count(slug)) - before, points);
  return rate;
}

async function officialOtlpRun(url: string, count: Counter, points: number): Promise<OtelRun> {
  const before = await count("");
  const exporter = new OTLPMetricExporter({ url: `${url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.DELTA });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: EXPORT_INTERVAL_MS, cardinalityLimits: { gauge: points } });
  const rate = await otelRun(reader, points);
  expectAll("official OTLP/HTTP JSON exporter", (await count("")) - before, points);
  return rate;
}

/**
 * The ceiling of any exporter on this setup: the same MeterProvider and periodic reader, but an
 * exporter whose `export()` answers at once and sends nothing. What remains is the SDK's own
 * `record()` and `collect()`; no real exporter (mapping, serialising, sending) can beat this rate.
 */
async function freeExportRun(points: number): Promise<OtelRun> {
  const exporter: PushMetricExporter = {
    export: (_metrics, resultCallback) => resultCallback({ code: ExportResultCode.SUCCESS }),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
    selectAggregationTemporality: () => AggregationTemporality.DELTA,
  };
  return otelRun(new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: EXPORT_INTERVAL_MS, cardinalityLimits: { gauge: points } }), points);
}

/** Client → server bytes per event (request lines, headers and bodies), through a counting proxy. */
async function wireBytes(target: string, send: (host: string) => Promise<unknown>): Promise<number> {
  const proxy = await startByteCountingProxy(target);
  try {
    await send(proxy.url);
    return proxy.sentBytes / WIRE_EVENTS;
  } finally {
    await proxy.close();
  }
}

export const otelEndToEndBench: BenchModule = {
  name: "end to end: facade and OTel paths vs official OTLP exporter",
  async run(): Promise<BenchResult[]> {
    const emulator = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
    const otlpSink = await startChildServer(new URL("./otlp-json-sink-process.ts", import.meta.url));
    const syvainSink = await startChildServer(new URL("./syvain-parse-sink-process.ts", import.meta.url));
    const toEmulator = emulatorCounter(emulator);
    const toSyvainSink = sinkCounter(syvainSink);
    const toOtlpSink = sinkCounter(otlpSink);
    // The facade as users get it: spooling (here into a temporary directory).
    const spoolDir = benchSpoolDir();
    try {
      const facade: number[] = [];
      const ours: OtelRun[] = [];
      const oursParseOnly: OtelRun[] = [];
      const official: OtelRun[] = [];
      const freeExport: OtelRun[] = [];
      // One untimed round first: JIT warm-up, connections and experiments' first requests.
      await facadeRun(emulator.url, emulator, WIRE_EVENTS, spoolDir);
      await syvainOtelRun(emulator.url, emulator.apiKey, toEmulator, WIRE_EVENTS);
      await syvainOtelRun(syvainSink.url, syvainSink.apiKey, toSyvainSink, WIRE_EVENTS);
      await officialOtlpRun(otlpSink.url, toOtlpSink, WIRE_EVENTS);
      await freeExportRun(WIRE_EVENTS);
      for (let run = 0; run < RUNS; run++) {
        facade.push(await facadeRun(emulator.url, emulator, FACADE_EVENTS, spoolDir));
        ours.push(await syvainOtelRun(emulator.url, emulator.apiKey, toEmulator, OTEL_POINTS));
        oursParseOnly.push(await withServerCpu(syvainSink, OTEL_POINTS, () => syvainOtelRun(syvainSink.url, syvainSink.apiKey, toSyvainSink, OTEL_POINTS)));
        official.push(await withServerCpu(otlpSink, OTEL_POINTS, () => officialOtlpRun(otlpSink.url, toOtlpSink, OTEL_POINTS)));
        freeExport.push(await freeExportRun(OTEL_POINTS));
      }
      const facadeBytes = await wireBytes(emulator.url, (host) => facadeRun(host, emulator, WIRE_EVENTS, spoolDir));
      const oursBytes = await wireBytes(emulator.url, (host) => syvainOtelRun(host, emulator.apiKey, toEmulator, WIRE_EVENTS));
      const officialBytes = await wireBytes(otlpSink.url, (host) => officialOtlpRun(host, toOtlpSink, WIRE_EVENTS));
      const mid = (values: number[]): number => Math.round(median(values));
      const rates = (runs: readonly OtelRun[]): number[] => runs.map((run) => run.rate);
      const cpu = (runs: readonly OtelRun[]): number => round2(median(runs.map((run) => run.cpuMicrosPerPoint)));
      const drain = (runs: readonly OtelRun[]): number => Math.round(median(runs.map((run) => run.drainMillis)));
      const serverCpu = (runs: readonly OtelRun[]): number => round2(median(runs.map((run) => run.serverCpuMicrosPerPoint ?? Number.NaN)));
      const of = `median of ${RUNS}`;
      const ofPairs = `median of ${RUNS} pairs`;
      const pts = `${OTEL_POINTS / 1000}k pts`;
      return [
        { name: `facade metric() → emulator (${FACADE_EVENTS / 1000}k events, spool on)`, metric: `throughput, ${of}`, value: mid(facade), unit: "events/s", target: { op: ">=", value: 200_000 } },
        { name: "facade metric() → emulator", metric: "client→server bytes per event", value: Math.round(facadeBytes), unit: "bytes" },
        { name: `OTel gauge → SyvainMetricExporter → emulator (${pts})`, metric: `throughput, ${of}`, value: mid(rates(ours)), unit: "points/s" },
        { name: `OTel gauge → SyvainMetricExporter → parse-only sink (${pts})`, metric: `throughput, ${of}`, value: mid(rates(oursParseOnly)), unit: "points/s" },
        { name: `OTel gauge → official OTLP/HTTP JSON → parse-only sink (${pts})`, metric: `throughput, ${of}`, value: mid(rates(official)), unit: "points/s" },
        { name: "SyvainMetricExporter→emulator / official→parse-only sink", metric: `throughput ratio, ${ofPairs}`, value: pairedRatio(rates(ours), rates(official)), unit: "x", target: { op: ">=", value: 1 } },
        { name: "SyvainMetricExporter / official, both → parse-only sinks", metric: `throughput ratio, ${ofPairs}`, value: pairedRatio(rates(oursParseOnly), rates(official)), unit: "x", target: { op: ">=", value: 1 } },
        { name: `OTel gauge → an exporter that sends nothing (${pts}; the ceiling)`, metric: `throughput, ${of}`, value: mid(rates(freeExport)), unit: "points/s" },
        { name: "exporter that sends nothing / official (the most any exporter can reach)", metric: `throughput ratio, ${ofPairs}`, value: pairedRatio(rates(freeExport), rates(official)), unit: "x" },
        // CPU per point is steadier than points/s on a shared machine: the client's own cost, sinks excluded.
        { name: "OTel gauge → SyvainMetricExporter → parse-only sink", metric: `client CPU per point, ${of}`, value: cpu(oursParseOnly), unit: "µs" },
        { name: "OTel gauge → official OTLP/HTTP JSON → parse-only sink", metric: `client CPU per point, ${of}`, value: cpu(official), unit: "µs" },
        { name: "OTel gauge → an exporter that sends nothing", metric: `client CPU per point, ${of}`, value: cpu(freeExport), unit: "µs" },
        // Where the time goes: a producer that yields every YIELD_EVERY records lets each exporter act only between bursts.
        { name: "OTel gauge → SyvainMetricExporter → parse-only sink", metric: `after the loop until forceFlush() returns, ${of}`, value: drain(oursParseOnly), unit: "ms" },
        { name: "OTel gauge → official OTLP/HTTP JSON → parse-only sink", metric: `after the loop until forceFlush() returns, ${of}`, value: drain(official), unit: "ms" },
        { name: "OTel gauge → an exporter that sends nothing", metric: `after the loop until forceFlush() returns, ${of}`, value: drain(freeExport), unit: "ms" },
        { name: "SyvainMetricExporter's parse-only sink", metric: `server CPU per point, ${of}`, value: serverCpu(oursParseOnly), unit: "µs" },
        { name: "official OTLP/HTTP JSON's parse-only sink", metric: `server CPU per point, ${of}`, value: serverCpu(official), unit: "µs" },
        // The bound on shared cores: what the official side costs the machine per point over what ours does.
        {
          name: "official / SyvainMetricExporter, client + sink CPU per point",
          metric: `CPU ratio, medians of ${RUNS}`,
          value: round2((cpu(official) + serverCpu(official)) / (cpu(oursParseOnly) + serverCpu(oursParseOnly))),
          unit: "x",
        },
        { name: "OTel gauge → SyvainMetricExporter", metric: "client→server bytes per point", value: Math.round(oursBytes), unit: "bytes" },
        { name: "OTel gauge → official OTLP/HTTP JSON", metric: "client→server bytes per point", value: Math.round(officialBytes), unit: "bytes" },
      ];
    } finally {
      await Promise.all([emulator.stop(), otlpSink.stop(), syvainSink.stop()]);
      rmSync(spoolDir, { recursive: true, force: true });
    }
  },
};
