/** The parts of `syvain-otel sync` that need no server: spool dispatch, default directory, progress, state, flags. */
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectFlags, renderHelp } from "../../../src/cli/cli-flags.ts";
import { runSync, syncCommand } from "../../../src/cli/sync-command.ts";
import { orderedPipeline } from "../../../src/cli/sync/ordered-pipeline.ts";
import { createProgressReporter } from "../../../src/cli/sync/progress.ts";
import type { SpoolSyncOptions, SyncResult } from "../../../src/cli/sync/sync-source.ts";
import { freshState, identify, loadState, saveState } from "../../../src/cli/sync/sync-state.ts";
import { bridgeCommand } from "../../../src/cli/bridge-command.ts";
import { defaultSpoolDir, resolveSpoolDir } from "../../../src/config/spool-defaults.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "syvain-sync-parts-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { isTTY: boolean; text: string; write(s: string): boolean } {
  return { isTTY: false, text: "", write(s) { this.text += s; return true; } };
}

describe("sync of spool directories (through the pluggable source)", () => {
  const spoolDir = (): string => {
    const spool = join(dir, "spool");
    mkdirSync(spool);
    writeFileSync(join(spool, "FORMAT"), '{"format":1}');
    return spool;
  };

  it("hands a directory with a FORMAT file to deliverLeftovers, and exits 1 when it reports failures", async () => {
    const calls: SpoolSyncOptions[] = [];
    const stub = (o: SpoolSyncOptions): Promise<SyncResult> => {
      calls.push(o);
      o.onProgress?.({ sentEvents: 3, totalEvents: 3, experiments: 1 });
      return Promise.resolve({ experiments: 1, events: 3, delivered: 2, failed: 1, details: ["run-7: 1 metric event refused: bad value"] });
    };
    const [stdout, stderr] = [capture(), capture()];
    const env = { SYVAIN_METRICS_API_KEY: "ak_test_key", SYVAIN_METRICS_HOST: "http://127.0.0.1:9" };
    const code = await runSync([spoolDir()], { env, stdout, stderr, loadSpool: () => Promise.resolve(stub) });
    expect(code).toBe(1);
    expect(calls.map((c) => [c.spoolDir, c.dryRun])).toEqual([[join(dir, "spool"), false]]);
    expect(stderr.text).toContain("run-7: 1 metric event refused: bad value");
    expect(stderr.text).toContain(`syvain-otel sync: ${join(dir, "spool")}: 3/3 events, 1 experiment (100%)`);
  });

  it("uses the default spool directory ($SYVAIN_SPOOL_DIR) when given no path, and --dry-run reaches the source", async () => {
    const spool = spoolDir();
    let dryRun: boolean | undefined;
    const stub = (o: SpoolSyncOptions): Promise<SyncResult> => {
      dryRun = o.dryRun;
      return Promise.resolve({ experiments: 1, events: 5, delivered: 0, failed: 0, details: ["run-7: 5 metric events"] });
    };
    const stdout = capture();
    const code = await runSync(["--dry-run"], { env: { SYVAIN_SPOOL_DIR: spool }, stdout, stderr: capture(), loadSpool: () => Promise.resolve(stub) });
    expect([code, dryRun, stdout.text]).toEqual([0, true, "run-7: 5 metric events\n"]);
  });

  it("has nothing to do (exit 0) when the default spool directory does not exist", async () => {
    const stderr = capture();
    const code = await runSync([], { env: { SYVAIN_SPOOL_DIR: join(dir, "none") }, stdout: capture(), stderr });
    expect([code, stderr.text]).toEqual([0, `syvain-otel sync: nothing to sync: no spool directory at ${join(dir, "none")}\n`]);
  });

  it("has nothing to do (exit 0) when the default spool directory exists but no spool was ever written in it (a fresh volume)", async () => {
    const empty = join(dir, "fresh-volume");
    mkdirSync(empty);
    const stderr = capture();
    const code = await runSync([], { env: { SYVAIN_SPOOL_DIR: empty }, stdout: capture(), stderr });
    expect([code, stderr.text]).toEqual([0, `syvain-otel sync: nothing to sync: no spool in ${empty} yet\n`]);
  });

  it("still refuses (exit 2) a directory given explicitly that is not a spool directory", async () => {
    const empty = join(dir, "not-a-spool");
    mkdirSync(empty);
    const stderr = capture();
    const code = await runSync([empty], { env: {}, stdout: capture(), stderr });
    expect(code).toBe(2);
    expect(stderr.text).toMatch(/is a directory but not a spool directory/);
  });
});

