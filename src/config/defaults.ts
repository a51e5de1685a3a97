/**
 * Every option's default, in one place, per API: the zod schemas read `.default` from here, the
 * CLI help reads the defaults and descriptions, and `docs/options.md` is generated from these
 * tables (`npm run docs:options`; a test fails when the file is stale). Changing a default is a
 * change to this file only.
 */
import { API_KEY_ENV, DEFAULT_HOST, HOST_ENV, apiLimits } from "../api/contract.ts";
import { BRIDGE_SPOOL_DIR_ENV, DEFAULT_SPOOL_MAX_BYTES, MODE_ENV, SPOOL_DIR_ENV } from "./spool-defaults.ts";

export interface OptionDoc {
  /** TypeScript type as the user writes it. */
  type: string;
  /** `undefined`: no default (optional, or computed: see the description). */
  default?: string | number | boolean | null;
  description: string;
  /** The environment variable read when the option is not given, if any. */
  env?: string;
}

export type OptionTable = Readonly<Record<string, OptionDoc>>;

const MIB = 1024 * 1024;

/** `new Collector(options)` only (plus the options of every collector, and the delivery options). */
export const collectorDefaults = {
  apiKey: { type: "string", description: "Syvain API key; else the first constructor argument.", env: API_KEY_ENV },
  host: { type: "string", default: DEFAULT_HOST, description: "Syvain host, or a running emulator's URL.", env: HOST_ENV },
  timeout: { type: "number", default: 10, description: "Seconds for experiment creation, folder lookup and status updates (one request)." },
  ingestTimeout: { type: "number", default: 60, description: "Seconds for one metric or annotation batch request." },
  spoolDir: {
    type: "string | false",
    description:
      "Disk spool every event is written to before it is queued (docs/spool.md); `false` turns it off. Default: `$XDG_STATE_HOME/syvain-metrics-otel/spool`, else `~/.local/state/syvain-metrics-otel/spool`.",
    env: SPOOL_DIR_ENV,
  },
  spoolMaxBytes: { type: "number", default: DEFAULT_SPOOL_MAX_BYTES, description: "Disk bound of one process's spool; past it events stay in memory only (counted)." },
  mode: { type: '"online" | "offline"', description: "Default `online` (else `SYVAIN_MODE`). `offline`: send nothing, spool everything (no API key needed) for a later `syvain-otel sync`.", env: MODE_ENV },
} as const satisfies OptionTable;

/** `Collector`, `JsonlCollector` and `NoopCollector` (plus the delivery options). */
export const everyCollectorDefaults = {
  exitFlushTimeoutSeconds: {
    type: "number",
    default: 10,
    description: "Seconds the best-effort flushes (end of `run()`, process end, `flushOnExit`: 3 retries, as the Python SDK's `run()`) and `close()` (retries until then) may take; requests still in flight then are aborted.",
  },
  flushOnExit: {
    type: "boolean",
    default: true,
    description:
      "When the script ends (the event loop empties, or only our uploads hold it) with events still queued, flush them within `exitFlushTimeoutSeconds`, even without `run()`; best effort, the status left alone.",
  },
} as const satisfies OptionTable;

/** `new JsonlCollector(options)` (plus the options of every collector). */
export const jsonlCollectorDefaults = {
  path: { type: "string", description: "The JSONL file (required); parent folders are created." },
} as const satisfies OptionTable;

/** `collector.experiment(slug, options)`. */
export const experimentDefaults = {
  description: { type: "string", description: "Shown in the dashboard." },
  meta: { type: "JsonObject", description: "Run-level facts (model, dataset, seed, git SHA, config); nested JSON is fine. `{}` when not given." },
  folderId: { type: "string", description: "The folder's id (not with folderPath)." },
  folderPath: { type: "string", description: "The folder's dashboard path such as `/team/project`, resolved with one extra request." },
  ifExists: { type: '"error" | "reuse"', default: "error", description: '`"error"` raises a `conflict` error for an existing slug; `"reuse"` appends to that experiment.' },
} as const satisfies OptionTable;

/** `experiment.run(fn, options)`, `experiment.start(options)`, `experiment.running(options)`. */
export const runDefaults = {
  installHooks: {
    type: "boolean",
    default: true,
    description: "Mark the experiment and flush when the process ends (exit, SIGINT/SIGTERM, uncaught error); `false` when a supervisor owns exit (`flushOnExit` is then off too).",
  },
} as const satisfies OptionTable;

