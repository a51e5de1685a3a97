/**
 * The disk budget sizes each waiting record as the largest record of the last chunk written. After
 * one large record, a 1 MiB spool refused every append for good, even once that record was acked:
 * no append was accepted, so no chunk was written, so the estimate was never lowered again (found
 * by an outside review). With nothing waiting and room on disk, one append is let through.
 */
import fs from "node:fs";
import { expect, it, vi } from "vitest";
import { openSpool } from "../../../src/delivery/spool/index.ts";
import { tmpSpoolDir } from "./spool-helpers.ts";

it("a 1 MiB spool takes small records again once a large one is delivered", async () => {
  const dir = tmpSpoolDir();
  const spool = await openSpool({ dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024, syncIntervalMs: 0, flushIntervalMs: 1 });
  try {
    const big = spool.append(1, { text: "x".repeat(950_000) });
    expect(big).toBeDefined();
    await vi.waitFor(() => expect(spool.stats().written).toBe(1));
    spool.ack(big!); // delivered
    await vi.waitFor(() => expect(spool.stats().recordsOnDisk).toBe(0));
    const first = Array.from({ length: 100 }, (_, n) => spool.append(1, { n })).filter((r) => r !== undefined).length;
    expect(first).toBeGreaterThan(0);
    // Once a small record is written, the estimate follows it: the next burst is taken whole.
    await vi.waitFor(() => expect(spool.stats().written).toBe(1 + first));
    const later = Array.from({ length: 100 }, (_, n) => spool.append(1, { n })).filter((r) => r !== undefined).length;
    expect(later).toBe(100);
    expect(spool.stats().full).toBe(false);
  } finally {
    await spool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
