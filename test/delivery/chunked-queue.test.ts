import { describe, expect, it } from "vitest";
import { ChunkedQueue } from "../../src/delivery/chunked-queue.ts";

describe("ChunkedQueue", () => {
  it("is FIFO across chunk boundaries, with sequence numbers", () => {
    const q = new ChunkedQueue<number>();
    for (let i = 0; i < 5000; i++) q.push(i, i * 10);
    expect(q.length).toBe(5000);
    expect(q.peekSeq()).toBe(0);
    expect(q.take(1500)).toEqual(Array.from({ length: 1500 }, (_, i) => i));
    expect(q.peekSeq()).toBe(15_000);
    expect(q.shift()).toBe(1500);
    const rest = q.take(10_000);
    expect(rest).toHaveLength(3499);
    expect(rest[3498]).toBe(4999);
    expect(q.length).toBe(0);
    expect(q.peekSeq()).toBe(Infinity);
    expect(q.shift()).toBeUndefined();
  });

  it("keeps working when refilled after draining, including exactly at a chunk boundary", () => {
    const q = new ChunkedQueue<string>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 1024; i++) q.push(`${round}:${i}`, i);
      expect(q.take(1024)).toHaveLength(1024);
      expect(q.length).toBe(0);
    }
    q.push("a", 1);
    q.push("b", 2);
    expect(q.take(5)).toEqual(["a", "b"]);
  });

  it("interleaves pushes and shifts like an array", () => {
    const q = new ChunkedQueue<number>();
    const model: number[] = [];
    let next = 0;
    for (let step = 0; step < 20_000; step++) {
      if (step % 3 === 2) {
        expect(q.shift()).toBe(model.shift());
      } else {
        q.push(next, next);
        model.push(next++);
      }
      expect(q.length).toBe(model.length);
    }
  });
});
