import { describe, expect, it } from "vitest";
import { SyvainApiError } from "../../../src/api/errors.ts";
import { decideRetry, type RetryDecision, type RetryFacts } from "../../../src/client/retry/index.ts";

const NOW = 1_000_000;
const retryable = new SyvainApiError("server", "503", { retryable: true, status: 503 });
const permanent = new SyvainApiError("validation", "400", { status: 400 });
const after = (ms: number) => new SyvainApiError("rate_limited", "429", { retryable: true, status: 429, retryAfterMs: ms });
const backoff = { baseMs: 500, maxMs: 30_000 };

describe("decideRetry", () => {
  it.each<[string, Partial<RetryFacts>, RetryDecision]>([
    ["a permanent error", { error: permanent }, { retry: false, reason: "permanent" }],
    ["a plain Error (not marked retryable)", { error: new Error("x") }, { retry: false, reason: "permanent" }],
    ["a retryable error, first retry, jitter 0", { jitter: 0 }, { retry: true, at: NOW, notBefore: NOW }],
    ["a retryable error, first retry, jitter 0.5: half the 500 ms cap", { jitter: 0.5 }, { retry: true, at: NOW + 250, notBefore: NOW }],
    ["the 3rd retry doubles the cap twice (2 s)", { attempt: 2, jitter: 0.5 }, { retry: true, at: NOW + 1000, notBefore: NOW }],
    ["the cap stops at maxMs", { attempt: 40, jitter: 0.5 }, { retry: true, at: NOW + 15_000, notBefore: NOW }],
    ["Retry-After above the backoff wins", { error: after(5000), jitter: 0.5 }, { retry: true, at: NOW + 5000, notBefore: NOW + 5000 }],
    ["Retry-After below the backoff is only a floor", { error: after(100), attempt: 3, jitter: 0.5 }, { retry: true, at: NOW + 2000, notBefore: NOW + 100 }],
    ["retries left", { attempt: 2, maxRetries: 3, jitter: 0 }, { retry: true, at: NOW, notBefore: NOW }],
    ["maxRetries reached", { attempt: 3, maxRetries: 3 }, { retry: false, reason: "retries_exhausted" }],
    ["maxRetries 0", { attempt: 0, maxRetries: 0 }, { retry: false, reason: "retries_exhausted" }],
    ["a permanent error wins over exhausted retries", { error: permanent, attempt: 9, maxRetries: 1 }, { retry: false, reason: "permanent" }],
    ["within the wait budget", { error: after(10_000), waitedMs: 20_000, waitBudgetMs: 30_000 }, { retry: true, at: NOW + 10_000, notBefore: NOW + 10_000 }],
    ["a Retry-After past the wait budget", { error: after(10_001), waitedMs: 20_000, waitBudgetMs: 30_000 }, { retry: false, reason: "budget_exhausted" }],
    ["a Retry-After of an hour against a 30 s budget", { error: after(3_600_000), waitBudgetMs: 30_000 }, { retry: false, reason: "budget_exhausted" }],
  ])("%s", (_label, facts, expected) => {
    expect(decideRetry({ error: retryable, attempt: 0, maxRetries: null, jitter: 0.5, backoff, now: NOW, ...facts })).toEqual(expected);
  });

  it("is pure: the same facts give the same decision", () => {
    const facts: RetryFacts = { error: after(700), attempt: 4, maxRetries: 10, jitter: 0.37, backoff, waitedMs: 100, waitBudgetMs: 60_000, now: NOW };
    expect(decideRetry({ ...facts })).toEqual(decideRetry({ ...facts }));
  });
});
