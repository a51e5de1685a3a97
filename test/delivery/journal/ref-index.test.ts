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
