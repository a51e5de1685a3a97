/**
 * Constructor options of the three collectors, validated once with zod (`parseOptions`): a bad
 * value is a `SyvainValidationError` (code `config`) naming the option and the value; the API key
 * is a secret field and never shown.
 */
import { z } from "zod";
import { collectorDefaults as c, everyCollectorDefaults as every } from "../config/defaults.ts";
import { positiveSeconds, spoolDirSchema, spoolMaxBytesSchema } from "../config/option-schemas.ts";
import { parseOptions } from "../config/parse-options.ts";
import { deliveryOptionsSchema } from "../delivery/delivery-options.ts";
import type { DeliveryOptions } from "../delivery/delivery-types.ts";

const seconds = positiveSeconds.max(86_400);

const exitOptions = {
  exitFlushTimeoutSeconds: seconds.default(every.exitFlushTimeoutSeconds.default),
  flushOnExit: z.boolean().default(every.flushOnExit.default),
};

/** Defaults and descriptions: `everyCollectorDefaults` in `config/defaults.ts` (and `docs/options.md`). */
export interface LocalCollectorOptions extends DeliveryOptions {
  /** Seconds the best-effort flushes (end of `run()`, process end, `flushOnExit`) may take. @default 10 */
  exitFlushTimeoutSeconds?: number;
  /**
   * When the script ends (the event loop empties, or only our uploads in flight hold it) with
   * events or status updates still queued, flush them within `exitFlushTimeoutSeconds`, even for
   * an experiment that never used `run()` / `start()`: best effort (never raises; a
   * `SyvainDeliveryWarning` if delivery stays incomplete), the status is left as it is, and the
   * process then exits as it would have. Signals and uncaught errors are the hooks of `run()` /
   * `start()`; it keeps nothing alive, and does nothing for a run started with `installHooks: false`.
   * `false`: data not flushed explicitly is lost when the script ends. @default true
   */
  flushOnExit?: boolean;
}

/** Defaults and descriptions: `collectorDefaults` in `config/defaults.ts` (and `docs/options.md`). */
export interface CollectorOptions extends LocalCollectorOptions {
  /** API key; else the first constructor argument, else `SYVAIN_METRICS_API_KEY`. */
  apiKey?: string;
  /** @default SYVAIN_METRICS_HOST, else https://metrics.syvain.com */
  host?: string;
  /** Seconds for experiment creation, folder lookup and status updates. @default 10 */
  timeout?: number;
  /** Seconds for one metric or annotation batch request. @default 60 */
  ingestTimeout?: number;
  /**
   * Crash-safe local spool: every event is written here before it counts as queued, and whatever
   * a process could not deliver (crash, kill, outage) is sent by the next `Collector` using the
   * same directory, or by `syvain-otel sync`. `false` turns it off.
   * @default SYVAIN_SPOOL_DIR, else $XDG_STATE_HOME/syvain-metrics-otel/spool (~/.local/state/...)
   */
  spoolDir?: string | false;
  /** Disk bound of the spool in bytes; past it events stay in memory only. @default 1 GiB */
  spoolMaxBytes?: number;
  /**
   * `offline`: send nothing; experiments and events go to the spool only, for a later
   * `syvain-otel sync` (no API key needed). @default SYVAIN_MODE, else "online"
   */
  mode?: "online" | "offline";
}

export interface JsonlCollectorOptions extends LocalCollectorOptions {
  /** The JSONL file; parent folders are created. */
  path: string;
}

const collectorOptionsSchema = z.strictObject({
  ...deliveryOptionsSchema.shape,
  ...exitOptions,
  host: z.string().min(1, "must not be empty").optional(),
  timeout: seconds.default(c.timeout.default),
  ingestTimeout: seconds.default(c.ingestTimeout.default),
  spoolDir: spoolDirSchema.optional(),
  spoolMaxBytes: spoolMaxBytesSchema.default(c.spoolMaxBytes.default),
  mode: z.enum(["online", "offline"]).optional(),
});

const localCollectorOptionsSchema = z.strictObject({ ...deliveryOptionsSchema.shape, ...exitOptions });

const jsonlCollectorOptionsSchema = localCollectorOptionsSchema.extend({
  path: z.string().min(1, "must be a non-empty file path"),
});

export type ResolvedCollectorOptions = z.infer<typeof collectorOptionsSchema>;
export type ResolvedLocalCollectorOptions = z.infer<typeof localCollectorOptionsSchema>;
export type ResolvedJsonlCollectorOptions = z.infer<typeof jsonlCollectorOptionsSchema>;

/** Everything but the key (checked separately, so no message can echo it). */
export function parseCollectorOptions(input: unknown): ResolvedCollectorOptions {
  return parseOptions(collectorOptionsSchema, input, { owner: "Collector", alsoKnown: ["apiKey"] });
}

export function parseLocalCollectorOptions(input: unknown, owner: string): ResolvedLocalCollectorOptions {
  return parseOptions(localCollectorOptionsSchema, input, { owner });
}

export function parseJsonlCollectorOptions(input: unknown): ResolvedJsonlCollectorOptions {
  return parseOptions(jsonlCollectorOptionsSchema, input, { owner: "JsonlCollector" });
}

/** The delivery part of resolved options, for the outbox. */
export function deliveryPart(options: Required<DeliveryOptions>): Required<DeliveryOptions> {
  const { flushDelaySeconds, maxQueueItems, maxBatchItems, maxRetries, maxConcurrentRequests } = options;
  return { flushDelaySeconds, maxQueueItems, maxBatchItems, maxRetries, maxConcurrentRequests };
}