/** `experiment.flushOrRaise(options)` (`flush()` takes none: one attempt, no bound of its own). */
export const flushOrRaiseDefaults = {
  retries: { type: "number", default: 3, description: "Retry rounds after the first attempt (their own budget, not maxRetries)." },
  timeoutSeconds: {
    type: "number",
    default: 60,
    description: "Raise after this many seconds, waits for `Retry-After` included; requests still in flight are aborted (their items stay pending).",
  },
} as const satisfies OptionTable;

/** `Outbox` delivery options, shared by the facade's experiments and the OTel exporters. */
export const deliveryDefaults = {
  flushDelaySeconds: { type: "number", default: 0.25, description: "Seconds a small batch waits for more events before it is sent." },
  maxQueueItems: { type: "number", default: 100_000, description: "Events held in memory per experiment; beyond it the oldest unsent are dropped (and counted). With a spool, events past min(this, 20000) in memory during an outage (past 3/4 of this while Syvain takes requests) wait on disk instead and only what the spool refuses can be dropped (docs/spool.md)." },
  maxBatchItems: { type: "number", default: 500, description: "Events per ingest request." },
  maxRetries: { type: "number | null", default: null, description: "Background retries of a batch on retryable failures; `null` retries until shutdown. Spent: with a spool the batch stays pending on disk, tried again once a minute (at once when Syvain answers another request; flush()/close() try it too, the next process or sync delivers what is left); without one it counts as failed, said in one warning (docs/spool.md)." },
  maxConcurrentRequests: { type: "number", default: 4, description: "Ingest requests in flight per experiment." },
} as const satisfies OptionTable;

/** `SyvainMetricExporter`, `SyvainLogRecordExporter`, `createSyvainExporters` (plus the delivery options). */
export const exporterDefaults = {
  apiKey: { type: "string", description: "Syvain API key.", env: "SYVAIN_METRICS_API_KEY" },
  host: { type: "string", default: DEFAULT_HOST, description: "Syvain host, or a running emulator's URL.", env: HOST_ENV },
  client: { type: "SyvainClient", description: "An existing client, shared and left open on shutdown (instead of apiKey/host)." },
  jsonlPath: { type: "string", description: "Append every experiment's events to this JSONL file instead of calling Syvain." },
  sink: { type: "(experiment) => DeliverySink", description: "A sink per experiment, instead of Syvain." },
  slug: { type: "string | (attributes) => string", description: "Experiment slug for every resource; else the resource's `syvain.experiment.slug`, else `service.name`." },
  defaultFolderId: { type: "string", description: "Folder of new experiments whose resource names none." },
  defaultFolderPath: { type: "string", description: "Same, as a path such as `/team/vision` (not with defaultFolderId)." },
  stepAttribute: { type: "string", default: "step", description: "Data point / log record attribute holding the training step." },
  // An export is a burst (a whole collection, all at once), not the facade's trickle: the largest
  // requests the API takes, and enough of them in flight to keep up with a loop that records
  // thousands of points between two turns of the event loop (docs/performance.md).
  maxBatchItems: { type: "number", default: apiLimits.maxIngestItems, description: "Events per ingest request: the API's maximum, since an export arrives all at once (the facade's default is 500)." },
  maxConcurrentRequests: { type: "number", default: 8, description: "Ingest requests in flight per experiment (the facade's default is 4)." },
  flushTimeoutSeconds: { type: "number", default: 30, description: "Seconds `forceFlush()` waits for the queues to drain." },
  shutdownTimeoutSeconds: { type: "number", default: 10, description: "Seconds `shutdown()` waits for the queues to drain before closing them." },
  experimentIdleSeconds: {
    type: "number | null",
    default: 300,
    description:
      "An experiment with nothing queued, in flight or being created for this long (up to half as long again) releases its queue and connection state; its next export gets it again (one get-or-create request), its counts in `stats()` carry on. `null` keeps every experiment for the exporters' life.",
  },
  onWarning: { type: "(message) => void", description: "Hears of lost data (once per experiment per minute; a shutdown's account always) and of spool problems; default: a `SyvainDeliveryWarning` (`SyvainSpoolWarning`) process warning." },
  spoolDir: {
    type: "string | false",
    description:
      "Crash-safe disk spool (docs/spool.md), for the Syvain API destination only. Off unless given, or unless `SYVAIN_SPOOL_DIR` names a directory (`off`, `false`, `0` or empty keep it off); `false` turns it off whatever the environment says.",
    env: SPOOL_DIR_ENV,
  },
  spoolMaxBytes: { type: "number", default: DEFAULT_SPOOL_MAX_BYTES, description: "Disk bound of the exporters' spool; past it events stay in memory only (counted)." },
} as const satisfies OptionTable;

