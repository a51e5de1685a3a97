/**
 * Writer folders whose LOCK names another machine. From here, whether their processes still run
 * cannot be told (process-identity.ts): a spool on a shared (NFS) home may be in use by a live job
 * on another node. A sync therefore leaves them, named per machine so the user can decide, unless
 * the user says those processes have ended (`sync --from-other-machine`: a part copied off a
 * preempted node); then they are replayed as dead processes' folders are.
 */
import type { ScannedWriter } from "../../delivery/spool/index.ts";

export interface MachineFolders {
  /** The hostname their LOCKs name. */
  machine: string;
  writers: number;
  /** Segment bytes no ack covers: records still to deliver. */
  bytes: number;
  /** Taken as ended (`otherMachines: "finished"`): replayed (a dry run: would be); else skipped, never sent. */
  ended: boolean;
}

/** Per machine, the folders holding records whose LOCK names another machine (a scan judges them all one way). */
export function otherMachineFolders(writers: readonly ScannedWriter[]): MachineFolders[] {
  const byMachine = new Map<string, MachineFolders>();
  for (const writer of writers) {
    if (writer.otherMachine === undefined || writer.unackedBytes === 0) continue;
    const folders = byMachine.get(writer.otherMachine) ?? { machine: writer.otherMachine, writers: 0, bytes: 0, ended: writer.liveness === "dead" };
    folders.writers++;
    folders.bytes += writer.unackedBytes;
    byMachine.set(writer.otherMachine, folders);
  }
  return [...byMachine.values()];
}

/** Folders of other machines left unsent (not taken as ended). */
export function skippedMachines(folders: readonly MachineFolders[]): MachineFolders[] {
  return folders.filter((f) => !f.ended);
}

export function machineFoldersText(f: MachineFolders): string {
  return `${f.writers} spool folder(s) written on another machine, ${f.machine} (${f.bytes} bytes not yet acknowledged)`;
}

/**
 * How skipped folders of one machine are named wherever they are (sync's report, the bridge's log,
 * the Collector's warning). Whether a process on another machine still runs cannot be told from here
 * (a shared NFS home): its folder is left, and only the user can say it has ended. A live writer
 * there would go on writing into a folder being delivered, hence the condition in the words.
 */
export function skippedMachineLine(f: MachineFolders, command: string): string {
  return `${machineFoldersText(f)} skipped: whether their processes still run there cannot be told from here; if they have ended (that machine or container is gone, or this is a copy taken off it), deliver them with: ${command}`;
}
