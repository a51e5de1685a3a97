// A JSONL file whose writes fail for a while (a full disk): the lines are not lost, every flush
// that depends on them says so, counting them as pending, until the outbox that holds them stores them. `writeSync` fails on command; the rest of
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

/** `full`: every write fails; `room`: writes store that many more bytes, then fail (a short write first). */
const disk = vi.hoisted(() => ({ full: false, room: undefined as number | undefined }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const realWriteSync = fs.writeSync as (fd: number, buffer: Buffer, offset: number, length: number, position: null) => number;
  const writeSync = (...args: unknown[]): number => {
    const [fd, buffer, offset, length, position] = args as [number, Buffer, number, number, null];
    if (!disk.full && disk.room === undefined) return realWriteSync(fd, buffer, offset, length, position);
    if (disk.full || disk.room === 0) {
      const error: NodeJS.ErrnoException = new Error("ENOSPC: no space left on device, write");
      error.code = "ENOSPC";
      throw error;
    }
    const written = realWriteSync(fd, buffer, offset, Math.min(length, disk.room!), position);
    disk.room! -= written;
    return written;
  };
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syvain-jsonl-full-"));
  disk.full = false;
  disk.room = undefined;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Two experiments sharing one JSONL file, each with one metric queued. */
function twoExperimentsOneMetricEach() {
  const path = join(dir, "run.jsonl");
  const writer = createJsonlWriter(path);
  const a = new Outbox({ sink: createJsonlSink({ writer, experiment: { id: "id-a", slug: "run-a" } }) });
  const b = new Outbox({ sink: createJsonlSink({ writer, experiment: { id: "id-b", slug: "run-b" } }) });
  const [ma, mb] = [metric(), metric()];
  a.enqueueMetric(ma);
  b.enqueueMetric(mb);
  return { path, writer, a, b, ma, mb };
}

async function storedIds(path: string): Promise<string[]> {
  const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line !== "");
  return lines.map((line) => (JSON.parse(line) as { client_event_id: string }).client_event_id);
}

describe("JSONL output on a full disk", () => {
  it("fails the flush of every experiment whose lines were not stored, counts them pending, then stores them once the disk has room", async () => {
    const { path, writer, a, b, ma, mb } = twoExperimentsOneMetricEach();
    disk.full = true;
    const [statusA, statusB] = await Promise.all([a.flush(), b.flush()]);
    expect(statusA).toMatchObject({ ok: false, pendingMetrics: 1 });
    expect(statusB).toMatchObject({ ok: false, pendingMetrics: 1 });
    expect(statusB.lastError?.message).toMatch(/run\.jsonl.*ENOSPC/);
    expect(a.stats().metrics).toMatchObject({ accepted: 0, pending: 1 });
    // Still full: a later flush says so again.
    expect(await a.flush()).toMatchObject({ ok: false, pendingMetrics: 1 });

    disk.full = false;
    expect(await a.flush()).toMatchObject({ ok: true, pendingMetrics: 0 });
    expect(await b.flush()).toMatchObject({ ok: true, pendingMetrics: 0 });
    expect(b.stats().metrics).toMatchObject({ accepted: 1, pending: 0 });
    await writer.close();
    expect((await storedIds(path)).sort()).toEqual([ma.client_event_id, mb.client_event_id].sort());
  });

  it("keeps the batches a short write stored whole, cuts off the part of the next one, and counts that one pending", async () => {
    const { path, writer, a, b, ma, mb } = twoExperimentsOneMetricEach();
    const lineOfA = `${JSON.stringify({ type: "metric", experiment: "run-a", ...ma })}\n`;
    // Room for a's line and half of b's: one write takes both (they are flushed together).
    disk.room = Buffer.byteLength(lineOfA) + 20;
    const [statusA, statusB] = await Promise.all([a.flush(), b.flush()]);
    expect(statusA).toMatchObject({ ok: true, pendingMetrics: 0 });
    expect(statusB).toMatchObject({ ok: false, pendingMetrics: 1 });
    expect(statusB.lastError?.message).toMatch(/run\.jsonl.*ENOSPC/);
    // No torn line: the file holds a's line, whole, and nothing of b's.
    expect(await readFile(path, "utf8")).toBe(lineOfA);

    disk.room = undefined;
    expect(await b.flush()).toMatchObject({ ok: true, pendingMetrics: 0 });
    await writer.close();
    expect(await storedIds(path)).toEqual([ma.client_event_id, mb.client_event_id]);
  });
});
