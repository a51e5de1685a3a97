import { describe, expect, it } from "vitest";
import { EventIdSequence } from "../../src/facade/event-ids.ts";

describe("EventIdSequence", () => {
  it("gives `<runToken>.<sequence in base 36>`, from 0, across every change of digit count", () => {
    const ids = new EventIdSequence("tok");
    // Past 36^3 twice over: one, two, three and four base-36 digits, and several thousands' carries.
    const count = 2 * 36 ** 3 + 1_500;
    const got = Array.from({ length: count }, () => ids.next());
    const expected = Array.from({ length: count }, (_, i) => `tok.${i.toString(36)}`);
    expect(got).toEqual(expected);
  });

  it("draws a fresh random run token per sequence, in base64url", () => {
    const a = new EventIdSequence();
    const b = new EventIdSequence();
    expect(a.runToken).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(a.runToken).not.toBe(b.runToken);
    expect(a.next()).toBe(`${a.runToken}.0`);
  });
});
