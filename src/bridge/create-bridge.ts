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
import { SyvainValidationError } from "../api/errors.ts";
import { deliveryDefaults } from "../config/defaults.ts";
import { deadlineIn } from "../delivery/deadline.ts";
import { drainWithin } from "./drain.ts";
import type { SpoolStats } from "../delivery/spool/index.ts";
import { jsonLineLog, safeLog, type BridgeLog, type BridgeLogEntry } from "./bridge-log.ts";
import { resolveBridgeOptions, type BridgeExporters, type BridgeOptions, type ResolvedBridgeOptions } from "./bridge-options.ts";
import { createRequestListener, type BridgeState } from "./bridge-server.ts";
import { openBridgeDelivery, type BridgeDelivery } from "./bridge-delivery.ts";
import type { BridgeSpool } from "./bridge-spool.ts";
import { durableIntake, memoryIntake, writtenIntake, type BridgeIntake } from "./intake.ts";
import { MemoryBudget } from "./memory-budget.ts";
import { syncCommand } from "../destinations/kept-run-hint.ts";
import { otherMachineFields } from "../destinations/leftovers/other-machine-watch.ts";


export interface Bridge {
  /** Listens; resolves with the base URL (e.g. `http://127.0.0.1:4318`). */
  start(): Promise<{ url: string }>;
  /**
   * Stops accepting connections, answers the requests in flight (new data on open connections
   * gets 503), then drains the outboxes, all within `shutdownTimeoutSeconds`. Idempotent.
   * Resolves with what was left undelivered; without a durable intake, that is lost.
   */
  close(): Promise<BridgeCloseReport>;
  /**
   * Stops a `close()` that is draining, synchronously, for a process about to end (the CLI's second
   * signal): writes the spool's records and acks with synchronous calls and logs what is not
   * delivered, as `shutdown.interrupted` (warn: it stays in the spool) or, without a spool, as
   * `shutdown.lost` (error: it dies with the process).
   */
  interrupt(): BridgeCloseReport;
  /** The base URL once started. */
  readonly url: string | undefined;
}

export interface BridgeCloseReport {
  /** Delivery totals at the end, over every experiment and both signals. */
  totals: DeliveryTotals;
  /** True when accepted data survives the process (a spool: `pending` then waits for the next bridge; a JSONL file: it is written before the 200). */
  durable: boolean;
  /** Events answered 200 that this process takes with it: `pending` when not durable, else 0. */
  lost: number;
}

