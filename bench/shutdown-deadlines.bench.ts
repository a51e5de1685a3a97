/**
 * How long a shutdown takes when Syvain accepts connections and never answers (a TCP server that
 * holds every socket), against the deadline configured for it:
 * - a provider's shutdown right after its first record, whose export waits for the experiment's
 *   creation (memory only; exporters with `flushTimeoutSeconds` and `shutdownTimeoutSeconds` 3): ours
 *   (`SyvainMetricReader`, `SyvainLogRecordProcessor`) keep `shutdownTimeoutSeconds`; the SDK's own
 *   add its force-flush (`flushTimeoutSeconds`) and the 2 s a creation may hold the first export;
 * - a memory-only bridge (`--shutdown-timeout 3`) stopped by SIGTERM while a request waits for its
 *   experiment's creation: `shutdown.start` → `shutdown.done`, and → exit.
 * Before the deadline fixes (issue 11/12, EXITS2): ~33-36 s for the providers, ~4 s for the bridge.
 */
import { spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { createSyvainExporters } from "../src/exporter/otel/create-exporters.ts";
import { SyvainLogRecordProcessor } from "../src/exporter/log-processor.ts";
import { SyvainMetricReader } from "../src/exporter/reader.ts";
import { syvainResource } from "../src/exporter/otel/syvain-resource.ts";
import type { BenchModule, BenchResult } from "./bench-types.ts";

const FLUSH_SECONDS = 3;
const SHUTDOWN_SECONDS = 3;
/** The longest a creation may hold a first export before it is deferred. */
const DEFER_SECONDS = 2;
const SLACK_MS = 500;

async function holdingServer(): Promise<{ url: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => void sockets.add(socket.on("error", () => undefined)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

type Setup = "SyvainMetricReader" | "PeriodicExportingMetricReader" | "SyvainLogRecordProcessor" | "BatchLogRecordProcessor";

async function providerShutdownMs(setup: Setup, host: string): Promise<number> {
  const syvain = createSyvainExporters({ apiKey: "ak_org_bench", host, spoolDir: false, flushTimeoutSeconds: FLUSH_SECONDS, shutdownTimeoutSeconds: SHUTDOWN_SECONDS, onWarning: () => undefined });
  const resource = syvainResource({ slug: `bench-shutdown-${setup}` });
  let shutdown: () => Promise<void>;
  if (setup === "SyvainMetricReader" || setup === "PeriodicExportingMetricReader") {
    const options = { exporter: syvain.metricExporter, exportIntervalMillis: 60_000 };
    const reader = setup === "SyvainMetricReader" ? new SyvainMetricReader(options) : new PeriodicExportingMetricReader(options);
    const provider = new MeterProvider({ resource, readers: [reader] });
    provider.getMeter("bench").createGauge("loss").record(0.5, { step: 1 });
    shutdown = () => provider.shutdown();
  } else {
    const processor = setup === "SyvainLogRecordProcessor" ? new SyvainLogRecordProcessor({ exporter: syvain.logExporter }) : new BatchLogRecordProcessor({ exporter: syvain.logExporter });
    const provider = new LoggerProvider({ resource, processors: [processor] });
    provider.getLogger("bench").emit({ body: "epoch 1 done" });
    shutdown = () => provider.shutdown();
  }
  const started = performance.now();
  await shutdown();
  const ms = performance.now() - started;
  await syvain.shutdown();
  return ms;
}

/** `shutdown.start` → `shutdown.done` and → exit of a memory-only bridge, a request in flight. */
async function bridgeShutdownMs(host: string): Promise<{ done: number; exit: number }> {
  const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
  const args = ["--conditions=syvain-source", main, "bridge", "--port", "0", "--spool-dir", "off", "--shutdown-timeout", String(SHUTDOWN_SECONDS), "--answer-timeout", "8"];
  const child = spawn(process.execPath, args, { env: { ...process.env, SYVAIN_METRICS_HOST: host, SYVAIN_METRICS_API_KEY: "ak_org_bench" }, stdio: ["ignore", "ignore", "pipe"] });
  const seen = new Map<string, number>();
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    for (const event of ["listening", "shutdown.start", "shutdown.done"]) if (!seen.has(event) && stderr.includes(`"event":"${event}"`)) seen.set(event, performance.now());
  });
  const exited = new Promise<number>((resolve) => child.on("exit", () => resolve(performance.now())));
  while (!seen.has("listening")) await new Promise((resolve) => setTimeout(resolve, 20));
  const url = /"url":"([^"]+)"/.exec(stderr)![1]!;
  const point = { asDouble: 1, timeUnixNano: String(Date.now() * 1e6), attributes: [{ key: "step", value: { intValue: "1" } }] };
  const body = { resourceMetrics: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "bench-drain" } }] }, scopeMetrics: [{ metrics: [{ name: "loss", gauge: { dataPoints: [point] } }] }] }] };
  void fetch(`${url}/v1/metrics`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill("SIGTERM");
  const exitAt = await exited;
  const start = seen.get("shutdown.start");
  const done = seen.get("shutdown.done");
  if (start === undefined || done === undefined) throw new Error(`shutdown-deadlines bench: the bridge logged no shutdown.start / shutdown.done\n${stderr}`);
  return { done: done - start, exit: exitAt - start };
}

export const shutdownDeadlinesBench: BenchModule = {
  name: "shutdown deadlines",
  async run(): Promise<BenchResult[]> {
    const syvain = await holdingServer();
    try {
      const rows: BenchResult[] = [];
      const ours = { op: "<=" as const, value: SHUTDOWN_SECONDS * 1000 + SLACK_MS };
      const sdks = { op: "<=" as const, value: (DEFER_SECONDS + FLUSH_SECONDS + SHUTDOWN_SECONDS) * 1000 + SLACK_MS };
      for (const setup of ["SyvainMetricReader", "PeriodicExportingMetricReader", "SyvainLogRecordProcessor", "BatchLogRecordProcessor"] as const) {
        const ms = await providerShutdownMs(setup, syvain.url);
        const target = setup.startsWith("Syvain") ? ours : sdks;
        rows.push({ name: `provider shutdown, first export waiting for a hanging Syvain (${setup})`, metric: `1 run, flush ${FLUSH_SECONDS} s, shutdown ${SHUTDOWN_SECONDS} s`, value: Math.round(ms), unit: "ms", target });
      }
      const bridge = await bridgeShutdownMs(syvain.url);
      const deadline = { op: "<=" as const, value: SHUTDOWN_SECONDS * 1000 + SLACK_MS };
      rows.push({ name: "bridge SIGTERM, request in flight, Syvain hanging: shutdown.start → shutdown.done", metric: `1 run, --shutdown-timeout ${SHUTDOWN_SECONDS}`, value: Math.round(bridge.done), unit: "ms", target: deadline });
      rows.push({ name: "bridge SIGTERM, request in flight, Syvain hanging: shutdown.start → exit", metric: `1 run, --shutdown-timeout ${SHUTDOWN_SECONDS}`, value: Math.round(bridge.exit), unit: "ms", target: deadline });
      return rows;
    } finally {
      syvain.close();
    }
  },
};
