/** Tiny real-HTTP helpers for the emulator tests (plain `fetch`, no client of ours). */
import { randomUUID } from "node:crypto";
import { EMULATOR_API_KEY } from "syvain-metrics-otel/testing";
import type { Emulator } from "syvain-metrics-otel/testing";
import { errorBodySchema, experimentResponseSchema } from "../../src/api/contract.ts";
import type { ErrorBody, Experiment, MetricEvent } from "../../src/api/contract.ts";

export interface CallOptions {
  body?: unknown;
  /** Raw body text (sent as is). */
  raw?: string;
  key?: string | null;
  idempotencyKey?: string | null;
  headers?: Record<string, string>;
}

/** A JSON answer seen loosely, for terse assertions (`r.json.error.code`); parse with a schema for more. */
export interface Loose {
  readonly [key: string]: Loose;
}

export interface CallResult {
  status: number;
  headers: Headers;
  json: Loose;
}

export async function call(emulator: Emulator, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? EMULATOR_API_KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const hasBody = options.body !== undefined || options.raw !== undefined;
  if (hasBody && headers["content-type"] === undefined) headers["content-type"] = "application/json";
  if ((method === "POST" || method === "PATCH") && options.idempotencyKey !== null) {
    headers["idempotency-key"] = options.idempotencyKey ?? randomUUID();
  }
  const response = await fetch(emulator.url + path, {
    method,
    headers,
    ...(hasBody ? { body: options.raw ?? JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: (text ? JSON.parse(text) : {}) as Loose };
}

/** The contract's error body of an answer (throws if the answer is not one). */
export function errorOf(result: CallResult): ErrorBody["error"] {
  return errorBodySchema.parse(result.json).error;
}

export function experimentOf(result: CallResult): Experiment {
  return experimentResponseSchema.parse(result.json).experiment;
}

export async function createExperiment(emulator: Emulator, slug: string, extra: Record<string, unknown> = {}): Promise<string> {
  const result = await call(emulator, "POST", "/api/v1/experiments", { body: { slug, ...extra } });
  if (result.status !== 201) throw new Error(`create ${slug}: ${result.status} ${JSON.stringify(result.json)}`);
  return experimentOf(result).id;
}

export function metric(id: string, overrides: Partial<MetricEvent> = {}): MetricEvent {
  return { client_event_id: id, name: "loss", value: 0.5, step: 1, timestamp: 1_700_000_000_000, metadata: {}, ...overrides };
}
