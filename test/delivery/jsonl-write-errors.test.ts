// A JSONL file whose writes fail for a while (a full disk): the lines are not lost, every flush
// that depends on them says so until they are stored. `write` fails on command; the rest of
// node:fs is real.
import type * as Fs from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createJsonlSink } from "../../src/delivery/jsonl-sink.ts";
import { createJsonlWriter } from "../../src/delivery/jsonl-writer.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { metric } from "./scripted-sink.ts";

const disk = vi.hoisted(() => ({ full: false }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const write = (...args: unknown[]): void => {
    const callback = args.at(-1) as (error: NodeJS.ErrnoException | null) => void;
    if (!disk.full) return void (fs.write as (...a: unknown[]) => void)(...args);
    const error: NodeJS.ErrnoException = new Error("ENOSPC: no space left on device, write");
    error.code = "ENOSPC";
    process.nextTick(() => callback(error));
  };
  return { ...fs, default: { ...fs, write }, write };
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syvain-jsonl-full-"));
  disk.full = false;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("JSONL output on a full disk", () => {
  it("fails the flush of every experiment whose lines were not stored, then stores them once the disk has room", async () => {
    const path = join(dir, "run.jsonl");
    const writer = createJsonlWriter(path);
    const a = new Outbox({ sink: createJsonlSink({ writer, experiment: { id: "id-a", slug: "run-a" } }) });
    const b = new Outbox({ sink: createJsonlSink({ writer, experiment: { id: "id-b", slug: "run-b" } }) });
    const [ma, mb] = [metric(), metric()];
    a.enqueueMetric(ma);
    b.enqueueMetric(mb);
    disk.full = true;
    const [statusA, statusB] = await Promise.all([a.flush(), b.flush()]);
    expect(statusA.ok).toBe(false);
    expect(statusB.ok).toBe(false);
    expect(statusB.lastError?.message).toMatch(/run\.jsonl.*ENOSPC/);
    // Still full: a later flush says so again.
    expect((await a.flush()).ok).toBe(false);

    disk.full = false;
    expect((await a.flush()).ok).toBe(true);
    await writer.close();
    const stored = (await readFile(path, "utf8")).split("\n").filter((line) => line !== "");
    expect(stored.map((line) => (JSON.parse(line) as { client_event_id: string }).client_event_id).sort()).toEqual(
      [ma.client_event_id, mb.client_event_id].sort(),
    );
  });
});
