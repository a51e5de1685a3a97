/**
 * A FIFO of items in fixed-size chunks: O(1) push and shift without `Array.shift()`'s copying,
 * and memory given back chunk by chunk as the queue drains. Each item carries a sequence number
 * (kept in a typed array beside it) so two queues can be merged by age when evicting.
 */
const CHUNK_SIZE = 1024;

interface Chunk<T> {
  items: (T | undefined)[];
  seqs: Float64Array;
  head: number;
  tail: number;
  next: Chunk<T> | undefined;
}

function newChunk<T>(): Chunk<T> {
  return { items: new Array<T | undefined>(CHUNK_SIZE), seqs: new Float64Array(CHUNK_SIZE), head: 0, tail: 0, next: undefined };
}

export class ChunkedQueue<T> {
  #first: Chunk<T> = newChunk();
  #last: Chunk<T> = this.#first;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T, seq: number): void {
    let last = this.#last;
    if (last.tail === CHUNK_SIZE) {
      last = newChunk();
      this.#last.next = last;
      this.#last = last;
    }
    last.items[last.tail] = item;
    last.seqs[last.tail] = seq;
    last.tail++;
    this.#length++;
  }

  /** Sequence number of the oldest item; `Infinity` when empty. */
  peekSeq(): number {
    if (this.#length === 0) return Infinity;
    this.#dropSpentChunk();
    return this.#first.seqs[this.#first.head] ?? Infinity;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    this.#dropSpentChunk();
    const chunk = this.#first;
    const item = chunk.items[chunk.head];
    chunk.items[chunk.head] = undefined;
    chunk.head++;
    this.#length--;
    // Reuse a lone drained chunk instead of growing a new one on the next push.
    if (this.#length === 0 && chunk === this.#last) chunk.head = chunk.tail = 0;
    return item;
  }

  /** Removes and returns up to `count` of the oldest items, oldest first. */
  take(count: number): T[] {
    const n = Math.min(count, this.#length);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = this.shift() as T;
    return out;
  }

  /** Calls `fn` on the newest `n` items (at most all of them), oldest of those first. */
  forEachNewest(n: number, fn: (item: T) => void): void {
    let skip = Math.max(0, this.#length - n);
    for (let chunk: Chunk<T> | undefined = this.#first; chunk !== undefined; chunk = chunk.next) {
      const inChunk = chunk.tail - chunk.head;
      if (skip >= inChunk) {
        skip -= inChunk;
        continue;
      }
      for (let i = chunk.head + skip; i < chunk.tail; i++) fn(chunk.items[i] as T);
      skip = 0;
    }
  }

  #dropSpentChunk(): void {
    const chunk = this.#first;
    if (chunk.head < CHUNK_SIZE) return;
    if (chunk.next) this.#first = chunk.next;
    else {
      chunk.head = 0;
      chunk.tail = 0;
    }
  }
}
