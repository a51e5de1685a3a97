/**
 * Who owns a writer directory, and whether that owner is still alive. A pid alone is not enough:
 * pids are reused, so the LOCK also records the boot id and the process start time (field 22 of
 * `/proc/<pid>/stat`, in clock ticks since boot). No mtime heartbeats: a stalled event loop would
 * make a live process look dead. Where /proc is missing (macOS), only the pid check applies.
 */
import fs from "node:fs";
import os from "node:os";

export interface OwnerIdentity {
  pid: number;
  host: string;
  bootId: string | undefined;
  /** Field 22 of /proc/<pid>/stat, as text (it can exceed 2^53 in theory). */
  startTicks: string | undefined;
  /**
   * The owner closed its spool and left this directory for adoption (a LOCK rewritten by `close()`):
   * it no longer writes here even if the process still runs, so any process may adopt it.
   */
  released?: boolean;
  /**
   * How the owner delivers (its LOCK says so from this version on; `undefined` in older LOCKs):
   * `online` sends its own records, `offline` sends nothing (they wait for a later `sync`).
   */
  mode?: "online" | "offline";
  /**
   * The owner listens on a Unix socket in its folder (`live-socket.ts`; from this version on, where
   * it could bind one): `dev` is the folder's device number as the owner saw it. Only another
   * process of this kernel asks it (`judgeOwner`), where the pid and hostname cannot tell.
   */
  liveSocket?: { dev: string };
  /**
   * The owner's PID namespace (`/proc/self/ns/pid`, e.g. `pid:[4026531836]`; from this version on):
   * its pid means something only to a process of the same namespace. Undefined where unknown.
   */
  pidNs?: string;
}

export function readPidNamespace(): string | undefined {
  try {
    return fs.readlinkSync("/proc/self/ns/pid");
  } catch {
    return undefined;
  }
}

export function readBootId(): string | undefined {
  try {
    return fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

export function readStartTicks(pid: number | "self"): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may contain spaces or ')': split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[22 - 3];
  } catch {
    return undefined;
  }
}

export function currentIdentity(): OwnerIdentity {
  const pidNs = readPidNamespace();
  return { pid: process.pid, host: os.hostname(), bootId: readBootId(), startTicks: readStartTicks("self"), ...(pidNs === undefined ? {} : { pidNs }) };
}

export type Liveness = "alive" | "dead" | "other-host";

/**
 * How a caller takes a LOCK that names another machine (`ownerLiveness` says `other-host`: from here
 * its process can be neither seen nor ruled out). `maybe-running` (the default, and all automatic
 * adoption): never taken, as a spool on a shared (NFS) home may be in use by a live job on another
 * node, and two live deliverers must never send one segment. `finished`: the user says those
 * processes have ended (`syvain-otel sync --from-other-machine`, a part copied off a preempted node),
 * so such a folder is taken as a dead process's. A LOCK naming this machine is judged as always.
 */
export interface LivenessOptions {
  otherMachines?: "maybe-running" | "finished";
}

/**
 * Whether the process recorded in a LOCK still runs, as far as the LOCK alone tells: a fact, the same
 * for every caller, with no I/O but /proc. Another hostname's process is never judged dead here
 * (`other-host`): what to make of that is the caller's (`LivenessOptions`), after `judgeOwner` asked
 * the owner's socket when the LOCK is of this very kernel (another container).
 */
export function ownerLiveness(owner: OwnerIdentity, me: OwnerIdentity): Liveness {
  if (owner.released === true) return "dead";
  if (owner.host !== me.host) return "other-host";
  if (owner.bootId && me.bootId && owner.bootId !== me.bootId) return "dead";
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user, so it is alive.
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return "dead";
  }
  if (owner.startTicks !== undefined) {
    const now = readStartTicks(owner.pid);
    if (now !== undefined && now !== owner.startTicks) return "dead";
  }
  return "alive";
}

/** Parses a LOCK file; `undefined` if it is missing fields (a torn LOCK: the writer died creating it). */
export function parseLock(text: string): OwnerIdentity | undefined {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (typeof value.pid !== "number" || typeof value.host !== "string") return undefined;
    return {
      pid: value.pid,
      host: value.host,
      bootId: typeof value.bootId === "string" ? value.bootId : undefined,
      startTicks: typeof value.startTicks === "string" ? value.startTicks : undefined,
      ...(value.released === true ? { released: true } : {}),
      ...(value.mode === "online" || value.mode === "offline" ? { mode: value.mode } : {}),
      ...liveSocketOf(value.liveSocket),
      ...(typeof value.pidNs === "string" ? { pidNs: value.pidNs } : {}),
    };
  } catch {
    return undefined;
  }
}

function liveSocketOf(value: unknown): { liveSocket?: { dev: string } } {
  const dev = typeof value === "object" && value !== null ? (value as { dev?: unknown }).dev : undefined;
  return typeof dev === "string" ? { liveSocket: { dev } } : {};
}
