/**
 * How many delivery requests are in flight in this process, across every outbox (and every copy
 * of this package: the count lives on `globalThis`). The facade's exit watchdog compares it with
 * what keeps the event loop alive: when only sockets carrying these requests are left, the user's
 * program has finished and only our background uploads hold the process (see `exit-watchdog.ts`).
 */
const key = Symbol.for("syvain-metrics-otel.requests-in-flight");

interface Holder {
  [key]?: { count: number };
}

function counter(): { count: number } {
  const holder = globalThis as Holder;
  holder[key] ??= { count: 0 };
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
