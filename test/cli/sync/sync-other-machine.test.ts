/**
 * `syvain-otel sync` of a host part copied off another machine whose process was killed (a
 * preempted node): its writer folder's LOCK names that machine, where from here the process can be
 * neither seen nor ruled out. Without `--from-other-machine` nothing is sent: the folder is named
 * with its machine and the command that sends it, and the exit status is 1 (nothing here will ever
 * send it unasked). With the flag it is delivered exactly once, the crashed run ends `failed`, and
 * a folder of a process still running on this machine is still left alone.
 */
import { cpSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostSpoolDir } from "../../../src/config/spool-defaults.ts";
import { SpoolJournal } from "../../../src/delivery/journal/outbox-journal.ts";
import { openSpool } from "../../../src/delivery/spool/index.ts";
import type { Emulator } from "../../../src/testing/index.ts";
import { markOtherMachine } from "../../delivery/spool/spool-helpers.ts";
import { crashJob, expectCrashRecovered } from "../../facade/crash-job.ts";
import { ingestRequests, syncAgainst, useSyncTestbed } from "./sync-helpers.ts";

const MACHINE = "gpu-node-17";
const OTHER_HOST = "http://127.0.0.1:9";
let emulator: Emulator;
let dir: string;

useSyncTestbed("syvain-sync-other-machine-", (made, madeDir) => {
  emulator = made;
  dir = madeDir;
});

/** A run logged offline by a facade child process SIGKILLed mid-run; its host part, its LOCK naming `MACHINE`, copied to `<dir>/rescued`. */
async function partCopiedOffAnotherMachine(slug: string): Promise<{ copy: string; mustHave: number }> {
  const spoolDir = join(dir, "spool");
  const mustHave = await crashJob(emulator, slug, "offline", spoolDir);
  const part = hostSpoolDir(spoolDir, emulator.url);
  const writers = readdirSync(part).filter((name) => name.startsWith("w-"));
  expect(writers).toHaveLength(1);
  markOtherMachine(join(part, writers[0]!), MACHINE);
  const copy = join(dir, "rescued");
  cpSync(part, copy, { recursive: true });
  return { copy, mustHave };
}

/** The metric points a dry run says it would send for `slug`. */
function plannedPoints(stdout: string, slug: string): number {
  const match = new RegExp(`^${slug}: (\\d+) metric point\\(s\\)`, "m").exec(stdout);
  expect(match, stdout).not.toBeNull();
  return Number(match![1]);
}

describe("syvain-otel sync of a part copied off another machine", () => {
  it("names the machine and the flag and sends nothing (exit 1); with --from-other-machine delivers every event on disk exactly once", async () => {
    const slug = "preempted-run";
    const { copy, mustHave } = await partCopiedOffAnotherMachine(slug);
    const command = `SYVAIN_METRICS_HOST=${emulator.url} syvain-otel sync --from-other-machine ${copy}`;

    const before = ingestRequests(emulator);
    const refused = await syncAgainst(emulator, [copy]);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`1 spool folder(s) written on another machine, ${MACHINE} (`);
    expect(refused.stderr).toContain("whether their processes still run there cannot be told from here");
    expect(refused.stderr).toContain(`deliver them with: ${command}`);
    expect(refused.stderr).toContain("NOT everything is delivered");
    expect(refused.stderr).not.toContain("processes still running");
    expect([ingestRequests(emulator), emulator.store.experiment(slug)]).toEqual([before, undefined]);

    // Synced against another Syvain host (SYVAIN_METRICS_HOST forgotten): the part is named with its own host, the machine and the flag.
    const otherHost = await syncAgainst(emulator, [copy], { SYVAIN_METRICS_HOST: OTHER_HOST });
    expect(otherHost.code, otherHost.stderr).toBe(1);
    expect(otherHost.stderr).toContain(`${copy} (for another Syvain host, not sent to ${OTHER_HOST}): 1 spool folder(s) written on another machine, ${MACHINE} (`);
    expect(otherHost.stderr).toContain(`deliver them with: ${command}`);

    const dry = await syncAgainst(emulator, ["--dry-run", copy]);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain("0 spool folder(s) of processes no longer running");
    expect(dry.stdout).toContain(`deliver them with: ${command}`);

    const planned = await syncAgainst(emulator, ["--dry-run", "--from-other-machine", copy]);
    expect(planned.code, planned.stdout).toBe(0);
    expect(planned.stdout).toContain("1 spool folder(s) of processes no longer running");
    expect(planned.stdout).toContain(`1 spool folder(s) written on another machine, ${MACHINE} (`);
    expect(planned.stdout).toContain("taken as ended (--from-other-machine)");
    const onDisk = plannedPoints(planned.stdout, slug);
    expect(onDisk).toBeGreaterThanOrEqual(mustHave);

    // A process of this machine still running in the same part: the flag does not touch its folder.
    const live = await openSpool({ dir: copy, syncIntervalMs: 0 });
    new SpoolJournal({ spool: live, slug: "still-running-here", experimentId: "exp-live" }).status("running");
    await live.whenDurable();
    try {
      const delivered = await syncAgainst(emulator, ["--from-other-machine", copy]);
      expect(delivered.code, delivered.stderr).toBe(0);
      expect(delivered.stderr).toContain("1 spool folder(s) of processes still running");
      const stored = expectCrashRecovered(emulator, slug, mustHave);
      expect(stored).toBe(onDisk);

      const requests = ingestRequests(emulator);
      const again = await syncAgainst(emulator, ["--from-other-machine", copy]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain("sync: 0 events delivered;");
      expect(ingestRequests(emulator)).toBe(requests);
      expect(emulator.store.experiment("still-running-here")).toBeUndefined();
    } finally {
      await live.close();
    }
  }, 60_000);
});
