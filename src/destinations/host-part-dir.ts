/**
 * The folder an owner (a Collector, the exporters, the bridge) spools in for its Syvain host, decided
 * before the spool engine loads (it loads at a collector's first `experiment()`; the root import must
 * not load it): its part in `spoolDir`, or `spoolDir` itself when that is this host's part.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { hostSpoolDir, sameHostPart } from "../config/spool-defaults.ts";
import { FORMAT_FILE, readSpoolHostSync } from "../config/spool-format.ts";

/**
 * The exit warnings name the part ("kept on disk in <spool>/<host>"), and a user who passed that as
 * `spoolDir` got a part nested in it, which never delivered the leftovers beside it (outside review 14).
 */
export function hostPartOf(spoolDir: string, host: string): string {
  const given = resolve(spoolDir);
  if (existsSync(join(given, FORMAT_FILE)) && isOwnPart(given, hostSpoolDir(dirname(given), host), readSpoolHostSync(given), host)) return given;
  return hostSpoolDir(given, host);
}

/** A part is this host's when its FORMAT names it, by folder name (http://x and https://x share one); one of an older version, when it has this host's folder name. */
export function isOwnPart(part: string, named: string, recorded: string | undefined, host: string): boolean {
  return recorded === undefined ? named === part : sameHostPart(recorded, host);
}
