/**
 * A spool directory as configured holds one folder per Syvain host, and a host's records name its
 * own experiment ids: they are only ever replayed to that host. A sync for one host therefore looks
 * at the others' folders only to name what they hold (dead processes' writer directories), so the
 * user learns that something is left and which host to point the sync at, instead of "everything
 * is delivered". That host is the one the part's FORMAT names; a part of an older version names
 * none, and its folder's name is all there is to go by. A part that names this same host under
 * another folder's name (a copy put in the spool directory) is not read with the directory either:
 * it is named as this host's, with the command that delivers it.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { DEFAULT_HOST } from "../../api/contract.ts";
import { hostSpoolDir, sameHostPart } from "../../config/spool-defaults.ts";
import { readSpoolHost, scanSpool, type LivenessOptions } from "../../delivery/spool/index.ts";
import { SEGMENT_HEADER_BYTES } from "../../delivery/spool/segment-header.ts";
import { FORMAT_FILE } from "../../delivery/spool/spool-layout.ts";
import { otherMachineFolders, type MachineFolders } from "./other-machines.ts";

export interface OtherHostLeftovers {
  /** The host's folder (`<spoolDir>/<host>`, or a part given itself, wherever it is). */
  dir: string;
  /** What to set `SYVAIN_METRICS_HOST` to for it: the host its FORMAT names, else as far as the folder's name tells. */
  host: string;
  /** Its FORMAT names the host this sync talks to (a part of a spool directory under another folder's name): not read with the directory, never another host's. */
  sameHost: boolean;
  /** What to give `syvain-otel sync` for it: its spool directory, or the part itself when only it finds the part (below). */
  syncDir: string;
  /** Writer directories of processes no longer running (other machines' taken as ended included), and their bytes. */
  writers: number;
  bytes: number;
  /** Folders whose LOCK names another machine, per machine (`ended`: counted in `writers` above; else not). */
  otherMachines: MachineFolders[];
}

/** Host folders of `spoolDir` other than `ownDir` (the part of `host`, this sync's) that hold dead processes' leftovers, or other machines'. */
export async function otherHostLeftovers(spoolDirAsGiven: string, ownDir: string, host: string, liveness: LivenessOptions): Promise<OtherHostLeftovers[]> {
  const spoolDir = resolve(spoolDirAsGiven);
  const found: OtherHostLeftovers[] = [];
  for (const entry of readdirSync(spoolDir, { withFileTypes: true })) {
    const dir = join(spoolDir, entry.name);
    if (!entry.isDirectory() || dir === ownDir) continue;
    const leftovers = await partLeftovers(dir, host, liveness);
    if (leftovers !== undefined) found.push(leftovers);
  }
  return found;
}

/**
 * What one host part (`dir`, a resolved path) holds of dead processes, and of other machines',
 * named with its host; `undefined`: nothing (or not a part). `host`: the one this sync talks to.
 */
export async function partLeftovers(dir: string, host: string, liveness: LivenessOptions): Promise<OtherHostLeftovers | undefined> {
  if (!existsSync(join(dir, FORMAT_FILE))) return undefined;
  const { writers } = await scanSpool(dir, liveness);
  // A writer whose segments are bare headers never wrote a record (e.g. its experiment() could
  // not reach the host): nothing to deliver, so nothing to name.
  const dead = writers.filter((w) => w.liveness === "dead" && w.bytes > w.segments * SEGMENT_HEADER_BYTES);
  const otherMachines = otherMachineFolders(writers);
  if (dead.length === 0 && otherMachines.length === 0) return undefined;
  const spoolDir = dirname(dir);
  const recorded = await readSpoolHost(dir);
  // A spool directory finds a host's part only under the host's folder name; a part that names its
  // host is found wherever it is (renamed, copied elsewhere) when given itself.
  const syncDir = recorded !== undefined && hostSpoolDir(spoolDir, recorded) !== dir ? dir : spoolDir;
  return {
    dir,
    host: recorded ?? hostOfFolder(spoolDir, basename(dir)),
    sameHost: recorded !== undefined && sameHostPart(recorded, host),
    syncDir,
    writers: dead.length,
    bytes: dead.reduce((n, w) => n + w.bytes, 0),
    otherMachines,
  };
}

/** The default host exactly; else the folder's name with its port restored (`127.0.0.1_8080` → `127.0.0.1:8080`), scheme unknown. */
function hostOfFolder(spoolDir: string, name: string): string {
  if (hostSpoolDir(spoolDir, DEFAULT_HOST) === join(spoolDir, name)) return DEFAULT_HOST;
  return `http(s)://${name.replace(/_(\d+)$/, ":$1")}`;
}
