/** Which part of a path given to `sync` is the client host's, against real spool directories (their FORMAT written by the engine). */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { openSpool } from "../../src/delivery/spool/index.ts";
import { locateHostPart } from "../../src/destinations/leftovers/host-part.ts";
import { tmpSpoolDir } from "../delivery/spool/spool-helpers.ts";

const HOST = "http://127.0.0.1:4318";
let root: string;
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** A host part at `dir` as the engine makes it: its FORMAT names `host` (none: an older version's FORMAT). */
async function part(dir: string, host: string | undefined): Promise<string> {
  const spool = await openSpool(host === undefined ? { dir } : { dir, host });
  await spool.close();
  return fs.realpathSync(dir);
}

describe("locateHostPart", () => {
  it("a spool directory: the client host's part inside it, the directory's other parts to be named", async () => {
    root = fs.realpathSync(tmpSpoolDir());
    await part(hostSpoolDir(root, HOST), HOST);
    expect(await locateHostPart(root, HOST)).toEqual({ dir: hostSpoolDir(root, HOST), spoolDir: root });
  });

  it("a part naming the client's host is its own whatever it is called and wherever it is, http and https alike", async () => {
    root = fs.realpathSync(tmpSpoolDir());
    const rescued = await part(path.join(root, "rescued"), HOST);
    expect(await locateHostPart(rescued, HOST)).toEqual({ dir: rescued });
    expect(await locateHostPart(rescued, "https://127.0.0.1:4318")).toEqual({ dir: rescued });
  });

  it("a part naming another host is another's, even under the client host's folder name", async () => {
    root = fs.realpathSync(tmpSpoolDir());
    const misplaced = await part(hostSpoolDir(root, HOST), "http://127.0.0.1:9");
    expect(await locateHostPart(misplaced, HOST)).toEqual({ dir: hostSpoolDir(root, HOST), foreignPart: misplaced });
  });

  it("a part naming no host (an older version's) is the client's only under its host's folder name", async () => {
    root = fs.realpathSync(tmpSpoolDir());
    const named = await part(hostSpoolDir(root, HOST), undefined);
    expect(await locateHostPart(named, HOST)).toEqual({ dir: named });
    const renamed = await part(path.join(root, "rescued"), undefined);
    expect(await locateHostPart(renamed, HOST)).toEqual({ dir: hostSpoolDir(root, HOST), foreignPart: renamed });
  });
});
