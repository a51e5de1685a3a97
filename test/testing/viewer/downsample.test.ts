import { describe, expect, it } from "vitest";
import { ascendingOrder, downsampleMinMax, positionOf } from "../../../src/testing/viewer/downsample.ts";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("downsampleMinMax", () => {
  it("returns every point, in x order, when they fit in two per bucket", () => {
    expect(downsampleMinMax([3, 1, 2], [30, 10, 20], { buckets: 2 })).toEqual({ x: [1, 2, 3], y: [10, 20, 30] });
  });

  it("keeps each bucket's min and max, in x order, at most two per bucket", () => {
    const x = range(1000);
    const y = x.map((i) => Math.sin(i / 10));
    y[501] = 50; // a one-point spike must survive
    y[702] = -50;
    const out = downsampleMinMax(x, y, { buckets: 100 });
    expect(out.x.length).toBeLessThanOrEqual(200);
    expect(out.x.length).toBeGreaterThan(100);
    expect(out.y).toContain(50);
    expect(out.y).toContain(-50);
    expect([...out.x].sort((a, b) => a - b)).toEqual(out.x);
    expect(Math.max(...out.y)).toBe(50);
    // The ends survive: the last bucket takes the rest.
    expect(out.x[0]).toBe(0);
    expect(out.x.at(-1)).toBe(999);
  });

  it("zooms: only points in [from, to], at full resolution when few", () => {
    const x = range(1_000_000);
    const out = downsampleMinMax(x, x, { buckets: 500, from: 1000.5, to: 1500 });
    expect(out.x).toEqual(range(500).map((i) => 1001 + i));
  });

  it("reduces 1,000,000 points to at most 2 per bucket", () => {
    const x = range(1_000_000);
    const out = downsampleMinMax(x, x.map((i) => i % 7), { buckets: 1000 });
    expect(out.x.length).toBe(2000);
  });

  it("handles equal x values and an empty range", () => {
    expect(downsampleMinMax([5, 5, 5, 5, 5], [1, 9, 3, 4, 2], { buckets: 1 }).y).toEqual([1, 9]);
    expect(downsampleMinMax([1, 2], [1, 2], { buckets: 10, from: 5 })).toEqual({ x: [], y: [] });
  });
});

describe("ascendingOrder and positionOf", () => {
  it("sorts only when needed, stable for equal x", () => {
    expect([...ascendingOrder([0, 1, 2])]).toEqual([0, 1, 2]);
    expect([...ascendingOrder([2, 0, 2, 1])]).toEqual([1, 3, 0, 2]);
  });

  it("finds the first position >= or > a value", () => {
    const x = [1, 2, 2, 3];
    const order = ascendingOrder(x);
    expect(positionOf(x, order, 2, false)).toBe(1);
    expect(positionOf(x, order, 2, true)).toBe(3);
    expect(positionOf(x, order, 9, true)).toBe(4);
  });
});
