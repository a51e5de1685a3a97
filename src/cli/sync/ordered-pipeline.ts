/**
 * Up to `limit` tasks in flight, their results committed strictly in the order they were started:
 * a sync keeps several requests on the wire (latency, not bandwidth, bounds a sequential upload)
 * while its saved offset only ever moves over a contiguous prefix of finished windows.
 */
export interface OrderedPipeline<T> {
  /** Adds a started task; waits (committing the oldest) while `limit` are in flight. */
  push(task: Promise<T>): Promise<void>;
  /** Commits everything still in flight, in order. */
  drain(): Promise<void>;
}

export function orderedPipeline<T>(limit: number, commit: (value: T) => Promise<void>): OrderedPipeline<T> {
  const inFlight: Promise<T>[] = [];
  const commitOldest = async (): Promise<void> => commit(await inFlight.shift()!);
  return {
    async push(task) {
      // Awaited later, in order; until then a rejection must not count as unhandled.
      task.catch(() => undefined);
      inFlight.push(task);
      while (inFlight.length >= limit) await commitOldest();
    },
    async drain() {
      while (inFlight.length > 0) await commitOldest();
    },
  };
}
