/**
 * A host URL carrying credentials (`https://user:ak_org_...@host`) or a query (`?api_key=...`) is
 * refused, and the error (its message and `value`, which the CLI prints) never echoes the secret:
 * the userinfo and the query are redacted (found by an outside review: both were echoed whole).
 */
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
