/**
 * What a path given to `syvain-otel sync` is: a spool directory as configured (one part per Syvain
 * host, named after it: `hostSpoolDir`), of which the client's host picks its own part; or one host
 * part itself (it has the FORMAT file), which is this host's or another's. A part's FORMAT names its
 * host (`formatFileText`), so a part renamed or copied elsewhere (rescued off a preempted node) is
 * still known for whose it is; a part of an older version names none, and is this host's only under
 * this host's folder name in its spool directory.
 */
import { existsSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { hostSpoolDir } from "../../config/spool-defaults.ts";
import { isOwnPart } from "../host-part-dir.ts";
import { readSpoolHost } from "../../delivery/spool/index.ts";
import { FORMAT_FILE } from "../../delivery/spool/spool-layout.ts";

export interface GivenSpoolPath {
  /** This host's part: what a replay reads, where sync's own writer folder and the kept runs' `conflicts` folder go. */
  dir: string;
  /** Given a spool directory: it (its other hosts' parts are named). */
  spoolDir?: string;
  /** Given another host's part: it (named, never sent to this host). */
  foreignPart?: string;
}

export async function locateHostPart(path: string, host: string): Promise<GivenSpoolPath> {
  // Its real path: a symlink's parent is not the spool directory its host part is named in.
  const given = existsSync(path) ? realpathSync(path) : resolve(path);
  if (!existsSync(join(given, FORMAT_FILE))) return { dir: hostSpoolDir(given, host), spoolDir: given };
  const named = hostSpoolDir(dirname(given), host);
  return isOwnPart(given, named, await readSpoolHost(given), host) ? { dir: given } : { dir: named, foreignPart: given };
}
