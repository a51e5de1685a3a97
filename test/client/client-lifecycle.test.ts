import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { json, startScriptedServer } from "./scripted-server.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("client lifecycle", () => {
  it("an idle client with keep-alive sockets does not keep the process alive", async () => {
    const server = await startScriptedServer((_req, res) => json(res, 200, { folders: [] }));
    cleanups.push(() => server.close());
    const script = fileURLToPath(new URL("./fixtures/idle-client.ts", import.meta.url));
    const child = spawn(process.execPath, ["--conditions=syvain-source", script, server.url], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    // Generous bound, only there so a regression fails instead of hanging the suite.
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("exit", (c, s) => resolve([c, s])));
    clearTimeout(killer);
    expect(output).toBe("folders:0\n");
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it("an oversized error body is cut, classified, and the client keeps working", async () => {
    const server = await startScriptedServer((_req, res, i) => {
      if (i === 0) {
        res.writeHead(500, { "content-type": "text/html" });
        res.end("x".repeat(512 * 1024));
      } else json(res, 200, { folders: [] });
    });
    const client = createSyvainClient({ apiKey: "ak_org_x", host: server.url, controlRetries: 0 });
    cleanups.push(() => client.close(), () => server.close());
    await expect(client.findFolders("/")).rejects.toMatchObject({ code: "server", status: 500, retryable: true });
    await expect(client.findFolders("/")).resolves.toEqual([]);
    expect(server.requests).toHaveLength(2);
  });

  it("answers read whole by their content-length and answers sent in chunks without one parse alike", async () => {
    const server = await startScriptedServer((_req, res, i) => {
      res.writeHead(200, { "content-type": "application/json", ...(i === 0 ? { "content-length": "32" } : {}) });
      if (i === 0) res.end('{"accepted": 3, "duplicates": 1}');
      else {
        res.write('{"accepted": 5, ');
        res.end('"duplicates": 0}');
      }
    });
    const client = createSyvainClient({ apiKey: "ak_org_x", host: server.url });
    cleanups.push(() => client.close(), () => server.close());
    await expect(client.ingestMetrics("e", [], { idempotencyKey: "k1" })).resolves.toEqual({ accepted: 3, duplicates: 1 });
    await expect(client.ingestMetrics("e", [], { idempotencyKey: "k2" })).resolves.toEqual({ accepted: 5, duplicates: 0 });
  });

  it("the default dispatcher keeps several calls in flight at once", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const server = await startScriptedServer((_req, res) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      setTimeout(() => {
        inFlight--;
        json(res, 200, { accepted: 1, duplicates: 0 });
      }, 20);
    });
    const client = createSyvainClient({ apiKey: "ak_org_x", host: server.url });
    cleanups.push(() => client.close(), () => server.close());
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => client.ingestMetrics("e", [], { idempotencyKey: `k${i}` })));
    expect(results).toHaveLength(20);
    expect(new Set(server.requests.map((r) => r.headers["idempotency-key"])).size).toBe(20);
    expect(maxInFlight).toBeGreaterThan(1);
  });
});
