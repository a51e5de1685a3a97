/**
 * Every option's default, in one place, per API: the zod schemas read `.default` from here, the
 * CLI help reads the defaults and descriptions, and `docs/options.md` is generated from these
 * tables (`npm run docs:options`; a test fails when the file is stale). Changing a default is a
 * change to this file only.
 */
import { DEFAULT_HOST, HOST_ENV } from "../api/contract.ts";

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

/** `Outbox` delivery options, shared by the facade's experiments and the OTel exporters. */
export const deliveryDefaults = {
  flushDelaySeconds: { type: "number", default: 0.25, description: "Seconds a small batch waits for more events before it is sent." },
  maxQueueItems: { type: "number", default: 100_000, description: "Events queued per experiment; beyond it the oldest unsent are dropped (and counted)." },
  maxBatchItems: { type: "number", default: 500, description: "Events per ingest request." },
  maxRetries: { type: "number | null", default: null, description: "Retries of a failed batch before it counts as failed; `null` retries until shutdown." },
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
  flushTimeoutSeconds: { type: "number", default: 30, description: "Seconds `forceFlush()` waits for the queues to drain." },
  shutdownTimeoutSeconds: { type: "number", default: 10, description: "Seconds `shutdown()` waits for the queues to drain before closing them." },
  onWarning: { type: "(message) => void", description: "Hears of lost data (once per experiment per minute); default: a `SyvainDeliveryWarning` process warning." },
} as const satisfies OptionTable;

/** `createSyvainMetricReader` (plus the exporter options, or `exporter`). */
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
  answerTimeoutSeconds: { type: "number", default: 8, description: "Seconds a request may wait for a new experiment before a 503.", env: "SYVAIN_BRIDGE_ANSWER_TIMEOUT" },
  retryAfterSeconds: { type: "number", default: 5, description: "`Retry-After` seconds on 503/429 when Syvain gave none.", env: "SYVAIN_BRIDGE_RETRY_AFTER" },
  shutdownTimeoutSeconds: { type: "number", default: 10, description: "Seconds to drain on close (SIGTERM/SIGINT for the CLI) before exiting.", env: "SYVAIN_BRIDGE_SHUTDOWN_TIMEOUT" },
  syvain: { type: "SyvainExporterOptions", description: "Where the data goes: the options of `createSyvainExporters` (see above)." },
  exporters: { type: "SyvainExporters", description: "Exporters made by the caller instead of `syvain` (flushed on close, not shut down)." },
  log: { type: "(entry) => void", description: "One structured entry per event; default: one JSON line per entry on stderr." },
} as const satisfies OptionTable;

/** `syvain-otel emulator` (the listening flags mirror the bridge's). */
export const emulatorCliDefaults = {
  bind: { type: "string", default: "127.0.0.1", description: "Interface to listen on." },
  port: { type: "number", default: 0, description: "Port to listen on (0 = any free port, printed at start)." },
} as const satisfies OptionTable;

/** The tables of `docs/options.md`, in order: title, the API they configure, the table. */
export const optionTables: readonly { title: string; api: string; table: OptionTable }[] = [
  { title: "OpenTelemetry exporters", api: "new SyvainMetricExporter(options), new SyvainLogRecordExporter(options), createSyvainExporters(options)", table: exporterDefaults },
  { title: "Delivery (per experiment queue)", api: "the exporters' options, and the facade's", table: deliveryDefaults },
  { title: "Metric reader", api: "createSyvainMetricReader(options)", table: readerDefaults },
  { title: "OTLP/HTTP bridge", api: "createBridge(options); the environment variables are read by `syvain-otel bridge` only", table: bridgeDefaults },
];
