/**
 * `Retry-After` (RFC 9110 §10.2.3) as a minimum wait in milliseconds: either delta-seconds
 * (`"120"`) or an HTTP-date (`"Wed, 21 Oct 2026 07:28:00 GMT"`). A date in the past means "no
 * extra wait" (0). A missing, negative, fractional or unparsable value gives `undefined`, so the
 * caller falls back to its own backoff.
 */
export function parseRetryAfter(header: string | readonly string[] | undefined | null, now: number = Date.now()): number | undefined {
  // A repeated header is malformed; take the first value rather than guessing.
  const raw = typeof header === "string" ? header : header?.[0];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (value === "") return undefined;
  if (/^\d+$/.test(value)) {
    const ms = Number(value) * 1000;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  // Only date-shaped values: Date.parse also accepts "-5" or "1.5" as years.
  if (!/^[A-Za-z]{3,9},? /.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
