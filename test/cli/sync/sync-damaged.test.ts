/**
 * `syvain-otel sync` of a spool whose segment is damaged (bit rot, a bad block): the records that
 * fail their checksum are skipped and the rest delivered, as the engine always did. From an outside
 * review (review 14, F6): sync said nothing of them, "everything is delivered", exit 0, with points
 * missing, while a Collector replaying the same damage warns. Sync now names the damaged regions
 * (file and bytes) and exits 1.
 */
import { closeSync, openSync, readdirSync, readSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../../src/testing/index.ts";
import { offlineRun, runNode, syncAgainst, useSyncTestbed } from "./sync-helpers.ts";

let emulator: Emulator;
let dir: string;

useSyncTestbed("syvain-sync-damaged-", (made, madeDir) => {
  emulator = made;
  dir = madeDir;
});

/** Every segment file under `root`. */
function segments(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".seg"))
    .map((name) => join(root, name));
}

/** Flips `length` bytes in the middle of `file`. */
function damage(file: string, length: number): void {
  const at = Math.floor(statSync(file).size / 2);
  const fd = openSync(file, "r+");
  try {
    const bytes = Buffer.alloc(length);
    readSync(fd, bytes, 0, length, at);
    for (let i = 0; i < length; i++) bytes[i] = bytes[i]! ^ 0xff;
    writeSync(fd, bytes, 0, length, at);
  } finally {
    closeSync(fd);
  }
}

describe("syvain-otel sync of a damaged segment", () => {
  it("delivers the records around the damage, names the damaged region and exits 1", async () => {
    const spoolDir = join(dir, "spool");
    const logged = await runNode(["--input-type=module", "-e", offlineRun("sync-damaged")], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url }, dir);
    expect(logged.code).toBe(0);
    const [segment] = segments(spoolDir).sort((a, b) => statSync(b).size - statSync(a).size);
    damage(segment!, 40);

    const synced = await syncAgainst(emulator, [spoolDir]);
    const stored = emulator.store.metrics("sync-damaged").length;
    expect(stored).toBeGreaterThan(200); // the records around the damage
    expect(stored).toBeLessThan(250); // the damaged ones are gone
    expect(synced.code).toBe(1);
    expect(synced.stderr).toMatch(/damaged region\(s\) \(\d+ bytes\) failed their checksum/);
    expect(synced.stderr).toContain(segment!.slice(segment!.lastIndexOf("/") + 1));
    expect(synced.stderr).toMatch(/NOT everything is delivered/);
  });
});
