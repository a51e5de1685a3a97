/**
 * A writer folder whose LOCK names another machine: from here its process can be neither seen nor
 * ruled out, so it is never taken by itself (a shared NFS home may hold a live job's folder); only a
 * caller's explicit `otherMachines: "finished"` (sync --from-other-machine) takes it as a dead
 * process's. A folder of this machine is judged as always, either way.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openSpool, scanSpool, type ScanOptions } from "../../../src/delivery/spool/index.ts";
import { currentIdentity, ownerLiveness } from "../../../src/delivery/spool/process-identity.ts";
import { drain, jsonOf, markOtherMachine, tmpSpoolDir, writeOrphan } from "./spool-helpers.ts";

const MACHINE = "gpu-node-17";

describe("writer folders of another machine", () => {
  it("scanSpool and adoptOrphans leave them unless told their processes have ended; a live folder of this machine stays alive under both", async () => {
    const dir = tmpSpoolDir();
    const elsewhere = await writeOrphan(dir, [{ n: 1 }, { n: 2 }]);
    markOtherMachine(elsewhere, MACHINE);
    const live = await openSpool({ dir, syncIntervalMs: 0 });
    live.append(1, { n: 3 });
    await live.whenDurable();

    const judged = async (options: ScanOptions): Promise<Record<string, unknown>> =>
      Object.fromEntries((await scanSpool(dir, options)).writers.map((w) => [w.name, { liveness: w.liveness, otherMachine: w.otherMachine }]));
    const name = path.basename(elsewhere);
    expect(await judged({})).toEqual({ [name]: { liveness: "other-host", otherMachine: MACHINE }, [live.name]: { liveness: "alive" } });
    expect(await judged({ otherMachines: "maybe-running" })).toEqual(await judged({}));
    expect(await judged({ otherMachines: "finished" })).toEqual({ [name]: { liveness: "dead", otherMachine: MACHINE }, [live.name]: { liveness: "alive" } });

    const adopter = await openSpool({ dir, syncIntervalMs: 0 });
    expect((await adopter.adoptOrphans()).adopted).toEqual([]);
    expect((await adopter.adoptOrphans({ otherMachines: "finished" })).adopted).toEqual([path.join(adopter.dir, "adopted", name)]);
    expect((await drain(adopter)).map(jsonOf)).toEqual([{ n: 1 }, { n: 2 }]);
    // Taken once: the rename moved it, so a second adopter finds nothing of it.
    const second = await openSpool({ dir });
    expect((await second.adoptOrphans({ otherMachines: "finished" })).adopted).toEqual([]);
    await Promise.all([second.close(), adopter.close(), live.close()]);
  });

  it("ownerLiveness stays the fact, whatever a caller decides: another machine's owner is other-host, a released one dead", () => {
    const me = currentIdentity();
    expect(ownerLiveness({ ...me, host: MACHINE }, me)).toBe("other-host");
    expect(ownerLiveness({ ...me, host: MACHINE, released: true }, me)).toBe("dead");
    expect(ownerLiveness(me, me)).toBe("alive");
  });
});
