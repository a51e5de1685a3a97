/**
 * `createBridge()`: an OTLP/HTTP receiver (`POST {prefix}/v1/metrics`, `{prefix}/v1/logs`) that
 * hands decoded data to `SyvainMetricExporter` / `SyvainLogRecordExporter`, so OTLP from a
 * Collector or any SDK reaches Syvain through the same mapping and delivery as in-process OTel.
 *
 * ```ts
 * const bridge = createBridge({ syvain: { apiKey, host } });
 * const { url } = await bridge.start();   // http://127.0.0.1:4318
 * // ... on SIGTERM:
 * await bridge.close();                   // stop accepting, answer requests in flight, drain
 * ```
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_HOST, HOST_ENV } from "../api/contract.ts";
import { deliveryDefaults } from "../config/defaults.ts";
import { deadlineIn, waitUntil } from "../delivery/deadline.ts";
import { exportersFor } from "../exporter/otel/create-exporters.ts";
import { jsonLineLog, safeLog, type BridgeLog } from "./bridge-log.ts";
import { resolveBridgeOptions, type BridgeExporters, type BridgeOptions, type ResolvedBridgeOptions } from "./bridge-options.ts";
import { createRequestListener, type BridgeState } from "./bridge-server.ts";


export interface Bridge {
  /** Listens; resolves with the base URL (e.g. `http://127.0.0.1:4318`). */
  start(): Promise<{ url: string }>;
  /**
   * Stops accepting connections, answers the requests in flight (new data on open connections
   * gets 503), then drains the outboxes, all within `shutdownTimeoutSeconds`. Idempotent.
   */
  close(): Promise<void>;
  /** The base URL once started. */
  readonly url: string | undefined;
}

export function createBridge(options?: BridgeOptions): Bridge {
  const resolved = resolveBridgeOptions(options);
  const log = safeLog(resolved.log ?? jsonLineLog((line) => process.stderr.write(line), [resolved.authToken, resolved.syvain?.apiKey]));
  const owned = resolved.exporters === undefined;
  const exporters: BridgeExporters =
    resolved.exporters ??
    exportersFor(
      {
        shutdownTimeoutSeconds: resolved.shutdownTimeoutSeconds,
        // Losses (with the mapping's per-point reasons) go to the bridge log, not process warnings.
        onWarning: (message) => log({ level: "warn", event: "delivery.warning", message }),
        ...resolved.syvain,
      },
      "createBridge",
      "syvain",
    );
  const state: BridgeState = { closing: false, inFlight: new Set() };
  // Keep-alive connections stay open between a Collector's exports; a stuck client is cut off.
  const server = createServer({ keepAliveTimeout: 30_000, requestTimeout: 120_000 }, createRequestListener({ options: resolved, exporters, log, state, maxQueueItems: owned ? (resolved.syvain?.maxQueueItems ?? deliveryDefaults.maxQueueItems.default) : undefined }));
  let url: string | undefined;
  let closing: Promise<void> | undefined;

  return {
    get url() {
      return url;
    },
    async start() {
      if (url !== undefined) return { url };
      server.listen(resolved.port, resolved.host);
      await Promise.race([once(server, "listening"), once(server, "error").then(([error]) => Promise.reject(error as Error))]);
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      url = `http://${host}:${address.port}`;
      log({ level: "info", event: "listening", url, metrics: `${url}${resolved.pathPrefix}/v1/metrics`, logs: `${url}${resolved.pathPrefix}/v1/logs`, ...describeDestination(resolved) });
      return { url };
    },
    close() {
      closing ??= shutdown(server, state, exporters, owned, resolved, log);
      return closing;
    },
  };
}

async function shutdown(server: Server, state: BridgeState, exporters: BridgeExporters, owned: boolean, options: ResolvedBridgeOptions, log: BridgeLog): Promise<void> {
  state.closing = true;
  log({ level: "info", event: "shutdown.start", inFlight: state.inFlight.size });
  const deadline = deadlineIn(options.shutdownTimeoutSeconds);
  const stopped = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
  server.closeIdleConnections();
  await waitUntil(Promise.allSettled([...state.inFlight]), deadline);
  server.closeAllConnections();
  await stopped;
  try {
    // Owned exporters drain then close (bounded by their shutdownTimeoutSeconds); shared ones only drain.
    await waitUntil(owned ? exporters.shutdown() : exporters.forceFlush(), Math.max(deadline, Date.now() + 1000));
  } finally {
    const totals = summarize(exporters);
    log({ level: totals.pending + totals.failed + totals.dropped === 0 ? "info" : "warn", event: "shutdown.done", ...totals });
  }
}

/** Delivery totals over every experiment and both signals, for the shutdown log line. */
function summarize(exporters: BridgeExporters): Record<"experiments" | "accepted" | "pending" | "failed" | "dropped" | "invalid", number> {
  const totals = { experiments: 0, accepted: 0, pending: 0, failed: 0, dropped: 0, invalid: 0 };
  for (const experiment of exporters.stats()) {
    totals.experiments += 1;
    for (const kind of [experiment.metrics, experiment.annotations]) {
      totals.accepted += kind.accepted;
      totals.pending += kind.pending;
      totals.failed += kind.failed;
      totals.dropped += kind.dropped;
      totals.invalid += kind.invalid;
    }
  }
  return totals;
}

function describeDestination(options: ResolvedBridgeOptions): Record<string, unknown> {
  if (options.exporters !== undefined) return { destination: "exporters" };
  if (options.syvain?.jsonlPath !== undefined) return { destination: "jsonl", path: options.syvain.jsonlPath };
  return { destination: "syvain", host: options.syvain?.host ?? process.env[HOST_ENV] ?? DEFAULT_HOST };
}
