/**
 * What an automatic resume (the Collector's and the exporters' background delivery, the bridge's)
 * leaves because a folder's LOCK names another machine. A dead process of this machine is taken in
 * whatever container it ran (its socket tells: delivery/spool/live-socket.ts); another machine's
 * never, as it may be a live job on a shared home. Left in silence, such a folder looked delivered
 * (the bridge said "nothing left to deliver" over 3 MB it had answered 200 for), so it is named: its
 * machine, its bytes, and the command that delivers it once its processes have ended. Said when the
 * folders left change, not every round.
 */
import { scanSpool, type AdoptResult } from "../../delivery/spool/index.ts";
import { syncCommand } from "../kept-run-hint.ts";
import { otherMachineFolders, skippedMachineLine, type MachineFolders } from "./other-machines.ts";

export class OtherMachineWatch {
  readonly #dir: string;
  readonly #host: string;
  #seen = "";

  /** `dir`: one Syvain host's part, whose automatic resume this watches; `host`: that host (for the command). */
  constructor(dir: string, host: string) {
    this.#dir = dir;
    this.#host = host;
  }

  /** After a round's adoption: the folders holding records to name, if those left changed since the last round (else `undefined`). */
  async changed(adopted: AdoptResult): Promise<MachineFolders[] | undefined> {
    const names = (adopted.otherMachines ?? []).join("\n");
    if (names === this.#seen) return undefined;
    this.#seen = names;
    return names === "" ? undefined : this.folders();
  }

  /** Other machines' folders holding records now (a scan of the part: for a final report). */
  async folders(): Promise<MachineFolders[]> {
    return otherMachineFolders((await scanSpool(this.#dir)).writers);
  }

  describe(folders: readonly MachineFolders[]): string {
    const command = syncCommand(this.#dir, this.#host, { fromOtherMachine: true });
    return `${this.#dir}: ${folders.map((f) => skippedMachineLine(f, command)).join("; ")}`;
  }
}

/** Log fields for `folders` (the bridge's JSON lines). */
export function otherMachineFields(folders: readonly MachineFolders[]): { otherMachines: { machine: string; folders: number; bytes: number }[] } {
  return { otherMachines: folders.map((f) => ({ machine: f.machine, folders: f.writers, bytes: f.bytes })) };
}
