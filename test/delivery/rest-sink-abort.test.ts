// The REST sink's two ways of cutting a request short, against a real server that never answers
// (loopback, real timers): the flush deadline (retryable, the items stay pending) and the close.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SyvainApiError } from "../../src/api/errors.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import type { SyvainClient } from "../../src/client/client-types.ts";
import { abortEither } from "../../src/delivery/abort-either.ts";
import type { Batch } from "../../src/delivery/delivery-types.ts";
import { createRestSink } from "../../src/delivery/rest-sink.ts";
import { json, startScriptedServer, type ScriptedServer } from "../client/scripted-server.ts";

const batch = (key: string): Batch => ({
  kind: "metric",
  idempotencyKey: key,
  items: [{ client_event_id: key, name: "loss", value: 1, step: 1, timestamp: 1_764_000_000_000, metadata: {} }],
});

let server: ScriptedServer | undefined;
let client: SyvainClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  server = client = undefined;
});

/** A server that answers every request after `answerAfterMs` (never, when undefined). */
async function setUp(answerAfterMs?: number): Promise<SyvainClient> {
  server = await startScriptedServer((_request, response) => {
    if (answerAfterMs !== undefined) setTimeout(() => json(response, 200, { accepted: 1, duplicates: 0 }), answerAfterMs);
  });
  client = createSyvainClient({ host: server.url, apiKey: "ak_test_key" });
  return client;
}

/** Waits until the server has received `count` whole requests (they are in flight, unanswered). */
async function serverHas(count: number): Promise<void> {
  await vi.waitFor(() => expect(server?.requests).toHaveLength(count), { timeout: 5000, interval: 10 });
}

async function rejection(promise: Promise<unknown>): Promise<SyvainApiError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SyvainApiError);
  return error as SyvainApiError;
}

describe("createRestSink: cut short", () => {
  it("the flush deadline abandons the request with a retryable timeout", async () => {
    const sink = createRestSink({ client: await setUp(), experimentId: "exp-1" });
    const deadline = new AbortController();
    const delivery = sink.deliver(batch("k-1"), deadline.signal);
    await serverHas(1);
    deadline.abort("the flush deadline passed");
    const error = await rejection(delivery);
    expect(error.code).toBe("timeout");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("abandoned at the flush deadline");
  });

  it("closing the sink abandons its requests in flight, not retryably, with the close's reason", async () => {
    const sink = createRestSink({ client: await setUp(), experimentId: "exp-1" });
    const deadline = new AbortController();
    const withDeadline = sink.deliver(batch("k-1"), deadline.signal);
    const withoutDeadline = sink.deliver(batch("k-2"));
    await serverHas(2);
    await sink.close();
    for (const error of [await rejection(withDeadline), await rejection(withoutDeadline)]) {
      expect(error.code).toBe("shutdown");
      expect(error.retryable).toBe(false);
      expect(error.message).toContain("the outbox closed at its deadline");
    }
  });

  it("a deadline already passed when the request starts: abandoned, retryable", async () => {
    const sink = createRestSink({ client: await setUp(), experimentId: "exp-1" });
    const error = await rejection(sink.deliver(batch("k-1"), AbortSignal.abort("the flush deadline passed")));
    expect(error.code).toBe("timeout");
    expect(error.retryable).toBe(true);
  });

  it("settled requests leave no listener on their deadline signal, and many of them raise no listener warning", async () => {
    const sink = createRestSink({ client: await setUp(0), experimentId: "exp-1" });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const deadline = new AbortController();
      // More than the default of 10 listeners per event: a listener left behind per request would warn.
      for (let i = 0; i < 30; i++) await sink.deliver(batch(`k-${i}`), deadline.signal);
      expect(getEventListeners(deadline.signal, "abort")).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("abortEither", () => {
  it("aborts with the reason of whichever source aborts, once", () => {
    const first = new AbortController();
    const second = new AbortController();
    const either = abortEither(first.signal, second.signal);
    expect(either.signal.aborted).toBe(false);
    second.abort("second's reason");
    first.abort("first's reason");
    expect(either.signal.aborted).toBe(true);
    expect(either.signal.reason).toBe("second's reason");
  });

  it("starts aborted when a source already is, and release() removes both listeners", () => {
    expect(abortEither(AbortSignal.abort("gone"), new AbortController().signal).signal.reason).toBe("gone");
    const first = new AbortController();
    const second = new AbortController();
    const either = abortEither(first.signal, second.signal);
    expect(getEventListeners(first.signal, "abort")).toHaveLength(1);
    either.release();
    expect(getEventListeners(first.signal, "abort")).toHaveLength(0);
    expect(getEventListeners(second.signal, "abort")).toHaveLength(0);
    first.abort("late");
    expect(either.signal.aborted).toBe(false);
  });
});
