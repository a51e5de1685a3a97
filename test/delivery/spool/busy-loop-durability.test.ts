/**
 * docs/spool.md promises that a kill -9 keeps "every record appended at least ~100 ms
 * (flushIntervalMs, plus event-loop delay) before the kill". The write window (write-window.ts)
 * must count a busy loop's delay once: with four chained 25 ms ticks that each waited for the loop,
 * a loop yielding every 150 ms made a record wait ~600 ms, not ~250 ms (outside review 11).
 * A child process with a busy loop, killed with SIGKILL; its spool is read back by adoption.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { adoptAll, jsonOf, markDead, tmpSpoolDir, writerDirs } from "./spool-helpers.ts";

const FIXTURE = path.join(import.meta.dirname, "fixtures", "busy-loop-writer.ts");

function runChild(dir: string, blockMs: number, steps: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=syvain-source", FIXTURE, dir, String(blockMs), String(steps)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("close", () => resolve(out));
  });
}

describe("durability with a busy event loop", () => {
  it("every record appended at least flushIntervalMs + the loop's delay before a kill -9 is on disk", async () => {
    const dir = tmpSpoolDir();
    const blockMs = 150;
    const out = await runChild(dir, blockMs, 12);
    const lines = out.trim().split("\n");
    expect(lines.at(-1)).toMatch(/^kill \d+$/);
    const killAt = Number(lines.at(-1)!.split(" ")[1]);
    const appendedAt = new Map(lines.filter((l) => l.startsWith("appended")).map((l) => [Number(l.split(" ")[1]), Number(l.split(" ")[2])]));
    for (const writer of writerDirs(dir)) markDead(path.join(dir, writer));
    const { spool, records } = await adoptAll(dir);
    await spool.close();
    const onDisk = new Set(records.map((r) => (jsonOf(r) as { id: number }).id));
    // Promised: appended >= 100 ms + one loop delay (150 ms) before the kill; 100 ms of slack on top.
    const promised = [...appendedAt].filter(([, at]) => killAt - at >= 100 + blockMs + 100).map(([id]) => id);
    expect(promised.length).toBeGreaterThan(5);
    const missing = promised.filter((id) => !onDisk.has(id));
    expect({ missing, ages: missing.map((id) => killAt - appendedAt.get(id)!) }).toEqual({ missing: [], ages: [] });
  }, 30_000);
});
