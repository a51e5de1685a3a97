import { afterEach, describe, expect, it, vi } from "vitest";
import { Agent } from "undici";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { isLoopback } from "../../src/client/resolve-config.ts";
import { json, startScriptedServer } from "./scripted-server.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function configError(make: () => unknown): SyvainValidationError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect((error as SyvainValidationError).code).toBe("config");
    return error as SyvainValidationError;
  }
  throw new Error("expected a config error");
}

describe("API key resolution", () => {
  it("without an argument or SYVAIN_METRICS_API_KEY → a config error that says how to provide one", () => {
    vi.stubEnv("SYVAIN_METRICS_API_KEY", "");
    const error = configError(() => createSyvainClient({ host: "http://127.0.0.1:1" }));
    expect(error.field).toBe("apiKey");
    expect(error.message).toMatch(/apiKey.*SYVAIN_METRICS_API_KEY/);
  });

  it.each([
    ["the environment when no argument is given", undefined, "ak_org_from_env"],
    ["the argument over the environment", "ak_org_from_arg", "ak_org_from_arg"],
  ])("uses %s", async (_label, apiKey, expected) => {
    vi.stubEnv("SYVAIN_METRICS_API_KEY", "ak_org_from_env");
    const server = await startScriptedServer((_req, res) => json(res, 200, { folders: [] }));
    const client = createSyvainClient({ host: server.url, ...(apiKey === undefined ? {} : { apiKey }) });
    cleanups.push(() => client.close(), () => server.close());
    await client.findFolders("/");
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${expected}`);
    expect(server.requests[0]?.url).toBe("/api/v1/folders?path=%2F");
  });

  it.each([["ak_org_with\nnewline"], ["ak org space"]])("rejects a key that is not a clean header value (%j) without showing it", (apiKey) => {
    const error = configError(() => createSyvainClient({ apiKey, host: "http://127.0.0.1:1" }));
    expect(error.message).not.toContain(apiKey);
    expect(error.value).not.toBe(apiKey);
  });
});

describe("host resolution", () => {
  it.each([
    ["argument", { host: "https://a.example.com/" }, undefined, "https://a.example.com"],
    ["environment", {}, "https://env.example.com", "https://env.example.com"],
    ["default", {}, undefined, "https://metrics.syvain.com"],
    ["argument over environment", { host: "https://arg.example.com" }, "https://env.example.com", "https://arg.example.com"],
    ["a path prefix is kept", { host: "https://proxy.example.com/syvain/" }, undefined, "https://proxy.example.com/syvain"],
  ])("%s", (_label, options, env, expected) => {
    vi.stubEnv("SYVAIN_METRICS_HOST", env ?? "");
    const client = createSyvainClient({ apiKey: "ak_org_x", ...options });
    cleanups.push(() => client.close());
    expect(client.host).toBe(expected);
  });

  it.each([
    ["http://localhost:8080"],
    ["http://127.0.0.1:1234"],
    ["http://127.5.6.7"],
    ["http://[::1]:9000"],
    ["https://metrics.example.com"],
  ])("allows %s", (host) => {
    const client = createSyvainClient({ apiKey: "ak_org_x", host });
    cleanups.push(() => client.close());
    expect(client.host).toBe(new URL(host).origin);
  });

  it.each([
    ["http://metrics.example.com", "host", /https:\/\/ is required/],
    ["http://10.0.0.1", "host", /https:\/\/ is required/],
    ["http://localhost.example.com", "host", /https:\/\/ is required/],
    ["ftp://metrics.example.com", "host", /scheme/],
    ["metrics.syvain.com", "host", /not a URL/],
    // Credentials and a query are where a secret hides: named redacted (test/client/host-secret-echo.test.ts).
    ["https://user:pw@metrics.example.com", "host", /credentials/, "https://<redacted>@metrics.example.com"],
    ["https://metrics.example.com/?x=1", "host", /query/, "https://metrics.example.com/?<redacted>"],
  ])("rejects %s naming the value", (host, field, why, shown?: string) => {
    const error = configError(() => createSyvainClient({ apiKey: "ak_org_x", host }));
    expect(error.field).toBe(field);
    expect(error.message).toContain(JSON.stringify(shown ?? host));
    expect(error.message).toMatch(why);
  });

  it("names SYVAIN_METRICS_HOST when the bad value came from there", () => {
    vi.stubEnv("SYVAIN_METRICS_HOST", "http://insecure.example.com");
    const error = configError(() => createSyvainClient({ apiKey: "ak_org_x" }));
    expect(error.field).toBe("SYVAIN_METRICS_HOST");
  });

  it.each([
    ["localhost", true],
    ["127.0.0.1", true],
    ["127.255.0.9", true],
    ["[::1]", true],
    ["128.0.0.1", false],
    ["localhost.evil.com", false],
    ["127.0.0.1.evil.com", false],
    ["[::2]", false],
  ])("isLoopback(%s) → %s", (hostname, expected) => {
    expect(isLoopback(hostname)).toBe(expected);
  });
});

describe("other options", () => {
  it.each([
    ["timeout", { timeout: 0 }],
    ["ingestTimeout", { ingestTimeout: -1 }],
    ["controlRetries", { controlRetries: 1.5 }],
    ["dispatcher", { dispatcher: {} }],
    ["headers.Authorization", { headers: { Authorization: "Bearer other" } }],
    ["headers.Idempotency-Key", { headers: { "Idempotency-Key": "k" } }],
    ["apikey", { apikey: "ak_org_typo" }],
  ])("rejects a bad %s", (field, options) => {
    const error = configError(() => createSyvainClient({ apiKey: "ak_org_x", host: "http://127.0.0.1:1", ...(options as object) }));
    expect(error.field).toBe(field);
  });

  it("sends extra headers and leaves an injected dispatcher open on close()", async () => {
    const server = await startScriptedServer((_req, res) => json(res, 200, { folders: [] }));
    const dispatcher = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
    cleanups.push(() => dispatcher.close(), () => server.close());
    const client = createSyvainClient({ apiKey: "ak_org_x", host: server.url, dispatcher, headers: { "user-agent": "trainer/1.0" } });
    await client.findFolders("/a");
    await client.close();
    expect(server.requests[0]?.headers["user-agent"]).toBe("trainer/1.0");
    expect(dispatcher.closed).toBe(false);
  });
});
