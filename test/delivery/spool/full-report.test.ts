/**
 * A full spool reports its first refusal of each spell (SpoolError "full" through onError), at
 * most once a minute, and frees room once what it holds is acknowledged: with the default segment
 * size (an eighth of maxBytes) its segments are sealed and deleted as acks come. Before (review
 * 13), the report was once per process: a later outage that filled the spool again lost crash
 * safety without a word.
 */
import { describe, expect, it, vi } from "vitest";
import { openSpool, type SpoolError } from "../../../src/delivery/spool/index.ts";
import { tmpSpoolDir } from "./spool-helpers.ts";

const TYPE = 7;
const MAX_BYTES = 64 * 1024;

describe("a full spool", () => {
  it("says so once per spell of refusals, at most once a minute, and takes records again once they are acknowledged", async () => {
    let clock = 0;
    const errors: SpoolError[] = [];
    const spool = await openSpool({ dir: tmpSpoolDir(), maxBytes: MAX_BYTES, syncIntervalMs: 0, now: () => clock, onError: (error) => errors.push(error) });
    const full = (): number => errors.filter((error) => error.code === "full").length;
    let id = 0;
    /** Appends until a refusal; refuses 10 more; acknowledges everything appended once written. */
    const fill = async (): Promise<number> => {
      const refs: number[] = [];
      for (let ref = spool.append(TYPE, { id: id++, pad: "x".repeat(100) }); ref !== undefined; ref = spool.append(TYPE, { id: id++, pad: "x".repeat(100) })) {
        refs.push(ref);
        if (refs.length % 50 === 0) await spool.whenDurable(); // written, so the budget counts real bytes
      }
      for (let i = 0; i < 10; i++) expect(spool.append(TYPE, { id: id++ })).toBeUndefined();
      await spool.whenDurable();
      spool.ack(refs);
      await vi.waitFor(() => expect(spool.stats().bytesOnDisk).toBeLessThan(MAX_BYTES / 2), { timeout: 10_000 });
      return refs.length;
    };

    expect(await fill()).toBeGreaterThan(100);
    expect(full()).toBe(1);
    expect(errors[0]!.message).toContain("is full");
    clock += 30_000; // a second spell within the minute: counted, not said again
    expect(await fill()).toBeGreaterThan(100);
    expect(full()).toBe(1);
    clock += 60_000; // a third spell a minute later: said again
    expect(await fill()).toBeGreaterThan(100);
    expect(full()).toBe(2);
    expect(spool.stats().refusedFull).toBeGreaterThanOrEqual(33);
    await spool.close();
  });
});
