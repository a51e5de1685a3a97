import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseOptions } from "../../src/config/parse-options.ts";
import { SyvainValidationError } from "../../src/api/errors.ts";

const schema = z.strictObject({ apiKey: z.string().optional(), timeout: z.number().positive().default(10) });
const context = { owner: "Thing", secretFields: ["apiKey"] };
const key = "ak_org_fake_secret_1";

function failure(input: unknown): SyvainValidationError {
  try {
    parseOptions(schema, input, context);
  } catch (error) {
    if (error instanceof SyvainValidationError) return error;
    throw error;
  }
  throw new Error("expected parseOptions to throw");
}

describe("parseOptions", () => {
  it("returns the parsed options with defaults", () => {
    expect(parseOptions(schema, { apiKey: key }, context)).toEqual({ apiKey: key, timeout: 10 });
    expect(parseOptions(schema, undefined, context)).toEqual({ timeout: 10 });
  });

  it.each([
    [{ timeout: -1 }, "timeout", "-1 (number)"],
    [{ timeout: Number.NaN }, "timeout", "NaN (number)"],
    [{ timeout: "10" }, "timeout", '"10" (string)'],
  ])("names the option and shows the value for %j", (input, field, shown) => {
    const error = failure(input);
    expect(error.code).toBe("config");
    expect(error.field).toBe(field);
    expect(error.message).toContain(`\`${field}\``);
    expect(error.message).toContain(shown);
    expect(error.message).toContain("Thing");
  });

  it("never shows a secret field's value", () => {
    const error = failure({ apiKey: 42 });
    expect(error.field).toBe("apiKey");
    expect(error.message).not.toContain("42");
    expect(error.value).toBe("<redacted>");
  });

  it("names an unknown option and the closest known one, never its value", () => {
    const error = failure({ apiKey: key, tiemout: 5 });
    expect(error.field).toBe("tiemout");
    expect(error.message).toBe("Thing: unknown option `tiemout` (did you mean `timeout`?)");
    expect(error.value).toBe("<redacted>");
  });

  it("offers options handled outside the schema as hints", () => {
    const outside = z.strictObject({ timeout: z.number().optional() });
    expect(() => parseOptions(outside, { api_key: key }, { owner: "Thing", alsoKnown: ["apiKey"] })).toThrow("did you mean `apiKey`?");
  });

  it("names an unknown option of a nested object with its path", () => {
    const nested = z.strictObject({ retry: z.strictObject({ attempts: z.number() }).optional() });
    const error = (() => {
      try {
        parseOptions(nested, { retry: { attempts: 3, atempt: 3 } }, { owner: "Thing" });
      } catch (caught) {
        return caught as SyvainValidationError;
      }
      throw new Error("expected a failure");
    })();
    expect(error.field).toBe("retry.atempt");
    expect(error.message).toContain("did you mean `attempts`?");
  });

  it("masks secrets when the whole options value is wrong", () => {
    const error = failure("not an object");
    expect(error.field).toBe("options");
    expect(error.message).toContain('"not an object" (string)');
  });
});
