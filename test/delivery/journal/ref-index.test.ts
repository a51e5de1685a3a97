import { describe, expect, it } from "vitest";
import { RefIndex } from "../../../src/delivery/journal/ref-index.ts";

function taken(index: RefIndex, lo: number, n: number): number[] {
  const into: number[] = [];
  index.take(lo, n, into);
  return into;
}

describe("RefIndex", () => {
  it("gives each index's ref back once, skipping events that were not spooled (-1)", () => {
    const index = new RefIndex();
    for (const ref of [10, -1, 12, 13]) index.push(ref);
    expect(taken(index, 0, 2)).toEqual([10]);
    expect(taken(index, 2, 2)).toEqual([12, 13]);
  });

  it("after dropLast, the next push takes the dropped index (the outbox gave that event no index)", () => {
    const index = new RefIndex();
    for (const ref of [10, 11, 12]) index.push(ref);
    index.dropLast();
    index.push(13);
    index.push(14);
    expect(taken(index, 0, 4)).toEqual([10, 11, 13, 14]);
  });

  it("dropLast right after a push that opened a new chunk keeps indices and chunks aligned", () => {
    const index = new RefIndex();
    const chunk = 4096;
    for (let i = 0; i < chunk; i++) index.push(i);
    index.push(-7); // opens the second chunk
    index.dropLast();
    index.push(chunk);
    index.push(chunk + 1);
    expect(taken(index, chunk - 1, 3)).toEqual([chunk - 1, chunk, chunk + 1]);
  });
});

describe("RefIndex memory", () => {
  it("holds no per-index slot while refs follow one another, however many are pending", () => {
    const index = new RefIndex();
    for (let i = 0; i < 100_000; i++) index.push(500 + i);
    expect(index.slots).toBe(0);
    expect(taken(index, 4090, 10)).toEqual(Array.from({ length: 10 }, (_, i) => 4590 + i));
    expect(taken(index, 99_998, 2)).toEqual([100_498, 100_499]);
  });

  it("a ref that breaks the run gives only its chunk slots, and every index keeps its ref", () => {
    const index = new RefIndex();
    const refs = Array.from({ length: 3 * 4096 }, (_, i) => (i === 5000 ? -1 : i === 6000 ? 9_999_999 : 10 + i));
    for (const ref of refs) index.push(ref);
    expect(index.slots).toBe(4096);
    expect(taken(index, 0, refs.length)).toEqual(refs.filter((ref) => ref >= 0));
    expect(index.slots).toBe(0); // every chunk taken: freed
  });
});
