/**
 * Adoption on a full disk (review 14, F2): a spool that cannot make its own writer folder has
 * nowhere to move a dead writer's folder into, so it cannot take it over. It must not answer as if
 * there were nothing to adopt: it names the folders it leaves, with the cause, and leaves them
 * as they are for a process that can write there.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openSpool, type SpoolError } from "../../../src/delivery/spool/index.ts";
import { FaultyFs } from "./faulty-fs.ts";
import { SmallDiskFs } from "./small-disk-fs.ts";
import { adoptAll, tmpSpoolDir, writeOrphan } from "./spool-helpers.ts";

describe("adopting dead writers' folders on a full disk", () => {
  it("no room for this process's writer folder: the dead folders are named with the cause (said once), left in place, and adopted once there is room", async () => {
    const dir = tmpSpoolDir();
    const orphan = path.basename(await writeOrphan(dir, [{ n: 1 }, { n: 2 }]));
    const disk = new SmallDiskFs(dir);
    disk.fillUp();
    const errors: SpoolError[] = [];
    const spool = await openSpool({ dir, fs: disk, onError: (e) => errors.push(e) });
    expect(spool.lastError).toMatchObject({ code: "io", errno: "ENOSPC", op: "create writer directory" });

    const result = await spool.adoptOrphans();
    expect(result.adopted).toEqual([]);
    expect(result.notAdopted).toMatchObject({ names: [orphan], cause: { errno: "ENOSPC" } });
    const said = errors.filter((e) => e.op === "adopt");
    expect(said).toEqual([expect.objectContaining({ code: "io", errno: "ENOSPC", path: dir })]);
    expect(said[0]!.message).toContain(orphan);
    expect(said[0]!.message).toContain("ENOSPC");
    // Nothing moved, and the writer folder it could not finish is not left half made.
    expect(fs.readdirSync(dir).sort()).toEqual(["FORMAT", orphan]);

    // The next round (a long-running owner adopts every minute): the same answer, not said again.
    expect((await spool.adoptOrphans()).notAdopted?.names).toEqual([orphan]);
    expect(errors.filter((e) => e.op === "adopt")).toHaveLength(1);
    await spool.close();

    const { spool: next, records } = await adoptAll(dir);
    expect(records).toHaveLength(2);
    await next.close();
  });

  it("the move into this process's folder fails (no room for its adopted/ folder): the dead folders are named, not passed over", async () => {
    const dir = tmpSpoolDir();
    const orphan = path.basename(await writeOrphan(dir, [{ n: 1 }]));
    const faulty = new FaultyFs();
    const errors: SpoolError[] = [];
    const spool = await openSpool({ dir, fs: faulty, onError: (e) => errors.push(e) });
    expect(spool.stats().state).toBe("active");
    faulty.failing.set("mkdir", "ENOSPC");
    const result = await spool.adoptOrphans();
    expect(result).toMatchObject({ adopted: [], notAdopted: { names: [orphan], cause: { errno: "ENOSPC" } } });
    expect(errors).toEqual([expect.objectContaining({ code: "io", op: "adopt", errno: "ENOSPC" })]);
    expect(errors[0]!.message).toContain(orphan);
    faulty.failing.delete("mkdir");
    expect((await spool.adoptOrphans()).adopted).toHaveLength(1);
    await spool.close();
  });
});
