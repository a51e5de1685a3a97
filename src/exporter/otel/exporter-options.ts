/**
 * Options of `SyvainMetricExporter`, `SyvainLogRecordExporter` and `createSyvainExporters`,
 * validated once at construction with `parseOptions` (a bad option is a `SyvainValidationError`
 * naming it; the API key is never echoed).
 *
 * Where data goes, exactly one of:
 * - `apiKey` / `host` (or neither: `SYVAIN_METRICS_API_KEY` / `SYVAIN_METRICS_HOST`): the exporter
 *   creates its own Syvain client and closes it on shutdown;
 * - `client`: an existing `SyvainClient`, shared and left open on shutdown;
 * - `jsonlPath`: one JSONL file for every experiment (offline runs, the bridge's `--jsonl` mode);
 * - `sink`: a factory giving each experiment its own `DeliverySink` (tests, custom targets).
 */
import { z } from "zod";
import { exporterDefaults as d } from "../../config/defaults.ts";
import { isFunction, positiveSeconds, spoolDirSchema, spoolMaxBytesSchema } from "../../config/option-schemas.ts";
import { parseOptions } from "../../config/parse-options.ts";
import type { SyvainClient } from "../../client/client-types.ts";
import { deliveryOptionsSchema } from "../../delivery/delivery-options.ts";
import type { DeliveryOptions } from "../../delivery/delivery-types.ts";
import type { SlugResolver } from "../../mapping/experiment.ts";
import type { SinkFactory } from "../../destinations/destination.ts";

export type { SinkFactory, SinkTarget } from "../../destinations/destination.ts";


export interface SyvainExporterOptions extends DeliveryOptions {
  /** Maximum events in one ingest request: an export arrives all at once. @default 1000 (the API's maximum) */
  maxBatchItems?: number;
  /** Requests in flight at once per experiment. @default 8 */
  maxConcurrentRequests?: number;
  /** Syvain API key; else `SYVAIN_METRICS_API_KEY`. */
  apiKey?: string;
  /** Syvain host; else `SYVAIN_METRICS_HOST`, else `https://metrics.syvain.com`. */
  host?: string;
  /** An existing client (not closed by the exporter). */
  client?: SyvainClient;
  /** Append every experiment's events to this JSONL file instead of calling the API. */
  jsonlPath?: string;
  /** Per-experiment sink factory, instead of the API. */
  sink?: SinkFactory;
  /**
   * Experiment slug for every resource (wins over the resource's `syvain.experiment.slug`), or a
   * resolver called with each resource's attributes (`undefined` → the resource's
   * `syvain.experiment.slug`, else `service.name`).
   */
  slug?: string | SlugResolver;
  /** Folder for experiments whose resource names none. At most one of the two. */
  defaultFolderId?: string;
  defaultFolderPath?: string;
  /** Attribute holding the training step. @default "step" */
  stepAttribute?: string;
  /** Seconds `forceFlush()` waits for the outboxes to drain. @default 30 */
  flushTimeoutSeconds?: number;
  /** Seconds `shutdown()` waits for the outboxes to drain before closing them. @default 10 */
  shutdownTimeoutSeconds?: number;
  /**
   * Seconds an experiment may stay idle (nothing queued, in flight or being created) before its
   * outbox is closed and released: a bridge sees a new experiment per training run, and kept them
   * all for ever. Its next export gets it again; `null`: never released. @default 300
   */
  experimentIdleSeconds?: number | null;
  /**
   * Called when data is given up (failed export, invalid points, overflow, refused batch, drain
   * cut short), at most once per experiment per minute until data gets through again; a flush that
   * leaves data it covered waiting says so apart (its own minute), and the last `shutdown()` always
   * says what it could not deliver. Default: a process warning of type `SyvainDeliveryWarning`;
   * giving `onWarning` replaces it.
   */
  onWarning?: (message: string) => void;
  /**
   * Crash-safe disk spool (docs/spool.md): every queued event is written here first; what a killed
   * process left is delivered by the next exporter (or `syvain-otel sync`) on the same directory.
   * Only with the Syvain API as destination. `false` turns it off.
   * @default off, unless SYVAIN_SPOOL_DIR names a directory
   */
  spoolDir?: string | false;
  /** Disk bound of the spool in bytes; past it events stay in memory only. @default 1 GiB */
  spoolMaxBytes?: number;
}

