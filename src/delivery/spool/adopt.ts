/**
 * Taking over the writer directories of dead processes. A directory is only adopted if its LOCK
 * names a process that is provably gone (see process-identity.ts; of this kernel under another
 * hostname, another container: its socket, live-socket.ts), or one of another machine the
 * caller takes as finished (`LivenessOptions`: only ever a user's `sync --from-other-machine`). It
 * is renamed into the adopter's own `adopted/` folder, and `rename` has exactly one winner, so two
 * live processes never read the same segment. Orphans an orphan had itself adopted are moved up
 * (flattened) the same way.
 */
import path from "node:path";
import { judgeOwner } from "./live-socket.ts";
import { parseLock, type Liveness, type LivenessOptions, type OwnerIdentity } from "./process-identity.ts";
import { checkSegmentHeader, SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import { ioError, type SpoolError } from "./spool-errors.ts";
import { ADOPTED_DIR, isWriterDirName, LOCK_FILE, segmentIdOf, writerStartMs } from "./spool-layout.ts";
import type { SpoolFs } from "./spool-fs.ts";

export interface WriterDirInfo {
  name: string;
  path: string;
  owner: OwnerIdentity | undefined;
  /**
   * `unknown`: the LOCK is missing or unreadable (left alone). A LOCK naming another hostname is
   * `other-host` (unless it is of this kernel and its socket told: `judgeOwner`), or `dead` when the
   * caller takes other machines' processes as finished.
   */
  liveness: Liveness | "unknown";
  /** The other machine the LOCK names (the owner is not released, nor of this hostname or kernel as its socket told), whatever the judgment. */
  otherMachine?: string;
  /** Segment files with a version this code does not read (the directory is left untouched). */
  unsupportedSegments: string[];
}

export async function describeWriterDir(fsi: SpoolFs, spoolDir: string, name: string, me: OwnerIdentity, options: LivenessOptions = {}): Promise<WriterDirInfo> {
  const dir = path.join(spoolDir, name);
  let owner: OwnerIdentity | undefined;
  try {
    owner = parseLock((await fsi.readFile(path.join(dir, LOCK_FILE))).toString("utf8"));
  } catch {
    owner = undefined;
  }
  const unsupportedSegments: string[] = [];
  for (const file of await fsi.readdir(dir).catch(() => [] as string[])) {
    if (segmentIdOf(file) === undefined) continue;
    const head = await fsi.readHead(path.join(dir, file), SEGMENT_HEADER_BYTES).catch(() => Buffer.alloc(0));
    if (checkSegmentHeader(head).kind === "unsupported") unsupportedSegments.push(file);
  }
  const seen = owner ? await judgeOwner(dir, owner, me) : "unknown";
  if (owner === undefined || seen !== "other-host") return { name, path: dir, owner, liveness: seen, unsupportedSegments };
  const liveness = options.otherMachines === "finished" ? "dead" : seen;
  return { name, path: dir, owner, liveness, otherMachine: owner.host, unsupportedSegments };
}

/** Writer directories directly under `spoolDir`, oldest first. */
export async function listWriterDirs(fsi: SpoolFs, spoolDir: string): Promise<string[]> {
  const names = (await fsi.readdir(spoolDir)).filter(isWriterDirName);
  return names.sort((a, b) => writerStartMs(a) - writerStartMs(b) || a.localeCompare(b));
}

export interface AdoptResult {
  /** Paths (inside `<myDir>/adopted/`) of the directories now owned by this process, oldest first. */
  adopted: string[];
  /** Dead writers' directories left alone, with why. */
  skipped: { name: string; reason: string }[];
  /**
   * Dead writers' directories this process could not take over (no writer directory of its own to
   * move them into, or the move failed: a full disk): left where they are, undelivered, for a
   * process that can. Absent when there were none.
   */
  notAdopted?: NotAdopted;
  /** Directories left because their LOCK names another machine (`other-host`, not taken as finished); absent: no adoption ran. */
  otherMachines?: string[];
}

export interface NotAdopted {
  names: string[];
  cause: SpoolError;
}

/** The writers' directories an adoption by `myName` would take now (`dead`), and those it leaves because their LOCK names another machine (reads only). */
export async function writersByLiveness(fsi: SpoolFs, spoolDir: string, myName: string, me: OwnerIdentity, options: LivenessOptions = {}): Promise<{ dead: WriterDirInfo[]; otherMachines: string[] }> {
  const dead: WriterDirInfo[] = [];
  const otherMachines: string[] = [];
  for (const name of await listWriterDirs(fsi, spoolDir)) {
    if (name === myName) continue;
    const info = await describeWriterDir(fsi, spoolDir, name, me, options);
    if (info.liveness === "dead") dead.push(info);
    else if (info.liveness === "other-host") otherMachines.push(name);
  }
  return { dead, otherMachines };
}

/** `cause` kept this process from adopting: the dead writers' directories left where they are, if any (reads only; none if they cannot be listed). */
export async function leftInPlace(fsi: SpoolFs, spoolDir: string, myName: string, me: OwnerIdentity, cause: SpoolError, options: LivenessOptions = {}): Promise<NotAdopted | undefined> {
  const names = (await writersByLiveness(fsi, spoolDir, myName, me, options).then((found) => found.dead).catch(() => [])).map((info) => info.name);
  return names.length ? { names, cause } : undefined;
}

/** `options`: how a LOCK naming another machine is taken (never adopted unless `otherMachines: "finished"`). */
export async function adoptOrphans(fsi: SpoolFs, spoolDir: string, myName: string, me: OwnerIdentity, options: LivenessOptions = {}): Promise<AdoptResult> {
  const found = await writersByLiveness(fsi, spoolDir, myName, me, options);
  const result: AdoptResult = { adopted: [], skipped: [], otherMachines: found.otherMachines };
  const adoptedDir = path.join(spoolDir, myName, ADOPTED_DIR);
  for (const info of found.dead) {
    const name = info.name;
    if (info.unsupportedSegments.length) {
      result.skipped.push({ name, reason: `segments of an unsupported version: ${info.unsupportedSegments.join(", ")}` });
      continue;
    }
    await fsi.mkdir(adoptedDir);
    const target = path.join(adoptedDir, name);
    try {
      await fsi.rename(info.path, target);
    } catch (error) {
      // ENOENT: another process won the rename, or it vanished: not ours. Anything else (no room
      // for the new entry): it stays where it is, and is named.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") (result.notAdopted ??= { names: [], cause: ioError("adopt", info.path, error) }).names.push(name);
      continue;
    }
    result.adopted.push(target);
    result.adopted.push(...(await flatten(fsi, target, adoptedDir)));
  }
  if (result.adopted.length) await fsi.syncDir(spoolDir);
  await sweepAbandonedCreations(fsi, spoolDir, me, options);
  result.adopted.sort((a, b) => writerStartMs(path.basename(a)) - writerStartMs(path.basename(b)));
  return result;
}

const CREATING_PREFIX = ".creating-";
/** A `.creating-` directory without a readable LOCK this old is not a creation in progress. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/**
 * Removes `.creating-w-...` directories a process killed while creating its writer directory left
 * behind. They never hold records (segments are created after the rename), only a LOCK: removed
 * when that LOCK names a dead process, or, unreadable (killed before it was written), once the name's
 * start time is an hour old. Best effort: a failure leaves it for the next adoption.
 */
async function sweepAbandonedCreations(fsi: SpoolFs, spoolDir: string, me: OwnerIdentity, options: LivenessOptions): Promise<void> {
  for (const entry of await fsi.readdir(spoolDir).catch(() => [] as string[])) {
    if (!entry.startsWith(CREATING_PREFIX) || !isWriterDirName(entry.slice(CREATING_PREFIX.length))) continue;
    const info = await describeWriterDir(fsi, spoolDir, entry, me, options);
    const stale = info.liveness === "unknown" && Date.now() - writerStartMs(entry) > ABANDONED_AFTER_MS;
    if (info.liveness !== "dead" && !stale) continue;
    for (const file of await fsi.readdir(info.path).catch(() => [] as string[])) await fsi.unlink(path.join(info.path, file)).catch(() => undefined);
    await fsi.rmdir(info.path).catch(() => undefined);
  }
}

/** Moves `<dir>/adopted/*` (orphans the dead writer had adopted) up into `adoptedDir`. */
async function flatten(fsi: SpoolFs, dir: string, adoptedDir: string): Promise<string[]> {
  const nested = path.join(dir, ADOPTED_DIR);
  const moved: string[] = [];
  for (const name of await fsi.readdir(nested).catch(() => [] as string[])) {
    if (!isWriterDirName(name)) continue;
    const target = path.join(adoptedDir, name);
    await fsi.rename(path.join(nested, name), target);
    moved.push(target, ...(await flatten(fsi, target, adoptedDir)));
  }
  await fsi.rmdir(nested).catch(() => undefined);
  return moved;
}
