import type { Dispatcher } from "undici";
import type {
  AnnotationEvent,
  AnnotationList,
  CreateExperimentBody,
  Experiment,
  ExperimentList,
  ExperimentStatus,
  Folder,
  IngestResult,
  ListAnnotationsQuery,
  ListExperimentsQuery,
  MetricEvent,
  SeriesBatch,
  SeriesQuery,
} from "../api/contract.ts";

export interface SyvainClientOptions {
  /** API key; else `SYVAIN_METRICS_API_KEY`. */
  apiKey?: string;
  /** Base URL; else `SYVAIN_METRICS_HOST`, else `https://metrics.syvain.com`. `http://` only for loopback. */
  host?: string;
  /** Seconds for control calls (experiments, folders, status, queries). @default 10 */
  timeout?: number;
  /** Seconds for ingest (metric / annotation batch) calls. @default 60 */
  ingestTimeout?: number;
  /**
   * Retries of a control call after its first attempt, on retryable failures (backoff with full
   * jitter, `Retry-After` as a floor). Ingest calls are never retried by the client: the delivery
   * core owns their retries so queued items stay accounted. @default 3
   */
  controlRetries?: number;
  /** HTTP dispatcher (an undici `Agent`, a `MockAgent` in tests). Closed by `close()` only if the client created it. */
  dispatcher?: Dispatcher;
  /** Extra headers on every request (e.g. a user agent suffix). Never used for the key. */
  headers?: Record<string, string>;
  /** Injected for tests: random in [0, 1) for jitter, and a sleep. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface CallOptions {
  /** Reused by every retry of this request. Generated when absent (POST / PATCH only). */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Overrides `controlRetries` for this call. */
  retries?: number;
}

/** Every endpoint of the contract (`src/api/contract.ts`). Rejects with `SyvainApiError`. */
export interface SyvainClient {
  /** Normalised origin + base, e.g. `https://metrics.syvain.com`. Safe to log. */
  readonly host: string;
  createExperiment(body: CreateExperimentBody, options?: CallOptions): Promise<Experiment>;
  getExperiment(idOrSlug: string, options?: CallOptions): Promise<Experiment>;
  listExperiments(query?: ListExperimentsQuery, options?: CallOptions): Promise<ExperimentList>;
  updateExperimentStatus(id: string, status: ExperimentStatus, options?: CallOptions): Promise<Experiment>;
  findFolders(path: string, options?: CallOptions): Promise<Folder[]>;
  /** One attempt (no client-side retry); the caller keeps `idempotencyKey` for its own retries. */
  ingestMetrics(experimentId: string, metrics: MetricEvent[], options: CallOptions & { idempotencyKey: string }): Promise<IngestResult>;
  ingestAnnotations(
    experimentId: string,
    annotations: AnnotationEvent[],
    options: CallOptions & { idempotencyKey: string },
  ): Promise<IngestResult>;
  querySeries(query: SeriesQuery, options?: CallOptions): Promise<SeriesBatch[]>;
  listAnnotations(experimentId: string, query?: ListAnnotationsQuery, options?: CallOptions): Promise<AnnotationList>;
  /** Closes the dispatcher the client created; idempotent. */
  close(): Promise<void>;
}
