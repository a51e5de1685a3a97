import { afterEach, describe, expect, it } from "vitest";
import type { Dispatcher } from "undici";
import { SyvainApiError } from "../../src/api/errors.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import type { SyvainClient } from "../../src/client/client-types.ts";
import { apiError, json, startScriptedServer } from "./scripted-server.ts";
import type { Responder, ScriptedServer } from "./scripted-server.ts";

const KEY = "ak_org_errors_test_key";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(respond: Responder): Promise<{ server: ScriptedServer; client: SyvainClient }> {
  const server = await startScriptedServer(respond);
  const client = createSyvainClient({ apiKey: KEY, host: server.url, sleep: () => Promise.resolve() });
  cleanups.push(() => client.close(), () => server.close());
  return { server, client };
}

async function failure(promise: Promise<unknown>): Promise<SyvainApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SyvainApiError);
  return error as SyvainApiError;
}

describe("client error classification (permanent statuses are not retried)", () => {
  it.each([
    [401, "unauthorized", "auth", /API key rejected \(401 unauthorized\).*SYVAIN_METRICS_API_KEY/],
    [403, "forbidden", "forbidden", /not allowed/],
    [404, "not_found", "not_found", /not found \(404 not_found\)/],
    [400, "invalid_json", "validation", /invalid/],
    [413, "payload_too_large", "payload_too_large", /fewer items/],
    [501, "not_implemented", "server", /not expected to change/],
    [418, "teapot", "validation", /unexpected answer/],
  ])("%i %s → code %s", async (status, serverCode, code, message) => {
    const { server, client } = await setup((_req, res) => apiError(res, status, serverCode, "server says no"));
    const error = await failure(client.getExperiment("exp one"));
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.serverCode).toBe(serverCode);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(message);
    expect(error.message).toContain("server says no");
    expect(error.request).toBe("GET /api/v1/experiments/exp%20one");
    expect(server.requests).toHaveLength(1);
  });

  it("409 carries the existing experiment's id", async () => {
    const { client } = await setup((_req, res) => apiError(res, 409, "experiment_exists", "slug taken", { experiment_id: "exp_42" }));
    const error = await failure(client.createExperiment({ slug: "taken" }));
    expect(error.code).toBe("conflict");
    expect(error.experimentId).toBe("exp_42");
    expect(error.request).toBe("POST /api/v1/experiments");
  });

  it("422 carries the validation details", async () => {
    const details = [{ index: 3, field: "value", message: "must be finite" }];
    const { client } = await setup((_req, res) => apiError(res, 422, "validation_failed", "bad events", { details }));
    const error = await failure(client.ingestMetrics("e1", [], { idempotencyKey: "k1" }));
    expect(error.code).toBe("validation");
    expect(error.serverCode).toBe("validation_failed");
    expect(error.details).toEqual(details);
  });

  it("422 idempotency_key_reused says to use a new key", async () => {
    const { client } = await setup((_req, res) => apiError(res, 422, "idempotency_key_reused", "different body"));
    const error = await failure(client.ingestMetrics("e1", [], { idempotencyKey: "k1" }));
    expect(error.code).toBe("validation");
    expect(error.serverCode).toBe("idempotency_key_reused");
    expect(error.message).toMatch(/new key/);
  });

  it("an error body that is not the contract's shape still gives a classified error", async () => {
    const { client } = await setup((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html>bad gateway</html>");
    });
    const error = await failure(client.getExperiment("x", { retries: 0 }));
    expect(error.code).toBe("server");
    expect(error.status).toBe(502);
    expect(error.serverCode).toBeUndefined();
    expect(error.retryable).toBe(true);
  });

  it.each([
    ["a body that is not JSON", (res: Parameters<Responder>[1]) => res.end("hello")],
    ["a JSON body of the wrong shape", (res: Parameters<Responder>[1]) => json(res, 200, { experiment: { id: 1 } })],
    ["an empty body", (res: Parameters<Responder>[1]) => res.end()],
  ])("a 200 with %s → invalid_response", async (_label, answer) => {
    const { client } = await setup((_req, res) => answer(res));
    const error = await failure(client.getExperiment("x"));
    expect(error.code).toBe("invalid_response");
    expect(error.status).toBe(200);
    expect(error.retryable).toBe(false);
  });

  it("a redirect is not followed, so the key never reaches the other origin", async () => {
    const elsewhere = await startScriptedServer((_req, res) => json(res, 200, {}));
    cleanups.push(() => elsewhere.close());
    const { server, client } = await setup((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/api/v1/experiments` });
      res.end();
    });
    const error = await failure(client.createExperiment({ slug: "s" }));
    expect(error.code).toBe("redirect");
    expect(error.status).toBe(307);
    expect(error.message).toMatch(/not followed/);
    expect(server.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("a refused connection → network, retryable", async () => {
    const server = await startScriptedServer((_req, res) => json(res, 200, {}));
    const url = server.url;
    await server.close();
    const client = createSyvainClient({ apiKey: KEY, host: url, controlRetries: 0 });
    cleanups.push(() => client.close());
    const error = await failure(client.getExperiment("x"));
    expect(error.code).toBe("network");
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED/);
    // The low-level error stays reachable for diagnosis: the socket error itself, not a wrapper.
    expect(error.cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("an error the transport should never raise (a bug, not the network) → internal, not retried", async () => {
    const bug = new TypeError("dispatcher bug");
    let dispatches = 0;
    const dispatcher = {
      dispatch: () => {
        dispatches++;
        throw bug;
      },
    } as unknown as Dispatcher;
    const client = createSyvainClient({ apiKey: KEY, host: "http://127.0.0.1:9", dispatcher, sleep: () => Promise.resolve() });
    const error = await failure(client.getExperiment("x"));
    expect(error).toMatchObject({ code: "internal", retryable: false, request: "GET /api/v1/experiments/x", cause: bug });
    expect(error.message).toMatch(/unexpected internal error.*dispatcher bug/);
    expect(dispatches).toBe(1);
  });

  it("calls after close() reject with shutdown", async () => {
    const { server, client } = await setup((_req, res) => json(res, 200, {}));
    await client.close();
    await client.close();
    await expect(client.getExperiment("x")).rejects.toMatchObject({ code: "shutdown" });
    expect(server.requests).toHaveLength(0);
  });
});