const isClient = (value: unknown): boolean =>
  typeof value === "object" && value !== null && typeof (value as { createExperiment?: unknown }).createExperiment === "function";

const nonEmpty = z.string().trim().min(1, "must be a non-empty string");

const exporterOptionsSchema = z
  .strictObject({
    ...deliveryOptionsSchema.shape,
    // The exporters' own defaults for these two (an export is a burst); the bounds are the delivery's.
    maxBatchItems: deliveryOptionsSchema.shape.maxBatchItems.unwrap().default(d.maxBatchItems.default),
    maxConcurrentRequests: deliveryOptionsSchema.shape.maxConcurrentRequests.unwrap().default(d.maxConcurrentRequests.default),
    apiKey: nonEmpty.optional(),
    host: nonEmpty.optional(),
    client: z.custom<SyvainClient>(isClient, "must be a SyvainClient (from createSyvainClient)").optional(),
    jsonlPath: nonEmpty.optional(),
    sink: z.custom<SinkFactory>(isFunction, "must be a function (experiment) => DeliverySink").optional(),
    slug: z.union([nonEmpty, z.custom<SlugResolver>(isFunction)], "must be a slug string or a function (attributes) => slug").optional(),
    defaultFolderId: nonEmpty.optional(),
    defaultFolderPath: z.string().startsWith("/", "must be an absolute folder path starting with /").optional(),
    stepAttribute: nonEmpty.default(d.stepAttribute.default),
    flushTimeoutSeconds: positiveSeconds.default(d.flushTimeoutSeconds.default),
    shutdownTimeoutSeconds: positiveSeconds.default(d.shutdownTimeoutSeconds.default),
    experimentIdleSeconds: positiveSeconds.nullable().default(d.experimentIdleSeconds.default),
    onWarning: z.custom<(message: string) => void>(isFunction, "must be a function (message) => void").optional(),
    spoolDir: spoolDirSchema.optional(),
    spoolMaxBytes: spoolMaxBytesSchema.default(d.spoolMaxBytes.default),
  })
  .superRefine((options, context) => {
    // Destinations are exclusive; `apiKey` and `host` together are one destination.
    const groups = [["client"], ["apiKey", "host"], ["jsonlPath"], ["sink"]] as const;
    const given = groups.map((fields) => fields.filter((field) => options[field] !== undefined)).filter((fields) => fields.length > 0);
    const second = given[1];
    if (second !== undefined) {
      context.addIssue({
        code: "custom",
        path: [second[0] ?? "options"],
        message: `give one destination, not ${given.map((fields) => fields.join("/")).join(" and ")}`,
      });
    }
    // The spool's records name experiments by their Syvain ids: there is nothing to replay into a file or a custom sink.
    const local = options.jsonlPath === undefined ? (options.sink === undefined ? undefined : "sink") : "jsonlPath";
    if (typeof options.spoolDir === "string" && local !== undefined) {
      context.addIssue({ code: "custom", path: ["spoolDir"], message: `the spool is for delivery to Syvain (apiKey/host or client), not with ${local}` });
    }
    if (options.defaultFolderId !== undefined && options.defaultFolderPath !== undefined) {
      context.addIssue({ code: "custom", path: ["defaultFolderPath"], message: "give defaultFolderId or defaultFolderPath, not both" });
    }
  });

export type ResolvedExporterOptions = z.infer<typeof exporterOptionsSchema>;

/** `within`: the option these sit under when another API passes them on (the bridge's `syvain`). */
export function parseExporterOptions(input: unknown, owner: string, within?: string): ResolvedExporterOptions {
  return parseOptions(exporterOptionsSchema, input, { owner, secretFields: ["apiKey"], ...(within === undefined ? {} : { within }) });
}
