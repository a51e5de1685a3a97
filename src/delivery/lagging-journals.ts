/**
 * Outboxes whose journal appends lag behind `metric()` until the end of the caller's synchronous
 * code (`SpillRefill.catchUp`). A `process.exit()` in that same turn leaves no "after": the `exit`
 * hooks run at once, and the spool's own hook writes only what was appended. So one `exit` listener,
 * put in front of the others, catches up every outbox that lags at that moment. An outbox is in
 * the set only from its first lagging event to its catch-up: the set is empty almost always.
 */
const lagging = new Set<() => void>();
let listening = false;

/** Catches up every lagging outbox now (also for a signal death, which has no `exit` event). */
export function catchUpAll(): void {
  for (const catchUp of lagging) {
    try {
      catchUp();
    } catch {
      // exiting anyway: the spool's hook still writes what the others appended
    }
  }
  lagging.clear();
}

/** `catchUp` runs before the process's other `exit` listeners if it exits before `caughtUp(catchUp)`. */
export function lagsUntilCaughtUp(catchUp: () => void): void {
  lagging.add(catchUp);
  if (listening) return;
  listening = true;
  process.prependListener("exit", catchUpAll);
}

export function caughtUp(catchUp: () => void): void {
  lagging.delete(catchUp);
}
