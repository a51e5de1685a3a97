/**
 * Bridge throughput: decode an OTLP metrics body (protobuf and JSON) into SDK shapes, then map
 * it to Syvain events, as the bridge does per request (no HTTP, no delivery). Bodies come from
 * the real SDK + official serializers: 10 gauges × 1,000 steps, three attributes per point.
 * Run: node --conditions=syvain-source bench/bridge.bench.ts [seconds-per-case=2]
 */
import { fileURLToPath } from "node:url";
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { decodeMetricsJson } from "../src/bridge/otlp/decode-metrics-json.ts";
import { decodeMetricsProto } from "../src/bridge/otlp/decode-metrics-proto.ts";
import type { DecodedMetricsRequest } from "../src/bridge/otlp/decoded-types.ts";
import { metricsToEvents } from "../src/mapping/index.ts";
import type { BenchModule } from "./bench-types.ts";

export interface BridgeBenchResult {
  name: string;
  /** Data points decoded and mapped per second. */
  pointsPerSecond: number;
  bodyBytes: number;
  pointsPerBody: number;
}

class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** `gauges` gauges × `steps` steps, three attributes per point, read once (DELTA). */
export async function sampleMetrics(gauges: number, steps: number): Promise<ResourceMetrics> {
  const reader = new OnDemandReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": "bench", "syvain.experiment.slug": "bench-run" }),
    readers: [reader],
  });
  const meter = provider.getMeter("bench");
  for (let g = 0; g < gauges; g++) {
    const gauge = meter.createGauge(`train.metric_${g}`);
    for (let step = 0; step < steps; step++) gauge.record(Math.random(), { step, split: "train", rank: step % 8 });
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

function measure(name: string, body: Uint8Array, decode: (b: Uint8Array) => DecodedMetricsRequest, seconds: number): BridgeBenchResult {
  const once = (): number => {
    const decoded = decode(body);
    let events = 0;
    for (const rm of decoded.resourceMetrics) events += metricsToEvents(rm.scopeMetrics, { experimentKey: "bench-run" }).events.length;
    if (events !== decoded.dataPointCount) throw new Error(`${name}: mapped ${events} events from ${decoded.dataPointCount} points`);
    return decoded.dataPointCount;
  };
  for (let i = 0; i < 5; i++) once(); // warm-up
  let points = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    points += once();
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  return { name, pointsPerSecond: Math.round(points / elapsed), bodyBytes: body.length, pointsPerBody: once() };
}

export async function benchBridge(secondsPerCase = 2): Promise<BridgeBenchResult[]> {
  const metrics = await sampleMetrics(10, 1000);
  const proto = ProtobufMetricsSerializer.serializeRequest(metrics)!;
  const json = JsonMetricsSerializer.serializeRequest(metrics)!;
  return [
    measure("bridge decode+map, protobuf", proto, decodeMetricsProto, secondsPerCase),
    measure("bridge decode+map, JSON", json, decodeMetricsJson, secondsPerCase),
  ];
}

/** For `bench/registry.ts`: protobuf has the target (≥ 200,000 points/s decode + map). */
export const bridgeBenchModule: BenchModule = {
  name: "bridge",
  async run() {
    return (await benchBridge(2)).map((r) => ({
      name: r.name,
      metric: `decode + map (${r.pointsPerBody} points, ${(r.bodyBytes / 1024).toFixed(0)} KiB bodies)`,
      value: r.pointsPerSecond,
      unit: "points/s",
      ...(r.name.endsWith("protobuf") ? { target: { op: ">=" as const, value: 200_000 } } : {}),
    }));
  },
};

export function formatBridgeResult(r: BridgeBenchResult): string {
  return `${r.name}: ${r.pointsPerSecond.toLocaleString("en-US")} points/s (${r.pointsPerBody} points, ${(r.bodyBytes / 1024).toFixed(0)} KiB per body)`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const result of await benchBridge(Number(process.argv[2] ?? 2))) process.stdout.write(`${formatBridgeResult(result)}\n`);
}
