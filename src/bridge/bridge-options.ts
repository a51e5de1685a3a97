/**
 * Options of `createBridge()` (and, through the CLI, of `syvain-otel bridge`), validated once with
 * `parseOptions`: a bad option is a `SyvainValidationError` naming it; secrets are never echoed.
 */
import { z } from "zod";
import { bridgeDefaults as d } from "../config/defaults.ts";
import { isFunction, positiveSeconds } from "../config/option-schemas.ts";
import { parseOptions } from "../config/parse-options.ts";
import type { SyvainExporters } from "../exporter/otel/create-exporters.ts";
import type { SyvainExporterOptions } from "../exporter/otel/exporter-options.ts";
import type { BridgeLogEntry } from "./bridge-log.ts";

/** What the bridge needs of its exporters: `createSyvainExporters()` gives exactly this. */
export type BridgeExporters = Pick<SyvainExporters, "metricExporter" | "logExporter" | "stats" | "health" | "isBackpressured" | "forceFlush" | "shutdown">;

export interface BridgeOptions {
  /** Interface to listen on. @default "127.0.0.1" */
  host?: string;
  /** TCP port; 0 picks a free one. @default 4318 */
  port?: number;
  /** Path prefix before `/v1/metrics` and `/v1/logs`, e.g. `/otlp`. @default "" */
  pathPrefix?: string;
  /** Largest request body accepted as sent (compressed), in bytes. @default 20 MiB */
  maxRequestBytes?: number;
  /** Largest body accepted after decompression, in bytes. @default 64 MiB */
  maxDecompressedBytes?: number;
  /**
   * One budget, in bytes, for all requests in flight (received, decompressed, being decoded) plus
   * the events queued for delivery; a request that does not fit now gets 503 + `Retry-After`.
   * @default 384 MiB
   */
  maxMemoryBytes?: number;
  /** Open connections at most; more are closed on arrival. @default 4096 */
  maxConnections?: number;
  /** Seconds to receive a request's headers before answering 408 and closing. @default 10 */
  headerTimeoutSeconds?: number;
  /** Seconds to receive a request's whole body, once its headers arrived, before 408 and closing. @default 30 */
  bodyTimeoutSeconds?: number;
  /** When set, OTLP requests must carry `Authorization: Bearer <authToken>`. */
  authToken?: string;
  /** How long a request waits for its data to be queued (first export of a new experiment) before a 503. @default 8 */
  answerTimeoutSeconds?: number;
  /** `Retry-After` sent with 503/429 when Syvain gave none. @default 5 */
  retryAfterSeconds?: number;
  /** On `close()`: how long to wait for requests in flight and the outbox drain. @default 10 */
  shutdownTimeoutSeconds?: number;
  /**
   * Disk spool (docs/bridge.md): a request is answered 200 only once its events are in it, synced;
   * a later bridge on the same directory delivers what this one could not. Only with a Syvain
   * destination (`syvain.apiKey`/`host` or `syvain.client`). `false` or omitted: memory only (the
   * `syvain-otel bridge` command spools by default).
   */
  spoolDir?: string | false;
  /** Bytes the spool may hold on disk; beyond it senders get 503 + `Retry-After`. @default 1 GiB */
  spoolMaxBytes?: number;
  /**
   * `0`: fdatasync before every 200, one sync shared by the requests that arrive together (group
   * commit). `N`: fdatasync at most every N ms; answers wait for the next one. @default 0
   */
  spoolSyncMs?: number;
  /**
   * Where the data goes: options of `createSyvainExporters()` (API key and host, or `jsonlPath`,
   * plus slug, folder and delivery options). The bridge owns those exporters and shuts them down.
   */
  syvain?: SyvainExporterOptions;
  /** Exporters made by the caller instead (flushed on `close()`, not shut down). Excludes `syvain`. */
  exporters?: BridgeExporters;
  /** Receives one structured entry per event. Default: one JSON line per entry on stderr. */
  log?: (entry: BridgeLogEntry) => void;
}

const byteCount = z.number().int().min(1024, "must be at least 1024 bytes").max(Number.MAX_SAFE_INTEGER);
const isExporters = (value: unknown): boolean =>
  typeof value === "object" && value !== null && typeof (value as { isBackpressured?: unknown }).isBackpressured === "function";

const bridgeOptionsSchema = z
  .strictObject({
    host: z.string().trim().min(1).default(d.host.default),
    port: z.number().int().min(0).max(65535).default(d.port.default),
    pathPrefix: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*$/, 'must be empty or start with "/" and not end with "/" (e.g. "/otlp")')
      .default(d.pathPrefix.default),
    maxRequestBytes: byteCount.default(d.maxRequestBytes.default),
    maxDecompressedBytes: byteCount.default(d.maxDecompressedBytes.default),
    maxMemoryBytes: z.number().int().min(16 * 1024 * 1024, "must be at least 16 MiB (16777216 bytes)").max(Number.MAX_SAFE_INTEGER).default(d.maxMemoryBytes.default),
    maxConnections: z.number().int().min(1).max(1_000_000).default(d.maxConnections.default),
    headerTimeoutSeconds: positiveSeconds.max(3600).default(d.headerTimeoutSeconds.default),
    bodyTimeoutSeconds: positiveSeconds.max(3600).default(d.bodyTimeoutSeconds.default),
    // A header carries `Bearer <token>` with no whitespace in the token: a token read with a
    // trailing newline would otherwise turn every sender away with 401.
    authToken: z
      .string()
      .min(16, "must be at least 16 characters")
      .regex(/^[\x21-\x7E]+$/, "must be printable ASCII without spaces (check for a stray newline or quotes)")
      .optional(),
    answerTimeoutSeconds: positiveSeconds.default(d.answerTimeoutSeconds.default),
    retryAfterSeconds: z.number().int().min(1).max(3600).default(d.retryAfterSeconds.default),
    shutdownTimeoutSeconds: positiveSeconds.default(d.shutdownTimeoutSeconds.default),
    spoolDir: z.union([z.string().trim().min(1, "must be a non-empty directory path"), z.literal(false)]).optional(),
    spoolMaxBytes: z.number().int().min(8 * 1024 * 1024, "must be at least 8 MiB (8388608 bytes)").max(Number.MAX_SAFE_INTEGER).default(d.spoolMaxBytes.default),
    spoolSyncMs: z.number().int().min(0).max(60_000).default(d.spoolSyncMs.default),
    syvain: z.record(z.string(), z.unknown()).optional(),
    exporters: z.custom<BridgeExporters>(isExporters, "must come from createSyvainExporters()").optional(),
    log: z.custom<(entry: BridgeLogEntry) => void>(isFunction, "must be a function (entry) => void").optional(),
  })
  .refine((o) => o.syvain === undefined || o.exporters === undefined, { path: ["exporters"], message: "give syvain or exporters, not both" });

export type ResolvedBridgeOptions = Omit<z.infer<typeof bridgeOptionsSchema>, "syvain"> & { syvain: SyvainExporterOptions | undefined };

export function resolveBridgeOptions(options: BridgeOptions | undefined): ResolvedBridgeOptions {
  return parseOptions(bridgeOptionsSchema, options ?? {}, { owner: "createBridge", secretFields: ["authToken", "syvain"] }) as ResolvedBridgeOptions;
}
