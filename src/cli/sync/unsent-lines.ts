/**
 * What a spool sync leaves unsent and why, worded for the user: folders of processes still running
 * here, folders written on another machine, and other parts (another Syvain host's, or this host's
 * under another folder name). Each says what would deliver it.
 */
import type { LeftoversResult, MachineFolders, OtherHostLeftovers } from "../../destinations/leftovers/deliver-leftovers.ts";
import { syncCommand } from "../../destinations/kept-run-hint.ts";
import { machineFoldersText, skippedMachineLine } from "../../destinations/leftovers/other-machines.ts";

/**
 * Folders of processes still running on this machine: never replayed by a sync (two senders of one segment would
 * race). An online process delivers its own; an offline one sends nothing, so its folder waits for
 * a sync after it has ended.
 */
export function runningLines(running: LeftoversResult["running"]): string[] {
  const online = { writers: running.writers - running.offline.writers, bytes: running.bytes - running.offline.bytes };
  const lines: string[] = [];
  if (online.writers > 0) {
    lines.push(`${online.writers} spool folder(s) of processes still running on this machine (${online.bytes} bytes not yet acknowledged) skipped: each process delivers its own; if one dies first, the next sync sends what it left`);
  }
  if (running.offline.writers > 0) {
    lines.push(
      `${running.offline.writers} spool folder(s) of offline processes still running on this machine (${running.offline.bytes} bytes not yet sent) skipped: an offline process sends nothing, and a sync sends a folder only once its process has ended; run sync again once it has ended`,
    );
  }
  return lines;
}

/**
 * Folders whose LOCK names another machine, in this host's part: skipped, with the command that
 * sends them once the user knows their processes have ended; or taken as ended (`--from-other-machine`).
 */
export function otherMachineLines(folders: readonly MachineFolders[], spoolDir: string, host: string): string[] {
  const command = syncCommand(spoolDir, host, { fromOtherMachine: true });
  return folders.map((f) => (f.ended ? `${machineFoldersText(f)}: taken as ended (--from-other-machine) and counted above` : skippedMachineLine(f, command)));
}

/** Another part's leftovers are never sent by this sync: name them, whose they are, and the command that sends them. */
export function otherPartLines(other: OtherHostLeftovers, host: string): string[] {
  const whose = other.sameHost
    ? `for this Syvain host too (its FORMAT names ${other.host}), in a folder not named after it, which a sync of its spool directory does not read`
    : `for another Syvain host, not sent to ${host}`;
  const taken = other.otherMachines.some((f) => f.ended);
  const lines =
    other.writers === 0
      ? []
      : [`${other.dir}: ${other.writers} spool folder(s) of processes no longer running (${other.bytes} bytes) ${whose}; to deliver them: ${syncCommand(other.syncDir, other.host, { fromOtherMachine: taken })}`];
  const command = syncCommand(other.syncDir, other.host, { fromOtherMachine: true });
  return [...lines, ...other.otherMachines.filter((f) => !f.ended).map((f) => `${other.dir} (${whose}): ${skippedMachineLine(f, command)}`)];
}