export function createBridge(options?: BridgeOptions): Bridge {
  const resolved = resolveBridgeOptions(options);
  if (resolved.syvain?.spoolDir !== undefined && resolved.syvain.spoolDir !== false) {
    throw new SyvainValidationError("syvain.spoolDir", resolved.syvain.spoolDir, "createBridge: invalid option `syvain.spoolDir`: the bridge has its own spool (the `spoolDir` option, answered 200 only once durable); leave `syvain.spoolDir` out", "config");
  }
  const log = safeLog(resolved.log ?? jsonLineLog((line) => process.stderr.write(line), [resolved.authToken, resolved.syvain?.apiKey]));
  const delivery = openBridgeDelivery(resolved, log);
  const { exporters, owned } = delivery;
  const state: BridgeState = { closing: false, inFlight: new Set() };
  const maxQueueItems = owned ? (resolved.syvain?.maxQueueItems ?? deliveryDefaults.maxQueueItems.default) : undefined;
  const intake = intakeFor(delivery, maxQueueItems, resolved.answerTimeoutSeconds);
  // Only what is in memory: events spilled to the spool during an outage take none.
  const budget = new MemoryBudget(resolved.maxMemoryBytes, () => exporters.stats().reduce((n, experiment) => n + experiment.eventsInMemory, 0));
  const headersTimeout = resolved.headerTimeoutSeconds * 1000;
  const server = createServer(
    {
      // Keep-alive connections stay open between a Collector's exports.
      keepAliveTimeout: 30_000,
      // Slow or stalled senders are cut off with a 408: headers within headersTimeout; the body's
      // own limit (--body-timeout) answers in OTLP form, this one is the backstop for the rest.
      headersTimeout,
      requestTimeout: headersTimeout + resolved.bodyTimeoutSeconds * 1000 + 5_000,
      // Node checks those timeouts every 30 s by default: a 10 s limit would hold sockets ~40 s.
      connectionsCheckingInterval: Math.min(1_000, headersTimeout),
    },
    createRequestListener({ options: resolved, exporters, log, state, maxQueueItems, intake, budget, keyWatch: delivery.keyWatch }),
  );
  // Beyond it Node closes new connections on arrival: bounded file descriptors and socket memory.
  server.maxConnections = resolved.maxConnections;
  let url: string | undefined;
  let closing: Promise<BridgeCloseReport> | undefined;

  return {
    get url() {
      return url;
    },
    async start() {
      if (url !== undefined) return { url };
      // The spool first: no request may be answered before its events can be made durable.
      await delivery.open();
      server.listen(resolved.port, resolved.host);
      await Promise.race([once(server, "listening"), once(server, "error").then(([error]) => Promise.reject(error as Error))]);
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      url = `http://${host}:${address.port}`;
      const spool = delivery.spool === undefined ? { spool: "off" } : { spool: delivery.spool.dir, spoolSyncMs: resolved.spoolSyncMs };
      log({ level: "info", event: "listening", url, metrics: `${url}${resolved.pathPrefix}/v1/metrics`, logs: `${url}${resolved.pathPrefix}/v1/logs`, ...describeDestination(resolved), ...spool, answer200: answer200(delivery) });
      return { url };
    },
    close() {
      closing ??= shutdown(server, state, delivery, intake, resolved, log);
      return closing;
    },
    interrupt() {
      const totals = summarize(exporters);
      const spool = delivery.spool;
      if (spool !== undefined) {
        spool.spool.flushSync();
        const reason = `stopped by a second signal: ${totals.pending} accepted event(s) not delivered stay in the spool at ${spool.dir}; the next bridge started on it, or \`${syncCommand(spool.dir, syvainHost(resolved))}\`, delivers them`;
        log({ level: "warn", event: "shutdown.interrupted", dir: spool.dir, pending: totals.pending, reason });
      }
      const lost = intake.durable ? 0 : totals.pending;
      if (lost > 0) log(lostLine(lost, "when a second signal stopped the drain"));
      return { totals, durable: intake.durable, lost };
    },
  };
}

/** What a 200 waits for: the spool's fdatasync, the JSONL file's write and fsync, else the queues. */
function intakeFor(delivery: BridgeDelivery, maxQueueItems: number | undefined, answerTimeoutSeconds: number): BridgeIntake {
  if (delivery.spool !== undefined) return durableIntake(delivery.exporters, delivery.spool, maxQueueItems);
  if (delivery.written !== undefined) return writtenIntake(delivery.exporters, delivery.written, answerTimeoutSeconds);
  return memoryIntake(delivery.exporters);
}

/** Senders were answered 200 for these and have dropped their copies: say so loudly. */
function lostLine(lost: number, when: string): BridgeLogEntry {
  return { level: "error", event: "shutdown.lost", lost, reason: `${lost} accepted events were still waiting for delivery ${when} and exist only in this process's memory` };
}

async function shutdown(server: Server, state: BridgeState, delivery: BridgeDelivery, intake: BridgeIntake, options: ResolvedBridgeOptions, log: BridgeLog): Promise<BridgeCloseReport> {
  const { exporters, owned } = delivery;
  state.closing = true;
  log({ level: "info", event: "shutdown.start", inFlight: state.inFlight.size });
  const deadline = deadlineIn(options.shutdownTimeoutSeconds);
  const stopped = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
  server.closeIdleConnections();
  try {
    await drainWithin(deadline, {
      inFlight: () => Promise.allSettled([...state.inFlight]),
      stopServing: async () => {
        server.closeAllConnections();
        await stopped;
      },
      // Owned exporters drain then close; shared ones only drain. What earlier bridges left
      // (adopted at start) drains within the same deadline.
      drain: () => Promise.all([owned ? exporters.shutdown() : exporters.forceFlush(), delivery.leftoversSettled()]),
    });
  } finally {
    const totals = summarize(exporters);
    log({ level: totals.pending + totals.failed + totals.dropped === 0 ? "info" : "warn", event: "shutdown.done", ...totals });
  }
  const totals = summarize(exporters);
  // Undelivered events stay on disk, synced, for the next bridge on this spool (or `syvain-otel sync`).
  const spool = await delivery.close();
  if (spool !== undefined) log(spooledLine(delivery.spool!, spool, totals.pending, options.shutdownTimeoutSeconds, syvainHost(options)));
  const lost = intake.durable ? 0 : totals.pending;
  if (lost > 0) log(lostLine(lost, `after ${options.shutdownTimeoutSeconds} s`));
  return { totals, durable: intake.durable, lost };
}

