/**
 * Bridge end to end over loopback: OTLP/HTTP metrics bodies (protobuf, then JSON, made by the real
 * SDK and the official serializers) → an in-process `createBridge()` → its Syvain exporters → the
 * emulator in its own process. Points/s from the first POST until the exporters' `forceFlush()`
 * returns (everything stored), checked against the emulator's count. Bodies are built before the
 * clock starts: 10 gauges × 1,000 steps each, every body with its own steps (no dedup shortcut).
 * Two senders post at once and honour 429/503 + Retry-After, as an OTLP exporter would.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { Pool } from "undici";
import { createBridge } from "../src/bridge/create-bridge.ts";
import { createSyvainExporters } from "../src/exporter/otel/create-exporters.ts";
import type { BenchModule, BenchResult } from "./bench-types.ts";
import { getJson, startChildServer, type ChildServer } from "./child-server.ts";

const GAUGES = 10;
const STEPS_PER_BODY = 1_000;
const BODIES = Number(process.env.BENCH_BRIDGE_BODIES ?? 20);
const SENDERS = 2;
let backpressureAnswers = 0;

export type Encoding = "protobuf" | "json";

class CollectOnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** `count` bodies of GAUGES × `stepsPerBody` points, each body with its own steps. Also used by bridge-spool.bench.ts. */
export async function buildBodies(slug: string, encoding: Encoding, count = BODIES, stepsPerBody = STEPS_PER_BODY): Promise<Uint8Array[]> {
  const reader = new CollectOnDemandReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA, cardinalitySelector: () => stepsPerBody + 1 }); // +1: the limit counts the SDK's overflow series
  const provider = new MeterProvider({ resource: resourceFromAttributes({ "service.name": "bench", "syvain.experiment.slug": slug }), readers: [reader] });
  const meter = provider.getMeter("bench");
  const gauges = Array.from({ length: GAUGES }, (_, g) => meter.createGauge(`train.metric_${g}`));
  const bodies: Uint8Array[] = [];
  for (let b = 0; b < count; b++) {
    for (const gauge of gauges) for (let s = 0; s < stepsPerBody; s++) gauge.record(s * 1e-3, { step: b * stepsPerBody + s, split: "train" });
    const { resourceMetrics } = await reader.collect();
    const serializer = encoding === "protobuf" ? ProtobufMetricsSerializer : JsonMetricsSerializer;
    bodies.push(serializer.serializeRequest(resourceMetrics)!);
  }
  await provider.shutdown();
  return bodies;
}

/** Posts until 200, honouring 429/503 + Retry-After as an OTLP exporter would. */
export async function post(pool: Pool, body: Uint8Array, encoding: Encoding): Promise<void> {
  const contentType = encoding === "protobuf" ? "application/x-protobuf" : "application/json";
  for (;;) {
    const response = await pool.request({ method: "POST", path: "/v1/metrics", headers: { "content-type": contentType }, body });
    await response.body.arrayBuffer();
    if (response.statusCode === 200) return;
    if (response.statusCode !== 429 && response.statusCode !== 503) throw new Error(`bridge answered ${response.statusCode}`);
    backpressureAnswers += 1;
    await sleep(Number(response.headers["retry-after"] ?? 1) * 1000);
  }
}

async function pointsPerSecond(emulator: ChildServer, encoding: Encoding): Promise<{ rate: number; bodyBytes: number; backpressure: number }> {
  const slug = `bench-bridge-${encoding}-${randomBytes(4).toString("hex")}`;
  const bodies = await buildBodies(slug, encoding);
  // A queue that holds the whole run below the 80% backpressure mark: otherwise the bridge rightly
  // answers 503 (decoding outruns delivery), and the run measures the senders' Retry-After sleeps
  // (≥ 1 s each) instead of the bridge. The 503 count stays in the table, to show it is 0.
  const exporters = createSyvainExporters({ host: emulator.url, apiKey: emulator.apiKey, maxQueueItems: 2 * BODIES * GAUGES * STEPS_PER_BODY });
  const bridge = createBridge({ port: 0, exporters, retryAfterSeconds: 1, log: () => {} });
  const { url } = await bridge.start();
  const pool = new Pool(url, { connections: SENDERS });
  let next = 0;
  const backpressureBefore = backpressureAnswers;
  const sender = async (): Promise<void> => {
    while (next < bodies.length) await post(pool, bodies[next++]!, encoding);
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: SENDERS }, sender));
  await exporters.forceFlush();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const backpressure = backpressureAnswers - backpressureBefore;
  await pool.close();
  await bridge.close();
  await exporters.shutdown();
  const points = BODIES * GAUGES * STEPS_PER_BODY;
  const stats = await getJson<{ experiments: { slug: string; metrics: number }[] }>(`${emulator.url}/_emulator/stats`, emulator.apiKey);
  const stored = stats.experiments.find((e) => e.slug === slug)?.metrics;
  if (stored !== points) throw new Error(`bridge ${encoding}: the emulator stored ${stored} of ${points} points`);
  return { rate: points / seconds, bodyBytes: bodies[0]!.length, backpressure };
}

export const bridgeEndToEndBench: BenchModule = {
  name: "bridge end to end",
  async run(): Promise<BenchResult[]> {
    const emulator = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
    try {
      const results: BenchResult[] = [];
      for (const encoding of ["protobuf", "json"] as const) {
        const { rate, bodyBytes, backpressure } = await pointsPerSecond(emulator, encoding);
        results.push({
          name: `OTLP ${encoding} → bridge → emulator (${(BODIES * GAUGES * STEPS_PER_BODY) / 1000}k pts)`,
          metric: `throughput (${Math.round(bodyBytes / 1024)} KiB bodies, ${backpressure} × 503)`,
          value: Math.round(rate),
          unit: "points/s",
        });
      }
      return results;
    } finally {
      await emulator.stop();
    }
  },
};
