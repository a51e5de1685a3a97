import { afterEach, describe, expect, it } from "vitest";
import { SyvainApiError } from "../../src/api/errors.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import type { SyvainClient, SyvainClientOptions } from "../../src/client/client-types.ts";
import { apiError, experiment, instantRetries, json, resetConnection, startScriptedServer } from "./scripted-server.ts";
import type { Responder, ScriptedServer } from "./scripted-server.ts";

const KEY = "ak_org_retries_test_key";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface Setup {
  server: ScriptedServer;
  client: SyvainClient;
  /** Every wait the client asked for, in ms (no real time passes). */
  waits: number[];
}

/** `answers[i]` answers request i; the last one repeats. */
async function setup(answers: Responder[], options: SyvainClientOptions = {}): Promise<Setup> {
  const server = await startScriptedServer((req, res, i) => {
    const answer = answers[Math.min(i, answers.length - 1)];
    answer?.(req, res, i);
  });
  const waits: number[] = [];
  const client = createSyvainClient({
    apiKey: KEY,
    host: server.url,
    ...instantRetries(waits),
    ...options,
  });
  cleanups.push(() => client.close(), () => server.close());
  return { server, client, waits };
}

const ok: Responder = (_req, res) => json(res, 201, { experiment: experiment("e1", "slug") });
const status =
  (code: number, headers: Record<string, string> = {}): Responder =>
  (_req, res) =>
    apiError(res, code, code === 429 ? "rate_limited" : "unavailable", "try later", {}, headers);

