/**
 * Where the spool lives by default and how it is switched: the facade's `Collector` spools by
 * default (like W&B's local run log), the OTel exporters only when `spoolDir` is set (OTel users
 * expect no disk by default). The directory is per user, under the XDG state directory.
 */
import os from "node:os";
import path from "node:path";
import { SyvainValidationError } from "../api/errors.ts";

export const SPOOL_DIR_ENV = "SYVAIN_SPOOL_DIR";
/** The bridge's own spool directory variable (its data is not a training script's). */
export const BRIDGE_SPOOL_DIR_ENV = "SYVAIN_BRIDGE_SPOOL_DIR";
export const MODE_ENV = "SYVAIN_MODE";
/** Disk bound of one process's spool (its own and adopted segments). */
export const DEFAULT_SPOOL_MAX_BYTES = 1024 ** 3;

export type DeliveryMode = "online" | "offline";

/**
 * `$XDG_STATE_HOME/syvain-metrics-otel/spool`, else `~/.local/state/syvain-metrics-otel/spool`:
 * "state", not "cache", since the spool holds data not yet delivered. A relative XDG_STATE_HOME is
 * invalid per the XDG spec and ignored. `home` is a parameter so tests need not touch the real one.
 */
export function defaultSpoolDir(env: NodeJS.ProcessEnv = process.env, home: () => string = os.homedir, leaf: "spool" | "bridge-spool" = "spool"): string {
  const state = env.XDG_STATE_HOME !== undefined && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(home(), ".local", "state");
  return path.join(state, "syvain-metrics-otel", leaf);
}

/** The bridge's default spool: `.../syvain-metrics-otel/bridge-spool`, beside the SDK's. */
export function defaultBridgeSpoolDir(env: NodeJS.ProcessEnv = process.env, home: () => string = os.homedir): string {
  return defaultSpoolDir(env, home, "bridge-spool");
}

/** Values of a spool directory setting that turn the spool off. */
export function isSpoolOff(value: string): boolean {
  return ["", "0", "false", "off"].includes(value.trim().toLowerCase());
}

/**
 * The spool directory in use: the option (`false` turns the spool off), else `SYVAIN_SPOOL_DIR`
 * (empty, `0`, `false` or `off` turn it off), else the default when `onByDefault`.
 */
export function resolveSpoolDir(
  option: string | false | undefined,
  onByDefault: boolean,
  env: NodeJS.ProcessEnv = process.env,
  home: () => string = os.homedir,
): string | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return path.resolve(option);
  const fromEnv = env[SPOOL_DIR_ENV];
  if (fromEnv !== undefined) return isSpoolOff(fromEnv) ? undefined : path.resolve(fromEnv);
  return onByDefault ? defaultSpoolDir(env, home) : undefined;
}

/** `mode` option, else `SYVAIN_MODE`, else online. A bad value names where it came from. */
export function resolveMode(option: DeliveryMode | undefined, owner: string, env: NodeJS.ProcessEnv = process.env): DeliveryMode {
  if (option !== undefined) return option;
  const fromEnv = env[MODE_ENV];
  if (fromEnv === undefined || fromEnv === "") return "online";
  if (fromEnv === "online" || fromEnv === "offline") return fromEnv;
  throw new SyvainValidationError(MODE_ENV, fromEnv, `${owner}: ${MODE_ENV} must be "online" or "offline" (got ${JSON.stringify(fromEnv)})`, "config");
}

/**
 * The directory of one Syvain host inside a spool directory: records name experiments by the
 * server's ids, so leftovers are only ever replayed to the host they were meant for (tests and
 * emulators on other ports included).
 */
export function hostSpoolDir(spoolDir: string, host: string): string {
  return path.join(path.resolve(spoolDir), hostPartName(host));
}

/**
 * Whether two hosts share a part: the folder name keeps only the URL's host and port, so
 * `http://x` and `https://x` (and paths under one origin) are one part.
 */
export function sameHostPart(a: string, b: string): boolean {
  return hostPartName(a) === hostPartName(b);
}

/** The name of a host's folder: the URL's host (and port), made safe; a string that is no URL, as given, made safe. */
function hostPartName(host: string): string {
  let name = host;
  try {
    const url = new URL(host);
    name = url.host;
  } catch {
    // not a URL: use it as given, made safe below
  }
  return name.replace(/[^A-Za-z0-9.-]/g, "_") || "default";
}
