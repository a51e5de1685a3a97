import { afterEach, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { json, startScriptedServer } from "./scripted-server.ts";
import type { Responder } from "./scripted-server.ts";

const KEY = "ak_org_timeouts_test_key";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

// Real (short) timeouts against a server that stalls: the assertions are on the outcome, never on durations.
const neverAnswers: Responder = () => undefined;
const stallsMidBody: Responder = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
  res.write('{"accepted": ');
};

async function setup(respond: Responder) {
  const server = await startScriptedServer(respond);
  const client = createSyvainClient({ apiKey: KEY, host: server.url, timeout: 0.2, ingestTimeout: 0.3, sleep: () => Promise.resolve() });
  cleanups.push(() => client.close(), () => server.close());
  return { server, client };
}

describe("timeouts", () => {
  it.each([
    ["no answer at all", neverAnswers],
    ["a body that stops half way", stallsMidBody],
  ])("a control call with %s → timeout, retryable, retried", async (_label, respond) => {
    const { server, client } = await setup(respond);
    const error = await client.getExperiment("x", { retries: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "timeout", retryable: true, request: "GET /api/v1/experiments/x" });
    expect((error as Error).message).toMatch(/0\.2 s/);
    expect(server.requests).toHaveLength(2);
  });

  it("an ingest call uses ingestTimeout and is not retried", async () => {
    const { server, client } = await setup(stallsMidBody);
    const error = await client.ingestAnnotations("e1", [], { idempotencyKey: "k" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "timeout", retryable: true });
    expect((error as Error).message).toMatch(/0\.3 s/);
    expect(server.requests).toHaveLength(1);
  });

  it("the caller's signal aborts a call in flight → shutdown, not retried", async () => {
    const { server, client } = await setup(neverAnswers);
    const controller = new AbortController();
    const pending = client.createExperiment({ slug: "s" }, { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "shutdown", retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it("a slow but complete answer within the timeout succeeds", async () => {
    const { client } = await setup((_req, res) => {
      setTimeout(() => json(res, 200, { folders: [] }), 20);
    });
    await expect(client.findFolders("/a")).resolves.toEqual([]);
  });
});
