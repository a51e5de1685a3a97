/**
 * The Syvain Metrics REST contract in one place: paths, limits, payload
 * shapes and the zod schemas that validate what the server answers. The client, the emulator, the
 * sinks and the docs all read it from here, so a change to the real service is a change to this file.
 */
import { z } from "zod";

export const API_BASE_PATH = "/api/v1";
export const DEFAULT_HOST = "https://metrics.syvain.com";
export const API_KEY_ENV = "SYVAIN_METRICS_API_KEY";
export const HOST_ENV = "SYVAIN_METRICS_HOST";
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";

const segment = (value: string): string => encodeURIComponent(value);

export const apiPaths = {
  experiments: (): string => `${API_BASE_PATH}/experiments`,
  experiment: (idOrSlug: string): string => `${API_BASE_PATH}/experiments/${segment(idOrSlug)}`,
  experimentMetrics: (id: string): string => `${API_BASE_PATH}/experiments/${segment(id)}/metrics`,
  experimentAnnotations: (id: string): string => `${API_BASE_PATH}/experiments/${segment(id)}/annotations`,
  folders: (): string => `${API_BASE_PATH}/folders`,
  metricSeries: (): string => `${API_BASE_PATH}/metrics/series`,
} as const;

export const apiLimits = {
  /** Items in one ingest request (metrics or annotations). */
  maxIngestItems: 1000,
  /** Bytes in one request body. */
  maxBodyBytes: 5 * 1024 * 1024,
  maxAnnotationTextChars: 16_000,
  /** Compact `JSON.stringify` of an annotation's metadata, in UTF-8 bytes. */
  maxAnnotationMetadataBytes: 65_536,
  maxClientEventIdChars: 255,
  maxIdempotencyKeyChars: 255,
  /** How long the server remembers an idempotency key. */
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
} as const;

/** Statuses the contract says may be retried (plus network errors and timeouts). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export const experimentStatuses = ["created", "running", "done", "failed"] as const;
export type ExperimentStatus = (typeof experimentStatuses)[number];

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Metric metadata: low-cardinality series labels, scalar values only. */
export type MetricMetadata = Record<string, string | number | boolean>;

export interface MetricEvent {
  client_event_id: string;
  name: string;
  value: number;
  step: number | null;
  /** Milliseconds since the Unix epoch, UTC. */
  timestamp: number;
  metadata: MetricMetadata;
}

export interface AnnotationEvent {
  client_event_id: string;
  text: string;
  timestamp: number;
  metadata: JsonObject;
}

export interface CreateExperimentBody {
  slug: string;
  description?: string;
  folder_id?: string;
  metadata?: JsonObject;
}

export interface ListExperimentsQuery {
  slug?: string;
  folder_id?: string;
  limit?: number;
  cursor?: string;
}

export interface SeriesQuery {
  experiment_id: string;
  metric_name?: string;
  metadata_filter?: { key: string; value: string | number | boolean }[];
  order?: { axis: "step" | "timestamp"; direction: "asc" | "desc" };
}

export interface ListAnnotationsQuery {
  limit?: number;
  cursor?: string;
}

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);
export const jsonObjectSchema: z.ZodType<JsonObject> = z.record(z.string(), jsonValue);

export const experimentSchema = z.object({
  id: z.string(),
  slug: z.string(),
  description: z.string().nullable(),
  folder_id: z.string().nullable(),
  metadata: jsonObjectSchema,
  status: z.enum(experimentStatuses),
  created_at: z.number(),
});
export type Experiment = z.infer<typeof experimentSchema>;

export const experimentResponseSchema = z.object({ experiment: experimentSchema });
export const experimentListSchema = z.object({
  experiments: z.array(experimentSchema),
  next_cursor: z.string().nullable(),
});
export type ExperimentList = z.infer<typeof experimentListSchema>;

export const folderSchema = z.object({ id: z.string(), path: z.string(), parent_id: z.string().nullable() });
export type Folder = z.infer<typeof folderSchema>;
export const folderListSchema = z.object({ folders: z.array(folderSchema) });

export const ingestResultSchema = z.object({ accepted: z.number().int(), duplicates: z.number().int() });
export type IngestResult = z.infer<typeof ingestResultSchema>;

export const seriesBatchSchema = z.object({
  experiment_id: z.string(),
  metric_name: z.string(),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  data: z.object({
    steps: z.array(z.number().nullable()),
    timestamp: z.array(z.number()),
    value: z.array(z.number()),
  }),
});
export type SeriesBatch = z.infer<typeof seriesBatchSchema>;
export const seriesResponseSchema = z.object({ series: z.array(seriesBatchSchema) });

export const storedAnnotationSchema = z.object({
  client_event_id: z.string(),
  text: z.string(),
  timestamp: z.number(),
  metadata: jsonObjectSchema,
});
export type StoredAnnotation = z.infer<typeof storedAnnotationSchema>;
export const annotationListSchema = z.object({
  annotations: z.array(storedAnnotationSchema),
  next_cursor: z.string().nullable(),
});
export type AnnotationList = z.infer<typeof annotationListSchema>;

export const validationDetailSchema = z.object({ index: z.number().nullable(), field: z.string(), message: z.string() });
export type ValidationDetail = z.infer<typeof validationDetailSchema>;

/** `{"error": {...}}`: loose, because the server may add fields (`experiment_id` on 409, `details` on 422). */
export const errorBodySchema = z.object({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    details: z.array(validationDetailSchema).optional(),
    experiment_id: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The `error.code` values the server may answer (its validation codes). */
export const serverErrorCodes = [
  "invalid_json",
  "validation_failed",
  "unauthorized",
  "forbidden",
  "not_found",
  "experiment_exists",
  "payload_too_large",
  "idempotency_key_reused",
  "rate_limited",
  "unavailable",
] as const;
export type ServerErrorCode = (typeof serverErrorCodes)[number];
