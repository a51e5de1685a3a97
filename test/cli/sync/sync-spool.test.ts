/**
 * `syvain-otel sync` on a real spool: a run logged offline by the facade in its own process (so the
 * writer is dead when sync runs), then the CLI against the emulator: every event stored once, the
 * run's final status applied, and a second sync sends nothing.
 */
import { readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SyvainError } from "../../../src/api/errors.ts";
import { runSync } from "../../../src/cli/sync-command.ts";
import { hostSpoolDir } from "../../../src/config/spool-defaults.ts";
import { openSpool } from "../../../src/delivery/spool/index.ts";
import { Collector } from "../../../src/facade/index.ts";
import type { Emulator } from "../../../src/testing/index.ts";
import { markDead } from "../../delivery/spool/spool-helpers.ts";
import { crashJob } from "../../facade/crash-job.ts";
import { withEmulator } from "../../exporter/otel/helpers.ts";
import { offlineRun, runNode, useSyncTestbed } from "./sync-helpers.ts";

let emulator: Emulator;
let dir: string;

useSyncTestbed("syvain-sync-spool-", (made, madeDir) => {
  emulator = made;
  dir = madeDir;
});

const node = (args: string[], env: Record<string, string>): ReturnType<typeof runNode> => runNode(args, env, dir);

