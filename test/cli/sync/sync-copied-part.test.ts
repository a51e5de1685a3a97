/**
 * `syvain-otel sync <part>` of a host part copied elsewhere under another name (rescued off a
 * preempted node, or renamed): its FORMAT names its host, so sync delivers it from where it is to
 * that host, and names that exact host when it talks to another. Renamed inside its spool
 * directory, a part of the very host sync talks to is named as such (not another host's). A part
 * whose FORMAT names no host (an older version's) is still judged by its folder's name.
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostSpoolDir } from "../../../src/config/spool-defaults.ts";
import { Collector } from "../../../src/facade/index.ts";
import type { Emulator } from "../../../src/testing/index.ts";
import { writerDirs } from "../../delivery/spool/spool-helpers.ts";
import { anotherRunHolds, ingestRequests, offlineRun, runNode, syncAgainst, useSyncTestbed } from "./sync-helpers.ts";

let emulator: Emulator;
let dir: string;

useSyncTestbed("syvain-sync-copied-", (made, madeDir) => {
  emulator = made;
  dir = madeDir;
});

const OTHER_HOST = "http://127.0.0.1:9";

/** A run logged offline for the emulator by a facade process of its own, in `<dir>/spool-<slug>`; gives its host part. */
async function offlinePart(slug: string): Promise<string> {
  const spoolDir = join(dir, `spool-${slug}`);
  const logged = await runNode(["--input-type=module", "-e", offlineRun(slug)], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url }, dir);
  expect(logged).toMatchObject({ code: 0 });
  return hostSpoolDir(spoolDir, emulator.url);
}

/** `offlinePart`, copied to `<dir>/elsewhere/<name>`. */
async function rescuedPart(slug: string, name: string): Promise<string> {
  const copy = join(dir, "elsewhere", name);
  cpSync(await offlinePart(slug), copy, { recursive: true });
  return copy;
}

function sync(path: string, host: string): ReturnType<typeof runNode> {
  return runNode(["src/cli/main.ts", "sync", path], { SYVAIN_METRICS_HOST: host, SYVAIN_METRICS_API_KEY: emulator.apiKey }, dir);
}

describe("syvain-otel sync of a host part copied elsewhere", () => {
  it("delivers it to the host its FORMAT names, from where it is, exactly once; refuses it for another host, naming the recorded one", async () => {
    const copy = await rescuedPart("rescued-run", "rescued");
    expect(JSON.parse(readFileSync(join(copy, "FORMAT"), "utf8"))).toEqual({ format: 1, host: emulator.url });

    const refused = await sync(copy, OTHER_HOST);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`${copy}: 1 spool folder(s) of processes no longer running`);
    expect(refused.stderr).toContain(`to deliver them: SYVAIN_METRICS_HOST=${emulator.url} syvain-otel sync ${copy}`);
    expect(emulator.store.experiment("rescued-run")).toBeUndefined();

    const delivered = await sync(copy, emulator.url);
    expect(delivered.code, delivered.stderr).toBe(0);
    const ids = emulator.store.metrics("rescued-run").map((m) => m.client_event_id);
    expect([ids.length, new Set(ids).size]).toEqual([250, 250]);
    expect(emulator.store.annotations("rescued-run").map((a) => a.text)).toEqual(["offline run finished"]);
    expect(emulator.store.experiment("rescued-run")?.status).toBe("done");

    const before = ingestRequests(emulator);
    const again = await sync(copy, emulator.url);
    expect(again.code, again.stderr).toBe(0);
    expect(ingestRequests(emulator)).toBe(before);
  });

  it("a part of this host renamed inside its spool directory is named as this host's, not another's, with the command that delivers it", async () => {
    const slug = "renamed-in-place";
    const part = await offlinePart(slug);
    const renamed = join(dirname(part), "renamed");
    renameSync(part, renamed);

    const named = await sync(dirname(part), emulator.url);
    expect(named.code, named.stderr).toBe(1);
    expect(named.stderr).toContain(`${renamed}: 1 spool folder(s) of processes no longer running (`);
    expect(named.stderr).toContain(`for this Syvain host too (its FORMAT names ${emulator.url}), in a folder not named after it`);
    expect(named.stderr).not.toContain("another Syvain host");
    expect(named.stderr).toContain(`to deliver them: SYVAIN_METRICS_HOST=${emulator.url} syvain-otel sync ${renamed}`);
    expect(emulator.store.experiment(slug)).toBeUndefined();

    const delivered = await sync(renamed, emulator.url);
    expect(delivered.code, delivered.stderr).toBe(0);
    const ids = emulator.store.metrics(slug).map((m) => m.client_event_id);
    expect([ids.length, new Set(ids).size]).toEqual([250, 250]);
  });

  it("a part whose FORMAT names no host (an older version's), copied elsewhere, is still refused: its folder's name is all there is", async () => {
    const copy = await rescuedPart("rescued-old-run", "rescued-old");
    writeFileSync(join(copy, "FORMAT"), '{"format":1}\n');
    const refused = await sync(copy, emulator.url);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain("http(s)://rescued-old");
    expect(emulator.store.experiment("rescued-old-run")).toBeUndefined();
  });

  it("a run kept aside (another run holds its slug) is kept inside the copy, and `--rename` delivers it from there", async () => {
    const slug = "copied-kept-run";
    await anotherRunHolds(emulator, slug, 9_999);
    const spoolDir = join(dir, "spool-kept");
    // Offline, ifExists "error": the sync's create finds the slug taken. Closed: its folder is released, so any sync may adopt it.
    const offline = new Collector({ mode: "offline", host: emulator.url, spoolDir });
    const experiment = await offline.experiment(slug);
    for (let step = 0; step < 40; step++) experiment.metric("loss", step, { step });
    experiment.done();
    await offline.close();
    const copy = join(dir, "elsewhere", "kept-copy");
    cpSync(hostSpoolDir(spoolDir, emulator.url), copy, { recursive: true });
    const besideCopy = readdirSync(join(dir, "elsewhere")).sort();

    const kept = await syncAgainst(emulator, [copy]);
    expect(kept.code, kept.stderr).toBe(1);
    expect(kept.stderr).toContain(`kept in ${join(copy, "conflicts")}, not sent: another run holds the slug; to deliver them under a new slug: syvain-otel sync --rename ${slug}=<new-slug> ${copy}`);
    expect(emulator.store.metrics(slug).map((m) => m.step)).toEqual([9_999]);

    const renamed = await syncAgainst(emulator, ["--rename", `${slug}=${slug}-b`, copy]);
    expect(renamed.code, renamed.stderr).toBe(0);
    const steps = emulator.store.metrics(`${slug}-b`).map((m) => m.step);
    expect([steps.length, new Set(steps).size]).toEqual([40, 40]);
    expect(emulator.store.experiment(`${slug}-b`)?.status).toBe("done");
    // Everything the syncs wrote stayed inside the copy (their writer folders drained and gone), none beside it or in the original.
    expect(writerDirs(copy)).toEqual([]);
    expect(readdirSync(join(dir, "elsewhere")).sort()).toEqual(besideCopy);
    expect(existsSync(join(hostSpoolDir(spoolDir, emulator.url), "conflicts"))).toBe(false);
  });
});
