/**
 * Transport failures classified by their stable `code` (undici's `UND_ERR_*`, Node's `E*` system
 * errors), never by message text, which changes between versions and locales. The code is looked
 * up along the `cause` chain, because undici wraps socket errors (`UND_ERR_SOCKET` around
 * `ECONNRESET`, fetch's `TypeError` around both).
 */
export type NetworkErrorKind =
  /** The connection or the answer took too long: retryable. */
  | "timeout"
  /** The connection failed or broke: retryable. */
  | "network"
  /** The dispatcher was closed or destroyed by us: not retryable. */
  | "closed"
  /** The request was aborted through its signal: not retryable. */
  | "aborted";

const KINDS: ReadonlyMap<string, NetworkErrorKind> = new Map([
  ["UND_ERR_CONNECT_TIMEOUT", "timeout"],
  ["UND_ERR_HEADERS_TIMEOUT", "timeout"],
  ["UND_ERR_BODY_TIMEOUT", "timeout"],
  ["ETIMEDOUT", "timeout"],
  ["UND_ERR_SOCKET", "network"],
  ["UND_ERR_RES_CONTENT_LENGTH_MISMATCH", "network"],
  ["UND_ERR_REQ_CONTENT_LENGTH_MISMATCH", "network"],
  ["ECONNRESET", "network"],
  ["ECONNREFUSED", "network"],
  ["ECONNABORTED", "network"],
  ["EPIPE", "network"],
  ["EHOSTUNREACH", "network"],
  ["EHOSTDOWN", "network"],
  ["ENETUNREACH", "network"],
  ["ENETDOWN", "network"],
  ["ENETRESET", "network"],
  ["EADDRNOTAVAIL", "network"],
  // DNS: a resolver blip looks like ENOTFOUND too; a wrong host name keeps failing and shows in the error.
  ["EAI_AGAIN", "network"],
  ["ENOTFOUND", "network"],
  ["UND_ERR_CLOSED", "closed"],
  ["UND_ERR_DESTROYED", "closed"],
  ["UND_ERR_ABORTED", "aborted"],
  ["ABORT_ERR", "aborted"],
]);

const MAX_CAUSE_DEPTH = 8;

/** The first known transport `code` along `error`'s cause chain, with its kind. */
export function classifyNetworkError(error: unknown): { code: string; kind: NetworkErrorKind } | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") {
      const kind = KINDS.get(code);
      if (kind !== undefined) return { code, kind };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