/**
 * What stays on disk at exit, and why: never "nothing left" while records of this or an earlier
 * bridge remain, those of folders written on another machine (which no bridge takes) included.
 * `leftoversRemain` is true whenever anything stays for the next bridge (or `sync`): this bridge's
 * undelivered events, its records on disk, earlier bridges' records not all delivered, or other machines' folders.
 */
function spooledLine(spool: BridgeSpool, stats: SpoolStats, pending: number, timeoutSeconds: number, host: string): BridgeLogEntry {
  const others = spool.otherMachinesLeft;
  const earlierRemain = spool.earlierLeftoversRemain;
  const ownLeft = pending > 0 || stats.recordsOnDisk > 0 || earlierRemain;
  const fields = { event: "shutdown.spooled", dir: spool.dir, pending, recordsOnDisk: stats.recordsOnDisk, bytesOnDisk: stats.bytesOnDisk, leftoversRemain: ownLeft || others.length > 0, ...otherMachineFields(others) };
  // Nothing left: the files go right after this line, so their size then would only mislead.
  if (!ownLeft && others.length === 0) return { level: "info", ...fields, bytesOnDisk: 0, reason: "nothing left to deliver" };
  const earlier = earlierRemain ? "; records earlier bridges left are not all delivered yet" : "";
  const reasons = [
    ...(ownLeft
      ? [
          // `recordsOnDisk` counts the adopted records read so far: with earlier bridges' records left, more may wait unread.
          `${earlierRemain ? "at least " : ""}${stats.recordsOnDisk} record(s) (${stats.bytesOnDisk} bytes) stay in the spool at ${spool.dir} (${pending} accepted event(s) not delivered within ${timeoutSeconds} s${earlier}); ` +
            `the next bridge started on it, or \`${syncCommand(spool.dir, host)}\`, delivers them`,
        ]
      : []),
    ...(others.length > 0 ? [spool.describeOtherMachines(others)] : []),
  ];
  return { level: "warn", ...fields, reason: reasons.join("; ") };
}

type DeliveryTotals = Record<"experiments" | "accepted" | "pending" | "failed" | "dropped" | "invalid", number>;

/** Delivery totals over every experiment and both signals, for the shutdown log line. */
function summarize(exporters: BridgeExporters): DeliveryTotals {
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

/** What a 200 promises, said at start (docs/bridge-operations.md, "What a 200 means"). */
function answer200(delivery: BridgeDelivery): string {
  if (delivery.spool !== undefined) return "the events are in the spool, fdatasync'd: they survive the process and the machine dying";
  if (delivery.written !== undefined) return "the events are written to the file and fsynced: they survive the process and the machine dying";
  return "the events are queued in memory only: they are lost if the process dies before delivering them";
}

function describeDestination(options: ResolvedBridgeOptions): Record<string, unknown> {
  if (options.exporters !== undefined) return { destination: "exporters" };
  if (options.syvain?.jsonlPath !== undefined) return { destination: "jsonl", path: options.syvain.jsonlPath };
  return { destination: "syvain", host: syvainHost(options) };
}

/** The Syvain host the bridge delivers to: a given client's own, else as the client the bridge makes would pick it. */
function syvainHost(options: ResolvedBridgeOptions): string {
  return options.syvain?.client?.host ?? options.syvain?.host ?? process.env[HOST_ENV] ?? DEFAULT_HOST;
}
