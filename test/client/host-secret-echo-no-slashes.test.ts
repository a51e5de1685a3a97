/**
 * A refused host URL never echoes its credentials, also where they come without `//`: URL parsing
 * (which the check uses) finds userinfo in `https:u:pw@h`, `https:/u:pw@h` and `https:\\u:pw@h`
 * (special schemes need no `//`, and `\` counts as `/`), and `u:pw@host` is refused as a bad
 * scheme. The library's error (message and `value`) and the CLI's stderr showed the password whole
 * (found from outside, from a packed tarball).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { SyvainValidationError } from "../../src/api/errors.ts";

const SECRET = "ak_org_fake-secret-in-a-url";
const hosts = [`https:u:${SECRET}@metrics.example.com`, `https:/u:${SECRET}@metrics.example.com`, `https:\\\\u:${SECRET}@metrics.example.com`, `u:${SECRET}@metrics.example.com`];

function caught(f: () => unknown): SyvainValidationError {
  try {
    f();
  } catch (error) {
    if (error instanceof SyvainValidationError) return error;
    throw error;
  }
  throw new Error("did not throw");
}

describe("host URLs with userinfo but no //", () => {
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
