/**
 * `createSyvainClient()`: every endpoint of `src/api/contract.ts` over one undici dispatcher.
 * Control calls are retried (`controlRetries`, backoff with full jitter, `Retry-After` as a floor);
 * ingest calls are single attempts whose `Idempotency-Key` the caller reuses for its own retries.
 */
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import type { Dispatcher } from "undici";
import type { z } from "zod";
import {
  annotationListSchema,
  apiLimits,
  apiPaths,
  experimentListSchema,
  experimentResponseSchema,
  folderListSchema,
  ingestResultSchema,
  seriesResponseSchema,
} from "../api/contract.ts";
import { SyvainApiError, SyvainValidationError } from "../api/errors.ts";
import { keptBodyBytes } from "../api/kept-batch.ts";
import { sleep as realSleep } from "./retry/sleep.ts";
import type { CallOptions, SyvainClient, SyvainClientOptions } from "./client-types.ts";
import { httpCall } from "./http-call.ts";
import type { HttpContext } from "./http-call.ts";
import { isHeaderToken, resolveClientConfig } from "./resolve-config.ts";
import { loadUndici } from "./undici-loader.ts";
import { withRetries } from "./with-retries.ts";

/** Keep-alive sockets to one host; several so the delivery core can keep requests in flight. */
const DEFAULT_AGENT_OPTIONS = { connections: 16, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 } as const;

interface Call<T> {
  method: "GET" | "POST" | "PATCH";
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  bytes?: Buffer;
  schema: z.ZodType<T>;
  ingest?: boolean;
}

export function createSyvainClient(options?: SyvainClientOptions): SyvainClient {
  const config = resolveClientConfig(options);
  const ownsDispatcher = config.dispatcher === undefined;
  // Our own agent is made by the first call, so a client that never sends loads no undici.
  let dispatcher: Promise<Dispatcher> | undefined = config.dispatcher && Promise.resolve(config.dispatcher);
  const getDispatcher = (): Promise<Dispatcher> => {
    dispatcher ??= loadUndici().then(({ Agent }) => new Agent(DEFAULT_AGENT_OPTIONS));
    return dispatcher;
  };
  const context: HttpContext = { dispatcher: getDispatcher, host: config.host, apiKey: config.apiKey, headers: config.headers };
  const random = config.random ?? Math.random;
  const sleep = config.sleep ?? realSleep;
  let closing: Promise<void> | undefined;

  async function call<T>(c: Call<T>, callOptions: CallOptions = {}): Promise<T> {
    const label = `${c.method} ${c.path}`;
    if (closing) throw new SyvainApiError("shutdown", `${label}: the Syvain client is closed`, { request: label });
    const idempotencyKey = c.method === "GET" ? undefined : checkIdempotencyKey(callOptions.idempotencyKey) ?? randomUUID();
    const attempt = (): Promise<T> =>
      httpCall(context, {
        ...c,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        timeoutMs: c.ingest ? config.ingestTimeoutMs : config.timeoutMs,
        ...(callOptions.signal === undefined ? {} : { signal: callOptions.signal }),
      });
    if (c.ingest) return attempt();
    const retries = checkRetries(callOptions.retries) ?? config.controlRetries;
    return withRetries(attempt, { retries, random, sleep, signal: callOptions.signal });
  }

  const client: SyvainClient = {
    host: config.host,
    async createExperiment(body, o) {
      const r = await call({ method: "POST", path: apiPaths.experiments(), body, schema: experimentResponseSchema }, o);
      return r.experiment;
    },
    async getExperiment(idOrSlug, o) {
      const r = await call({ method: "GET", path: apiPaths.experiment(idOrSlug), schema: experimentResponseSchema }, o);
      return r.experiment;
    },
    listExperiments(query = {}, o) {
      return call({ method: "GET", path: apiPaths.experiments(), query: { ...query }, schema: experimentListSchema }, o);
    },
    async updateExperimentStatus(id, status, o) {
      const r = await call({ method: "PATCH", path: apiPaths.experiment(id), body: { status }, schema: experimentResponseSchema }, o);
      return r.experiment;
    },
    async findFolders(path, o) {
      const r = await call({ method: "GET", path: apiPaths.folders(), query: { path }, schema: folderListSchema }, o);
      return r.folders;
    },
    async ingestMetrics(experimentId, metrics, o) {
      requireKey(o);
      const path = apiPaths.experimentMetrics(experimentId);
      return call({ method: "POST", path, body: { metrics }, ...keptBody("metrics", metrics), schema: ingestResultSchema, ingest: true }, o);
    },
    async ingestAnnotations(experimentId, annotations, o) {
      requireKey(o);
      const path = apiPaths.experimentAnnotations(experimentId);
      return call({ method: "POST", path, body: { annotations }, ...keptBody("annotations", annotations), schema: ingestResultSchema, ingest: true }, o);
    },
    async querySeries(query, o) {
      const r = await call({ method: "POST", path: apiPaths.metricSeries(), body: query, schema: seriesResponseSchema }, o);
      return r.series;
    },
    listAnnotations(experimentId, query = {}, o) {
      const path = apiPaths.experimentAnnotations(experimentId);
      return call({ method: "GET", path, query: { ...query }, schema: annotationListSchema }, o);
    },
    close() {
      closing ??= ownsDispatcher && dispatcher ? dispatcher.then((owned) => owned.close()) : Promise.resolve();
      return closing;
    },
  };
  Object.defineProperty(client, inspect.custom, { value: () => `SyvainClient { host: '${config.host}' }` });
  Object.defineProperty(client, "toString", { value: () => `SyvainClient(${config.host})` });
  return client;
}

/**
 * An ingest body's bytes from the JSON the spool kept on its events (`{ bytes }`, byte for byte the
 * UTF-8 of `JSON.stringify({ [key]: events })`), or nothing when one of them kept none: then it is serialised.
 */
function keptBody(key: "metrics" | "annotations", events: readonly object[]): { bytes?: Buffer } {
  const bytes = keptBodyBytes(key, events);
  return bytes === undefined ? {} : { bytes };
}

function checkIdempotencyKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== "string" || key === "" || key.length > apiLimits.maxIdempotencyKeyChars || !isHeaderToken(key)) {
    throw new SyvainValidationError(
      "idempotencyKey",
      key,
      `invalid \`idempotencyKey\` ${JSON.stringify(key)}: expected 1 to ${apiLimits.maxIdempotencyKeyChars} printable ASCII characters without spaces`,
    );
  }
  return key;
}

function checkRetries(retries: number | undefined): number | undefined {
  if (retries === undefined || (Number.isInteger(retries) && retries >= 0)) return retries;
  throw new SyvainValidationError("retries", retries, `invalid \`retries\` ${String(retries)}: expected a non-negative integer`);
}

/** Ingest retries belong to the caller, who must therefore own the key (the type says so too). */
function requireKey(o: CallOptions | undefined): void {
  if (o?.idempotencyKey === undefined) {
    throw new SyvainValidationError("idempotencyKey", undefined, "ingest calls need `idempotencyKey`: the caller reuses it for every retry of the batch");
  }
}
