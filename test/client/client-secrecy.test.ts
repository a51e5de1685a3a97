import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import type { SyvainClient, SyvainClientOptions } from "../../src/client/client-types.ts";
import { resolveClientConfig } from "../../src/client/resolve-config.ts";
import { Secret } from "../../src/client/redact.ts";
import { apiError, json, startScriptedServer } from "./scripted-server.ts";
import type { ScriptedServer } from "./scripted-server.ts";

const KEY = "ak_org_SECRET_0123456789abcdef";

/** Every way an object commonly ends up in a log. */
function renderings(value: unknown): string[] {
  const out = [inspect(value, { depth: 20, showHidden: true, getters: true }), inspect(value, { depth: 20 }), String(value)];
  try {
    out.push(JSON.stringify(value) ?? "");
  } catch {
    // circular: inspect covers it
  }
  if (value instanceof Error) {
    out.push(value.message, value.stack ?? "");
    for (let c: unknown = value.cause; c instanceof Error; c = c.cause) out.push(c.message, c.stack ?? "", inspect(c, { depth: 20 }));
  }
  return out;
}

function expectNoKey(value: unknown): void {
  for (const text of renderings(value)) expect(text).not.toContain(KEY);
}

let server: ScriptedServer;
let client: SyvainClient;
beforeAll(async () => {
  server = await startScriptedServer((req, res) => {
    const route = req.url.split("/").pop() ?? "";
    // A misbehaving server or proxy that echoes the Authorization header back in its error.
    if (route === "echo") apiError(res, 401, "unauthorized", `bad credentials: ${req.headers.authorization ?? ""}`, {
      details: [{ index: null, field: "auth", message: `got ${req.headers.authorization ?? ""}` }],
    });
    else if (route === "redirect") {
      res.writeHead(302, { location: "https://elsewhere.example.com/" });
      res.end();
    } else if (route === "garbage") json(res, 200, { nope: true });
    else if (route === "slow") return;
    else apiError(res, 500, "boom", "internal");
  });
  client = createSyvainClient({ apiKey: KEY, host: server.url, timeout: 0.2, controlRetries: 0 });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe("the API key never shows", () => {
  it.each([["echo"], ["redirect"], ["garbage"], ["slow"], ["fail"]])("in the error of a %s call, its message, stack or cause chain", async (route) => {
    const error = await client.getExperiment(route).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expectNoKey(error);
  });

  it("the server really received the key (so the checks above are not vacuous)", () => {
    expect(server.requests.some((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
  });

  it("in a network error", async () => {
    const dead = createSyvainClient({ apiKey: KEY, host: "http://127.0.0.1:1", controlRetries: 0 });
    const error = await dead.getExperiment("x").catch((e: unknown) => e);
    await dead.close();
    expect(error).toMatchObject({ code: "network" });
    expectNoKey(error);
  });

  it("in the client, printed or inspected", () => {
    expectNoKey(client);
    expect(inspect(client)).toContain(server.url);
  });

  it("in the resolved configuration or its holder", () => {
    const config = resolveClientConfig({ apiKey: KEY, host: "https://metrics.example.com" });
    expectNoKey(config);
    expectNoKey(config.apiKey);
    expectNoKey({ ...config });
    expect(config.apiKey.reveal()).toBe(KEY);
  });

  it("in a config error about a bad key or a bad option next to it", () => {
    const attempts: unknown[] = [
      { apiKey: `${KEY}\n` },
      { apiKey: KEY, timeout: -1 },
      { apiKey: KEY, host: "http://x.example.com" },
      { apiKey: KEY, hots: "https://typo.example.com" },
      KEY,
      [KEY],
    ];
    for (const options of attempts) {
      const error = (() => {
        try {
          createSyvainClient(options as SyvainClientOptions);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(Error);
      expectNoKey(error);
    }
  });

  it("Secret.scrub replaces every occurrence", () => {
    const secret = new Secret(KEY);
    expect(secret.scrub(`a ${KEY} b ${KEY}`)).toBe("a <redacted> b <redacted>");
    expect(`${String(secret)} ${JSON.stringify({ secret })}`).not.toContain(KEY);
  });
});
