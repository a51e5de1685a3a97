/**
 * A host URL carrying credentials (`https://user:ak_org_...@host`) or a query (`?api_key=...`) is
 * refused, and the error (its message and `value`, which the CLI prints) never echoes the secret:
 * the userinfo and the query are redacted (found by an outside review: both were echoed whole).
 * Also where credentials come without `//`: URL parsing (which the check uses) finds userinfo in
 * `https:u:pw@h`, `https:/u:pw@h` and `https:\\u:pw@h` (special schemes need no `//`, `\` counts as
 * `/`), and `u:pw@host` is refused as a bad scheme; those were echoed too, also by the CLI.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { createSyvainClient } from "../../src/client.ts";
import { SyvainValidationError } from "../../src/api/errors.ts";

const SECRET = "ak_org_fake-secret-in-a-url";

function caught(f: () => unknown): SyvainValidationError {
  try {
    f();
  } catch (error) {
    if (error instanceof SyvainValidationError) return error;
    throw error;
  }
  throw new Error("did not throw");
}

describe("host URLs with a secret in them", () => {
  for (const host of [`https://user:${SECRET}@metrics.example.com`, `https://metrics.example.com/?api_key=${SECRET}`]) {
    it(`Collector: the error for ${host.replace(SECRET, "<secret>")} does not echo the secret`, () => {
      const error = caught(() => new Collector("ak_org_emulator", { host, spoolDir: false }));
      expect(error.field).toBe("host");
      expect(error.message).not.toContain(SECRET);
      expect(JSON.stringify(error.value)).not.toContain(SECRET);
    });
    it(`createSyvainClient: the error for ${host.replace(SECRET, "<secret>")} does not echo the secret`, () => {
      const error = caught(() => createSyvainClient({ apiKey: "ak_org_emulator", host }));
      expect(error.message).not.toContain(SECRET);
      expect(JSON.stringify(error.value)).not.toContain(SECRET);
    });
  }
});

describe("host URLs with userinfo but no //", () => {
  const hosts = [`https:u:${SECRET}@metrics.example.com`, `https:/u:${SECRET}@metrics.example.com`, `https:\\\\u:${SECRET}@metrics.example.com`, `u:${SECRET}@metrics.example.com`];
  for (const host of hosts) {
    it(`Collector: the error for ${JSON.stringify(host.replace(SECRET, "<secret>"))} does not echo the secret`, () => {
      const error = caught(() => new Collector("ak_org_emulator", { host, spoolDir: false }));
      expect(error.message).not.toContain(SECRET);
      expect(JSON.stringify(error.value)).not.toContain(SECRET);
    });
  }
  it("syvain-otel sync --syvain-host https:u:<secret>@host does not print the secret", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const child = spawnSync(process.execPath, ["--conditions=syvain-source", "src/cli/main.ts", "sync", "--syvain-host", hosts[0]!], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, SYVAIN_METRICS_API_KEY: "ak_org_emulator" },
      timeout: 20_000,
    });
    expect(child.status).toBe(2);
    expect(child.stderr + child.stdout).not.toContain(SECRET);
  });
});
