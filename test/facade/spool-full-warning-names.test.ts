/**
 * The "spool is full" warning names what the user can look at and change: a field that
 * `collector.stats().spool` has (not the engine's `refusedFull`), and, offline, no "until
 * delivered" (an offline process delivers nothing). Found by review 13.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { Collector } from "../../src/facade/index.ts";

const root = mkdtempSync(path.join(tmpdir(), "syvain-full-names-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("names a field collector.stats().spool has", async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning.message);
  process.on("warning", onWarning);
  const collector = new Collector("ak_org_emulator", { host: "http://127.0.0.1:9", spoolDir: root, mode: "offline", spoolMaxBytes: 1024 * 1024 });
  const experiment = await collector.experiment("full-offline");
  for (let step = 0; step < 20_000; step++) {
    experiment.metric("loss", step, { step, metadata: { pad: "y".repeat(50) } });
    if (step % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const stats = collector.stats().spool!;
  await collector.close();
  process.off("warning", onWarning);
  expect(stats.notSpooled).toBeGreaterThan(0);
  const full = warnings.find((message) => message.includes("is full"));
  expect(full).toBeDefined();
  const named = [...full!.matchAll(/stats\(\)\.spool\.(\w+)/g)].map(([, field]) => field);
  expect(named.length).toBeGreaterThan(0);
  for (const field of named) expect(Object.keys(stats)).toContain(field);
  expect(full).not.toMatch(/refusedFull|until deliver/);
  expect(full).toMatch(/Offline, the events it refuses are kept nowhere else/);
});
