/**
 * A mistyped or invalid option must never echo a secret: the key text may appear nowhere in the
 * error (message, stack, cause chain, `util.inspect`), through the public constructors users call.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Collector, SyvainValidationError } from "syvain-metrics-otel";
import { createBridge } from "syvain-metrics-otel/bridge";
import { createSyvainExporters } from "syvain-metrics-otel/otel";

// Fake secrets: shaped like real ones so a shape-based mask would catch them, but not real.
const KEY = "ak_org_fakeKEYfor_tests_9f8e7d";
const TOKEN = "bridge-token-fake-0123456789abcdef";

function thrown(make: () => unknown): SyvainValidationError {
  try {
    make();
  } catch (error) {
    if (error instanceof SyvainValidationError) return error;
    throw error;
  }
  throw new Error("expected a SyvainValidationError");
}

/** Every text a user or a log might see from this error, cause chain included. */
function allTextOf(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: 10, showHidden: true })];
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    parts.push(current.message, current.stack ?? "", JSON.stringify(current), inspect(current, { depth: 10 }));
  }
  return parts.join("\n");
}

describe("a mistyped option never echoes the key", () => {
  it.each([
    ["new Collector({ api_key })", () => new Collector({ api_key: KEY } as never), "api_key", "apiKey", KEY],
    ["new Collector({ apikey })", () => new Collector({ apikey: KEY } as never), "apikey", "apiKey", KEY],
    ["new Collector({ key })", () => new Collector({ key: KEY } as never), "key", "apiKey", KEY],
    ["createSyvainExporters({ api_key })", () => createSyvainExporters({ api_key: KEY } as never), "api_key", "apiKey", KEY],
    ["createBridge({ auth_token })", () => createBridge({ auth_token: TOKEN } as never), "auth_token", "authToken", TOKEN],
    // Nested: named under the API the user called (createBridge's `syvain` option), not the exporters'.
    ["createBridge({ syvain: { api_key } })", () => createBridge({ syvain: { api_key: KEY } } as never), "syvain.api_key", "apiKey", KEY],
  ])("%s names the option, suggests the right one, and hides the value", (_label, make, wrong, right, secret) => {
    const error = thrown(make);
    expect(error.code).toBe("config");
    expect(error.field).toBe(wrong);
    expect(error.message).toContain(`unknown option \`${wrong}\``);
    expect(error.message).toContain(`did you mean \`${right}\`?`);
    expect(allTextOf(error)).not.toContain(secret);
    // Not even a recognisable piece of it.
    expect(allTextOf(error)).not.toContain(secret.slice(0, 12));
  });

  it("hides the value of an unknown option even when it does not look secret", () => {
    const error = thrown(() => new Collector({ hots: "metrics.internal.example" } as never));
    expect(error.message).toContain("did you mean `host`?");
    expect(allTextOf(error)).not.toContain("metrics.internal.example");
  });

  it("suggests nothing when no option is close", () => {
    const error = thrown(() => new Collector({ zzzzzz: 1 } as never));
    expect(error.message).toContain("unknown option `zzzzzz`");
    expect(error.message).not.toContain("did you mean");
  });
});

describe("an invalid known option masks secret values", () => {
  it.each([
    ["a key pasted into a non-secret option", () => createSyvainExporters({ defaultFolderPath: KEY }), "defaultFolderPath"],
    ["a key given as a number option", () => new Collector({ timeout: KEY as never }), "timeout"],
    ["a key inside an object shown as the bad value", () => createSyvainExporters({ client: { apiKey: KEY } as never }), "client"],
    ["a secret-named field inside an object", () => createSyvainExporters({ client: { password: "hunter2-fake" } as never }), "client"],
    ["a key given as the whole syvain options of the bridge", () => createBridge({ syvain: KEY as never }), "syvain"],
  ])("masks %s", (_label, make, field) => {
    const error = thrown(make);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`\`${field}\``);
    expect(allTextOf(error)).not.toContain(KEY.slice(0, 12));
    expect(allTextOf(error)).not.toContain("hunter2");
  });

  it("still shows an ordinary bad value, which is what makes the message useful", () => {
    const error = thrown(() => new Collector({ host: "https://metrics.example", timeout: -1 }));
    expect(error.message).toContain("-1 (number)");
    const folder = thrown(() => createSyvainExporters({ defaultFolderPath: "proj/runs" }));
    expect(folder.message).toContain('"proj/runs" (string)');
  });

  it("masks the bridge token when it is invalid", () => {
    const error = thrown(() => createBridge({ authToken: "short-secret" }));
    expect(error.field).toBe("authToken");
    expect(error.message).toContain("at least 16 characters");
    expect(allTextOf(error)).not.toContain("short-secret");
  });
});
