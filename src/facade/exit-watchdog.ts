/**
 * Whether the user's program has finished while our background uploads still hold the process.
 *
 * Node emits `beforeExit` (the `flushOnExit` net's trigger) only once the event loop is empty, and
 * undici keeps a socket referenced while it carries a request: a script that queues metrics and
 * simply ends would wait for a hung upload's request timeout (a minute) before the net even starts.
 * So while an exit-only participant waits, the process hooks poll, on an unref'd interval, what
 * keeps the loop alive (`process.getActiveResourcesInfo()`: types only, referenced only) and start
 * the `beforeExit` ending early when nothing is left but sockets carrying our requests.
 *
 * Why not unref our sockets instead: awaited work (`flush()` without a deadline, control calls)
 * rides the same sockets and must keep the process alive; the watchdog only has to tell the one
 * case apart. A misjudgement is cheap by design: it starts one deadline-bounded best-effort flush
 * of the data queued so far (no status change, nothing closed, the process is never ended by us),
 * and the net re-arms with the next event.
 */

/**
 * Handles listed whether or not they hold the loop: stdout/stderr (and stdin) as a terminal or a
 * pipe stay referenced but idle (writes to them are synchronous on POSIX). Up to three such are
 * taken for stdio. A program blocked reading stdin looks the same: the price is the early flush above.
 */
const STDIO_TYPES: ReadonlySet<string> = new Set(["TTYWrap", "PipeWrap"]);
const MAX_STDIO_HANDLES = 3;

/**
 * What one request in flight holds: its socket (or its connect while opening one) and the ref'd
 * timer bounding the attempt (`client/http-call.ts`). Each type counts up to one per request.
 */
const REQUEST_TYPES: ReadonlySet<string> = new Set(["TCPSocketWrap", "ConnectWrap", "TCPConnectWrap", "Timeout"]);

/**
 * True when every listed resource is either stdio or, per type, one of at most `inFlight` things
 * our own requests hold. Anything else — an immediate, a server, a file or DNS request, one timer
 * or socket more than we have requests — is the user's program still at work.
 */
export function onlyOurRequestsRemain(resources: readonly string[], inFlight: number): boolean {
  const counts = new Map<string, number>();
  for (const type of resources) {
    if (!REQUEST_TYPES.has(type) && !STDIO_TYPES.has(type)) return false;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  const count = (types: ReadonlySet<string>): number => [...types].reduce((sum, type) => sum + (counts.get(type) ?? 0), 0);
  const sockets = counts.get("TCPSocketWrap") ?? 0;
  // No socket at all: the loop is about to empty and `beforeExit` comes by itself.
  if (sockets === 0 || count(STDIO_TYPES) > MAX_STDIO_HANDLES) return false;
  return [...REQUEST_TYPES].every((type) => (counts.get(type) ?? 0) <= inFlight);
}
