/** The bridge's memory budget: reservations share one total with the queued events' estimate. */
import { describe, expect, it } from "vitest";
import { BYTES_PER_QUEUED_EVENT, MemoryBudget } from "../../src/bridge/memory-budget.ts";

describe("MemoryBudget", () => {
  it("grants reservations up to the total, refuses beyond it without taking anything, and gets back what is released", () => {
    const budget = new MemoryBudget(1000, () => 0);
    const a = budget.open();
    const b = budget.open();
    expect(a.grow(600)).toBe(true);
    expect(b.grow(500)).toBe(false);
    expect([a.bytes, b.bytes, budget.reservedBytes]).toEqual([600, 0, 600]);
    expect(b.grow(400)).toBe(true);
    a.shrink(100);
    expect(budget.reservedBytes).toBe(900);
    a.release();
    b.release();
    b.release();
    expect(budget.reservedBytes).toBe(0);
  });

  it("counts the events queued for delivery against the same total", () => {
    let queued = 0;
    const budget = new MemoryBudget(10 * BYTES_PER_QUEUED_EVENT, () => queued);
    queued = 8;
    const request = budget.open();
    expect(request.grow(3 * BYTES_PER_QUEUED_EVENT)).toBe(false);
    expect(request.grow(2 * BYTES_PER_QUEUED_EVENT)).toBe(true);
  });
});
