/**
 * The official OTLP/HTTP JSON exporter's counterpart to the emulator in the side-by-side bench:
 * a loopback server that only parses each body (`JSON.parse`) and counts its data points, then
 * answers 200 `{}`. `GET /count` answers the total. Prints `{"url": ...}`, serves until stdin closes.
 */
import { serveCounting } from "./serve-child.ts";

interface OtlpJsonMetrics {
  resourceMetrics?: { scopeMetrics?: { metrics?: Record<string, { dataPoints?: unknown[] } | string>[] }[] }[];
}

function countPoints(body: OtlpJsonMetrics): number {
  let points = 0;
  for (const rm of body.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        for (const value of Object.values(metric)) if (typeof value === "object" && value.dataPoints) points += value.dataPoints.length;
      }
    }
  }
  return points;
}

serveCounting("unused", (_req, body) => ({ status: 200, body: {}, count: countPoints(JSON.parse(body) as OtlpJsonMetrics) }));