/** `new SyvainMetricReader(options)` (plus the exporter options, or `exporter`). */
export const readerDefaults = {
  exporter: { type: "SyvainMetricExporter", description: "Use this exporter instead of creating one from the exporter options." },
  exportIntervalMillis: { type: "number", default: 5_000, description: "Milliseconds between collections." },
  exportTimeoutMillis: { type: "number", description: "Milliseconds one collection + export may take; default: the interval, at most 30000." },
  cardinalityLimit: { type: "number", default: 100_000, description: "Attribute sets (e.g. steps) per instrument per interval before the SDK folds them into an overflow series." },
} as const satisfies OptionTable;

/** `createBridge` (and, through flags, `syvain-otel bridge`). */
export const bridgeDefaults = {
  host: { type: "string", default: "127.0.0.1", description: "Interface to listen on (`0.0.0.0` in a container).", env: "SYVAIN_BRIDGE_BIND" },
  port: { type: "number", default: 4318, description: "Port to listen on (4318 is the OTLP/HTTP port; 0 = any free port).", env: "SYVAIN_BRIDGE_PORT" },
  pathPrefix: { type: "string", default: "", description: "Path before `/v1/metrics` and `/v1/logs`, e.g. `/otlp`.", env: "SYVAIN_BRIDGE_PATH_PREFIX" },
  maxRequestBytes: { type: "number", default: 20 * MIB, description: "Largest request body as sent (compressed), in bytes.", env: "SYVAIN_BRIDGE_MAX_REQUEST_BYTES" },
  maxDecompressedBytes: { type: "number", default: 64 * MIB, description: "Largest body after decompression, in bytes.", env: "SYVAIN_BRIDGE_MAX_DECOMPRESSED_BYTES" },
  maxMemoryBytes: {
    type: "number",
    default: 384 * MIB,
    description: "One memory budget for every request in flight (bytes received, decompressed and being decoded) plus the events queued for delivery; beyond it senders get 503 + `Retry-After`. The default keeps a bridge under 768 MiB of RSS, for a 1 GiB container.",
    env: "SYVAIN_BRIDGE_MAX_MEMORY_BYTES",
  },
  maxConnections: { type: "number", default: 4096, description: "Open connections at most; more are closed at once (senders reconnect).", env: "SYVAIN_BRIDGE_MAX_CONNECTIONS" },
  headerTimeoutSeconds: { type: "number", default: 10, description: "Seconds a connection may take to send a request's headers; then 408 and the socket is closed.", env: "SYVAIN_BRIDGE_HEADER_TIMEOUT" },
  bodyTimeoutSeconds: { type: "number", default: 30, description: "Seconds a request may take to send its whole body after the headers; then 408 and the socket is closed.", env: "SYVAIN_BRIDGE_BODY_TIMEOUT" },
  authToken: { type: "string", description: 'When set, senders must send "Authorization: Bearer <token>" (at least 16 characters).', env: "SYVAIN_BRIDGE_AUTH_TOKEN" },
  answerTimeoutSeconds: { type: "number", default: 8, description: "Seconds a request may wait for what its 200 needs (a new experiment, the spool's or the JSONL file's write) before a 503.", env: "SYVAIN_BRIDGE_ANSWER_TIMEOUT" },
  retryAfterSeconds: { type: "number", default: 5, description: "`Retry-After` seconds on 503/429 when Syvain gave none.", env: "SYVAIN_BRIDGE_RETRY_AFTER" },
  shutdownTimeoutSeconds: { type: "number", default: 10, description: "Seconds to drain on close (SIGTERM/SIGINT for the CLI) before exiting.", env: "SYVAIN_BRIDGE_SHUTDOWN_TIMEOUT" },
  spoolDir: {
    type: "string | false",
    description:
      "Disk spool: a request is answered 200 only once its events are in it, synced; a later bridge on the same directory delivers what is left (docs/bridge.md). `syvain-otel bridge`: on by default in `$XDG_STATE_HOME/syvain-metrics-otel/bridge-spool`, else `~/.local/state/syvain-metrics-otel/bridge-spool`; `off` = memory only. `createBridge`: memory only unless given.",
    env: BRIDGE_SPOOL_DIR_ENV,
  },
  spoolMaxBytes: { type: "number", default: DEFAULT_SPOOL_MAX_BYTES, description: "Bytes the spool may hold on disk; beyond it senders get 503 + `Retry-After` until Syvain takes some.", env: "SYVAIN_BRIDGE_SPOOL_MAX_BYTES" },
  spoolSyncMs: {
    type: "number",
    default: 0,
    description: "`0`: fdatasync before every 200, one sync shared by the requests that arrive together (group commit). `N`: fdatasync at most every N ms (fewer syncs; answers wait up to N ms more).",
    env: "SYVAIN_BRIDGE_SPOOL_SYNC_MS",
  },
  syvain: { type: "SyvainExporterOptions", description: "Where the data goes: the options of `createSyvainExporters` (see above)." },
  exporters: { type: "SyvainExporters", description: "Exporters made by the caller instead of `syvain` (flushed on close, not shut down)." },
  log: { type: "(entry) => void", description: "One structured entry per event; default: one JSON line per entry on stderr." },
} as const satisfies OptionTable;

