/**
 * The spilled tail on its own (pure): events leave memory only once the spool has written them, a
 * run with a record lost to a failed write stays in memory as a whole, and taking from the front
 * hands back events in hand or refs to read, in order, with their seqs.
 */
import { describe, expect, it } from "vitest";
import { SpillTail } from "../../src/delivery/spill-tail.ts";
import type { SpillWhere } from "../../src/delivery/journal/outbox-journal.ts";

describe("SpillTail", () => {
  it("keeps events until written, then hands back refs to read, oldest first", () => {
    const tail = new SpillTail<string>();
    for (let i = 0; i < 10; i++) tail.push(`e${i}`, 100 + i, 500 + i);
    let writtenUpTo = 504;
    const whereIs = (ref: number): SpillWhere => (ref <= writtenUpTo ? "disk" : "pending");
    tail.release(whereIs);
    // The run's last record is not written yet: all of it stays in memory.
    expect(tail).toMatchObject({ length: 10, spooled: 10, onDiskOnly: 0, spilled: 0 });
    expect(tail.peek(3)).toEqual({ seq0: 100, events: ["e0", "e1", "e2"], spooled: true });
    writtenUpTo = 509;
    tail.release(whereIs);
    expect(tail).toMatchObject({ length: 10, spooled: 10, onDiskOnly: 10, spilled: 10 });
    expect(tail.peek(4)).toEqual({ seq0: 100, refs: [500, 501, 502, 503] });
    tail.commit(4);
    expect(tail.peek(100)).toEqual({ seq0: 104, refs: [504, 505, 506, 507, 508, 509] });
    tail.commit(6);
    expect(tail).toMatchObject({ length: 0, spooled: 0, onDiskOnly: 0, spilled: 10 });
    expect(tail.peek(1)).toBeUndefined();
  });

  it("a run with a lost record stays in memory and is no longer counted as spooled", () => {
    const tail = new SpillTail<string>();
    for (let i = 0; i < 4; i++) tail.push(`e${i}`, i, 10 + i);
    tail.release((ref) => (ref === 12 ? "lost" : "disk"));
    expect(tail).toMatchObject({ length: 4, spooled: 0, onDiskOnly: 0, spilled: 0 });
    expect(tail.peek(10)).toEqual({ seq0: 0, events: ["e0", "e1", "e2", "e3"], spooled: false });
  });

  it("breaks runs where refs or seqs do not follow, and keeps refused events (no ref) in memory", () => {
    const tail = new SpillTail<string>();
    tail.push("a", 0, 10);
    tail.push("b", 1, 11);
    tail.push("c", 3, 12); // another kind took seq 2
    tail.push("d", 4, undefined); // the spool refused it
    tail.release(() => "disk");
    expect(tail).toMatchObject({ length: 4, spooled: 3, onDiskOnly: 3 });
    expect(tail.peek(10)).toEqual({ seq0: 0, refs: [10, 11] });
    tail.commit(2);
    expect(tail.peek(10)).toEqual({ seq0: 3, refs: [12] });
    tail.commit(1);
    expect(tail.peek(10)).toEqual({ seq0: 4, events: ["d"], spooled: false });
  });

  it("the growing run lets go of its written prefix (at least 256 events) without waiting for the rest", () => {
    const tail = new SpillTail<number>();
    for (let i = 0; i < 1000; i++) tail.push(i, i, 5000 + i);
    const writtenUpTo = (last: number) => (ref: number): SpillWhere => (ref <= last ? "disk" : "pending");
    tail.release(writtenUpTo(5000 + 200)); // fewer than 256 written: nothing yet
    expect(tail.onDiskOnly).toBe(0);
    tail.release(writtenUpTo(5000 + 599));
    expect(tail).toMatchObject({ length: 1000, onDiskOnly: 600, spilled: 600, spooled: 1000 });
    tail.push(1000, 1000, 6000); // the rest keeps growing
    expect(tail.peek(1000)).toEqual({ seq0: 0, refs: Array.from({ length: 600 }, (_, i) => 5000 + i) });
    tail.commit(600);
    expect(tail.peek(1000)).toEqual({ seq0: 600, events: Array.from({ length: 401 }, (_, i) => 600 + i), spooled: true });
  });

  it("hands back refs across on-disk runs that follow one another, so one read takes a whole refill", () => {
    const tail = new SpillTail<number>();
    let written = -1;
    const whereIs = (ref: number): SpillWhere => (ref <= written ? "disk" : "pending");
    // The flusher writes a few hundred at a time: the growing run is cut where each write ended.
    for (let i = 0; i < 5000; i++) {
      tail.push(i, i, 9000 + i);
      if (i % 300 === 299) {
        written = 9000 + i;
        tail.release(whereIs);
      }
    }
    written = 9000 + 4999;
    tail.release(whereIs);
    expect(tail).toMatchObject({ length: 5000, onDiskOnly: 5000 });
    expect(tail.peek(2000)).toEqual({ seq0: 0, refs: Array.from({ length: 2000 }, (_, i) => 9000 + i) });
    tail.commit(2000);
    expect(tail.peek(2000)).toEqual({ seq0: 2000, refs: Array.from({ length: 2000 }, (_, i) => 11_000 + i) });
    tail.commit(1500); // a read that came back whole up to its 1,501st event
    expect(tail).toMatchObject({ length: 1500, onDiskOnly: 1500, spooled: 1500 });
    expect(tail.peek(5000)).toEqual({ seq0: 3500, refs: Array.from({ length: 1500 }, (_, i) => 12_500 + i) });
    tail.commit(1500);
    expect(tail).toMatchObject({ length: 0, onDiskOnly: 0, spooled: 0, spilled: 5000 });
    expect(tail.peek(1)).toBeUndefined();
  });
});