describe("sync with a malformed API key", () => {
  it("is a usage error (exit 2) naming the environment variable, never the key, and sends nothing", async () => {
    const path = join(dir, "one.jsonl");
    writeFileSync(path, "{}\n");
    const stderr = capture();
    const code = await runSync([path], { env: { SYVAIN_METRICS_API_KEY: "ak_org_bad key", SYVAIN_METRICS_HOST: "http://127.0.0.1:9" }, stdout: capture(), stderr });
    expect(code).toBe(2);
    expect(stderr.text).toMatch(/^syvain-otel sync: SYVAIN_METRICS_API_KEY is not a usable API key: /);
    expect(stderr.text).not.toContain("ak_org_bad");
  });

  it("a bad host is not blamed on the key, and its credentials are never printed", async () => {
    const path = join(dir, "one.jsonl");
    writeFileSync(path, "{}\n");
    const stderr = capture();
    const code = await runSync([path], { env: { SYVAIN_METRICS_API_KEY: "ak_org_good", SYVAIN_METRICS_HOST: "https://user:ak_org_hidden@metrics.example.com" }, stdout: capture(), stderr });
    expect(code).toBe(2);
    expect(stderr.text).toMatch(/^syvain-otel sync: Syvain client: invalid `host` "https:\/\/<redacted>@metrics.example.com": credentials in the URL/);
    expect(stderr.text).not.toMatch(/API key|ak_org_hidden/);
  });
});

describe("sync of a JSONL file that has only bad lines", () => {
  it("names the first 20 on stderr and points to the state file for the rest; exit 1, no request needed", async () => {
    const path = join(dir, "junk.jsonl");
    writeFileSync(path, "not json\n".repeat(25));
    const stderr = capture();
    // Nothing deliverable: the (unreachable) host is never called.
    const code = await runSync([path], { env: { SYVAIN_METRICS_API_KEY: "k", SYVAIN_METRICS_HOST: "http://127.0.0.1:9" }, stdout: capture(), stderr });
    expect(code).toBe(1);
    expect(stderr.text.match(/junk\.jsonl:\d+: skipped, not valid JSON/g)).toHaveLength(20);
    expect(stderr.text).toContain(`${path}: ... and 5 more refused or skipped lines, listed in ${path}.sync-state`);
  });
});

describe("defaultSpoolDir", () => {
  const home = (): string => "/home/ada";
  it("prefers SYVAIN_SPOOL_DIR, then XDG_STATE_HOME, then ~/.local/state", () => {
    expect(resolveSpoolDir(undefined, true, { SYVAIN_SPOOL_DIR: "/data/spool", XDG_STATE_HOME: "/x" }, home)).toBe("/data/spool");
    expect(defaultSpoolDir({ XDG_STATE_HOME: "/x" }, home)).toBe("/x/syvain-metrics-otel/spool");
    expect(defaultSpoolDir({}, home)).toBe("/home/ada/.local/state/syvain-metrics-otel/spool");
  });
  it("ignores a relative XDG_STATE_HOME (invalid per the XDG spec); an empty or off SYVAIN_SPOOL_DIR turns the spool off", () => {
    expect(defaultSpoolDir({ XDG_STATE_HOME: "state" }, home)).toBe("/home/ada/.local/state/syvain-metrics-otel/spool");
    expect(resolveSpoolDir(undefined, true, { SYVAIN_SPOOL_DIR: "" }, home)).toBeUndefined();
    expect(resolveSpoolDir(undefined, true, { SYVAIN_SPOOL_DIR: "off" }, home)).toBeUndefined();
  });
});