describe("syvain-otel sync of a spool directory", () => {
  it("delivers an offline run exactly once, applies its status, and a second sync sends nothing", async () => {
    const spoolDir = join(dir, "spool");
    const env = { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url };
    const logged = await node(["--input-type=module", "-e", offlineRun("spool-sync-run")], env);
    expect(logged).toMatchObject({ code: 0 });
    expect(emulator.store.experiment("spool-sync-run")).toBeUndefined(); // offline: nothing sent

    const withKey = { ...env, SYVAIN_METRICS_API_KEY: emulator.apiKey };
    const dry = await node(["src/cli/main.ts", "sync", "--dry-run"], withKey);
    expect(dry.code).toBe(0);
    expect(emulator.store.experiment("spool-sync-run")).toBeUndefined(); // a dry run sends nothing
    // Per experiment: what would be sent (the run's `running` then `done`: one status update, done).
    expect(dry.stdout).toContain(`spool-sync-run: 250 metric point(s), 1 annotation(s), 1 status update (done), created if missing (from ${spoolDir})`);

    const first = await node(["src/cli/main.ts", "sync"], withKey);
    expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });
    expect(first.stderr).toContain("1 experiment(s), 250 metrics and 1 annotations delivered (0 already stored), 1 status update(s), 0 crashed run(s) marked failed");
    expect(emulator.store.experiment("spool-sync-run")?.status).toBe("done");
    const steps = emulator.store.metrics("spool-sync-run").map((m) => m.step);
    expect(steps).toHaveLength(250);
    expect(new Set(steps).size).toBe(250);
    expect(emulator.store.annotations("spool-sync-run").map((a) => a.text)).toEqual(["offline run finished"]);

    const ingest = (): number => (emulator.counters.requests["ingestMetrics"] ?? 0) + (emulator.counters.requests["ingestAnnotations"] ?? 0);
    const before = ingest();
    const second = await node(["src/cli/main.ts", "sync"], withKey);
    expect(second.code).toBe(0);
    expect(ingest()).toBe(before);
  });

  it("names another host's leftovers (an offline run made with the default host), never sends them there, exits 1 and creates no folder", async () => {
    const spoolDir = join(dir, "other-host");
    // No SYVAIN_METRICS_HOST: the run is spooled under the default host's folder.
    const logged = await node(["--input-type=module", "-e", offlineRun("spool-other-host")], { SYVAIN_SPOOL_DIR: spoolDir });
    expect(logged).toMatchObject({ code: 0 });
    const before = readdirSync(spoolDir).sort();
    expect(before).toEqual(["metrics.syvain.com"]);
    const expectNamed = (stderr: string): void => {
      expect(stderr).toContain(`${join(spoolDir, "metrics.syvain.com")}: 1 spool folder(s) of processes no longer running`);
      expect(stderr).toContain(`to deliver them: SYVAIN_METRICS_HOST=https://metrics.syvain.com syvain-otel sync ${spoolDir}`);
      expect(stderr).toContain("NOT everything is delivered");
      expect(stderr).not.toContain("everything is delivered\n");
    };

    for (const host of [emulator.url, "http://127.0.0.1:9"]) {
      const synced = await node(["src/cli/main.ts", "sync"], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: host, SYVAIN_METRICS_API_KEY: emulator.apiKey });
      expect(synced.code, synced.stderr).toBe(1);
      expectNamed(synced.stderr);
      expect(readdirSync(spoolDir).sort()).toEqual(before); // no folder made for the host synced to
    }
    expect(emulator.store.experiment("spool-other-host")).toBeUndefined();
    const dry = await node(["src/cli/main.ts", "sync", "--dry-run"], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url });
    expect(dry.stdout).toContain("to deliver them: SYVAIN_METRICS_HOST=https://metrics.syvain.com");
  });

  it("given another host's part of a spool directory (as exit warnings name it), names it with its host and sends nothing of it", async () => {
    // Found by review 12: the part was replayed to whatever host sync talked to (its default
    // https://metrics.syvain.com included): an offline or deferred run made on one host was created
    // on another. Spooled offline for a host that is not the emulator:
    const spoolDir = join(dir, "host-part");
    const logged = await node(["--input-type=module", "-e", offlineRun("host-part-run")], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: "http://127.0.0.1:9" });
    expect(logged).toMatchObject({ code: 0 });
    const synced = await node(["src/cli/main.ts", "sync", join(spoolDir, "127.0.0.1_9")], { SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey });
    expect(emulator.store.experiment("host-part-run")).toBeUndefined();
    expect(synced.code, synced.stderr).toBe(1);
    // Named with the host its FORMAT records, scheme included (not guessed from the folder's name).
    expect(synced.stderr).toContain(`to deliver them: SYVAIN_METRICS_HOST=http://127.0.0.1:9 syvain-otel sync ${spoolDir}`);
  });

  it("given a symlink to this host's own part of a spool directory, delivers it (not 'everything is delivered' with nothing sent)", async () => {
    // Found by review 13: a symlink's own parent is not the spool directory its host part is named
    // in, so this host's part counted as another host's and was not sent, nor named (the symlink is
    // not a directory entry there): exit 0, nothing sent. The path's real path is used now.
    const spoolDir = join(dir, "symlinked");
    const env = { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url };
    const logged = await node(["--input-type=module", "-e", offlineRun("symlinked-run")], env);
    expect(logged).toMatchObject({ code: 0 });
    const link = join(dir, "my-run-link");
    symlinkSync(hostSpoolDir(spoolDir, emulator.url), link);
    const synced = await node(["src/cli/main.ts", "sync", link], { SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey });
    expect(emulator.store.metrics("symlinked-run"), synced.stderr).toHaveLength(250);
    expect(synced.code).toBe(0);
  });

  it("does not count another host's folder whose dead writer never wrote a record (an experiment() that failed): exit 0", async () => {
    const spoolDir = join(dir, "empty-other-host");
    // What a run whose experiment() could not reach its host leaves: a header-only segment and a LOCK.
    const spool = await openSpool({ dir: hostSpoolDir(spoolDir, "http://127.0.0.1:9") });
    spool.flushSync();
    markDead(spool.dir);
    const synced = await node(["src/cli/main.ts", "sync"], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey });
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stderr).not.toContain("127.0.0.1_9");
  });

  it("names a running process's folder as skipped, sends none of it, and does not claim everything is delivered", async () => {
    const spoolDir = join(dir, "running");
    // This test's own process is the running writer: its folder holds an unacknowledged record.
    const spool = await openSpool({ dir: hostSpoolDir(spoolDir, emulator.url), syncIntervalMs: 0 });
    try {
      spool.append(2, { x: "spool-running", i: null, e: { client_event_id: "running-1", name: "loss", value: 1, step: 1, timestamp: Date.now(), metadata: {} } });
      await spool.whenDurable();
      const synced = await node(["src/cli/main.ts", "sync"], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey });
      expect(synced.code, synced.stderr).toBe(0); // its owner delivers it: not a failure of this sync
      expect(synced.stderr).toContain("1 spool folder(s) of processes still running");
      expect(synced.stderr).toContain("each process delivers its own");
      expect(synced.stderr).toContain("everything is delivered except what running processes hold");
      expect(emulator.store.experiment("spool-running")).toBeUndefined();
    } finally {
      await spool.close();
    }
  });

  it("names a running OFFLINE process's folder for what it is: that process sends nothing, a sync once it has ended does", async () => {
    const spoolDir = join(dir, "running-offline");
    // This test's own process is the running offline writer (a real offline Collector): its LOCK says so.
    const collector = new Collector({ mode: "offline", host: emulator.url, spoolDir });
    try {
      const experiment = await collector.experiment("spool-running-offline");
      experiment.metric("loss", 1, { step: 1 });
      await experiment.flushOrRaise();
      const env = { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey };
      const synced = await node(["src/cli/main.ts", "sync"], env);
      expect(synced.code, synced.stderr).toBe(0);
      expect(synced.stderr).toContain("1 spool folder(s) of offline processes still running");
      expect(synced.stderr).toContain("an offline process sends nothing");
      expect(synced.stderr).toContain("run sync again once it has ended");
      expect(synced.stderr).not.toContain("each process delivers its own");
      const dry = await node(["src/cli/main.ts", "sync", "--dry-run"], env);
      expect(dry.stdout + dry.stderr).toContain("1 spool folder(s) of offline processes still running");
      expect(emulator.store.experiment("spool-running-offline")).toBeUndefined();
    } finally {
      await collector.close();
    }
    // Ended: the next sync sends it.
    const after = await node(["src/cli/main.ts", "sync"], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey });
    expect(after.code, after.stderr).toBe(0);
    expect(emulator.store.experiment("spool-running-offline")).toBeDefined();
  });

  it("interrupted: says so (not a flush deadline) and how much stays on disk in all, unread records included; the next sync sends the rest", async () => {
    const spoolDir = join(dir, "interrupted");
    const points = 20_000;
    const dead = await openSpool({ dir: hostSpoolDir(spoolDir, emulator.url) });
    for (let step = 0; step < points; step++) {
      dead.append(2, { x: "spool-interrupted", i: null, e: { client_event_id: `interrupted-${step}`, name: "loss", value: 1, step, timestamp: Date.now(), metadata: {} } });
    }
    await dead.close();
    markDead(dead.dir);
    const env = { SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey };
    const ingested = (): number => emulator.counters.requests["ingestMetrics"] ?? 0;
    const before = ingested();
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ delayMs: 200 }] });
    // What the command's SIGINT/SIGTERM handler does, once two batches are on their way.
    const interrupt = new AbortController();
    const watch = setInterval(() => ingested() - before >= 2 && interrupt.abort(new SyvainError("shutdown", "interrupted by a signal")), 5);
    let stderr = "";
    const code = await runSync([spoolDir], { env, stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) }, signal: interrupt.signal }).finally(() => {
      clearInterval(watch);
      emulator.faults.clear();
    });
    expect(code, stderr).toBe(1);
    expect(stderr).not.toContain("deadline");
    const left = /interrupted: (\d+) record\(s\) read and not delivered, (\d+) bytes of records in all not acknowledged, stay on disk: run sync again/.exec(stderr);
    expect(left, stderr).not.toBeNull();
    const stored = emulator.store.metrics("spool-interrupted").length;
    expect(stored).toBeLessThan(points);
    // The total, not only the records read into memory when it stopped: every record not stored is in it (a record is > 50 bytes).
    expect(Number(left![2])).toBeGreaterThanOrEqual((points - stored) * 50);

    const rest = await runSync([spoolDir], { env, stdout: { write: () => true }, stderr: { write: () => true } });
    expect(rest).toBe(0);
    const ids = emulator.store.metrics("spool-interrupted").map((m) => m.client_event_id);
    expect([ids.length, new Set(ids).size]).toEqual([points, points]);
  }, 60_000);

  it("a crashed run: the dry run's counts are what the sync then sends, and the sync's printed counts are what Syvain stored", async () => {
    // Its own emulator, typed as crash-job.ts types it (the package's self-reference).
    await withEmulator(async (emulator) => {
      const spoolDir = join(dir, "crashed");
      const mustHave = await crashJob(emulator, "spool-sync-crashed", "offline", spoolDir);
      const env = { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey };
      const dry = await node(["src/cli/main.ts", "sync", "--dry-run"], env);
      const planned = /spool-sync-crashed: (\d+) metric point\(s\), (\d+) annotation\(s\), 1 status update \(failed: the run died running/.exec(dry.stdout);
      expect(planned, dry.stdout).not.toBeNull();
      const [plannedMetrics, plannedAnnotations] = [Number(planned![1]), Number(planned![2])];
      expect(plannedMetrics).toBeGreaterThanOrEqual(mustHave);

      const synced = await node(["src/cli/main.ts", "sync"], env);
      expect(synced.code, synced.stderr).toBe(0);
      const printed = /(\d+) experiment\(s\), (\d+) metrics and (\d+) annotations delivered \((?:1 of them recovery note\(s\), )?(\d+) already stored\), (\d+) status update\(s\), (\d+) crashed run\(s\)/.exec(synced.stderr);
      expect(printed, synced.stderr).not.toBeNull();
      const [experiments = 0, metrics = 0, annotations = 0, , statusUpdates = 0, crashed = 0] = printed!.slice(1).map(Number);
      const stored = { metrics: emulator.store.metrics("spool-sync-crashed").length, annotations: emulator.store.annotations("spool-sync-crashed").length };
      expect({ experiments, metrics, statusUpdates, crashed }).toEqual({ experiments: 1, metrics: stored.metrics, statusUpdates: 1, crashed: 1 });
      expect(metrics).toBe(plannedMetrics);
      // The recovery note is one of the annotations stored: the printed count includes it.
      expect(annotations).toBe(stored.annotations);
      expect(annotations).toBe(plannedAnnotations + 1);
      expect(emulator.store.experiment("spool-sync-crashed")?.status).toBe("failed");
      expect(synced.stderr).toContain(`${metrics + annotations} events delivered`);
    });
  }, 60_000);
});
