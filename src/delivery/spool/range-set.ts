/**
 * A set of acknowledged byte ranges `[start, end)` inside one segment, kept sorted and merged.
 * Deliveries are acknowledged roughly in order, so the list stays a handful of ranges long and a
 * linear scan is cheaper than a tree.
 */
export class RangeSet {
  /** Flat `[start0, end0, start1, end1, ...]`, sorted, non-overlapping, non-adjacent. */
  readonly #bounds: number[] = [];

  add(start: number, end: number): void {
    if (end <= start) return;
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && b[i + 1]! < start) i += 2;
    let j = i;
    let s = start;
    let e = end;
    while (j < b.length && b[j]! <= e) {
      s = Math.min(s, b[j]!);
      e = Math.max(e, b[j + 1]!);
      j += 2;
    }
    b.splice(i, j - i, s, e);
  }

  covers(start: number, end: number): boolean {
    const b = this.#bounds;
    for (let i = 0; i < b.length; i += 2) {
      if (b[i]! > start) return false;
      if (b[i + 1]! >= end) return true;
    }
    return false;
  }

  /** Whether any byte of `[start, end)` is in the set. */
  overlaps(start: number, end: number): boolean {
    const b = this.#bounds;
    for (let i = 0; i < b.length; i += 2) if (b[i]! < end && b[i + 1]! > start) return true;
    return false;
  }

  /** The merged ranges, for rewriting the acks file. */
  ranges(): readonly number[] {
    return this.#bounds;
  }
}
