/**
 * The disk spool's cost. `append()` must keep `metric()` within 10 % of the spool-off cost, so the
 * headline row is a same-process ratio: building a facade-like event and queuing it (array push, the
 * outbox's share) with and without `spool.append()`. The baseline leaves out validation, so the real
 * metric() overhead is smaller than this ratio. Also: append ns/op, and what the flusher writes per
 * second with the SDK policy (fdatasync every 1 s) and with group commit (the bridge's policy).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openSpool } from "../src/delivery/spool/index.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";
import { facadeLikeEvent } from "./facade-like-events.ts";
import { checksumCost } from "./spool-checksum.ts";

const PER_ROUND = 100_000;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "spool-bench-"));
}

/** Builds PER_ROUND facade-like events and queues each (array push), plus `extra` if given; total ns. */
function timeQueue(extra: ((event: unknown) => void) | undefined): number {
  const queue: unknown[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) {
    const event = facadeLikeEvent("q", i, 1_700_000_000_000 + i);
    queue.push(event);
    extra?.(event);
  }
  return Number(process.hrtime.bigint() - start);
}

async function appendCost(): Promise<{ appendNs: number; ratio: number }> {
  const dir = tmpDir();
  const appendSamples: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < 15; round++) {
    // flushRecords above the round size: the flusher runs between rounds, as it would between training steps.
    const spool = await openSpool({ dir, flushRecords: PER_ROUND * 2, syncIntervalMs: 60_000 });
    const prebuilt = Array.from({ length: PER_ROUND }, (_, i) => facadeLikeEvent("bench", i, 1_700_000_000_000 + i));
    const start = process.hrtime.bigint();
    for (let i = 0; i < PER_ROUND; i++) spool.append(1, prebuilt[i]);
    const appendNs = Number(process.hrtime.bigint() - start) / PER_ROUND;

    // Alternate which side runs first, so drift in machine load does not favour one side.
    const offFirst = round % 2 === 0;
    const offNs = offFirst ? timeQueue(undefined) : 0;
    const onNs = timeQueue((event) => spool.append(1, event));
    const offNsLate = offFirst ? offNs : timeQueue(undefined);
    if (round >= 5) {
      appendSamples.push(appendNs);
      ratios.push(onNs / offNsLate);
    }
    await spool.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { appendNs: median(appendSamples), ratio: median(ratios) };
}

async function writeThroughput(syncIntervalMs: number, events: number, groupSize: number): Promise<{ mbPerS: number; eventsPerS: number }> {
  const dir = tmpDir();
  const prebuilt = Array.from({ length: events }, (_, i) => facadeLikeEvent("bench", i, 1_700_000_000_000 + i));
  const spool = await openSpool({ dir, syncIntervalMs });
  const start = process.hrtime.bigint();
  for (let i = 0; i < events; i += groupSize) {
    let last = 0;
    for (let j = i; j < Math.min(i + groupSize, events); j++) last = spool.append(1, prebuilt[j])!;
    if (syncIntervalMs === 0) await spool.whenDurable(last);
  }
  await spool.close(); // writes and fdatasyncs the rest
  const bytes = spool.stats().bytesOnDisk;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  fs.rmSync(dir, { recursive: true, force: true });
  return { mbPerS: bytes / 1e6 / seconds, eventsPerS: events / seconds };
}

export const spoolAppendBench: BenchModule = {
  name: "spool append",
  async run() {
    const cost = await appendCost();
    const sdk = await writeThroughput(1000, 500_000, 500_000);
    const bridge = await writeThroughput(0, 50_000, 500);
    const results: BenchResult[] = [
      { name: "Spool.append() (facade-like event)", metric: "time per call (median)", value: Math.round(cost.appendNs), unit: "ns/op" },
      { name: "build event + queue, spool on vs off", metric: "time on / time off (median)", value: Math.round(cost.ratio * 100) / 100, unit: "x", target: { op: "<=", value: 1.1 } },
      { name: "spool flusher, fdatasync every 1 s (500k events)", metric: "written", value: Math.round(sdk.mbPerS), unit: "MB/s" },
      { name: "spool flusher, fdatasync every 1 s (500k events)", metric: "throughput", value: Math.round(sdk.eventsPerS), unit: "events/s" },
      { name: "spool group commit, 500 per fdatasync (50k events)", metric: "throughput", value: Math.round(bridge.eventsPerS), unit: "events/s" },
    ];
    const checksums = checksumCost();
    if (checksums !== undefined) {
      const name = `record checksums of one write (500 records of ${checksums.recordBytes} B)`;
      results.push(
        { name, metric: "WebAssembly, ns per record (median)", value: Math.round(checksums.wasmNs), unit: "ns" },
        { name, metric: "JavaScript, ns per record (median)", value: Math.round(checksums.jsNs), unit: "ns" },
        { name, metric: "JavaScript time / WebAssembly time", value: Math.round((checksums.jsNs / checksums.wasmNs) * 100) / 100, unit: "x" },
      );
    }
    return results;
  },
};
