/**
 * Server-side downsampling for charts: min/max per pixel bucket. A chart `width` pixels wide can
 * show at most two distinct y values per pixel column (the extremes), so keeping each bucket's
 * minimum and maximum (in x order) draws the same picture as every point, spikes included, from at
 * most `2 * width` points. Pure: arrays in, arrays out.
 */

export interface XY {
  x: number[];
  y: number[];
}

/** Indices into `x` in ascending x order (the identity, without sorting, when already ordered). */
export function ascendingOrder(x: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(x.length);
  let sorted = true;
  for (let i = 0; i < x.length; i++) {
    order[i] = i;
    if (i > 0 && x[i]! < x[i - 1]!) sorted = false;
  }
  if (!sorted) order.sort((a, b) => x[a]! - x[b]! || a - b);
  return order;
}

/**
 * Binary search in `order` (ascending by x): the first position whose x is > `value` when
 * `after` is true, else the first whose x is >= `value`.
 */
export function positionOf(x: ArrayLike<number>, order: Uint32Array, value: number, after: boolean): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = x[order[mid]!]!;
    if (v < value || (after && v === value)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface DownsampleOptions {
  /** Pixel columns: at most `2 * buckets` points come back. */
  buckets: number;
  /** Keep only points with x in [from, to] (inclusive; either side optional): a zoomed view. */
  from?: number;
  to?: number;
}

/**
 * The points of (x, y) in ascending x order, reduced to each bucket's min and max y (in x order)
 * when there are more than `2 * buckets` points in range. Buckets split the x range evenly, so
 * an uneven x spacing keeps its shape; an empty bucket emits nothing.
 */
export function downsampleMinMax(x: ArrayLike<number>, y: ArrayLike<number>, options: DownsampleOptions, order = ascendingOrder(x)): XY {
  const start = options.from === undefined ? 0 : positionOf(x, order, options.from, false);
  const end = options.to === undefined ? order.length : positionOf(x, order, options.to, true);
  const count = Math.max(0, end - start);
  const out: XY = { x: [], y: [] };
  const push = (i: number): void => {
    out.x.push(x[i]!);
    out.y.push(y[i]!);
  };
  if (count <= 2 * options.buckets) {
    for (let p = start; p < end; p++) push(order[p]!);
    return out;
  }
  const x0 = x[order[start]!]!;
  const span = x[order[end - 1]!]! - x0;
  let p = start;
  for (let b = 0; b < options.buckets && p < end; b++) {
    // The last bucket takes the rest, so rounding never drops the final point.
    const limit = b === options.buckets - 1 ? Infinity : x0 + (span * (b + 1)) / options.buckets;
    let minAt = -1;
    let maxAt = -1;
    for (; p < end; p++) {
      const i = order[p]!;
      if (x[i]! >= limit) break;
      const v = y[i]!;
      if (minAt === -1 || v < y[minAt]!) minAt = i;
      if (maxAt === -1 || v > y[maxAt]!) maxAt = i;
    }
    if (minAt === -1) continue;
    if (minAt === maxAt) push(minAt);
    else if (x[minAt]! < x[maxAt]! || (x[minAt] === x[maxAt] && minAt < maxAt)) {
      push(minAt);
      push(maxAt);
    } else {
      push(maxAt);
      push(minAt);
    }
  }
  return out;
}
