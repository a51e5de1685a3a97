/**
 * `syvain-otel sync` on a disk with no room left (review 14, F2): sync cannot make its own writer
 * folder, so it cannot take over a dead run's folder. It used to say "replayed 0 spool folder(s) ...
 * everything is delivered", exit 0, with the run never sent. It names the folder and the cause and
 * exits 1; run again with room, it delivers the run. The full disk is a real `sync` process under
 * `ulimit -f 0` (every write fails, with EFBIG; on a full disk it is ENOSPC), so the test runs
 * anywhere, without mounting a small filesystem.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostSpoolDir } from "../../../src/config/spool-defaults.ts";
import type { Emulator } from "../../../src/testing/index.ts";
import { spawnFixture } from "../../facade/child-runner.ts";
import { offlineRun, runNode, useSyncTestbed } from "./sync-helpers.ts";

const main = join(import.meta.dirname, "..", "..", "..", "src", "cli", "main.ts");
let emulator: Emulator;
let dir: string;

useSyncTestbed("syvain-sync-full-disk-", (made, madeDir) => {
  emulator = made;
  dir = madeDir;
});

describe("syvain-otel sync on a full disk", () => {
  it("names the dead run's folder it cannot take over and why, exits 1, moves and sends nothing; with room, delivers it", async () => {
    const spoolDir = join(dir, "spool");
    const logged = await runNode(["--input-type=module", "-e", offlineRun("sync-full-disk")], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url }, dir);
    expect(logged).toMatchObject({ code: 0 });
    const part = hostSpoolDir(spoolDir, emulator.url);
    const before = readdirSync(part).sort();
    const dead = before.filter((name) => name.startsWith("w-"));
    expect(dead).toHaveLength(1);

    const full = await spawnFixture(main, ["sync", spoolDir], { host: emulator.url, apiKey: emulator.apiKey }, { fileSizeLimitKiB: 0 }).result;
    expect(full.code, full.stderr).toBe(1);
    expect(full.stderr).toContain(`${part}: 1 spool folder(s) of processes no longer running`);
    expect(full.stderr).toContain(dead[0]);
    expect(full.stderr).toMatch(/create writer directory failed on .*: EFBIG/);
    expect(full.stderr).toContain("NOT everything is delivered");
    expect(full.stderr).not.toContain("everything is delivered\n");
    expect(emulator.store.experiment("sync-full-disk")).toBeUndefined();
    expect(readdirSync(part).sort()).toEqual(before); // nothing moved, no half-made writer folder left

    const roomy = await runNode(["src/cli/main.ts", "sync", spoolDir], { SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey }, dir);
    expect(roomy.code, roomy.stderr).toBe(0);
    expect(emulator.store.metrics("sync-full-disk")).toHaveLength(250);
    expect(emulator.store.experiment("sync-full-disk")?.status).toBe("done");
  });
});