describe("progress", () => {
  it("plain output: a line at most every interval, and always the last one", () => {
    let now = 0;
    const out = capture();
    const progress = createProgressReporter(out, { now: () => now, plainIntervalMs: 5000 });
    progress.update("f.jsonl", { sentEvents: 0, totalEvents: 3000, experiments: 1 });
    now = 1000;
    progress.update("f.jsonl", { sentEvents: 1000, totalEvents: 3000, experiments: 1 });
    now = 6000;
    progress.update("f.jsonl", { sentEvents: 2000, totalEvents: 3000, experiments: 1 });
    now = 6001;
    progress.update("f.jsonl", { sentEvents: 3000, totalEvents: 3000, experiments: 1 });
    progress.finish();
    expect(out.text.split("\n").filter(Boolean)).toEqual([
      "syvain-otel sync: f.jsonl: 0/3000 events, 1 experiment (0%)",
      "syvain-otel sync: f.jsonl: 2000/3000 events, 1 experiment (66%)",
      "syvain-otel sync: f.jsonl: 3000/3000 events, 1 experiment (100%)",
    ]);
  });

  it("plain output: a spool (its event total unknown until the end) goes by bytes read, a line at most every interval, and a final one", () => {
    let now = 0;
    const out = capture();
    const progress = createProgressReporter(out, { now: () => now, plainIntervalMs: 5000 });
    // A spool replay reports after every batch of 500, with the bytes it has read of the 1 MiB adopted.
    const total = 1024 * 1024;
    const at = (batch: number): { sentEvents: number; bytes: { read: number; total: number }; experiments: number } => ({
      sentEvents: batch * 500,
      bytes: { read: Math.round((batch / 120) * total), total },
      experiments: 1,
    });
    for (let batch = 1; batch <= 120; batch++, now += 100) progress.update("spool", at(batch));
    progress.finish();
    expect(out.text.split("\n").filter(Boolean)).toEqual([
      "syvain-otel sync: spool: 500 events sent, 0.0 MiB of 1.0 MiB read, 1 experiment (0%)",
      "syvain-otel sync: spool: 25500 events sent, 0.4 MiB of 1.0 MiB read, 1 experiment (42%)",
      "syvain-otel sync: spool: 50500 events sent, 0.8 MiB of 1.0 MiB read, 1 experiment (84%)",
      "syvain-otel sync: spool: 60000 events sent, 1.0 MiB of 1.0 MiB read, 1 experiment (100%)",
    ]);
    // finish() prints nothing twice: the last state was already printed.
    progress.update("spool", at(120));
    progress.finish();
    progress.finish();
    expect(out.text.split("\n").filter(Boolean)).toHaveLength(5);
  });

  it("a terminal: a spool's bar follows the bytes read, not the events sent so far", () => {
    const out = { ...capture(), isTTY: true, columns: 120 };
    let now = 0;
    const progress = createProgressReporter(out, { now: () => now });
    progress.update("spool", { sentEvents: 500, bytes: { read: 256 * 1024, total: 1024 * 1024 }, experiments: 1 });
    now = 1000;
    progress.update("spool", { sentEvents: 2000, bytes: { read: 1024 * 1024, total: 1024 * 1024 }, experiments: 1 });
    progress.finish();
    expect(out.text).toBe(
      `\r\x1b[K[######..................]  25% 500 events sent, 0.3 MiB of 1.0 MiB read, 1 experiment spool` +
        `\r\x1b[K[########################] 100% 2000 events sent, 1.0 MiB of 1.0 MiB read, 1 experiment spool\n`,
    );
  });

  it("a terminal: one line redrawn in place, ended by finish()", () => {
    const out = { ...capture(), isTTY: true, columns: 120 };
    const progress = createProgressReporter(out, { now: () => 0 });
    progress.update("f.jsonl", { sentEvents: 50, totalEvents: 100, experiments: 2 });
    progress.update("f.jsonl", { sentEvents: 100, totalEvents: 100, experiments: 2 });
    progress.finish();
    expect(out.text).toBe(
      `\r\x1b[K[############............]  50% 50/100 events, 2 experiments f.jsonl` + `\r\x1b[K[########################] 100% 100/100 events, 2 experiments f.jsonl\n`,
    );
  });
});