describe("control call retries", () => {
  it.each([
    ["429", status(429)],
    ["500", status(500)],
    ["502", status(502)],
    ["503", status(503)],
    ["504", status(504)],
    ["408", status(408)],
    ["a connection reset", resetConnection],
  ])("retries after %s and succeeds", async (_label, failing) => {
    const { server, client, waits } = await setup([failing, ok]);
    const created = await client.createExperiment({ slug: "slug" });
    expect(created.id).toBe("e1");
    expect(server.requests).toHaveLength(2);
    expect(waits).toHaveLength(1);
  });

  it("honours Retry-After (seconds) as the minimum wait", async () => {
    const { client, waits } = await setup([status(503, { "retry-after": "7" }), status(429, { "retry-after": "2" }), ok]);
    await client.createExperiment({ slug: "slug" });
    expect(waits).toEqual([7000, 2000]);
  });

  it("honours Retry-After as an HTTP-date", async () => {
    const { client, waits } = await setup([status(429, { "retry-after": new Date(Date.now() + 30_000).toUTCString() }), ok]);
    await client.createExperiment({ slug: "slug" });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(20_000);
    expect(waits[0]).toBeLessThanOrEqual(30_000);
  });

  it("waits with full-jitter backoff when there is no Retry-After", async () => {
    const { client, waits } = await setup([status(500), status(500), status(500), ok], { random: () => 0.999 });
    await client.createExperiment({ slug: "slug" });
    expect(waits).toHaveLength(3);
    // random ≈ 1 puts each wait near its cap, and the caps double.
    expect(waits[1]).toBeGreaterThan(waits[0] ?? Infinity);
    expect(waits[2]).toBeGreaterThan(waits[1] ?? Infinity);
  });

  it("reuses one generated Idempotency-Key for every retry of a request", async () => {
    const { server, client } = await setup([status(503), resetConnection, status(429), ok]);
    await client.createExperiment({ slug: "slug" });
    await client.createExperiment({ slug: "other" });
    const keys = server.requests.map((r) => r.headers["idempotency-key"]);
    expect(keys).toHaveLength(5);
    expect(new Set(keys.slice(0, 4)).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[4]).not.toBe(keys[0]);
  });

  it("reuses the caller's Idempotency-Key for every retry", async () => {
    const { server, client } = await setup([status(502), status(502), ok]);
    await client.updateExperimentStatus("e1", "running", { idempotencyKey: "status-e1-running" });
    expect(server.requests.map((r) => r.headers["idempotency-key"])).toEqual(["status-e1-running", "status-e1-running", "status-e1-running"]);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(Array(3).fill("PATCH /api/v1/experiments/e1"));
    expect(JSON.parse(server.requests[2]?.body ?? "")).toEqual({ status: "running" });
  });

  it("sends no Idempotency-Key on GET", async () => {
    const { server, client } = await setup([(_req, res) => json(res, 200, { experiment: experiment("e1", "s") })]);
    await client.getExperiment("s");
    expect(server.requests[0]?.headers["idempotency-key"]).toBeUndefined();
  });

  it("gives up after controlRetries and rethrows the last error", async () => {
    const { server, client, waits } = await setup([status(503)], { controlRetries: 2 });
    const error = await client.createExperiment({ slug: "slug" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyvainApiError);
    expect(error).toMatchObject({ code: "server", status: 503, retryable: true });
    expect(server.requests).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it("a per-call `retries` overrides controlRetries", async () => {
    const { server, client } = await setup([status(503)], { controlRetries: 5 });
    await expect(client.getExperiment("x", { retries: 0 })).rejects.toMatchObject({ code: "server" });
    expect(server.requests).toHaveLength(1);
  });

  it("does not block on a Retry-After longer than a minute: the retryable error comes back at once", async () => {
    const { server, client, waits } = await setup([status(429, { "retry-after": "3600" }), ok]);
    const error = await client.createExperiment({ slug: "slug" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "rate_limited", retryable: true, retryAfterMs: 3_600_000 });
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("an abort during the wait stops the retries", async () => {
    const controller = new AbortController();
    const { server, client } = await setup([status(503)], {
      sleep: (_ms, signal) => {
        controller.abort();
        return Promise.reject(signal?.reason as Error);
      },
    });
    const error = await client.createExperiment({ slug: "slug" }, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "shutdown" });
    expect((error as Error).cause).toMatchObject({ code: "server", status: 503 });
    expect(server.requests).toHaveLength(1);
  });
});

describe("ingest calls are single attempts", () => {
  it.each([
    ["503", status(503, { "retry-after": "4" }), "server", 4000],
    ["429", status(429, { "retry-after": "1" }), "rate_limited", 1000],
    ["a reset", resetConnection, "network", undefined],
  ])("after %s the retryable error goes back to the caller", async (_label, failing, code, retryAfterMs) => {
    const { server, client, waits } = await setup([failing, (_req, res) => json(res, 200, { accepted: 1, duplicates: 0 })]);
    const error = await client.ingestMetrics("e1", [], { idempotencyKey: "batch-1" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, retryable: true, retryAfterMs, request: "POST /api/v1/experiments/e1/metrics" });
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
    // The caller's own retry, with the same key, gets through.
    const result = await client.ingestMetrics("e1", [], { idempotencyKey: "batch-1" });
    expect(result).toEqual({ accepted: 1, duplicates: 0 });
    expect(server.requests.map((r) => r.headers["idempotency-key"])).toEqual(["batch-1", "batch-1"]);
  });

  it("refuses an ingest call without an idempotency key", async () => {
    const { server, client } = await setup([ok]);
    const untyped = client.ingestAnnotations.bind(client) as (id: string, a: [], o?: object) => Promise<unknown>;
    await expect(untyped("e1", [])).rejects.toMatchObject({ code: "invalid_argument", field: "idempotencyKey" });
    expect(server.requests).toHaveLength(0);
  });

  it.each([[""], ["with space"], ["x".repeat(256)]])("refuses the idempotency key %j", async (key) => {
    const { server, client } = await setup([ok]);
    await expect(client.ingestMetrics("e1", [], { idempotencyKey: key })).rejects.toMatchObject({ code: "invalid_argument", field: "idempotencyKey" });
    expect(server.requests).toHaveLength(0);
  });
});