/** `syvain-otel emulator` (the listening flags mirror the bridge's). */
export const emulatorCliDefaults = {
  bind: { type: "string", default: "127.0.0.1", description: "Interface to listen on." },
  port: { type: "number", default: 0, description: "Port to listen on (0 = any free port, printed at start)." },
} as const satisfies OptionTable;

/** `syvain-otel view FILE`. */
export const viewCliDefaults = {
  port: { type: "number", default: 0, description: "Port to listen on, on 127.0.0.1 (0 = any free port, printed at start)." },
} as const satisfies OptionTable;

/** `experiment.meterProvider(options)`, `experiment.loggerProvider(options)`. */
export const experimentProviderDefaults = {
  exportIntervalMillis: { ...readerDefaults.exportIntervalMillis, description: "meterProvider: milliseconds between collections." },
  cardinalityLimit: { ...readerDefaults.cardinalityLimit, description: "meterProvider: attribute sets (e.g. steps) per gauge / histogram per interval." },
  scheduledDelayMillis: {
    type: "number",
    default: 1000,
    description: "loggerProvider: milliseconds between two batch exports of log records (the OTel SDK applies its default and its variable).",
    env: "OTEL_BLRP_SCHEDULE_DELAY",
  },
} as const satisfies OptionTable;

/** The tables of `docs/options.md`, in order: title, the API they configure, the table. */
export const optionTables: readonly { title: string; api: string; table: OptionTable }[] = [
  { title: "Collector", api: "new Collector(options), besides the options of every collector and the delivery options", table: collectorDefaults },
  { title: "Every collector", api: "new Collector(options), new JsonlCollector(options), new NoopCollector(options)", table: everyCollectorDefaults },
  { title: "JSONL collector", api: "new JsonlCollector(options), besides the options of every collector and the delivery options", table: jsonlCollectorDefaults },
  { title: "Experiment", api: "collector.experiment(slug, options)", table: experimentDefaults },
  { title: "Runs", api: "experiment.run(fn, options), experiment.start(options), experiment.running(options)", table: runDefaults },
  { title: "flushOrRaise", api: "experiment.flushOrRaise(options)", table: flushOrRaiseDefaults },
  { title: "Experiment OpenTelemetry providers", api: "experiment.meterProvider(options), experiment.loggerProvider(options)", table: experimentProviderDefaults },
  { title: "OpenTelemetry exporters", api: "new SyvainMetricExporter(options), new SyvainLogRecordExporter(options), createSyvainExporters(options)", table: exporterDefaults },
  { title: "Delivery (per experiment queue)", api: "the facade's options, and the exporters' (whose `maxBatchItems` and `maxConcurrentRequests` defaults are their own, above)", table: deliveryDefaults },
  { title: "Metric reader", api: "new SyvainMetricReader(options)", table: readerDefaults },
  { title: "OTLP/HTTP bridge", api: "createBridge(options); the environment variables are read by `syvain-otel bridge` only", table: bridgeDefaults },
];
