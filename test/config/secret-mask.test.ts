import { describe, expect, it } from "vitest";
import { isSecretName, looksSecret, maskValue } from "../../src/config/secret-mask.ts";
import { suggestOption } from "../../src/config/suggest-option.ts";

describe("looksSecret", () => {
  it.each(["ak_org_abc", "  ak_live_x", "Bearer ak_org_x", "sk9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"])(
    "treats %j as a secret",
    (text) => expect(looksSecret(text)).toBe(true),
  );

  it.each(["https://metrics.example.com", "/proj/runs/2024-01-01-long-name", "loss", "train-run-resnet", "12345678901234567890123456", "step"])(
    "shows %j",
    (text) => expect(looksSecret(text)).toBe(false),
  );
});

describe("isSecretName", () => {
  it.each(["apiKey", "api_key", "authToken", "client_secret", "password", "Authorization"])("%s is secret", (name) => expect(isSecretName(name)).toBe(true));
  it.each(["host", "timeout", "stepAttribute", "slug"])("%s is not", (name) => expect(isSecretName(name)).toBe(false));
});

describe("maskValue", () => {
  it("redacts secret-named members and secret-looking strings at any depth, keeping the rest", () => {
    const masked = maskValue({ host: "h", nested: { token: 5, list: ["ak_org_x", "ok"] }, apiKey: undefined });
    expect(masked).toEqual({ host: "h", nested: { token: "<redacted>", list: ["<redacted>", "ok"] }, apiKey: undefined });
  });

  it("stops at a fixed depth instead of walking (or looping on) deep values", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(JSON.stringify(maskValue(cycle))).toBe('{"self":{"self":{"self":{"self":"<redacted>"}}}}');
  });
});

describe("suggestOption", () => {
  const known = ["apiKey", "host", "timeout", "ingestTimeout", "authToken"];
  it.each([
    ["api_key", "apiKey"],
    ["apikey", "apiKey"],
    ["API-KEY", "apiKey"],
    ["key", "apiKey"],
    ["hots", "host"],
    ["timeuot", "timeout"],
    ["auth_token", "authToken"],
    ["token", "authToken"],
  ])("%s -> %s", (given, expected) => expect(suggestOption(given, known)).toBe(expected));

  it("suggests nothing when nothing is close", () => {
    expect(suggestOption("zzzzzz", known)).toBeUndefined();
    expect(suggestOption("x", known)).toBeUndefined();
  });
});
