/**
 * How many delivery requests and flushes are in flight in this process, across every outbox (and
 * every copy of this package: the counts live on `globalThis`). The facade's exit watchdog compares
 * the requests with what keeps the event loop alive: when only sockets carrying them are left, the
 * user's program has finished and only our background uploads hold the process — unless a flush
 * runs, which someone may be awaiting (see `facade/exit-watchdog.ts`).
 */
const key = Symbol.for("syvain-metrics-otel.requests-in-flight");

interface Holder {
  [key]?: { count: number; flushes: number };
}

function counter(): { count: number; flushes: number } {
  const holder = globalThis as Holder;
  holder[key] ??= { count: 0, flushes: 0 };
  return holder[key];
}

export function requestStarted(): void {
  counter().count++;
}

export function requestSettled(): void {
  counter().count--;
}

export function requestsInFlight(): number {
  return counter().count;
}

/** Counts `promise` (a flush or a close) as a flush in flight until it settles. */
export function countFlush(promise: Promise<unknown>): void {
  counter().flushes++;
  const done = (): void => {
    counter().flushes--;
  };
  promise.then(done, done);
}

export function flushesInFlight(): number {
  return counter().flushes;
}
