import { describe, expect, it } from "vitest";
import { SyvainApiError } from "../../../src/api/errors.ts";
import {
  backoffDelay,
  classifyNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
} from "../../../src/client/retry/index.ts";

describe("isRetryableStatus", () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [200, false],
    [301, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [409, false],
    [413, false],
    [422, false],
    [501, false],
    [505, false],
  ])("status %i → %s", (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.UTC(2026, 10, 26, 7, 0, 0);
  it.each<[string, string | string[] | undefined, number | undefined]>([
    ["delta-seconds", "120", 120_000],
    ["zero seconds", "0", 0],
    ["padded seconds", " 3 ", 3000],
    ["IMF-fixdate in the future", "Thu, 26 Nov 2026 07:00:30 GMT", 30_000],
    ["RFC 850 date", "Thursday, 26-Nov-26 07:01:00 GMT", 60_000],
    ["asctime date", "Thu Nov 26 07:00:05 2026", 5000],
    ["date in the past", "Thu, 26 Nov 2026 06:59:00 GMT", 0],
    ["first of repeated headers", ["2", "9"], 2000],
    ["negative seconds", "-5", undefined],
    ["fractional seconds", "1.5", undefined],
    ["garbage", "soon", undefined],
    ["bad date", "Thu, 99 Nov 2026 07:00:05 GMT", undefined],
    ["empty", "", undefined],
    ["missing", undefined, undefined],
    ["unsafe huge number", "99999999999999999999", undefined],
  ])("%s (%j) → %s", (_label, header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });

  it("defaults now to the clock", () => {
    const inOneMinute = new Date(Date.now() + 60_000).toUTCString();
    const ms = parseRetryAfter(inOneMinute);
    expect(ms).toBeGreaterThan(55_000);
    expect(ms).toBeLessThanOrEqual(60_000);
  });
});

describe("backoffDelay (full jitter)", () => {
  it.each([
    // attempt, random, baseMs, maxMs → random · min(max, base·2^attempt)
    [0, 1, 100, 10_000, 100],
    [1, 1, 100, 10_000, 200],
    [3, 1, 100, 10_000, 800],
    [3, 0.5, 100, 10_000, 400],
    [10, 1, 100, 10_000, 10_000],
    [2000, 1, 100, 10_000, 10_000],
    [5, 0, 100, 10_000, 0],
  ])("attempt %i, random %d, base %i, max %i → %i", (attempt, r, baseMs, maxMs, expected) => {
    expect(backoffDelay(attempt, { baseMs, maxMs, random: () => r })).toBe(expected);
  });

  it("stays within [0, cap] for many random draws", () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const cap = Math.min(5000, 50 * 2 ** attempt);
      const d = backoffDelay(attempt, { baseMs: 50, maxMs: 5000 });
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(cap);
    }
  });
});

describe("retryDelay", () => {
  const options = { baseMs: 100, maxMs: 10_000, random: () => 1 };
  it.each<[string, unknown, number, number]>([
    ["no Retry-After: the backoff", new SyvainApiError("server", "boom", { status: 500 }), 2, 400],
    ["Retry-After above the backoff is a floor", new SyvainApiError("rate_limited", "slow", { retryAfterMs: 5000 }), 2, 5000],
    ["Retry-After below the backoff does not shorten it", new SyvainApiError("rate_limited", "slow", { retryAfterMs: 10 }), 2, 400],
    ["a plain object with retryAfterMs", { retryAfterMs: 7000 }, 0, 7000],
    ["a non-error", "oops", 1, 200],
    ["a negative retryAfterMs is ignored", { retryAfterMs: -1 }, 0, 100],
  ])("%s", (_label, error, attempt, expected) => {
    expect(retryDelay(error, attempt, options)).toBe(expected);
  });
});

function coded(code: string, cause?: unknown): Error {
  return Object.assign(new Error("message text is never read", cause === undefined ? undefined : { cause }), { code });
}

describe("classifyNetworkError", () => {
  it.each<[string, unknown, string | undefined, string | undefined]>([
    ["undici socket error", coded("UND_ERR_SOCKET"), "UND_ERR_SOCKET", "network"],
    ["connection reset", coded("ECONNRESET"), "ECONNRESET", "network"],
    ["connection refused", coded("ECONNREFUSED"), "ECONNREFUSED", "network"],
    ["broken pipe", coded("EPIPE"), "EPIPE", "network"],
    ["headers timeout", coded("UND_ERR_HEADERS_TIMEOUT"), "UND_ERR_HEADERS_TIMEOUT", "timeout"],
    ["body timeout", coded("UND_ERR_BODY_TIMEOUT"), "UND_ERR_BODY_TIMEOUT", "timeout"],
    ["connect timeout", coded("UND_ERR_CONNECT_TIMEOUT"), "UND_ERR_CONNECT_TIMEOUT", "timeout"],
    ["wrapped in a cause", new TypeError("fetch failed", { cause: coded("ECONNRESET") }), "ECONNRESET", "network"],
    ["closed dispatcher", coded("UND_ERR_CLOSED"), "UND_ERR_CLOSED", "closed"],
    ["aborted", coded("UND_ERR_ABORTED"), "UND_ERR_ABORTED", "aborted"],
    ["unknown code", coded("EWHATEVER"), undefined, undefined],
    ["message mentions a reset but has no code", new Error("read ECONNRESET"), undefined, undefined],
    ["not an object", "ECONNRESET", undefined, undefined],
    ["null", null, undefined, undefined],
  ])("%s", (_label, error, code, kind) => {
    const result = classifyNetworkError(error);
    expect(result?.code).toBe(code);
    expect(result?.kind).toBe(kind);
  });

  it("stops on a cyclic cause chain", () => {
    const a: Error & { cause?: unknown } = new Error("a");
    a.cause = a;
    expect(classifyNetworkError(a)).toBeUndefined();
  });
});