describe("sync state (<file>.sync-state)", () => {
  it("resumes the same file after it grew, starts over when it was replaced or rewritten", async () => {
    const path = join(dir, "f.jsonl");
    writeFileSync(path, "x".repeat(2000) + "\n");
    await saveState(path, { ...freshState(await identify(path, 2001)), offset: 2001, statusesThrough: 2001 });
    expect((await loadState(path)).kind).toBe("unchanged");
    appendFileSync(path, "more\n");
    expect((await loadState(path)).kind).toBe("resume");
    writeFileSync(path, "y".repeat(3000) + "\n"); // same inode, other content
    expect(await loadState(path)).toEqual({ kind: "changed", reason: "the file's first bytes changed since the last sync" });
    writeFileSync(`${path}.new`, "x".repeat(2000) + "\n");
    renameSync(`${path}.new`, path); // the content of the state's file, but another file
    expect(await loadState(path)).toEqual({ kind: "changed", reason: "the file was replaced since the last sync" });
  });
});

describe("CLI flags with positionals", () => {
  it("collects positionals for a command that declares them, and refuses them elsewhere", () => {
    expect(collectFlags(syncCommand, ["a.jsonl", "--dry-run", "b.jsonl"], {}).values["paths"]).toEqual(["a.jsonl", "b.jsonl"]);
    expect(() => collectFlags(bridgeCommand, ["a.jsonl"], {})).toThrow("unexpected argument a.jsonl: options start with --");
  });
  it("shows them in the generated help", () => {
    const help = renderHelp(syncCommand, "intro");
    expect(help).toContain("usage: syvain-otel sync [paths...] [options]");
    expect(help).toMatch(/arguments:\n {2}\[paths\.\.\.\] +spool directories and JSONL files/);
  });
});

describe("orderedPipeline", () => {
  const later = <T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } => {
    let resolve!: (v: T) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };

  it("keeps up to `limit` tasks in flight and commits in the order they started", async () => {
    const committed: number[] = [];
    const pipeline = orderedPipeline<number>(2, (n) => Promise.resolve(void committed.push(n)));
    const [a, b, c] = [later<number>(), later<number>(), later<number>()];
    await pipeline.push(a.promise); // 1 in flight: push returns at once
    const pushingB = pipeline.push(b.promise); // 2 in flight: waits for the oldest
    b.resolve(2);
    await Promise.resolve();
    expect(committed).toEqual([]); // b finished first, but a is older
    a.resolve(1);
    await pushingB;
    expect(committed).toEqual([1]);
    const pushingC = pipeline.push(c.promise);
    await pushingC;
    expect(committed).toEqual([1, 2]);
    c.resolve(3);
    await pipeline.drain();
    expect(committed).toEqual([1, 2, 3]);
  });

  it("surfaces a failure when its turn comes, without committing it or anything after", async () => {
    const committed: number[] = [];
    const pipeline = orderedPipeline<number>(3, (n) => Promise.resolve(void committed.push(n)));
    const failing = later<number>();
    await pipeline.push(Promise.resolve(1));
    await pipeline.push(failing.promise);
    failing.reject(new Error("network down"));
    await pipeline.push(Promise.resolve(3)); // 3 in flight: commits 1, the oldest
    await expect(pipeline.drain()).rejects.toThrow("network down");
    expect(committed).toEqual([1]);
  });
});
